//! AMF0 (Action Message Format 0): the value model used by RTMP commands and FLV metadata.
//!
//! [`decode`] / [`decode_all`] read values, [`Amf0Value::encode`] / [`encode_all`] write them.

mod decode;
mod encode;
mod value;

pub use decode::{decode, decode_all, MAX_DEPTH, MAX_VALUES};
pub use encode::encode_all;
pub use value::Amf0Value;

/// AMF0 type markers.
pub mod marker {
    /// IEEE-754 double.
    pub const NUMBER: u8 = 0x00;
    /// One byte, 0 = false.
    pub const BOOLEAN: u8 = 0x01;
    /// UTF-8 string with a u16 length.
    pub const STRING: u8 = 0x02;
    /// Anonymous object: properties until the object end.
    pub const OBJECT: u8 = 0x03;
    /// Movie clip (reserved, not supported).
    pub const MOVIECLIP: u8 = 0x04;
    /// Null.
    pub const NULL: u8 = 0x05;
    /// Undefined.
    pub const UNDEFINED: u8 = 0x06;
    /// Reference to an earlier complex value (u16 index).
    pub const REFERENCE: u8 = 0x07;
    /// ECMA (associative) array: u32 count then properties until object end.
    pub const ECMA_ARRAY: u8 = 0x08;
    /// Object end, after an empty property name.
    pub const OBJECT_END: u8 = 0x09;
    /// Strict array: u32 count then values.
    pub const STRICT_ARRAY: u8 = 0x0A;
    /// Date: f64 milliseconds then i16 timezone.
    pub const DATE: u8 = 0x0B;
    /// UTF-8 string with a u32 length.
    pub const LONG_STRING: u8 = 0x0C;
    /// Switch to AMF3 for the following value.
    pub const AVMPLUS: u8 = 0x11;
}

#[cfg(test)]
mod tests;
