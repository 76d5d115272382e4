//! Commit exactly what `gen` changed, with git2.
//!
//! The commit's tree is HEAD's tree with only the owned files (and the spec)
//! replaced, so anything else the user has staged stays staged and out of
//! the commit.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{FileMode, ObjectType, Oid, Repository, Signature};

use super::index::Change;
use crate::diag::HintContext;
use crate::layout::{self, Owner};
use crate::render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Added,
    Modified,
    Deleted,
}

/// One path whose content in the commit differs from HEAD.
#[derive(Debug)]
pub(crate) struct Pending<'a> {
    /// Relative to the render root.
    pub path: String,
    pub kind: Kind,
    /// New content (a rendered file on disk, read when packed, or an
    /// input's bytes) and its blob's ID; None for deletions.
    pub bytes: Option<(super::pack::Body<'a>, Oid)>,
}

pub(crate) struct Repo {
    repo: Repository,
    /// The render root relative to the work tree, `""` or ending in `/`.
    prefix: String,
    root: PathBuf,
    pub initialized: bool,
    /// Blobs of HEAD under the render root: root-relative path → id. Read
    /// when first needed: a run that knows its state needs only a few paths.
    head: std::cell::OnceCell<HashMap<String, Oid>>,
}

/// A file the plan renders, on disk as it renders: its path and its blob's ID.
pub(crate) struct Planned<'a> {
    pub path: &'a str,
    pub id: Oid,
}

/// Held while rendering; other `gen render` runs on the repository wait.
/// Each holder leaves a token of its own in the lock file, so a run can
/// tell whether anyone held the lock since it last did.
pub(crate) struct Lock {
    _file: File,
    /// The token the last holder left.
    previous: u128,
    /// This holder's.
    token: u128,
}

impl Lock {
    /// Whether the last holder before this one was the one that left `token`.
    pub(crate) fn follows(&self, token: u128) -> bool {
        self.previous == token
    }

    pub(crate) fn token(&self) -> u128 {
        self.token
    }
}

/// A token no other holder leaves: the clock, this process, and the
/// randomly seeded hasher of the standard library.
fn new_token() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (u128::from(h.finish()) << 64) ^ nanos
}

/// The index, read on a thread of its own as soon as a render holds the
/// lock (a large one takes a while to read), then updated and written there
/// with what the commit staged. Dropped unused, it writes nothing.
pub(crate) struct IndexJob {
    staged: std::sync::mpsc::Sender<Vec<Change>>,
    done: std::thread::JoinHandle<Result<()>>,
}

impl IndexJob {
    fn finish(self, staged: Vec<Change>) -> Result<()> {
        // A thread that stopped early says why through its result.
        let _ = self.staged.send(staged);
        self.done
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    }
}

/// Where `root` sits in the work tree of the repository that contains it:
/// `""` at the top (or when there is no repository yet), else `dir/`.
/// Reads only; creates nothing.
pub(crate) fn repo_prefix(root: &Path) -> Result<String> {
    Ok(locate(root)?.0)
}

/// As `repo_prefix`, with the repository's Git directory (None when there
/// is no repository yet).
pub(crate) fn locate(root: &Path) -> Result<(String, Option<PathBuf>)> {
    match Repository::discover(root) {
        Ok(repo) if repo.workdir().is_some() => {
            Ok((prefix_of(&repo, root)?, Some(repo.path().to_path_buf())))
        }
        _ => Ok((String::new(), None)),
    }
}

/// The repository that holds `root`, as a render needs to know it without
/// opening it for writing: its Git directory, where `root` sits in its work
/// tree, and the commit HEAD names.
pub(crate) struct Found {
    pub git_dir: PathBuf,
    pub prefix: String,
    pub head: Option<Oid>,
}

pub(crate) fn find(root: &Path) -> Option<Found> {
    let repo = Repository::discover(root).ok()?;
    repo.workdir()?;
    let prefix = prefix_of(&repo, root).ok()?;
    let head = repo.head().ok().and_then(|h| h.target());
    Some(Found {
        git_dir: repo.path().to_path_buf(),
        prefix,
        head,
    })
}

