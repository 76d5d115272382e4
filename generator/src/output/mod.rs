//! `output`: compare rendered files with the repository, then write, prune
//! and commit. The only stage that touches the file system and Git.
//!
//! It owns a file only if the path is one `layout` allows *and* the file
//! carries the generated-file header; anything else is never written,
//! pruned or committed. It knows nothing of the spec's meaning: commit
//! messages are described from paths via `layout::owner_of`.

pub(crate) mod git;
pub(crate) mod index;
pub(crate) mod lock;
pub(crate) mod pack;
pub(crate) mod remote;
pub(crate) mod state;
pub(crate) mod tls;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use self::state::PathSet;
use crate::diag::Hinted;
use crate::layout;
use crate::render::{self, Rendered};

/// What rendering would change on disk.
#[derive(Debug, Default)]
pub(crate) struct Changes<'a> {
    /// New or changed files: path → (old text if any, new text, the
    /// rendered one itself).
    pub writes: BTreeMap<String, (Option<String>, &'a str)>,
    /// Owned files no longer rendered: path → old text.
    pub prunes: BTreeMap<String, String>,
    /// Owned files whose body no longer matches their digest.
    pub edited: BTreeSet<String>,
    /// Rendered paths taken by a file `gen` does not own.
    pub foreign: BTreeSet<String>,
    /// Symbolic links on the way to a rendered path: writing there could
    /// leave the repository, so it never happens.
    pub escapes: BTreeSet<String>,
    /// Temporary files a killed run left behind (`.gen-*.tmp`), to delete.
    pub stale: BTreeSet<String>,
}

impl Changes<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.prunes.is_empty()
    }
}

/// Compare `rendered` with the files under `root`.
pub(crate) fn compare<'a>(root: &Path, rendered: &'a [Rendered]) -> Result<Changes<'a>> {
    let planned: PathSet<'_> = rendered.iter().map(|r| r.path.as_str()).collect();
    compare_scoped(root, rendered, &planned, None)
}

/// Compare `rendered` (some of the `planned` paths; the others are known to
/// be on disk as they would render) with the files under `root`. Files no
/// longer planned are found by walking the owned directories, or, when the
/// caller knows no directory changed, among `leftovers` only.
pub(crate) fn compare_scoped<'a>(
    root: &Path,
    rendered: &'a [Rendered],
    planned: &PathSet<'_>,
    leftovers: Option<&[&str]>,
) -> Result<Changes<'a>> {
    let mut changes = Changes::default();
    let rendered_paths: PathSet<'_> = rendered.iter().map(|r| r.path.as_str()).collect();
    let (mut on_disk, stale) = match leftovers {
        None => scan_owned(root, &|p| {
            planned.contains(p) && !rendered_paths.contains(p)
        })?,
        Some(_) => owned_leftovers(root, planned, leftovers)?,
    };
    changes.stale = stale;
    let mut dirs = HashMap::new();
    for r in rendered {
        if let Some(link) = symlink_on_path(root, &r.path, &mut dirs)? {
            changes.escapes.insert(link);
            continue;
        }
        let old = match on_disk.remove(&r.path) {
            Some(text) => Some(text),
            None => match read_old(root, &r.path)? {
                Old::Text(text) => Some(text),
                Old::Missing => None,
                Old::Link => {
                    changes.escapes.insert(r.path.clone());
                    continue;
                }
            },
        };
        match &old {
            Some(text) if *text == r.text => continue,
            Some(text) => changes.overwriting(&r.path, text),
            None => {}
        }
        changes
            .writes
            .insert(r.path.clone(), (old, r.text.as_str()));
    }
    changes.prune(on_disk);
    Ok(changes)
}

