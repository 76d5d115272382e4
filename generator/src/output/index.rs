//! The index brought up to date with a commit's paths by splicing its file:
//! the entries not touched are copied as they are, byte for byte, rather
//! than parsed, rebuilt and hashed by libgit2 (on a large render, reading
//! and writing the index cost more than the rest of a one-app commit).
//!
//! Git's index format ("gitformat-index" in Git's documentation) in
//! versions 2 and 3 only, and only an index this can update exactly as Git
//! would; anything else (`Spliced::Unhandled`) is left to libgit2:
//! version 4 (prefix-compressed names), an entry in a conflict stage, an
//! extension Git marks as required (its first byte not 'A'..'Z', such as
//! the split index's `link` or the sparse index's `sdir`), a file added
//! where a directory is, or the reverse.
//!
//! The file's trailing checksum is plain SHA-1 (with the CPU's SHA
//! instructions), not the collision-detecting SHA-1 libgit2 hashes objects
//! with: Git itself uses a separate "unsafe" SHA-1 "for non-cryptographic
//! purposes, like computing the checksum of files that use the hashwrite()
//! API" (Git 2.47, commit "hash.h: scaffolding for _unsafe hashing
//! variants"), the index among them. Object IDs stay libgit2's.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use git2::Oid;
use sha1::{Digest, Sha1};

/// A path staged by a commit (repository-relative), or removed.
pub(crate) enum Change {
    Add {
        /// The file on disk, stamped when the index is written.
        disk: std::path::PathBuf,
        path: String,
        id: Oid,
    },
    Remove(String),
}

impl Change {
    fn path(&self) -> &str {
        match self {
            Change::Add { path, .. } | Change::Remove(path) => path,
        }
    }
}

/// An index file read and walked, waiting for the changes to splice in.
pub(crate) struct Read {
    bytes: Vec<u8>,
    version: u32,
    /// Each entry's byte range and its name's.
    entries: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    /// The cache tree (`TREE`), parsed.
    tree: Option<Vec<TreeNode>>,
    /// Resolve-undo (`REUC`), whole with its header, kept as it is.
    reuc: Option<std::ops::Range<usize>>,
}

/// What `read` found.
pub(crate) enum Spliced {
    Handled(Read),
    /// An index this does not update: libgit2 does.
    Unhandled,
}

/// Entry header bytes before the name: stat data, object ID, flags.
const ENTRY_HEAD: usize = 62;
const HASH: usize = 20;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Read the index at `path` (none yet is an empty one).
pub(crate) fn read(path: &Path) -> Result<Spliced> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Spliced::Handled(Read {
                bytes: Vec::new(),
                version: 2,
                entries: Vec::new(),
                tree: None,
                reuc: None,
            }));
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    Ok(walk(bytes).map_or(Spliced::Unhandled, Spliced::Handled))
}

/// The index's entries and extensions, or None for one left to libgit2
/// (which also reports a damaged one).
fn walk(bytes: Vec<u8>) -> Option<Read> {
    if bytes.len() < 12 + HASH || &bytes[..4] != b"DIRC" {
        return None;
    }
    // The trailing checksum is not verified, as Git does not verify it
    // when it reads the index ("skip verification of the SHA1-1 checksum
    // at the end of the index file ... unless the
    // force_verify_index_checksum global variable is set", Git commit
    // a33fc72fe9 "read-cache: force_verify_index_checksum"; only `git fsck`
    // sets it).
    // The walk below still refuses anything out of bounds.
    let body = &bytes[..bytes.len() - HASH];
    let version = be32(&bytes, 4)?;
    if !(2..=3).contains(&version) {
        return None;
    }
    let count = be32(&bytes, 8)? as usize;
    let end = body.len();
    let mut entries = Vec::with_capacity(count);
    let mut at = 12;
    for _ in 0..count {
        let flags = u16::from_be_bytes(bytes.get(at + 60..at + 62)?.try_into().ok()?);
        // Stage (bits 12-13): only merged entries here.
        if flags & 0x3000 != 0 {
            return None;
        }
        // Version 3's extended flags: two more bytes before the name.
        let head = if flags & 0x4000 != 0 {
            (version == 3).then_some(ENTRY_HEAD + 2)?
        } else {
            ENTRY_HEAD
        };
        let name_at = at + head;
        let name_len = match usize::from(flags & 0xfff) {
            0xfff => bytes.get(name_at..end)?.iter().position(|b| *b == 0)?,
            n => n,
        };
        // "1-8 nul bytes as necessary to pad the entry to a multiple of
        // eight bytes while keeping the name NUL-terminated."
        let len = (head + name_len + 8) & !7;
        if at + len > end || bytes[name_at + name_len] != 0 {
            return None;
        }
        entries.push((at..at + len, name_at..name_at + name_len));
        at += len;
    }
    if entries
        .windows(2)
        .any(|w| bytes[w[0].1.clone()] >= bytes[w[1].1.clone()])
    {
        return None;
    }
    let (mut tree, mut reuc) = (None, None);
    while at < end {
        let sig = bytes.get(at..at + 4)?;
        let size = be32(&bytes, at + 4)? as usize;
        let data = at + 8..(at + 8).checked_add(size).filter(|e| *e <= end)?;
        match sig {
            b"TREE" => tree = Some(parse_tree(&bytes[data.clone()])?),
            b"REUC" => reuc = Some(at..data.end),
            // Optional: dropped, as libgit2 drops them on write.
            [b'A'..=b'Z', ..] => {}
            _ => return None,
        }
        at = data.end;
    }
    Some(Read {
        bytes,
        version,
        entries,
        tree,
        reuc,
    })
}

