//! `gen render`: render the plan, write what changed, prune what is no
//! longer rendered, and commit exactly that.
//!
//! Its cost follows the change, not the repository: the last run's state
//! (`output::state`) says which files are on disk as they would render
//! (same fingerprint, same stamp), so only the others are rendered, read and
//! compared; when nothing at all changed (the same spec, lock and gen, and
//! every file and directory as it was left) the run ends before loading the
//! spec, printing what the last run printed.

use std::process::ExitCode;

use anyhow::{Context, Result};
use git2::Oid;

use super::session::{Session, Settings};
use crate::output::state::{self, FileState, Message, Observed, PathSet, Stamp, State};
use crate::output::{self, git};
use crate::printer::Printer;
use crate::{model, render, spec};

mod check;

const NOTHING_TO_COMMIT: &str = "nothing to commit: the repository already holds this render";

/// The inputs a render's key is made of: the spec's and the lock's bytes.
type Inputs = (Vec<u8>, Option<Vec<u8>>);

/// The inputs a render's key is made of, as on disk now.
fn inputs_of(settings: &Settings) -> Result<Inputs> {
    let spec = std::fs::read(&settings.spec)
        .with_context(|| format!("reading {}", settings.spec.display()))?;
    let lock = std::fs::read(spec::lock::path_for(&settings.spec)).ok();
    Ok((spec, lock))
}

/// What the last render left, as the quick check found it.
pub(super) enum Last {
    /// Everything is as this render would leave it: it has nothing to do.
    Fresh,
    /// Something differs: the render runs, with the last state and its files
    /// as observed against it (gathered while the spec loads), if any.
    Stale(Option<Prefetch>),
}

/// The last state, parsed and its files stamped on a thread of their own
/// (holding the render lock) while the spec loads and plans; and the inputs
/// the quick check read with their key, which the next state takes when
/// they are still the render's (a digest of the whole spec, made once).
pub(super) struct Prefetch(
    std::thread::JoinHandle<Option<Observed>>,
    Option<(Inputs, String)>,
);

impl Prefetch {
    /// `parsed`: the state of `text` when the caller parsed it already.
    fn spawn(
        lock: git::Lock,
        root: std::path::PathBuf,
        parsed: Option<State>,
        text: String,
        written_ns: i64,
        keyed: Option<(Inputs, String)>,
    ) -> Self {
        Prefetch(
            std::thread::spawn(move || {
                let token = lock.token();
                parsed
                    .or_else(|| State::parse(&text, written_ns))
                    .map(|s| s.observe(&root, token))
            }),
            keyed,
        )
    }

    /// The observed state, and the inputs the quick check keyed.
    fn join(self) -> (Option<Observed>, Option<(Inputs, String)>) {
        let observed = self
            .0
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (observed, self.1)
    }
}

/// Whether the last render left everything as this one would: then say what
/// it said and do nothing. Any doubt (no state, another key, HEAD or index
/// moved, a file or directory touched) is a no, and the render runs.
pub(super) fn up_to_date(settings: &Settings) -> Result<Last> {
    let Some(found) = git::find(&settings.root) else {
        return Ok(Last::Stale(None));
    };
    let path = state::path(&found.git_dir, &found.prefix);
    if !path.exists() {
        return Ok(Last::Stale(None));
    }
    let pr = settings.printer;
    let lock = git::lock_git_dir(&found.git_dir, &|p| waiting(pr, p))?;
    let Some((text, written_ns)) = State::read_text(&path) else {
        return Ok(Last::Stale(None));
    };
    let keyed = inputs_of(settings).ok().map(|inputs| {
        let (spec, lock) = &inputs;
        let key = state::key(spec, lock.as_deref(), &settings.spec_name(), &found.prefix);
        (inputs, key)
    });
    // The same inputs: the render has nothing to do if HEAD, the index and
    // every file and directory are as the last one left them.
    let key = keyed.as_ref().map(|k| k.1.as_str());
    let last = if key.is_some() && key == State::key_of(&text) {
        State::parse(&text, written_ns)
    } else {
        None
    };
    let fresh = last.as_ref().is_some_and(|old| {
        // HEAD as it is now that the lock is held.
        let head = git::find(&settings.root).and_then(|f| f.head);
        old.head.is_some()
            && old.head == head
            && old.index.is_some()
            && Stamp::of(&found.git_dir.join("index")) == old.index
            && old.dirs_unchanged(&settings.root)
            && old.all_unchanged(&settings.root)
    });
    match last {
        Some(old) if fresh => {
            for m in &old.messages {
                show(pr, m);
            }
            Ok(Last::Fresh)
        }
        // Other inputs (the common case: the spec changed), or something
        // moved: the render runs.
        last => Ok(Last::Stale(Some(Prefetch::spawn(
            lock,
            settings.root.clone(),
            last,
            text,
            written_ns,
            keyed,
        )))),
    }
}