/// What a render changes on disk, found without holding every text: which
/// of the files to render differ from disk (`differ`, written by
/// [`write_rendered`]) or are there already as they would render (`same`,
/// with their blob), and what `Changes` says of the rest.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Indices (into the paths scanned) of files to write.
    pub differ: Vec<usize>,
    /// Indices of files on disk as they would render, with their blob
    /// (when `scan` was asked for blobs: a check needs none).
    pub same: Vec<(usize, git2::Oid)>,
    /// The rest, for `guard` and `apply`: its `writes` stay empty (the
    /// files to write are `differ`, written by [`write_rendered`]).
    pub changes: Changes<'static>,
}

/// Files rendered at once by [`scan`] and [`write_rendered`]: enough to keep
/// every core busy, few enough that their texts stay small beside the plan.
pub(crate) const CHUNK: usize = 4096;

/// Compare `paths` (some of the `planned` paths; the others are known to be
/// on disk as they would render) with the files under `root`, as
/// [`compare_scoped`] does, rendering (`render`, given indices into `paths`)
/// the files that exist, [`CHUNK`] at a time, and keeping no text: a file
/// not on disk is written whatever it renders to. Those that `may_refuse`
/// are rendered whether they exist or not, so that a refusal comes here,
/// before anything is written.
pub(crate) fn scan(
    root: &Path,
    paths: &[&str],
    planned: &PathSet<'_>,
    leftovers: Option<&[&str]>,
    render: &dyn Fn(&[usize]) -> Result<Vec<Rendered>>,
    may_refuse: &dyn Fn(usize) -> bool,
    blobs: bool,
) -> Result<Scan> {
    let mut out = Scan::default();
    let c = &mut out.changes;
    let (on_disk, stale) = owned_leftovers(root, planned, leftovers)?;
    c.stale = stale;
    let mut dirs = HashMap::new();
    let mut present = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        if let Some(link) = symlink_on_path(root, p, &mut dirs)? {
            c.escapes.insert(link);
            continue;
        }
        match fs::symlink_metadata(root.join(p)) {
            Ok(m) if m.file_type().is_symlink() => {
                c.escapes.insert(p.to_string());
            }
            Ok(_) => present.push(i),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !may_refuse(i) => {
                out.differ.push(i);
            }
            // Read below, where it is found missing.
            Err(e) if e.kind() == io::ErrorKind::NotFound => present.push(i),
            Err(e) => return Err(e).with_context(|| format!("inspecting {p}")),
        }
    }
    for chunk in present.chunks(CHUNK) {
        for (i, r) in chunk.iter().zip(render(chunk)?) {
            match read_old(root, &r.path)? {
                Old::Text(old) if old == r.text => {
                    if blobs {
                        let id = git::blob_id(r.text.as_bytes());
                        out.same.push((*i, id));
                    }
                }
                Old::Text(old) => {
                    c.overwriting(&r.path, &old);
                    out.differ.push(*i);
                }
                Old::Missing => out.differ.push(*i),
                Old::Link => {
                    c.escapes.insert(r.path.clone());
                }
            }
        }
    }
    out.differ.sort_unstable();
    c.prune(on_disk);
    Ok(out)
}

/// Render and write the files `which` (indices into `paths`), [`CHUNK`] at
/// a time, each atomically; their blobs, in `which`'s order. No more than
/// one chunk's texts are held at once.
pub(crate) fn write_rendered(
    root: &Path,
    paths: &[&str],
    which: &[usize],
    render: &dyn Fn(&[usize]) -> Result<Vec<Rendered>>,
) -> Result<Vec<git2::Oid>> {
    create_parents(root, which.iter().map(|i| paths[*i]))?;
    let mut ids = Vec::with_capacity(which.len());
    for chunk in which.chunks(CHUNK) {
        let rendered = render(chunk)?;
        let written: Vec<Result<git2::Oid>> = crate::par::map(&rendered, 256, |r| {
            write_in_place(&root.join(&r.path), r.text.as_bytes())
                .with_context(|| format!("writing {}", r.path))?;
            Ok(git::blob_id(r.text.as_bytes()))
        });
        for id in written {
            ids.push(id?);
        }
    }
    Ok(ids)
}