/// Take the render lock of the repository at `git_dir` (see `Repo::open_locked`).
pub(crate) fn lock_git_dir(git_dir: &Path, waiting: &dyn Fn(&Path)) -> Result<Lock> {
    lock(git_dir, waiting)
}

/// The content of `file` (a path on disk inside the work tree) at revision
/// `rev`, or None when the file did not exist there.
pub(crate) fn read_at(root: &Path, rev: &str, file: &Path) -> Result<Option<Vec<u8>>> {
    let repo = Repository::discover(root).with_context(|| {
        format!(
            "{} is not in a Git repository, so there is no base to compare with",
            root.display()
        )
    })?;
    let workdir = repo
        .workdir()
        .context("the repository has no work tree")?
        .canonicalize()?;
    // A file deleted since `rev` (a lock) cannot be resolved itself: resolve its directory.
    let file = match file.canonicalize() {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (dir, name) = match (file.parent(), file.file_name()) {
                (Some(d), Some(n)) if !d.as_os_str().is_empty() => (d, n),
                (_, Some(n)) => (Path::new("."), n),
                _ => anyhow::bail!("{} is not a file path", file.display()),
            };
            dir.canonicalize()
                .with_context(|| format!("reading {}", dir.display()))?
                .join(name)
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    let rel = file.strip_prefix(&workdir).with_context(|| {
        format!(
            "{} is outside the repository {}",
            file.display(),
            workdir.display()
        )
    })?;
    let object = repo.revparse_single(rev).hint_context(|| {
        (
            format!("no revision `{rev}` in {}", workdir.display()),
            "fetch it (e.g. `git fetch origin main`) or name another with --base",
        )
    })?;
    let tree = object
        .peel_to_tree()
        .with_context(|| format!("`{rev}` is not a commit"))?;
    match tree.get_path(rel) {
        Ok(entry) => Ok(Some(repo.find_blob(entry.id())?.content().to_vec())),
        Err(_) => Ok(None),
    }
}

/// The full hex ID of HEAD's commit, if there is one.
pub(crate) fn head_commit(root: &Path) -> Option<String> {
    let repo = Repository::discover(root).ok()?;
    let id = repo.head().ok()?.peel_to_commit().ok()?.id();
    Some(id.to_string())
}

/// Whether `root` is inside a Git work tree.
pub(crate) fn has_repository(root: &Path) -> bool {
    Repository::discover(root).is_ok_and(|r| r.workdir().is_some())
}

fn prefix_of(repo: &Repository, root: &Path) -> Result<String> {
    let workdir = repo
        .workdir()
        .context("the repository has no work tree")?
        .canonicalize()?;
    let root = root.canonicalize()?;
    let rel = root.strip_prefix(&workdir).with_context(|| {
        format!(
            "{} is outside the work tree {}",
            root.display(),
            workdir.display()
        )
    })?;
    let mut prefix = rel
        .to_str()
        .context("path is not UTF-8")?
        .replace('\\', "/");
    if !prefix.is_empty() {
        prefix.push('/');
    }
    Ok(prefix)
}

/// Take the render lock in `git_dir`, waiting if another run holds it. An
/// OS file lock, so a killed run never leaves it stale.
fn lock(git_dir: &Path, waiting: &dyn Fn(&Path)) -> Result<Lock> {
    let path = git_dir.join("gen.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting(&path);
            file.lock()
                .with_context(|| format!("locking {}", path.display()))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()));
        }
    }
    // The last holder's token, then this one's in its place.
    use std::io::{Read as _, Seek as _, Write as _};
    let mut file = file;
    let mut old = [0u8; 16];
    let previous = match file.read_exact(&mut old) {
        Ok(()) => u128::from_le_bytes(old),
        Err(_) => 0,
    };
    let token = new_token();
    file.seek(std::io::SeekFrom::Start(0))
        .and_then(|_| file.write_all(&token.to_le_bytes()))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(Lock {
        _file: file,
        previous,
        token,
    })
}