/// One directory of the cache tree: its name, entry count (-1 when
/// invalid), subtrees and tree ID (when valid).
#[derive(Debug, Clone, PartialEq)]
struct TreeNode {
    name: Vec<u8>,
    count: i64,
    id: Option<[u8; HASH]>,
    subtrees: Vec<TreeNode>,
}

/// "path component NUL, ASCII entry_count, space, ASCII number of
/// subtrees, newline, object name (absent when entry_count is -1), then
/// the subtrees" (gitformat-index, "Cache tree").
fn parse_tree(mut data: &[u8]) -> Option<Vec<TreeNode>> {
    let mut roots = Vec::new();
    while !data.is_empty() {
        roots.push(parse_node(&mut data)?);
    }
    Some(roots)
}

fn parse_node(data: &mut &[u8]) -> Option<TreeNode> {
    let nul = data.iter().position(|b| *b == 0)?;
    let name = data[..nul].to_vec();
    let nl = data[nul..].iter().position(|b| *b == b'\n')? + nul;
    let (count, subs) = std::str::from_utf8(&data[nul + 1..nl])
        .ok()?
        .split_once(' ')?;
    let (count, subs): (i64, usize) = (count.parse().ok()?, subs.parse().ok()?);
    *data = &data[nl + 1..];
    let id = if count >= 0 {
        let id: [u8; HASH] = data.get(..HASH)?.try_into().ok()?;
        *data = &data[HASH..];
        Some(id)
    } else {
        None
    };
    let subtrees = (0..subs)
        .map(|_| parse_node(data))
        .collect::<Option<Vec<_>>>()?;
    Some(TreeNode {
        name,
        count,
        id,
        subtrees,
    })
}

fn write_node(out: &mut Vec<u8>, n: &TreeNode) {
    out.extend_from_slice(&n.name);
    out.push(0);
    let mut b = itoa::Buffer::new();
    out.extend_from_slice(b.format(n.count).as_bytes());
    out.push(b' ');
    out.extend_from_slice(b.format(n.subtrees.len()).as_bytes());
    out.push(b'\n');
    if let Some(id) = n.id.filter(|_| n.count >= 0) {
        out.extend_from_slice(&id);
    }
    for s in &n.subtrees {
        write_node(out, s);
    }
}

/// Invalidate the directories on the way to `path`, as Git does when a
/// path in them changes (its `cache_tree_invalidate_path`).
fn invalidate(node: &mut TreeNode, path: &[u8]) {
    node.count = -1;
    node.id = None;
    if let Some(slash) = path.iter().position(|b| *b == b'/') {
        let (dir, rest) = (&path[..slash], &path[slash + 1..]);
        if let Some(sub) = node.subtrees.iter_mut().find(|s| s.name == dir) {
            invalidate(sub, rest);
        }
    }
}

impl Read {
    fn name(&self, i: usize) -> &[u8] {
        &self.bytes[self.entries[i].1.clone()]
    }

