//! What every command starts from, resolved once: the flags against the
//! working directory (`Settings`), then the spec through the core's one
//! entry (`pipeline::compile`) into a `Session`; and the pieces every
//! command shares to finish: the async runtime, and errors as uv prints them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::hints;
use crate::diag::{Diagnostic, Hinted};
use crate::live;
use crate::output::{git, lock, state};
use crate::pipeline;
use crate::printer::Printer;
use crate::{model, spec};

/// The settings, the checked spec with `gen.lock` applied, where the
/// repository puts it, and its plan.
pub struct Session {
    pub settings: Settings,
    pub spec: spec::checked::Spec,
    /// The spec directory's path inside its Git work tree ("" at the top).
    pub prefix: String,
    pub plan: model::Plan,
    /// The diagnostics (warnings) printed while loading, as printed.
    pub printed: Vec<String>,
    /// The bytes of the spec and of its lock (if any) this session was
    /// made from: what a render commits, and what its state is keyed by.
    pub inputs: (Vec<u8>, Option<Vec<u8>>),
    /// The apps as this load read them, for the next (`spec::Kept`), when
    /// asked to keep them and the spec was read app by app.
    pub kept: Option<spec::Kept>,
}

impl Session {
    /// The plan of this spec as it was at `rev`, with the lock committed
    /// beside it (`None` where the spec did not exist): what `gen plan` and
    /// `gen report --base` compare against.
    pub(crate) fn base_plan(&self, rev: &str) -> Result<Option<model::Plan>> {
        let s = &self.settings;
        live::base::plan_at(
            s.printer,
            &s.root,
            &s.spec,
            &s.spec_name(),
            &self.prefix,
            rev,
        )
    }
}

/// Flags resolved against the working directory.
#[derive(Debug)]
pub struct Settings {
    pub root: PathBuf,
    pub spec: PathBuf,
    pub printer: Printer,
}

impl Settings {
    /// `-C DIR`, `--spec FILE` and `--quiet`, against the working directory.
    pub fn resolve(dir: Option<&Path>, spec: Option<&Path>, quiet: bool) -> Result<Settings> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let root = match dir {
            Some(d) => cwd.join(d),
            None => cwd.clone(),
        };
        let spec = match spec {
            Some(s) => cwd.join(s),
            None => root.join("gen.yaml"),
        };
        let printer = if quiet {
            Printer::Quiet
        } else {
            Printer::Default
        };
        Ok(Settings {
            root,
            spec,
            printer,
        })
    }

    /// The spec's name in messages and headers: relative to the root when
    /// inside it, so output is the same on every machine.
    pub fn spec_name(&self) -> String {
        let rel = self
            .spec
            .strip_prefix(&self.root)
            .ok()
            .or_else(|| self.spec.file_name().map(Path::new));
        rel.and_then(|p| p.to_str())
            .map(|s| s.replace('\\', "/"))
            .unwrap_or_else(|| "gen.yaml".into())
    }
}

/// Read the spec and its lock, compile them, and print every diagnostic.
/// `None` when there are errors (said, with their count). With `keep`, the
/// session keeps the apps as read for the next load (a render does).
pub(super) fn load(settings: Settings, keep: bool) -> Result<Option<Session>> {
    let pr = settings.printer;
    let name = settings.spec_name();
    let text = match std::fs::read_to_string(&settings.spec) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            anyhow::bail!(Hinted::new(
                format!("no spec at {}", settings.spec.display()),
                "run in the repository that holds gen.yaml, or pass -C DIR or --spec FILE"
            ))
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", settings.spec.display())),
    };
    let lock_text = lock::read_text(&settings.spec)?;
    let locked = lock::parse(&settings.spec, lock_text.as_deref())?;
    let (prefix, git_dir) = git::locate(&settings.root)?;
    // The apps the last render read, by their text: those unchanged are not
    // read again.
    let cache = git_dir
        .and_then(|d| state::read_apps(&state::apps_path(&d, &prefix)))
        .unwrap_or_default();
    let cache = spec::AppCache::parse(&cache);
    let compiled = match pipeline::compile_with(&text, &name, &locked, &prefix, &cache, keep) {
        Ok(c) => c,
        Err(diagnostics) => {
            report_diagnostics(pr, &name, &diagnostics);
            return Ok(None);
        }
    };
    report_diagnostics(pr, &name, &compiled.diagnostics);
    let printed = compiled
        .diagnostics
        .iter()
        .map(|d| d.display(&name).to_string())
        .collect();
    Ok(Some(Session {
        settings,
        spec: compiled.spec,
        prefix,
        plan: compiled.plan,
        printed,
        inputs: (text.into_bytes(), lock_text.map(String::into_bytes)),
        kept: compiled.kept,
    }))
}

/// Print diagnostics to stderr, and the count of errors when there are any.
pub(crate) fn report_diagnostics(pr: Printer, name: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        pr.line(format_args!("{}", d.display(name)));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        pr.error(format_args!(
            "{name} has {errors} error{}; nothing was written",
            if errors == 1 { "" } else { "s" }
        ));
    }
}

/// An error as uv prints one: the error, each cause, then (after a blank
/// line) every hint, so no hint stands between an error and its cause.
/// Hints are values in the chain ([`Hinted`]), never text in a message.
pub(crate) fn error_report(e: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut hints = Vec::new();
    for (i, cause) in e.chain().enumerate() {
        hints.extend(hints::hint_for(cause));
        let message = cause.to_string();
        if i == 0 {
            out.push_str(&format!("error: {message}\n"));
        } else {
            out.push_str(&format!("  Caused by: {message}\n"));
        }
    }
    if !hints.is_empty() {
        out.push('\n');
        for h in hints {
            out.push_str(&format!("hint: {h}\n"));
        }
    }
    out
}

/// The one async runtime a command that talks to AWS or a cluster runs on:
/// a single thread is enough for calls made one after another.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::HintContext;

    #[test]
    fn hints_come_after_every_cause() {
        let inner: Result<()> = Err(Hinted::new("no such stack", "deploy it first").into());
        let e = inner
            .context("reading stack demo-dns-web")
            .hint_context(|| ("deploying demo-dns-web", "see its events"))
            .unwrap_err();
        assert_eq!(
            error_report(&e),
            "error: deploying demo-dns-web\n  Caused by: reading stack demo-dns-web\n  Caused by: no such stack\n\nhint: see its events\nhint: deploy it first\n"
        );
        assert_eq!(error_report(&anyhow::anyhow!("plain")), "error: plain\n");
    }
}