impl Repo {
    /// Open the repository that contains `root`, or create one at `root`,
    /// and take its render lock (waiting while another run holds it). HEAD
    /// is read only once the lock is held. `waiting` is told the lock's path
    /// when another run holds it.
    pub(crate) fn open_locked(root: &Path, waiting: &dyn Fn(&Path)) -> Result<(Repo, Lock)> {
        let (repo, lock, initialized) = match Repository::discover(root) {
            Ok(r) if r.workdir().is_some() => {
                let lock = lock(r.path(), waiting)?;
                (r, lock, false)
            }
            _ => {
                // Lock before creating, so two first runs do not both
                // initialise; the loser then finds the winner's repository.
                let git_dir = root.join(".git");
                std::fs::create_dir_all(&git_dir)
                    .with_context(|| format!("creating {}", git_dir.display()))?;
                let lock = lock(&git_dir, waiting)?;
                match Repository::open(root) {
                    Ok(r) => (r, lock, false),
                    Err(_) => {
                        let r = Repository::init(root).with_context(|| {
                            format!("initialising a Git repository in {}", root.display())
                        })?;
                        (r, lock, true)
                    }
                }
            }
        };
        let prefix = prefix_of(&repo, root)?;
        let root = root.canonicalize()?;
        let r = Repo {
            repo,
            prefix,
            root,
            initialized,
            head: std::cell::OnceCell::new(),
        };
        Ok((r, lock))
    }

    /// Start reading the index on a thread of its own (`IndexJob`).
    pub(crate) fn read_index_ahead(&self) -> IndexJob {
        let git_dir = self.repo.path().to_path_buf();
        let (staged, wanted) = std::sync::mpsc::channel::<Vec<Change>>();
        let done = std::thread::spawn(move || -> Result<()> {
            let file = git_dir.join("index");
            let read = super::index::read(&file)?;
            let Ok(staged) = wanted.recv() else {
                return Ok(());
            };
            if let super::index::Spliced::Handled(read) = read
                && read.splice(&file, &staged)?
            {
                return Ok(());
            }
            // An index the splice leaves alone: libgit2 updates it.
            let repo = Repository::open(&git_dir)?;
            let mut index = repo.index()?;
            for s in staged {
                match s {
                    Change::Remove(path) => {
                        let _ = index.remove_path(Path::new(&path));
                    }
                    Change::Add { disk, path, id } => index.add(&index_entry(&disk, path, id))?,
                }
            }
            index.write()?;
            Ok(())
        });
        IndexJob { staged, done }
    }

    /// HEAD's blobs under the render root, read once.
    fn head_map(&self) -> Result<&HashMap<String, Oid>> {
        if let Some(h) = self.head.get() {
            return Ok(h);
        }
        let h = self.read_head()?;
        Ok(self.head.get_or_init(|| h))
    }

    /// The commit HEAD names, if any.
    pub(crate) fn head_id(&self) -> Option<Oid> {
        self.repo.head().ok().and_then(|h| h.target())
    }

    /// The repository's own directory (`.git`).
    pub(crate) fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The render root inside the work tree, `""` or ending in `/`.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The blob HEAD has at root-relative `path`.
    fn head_blob(&self, path: &str) -> Option<Oid> {
        if let Some(h) = self.head.get() {
            return h.get(path).copied();
        }
        let tree = self.head_tree().ok()??;
        let e = tree
            .get_path(Path::new(&format!("{}{path}", self.prefix)))
            .ok()?;
        (e.kind() == Some(ObjectType::Blob)).then(|| e.id())
    }

