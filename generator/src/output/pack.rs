//! Git packs written whole: the new objects of a commit as one pack file
//! (Git's pack format, version 2: "pack-format" in Git's documentation),
//! rather than one loose object file each. Objects are zlib-compressed on every
//! core and stored without deltas; libgit2's indexer (the pack writer)
//! checks the stream and writes its index beside it.

use std::io::Write as _;

use anyhow::Result;
use git2::{ObjectType, Odb, Oid};
use sha1::{Digest, Sha1};

/// Git's object hashes of `items`, computed on every core.
pub(crate) fn hash_blobs(items: &[&[u8]]) -> Result<Vec<Oid>> {
    parallel(items, |b| Ok(Oid::hash_object(ObjectType::Blob, b)?))
}

/// Write `objects` into the object database as one pack. Each must be
/// there once: the indexer refuses a pack that holds an object twice.
pub(crate) fn write<B: AsRef<[u8]> + Sync>(
    odb: &Odb<'_>,
    objects: &[(ObjectType, B)],
) -> Result<()> {
    if objects.is_empty() {
        return Ok(());
    }
    let entries = parallel(objects, |(kind, b)| {
        let code = match kind {
            ObjectType::Commit => 1,
            ObjectType::Tree => 2,
            ObjectType::Blob => 3,
            ObjectType::Tag => 4,
            ObjectType::Any => anyhow::bail!("an object of no type"),
        };
        let b = b.as_ref();
        let mut out = entry_header(code, b.len());
        let mut z = flate2::write::ZlibEncoder::new(out, flate2::Compression::fast());
        z.write_all(b)?;
        out = z.finish()?;
        Ok(out)
    })?;
    // Streamed to the indexer as it is checksummed: no second copy.
    let mut w = odb.packwriter()?;
    let mut sum = Sha1::new();
    let mut put = |bytes: &[u8]| -> Result<()> {
        sum.update(bytes);
        w.write_all(bytes)?;
        Ok(())
    };
    put(b"PACK")?;
    put(&2u32.to_be_bytes())?;
    put(&u32::try_from(entries.len())?.to_be_bytes())?;
    for e in &entries {
        put(e)?;
    }
    let sum = sum.finalize();
    w.write_all(&sum)?;
    w.commit()?;
    Ok(())
}

/// An object's header in a pack: its type (3 bits) and size, as a varint
/// whose first byte holds 4 bits of the size.
fn entry_header(kind: u8, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(4);
    let mut byte = (kind << 4) | (size & 0x0f) as u8;
    let mut rest = size >> 4;
    while rest > 0 {
        out.push(byte | 0x80);
        byte = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    out.push(byte);
    out
}

/// `f` over `items` on every core (`par`), the first error if any.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Result<R> + Sync) -> Result<Vec<R>> {
    crate::par::map(items, 256, f).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pack_of_blobs_is_read_back_by_libgit2() {
        let d = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(d.path()).unwrap();
        let big = "x".repeat(5000);
        let blobs: Vec<&[u8]> = vec![b"hello\n", b"", big.as_bytes()];
        let objects = |list: &[&[u8]]| -> Vec<(ObjectType, Vec<u8>)> {
            list.iter()
                .map(|b| (ObjectType::Blob, b.to_vec()))
                .collect()
        };
        let twice: Vec<&[u8]> = vec![b"same", b"same"];
        assert!(write(&repo.odb().unwrap(), &objects(&twice)).is_err());
        let ids = hash_blobs(&blobs).unwrap();
        write(&repo.odb().unwrap(), &objects(&blobs)).unwrap();
        for (b, id) in blobs.iter().zip(&ids) {
            assert_eq!(repo.find_blob(*id).unwrap().content(), *b);
        }
        // One pack, no loose objects.
        let packs = std::fs::read_dir(d.path().join(".git/objects/pack"))
            .unwrap()
            .count();
        assert_eq!(packs, 2, "a .pack and its .idx");
        assert_eq!(entry_header(3, 5), [0x35]);
        assert_eq!(entry_header(3, 5000), [0xb8, 0xb8, 0x02]);
    }
}
