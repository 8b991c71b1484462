//! AMF0 encoding.

use super::marker;
use super::value::Amf0Value;

/// Encodes each value in order.
pub fn encode_all(values: &[Amf0Value], out: &mut Vec<u8>) {
    for v in values {
        v.encode(out);
    }
}

/// Clamps a byte string to `max` bytes (only reachable with absurdly long strings).
fn clamp(b: &[u8], max: usize) -> &[u8] {
    &b[..b.len().min(max)]
}

fn put_short_string(s: &str, out: &mut Vec<u8>) {
    let b = clamp(s.as_bytes(), u16::MAX as usize);
    out.extend_from_slice(&(b.len() as u16).to_be_bytes());
    out.extend_from_slice(b);
}

fn put_long_string(s: &str, out: &mut Vec<u8>) {
    let b = clamp(s.as_bytes(), u32::MAX as usize);
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

fn put_properties(props: &[(String, Amf0Value)], out: &mut Vec<u8>) {
    for (k, v) in props {
        put_short_string(k, out);
        v.encode(out);
    }
    out.extend_from_slice(&[0, 0, marker::OBJECT_END]);
}

fn properties_len(props: &[(String, Amf0Value)]) -> usize {
    props
        .iter()
        .map(|(k, v)| 2 + k.len().min(u16::MAX as usize) + v.encoded_len())
        .sum::<usize>()
        + 3
}

impl Amf0Value {
    /// Appends the AMF0 encoding of this value.
    ///
    /// A `String` longer than 65535 bytes is written as a long string (marker 0x0C),
    /// since a short string cannot hold it.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Amf0Value::Number(n) => {
                out.push(marker::NUMBER);
                out.extend_from_slice(&n.to_be_bytes());
            }
            Amf0Value::Boolean(b) => out.extend_from_slice(&[marker::BOOLEAN, u8::from(*b)]),
            Amf0Value::String(s) if s.len() > u16::MAX as usize => {
                out.push(marker::LONG_STRING);
                put_long_string(s, out);
            }
            Amf0Value::String(s) => {
                out.push(marker::STRING);
                put_short_string(s, out);
            }
            Amf0Value::Object(props) => {
                out.push(marker::OBJECT);
                put_properties(props, out);
            }
            Amf0Value::Null => out.push(marker::NULL),
            Amf0Value::Undefined => out.push(marker::UNDEFINED),
            Amf0Value::Reference(r) => {
                out.push(marker::REFERENCE);
                out.extend_from_slice(&r.to_be_bytes());
            }
            Amf0Value::EcmaArray(props) => {
                out.push(marker::ECMA_ARRAY);
                let count = u32::try_from(props.len()).unwrap_or(u32::MAX);
                out.extend_from_slice(&count.to_be_bytes());
                put_properties(props, out);
            }
            Amf0Value::StrictArray(items) => {
                out.push(marker::STRICT_ARRAY);
                let count = u32::try_from(items.len()).unwrap_or(u32::MAX);
                out.extend_from_slice(&count.to_be_bytes());
                for v in items.iter().take(count as usize) {
                    v.encode(out);
                }
            }
            Amf0Value::Date { millis, timezone } => {
                out.push(marker::DATE);
                out.extend_from_slice(&millis.to_be_bytes());
                out.extend_from_slice(&timezone.to_be_bytes());
            }
            Amf0Value::LongString(s) => {
                out.push(marker::LONG_STRING);
                put_long_string(s, out);
            }
            Amf0Value::AvmPlus(raw) => {
                out.push(marker::AVMPLUS);
                out.extend_from_slice(raw);
            }
        }
    }

    /// The number of bytes [`Amf0Value::encode`] appends.
    pub fn encoded_len(&self) -> usize {
        match self {
            Amf0Value::Number(_) => 9,
            Amf0Value::Boolean(_) => 2,
            Amf0Value::String(s) if s.len() > u16::MAX as usize => {
                5 + s.len().min(u32::MAX as usize)
            }
            Amf0Value::String(s) => 3 + s.len(),
            Amf0Value::Object(props) => 1 + properties_len(props),
            Amf0Value::Null | Amf0Value::Undefined => 1,
            Amf0Value::Reference(_) => 3,
            Amf0Value::EcmaArray(props) => 5 + properties_len(props),
            Amf0Value::StrictArray(items) => {
                5 + items
                    .iter()
                    .take(u32::MAX as usize)
                    .map(Amf0Value::encoded_len)
                    .sum::<usize>()
            }
            Amf0Value::Date { .. } => 11,
            Amf0Value::LongString(s) => 5 + s.len().min(u32::MAX as usize),
            Amf0Value::AvmPlus(raw) => 1 + raw.len(),
        }
    }

    /// The AMF0 encoding of this value as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out
    }
}
