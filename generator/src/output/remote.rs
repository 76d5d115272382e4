//! The repository's remote, for `gen rollout`: read its branches, move some
//! of them to commits, with git2. Credentials come from where Git's own
//! come from (an SSH agent, the configured credential helper) and are never
//! printed. It knows branches and commits, nothing of waves or Regions.
//!
//! A push of several branches goes in one request; the remote reports each
//! branch it refused ("If the status is `Some` then the push was rejected":
//! git2's `RemoteCallbacks::push_update_reference`). Moving a branch back is
//! not a fast-forward, so every refspec is forced (`+`: "does the same thing
//! as `--force`", git-push(1)): the rollout branches are gen's alone.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use git2::{
    Cred, CredentialType, Direction, FetchOptions, PushOptions, RemoteCallbacks, Repository,
};

/// The remote named `name` of the repository around `root`.
pub(crate) struct Remote {
    repo: Repository,
    name: String,
}

/// One branch to move: to `to`, a commit of the local repository.
#[derive(Debug, Clone)]
pub(crate) struct Move {
    pub branch: String,
    pub to: String,
}

impl Remote {
    pub(crate) fn open(root: &Path, name: &str) -> Result<Remote> {
        let repo = Repository::discover(root)
            .with_context(|| format!("{} is not in a Git repository", root.display()))?;
        Ok(Remote {
            repo,
            name: name.to_string(),
        })
    }

    /// Whether the repository has the remote at all.
    pub(crate) fn exists(&self) -> bool {
        self.repo.find_remote(&self.name).is_ok()
    }

    fn remote(&self) -> Result<git2::Remote<'_>> {
        self.repo
            .find_remote(&self.name)
            .with_context(|| format!("the repository has no remote `{}`", self.name))
    }

    /// The full commit ID of `rev` in the local repository.
    pub(crate) fn resolve(&self, rev: &str) -> Result<String> {
        let obj = self
            .repo
            .revparse_single(rev)
            .with_context(|| format!("`{rev}` is not a revision of this repository"))?;
        let commit = obj
            .peel_to_commit()
            .with_context(|| format!("`{rev}` is not a commit"))?;
        Ok(commit.id().to_string())
    }

    /// Every branch the remote has under `prefix`: branch → commit.
    pub(crate) fn branches(&self, prefix: &str) -> Result<BTreeMap<String, String>> {
        let mut remote = self.remote()?;
        let conn = remote
            .connect_auth(Direction::Fetch, Some(callbacks(&self.repo)), None)
            .with_context(|| format!("connecting to remote `{}`", self.name))?;
        let mut out = BTreeMap::new();
        for head in conn.list()? {
            if let Some(branch) = head.name().strip_prefix("refs/heads/")
                && branch.starts_with(prefix)
            {
                out.insert(branch.to_string(), head.oid().to_string());
            }
        }
        Ok(out)
    }

    /// Move every branch of `moves` in one push; the branches the remote
    /// refused, each with its reason, as an error.
    pub(crate) fn push(&self, moves: &[Move]) -> Result<()> {
        if moves.is_empty() {
            return Ok(());
        }
        // A refspec's source is a local ref: each commit gets one of gen's
        // own, removed again after the push.
        let mut refs = Vec::new();
        let mut specs = Vec::new();
        for (i, m) in moves.iter().enumerate() {
            let oid = git2::Oid::from_str(&m.to)?;
            let local = format!("refs/gen-rollout/{i}");
            self.repo
                .reference(&local, oid, true, "gen rollout")
                .with_context(|| format!("commit {} is not in the local repository", m.to))?;
            specs.push(format!("+{local}:refs/heads/{}", m.branch));
            refs.push(local);
        }
        let rejected = std::cell::RefCell::new(Vec::<String>::new());
        let result = {
            let mut cb = callbacks(&self.repo);
            cb.push_update_reference(|name, status| {
                if let Some(why) = status {
                    rejected.borrow_mut().push(format!(
                        "{}: {why}",
                        name.strip_prefix("refs/heads/").unwrap_or(name)
                    ));
                }
                Ok(())
            });
            let mut opts = PushOptions::new();
            opts.remote_callbacks(cb);
            let mut remote = self.remote()?;
            remote.push(&specs, Some(&mut opts))
        };
        for r in &refs {
            if let Ok(mut reference) = self.repo.find_reference(r) {
                let _ = reference.delete();
            }
        }
        result.with_context(|| format!("pushing to remote `{}`", self.name))?;
        let rejected = rejected.into_inner();
        if !rejected.is_empty() {
            bail!("remote `{}` refused {}", self.name, rejected.join("; "));
        }
        Ok(())
    }

    /// Whether the tree of `commit` holds `path` (relative to the work
    /// tree's top); None when the commit is not in the local repository.
    pub(crate) fn holds(&self, commit: &str, path: &str) -> Option<bool> {
        let oid = git2::Oid::from_str(commit).ok()?;
        let tree = self.repo.find_commit(oid).ok()?.tree().ok()?;
        Some(tree.get_path(Path::new(path)).is_ok())
    }

    /// Whether `commit` is in the local repository.
    pub(crate) fn has_commit(&self, commit: &str) -> bool {
        git2::Oid::from_str(commit).is_ok_and(|oid| self.repo.find_commit(oid).is_ok())
    }

    /// Fetch from the remote with its configured refspecs, so that commits
    /// its branches name (those the clusters run) are here.
    pub(crate) fn fetch(&self) -> Result<()> {
        let mut remote = self.remote()?;
        let mut opts = FetchOptions::new();
        opts.remote_callbacks(callbacks(&self.repo));
        remote
            .fetch::<&str>(&[], Some(&mut opts), None)
            .with_context(|| format!("fetching from remote `{}`", self.name))
    }
}

