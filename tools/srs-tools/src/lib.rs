//! Shared helpers of the client tools.
