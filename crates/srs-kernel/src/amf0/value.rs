//! The AMF0 value type and its accessors.

use bytes::Bytes;

/// One AMF0 value.
#[derive(Debug, Clone, PartialEq)]
pub enum Amf0Value {
    /// Marker 0x00.
    Number(f64),
    /// Marker 0x01.
    Boolean(bool),
    /// Marker 0x02 (u16 length). Strings longer than 65535 bytes are encoded as long strings.
    String(String),
    /// Marker 0x03: ordered properties.
    Object(Vec<(String, Amf0Value)>),
    /// Marker 0x05.
    Null,
    /// Marker 0x06.
    Undefined,
    /// Marker 0x07: index of an earlier complex value.
    Reference(u16),
    /// Marker 0x08: ordered properties (the declared count is not trusted).
    EcmaArray(Vec<(String, Amf0Value)>),
    /// Marker 0x0A.
    StrictArray(Vec<Amf0Value>),
    /// Marker 0x0B.
    Date {
        /// Milliseconds since the Unix epoch.
        millis: f64,
        /// Timezone offset (unused by Flash, usually 0).
        timezone: i16,
    },
    /// Marker 0x0C (u32 length).
    LongString(String),
    /// AMF3 value carried inside AMF0 (marker 0x11): kept as raw bytes up to the end of the payload.
    AvmPlus(Bytes),
}

impl Amf0Value {
    /// Property lookup on an `Object` or `EcmaArray` (first match); `None` for other types.
    pub fn get(&self, key: &str) -> Option<&Amf0Value> {
        self.properties()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The properties of an `Object` or `EcmaArray`.
    pub fn properties(&self) -> Option<&[(String, Amf0Value)]> {
        match self {
            Amf0Value::Object(p) | Amf0Value::EcmaArray(p) => Some(p),
            _ => None,
        }
    }

    /// The text of a `String` or `LongString`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Amf0Value::String(s) | Amf0Value::LongString(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a `Number`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Amf0Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The value of a `Boolean`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Amf0Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// True for `Null` and `Undefined`.
    pub fn is_null_or_undefined(&self) -> bool {
        matches!(self, Amf0Value::Null | Amf0Value::Undefined)
    }

    /// Builds an `Object` from borrowed keys, keeping their order.
    pub fn object(props: Vec<(&str, Amf0Value)>) -> Amf0Value {
        Amf0Value::Object(props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// Builds an `EcmaArray` from borrowed keys, keeping their order.
    pub fn ecma_array(props: Vec<(&str, Amf0Value)>) -> Amf0Value {
        Amf0Value::EcmaArray(props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// Builds a `String`.
    pub fn string(s: impl Into<String>) -> Amf0Value {
        Amf0Value::String(s.into())
    }
}

impl From<f64> for Amf0Value {
    fn from(v: f64) -> Self {
        Amf0Value::Number(v)
    }
}

impl From<bool> for Amf0Value {
    fn from(v: bool) -> Self {
        Amf0Value::Boolean(v)
    }
}

impl From<&str> for Amf0Value {
    fn from(v: &str) -> Self {
        Amf0Value::String(v.to_owned())
    }
}

impl From<String> for Amf0Value {
    fn from(v: String) -> Self {
        Amf0Value::String(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors() {
        let o = Amf0Value::object(vec![
            ("app", "live".into()),
            ("n", 2.0.into()),
            ("b", true.into()),
        ]);
        assert_eq!(o.get("app").and_then(Amf0Value::as_str), Some("live"));
        assert_eq!(o.get("n").and_then(Amf0Value::as_f64), Some(2.0));
        assert_eq!(o.get("b").and_then(Amf0Value::as_bool), Some(true));
        assert_eq!(o.get("missing"), None);
        let e = Amf0Value::ecma_array(vec![("width", 1280.0.into())]);
        assert_eq!(e.get("width").and_then(Amf0Value::as_f64), Some(1280.0));
        assert_eq!(Amf0Value::Null.get("x"), None);
        assert_eq!(Amf0Value::LongString("x".into()).as_str(), Some("x"));
        assert_eq!(Amf0Value::Null.as_str(), None);
        assert!(Amf0Value::Undefined.is_null_or_undefined());
    }
}
