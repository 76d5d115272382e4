//! What the last `gen render` left behind, kept beside the repository's
//! Git files (`.git/gen-render-state`, never in the work tree, never
//! committed), so the next run costs what changed, not the repository's
//! size: each owned file's fingerprint (a digest of what it is rendered
//! from), blob ID and file-system stamp, each owned directory's stamp, the
//! commit that holds them, and what the run printed.
//!
//! It is only ever a hint. A file counts as unchanged only while its stamp
//! (size, change and modification times, inode) is the recorded one and it
//! was not written in the same clock tick as the state (Git's "racily
//! clean" case); anything else is rendered, read and compared as if there
//! were no state. A missing or unreadable state is no state.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use git2::Oid;

use crate::render::Fingerprint;

const MAGIC: &str = "gen-render-state 2";

/// A map keyed by path, with a hash faster than the standard one (the keys
/// are the render's own paths, never an adversary's).
pub(crate) type PathMap<V> = std::collections::HashMap<String, V, foldhash::fast::RandomState>;
/// A set of paths, hashed as `PathMap`.
pub(crate) type PathSet<'a> = std::collections::HashSet<&'a str, foldhash::fast::RandomState>;

/// A file's or directory's stamp: what changes when anything writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    ino: u64,
}

/// Stamps of paths under one root, each path made in the same buffer: a
/// render stamps every file it owns, thousands, and a new path each was a
/// measurable part of a small change's time.
pub(crate) struct Stamper {
    #[cfg(unix)]
    buf: Vec<u8>,
    /// Where the root (and its separator) ends in `buf`.
    #[cfg(unix)]
    base: usize,
    #[cfg(not(unix))]
    root: PathBuf,
}

impl Stamper {
    pub(crate) fn new(root: &Path) -> Stamper {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let mut buf = root.as_os_str().as_bytes().to_vec();
            if !buf.is_empty() && !buf.ends_with(b"/") {
                buf.push(b'/');
            }
            Stamper {
                base: buf.len(),
                buf,
            }
        }
        #[cfg(not(unix))]
        {
            Stamper {
                root: root.to_path_buf(),
            }
        }
    }

    /// The stamp of `rel` (a '/'-separated path) under the root.
    pub(crate) fn of(&mut self, rel: &str) -> Option<Stamp> {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            self.buf.truncate(self.base);
            self.buf.extend_from_slice(rel.as_bytes());
            Stamp::of(Path::new(std::ffi::OsStr::from_bytes(&self.buf)))
        }
        #[cfg(not(unix))]
        {
            Stamp::of(&self.root.join(rel))
        }
    }
}

impl Stamp {
    /// The stamp of `path`, not following a final symbolic link.
    pub(crate) fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::symlink_metadata(path).ok()?;
        Some(Stamp::from_meta(&m))
    }

    fn from_meta(m: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                size: m.size(),
                mtime_ns: m
                    .mtime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(m.mtime_nsec()),
                ctime_ns: m
                    .ctime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(m.ctime_nsec()),
                ino: m.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64);
            Stamp {
                size: m.len(),
                mtime_ns,
                ctime_ns: mtime_ns,
                ino: 0,
            }
        }
    }
}

/// One owned file as the last run left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileState {
    pub fingerprint: Fingerprint,
    pub blob: Oid,
    pub stamp: Stamp,
}

/// One line the run printed, to print again when a run finds nothing to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Message {
    /// A line on stderr (a diagnostic).
    Line(String),
    /// A line on stdout.
    Data(String),
    /// A note on stderr, with its hint.
    Note(String, Option<String>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// A digest of every input of the run (`key`).
    pub key: String,
    /// The commit whose tree holds exactly these files and inputs; None
    /// when the run left them uncommitted.
    pub head: Option<Oid>,
    /// The index file's stamp after the run.
    pub index: Option<Stamp>,
    /// The committed inputs (spec, lock): root-relative path → blob.
    pub inputs: PathMap<Oid>,
    pub files: PathMap<FileState>,
    /// Every directory on the way to an owned file, up to the owned roots.
    pub dirs: Vec<(String, Stamp)>,
    pub messages: Vec<Message>,
    /// The state file's own modification time: a file stamped at or after
    /// it may have changed within the same clock tick.
    pub written_ns: i64,
}