/// Owned files on disk that are not `planned` (what a render prunes), with
/// their texts, and the stale temporary files found on the way: by walking
/// the owned directories, or among `leftovers` when the caller knows no
/// directory changed.
fn owned_leftovers(
    root: &Path,
    planned: &PathSet<'_>,
    leftovers: Option<&[&str]>,
) -> Result<(BTreeMap<String, String>, BTreeSet<String>)> {
    match leftovers {
        None => scan_owned(root, &|p| planned.contains(p)),
        Some(list) => {
            let mut found = BTreeMap::new();
            for p in list
                .iter()
                .filter(|p| !planned.contains(*p) && layout::may_own(p))
            {
                match read_no_follow(&root.join(p)) {
                    Ok(bytes) if bytes.starts_with(render::HEADER_PREFIX.as_bytes()) => {
                        found.insert(p.to_string(), String::from_utf8_lossy(&bytes).into_owned());
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound || is_symlink_error(&e) => {}
                    Err(e) => return Err(e).with_context(|| format!("reading {p}")),
                }
            }
            Ok((found, BTreeSet::new()))
        }
    }
}

/// Create the directory of each of `paths` (root-relative), each once.
fn create_parents<'a>(root: &Path, paths: impl Iterator<Item = &'a str>) -> Result<()> {
    let dirs: BTreeSet<&Path> = paths.filter_map(|p| Path::new(p).parent()).collect();
    for d in dirs {
        fs::create_dir_all(root.join(d)).with_context(|| format!("creating {}", d.display()))?;
    }
    Ok(())
}

/// A rendered path's file on disk.
enum Old {
    Missing,
    /// A symbolic link: never read or written through.
    Link,
    Text(String),
}

fn read_old(root: &Path, path: &str) -> Result<Old> {
    match read_no_follow(&root.join(path)) {
        Ok(bytes) => Ok(Old::Text(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Old::Missing),
        Err(e) if is_symlink_error(&e) => Ok(Old::Link),
        Err(e) => Err(e).with_context(|| format!("reading {path}")),
    }
}

impl Changes<'_> {
    /// `path`, now `old`, is to be overwritten: noted if it is not gen's
    /// (no header) or carries a hand edit (its body no longer matches its
    /// digest).
    fn overwriting(&mut self, path: &str, old: &str) {
        match render::verify(old) {
            None => {
                self.foreign.insert(path.to_string());
            }
            Some(false) => {
                self.edited.insert(path.to_string());
            }
            Some(true) => {}
        }
    }

    /// The owned files left on disk are no longer rendered: each pruned,
    /// a hand-edited one noted.
    fn prune(&mut self, left: BTreeMap<String, String>) {
        for (path, text) in left {
            if render::verify(&text) == Some(false) {
                self.edited.insert(path.clone());
            }
            self.prunes.insert(path, text);
        }
    }
}

/// The first directory on the way to `rel` that is a symbolic link.
/// `seen` caches each directory's answer (`true` = a link).
fn symlink_on_path(
    root: &Path,
    rel: &str,
    seen: &mut HashMap<String, bool>,
) -> Result<Option<String>> {
    let mut end = 0;
    while let Some(i) = rel[end..].find('/') {
        end += i;
        let dir = &rel[..end];
        end += 1;
        let is_link = match seen.get(dir) {
            Some(v) => *v,
            None => {
                let v = match fs::symlink_metadata(root.join(dir)) {
                    Ok(m) => m.file_type().is_symlink(),
                    // Missing: it will be created as a real directory.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                    Err(e) => return Err(e).with_context(|| format!("inspecting {dir}")),
                };
                seen.insert(dir.to_string(), v);
                v
            }
        };
        if is_link {
            return Ok(Some(dir.to_string()));
        }
    }
    Ok(None)
}