fn waiting(pr: Printer, path: &std::path::Path) {
    pr.note(format_args!(
        "waiting for another `gen render` on this repository to finish ({})",
        path.display()
    ))
}

fn show(pr: Printer, m: &Message) {
    match m {
        Message::Line(t) => pr.line(t),
        Message::Data(t) => pr.data(t),
        Message::Note(t, None) => pr.note(t),
        Message::Note(t, Some(h)) => pr.note_hint(t, h),
    }
}

/// Render, write and commit. `last` is the state the quick check read, if
/// it ran; else the state is read here.
pub(super) fn run(
    s: &Session,
    check: bool,
    no_commit: bool,
    force: bool,
    last: Option<Option<Prefetch>>,
) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let (settings, spec, plan, prefix) = (&s.settings, &s.spec, &s.plan, &s.prefix);
    let spec_name = settings.spec_name();
    // Files are rendered a run at a time (`output::CHUNK`), to compare and
    // then to write, so no more than a run's texts are ever held: the plan,
    // not the rendered text, bounds a large render's memory.
    let paths: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
    let planned: PathSet<'_> = paths.iter().copied().collect();
    let all: Vec<usize> = (0..paths.len()).collect();
    if check {
        return check::run(pr, settings, plan, &spec_name, &paths, &planned);
    }
    render::refused(plan)?;

    // Refuse before a repository is created: without one, every hand edit
    // is uncommitted. (There is no state then, so every file renders; the
    // scan is kept for below.)
    let mut first = None;
    if prefix.is_empty() && !git::has_repository(&settings.root) {
        let scan = output::scan(
            &settings.root,
            &paths,
            &planned,
            None,
            &render_some(plan, &spec_name, &all),
            &|k| render::may_refuse(plan, k),
            true,
        )?;
        output::guard(&scan.changes, &scan.changes.edited, force)?;
        first = Some(scan);
    }
    std::fs::create_dir_all(&settings.root)
        .with_context(|| format!("creating {}", settings.root.display()))?;
    // The prefetch holds the lock until it is done.
    let (prefetched, keyed) = last.flatten().map_or((None, None), Prefetch::join);
    let (repo, lock) = git::Repo::open_locked(&settings.root, &|path| waiting(pr, path))?;
    // A commit updates the index: it is read meanwhile.
    let index = (!no_commit).then(|| repo.read_index_ahead());
    let state_path = state::path(repo.git_dir(), repo.prefix());
    // Observed before this run took the lock: trusted only if no one held
    // it in between (a run that held it may have written any file).
    // Never freed: a line per file, dropped one by one, as the process ends.
    let observed =
        std::mem::ManuallyDrop::new(match prefetched.filter(|o| lock.follows(o.token)) {
            Some(o) => Some(o),
            None => State::read(&state_path).map(|s| s.observe(&settings.root, lock.token())),
        });
    let old: Option<&State> = observed.as_ref().map(|o| &o.state);

    // Which files are on disk as they would render: the others are rendered.
    let fingerprints = render::fingerprints(plan, &spec_name, &state::build_id());
    let unchanged = match &*observed {
        Some(o) => o.unchanged_of(&paths),
        None => vec![None; paths.len()],
    };
    let mut known: Vec<Option<&FileState>> = Vec::with_capacity(plan.files.len());
    let mut dirty = Vec::new();
    for (i, (k, fp)) in unchanged.into_iter().zip(&fingerprints).enumerate() {
        let k = k.filter(|k| k.fingerprint == *fp);
        if k.is_none() {
            dirty.push(i);
        }
        known.push(k);
    }
    let dirty_paths: Vec<&str> = dirty.iter().map(|i| paths[*i]).collect();
    let dirs_unchanged = observed.as_ref().is_some_and(Observed::dirs_unchanged);
    let leftovers: Option<Vec<&str>> = old
        .filter(|_| dirs_unchanged)
        .map(|o| o.files.keys().map(String::as_str).collect());
    let scan = match first {
        Some(scan) if dirty.len() == paths.len() => scan,
        _ => output::scan(
            &settings.root,
            &dirty_paths,
            &planned,
            leftovers.as_deref(),
            &render_some(plan, &spec_name, &dirty),
            &|k| render::may_refuse(plan, dirty[k]),
            true,
        )?,
    };
    let uncommitted = repo.uncommitted(&scan.changes.edited)?;
    output::guard(&scan.changes, &uncommitted, force)?;
    let written = output::write_rendered(
        &settings.root,
        &dirty_paths,
        &scan.differ,
        &render_some(plan, &spec_name, &dirty),
    )?;
    output::apply(&settings.root, &scan.changes)?;
    let summary = |written: usize, removed: usize| {
        format!(
            "rendered {} files for {} apps in {} Regions: {written} written, {removed} removed",
            plan.files.len(),
            spec.apps.len(),
            spec.regions.len(),
        )
    };
    pr.data(summary(scan.differ.len(), scan.changes.prunes.len()));

    // Every planned file with its blob: known, or found by the scan or the
    // write. The commit reads the new ones back from disk as it packs them.
    let mut ids: Vec<Option<Oid>> = known.iter().map(|k| k.map(|k| k.blob)).collect();
    for (k, id) in scan
        .same
        .iter()
        .copied()
        .chain(scan.differ.iter().copied().zip(written))
    {
        ids[dirty[k]] = Some(id);
    }
    let files: Vec<git::Planned> = plan
        .files
        .iter()
        .zip(ids)
        .map(|(f, id)| {
            let id = id.context("a file neither known nor rendered")?;
            Ok(git::Planned { path: &f.path, id })
        })
        .collect::<Result<_>>()?;

    // The state's bulk (each file's and directory's stamp and line) is
    // made on a thread of its own while the commit runs: the commit writes
    // under `.git` only, so nothing it does changes those stamps.
    // Its lines go straight to a temporary file: at 100,000 files they are
    // tens of megabytes the commit need not share memory with.
    let git_dir = repo.git_dir().to_path_buf();
    let body = std::thread::scope(|scope| -> Result<Result<state::Body>> {
        let prep = scope.spawn(|| {
            let files = plan.files.iter().zip(&fingerprints).zip(&files).zip(&known);
            let touched = scan
                .differ
                .iter()
                .map(|k| dirty_paths[*k])
                .chain(scan.changes.prunes.keys().map(String::as_str));
            state::Body::of_render(
                &settings.root,
                &git_dir,
                files.map(|(((f, fp), p), k)| (f.path.as_str(), *fp, p.id, k.map(|k| k.stamp))),
                old.filter(|_| dirs_unchanged),
                touched,
                &paths,
            )
        });
        if let Some(index) = index {
            // The index and HEAD as the last run left them: the index needs
            // no look beyond what this commit stages.
            let index_as_left = old.is_some_and(|o| {
                o.index.is_some()
                    && o.head.is_some()
                    && o.head == repo.head_id()
                    && o.index == Stamp::of(&repo.git_dir().join("index"))
            });
            commit(s, &repo, &files, old, index, index_as_left)?;
        }
        Ok(prep.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })?;
    let notes = notes(settings, spec, plan);
    for n in &notes {
        show(pr, n);
    }

    // The apps as read, for the next load: a cache, so failing to keep it
    // costs the next run time only.
    if let Some(kept) = s.kept.as_ref().filter(|k| k.changed) {
        let _ = state::write_apps(&state::apps_path(repo.git_dir(), repo.prefix()), kept);
    }

    // What this run leaves, for the next one, keyed by the inputs it was
    // made from. If they changed on disk meanwhile, it leaves none: the next
    // run renders the new ones.
    let (spec_bytes, lock_bytes) = &s.inputs;
    if inputs_of(settings).ok().as_ref() != Some(&s.inputs) {
        let _ = std::fs::remove_file(&state_path);
        return Ok(ExitCode::SUCCESS);
    }
    let Ok(mut body) = body else {
        let _ = std::fs::remove_file(&state_path);
        return Ok(ExitCode::SUCCESS);
    };
    let mut next = State {
        key: match keyed {
            Some((inputs, key)) if inputs == s.inputs => key,
            _ => state::key(spec_bytes, lock_bytes.as_deref(), &spec_name, repo.prefix()),
        },
        // Uncommitted, whether HEAD holds these files is not known: the
        // next run compares with it.
        head: if no_commit { None } else { repo.head_id() },
        ..State::default()
    };
    next.index = Stamp::of(&repo.git_dir().join("index"));
    next.messages = s.printed.iter().cloned().map(Message::Line).collect();
    next.messages.push(Message::Data(summary(0, 0)));
    next.messages.push(Message::Data(NOTHING_TO_COMMIT.into()));
    next.messages.extend(notes);
    // The state is a hint: failing to keep it costs the next run time only.
    let _ = next.write_with(&state_path, &mut body);
    Ok(ExitCode::SUCCESS)
}