/// The state of the render rooted at `prefix` of the repository at `git_dir`.
pub(crate) fn path(git_dir: &Path, prefix: &str) -> PathBuf {
    if prefix.is_empty() {
        git_dir.join("gen-render-state")
    } else {
        let h = Oid::hash_object(git2::ObjectType::Blob, prefix.as_bytes())
            .map(|o| o.to_string()[..12].to_string())
            .unwrap_or_default();
        git_dir.join(format!("gen-render-state-{h}"))
    }
}

/// Where the apps the last render read are kept (`spec::Kept`), beside its
/// state.
pub(crate) fn apps_path(git_dir: &Path, prefix: &str) -> PathBuf {
    let mut p = path(git_dir, prefix).into_os_string();
    p.push(".apps");
    PathBuf::from(p)
}

/// The first line of the apps' file: only this build of gen reads what it
/// kept (another may read the same text otherwise).
fn apps_header() -> String {
    format!("gen-apps 1 {}\n", hex(&build_id()))
}

/// The apps kept at `path` by this build of gen, if any.
pub(crate) fn read_apps(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.strip_prefix(&apps_header()).map(str::to_string)
}

/// Keep `kept` at `path` (atomically); the caller holds the render lock.
pub(crate) fn write_apps(path: &Path, kept: &crate::spec::Kept) -> Result<()> {
    let mut text = apps_header();
    text.push_str(&kept.text());
    let tmp = path.with_extension("apps.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// A digest of everything a render's output depends on besides the plan
/// itself: this build of gen, the spec and lock bytes, the spec's name and
/// where the render root sits in the repository.
pub(crate) fn key(spec: &[u8], lock: Option<&[u8]>, spec_name: &str, prefix: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(build_id());
    h.update((spec.len() as u64).to_le_bytes());
    h.update(spec);
    match lock {
        Some(l) => {
            h.update([1]);
            h.update((l.len() as u64).to_le_bytes());
            h.update(l);
        }
        None => h.update([0]),
    }
    h.update(spec_name.as_bytes());
    h.update([0]);
    h.update(prefix.as_bytes());
    hex(&h.finalize())
}

/// What identifies this build of gen: its version and its executable's
/// size and modification time, so a rebuilt binary (whose templates or
/// code may differ) never trusts an older one's state.
pub(crate) fn build_id() -> Vec<u8> {
    let mut out = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
    if let Some(s) = std::env::current_exe().ok().and_then(|p| Stamp::of(&p)) {
        out.extend(s.size.to_le_bytes());
        out.extend(s.mtime_ns.to_le_bytes());
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    hex_into(&mut out, bytes);
    // Hex digits are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Lower-case hex of `bytes`, appended (the state holds thousands: no
/// formatting machinery per byte).
fn hex_into(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let start = out.len();
    out.resize(start + 2 * bytes.len(), 0);
    for (pair, b) in out[start..].chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 15)];
    }
}

/// The bulk of a state (a line per file and directory), written to an
/// unnamed temporary file as it is made, so that a large render does not
/// hold it in memory; and the newest modification time it records.
pub(crate) struct Body {
    file: std::fs::File,
    newest: i64,
}

impl Body {
    /// The lines of `files` (path and state, in path order) and `dirs`, in
    /// a temporary file in `dir`.
    pub(crate) fn write<'a>(
        dir: &Path,
        files: impl Iterator<Item = (&'a str, FileState)>,
        dirs: &[(String, Stamp)],
    ) -> Result<Body> {
        use std::io::Write as _;
        let file = tempfile::tempfile_in(dir)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
        let mut line: Vec<u8> = Vec::with_capacity(256);
        let mut newest = 0;
        for (p, f) in files {
            line.clear();
            line.extend_from_slice(b"file ");
            hex_into(&mut line, &f.fingerprint);
            line.push(b' ');
            hex_into(&mut line, f.blob.as_bytes());
            line.push(b' ');
            stamp_into(&mut line, &f.stamp);
            line.push(b' ');
            line.extend_from_slice(p.as_bytes());
            line.push(b'\n');
            w.write_all(&line)?;
            newest = newest.max(f.stamp.mtime_ns);
        }
        for (d, st) in dirs {
            line.clear();
            line.extend_from_slice(b"dir ");
            stamp_into(&mut line, st);
            line.push(b' ');
            line.extend_from_slice(d.as_bytes());
            line.push(b'\n');
            w.write_all(&line)?;
            newest = newest.max(st.mtime_ns);
        }
        let file = w.into_inner().map_err(|e| e.into_error())?;
        Ok(Body { file, newest })
    }

    /// The bulk of the state a render leaves: each planned file (path,
    /// fingerprint, blob, and its stamp when known unchanged, else taken
    /// now), and the directories: when `old` found none changed, those on
    /// the way to a `touched` file (written or removed) stamped again and
    /// the others as `old` has them; else every one stamped.
    pub(crate) fn of_render<'a>(
        root: &Path,
        dir: &Path,
        files: impl Iterator<Item = (&'a str, Fingerprint, Oid, Option<Stamp>)>,
        old: Option<&State>,
        touched: impl Iterator<Item = &'a str>,
        paths: &[&str],
    ) -> Result<Body> {
        let dirs = match old {
            Some(o) => o.dirs_after(root, touched, paths),
            None => dir_stamps(root, paths.iter().copied()),
        };
        let files = files.filter_map(|(path, fingerprint, blob, known)| {
            let stamp = known.or_else(|| Stamp::of(&root.join(path)))?;
            Some((
                path,
                FileState {
                    fingerprint,
                    blob,
                    stamp,
                },
            ))
        });
        Body::write(dir, files, &dirs)
    }

    /// Write `head` then the body to `path`, atomically.
    fn write_after(&mut self, path: &Path, head: &str) -> Result<()> {
        use std::io::{Seek as _, Write as _};
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::Builder::new()
            .prefix(".gen-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(head.as_bytes())?;
        self.file.seek(std::io::SeekFrom::Start(0))?;
        std::io::copy(&mut self.file, &mut tmp)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Each byte's value as a hex digit, 0xff for any other byte.
const UNHEX: [u8; 256] = {
    let mut t = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// `N` bytes from exactly `2 * N` hex digits.
fn unhex_n<const N: usize>(s: &[u8]) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    let mut bad = 0;
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        let (hi, lo) = (UNHEX[usize::from(pair[0])], UNHEX[usize::from(pair[1])]);
        bad |= hi | lo;
        *o = hi << 4 | lo;
    }
    (bad & 0xf0 == 0).then_some(out)
}

impl State {
    /// The state at `path`, or None when there is none or it cannot be read.
    pub(crate) fn read(path: &Path) -> Option<State> {
        let (text, written_ns) = Self::read_text(path)?;
        Self::parse(&text, written_ns)
    }

    /// The state file's text and its modification time.
    pub(crate) fn read_text(path: &Path) -> Option<(String, i64)> {
        let text = std::fs::read_to_string(path).ok()?;
        let written_ns = Stamp::of(path)?.mtime_ns;
        Some((text, written_ns))
    }

    /// The key of a state's text, without reading the rest.
    pub(crate) fn key_of(text: &str) -> Option<&str> {
        let mut lines = text.lines();
        (lines.next()? == MAGIC).then_some(())?;
        lines.next()?.strip_prefix("key ")
    }

    /// A state from its text (`read_text`).
    pub(crate) fn parse(text: &str, written_ns: i64) -> Option<State> {
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let mut s = State {
            written_ns,
            // A file's line is about 200 bytes: room for them all at once.
            files: PathMap::with_capacity_and_hasher(text.len() / 160, Default::default()),
            ..State::default()
        };
        for line in lines {
            // A line per file, tens of thousands: read as bytes. Fixed-width
            // hex fields, then the stamp, then the path.
            if let Some(rest) = line.strip_prefix("file ") {
                let b = rest.as_bytes();
                (b.get(32) == Some(&b' ') && b.get(73) == Some(&b' ')).then_some(())?;
                let fingerprint = unhex_n(&b[..32])?;
                let blob = Oid::from_bytes(&unhex_n::<20>(&b[33..73])?).ok()?;
                let mut at = 74;
                let stamp = read_stamp(b, &mut at)?;
                s.files.insert(
                    rest.get(at..)?.to_string(),
                    FileState {
                        fingerprint,
                        blob,
                        stamp,
                    },
                );
                continue;
            }
            let (tag, rest) = line.split_once(' ')?;
            match tag {
                "key" => s.key = rest.to_string(),
                "head" => s.head = Oid::from_str(rest).ok(),
                "index" => {
                    let mut at = 0;
                    s.index = read_stamp(rest.as_bytes(), &mut at).filter(|_| at == rest.len());
                }
                "input" => {
                    let (id, p) = rest.split_once(' ')?;
                    s.inputs.insert(p.to_string(), Oid::from_str(id).ok()?);
                }
                "msg" => s.messages.push(serde_json::from_str(rest).ok()?),
                "dir" => {
                    let mut at = 0;
                    let stamp = read_stamp(rest.as_bytes(), &mut at)?;
                    s.dirs.push((rest.get(at..)?.to_string(), stamp));
                }
                _ => return None,
            }
        }
        Some(s)
    }

    /// `write_with` its own body.
    #[cfg(test)]
    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        let mut files: Vec<_> = self.files.iter().collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut body = Body::write(
            dir,
            files.into_iter().map(|(p, f)| (p.as_str(), *f)),
            &self.dirs,
        )?;
        self.write_with(path, &mut body)
    }

    /// Write the state (atomically): its header, then `body`, the lines of
    /// its files and directories made apart (so a render can make them
    /// while it commits); the caller holds the render lock. If a file was
    /// stamped within the state's own clock tick, the state is written
    /// again a tick later, so those files do not stay racy.
    pub(crate) fn write_with(&self, path: &Path, body: &mut Body) -> Result<()> {
        let mut head = String::with_capacity(1024);
        head.push_str(MAGIC);
        head.push('\n');
        let _ = writeln!(head, "key {}", self.key);
        if let Some(h) = self.head {
            let _ = writeln!(head, "head {h}");
        }
        if let Some(i) = &self.index {
            let _ = writeln!(head, "index {}", fmt_stamp(i));
        }
        let mut inputs: Vec<_> = self.inputs.iter().collect();
        inputs.sort();
        for (p, id) in inputs {
            let _ = writeln!(head, "input {id} {p}");
        }
        for m in &self.messages {
            let _ = writeln!(head, "msg {}", serde_json::to_string(m)?);
        }
        body.write_after(path, &head)?;
        if Stamp::of(path).is_some_and(|s| s.mtime_ns <= body.newest) {
            std::thread::sleep(std::time::Duration::from_millis(10));
            body.write_after(path, &head)?;
        }
        Ok(())
    }

    /// For each of `paths`, its recorded state if its file on disk is as
    /// recorded (and not racily so); stamped on every core.
    pub(crate) fn unchanged_of(&self, root: &Path, paths: &[&str]) -> Vec<Option<&FileState>> {
        let stamps = parallel_stamps(root, paths);
        paths
            .iter()
            .zip(stamps)
            .map(|(p, now)| {
                let f = self.files.get(*p)?;
                self.trusted(f, now).then_some(f)
            })
            .collect()
    }

    /// Whether a recorded file stamped `now` is as recorded, and not racily
    /// so (stamped in the state's own clock tick or after).
    fn trusted(&self, f: &FileState, now: Option<Stamp>) -> bool {
        now == Some(f.stamp) && f.stamp.mtime_ns < self.written_ns
    }

    /// Whether a directory recorded as `st` and stamped `now` is as it was
    /// (and not racily so).
    fn dir_as_recorded(&self, st: &Stamp, now: Option<Stamp>) -> bool {
        now.is_some_and(|now| now == *st && now.mtime_ns < self.written_ns)
    }

    /// Whether every recorded file is as it was.
    pub(crate) fn all_unchanged(&self, root: &Path) -> bool {
        let paths: Vec<&str> = self.files.keys().map(String::as_str).collect();
        self.unchanged_of(root, &paths).iter().all(Option::is_some)
    }

    /// The directory stamps after a run that found every directory as
    /// recorded and then wrote or removed `touched`: those directories (and
    /// new ones on the way to `planned` files) are stamped again.
    pub(crate) fn dirs_after<'a>(
        &self,
        root: &Path,
        touched: impl Iterator<Item = &'a str>,
        planned: &[&str],
    ) -> Vec<(String, Stamp)> {
        let again = dir_stamps_names(touched);
        // A prune may have emptied (and so removed) a directory; the plan's
        // own directories are the ones to keep.
        let wanted = dir_stamps_names(planned.iter().copied());
        let mut out: Vec<(String, Stamp)> = self
            .dirs
            .iter()
            .filter(|(d, _)| !again.contains(d.as_str()) && wanted.contains(d.as_str()))
            .cloned()
            .collect();
        for d in again.into_iter().filter(|d| wanted.contains(d)) {
            if let Some(st) = Stamp::of(&root.join(d)) {
                out.push((d.to_string(), st));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Whether every recorded directory is as it was: then no file was added
    /// to or removed from any of them, and no walk is needed to find one.
    pub(crate) fn dirs_unchanged(&self, root: &Path) -> bool {
        let paths: Vec<&str> = self.dirs.iter().map(|(d, _)| d.as_str()).collect();
        !self.dirs.is_empty()
            && parallel_stamps(root, &paths)
                .into_iter()
                .zip(&self.dirs)
                .all(|(now, (_, st))| self.dir_as_recorded(st, now))
    }
}

/// The last state with the file system as found against it: which recorded
/// files are no longer as recorded, and whether every directory is.
/// Gathered while the spec loads, under the render lock, and trusted by the
/// render only if no one held the lock since (`git::Lock::follows` of
/// `token`).
pub(crate) struct Observed {
    pub state: State,
    /// The render lock's token while this was observed.
    pub token: u128,
    /// Recorded files whose stamp is not the recorded one (or racily so).
    changed: std::collections::HashSet<String, foldhash::fast::RandomState>,
    dirs_unchanged: bool,
}

impl State {
    /// Stamp every recorded file and directory now, one after the other:
    /// this runs beside the spec's two parsers, on the core the shorter one
    /// leaves free.
    pub(crate) fn observe(self, root: &Path, token: u128) -> Observed {
        let mut stamp = Stamper::new(root);
        let changed = self
            .files
            .iter()
            .filter(|(p, f)| !self.trusted(f, stamp.of(p)))
            .map(|(p, _)| p.clone())
            .collect();
        let dirs_unchanged = !self.dirs.is_empty()
            && self
                .dirs
                .iter()
                .all(|(d, st)| self.dir_as_recorded(st, stamp.of(d)));
        Observed {
            state: self,
            token,
            changed,
            dirs_unchanged,
        }
    }
}

impl Observed {
    /// As `State::unchanged_of`, as observed.
    pub(crate) fn unchanged_of(&self, paths: &[&str]) -> Vec<Option<&FileState>> {
        paths
            .iter()
            .map(|p| {
                let f = self.state.files.get(*p)?;
                (!self.changed.contains(*p)).then_some(f)
            })
            .collect()
    }

    /// As `State::dirs_unchanged`, as observed.
    pub(crate) fn dirs_unchanged(&self) -> bool {
        self.dirs_unchanged
    }
}

fn fmt_stamp(s: &Stamp) -> String {
    let mut out = Vec::new();
    stamp_into(&mut out, s);
    // Hex digits and spaces are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

fn stamp_into(out: &mut Vec<u8>, s: &Stamp) {
    hex_into(out, &s.size.to_be_bytes());
    out.push(b' ');
    hex_into(out, &s.mtime_ns.to_be_bytes());
    out.push(b' ');
    hex_into(out, &s.ctime_ns.to_be_bytes());
    out.push(b' ');
    hex_into(out, &s.ino.to_be_bytes());
}

/// A stamp's four fields from `b` at `at`, each 16 hex digits (the
/// times as their two's complement), ended by a space (consumed) or by the
/// end; `at` moves past them. Fixed width, read through a table: a state
/// has a stamp per owned file and directory, tens of thousands.
fn read_stamp(b: &[u8], at: &mut usize) -> Option<Stamp> {
    let mut field = || -> Option<[u8; 8]> {
        let n = unhex_n::<8>(b.get(*at..*at + 16)?)?;
        *at += 16;
        match b.get(*at) {
            Some(b' ') => *at += 1,
            None => {}
            Some(_) => return None,
        }
        Some(n)
    };
    Some(Stamp {
        size: u64::from_be_bytes(field()?),
        mtime_ns: i64::from_be_bytes(field()?),
        ctime_ns: i64::from_be_bytes(field()?),
        ino: u64::from_be_bytes(field()?),
    })
}

/// The directories on the way to each of `files` (root-relative), up to and
/// including their top directory, each once.
fn dir_stamps_names<'a>(files: impl Iterator<Item = &'a str>) -> PathSet<'a> {
    let mut dirs = PathSet::default();
    // Paths come grouped by directory: one already walked is skipped whole.
    let mut last = "";
    for f in files {
        let Some(parent) = f.rfind('/').map(|i| &f[..i]) else {
            continue;
        };
        if parent == last {
            continue;
        }
        last = parent;
        let mut d = parent;
        while !d.is_empty() && dirs.insert(d) {
            d = d.rfind('/').map_or("", |i| &d[..i]);
        }
    }
    dirs
}

/// Those directories with their stamps now.
pub(crate) fn dir_stamps<'a>(
    root: &Path,
    files: impl Iterator<Item = &'a str>,
) -> Vec<(String, Stamp)> {
    let mut names: Vec<&str> = dir_stamps_names(files).into_iter().collect();
    names.sort_unstable();
    let stamps = parallel_stamps(root, &names);
    names
        .into_iter()
        .zip(stamps)
        .filter_map(|(d, st)| st.map(|st| (d.to_string(), st)))
        .collect()
}

/// The stamps of `paths` under `root`, on every core (a stat each).
fn parallel_stamps(root: &Path, paths: &[&str]) -> Vec<Option<Stamp>> {
    let chunks: Vec<&[&str]> = paths.chunks(512).collect();
    crate::par::map(&chunks, 1, |chunk| {
        let mut stamp = Stamper::new(root);
        chunk.iter().map(|p| stamp.of(p)).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamper_stamps_as_a_joined_path_does() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("deploy/c")).unwrap();
        std::fs::write(d.path().join("deploy/c/a.yaml"), "a").unwrap();
        std::fs::write(d.path().join("b.yaml"), "bb").unwrap();
        let slash = format!("{}/", d.path().display());
        for root in [d.path(), Path::new(&slash)] {
            let mut stamp = Stamper::new(root);
            for p in [
                "deploy/c/a.yaml",
                "b.yaml",
                "deploy/c",
                "deploy/c/gone.yaml",
                "b.yaml",
            ] {
                assert_eq!(stamp.of(p), Stamp::of(&root.join(p)), "{p}");
            }
            assert!(stamp.of("b.yaml").is_some());
        }
    }

    #[test]
    fn a_state_reads_back_as_written_and_sees_changes() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("deploy/c")).unwrap();
        std::fs::write(root.join("deploy/c/a.yaml"), "a").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut s = State {
            key: "k".into(),
            head: Some(Oid::from_str("0123456789012345678901234567890123456789").unwrap()),
            ..State::default()
        };
        s.files.insert(
            "deploy/c/a.yaml".into(),
            FileState {
                fingerprint: [7; 16],
                blob: Oid::hash_object(git2::ObjectType::Blob, b"a").unwrap(),
                stamp: Stamp::of(&root.join("deploy/c/a.yaml")).unwrap(),
            },
        );
        s.dirs = dir_stamps(root, ["deploy/c/a.yaml"].into_iter());
        assert_eq!(s.dirs.len(), 2, "{:?}", s.dirs);
        s.messages = vec![
            Message::Line("warning: a\ttab".into()),
            Message::Note("n".into(), Some("h".into())),
        ];
        let p = root.join("state");
        s.write(&p).unwrap();
        let back = State::read(&p).unwrap();
        assert_eq!(back.files, s.files);
        assert_eq!(back.messages, s.messages);
        assert_eq!((back.key.as_str(), back.head), ("k", s.head));
        assert!(back.unchanged_of(root, &["deploy/c/a.yaml"])[0].is_some());
        assert!(back.dirs_unchanged(root));
        // A new file in a recorded directory, a rewritten file: both seen.
        std::fs::write(root.join("deploy/c/b.yaml"), "b").unwrap();
        assert!(!back.dirs_unchanged(root));
        std::fs::write(root.join("deploy/c/a.yaml"), "A").unwrap();
        assert!(back.unchanged_of(root, &["deploy/c/a.yaml"])[0].is_none());
        // A state of another format is no state.
        std::fs::write(&p, "gen-render-state 0\n").unwrap();
        assert!(State::read(&p).is_none());
    }

    #[test]
    fn a_line_reads_its_fields_and_the_path_after_them_whatever_it_holds() {
        let st = Stamp {
            size: 12,
            mtime_ns: -7,
            ctime_ns: 1_765_000_000_123_456_789,
            ino: u64::MAX,
        };
        let mut line = Vec::new();
        stamp_into(&mut line, &st);
        assert_eq!(
            String::from_utf8_lossy(&line),
            "000000000000000c fffffffffffffff9 187e8a2613ec4d15 ffffffffffffffff"
        );
        line.extend_from_slice(b" a b/c d");
        let mut at = 0;
        assert_eq!(read_stamp(&line, &mut at), Some(st));
        assert_eq!(&line[at..], b"a b/c d");
        // The last field may end the text; a field is 16 hex digits, no
        // fewer, no more, nothing else.
        let one = "0000000000000001";
        assert!(read_stamp(format!("{one} {one} {one} {one}").as_bytes(), &mut 0).is_some());
        for bad in [
            format!("{one} {one} {one}"),
            format!("{one} {one} {one} 1"),
            format!("{one} {one} {one} {one}0"),
            format!("{one} 000000000000000g {one} {one}"),
            format!("{one}  {one} {one} {one}"),
            "1 2 3 4".to_string(),
        ] {
            let bad = bad.as_bytes();
            assert!(
                read_stamp(bad, &mut 0).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(unhex_n::<2>(b"0aFf"), Some([0x0a, 0xff]));
        assert_eq!(unhex_n::<2>(b"0g00"), None);
        assert_eq!(unhex_n::<2>(b"0a0"), None);
    }

    #[test]
    fn a_file_written_in_the_states_own_tick_is_not_trusted() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), "a").unwrap();
        let mut s = State::default();
        s.files.insert(
            "a".into(),
            FileState {
                fingerprint: [0; 16],
                blob: Oid::ZERO_SHA1,
                stamp: Stamp::of(&d.path().join("a")).unwrap(),
            },
        );
        s.written_ns = s.files["a"].stamp.mtime_ns;
        assert!(s.unchanged_of(d.path(), &["a"])[0].is_none());
        s.written_ns += 1;
        assert!(s.unchanged_of(d.path(), &["a"])[0].is_some());
    }
}