/// Read a file, failing (with ELOOP) if it is a symbolic link.
fn read_no_follow(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    let mut bytes = Vec::new();
    opts.open(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn is_symlink_error(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Every file under the owned roots that carries the generated header,
/// except those `skip` names (known, not read). Also returns the stale
/// temporary files found on the way.
fn scan_owned(
    root: &Path,
    skip: &dyn Fn(&str) -> bool,
) -> Result<(BTreeMap<String, String>, BTreeSet<String>)> {
    let mut out = BTreeMap::new();
    let mut stale = BTreeSet::new();
    for dir in [layout::DEPLOY_DIR, layout::CFN_DIR, layout::CLUSTERS_DIR] {
        // Never follow a symbolic link out of the repository.
        if fs::symlink_metadata(root.join(dir)).is_ok_and(|m| m.file_type().is_symlink()) {
            continue;
        }
        walk(root, Path::new(dir), skip, &mut out, &mut stale)?;
    }
    Ok((out, stale))
}

fn walk(
    root: &Path,
    rel: &Path,
    skip: &dyn Fn(&str) -> bool,
    out: &mut BTreeMap<String, String>,
    stale: &mut BTreeSet<String>,
) -> Result<()> {
    let full = root.join(rel);
    let entries = match fs::read_dir(&full) {
        Ok(e) => e,
        Err(e)
            if e.kind() == io::ErrorKind::NotFound || e.kind() == io::ErrorKind::NotADirectory =>
        {
            return Ok(());
        }
        Err(e) => return Err(e).with_context(|| format!("listing {}", full.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", full.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let rel = rel.join(name);
        let Some(rel_str) = rel.to_str().map(|s| s.replace('\\', "/")) else {
            continue;
        };
        let ty = entry.file_type()?;
        if ty.is_dir() {
            // clusters/<cluster>/flux-system/ belongs to `flux bootstrap`;
            // never look inside.
            let bootstrap = name == "flux-system"
                && rel.parent().and_then(Path::parent) == Some(Path::new(layout::CLUSTERS_DIR));
            if !bootstrap {
                walk(root, &rel, skip, out, stale)?;
            }
        } else if ty.is_file() && name.starts_with(".gen-") && name.ends_with(".tmp") {
            // A run killed between writing a temporary file and renaming it.
            stale.insert(rel_str);
        } else if ty.is_file() && layout::may_own(&rel_str) && !skip(&rel_str) {
            let bytes =
                fs::read(root.join(&rel)).with_context(|| format!("reading {}", rel.display()))?;
            if bytes.starts_with(render::HEADER_PREFIX.as_bytes()) {
                out.insert(rel_str, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok(())
}

/// The unified diff that writing `new` at `path` makes (`old`: what is
/// there, if anything).
pub(crate) fn file_diff(path: &str, old: Option<&str>, new: &str) -> String {
    let old = old.unwrap_or("");
    let (a, b) = if old.is_empty() {
        ("/dev/null".to_string(), format!("b/{path}"))
    } else {
        (format!("a/{path}"), format!("b/{path}"))
    };
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string()
}

/// The unified diff of removing `path`, which holds `old`.
pub(crate) fn prune_diff(path: &str, old: &str) -> String {
    similar::TextDiff::from_lines(old, "")
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), "/dev/null")
        .to_string()
}

/// The diff of the files `which` (indices into `paths`) against what is on
/// disk, rendered [`CHUNK`] at a time and handed to `out` file by file, in
/// `which`'s order: no more than a run's texts are held.
pub(crate) fn diff_rendered(
    root: &Path,
    which: &[usize],
    render: &dyn Fn(&[usize]) -> Result<Vec<Rendered>>,
    out: &mut dyn FnMut(String),
) -> Result<()> {
    for chunk in which.chunks(CHUNK) {
        for r in render(chunk)? {
            let old = match read_old(root, &r.path)? {
                Old::Text(t) => Some(t),
                Old::Missing | Old::Link => None,
            };
            out(file_diff(&r.path, old.as_deref(), &r.text));
        }
    }
    Ok(())
}

/// Write and prune. Each file is written to a temporary file beside it and
/// renamed into place, so a reader (or Flux) sees the old or the new file,
/// never half of one, even if `gen` is killed midway. (Not fsynced: power-loss
/// durability is Git's job once the commit is made.) Temporary names start
/// with `.` and end in `.tmp`, which kustomize and Flux do not pick up.
pub(crate) fn apply(root: &Path, changes: &Changes) -> Result<()> {
    for path in &changes.stale {
        let _ = fs::remove_file(root.join(path));
    }
    write_all(root, &changes.writes)?;
    let mut dirs = BTreeSet::new();
    for path in changes.prunes.keys() {
        let full = root.join(path);
        match fs::remove_file(&full) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {path}")),
        }
        if let Some(parent) = Path::new(path).parent() {
            dirs.insert(parent.to_path_buf());
        }
    }
    // Remove directories the prune emptied, deepest first, never a root.
    let mut dirs: Vec<PathBuf> = dirs
        .into_iter()
        .flat_map(|d| d.ancestors().map(Path::to_path_buf).collect::<Vec<_>>())
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    dirs.dedup();
    for d in dirs {
        if d.components().count() < 2 {
            continue;
        }
        // Fails (and is meant to) when the directory still holds anything.
        let _ = fs::remove_dir(root.join(&d));
    }
    Ok(())
}

/// Write every file, each atomically, on as many threads as there are
/// cores: the files are independent and the kernel creates them in
/// parallel. Each directory is created once.
fn write_all(root: &Path, writes: &BTreeMap<String, (Option<String>, &str)>) -> Result<()> {
    create_parents(root, writes.keys().map(String::as_str))?;
    let files: Vec<(&String, &str)> = writes.iter().map(|(p, (_, t))| (p, *t)).collect();
    // Neighbouring paths share directories: `par` gives each thread a run of them.
    crate::par::map(&files, 256, |(path, text)| {
        write_in_place(&root.join(path), text.as_bytes()).with_context(|| format!("writing {path}"))
    })
    .into_iter()
    .collect()
}

/// Write `bytes` to a temporary file beside `path` (whose directory exists)
/// and rename it into place. The temporary name is fixed (`.gen-<name>.tmp`):
/// the render lock keeps other runs out, and a killed run's leftover is
/// found and removed by the next (`Changes::stale`).
fn write_in_place(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| io::Error::other("a path without a file name"))?;
    let tmp = path.with_file_name(format!(".gen-{name}.tmp"));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never through a link someone placed at the temporary name.
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    drop(f);
    fs::rename(&tmp, path)
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().context("path has no parent")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".gen-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Refuse to go on when a change would destroy work that is not `gen`'s.
pub(crate) fn guard(
    changes: &Changes,
    uncommitted_edits: &BTreeSet<String>,
    force: bool,
) -> Result<()> {
    if let Some(link) = changes.escapes.iter().next() {
        bail!(Hinted::new(
            format!(
                "{link} is a symbolic link; gen does not write through links, which could lead out of the repository"
            ),
            "replace the link with a real directory (or file), or render elsewhere"
        ));
    }
    if let Some(first) = changes.foreign.iter().next() {
        bail!(Hinted::new(
            format!(
                "{} would be overwritten, but it was not generated by gen (it has no generated-file header)",
                first
            ),
            format!(
                "move it out of the way; gen never overwrites files it does not own{}",
                if changes.foreign.len() > 1 {
                    format!(" ({} such files)", changes.foreign.len())
                } else {
                    String::new()
                }
            )
        ));
    }
    if !uncommitted_edits.is_empty() && !force {
        let list: Vec<&str> = uncommitted_edits
            .iter()
            .map(String::as_str)
            .take(10)
            .collect();
        bail!(Hinted::new(
            format!(
                "generated files carry uncommitted hand edits that rendering would overwrite:\n    {}{}",
                list.join("\n    "),
                if uncommitted_edits.len() > 10 {
                    format!("\n    … and {} more", uncommitted_edits.len() - 10)
                } else {
                    String::new()
                }
            ),
            "move the change into gen.yaml, or commit or discard it; `gen render --force` overwrites it"
        ));
    }
    Ok(())
}