    /// A planned file's content: the file on disk, read when it is packed.
    fn body_of<'a>(&self, f: &Planned<'a>) -> super::pack::Body<'a> {
        super::pack::Body::File(self.root.join(f.path))
    }

    /// A planned file's bytes, from disk.
    fn bytes_of(&self, f: &Planned<'_>) -> Result<Vec<u8>> {
        std::fs::read(self.root.join(f.path)).with_context(|| format!("reading {}", f.path))
    }

    fn read_head(&self) -> Result<HashMap<String, Oid>> {
        let mut out = HashMap::new();
        let Some(tree) = self.head_tree()? else {
            return Ok(out);
        };
        let base = if self.prefix.is_empty() {
            tree
        } else {
            match tree.get_path(Path::new(self.prefix.trim_end_matches('/'))) {
                Ok(e) => match e.to_object(&self.repo)?.into_tree() {
                    Ok(t) => t,
                    Err(_) => return Ok(out),
                },
                Err(_) => return Ok(out),
            }
        };
        base.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob)
                && let Ok(name) = entry.name()
            {
                out.insert(format!("{dir}{name}"), entry.id());
            }
            git2::TreeWalkResult::Ok
        })?;
        Ok(out)
    }

    fn head_tree(&self) -> Result<Option<git2::Tree<'_>>> {
        match self.repo.head() {
            Ok(h) => Ok(Some(h.peel_to_tree()?)),
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Of `paths` (root-relative), those whose file on disk differs from HEAD.
    pub(crate) fn uncommitted(&self, paths: &BTreeSet<String>) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for p in paths {
            let disk = std::fs::read(self.root.join(p)).ok().map(|b| blob_id(&b));
            if disk != self.head_blob(p) {
                out.insert(p.clone());
            }
        }
        Ok(out)
    }

    /// What differs between the rendered files (plus the inputs: the spec
    /// and its lock, by root-relative path) and HEAD.
    pub(crate) fn pending<'a>(
        &self,
        files: &[Planned<'a>],
        inputs: &'a [(String, Vec<u8>)],
        known: Option<&super::state::State>,
    ) -> Result<Vec<Pending<'a>>> {
        let mut out = Vec::new();
        // When HEAD is the commit the last run left, its owned files are the
        // state's: no need to read HEAD's whole tree.
        let fast = known.filter(|k| k.head.is_some() && k.head == self.head_id());
        let head = match fast {
            Some(_) => None,
            None => Some(self.head_map()?),
        };
        let before = |p: &str| -> Option<Oid> {
            match (fast, head) {
                (Some(k), _) => k.files.get(p).map(|f| f.blob),
                (None, Some(h)) => h.get(p).copied(),
                (None, None) => None,
            }
        };
        // How many of the files HEAD has: when that is all of the state's,
        // none of them is gone.
        let mut found = 0;
        for f in files {
            let kind = match before(f.path) {
                Some(h) if h == f.id => {
                    found += 1;
                    continue;
                }
                Some(_) => {
                    found += 1;
                    Kind::Modified
                }
                None => Kind::Added,
            };
            out.push(Pending {
                path: f.path.to_string(),
                kind,
                bytes: Some((self.body_of(f), f.id)),
            });
        }
        // Owned files HEAD has that are no longer rendered: the state's are
        // all gen's; of HEAD's own, those that carry the header.
        let wanted = || -> HashSet<&str> { files.iter().map(|f| f.path).collect() };
        let mut gone: Vec<&String> = match (fast, head) {
            (Some(k), _) if found == k.files.len() => Vec::new(),
            (Some(k), _) => {
                let wanted = wanted();
                k.files
                    .keys()
                    .filter(|p| !wanted.contains(p.as_str()))
                    .collect()
            }
            (None, Some(h)) => {
                let wanted = wanted();
                let mut g = Vec::new();
                for p in h
                    .keys()
                    .filter(|p| !wanted.contains(p.as_str()) && layout::may_own(p))
                {
                    if self
                        .repo
                        .find_blob(h[p])?
                        .content()
                        .starts_with(render::HEADER_PREFIX.as_bytes())
                    {
                        g.push(p);
                    }
                }
                g
            }
            (None, None) => Vec::new(),
        };
        gone.sort();
        for p in gone {
            out.push(Pending {
                path: p.clone(),
                kind: Kind::Deleted,
                bytes: None,
            });
        }
        for (path, bytes) in inputs {
            let id = blob_id(bytes);
            out.extend(self.changed(path, bytes, id));
        }
        Ok(out)
    }

    /// `path` with content `bytes` (blob `id`), if that differs from HEAD.
    fn changed<'a>(&self, path: &str, bytes: &'a [u8], id: Oid) -> Option<Pending<'a>> {
        let kind = match self.head_blob(path) {
            Some(h) if h == id => return None,
            Some(_) => Kind::Modified,
            None => Kind::Added,
        };
        Some(Pending {
            path: path.to_string(),
            kind,
            bytes: Some((
                super::pack::Body::Bytes(std::borrow::Cow::Borrowed(bytes)),
                id,
            )),
        })
    }

    /// A file's path relative to the render root, if it is in the work tree.
    pub(crate) fn spec_path(&self, spec: &Path) -> Option<String> {
        let spec = spec.canonicalize().ok()?;
        let rel = spec.strip_prefix(&self.root).ok()?;
        Some(rel.to_str()?.replace('\\', "/"))
    }

    /// Make the index agree with the rendered files (and inputs) and drop
    /// owned files HEAD no longer has: a run killed between moving HEAD and
    /// writing the index would otherwise leave staged noise behind. Cheap
    /// when nothing differs (the entries are compared by blob ID).
    pub(crate) fn sync_index(
        &self,
        files: &[Planned<'_>],
        inputs: &[(String, Vec<u8>)],
        known: Option<&super::state::State>,
    ) -> Result<()> {
        let mut index = self.repo.index()?;
        let mut changed = false;
        let odb = self.repo.odb()?;
        let mut wanted = BTreeSet::new();
        for f in files {
            wanted.insert(f.path.to_string());
            let full = format!("{}{}", self.prefix, f.path);
            if index.get_path(Path::new(&full), 0).map(|e| e.id) != Some(f.id) {
                if !odb.exists(f.id) {
                    self.repo.blob(&self.bytes_of(f)?)?;
                }
                index.add(&index_entry(&self.root.join(f.path), full, f.id))?;
                changed = true;
            }
        }
        for (path, bytes) in inputs {
            wanted.insert(path.clone());
            let id = blob_id(bytes);
            let full = format!("{}{path}", self.prefix);
            if index.get_path(Path::new(&full), 0).map(|e| e.id) != Some(id) {
                self.repo.blob(bytes)?;
                index.add(&index_entry(&self.root.join(path), full, id))?;
                changed = true;
            }
        }
        // In HEAD: the state's files when HEAD is its commit, else HEAD's own.
        let in_head = |p: &str| -> bool {
            match known.filter(|k| k.head.is_some() && k.head == self.head_id()) {
                Some(k) => k.files.contains_key(p),
                None => self.head_blob(p).is_some(),
            }
        };
        // Owned paths staged in the index but neither rendered nor in HEAD.
        let stale: Vec<String> = index
            .iter()
            .filter_map(|e| String::from_utf8(e.path).ok())
            .filter_map(|p| p.strip_prefix(&self.prefix).map(str::to_string))
            .filter(|p| layout::may_own(p) && !wanted.contains(p) && !in_head(p))
            .filter(|p| self.staged_is_generated(&index, p))
            .collect();
        for p in stale {
            index.remove_path(Path::new(&format!("{}{p}", self.prefix)))?;
            changed = true;
        }
        if changed {
            index.write()?;
        }
        Ok(())
    }

    /// Whether the index's blob for `path` is a file gen wrote (a staged file
    /// of the user's is never unstaged).
    fn staged_is_generated(&self, index: &git2::Index, path: &str) -> bool {
        index
            .get_path(Path::new(&format!("{}{path}", self.prefix)), 0)
            .and_then(|e| self.repo.find_blob(e.id).ok())
            .is_some_and(|b| b.content().starts_with(render::HEADER_PREFIX.as_bytes()))
    }

    /// Commit `pending` on top of HEAD and update the index for those paths
    /// (through `index`, read meanwhile).
    pub(crate) fn commit(
        &self,
        pending: &[Pending<'_>],
        message: &str,
        index: IndexJob,
    ) -> Result<Oid> {
        // The new objects go into one pack file, not one loose file each
        // (thousands of files and directories for a large render). Trees
        // and the commit are built in memory, on a handle of their own so
        // nothing else this run writes can land there; then the new blobs,
        // trees and commit are written as one pack.
        let repo = Repository::open(self.repo.path())?;
        let odb = repo.odb()?;
        let on_disk = self.repo.odb()?;
        // The trees name blobs that are written with them, in the pack.
        git2::opts::strict_object_creation(false);
        let _mempack = odb.add_new_mempack_backend(1000)?;
        let mut builder = git2::build::TreeUpdateBuilder::new();
        // What the index is told once the commit is made.
        let mut staged = Vec::new();
        for Pending { path, kind, bytes } in pending {
            let full = format!("{}{path}", self.prefix);
            match (kind, bytes) {
                (Kind::Deleted, _) | (_, None) => {
                    builder.remove(full.as_str());
                    if *kind == Kind::Deleted {
                        staged.push(Change::Remove(full));
                    }
                }
                (_, Some((_, id))) => {
                    builder.upsert(full.as_str(), *id, FileMode::Blob);
                    staged.push(Change::Add {
                        disk: self.root.join(path),
                        path: full,
                        id: *id,
                    });
                }
            }
        }
        let head_commit = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let tree_id = match &head_commit {
            Some(c) => builder.create_updated(&repo, &c.tree()?)?,
            None => {
                let empty = repo.treebuilder(None)?.write()?;
                builder.create_updated(&repo, &repo.find_tree(empty)?)?
            }
        };
        let tree = repo.find_tree(tree_id)?;
        let sig = repo
            .signature()
            .or_else(|_| Signature::now("gen", "gen@localhost"))?;
        let parents: Vec<&git2::Commit<'_>> = head_commit.iter().collect();
        let id = repo.commit(None, &sig, &sig, message, &tree, &parents)?;
        git2::opts::strict_object_creation(true);

        // What the pack holds: each new blob once (many files share a
        // body), the trees the repository does not have yet, the commit.
        let mut seen = std::collections::HashSet::new();
        let mut objects: Vec<(ObjectType, super::pack::Body<'_>)> = Vec::new();
        for (body, blob) in pending.iter().filter_map(|p| p.bytes.as_ref()) {
            if seen.insert(*blob) && !on_disk.exists(*blob) {
                objects.push((ObjectType::Blob, body.borrowed()));
            }
        }
        let mut trees = vec![tree_id];
        while let Some(t) = trees.pop() {
            if !seen.insert(t) || on_disk.exists(t) {
                continue;
            }
            let tree = repo.find_tree(t)?;
            trees.extend(
                tree.iter()
                    .filter(|e| e.kind() == Some(ObjectType::Tree))
                    .map(|e| e.id()),
            );
            let data = odb.read(t)?.data().to_vec();
            objects.push((ObjectType::Tree, super::pack::Body::Bytes(data.into())));
        }
        let data = odb.read(id)?.data().to_vec();
        objects.push((ObjectType::Commit, super::pack::Body::Bytes(data.into())));
        // The pack first, then the branch: a run killed in between leaves
        // an unreferenced pack, never a branch naming a missing commit.
        super::pack::write(&on_disk, &objects)?;
        let reflog = format!("commit: {}", message.lines().next().unwrap_or_default());
        let head = repo.find_reference("HEAD")?;
        match (head.symbolic_target()?, &head_commit) {
            // Only if the branch still points where this commit's parent
            // was read: a concurrent commit is never overwritten.
            (Some(branch), Some(parent)) => {
                repo.reference_matching(branch, id, true, parent.id(), &reflog)?;
            }
            (Some(branch), None) => {
                repo.reference(branch, id, false, &reflog)?;
            }
            (None, _) => repo.set_head_detached(id)?,
        }
        // Each commit adds a pack; past Git's limit the small ones become
        // one. Housekeeping only: if it fails, every pack is as it was.
        let _ = super::pack::consolidate(&on_disk, &self.repo.commondir().join("objects/pack"));
        index.finish(staged)?;
        Ok(id)
    }
}

/// The ID Git gives a blob of `bytes`: SHA-1 of `blob <size>\0` and the
/// bytes ("Git Internals - Git Objects" in Pro Git). Computed here rather
/// than by libgit2, whose SHA-1 checks every block for a collision attack
/// (several times slower); gen hashes its own renders and the spec, and Git
/// refuses such a file on its own when it is added.
pub(crate) fn blob_id(bytes: &[u8]) -> Oid {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(b"blob ");
    h.update(itoa::Buffer::new().format(bytes.len()).as_bytes());
    h.update([0]);
    h.update(bytes);
    Oid::from_bytes(&h.finalize()).expect("a SHA-1 is 20 bytes")
}

/// An index entry with the file's stat data (`index::stat`), so `git
/// status` sees the file as clean without hashing it again.
pub(crate) fn index_entry(disk: &Path, path: String, id: Oid) -> git2::IndexEntry {
    let [
        ctime,
        ctime_ns,
        mtime,
        mtime_ns,
        dev,
        ino,
        mode,
        uid,
        gid,
        file_size,
    ] = super::index::stat(disk);
    git2::IndexEntry {
        ctime: git2::IndexTime::new(ctime as i32, ctime_ns),
        mtime: git2::IndexTime::new(mtime as i32, mtime_ns),
        dev,
        ino,
        mode,
        uid,
        gid,
        file_size,
        id,
        flags: (path.len().min(0xfff)) as u16,
        flags_extended: 0,
        path: path.into_bytes(),
    }
}

/// A commit message naming what changed: apps, Regions (clusters), stacks.
/// `cluster_regions` lists (cluster, Region) in spec order; a cluster no
/// longer in the spec is named as itself.
pub(crate) fn message(
    spec_name: &str,
    pending: &[Pending],
    spec_path: Option<&str>,
    cluster_regions: &[(String, String)],
) -> String {
    // Regions sort in spec order, then removed clusters by name.
    let region_of = |cluster: &str| -> (usize, String) {
        match cluster_regions.iter().position(|(c, _)| c == cluster) {
            Some(i) => (i, cluster_regions[i].1.clone()),
            None => (usize::MAX, cluster.to_string()),
        }
    };
    // Per app: the kinds of change, and the Regions (spec index, name) they touch.
    type Touched = (BTreeSet<Kind>, BTreeSet<(usize, String)>);
    let mut apps: BTreeMap<String, Touched> = BTreeMap::new();
    let mut clusters: BTreeMap<String, BTreeSet<Kind>> = BTreeMap::new();
    let mut stacks: BTreeMap<String, BTreeSet<Kind>> = BTreeMap::new();
    let mut spec_changed = false;
    let mut inputs: Vec<&str> = Vec::new();
    for Pending { path, kind, .. } in pending {
        if Some(path.as_str()) == spec_path {
            spec_changed = true;
            continue;
        }
        match layout::owner_of(path) {
            Owner::App { cluster, app } => {
                let e = apps.entry(app).or_default();
                e.0.insert(*kind);
                e.1.insert(region_of(&cluster));
            }
            Owner::Cluster { cluster } => {
                clusters.entry(cluster).or_default().insert(*kind);
            }
            Owner::Stack { stack } => {
                stacks.entry(stack).or_default().insert(*kind);
            }
            // Other inputs committed with the render (the lock file).
            Owner::Other => inputs.push(path.as_str()),
        }
    }
    let verdict = |kinds: &BTreeSet<Kind>| match (kinds.len(), kinds.iter().next()) {
        (1, Some(Kind::Added)) => "added",
        (1, Some(Kind::Deleted)) => "removed",
        _ => "updated",
    };
    let mut subject = Vec::new();
    for word in ["added", "updated", "removed"] {
        let names: Vec<&str> = apps
            .iter()
            .filter(|(_, (k, _))| verdict(k) == word)
            .map(|(n, _)| n.as_str())
            .collect();
        if !names.is_empty() {
            subject.push(format!("{word} {}", abbreviate(&names)));
        }
    }
    if subject.is_empty() {
        subject.push(if stacks.is_empty() && clusters.is_empty() {
            "spec only".into()
        } else {
            "shared files".into()
        });
    }
    let mut msg = format!("gen render {spec_name}: {}\n", subject.join("; "));
    let mut body = Vec::new();
    for (app, (kinds, regions)) in &apps {
        body.push(format!(
            "app {app}: {} in {}",
            verdict(kinds),
            regions
                .iter()
                .map(|(_, r)| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (cluster, kinds) in &clusters {
        let region = match region_of(cluster) {
            (usize::MAX, _) => String::new(),
            (_, r) => format!(" ({r})"),
        };
        body.push(format!(
            "cluster {cluster}{region}: {} (infra, ingress or Flux objects)",
            verdict(kinds)
        ));
    }
    for (stack, kinds) in &stacks {
        body.push(format!("stack {stack}: {}", verdict(kinds)));
    }
    if spec_changed {
        body.push(format!("spec {}: updated", spec_path.unwrap_or("gen.yaml")));
    }
    for input in inputs {
        body.push(format!("{input}: updated"));
    }
    if !body.is_empty() {
        msg.push('\n');
        msg.push_str(&body.join("\n"));
        msg.push('\n');
    }
    msg
}

fn abbreviate(names: &[&str]) -> String {
    if names.len() <= 5 {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..4].join(", "), names.len() - 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_are_gits_own() {
        let big = "x".repeat(200_000);
        for bytes in [&b""[..], b"a", b"line\n", big.as_bytes()] {
            assert_eq!(
                blob_id(bytes),
                Oid::hash_object(ObjectType::Blob, bytes).unwrap()
            );
        }
    }

    /// What a render observed before it took the lock is trusted only when
    /// the lock's last holder was the observer: any run in between, even
    /// one killed before it wrote anything, leaves its own token.
    #[test]
    fn the_lock_tells_whether_anyone_held_it_since() {
        let d = tempfile::tempdir().unwrap();
        let observer = lock(d.path(), &|_| {}).unwrap();
        let seen = observer.token();
        drop(observer);
        let next = lock(d.path(), &|_| {}).unwrap();
        assert!(next.follows(seen), "no one held it in between");
        let mine = next.token();
        drop(next);
        let other = lock(d.path(), &|_| {}).unwrap();
        drop(other);
        let last = lock(d.path(), &|_| {}).unwrap();
        assert!(!last.follows(mine), "another run held it in between");
        assert_ne!(last.token(), mine);
    }

    fn p(path: &str, kind: Kind) -> Pending<'static> {
        Pending {
            path: path.into(),
            kind,
            bytes: None,
        }
    }

    #[test]
    fn message_names_apps_regions_in_spec_order_and_stacks() {
        let regions = vec![
            ("west".to_string(), "eu-west-1".to_string()),
            ("central".to_string(), "eu-central-1".to_string()),
        ];
        let pending = [
            p("deploy/west/apps/new/app.yaml", Kind::Added),
            p("deploy/central/apps/new/app.yaml", Kind::Added),
            p("deploy/west/apps/old/app.yaml", Kind::Deleted),
            p("deploy/west/apps/web/app.yaml", Kind::Modified),
            p("deploy/gone/infra/infra.yaml", Kind::Deleted),
            p("cloudformation/demo-dns-new.yaml", Kind::Added),
            p("gen.yaml", Kind::Modified),
        ];
        let msg = message("demo", &pending, Some("gen.yaml"), &regions);
        assert_eq!(
            msg,
            "gen render demo: added new; updated web; removed old\n\n\
             app new: added in eu-west-1, eu-central-1\n\
             app old: removed in eu-west-1\n\
             app web: updated in eu-west-1\n\
             cluster gone: removed (infra, ingress or Flux objects)\n\
             stack demo-dns-new: added\n\
             spec gen.yaml: updated\n"
        );
    }
}
