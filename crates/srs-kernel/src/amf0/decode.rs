//! AMF0 decoding.

use super::marker;
use super::value::Amf0Value;
use crate::error::KernelError;
use bytes::Bytes;

/// Maximum nesting depth of objects and arrays; deeper input is rejected.
pub const MAX_DEPTH: usize = 64;

/// Upper bound on elements preallocated from a count read off the wire.
const MAX_PREALLOC: usize = 1024;

/// Most values (nested ones included) one [`decode`] or [`decode_all`] call
/// builds. A decoded value takes up to ~40 times the bytes of its encoding (a
/// null is one byte on the wire, a 32-byte enum in memory), so a count cap is
/// what bounds the memory hostile input can make the decoder allocate. This
/// one leaves room for the keyframe index of a several-hour FLV file.
pub const MAX_VALUES: usize = 65_536;

/// Counts values against [`MAX_VALUES`].
struct Budget(usize);

impl Budget {
    fn spend(&mut self) -> Result<(), KernelError> {
        self.0 = self.0.checked_sub(1).ok_or(KernelError::TooMany {
            what: "amf0 values",
            limit: MAX_VALUES,
        })?;
        Ok(())
    }
}

/// Decodes one value and advances `buf` past it. On error `buf` is left unchanged.
pub fn decode(buf: &mut &[u8]) -> Result<Amf0Value, KernelError> {
    let mut cur = *buf;
    let v = decode_value(&mut cur, 0, &mut Budget(MAX_VALUES))?;
    *buf = cur;
    Ok(v)
}

/// Decodes values until the input is empty.
pub fn decode_all(buf: &[u8]) -> Result<Vec<Amf0Value>, KernelError> {
    let mut cur = buf;
    let mut out = Vec::new();
    let mut budget = Budget(MAX_VALUES);
    while !cur.is_empty() {
        out.push(decode_value(&mut cur, 0, &mut budget)?);
    }
    Ok(out)
}

fn take<'a>(buf: &mut &'a [u8], n: usize, what: &'static str) -> Result<&'a [u8], KernelError> {
    if buf.len() < n {
        return Err(KernelError::truncated(what, n, buf.len()));
    }
    let (head, tail) = buf.split_at(n);
    *buf = tail;
    Ok(head)
}

fn read_u8(buf: &mut &[u8], what: &'static str) -> Result<u8, KernelError> {
    Ok(take(buf, 1, what)?[0])
}

fn read_u16(buf: &mut &[u8], what: &'static str) -> Result<u16, KernelError> {
    let b = take(buf, 2, what)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

fn read_u32(buf: &mut &[u8], what: &'static str) -> Result<u32, KernelError> {
    let b = take(buf, 4, what)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn read_f64(buf: &mut &[u8], what: &'static str) -> Result<f64, KernelError> {
    let b = take(buf, 8, what)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(f64::from_be_bytes(a))
}

fn read_utf8(buf: &mut &[u8], len: usize, what: &'static str) -> Result<String, KernelError> {
    let b = take(buf, len, what)?;
    Ok(String::from_utf8_lossy(b).into_owned())
}

/// A u16-length string without marker (property names and short strings).
fn read_short_string(buf: &mut &[u8], what: &'static str) -> Result<String, KernelError> {
    let len = read_u16(buf, what)? as usize;
    read_utf8(buf, len, what)
}

fn decode_value(
    buf: &mut &[u8],
    depth: usize,
    budget: &mut Budget,
) -> Result<Amf0Value, KernelError> {
    budget.spend()?;
    let m = read_u8(buf, "amf0 marker")?;
    match m {
        marker::NUMBER => Ok(Amf0Value::Number(read_f64(buf, "amf0 number")?)),
        marker::BOOLEAN => Ok(Amf0Value::Boolean(read_u8(buf, "amf0 boolean")? != 0)),
        marker::STRING => Ok(Amf0Value::String(read_short_string(buf, "amf0 string")?)),
        marker::OBJECT => Ok(Amf0Value::Object(decode_properties(
            buf,
            depth + 1,
            budget,
        )?)),
        marker::NULL => Ok(Amf0Value::Null),
        marker::UNDEFINED => Ok(Amf0Value::Undefined),
        marker::REFERENCE => Ok(Amf0Value::Reference(read_u16(buf, "amf0 reference")?)),
        marker::ECMA_ARRAY => {
            // The count is advisory: encoders get it wrong, the object end is authoritative.
            let _count = read_u32(buf, "amf0 ecma array count")?;
            Ok(Amf0Value::EcmaArray(decode_properties(
                buf,
                depth + 1,
                budget,
            )?))
        }
        marker::STRICT_ARRAY => {
            check_depth(depth + 1)?;
            let count = read_u32(buf, "amf0 strict array count")? as usize;
            // Every value takes at least one byte: bound the preallocation by the input.
            let mut items = Vec::with_capacity(count.min(buf.len()).min(MAX_PREALLOC));
            for _ in 0..count {
                items.push(decode_value(buf, depth + 1, budget)?);
            }
            Ok(Amf0Value::StrictArray(items))
        }
        marker::DATE => {
            let millis = read_f64(buf, "amf0 date")?;
            let timezone = read_u16(buf, "amf0 date timezone")? as i16;
            Ok(Amf0Value::Date { millis, timezone })
        }
        marker::LONG_STRING => {
            let len = read_u32(buf, "amf0 long string")? as usize;
            Ok(Amf0Value::LongString(read_utf8(
                buf,
                len,
                "amf0 long string",
            )?))
        }
        marker::AVMPLUS => {
            let rest = Bytes::copy_from_slice(buf);
            *buf = &buf[buf.len()..];
            Ok(Amf0Value::AvmPlus(rest))
        }
        marker::OBJECT_END => Err(KernelError::invalid(
            "amf0 value",
            "unexpected object-end marker 0x09 outside an object",
        )),
        other => Err(KernelError::invalid(
            "amf0 marker",
            format!("unsupported marker 0x{other:02x}"),
        )),
    }
}

fn check_depth(depth: usize) -> Result<(), KernelError> {
    if depth > MAX_DEPTH {
        return Err(KernelError::TooDeep {
            what: "amf0 value",
            limit: MAX_DEPTH,
        });
    }
    Ok(())
}

/// Properties until an empty name followed by the object-end marker.
fn decode_properties(
    buf: &mut &[u8],
    depth: usize,
    budget: &mut Budget,
) -> Result<Vec<(String, Amf0Value)>, KernelError> {
    check_depth(depth)?;
    let mut props = Vec::new();
    loop {
        let name = read_short_string(buf, "amf0 property name")?;
        if name.is_empty() {
            match buf.first() {
                Some(&marker::OBJECT_END) => {
                    *buf = &buf[1..];
                    return Ok(props);
                }
                Some(_) => {} // an empty property name that is not the end: keep it
                None => return Err(KernelError::truncated("amf0 object end", 1, 0)),
            }
        }
        let value = decode_value(buf, depth, budget)?;
        props.push((name, value));
    }
}
