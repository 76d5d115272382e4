//! Git packs written whole: the new objects of a commit as one pack file
//! (Git's pack format, version 2: "pack-format" in Git's documentation),
//! rather than one loose object file each. Objects are zlib-compressed on every
//! core and stored without deltas; libgit2's indexer (the pack writer)
//! checks the stream and writes its index beside it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{ObjectType, Odb, Oid};
use sha1::{Digest, Sha1};

/// An object's content: in memory, or a file to read when it is packed.
#[derive(Debug)]
pub(crate) enum Body<'a> {
    Bytes(std::borrow::Cow<'a, [u8]>),
    File(PathBuf),
}

impl Body<'_> {
    /// The same content, borrowed.
    pub(crate) fn borrowed(&self) -> Body<'_> {
        match self {
            Body::Bytes(b) => Body::Bytes(std::borrow::Cow::Borrowed(b.as_ref())),
            Body::File(p) => Body::File(p.clone()),
        }
    }

    fn load(&self) -> Result<std::borrow::Cow<'_, [u8]>> {
        match self {
            Body::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b.as_ref())),
            Body::File(p) => Ok(std::borrow::Cow::Owned(
                std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
            )),
        }
    }
}

/// Objects compressed at once: a render's files are packed a run at a time,
/// so only one run's contents and compressed entries are held.
const PACK_CHUNK: usize = 4096;

/// Write `objects` into the object database as one pack. Each must be
/// there once: the indexer refuses a pack that holds an object twice.
pub(crate) fn write(odb: &Odb<'_>, objects: &[(ObjectType, Body<'_>)]) -> Result<()> {
    if objects.is_empty() {
        return Ok(());
    }
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
    put(&u32::try_from(objects.len())?.to_be_bytes())?;
    for chunk in objects.chunks(PACK_CHUNK) {
        let entries = parallel(chunk, |(kind, body)| {
            let code = match kind {
                ObjectType::Commit => 1,
                ObjectType::Tree => 2,
                ObjectType::Blob => 3,
                ObjectType::Tag => 4,
                ObjectType::Any => anyhow::bail!("an object of no type"),
            };
            let b = body.load()?;
            let mut out = entry_header(code, b.len());
            let mut z = flate2::write::ZlibEncoder::new(out, flate2::Compression::fast());
            z.write_all(&b)?;
            out = z.finish()?;
            Ok(out)
        })?;
        for e in &entries {
            put(e)?;
        }
    }
    let sum = sum.finalize();
    w.write_all(&sum)?;
    w.commit()?;
    Ok(())
}

/// Git's own limit before it consolidates packs: "When there are more than
/// this many packs that are not marked with *.keep file in the repository,
/// git gc --auto consolidates them into one larger pack. The default value
/// is 50." (git-config, `gc.autoPackLimit`). Every commit gen makes adds a
/// pack, and libgit2 runs no `gc`, so gen keeps to the same limit itself.
pub(crate) const PACK_LIMIT: usize = 50;

/// Packs to merge at most, in bytes: beyond that, consolidating is `git
/// gc`'s work (it can delta-compress), not a render's.
const MERGE_AT_MOST: u64 = 64 << 20;

