//! The one error type of this crate.

/// Errors produced by the decoders and parsers of `srs-kernel`.
///
/// Every variant names what was being decoded and carries what was expected and found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KernelError {
    /// The input ended before a complete item could be decoded.
    #[error("truncated {what}: need {need} bytes, have {have}")]
    Truncated {
        /// What was being decoded.
        what: &'static str,
        /// Bytes needed to continue.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// The input is structurally wrong.
    #[error("invalid {what}: {detail}")]
    Invalid {
        /// What was being decoded.
        what: &'static str,
        /// What was expected and what was found.
        detail: String,
    },
    /// A declared size is larger than the configured limit.
    #[error("{what} too large: {size} exceeds limit {limit}")]
    TooLarge {
        /// What was being decoded or encoded.
        what: &'static str,
        /// The declared or actual size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Nested containers went deeper than the limit (hostile input).
    #[error("{what} nested too deep: limit is {limit}")]
    TooDeep {
        /// What was being decoded.
        what: &'static str,
        /// The nesting limit.
        limit: usize,
    },
    /// More items than the limit (hostile input).
    #[error("too many {what}: limit is {limit}")]
    TooMany {
        /// What was being counted.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
}

impl KernelError {
    /// Shorthand for [`KernelError::Truncated`].
    pub fn truncated(what: &'static str, need: usize, have: usize) -> Self {
        KernelError::Truncated { what, need, have }
    }

    /// Shorthand for [`KernelError::Invalid`].
    pub fn invalid(what: &'static str, detail: impl Into<String>) -> Self {
        KernelError::Invalid {
            what,
            detail: detail.into(),
        }
    }
}
