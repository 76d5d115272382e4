//! A file's part of the plan, fed to its fingerprint's digest as serde
//! sees it (what the templates read), in a compact unambiguous encoding:
//! every value leads with a tag, every string and sequence with its length,
//! every struct field with its name. No text escaping, no number
//! formatting: a fingerprint costs a fraction of a render.

use serde::ser::{self, Serialize};
use xxhash_rust::xxh3::Xxh3;

/// `value`, encoded into `hasher`.
pub(super) fn feed<T: Serialize + ?Sized>(hasher: &mut Xxh3, value: &T) {
    let mut d = Digester {
        hasher,
        buf: [0; BUF],
        len: 0,
    };
    // The encoding cannot fail; a Serialize impl that does leaves a
    // fingerprint that matches no other, which only costs a render.
    if value.serialize(&mut d).is_err() {
        d.bytes(&[0xff]);
    }
    d.flush();
}

/// Small writes gathered before they reach the hasher: a few hundred
/// bytes hold most files' parts, and the buffer is cleared for each file.
const BUF: usize = 512;

struct Digester<'a> {
    hasher: &'a mut Xxh3,
    buf: [u8; BUF],
    len: usize,
}

impl Digester<'_> {
    fn bytes(&mut self, data: &[u8]) {
        if self.len + data.len() > self.buf.len() {
            self.flush();
        }
        if data.len() >= self.buf.len() {
            self.hasher.update(data);
        } else {
            self.buf[self.len..self.len + data.len()].copy_from_slice(data);
            self.len += data.len();
        }
    }

    fn flush(&mut self) {
        self.hasher.update(&self.buf[..self.len]);
        self.len = 0;
    }

    fn tag(&mut self, t: u8) {
        self.bytes(&[t]);
    }

    fn len_prefixed(&mut self, t: u8, data: &[u8]) {
        self.tag(t);
        self.bytes(&(data.len() as u64).to_le_bytes());
        self.bytes(data);
    }

    /// A sequence's or map's start: its length when known, else an end
    /// tag closes it.
    fn open(&mut self, t: u8, len: Option<usize>) {
        self.tag(t);
        match len {
            Some(n) => {
                self.tag(1);
                self.bytes(&(n as u64).to_le_bytes());
            }
            None => self.tag(0),
        }
    }
}

#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value could not be serialised for its fingerprint")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Never
    }
}

// Tags: one per kind of value, so no two values encode alike.
const BOOL: u8 = 1;
const INT: u8 = 2;
const UINT: u8 = 3;
const FLOAT: u8 = 4;
const CHAR: u8 = 5;
const STR: u8 = 6;
const BYTES: u8 = 7;
const NONE: u8 = 8;
const SOME: u8 = 9;
const UNIT: u8 = 10;
const VARIANT: u8 = 11;
const NEWTYPE: u8 = 12;
const SEQ: u8 = 13;
const MAP: u8 = 14;
const STRUCT: u8 = 15;
const FIELD: u8 = 16;
const SKIPPED: u8 = 17;
const END: u8 = 18;
const INT128: u8 = 19;
const UINT128: u8 = 20;

impl<'a, 'b> ser::Serializer for &'a mut Digester<'b> {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Never> {
        self.bytes(&[BOOL, u8::from(v)]);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Never> {
        self.tag(INT);
        self.bytes(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Never> {
        self.tag(INT128);
        self.bytes(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Never> {
        self.tag(UINT);
        self.bytes(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Never> {
        self.tag(UINT128);
        self.bytes(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Never> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Never> {
        self.tag(FLOAT);
        self.bytes(&v.to_bits().to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Never> {
        self.tag(CHAR);
        self.bytes(&u32::from(v).to_le_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Never> {
        self.len_prefixed(STR, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Never> {
        self.len_prefixed(BYTES, v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Never> {
        self.tag(NONE);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Never> {
        self.tag(SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Never> {
        self.tag(UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Never> {
        self.tag(UNIT);
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Never> {
        self.len_prefixed(VARIANT, variant.as_bytes());
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.tag(NEWTYPE);
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.len_prefixed(VARIANT, variant.as_bytes());
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Never> {
        self.open(SEQ, len);
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Never> {
        self.open(SEQ, Some(len));
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Self, Never> {
        self.open(SEQ, Some(len));
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self, Never> {
        self.len_prefixed(VARIANT, variant.as_bytes());
        self.open(SEQ, Some(len));
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Never> {
        self.open(MAP, len);
        Ok(self)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Never> {
        // Fields left out (`skip_serializing_if`) make the count vary: each
        // field is named and an end tag closes the struct.
        self.tag(STRUCT);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Never> {
        self.len_prefixed(VARIANT, variant.as_bytes());
        self.tag(STRUCT);
        Ok(self)
    }
}

/// The sequence-like kinds: each element in turn, then the end tag.
macro_rules! elements {
    ($($kind:ident :: $method:ident),*) => {$(
        impl ser::$kind for &mut Digester<'_> {
            type Ok = ();
            type Error = Never;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                self.tag(END);
                Ok(())
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Digester<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Never> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Never> {
        self.tag(END);
        Ok(())
    }
}

/// The struct-like kinds: each field by name (a skipped one too), then the
/// end tag.
macro_rules! fields {
    ($($kind:ident),*) => {$(
        impl ser::$kind for &mut Digester<'_> {
            type Ok = ();
            type Error = Never;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Never> {
                self.len_prefixed(FIELD, key.as_bytes());
                value.serialize(&mut **self)
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), Never> {
                self.len_prefixed(SKIPPED, key.as_bytes());
                Ok(())
            }
            fn end(self) -> Result<(), Never> {
                self.tag(END);
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;

    fn digest<T: Serialize>(v: &T) -> u128 {
        let mut h = Xxh3::new();
        feed(&mut h, v);
        h.digest128()
    }

    #[derive(serde::Serialize)]
    struct Two {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<u32>,
    }

    #[test]
    fn values_that_differ_never_encode_alike() {
        // Field names count: the same value under another field differs.
        assert_ne!(
            digest(&Two {
                a: Some(1),
                b: None
            }),
            digest(&Two {
                a: None,
                b: Some(1)
            })
        );
        // Lengths count: where one string ends and the next begins.
        assert_ne!(digest(&("ab", "c")), digest(&("a", "bc")));
        assert_ne!(digest(&vec!["a", ""]), digest(&vec!["a"]));
        // Kinds count: a number is not its text, None is not "".
        assert_ne!(digest(&1u32), digest(&"1"));
        assert_ne!(digest(&None::<String>), digest(&Some(String::new())));
        assert_ne!(digest(&-1i32), digest(&u64::MAX));
        // And the same value always encodes alike, across buffer refills.
        let long: Vec<String> = (0..2000).map(|i| format!("value {i}")).collect();
        assert_eq!(digest(&long), digest(&long.clone()));
        let mut other = long.clone();
        other[1999].push('!');
        assert_ne!(digest(&long), digest(&other));
    }
}
