//! A file's part of the plan, fed to its fingerprint's digest through its
//! `Hash` implementation: every field of every plan type in declaration
//! order, every string with an end marker and every sequence and map with
//! its length (what `Hash` promises: values that differ feed differently),
//! no field names, no text escaping, no number formatting. The plan types
//! hold what the templates read (they are serialised for them), so the
//! same fed bytes mean the same text; a field the templates skip only costs
//! a render when it changes. Integers are fed in the machine's byte order:
//! fingerprints are compared only by the build that made them (its
//! identity is part of every fingerprint).

use std::hash::{Hash, Hasher};

use xxhash_rust::xxh3::Xxh3;

/// `value`, fed into `hasher`.
pub(super) fn feed<T: Hash + ?Sized>(hasher: &mut Xxh3, value: &T) {
    let mut d = Digester {
        hasher,
        buf: [0; BUF],
        len: 0,
    };
    value.hash(&mut d);
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
    fn flush(&mut self) {
        self.hasher.update(&self.buf[..self.len]);
        self.len = 0;
    }
}

impl Hasher for Digester<'_> {
    fn write(&mut self, data: &[u8]) {
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

    /// Never read: the digest is the hasher's, taken by the caller.
    fn finish(&self) -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest<T: Hash + ?Sized>(v: &T) -> u128 {
        let mut h = Xxh3::new();
        feed(&mut h, v);
        h.digest128()
    }

    #[derive(Hash)]
    struct Two {
        a: Option<u32>,
        b: Option<u32>,
    }

    #[test]
    fn values_that_differ_never_feed_alike() {
        // Which field holds a value counts.
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
        assert_ne!(digest(&None::<String>), digest(&Some(String::new())));
        // And the same value always feeds alike, across buffer refills.
        let long: Vec<String> = (0..2000).map(|i| format!("value {i}")).collect();
        assert_eq!(digest(&long), digest(&long.clone()));
        let mut other = long.clone();
        other[1999].push('!');
        assert_ne!(digest(&long), digest(&other));
    }
}