/// Render `of[k]` for each `k` asked (`of`: indices into the plan's files).
fn render_some<'a>(
    plan: &'a model::Plan,
    spec_name: &'a str,
    of: &'a [usize],
) -> impl Fn(&[usize]) -> Result<Vec<render::Rendered>> + 'a {
    move |which| {
        let files: Vec<usize> = which.iter().map(|k| of[*k]).collect();
        render::render_files(plan, spec_name, &files)
    }
}

/// The notes every render ends with: values still unresolved, and ARC's
/// hourly price.
fn notes(settings: &Settings, spec: &spec::checked::Spec, plan: &model::Plan) -> Vec<Message> {
    let mut out = Vec::new();
    if plan.zone_unresolved {
        out.push(Message::Note(format!("the ID of hosted zone {} is not known: the DNS stacks take it as parameter {}, and gen deploy refuses until it is known", spec.zone, model::ZONE_PARAM), Some(format!("set dns.zoneId in {}, or run `gen discover` to record it in gen.lock", settings.spec_name()))));
    }
    for u in &plan.unresolved {
        let stacks = if u.stacks.len() <= 3 {
            u.stacks.join(", ")
        } else {
            format!(
                "{} and {} more",
                u.stacks[..3].join(", "),
                u.stacks.len() - 3
            )
        };
        let one = u.stacks.len() == 1;
        let what = if spec.ingress.grouped {
            format!("the DNS name of ALB {} in {}", u.alb, u.region)
        } else {
            format!("the ALB DNS name for {}", u.region)
        };
        out.push(Message::Note(
            format!(
                "{what} is not resolved: stack{} {stacks} take{} it as parameter {}",
                if one { "" } else { "s" },
                if one { "s" } else { "" },
                u.parameter
            ),
            Some({
                let kind = plan
                    .ingress
                    .albs
                    .iter()
                    .find(|a| a.name == u.alb)
                    .map_or(crate::spec::checked::Api::Ingress, |a| a.api);
                format!(
                    "set {} in {} once the {} has an address (kubectl get {} -n {}), or run `gen discover`",
                    u.field,
                    settings.spec_name(),
                    kind,
                    kind.as_str(),
                    spec.namespace
                )
            }),
        ));
    }
    // ARC is billed by the hour: say so, with the figure, at every render.
    if let Some(arc) = &plan.arc {
        out.extend(arc.prices().into_iter().map(|n| Message::Note(n, None)));
    }
    out
}