/// The URL of the repository's `origin` remote as Flux would clone it
/// (`ssh://`, `https://`; `git@host:path` written as `ssh://git@host/path`),
/// when there is one.
pub(crate) fn origin_url(root: &Path) -> Option<String> {
    let repo = Repository::discover(root).ok()?;
    let remote = repo.find_remote("origin").ok()?;
    let url = remote.url().ok()?;
    if url.starts_with("ssh://") || url.starts_with("https://") {
        return Some(url.to_string());
    }
    let (user_host, path) = url.split_once(':')?;
    (user_host.contains('@') && !path.starts_with('/') && !user_host.contains('/'))
        .then(|| format!("ssh://{user_host}/{path}"))
}

/// Credentials as Git finds them: the SSH agent for SSH, the configured
/// credential helper for HTTPS, the default (Kerberos, NTLM) where asked.
/// Each kind is tried once, so a refused credential ends in an error
/// instead of a loop.
fn callbacks(repo: &Repository) -> RemoteCallbacks<'static> {
    // Every connection is made with these callbacks: the CA bundle the
    // process's start left out goes in first.
    super::tls::trust_system_roots();
    let config = repo.config().ok();
    let mut tried = CredentialType::empty();
    let mut cb = RemoteCallbacks::new();
    cb.credentials(move |url, username, allowed| {
        if allowed.contains(CredentialType::SSH_KEY) && !tried.contains(CredentialType::SSH_KEY) {
            tried |= CredentialType::SSH_KEY;
            return Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT)
            && !tried.contains(CredentialType::USER_PASS_PLAINTEXT)
            && let Some(config) = &config
        {
            tried |= CredentialType::USER_PASS_PLAINTEXT;
            return Cred::credential_helper(config, url, username);
        }
        if allowed.contains(CredentialType::DEFAULT) && !tried.contains(CredentialType::DEFAULT) {
            tried |= CredentialType::DEFAULT;
            return Cred::default();
        }
        Err(git2::Error::from_str(
            "no credential: an SSH agent with the key, or a Git credential helper, must hold one",
        ))
    });
    cb
}