/// With more than `PACK_LIMIT` packs in `pack_dir` (not counting those
/// kept by a `.keep` file), write the objects of all but the largest into
/// one new pack and remove theirs. The new pack is complete before any old
/// one goes, so every object stays readable throughout. Whether it did.
pub(crate) fn consolidate(odb: &Odb<'_>, pack_dir: &Path) -> Result<bool> {
    let mut packs: Vec<(PathBuf, u64)> = Vec::new();
    for e in std::fs::read_dir(pack_dir)?.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "pack")
            && !p.with_extension("keep").exists()
            && p.with_extension("idx").exists()
        {
            packs.push((p, e.metadata()?.len()));
        }
    }
    if packs.len() <= PACK_LIMIT {
        return Ok(false);
    }
    packs.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    packs.pop();
    if packs.iter().map(|p| p.1).sum::<u64>() > MERGE_AT_MOST {
        return Ok(false);
    }
    let mut seen = std::collections::HashSet::new();
    let mut objects: Vec<(ObjectType, Body<'_>)> = Vec::new();
    let mut merged = Vec::new();
    for (pack, _) in packs {
        // A pack whose index this does not read stays as it is.
        let Some(ids) = index_ids(&std::fs::read(pack.with_extension("idx"))?) else {
            continue;
        };
        for id in ids {
            if seen.insert(id) {
                let o = odb.read(id)?;
                objects.push((o.kind(), Body::Bytes(o.data().to_vec().into())));
            }
        }
        merged.push(pack);
    }
    if merged.len() < 2 {
        return Ok(false);
    }
    write(odb, &objects)?;
    for pack in &merged {
        for ext in ["idx", "rev", "bitmap", "mtimes", "pack"] {
            match std::fs::remove_file(pack.with_extension(ext)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
    }
    odb.refresh()?;
    Ok(true)
}

/// The object IDs a pack index (version 2, SHA-1) lists: "a 4-byte magic
/// number \377tOc", "a 4-byte version number (= 2)", "a 256-entry fan-out
/// table" of 4-byte counts whose last is the number of objects, then "a
/// table of sorted object names" of 20 bytes each (Git's pack-format,
/// "Version 2 pack-*.idx files"). None for any other index.
fn index_ids(idx: &[u8]) -> Option<Vec<Oid>> {
    let header = idx.get(..8)?;
    if header != b"\xfftOc\x00\x00\x00\x02" {
        return None;
    }
    let fanout = idx.get(8..8 + 256 * 4)?;
    let n = u32::from_be_bytes(fanout[255 * 4..].try_into().ok()?) as usize;
    let names = idx.get(8 + 256 * 4..8 + 256 * 4 + n * 20)?;
    names
        .chunks_exact(20)
        .map(|c| Oid::from_bytes(c).ok())
        .collect()
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

    fn hash_blobs(items: &[&[u8]]) -> Result<Vec<Oid>> {
        parallel(items, |b| Ok(Oid::hash_object(ObjectType::Blob, b)?))
    }

    #[test]
    fn a_pack_of_blobs_is_read_back_by_libgit2() {
        let d = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(d.path()).unwrap();
        let big = "x".repeat(5000);
        let blobs: Vec<&[u8]> = vec![b"hello\n", b"", big.as_bytes()];
        let objects = |list: &[&[u8]]| -> Vec<(ObjectType, Body<'static>)> {
            list.iter()
                .map(|b| (ObjectType::Blob, Body::Bytes(b.to_vec().into())))
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
        assert_eq!(index_ids(b"not an index"), None);
        assert_eq!(entry_header(3, 5000), [0xb8, 0xb8, 0x02]);
    }

    /// Past Git's pack limit the small packs become one, and every object
    /// stays readable; at the limit nothing is touched.
    #[test]
    fn many_small_packs_become_one_and_every_object_stays() {
        let d = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(d.path()).unwrap();
        let odb = repo.odb().unwrap();
        let pack_dir = d.path().join(".git/objects/pack");
        let count = |ext: &str| {
            std::fs::read_dir(&pack_dir)
                .unwrap()
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == ext))
                .count()
        };
        let big: Vec<(ObjectType, Vec<u8>)> = (0..50)
            .map(|i| {
                (
                    ObjectType::Blob,
                    format!("big {i} {}", "x".repeat(4000)).into_bytes(),
                )
            })
            .collect();
        let bodies = |list: &[(ObjectType, Vec<u8>)]| -> Vec<(ObjectType, Body<'static>)> {
            list.iter()
                .map(|(k, b)| (*k, Body::Bytes(b.clone().into())))
                .collect()
        };
        write(&odb, &bodies(&big)).unwrap();
        let mut ids = Vec::new();
        for i in 0..PACK_LIMIT - 1 {
            let blob = format!("small {i}\n").into_bytes();
            ids.push(Oid::hash_object(ObjectType::Blob, &blob).unwrap());
            write(&odb, &[(ObjectType::Blob, Body::Bytes(blob.into()))]).unwrap();
        }
        assert_eq!(count("pack"), PACK_LIMIT);
        assert!(!consolidate(&odb, &pack_dir).unwrap(), "at the limit");
        assert_eq!(count("pack"), PACK_LIMIT);
        let blob = b"one more\n".to_vec();
        ids.push(Oid::hash_object(ObjectType::Blob, &blob).unwrap());
        write(&odb, &[(ObjectType::Blob, Body::Bytes(blob.into()))]).unwrap();
        assert!(consolidate(&odb, &pack_dir).unwrap(), "past the limit");
        assert_eq!(
            (count("pack"), count("idx")),
            (2, 2),
            "the largest and the merged one"
        );
        let repo = git2::Repository::open(d.path()).unwrap();
        for id in ids
            .iter()
            .chain(&hash_blobs(&big.iter().map(|(_, b)| b.as_slice()).collect::<Vec<_>>()).unwrap())
        {
            assert!(repo.find_blob(*id).is_ok(), "{id} is still there");
        }
    }
}