/// Commit what differs from HEAD (owned files and the spec), if anything.
fn commit(
    session: &Session,
    repo: &git::Repo,
    files: &[git::Planned<'_>],
    known: Option<&State>,
    index: git::IndexJob,
    index_as_left: bool,
) -> Result<()> {
    let (pr, settings) = (session.settings.printer, &session.settings);
    // The inputs are committed with the render: the spec, and the lock when
    // there is one, as this run read them (not as they may be by now).
    let spec = &session.spec;
    let spec_path = repo.spec_path(&settings.spec);
    let mut inputs = Vec::new();
    let lock_path = spec::lock::path_for(&settings.spec);
    let (spec_bytes, lock_bytes) = &session.inputs;
    for (file, bytes) in [
        (settings.spec.as_path(), Some(spec_bytes)),
        (lock_path.as_path(), lock_bytes.as_ref()),
    ] {
        if let (Some(rel), Some(bytes)) = (repo.spec_path(file), bytes) {
            inputs.push((rel, bytes.clone()));
        }
    }
    let pending = repo.pending(files, &inputs, known)?;
    if pending.is_empty() {
        repo.sync_index(files, &inputs, known)?;
        pr.data(NOTHING_TO_COMMIT);
        return Ok(());
    }
    let regions: Vec<(String, String)> = spec
        .regions
        .iter()
        .flat_map(|r| r.clusters.iter().map(|c| (c.name.clone(), r.name.clone())))
        .collect();
    let msg = git::message(&spec.name, &pending, spec_path.as_deref(), &regions);
    let id: Oid = repo.commit(&pending, &msg, index)?;
    // The commit staged its own paths; the others need a look only when the
    // index is not as the last run left it (the user staged or unstaged).
    if !index_as_left {
        repo.sync_index(files, &inputs, None)?;
    }
    pr.data(format_args!(
        "committed {} ({} files){}: {}",
        &id.to_string()[..10],
        pending.len(),
        if repo.initialized {
            " in a new repository"
        } else {
            ""
        },
        msg.lines().next().unwrap_or_default()
    ));
    Ok(())
}