    fn find(&self, name: &[u8]) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(_, n)| self.bytes[n.clone()].cmp(name))
    }

    /// Whether adding `path` would put a file where a directory is (an
    /// entry under `path/`) or under a file (an entry named as one of its
    /// directories) that `removed` does not take away.
    fn collides(&self, path: &[u8], removed: &dyn Fn(&[u8]) -> bool) -> bool {
        let mut under = path.to_vec();
        under.push(b'/');
        let i = self.find(&under).unwrap_or_else(|i| i);
        let below = (i..self.entries.len())
            .map(|i| self.name(i))
            .take_while(|n| n.starts_with(&under))
            .any(|n| !removed(n));
        below
            || path
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'/')
                .any(|(at, _)| self.find(&path[..at]).is_ok() && !removed(&path[..at]))
    }

    /// Write the index with `changes` spliced in, through `index.lock` as
    /// Git does; false (nothing written) when a change is one libgit2
    /// must make (a file where a directory is, or the reverse).
    pub(crate) fn splice(mut self, path: &Path, changes: &[Change]) -> Result<bool> {
        // In path order; the last change of a path wins.
        let mut changes: Vec<&Change> = changes.iter().rev().collect();
        changes.sort_by(|a, b| a.path().cmp(b.path()));
        changes.dedup_by(|a, b| a.path() == b.path());
        let find = |n: &[u8]| {
            changes
                .binary_search_by(|c| c.path().as_bytes().cmp(n))
                .ok()
                .map(|i| changes[i])
        };
        let removed = |n: &[u8]| matches!(find(n), Some(Change::Remove(_)));
        for c in &changes {
            if matches!(c, Change::Add { .. }) && self.collides(c.path().as_bytes(), &removed) {
                return Ok(false);
            }
        }
        // Nor between two added paths (`a` and `a/b`): in path order, a
        // file's own directory's entries follow it.
        let adds: Vec<&str> = changes
            .iter()
            .filter(|c| matches!(c, Change::Add { .. }))
            .map(|c| c.path())
            .collect();
        for (i, a) in adds.iter().enumerate() {
            let under = |b: &&str| b.strip_prefix(a).is_some_and(|r| r.starts_with('/'));
            if adds[i + 1..]
                .iter()
                .take_while(|b| b.starts_with(a))
                .any(under)
            {
                return Ok(false);
            }
        }
        if let Some(roots) = &mut self.tree {
            for c in &changes {
                for root in roots.iter_mut() {
                    invalidate(root, c.path().as_bytes());
                }
            }
        }

        let mut out = Vec::with_capacity(self.bytes.len() + changes.len() * 128);
        out.extend_from_slice(b"DIRC");
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&[0; 4]);
        let mut count: u32 = 0;
        let mut next = changes.iter().peekable();
        for (i, (range, _)) in self.entries.iter().enumerate() {
            let name = self.name(i);
            // Changes up to this name; one of this name replaces it.
            for c in std::iter::from_fn(|| next.next_if(|c| c.path().as_bytes() <= name)) {
                if let Change::Add { disk, path, id } = c {
                    push_entry(&mut out, path, *id, disk);
                    count += 1;
                }
            }
            if find(name).is_some() {
                continue;
            }
            out.extend_from_slice(&self.bytes[range.clone()]);
            count += 1;
        }
        for c in next {
            if let Change::Add { disk, path, id } = c {
                push_entry(&mut out, path, *id, disk);
                count += 1;
            }
        }
        out[8..12].copy_from_slice(&count.to_be_bytes());
        if let Some(roots) = &self.tree {
            let mut data = Vec::new();
            for r in roots {
                write_node(&mut data, r);
            }
            out.extend_from_slice(b"TREE");
            out.extend_from_slice(&u32::try_from(data.len())?.to_be_bytes());
            out.extend_from_slice(&data);
        }
        if let Some(r) = &self.reuc {
            out.extend_from_slice(&self.bytes[r.clone()]);
        }
        let sum = Sha1::digest(&out);
        out.extend_from_slice(&sum);
        write_locked(path, &out)?;
        Ok(true)
    }
}

/// An entry with the file's stat data, so `git status` sees the file as
/// clean without hashing it again.
fn push_entry(out: &mut Vec<u8>, path: &str, id: Oid, disk: &Path) {
    let start = out.len();
    for v in stat(disk) {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(&(path.len().min(0xfff) as u16).to_be_bytes());
    out.extend_from_slice(path.as_bytes());
    let len = (ENTRY_HEAD + path.len() + 8) & !7;
    out.resize(start + len, 0);
}

/// The stat data an index entry records for the file at `disk`, in the
/// entry's order: ctime (seconds, nanoseconds), mtime (the same), dev, ino,
/// mode, uid, gid, size. The fields Git keeps in 32 bits are truncated as
/// Git truncates them; a file that cannot be read has zeros (Git then
/// compares its content).
pub(crate) fn stat(disk: &Path) -> [u32; 10] {
    let meta = std::fs::metadata(disk).ok();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match &meta {
            Some(m) => [
                m.ctime() as u32,
                m.ctime_nsec() as u32,
                m.mtime() as u32,
                m.mtime_nsec() as u32,
                m.dev() as u32,
                m.ino() as u32,
                0o100644,
                m.uid(),
                m.gid(),
                m.size() as u32,
            ],
            None => [0, 0, 0, 0, 0, 0, 0o100644, 0, 0, 0],
        }
    }
    #[cfg(not(unix))]
    {
        let size = meta.map_or(0, |m| m.len() as u32);
        [0, 0, 0, 0, 0, 0, 0o100644, 0, 0, size]
    }
}

/// Write `bytes` as the index at `path`: to `index.lock`, created only if
/// no one holds it (Git's lock protocol), then renamed over the index.
fn write_locked(path: &Path, bytes: &[u8]) -> Result<()> {
    let lock = path.with_extension("lock");
    let mut f = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "the index is locked: {} exists (another Git process may be running; if none is, remove it)",
            lock.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("creating {}", lock.display())),
    };
    let done = f
        .write_all(bytes)
        .and_then(|()| std::fs::rename(&lock, path));
    if let Err(e) = done {
        let _ = std::fs::remove_file(&lock);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// A repository whose index has a cache tree (`git commit` writes one).
    fn repo() -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tempdir");
        git(d.path(), &["init", "-q"]);
        for (p, body) in [
            ("a", "1"),
            ("b/c", "2"),
            ("b/d/e", "3"),
            ("f", "4"),
            ("g/h", "5"),
            ("k/l", "6"),
        ] {
            let p = d.path().join(p);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, body).expect("write");
        }
        git(d.path(), &["add", "-A"]);
        git(d.path(), &["commit", "-q", "-m", "one"]);
        d
    }

    /// Write `body` to `path` in the work tree and its blob to the object
    /// database: the change that stages it.
    fn add(d: &Path, path: &str, body: &str) -> Change {
        let disk = d.join(path);
        std::fs::create_dir_all(disk.parent().expect("parent")).expect("mkdir");
        std::fs::write(&disk, body).expect("write");
        let id = git(d, &["hash-object", "-w", path]);
        Change::Add {
            disk,
            path: path.to_string(),
            id: Oid::from_str(id.trim()).expect("oid"),
        }
    }

    fn handled(d: &Path) -> Read {
        match read(&d.join(".git/index")).expect("reads") {
            Spliced::Handled(r) => r,
            Spliced::Unhandled => panic!("the index is left to libgit2"),
        }
    }

    #[test]
    fn a_spliced_index_is_the_one_libgit2_writes_and_git_reads_it_clean() {
        let ours = repo();
        let changes = |d: &Path| {
            let mut c = vec![
                add(d, "b/c", "changed"),
                add(d, "b/d/new", "new"),
                add(d, "0first", "sorts first"),
                add(d, "zz/last", "sorts last"),
                Change::Remove("f".into()),
            ];
            std::fs::remove_file(d.join("f")).expect("rm");
            // A path changed twice: the last change holds.
            c.push(Change::Remove("g/h".into()));
            c.push(add(d, "g/h", "again"));
            c
        };
        let c = changes(ours.path());
        assert!(
            handled(ours.path()).tree.is_some(),
            "git commit wrote a cache tree"
        );
        assert!(
            handled(ours.path())
                .splice(&ours.path().join(".git/index"), &c)
                .expect("writes")
        );
        // The cache tree as spliced (Git rewrites it when it writes the
        // index): the directories on the way to a change invalid, the
        // others still valid.
        let roots = handled(ours.path()).tree.expect("a cache tree");
        assert_eq!(roots[0].count, -1, "the root changed");
        let sub = |name: &str| {
            roots[0]
                .subtrees
                .iter()
                .find(|s| s.name == name.as_bytes())
                .cloned()
        };
        assert_eq!(sub("b").map(|s| s.count), Some(-1));
        assert!(sub("g").is_some_and(|s| s.count == -1));
        assert!(sub("k").is_some_and(|s| s.count == 1 && s.id.is_some()));

        let theirs = repo();
        let c = changes(theirs.path());
        let r = Repository::open(theirs.path()).expect("open");
        let mut index = r.index().expect("index");
        for ch in c {
            match ch {
                Change::Remove(p) => index.remove_path(Path::new(&p)).expect("remove"),
                Change::Add { disk, path, id } => {
                    index
                        .add(&super::super::git::index_entry(&disk, path, id))
                        .expect("add");
                }
            }
        }
        index.write().expect("write");

        // The same entries (names, modes, blobs, stages) as libgit2 makes,
        // and a clean status: the stat data is the files' own.
        let listed = |d: &Path| git(d, &["ls-files", "-s"]);
        assert_eq!(listed(ours.path()), listed(theirs.path()));
        assert_eq!(
            git(ours.path(), &["status", "--porcelain"]),
            "A  0first\nM  b/c\nA  b/d/new\nD  f\nM  g/h\nA  zz/last\n"
        );
        // The cache tree was invalidated where it changed: the tree Git
        // writes from the index is the one libgit2's index gives.
        assert_eq!(
            git(ours.path(), &["write-tree"]),
            git(theirs.path(), &["write-tree"])
        );
        git(ours.path(), &["fsck", "--no-progress"]);
    }

    use git2::Repository;

    #[test]
    fn an_index_git_would_update_otherwise_is_left_to_libgit2() {
        // Version 4.
        let d = repo();
        git(d.path(), &["update-index", "--index-version", "4"]);
        assert!(matches!(
            read(&d.path().join(".git/index")).expect("reads"),
            Spliced::Unhandled
        ));

        // A required extension (split index: `link`).
        let d = repo();
        git(d.path(), &["update-index", "--split-index"]);
        assert!(matches!(
            read(&d.path().join(".git/index")).expect("reads"),
            Spliced::Unhandled
        ));

        // A damaged index: an entry's name runs past the entries.
        let d = repo();
        let file = d.path().join(".git/index");
        let mut b = std::fs::read(&file).expect("read");
        b[12 + 60..12 + 62].copy_from_slice(&0x0fffu16.to_be_bytes());
        let n = b.len() - HASH;
        b[12 + 62..n].iter_mut().for_each(|c| *c = b'x');
        std::fs::write(&file, &b).expect("write");
        assert!(matches!(read(&file).expect("reads"), Spliced::Unhandled));

        // An entry in a conflict stage.
        let d = repo();
        let file = d.path().join(".git/index");
        let mut b = std::fs::read(&file).expect("read");
        b[12 + 60] |= 0x10;
        let n = b.len() - HASH;
        let sum = Sha1::digest(&b[..n]);
        b[n..].copy_from_slice(&sum);
        std::fs::write(&file, &b).expect("write");
        assert!(matches!(read(&file).expect("reads"), Spliced::Unhandled));

        // A file where a directory is, and a directory where a file is.
        let d = repo();
        let c = [staged(d.path(), "b")];
        assert!(
            !handled(d.path())
                .splice(&file_of(&d), &c)
                .expect("no error")
        );
        let c = [staged(d.path(), "a/x")];
        assert!(
            !handled(d.path())
                .splice(&file_of(&d), &c)
                .expect("no error")
        );
        // Nor two added paths, one under the other.
        let c = [staged(d.path(), "n"), staged(d.path(), "n/m")];
        assert!(
            !handled(d.path())
                .splice(&file_of(&d), &c)
                .expect("no error")
        );
        // Unless what was in the way goes too.
        std::fs::remove_file(d.path().join("a")).expect("rm");
        let c = [
            add(d.path(), "a/x", "under a file"),
            Change::Remove("a".into()),
        ];
        assert!(handled(d.path()).splice(&file_of(&d), &c).expect("writes"));
        assert_eq!(git(d.path(), &["status", "--porcelain"]), "D  a\nA  a/x\n");
    }

    /// A path staged with no file behind it (for changes refused before
    /// anything is written).
    fn staged(d: &Path, path: &str) -> Change {
        Change::Add {
            disk: d.join(path),
            path: path.to_string(),
            id: Oid::ZERO_SHA1,
        }
    }

    fn file_of(d: &tempfile::TempDir) -> std::path::PathBuf {
        d.path().join(".git/index")
    }

    #[test]
    fn a_held_index_lock_is_an_error_and_nothing_is_written() {
        let d = repo();
        let before = std::fs::read(file_of(&d)).expect("read");
        std::fs::write(d.path().join(".git/index.lock"), "").expect("lock");
        let c = [add(d.path(), "b/c", "changed")];
        let err = handled(d.path())
            .splice(&file_of(&d), &c)
            .expect_err("locked");
        assert!(err.to_string().contains("index.lock exists"), "{err}");
        assert_eq!(std::fs::read(file_of(&d)).expect("read"), before);
    }

    #[test]
    fn no_index_yet_is_an_empty_one() {
        let d = tempfile::tempdir().expect("tempdir");
        git(d.path(), &["init", "-q"]);
        let c = [add(d.path(), "x/y", "1"), add(d.path(), "a", "2")];
        assert!(handled(d.path()).splice(&file_of(&d), &c).expect("writes"));
        assert_eq!(git(d.path(), &["ls-files"]), "a\nx/y\n");
        assert_eq!(git(d.path(), &["status", "--porcelain"]), "A  a\nA  x/y\n");
    }
}
