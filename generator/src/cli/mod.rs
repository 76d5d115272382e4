//! Command line: raw flags (`Args`), resolved into `Settings`, then the
//! pipeline is run for the chosen command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::diag::{Diagnostic, Hinted};
pub use printer::{Output, Printer};

mod arc;
mod deploy;
mod discover;
mod drill;
mod explain;
mod hints;
mod plan;
mod printer;
mod simulate;
mod status;

use crate::facts::pricing;
use crate::output::{self, git};
use crate::{lint, model, render, spec, validate};

/// Compile a multi-Region failover spec (gen.yaml) into Flux manifests and Route 53 CloudFormation.
#[derive(Debug, Parser)]
#[command(name = "gen", version, about)]
pub struct Args {
    /// Run as if started in DIR (the repository to render into).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The spec file [default: DIR/gen.yaml].
    #[arg(long, global = true, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Print no notes or progress (data, warnings and errors still print).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the spec into the repository and commit what changed.
    Render {
        /// Write nothing; exit non-zero with a diff if the repository is not up to date.
        #[arg(long)]
        check: bool,
        /// Write the files but do not commit them.
        #[arg(long)]
        no_commit: bool,
        /// Overwrite generated files that carry uncommitted hand edits.
        #[arg(long)]
        force: bool,
    },
    /// Check the spec and report every problem at once.
    Validate,
    /// Fail an app in one Region on purpose, time Route 53's reaction, and restore it.
    Drill(drill::DrillArgs),
    /// Has every cluster applied HEAD, and is every app healthy in every Region?
    Status(status::StatusArgs),
    /// Print the JSON Schema of gen.yaml (for editors: see the README).
    Schema,
    /// Worst-case failover and failback times, health-check costs and quota use, per app.
    Explain(explain::ExplainArgs),
    /// What Route 53 would answer for each host when apps, Regions or routing controls fail.
    Simulate(simulate::SimulateArgs),
    /// Read each Region's ALB DNS name from its cluster's Ingress into gen.lock.
    Discover(discover::DiscoverArgs),
    /// Show what a change to the spec does to DNS, against a base revision.
    Plan(plan::PlanArgs),
    /// Deploy the rendered CloudFormation stacks through reviewed change sets.
    Deploy(deploy::DeployArgs),
    /// Route 53 Application Recovery Controller: see and switch routing controls.
    Arc {
        #[command(subcommand)]
        cmd: arc::ArcCommand,
    },
}

/// What every command starts from, resolved once: the settings, the checked
/// spec with `gen.lock` applied, where the repository puts it, and its plan.
pub struct Session {
    pub settings: Settings,
    pub spec: spec::checked::Spec,
    /// The spec directory's path inside its Git work tree ("" at the top).
    pub prefix: String,
    pub plan: model::Plan,
}

/// Flags resolved against the working directory.
#[derive(Debug)]
pub struct Settings {
    pub root: PathBuf,
    pub spec: PathBuf,
    pub printer: Printer,
}

impl Settings {
    pub fn resolve(args: &Args) -> Result<Settings> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let root = match &args.dir {
            Some(d) => cwd.join(d),
            None => cwd.clone(),
        };
        let spec = match &args.spec {
            Some(s) => cwd.join(s),
            None => root.join("gen.yaml"),
        };
        let printer = if args.quiet {
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

pub fn main() -> ExitCode {
    let args = Args::parse();
    // Errors print even with --quiet.
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            Printer::Default.prompt(error_report(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<ExitCode> {
    let settings = Settings::resolve(args)?;
    let pr = settings.printer;
    if let Command::Schema = args.command {
        pr.data(format_args!(
            "{}",
            serde_json::to_string_pretty(&spec::json_schema()).unwrap_or_default()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let Some(session) = session(settings)? else {
        return Ok(ExitCode::FAILURE);
    };
    match &args.command {
        Command::Validate => {
            pr.data(format_args!(
                "{} is valid: {} apps in {} Regions",
                session.settings.spec_name(),
                session.spec.apps.len(),
                session.spec.regions.len()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Command::Render {
            check,
            no_commit,
            force,
        } => render_cmd(&session, *check, *no_commit, *force),
        Command::Arc { cmd } => arc::run(&session, cmd),
        Command::Deploy(args) => deploy::run(&session, args),
        Command::Plan(args) => plan::run(&session, args),
        Command::Discover(args) => discover::run(&session, args),
        Command::Simulate(args) => simulate::run(&session, args),
        Command::Explain(args) => explain::run(&session, args),
        Command::Status(args) => status::run(&session, args),
        Command::Drill(args) => drill::run(&session, args),
        Command::Schema => unreachable!("handled before loading the spec"),
    }
}

/// Load, validate, apply `gen.lock`, plan and lint, printing every
/// diagnostic. `None` when there are errors.
fn session(settings: Settings) -> Result<Option<Session>> {
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
    let loaded = match spec::load(&text, &name) {
        Err(diagnostics) => {
            report_diagnostics(pr, &name, &diagnostics);
            return Ok(None);
        }
        Ok(loaded) => loaded,
    };
    let outcome = validate::validate(&loaded);
    let Some(mut checked) = outcome.spec else {
        report_diagnostics(pr, &name, &outcome.diagnostics);
        return Ok(None);
    };
    // What `gen discover` found fills what the spec leaves out.
    let lock = spec::lock::read(&settings.spec)?;
    let mut diagnostics = outcome.diagnostics;
    diagnostics.extend(crate::resolve::apply(&mut checked, &lock));
    let prefix = git::repo_prefix(&settings.root)?;
    let plan = model::plan(&checked, &prefix);
    // Over an AWS quota: an error, and nothing is written.
    let mut over = crate::limits::check(&checked, &plan);
    if !over.is_empty() {
        loaded.lines.locate(&mut over);
        diagnostics.extend(over);
        report_diagnostics(pr, &name, &diagnostics);
        return Ok(None);
    }
    let mut lints = lint::lint(&checked, &plan);
    loaded.lines.locate(&mut lints);
    diagnostics.extend(lints);
    report_diagnostics(pr, &name, &diagnostics);
    Ok(Some(Session {
        settings,
        spec: checked,
        prefix,
        plan,
    }))
}

/// Print diagnostics to stderr, and the count of errors when there are any.
fn report_diagnostics(pr: Printer, name: &str, diagnostics: &[Diagnostic]) {
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

fn render_cmd(s: &Session, check: bool, no_commit: bool, force: bool) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let (settings, spec, plan, prefix) = (&s.settings, &s.spec, &s.plan, &s.prefix);
    let rendered = render::render(plan, &settings.spec_name())?;
    if check {
        return check_cmd(pr, settings, &rendered);
    }

    if prefix.is_empty() && !git::has_repository(&settings.root) {
        // Refuse before a repository is created: without one, every hand
        // edit is uncommitted.
        let changes = output::compare(&settings.root, &rendered)?;
        output::guard(&changes, &changes.edited, force)?;
    }
    std::fs::create_dir_all(&settings.root)
        .with_context(|| format!("creating {}", settings.root.display()))?;
    let (repo, _lock) = git::Repo::open_locked(&settings.root, &|path| {
        pr.note(format_args!(
            "waiting for another `gen render` on this repository to finish ({})",
            path.display()
        ))
    })?;
    let changes = output::compare(&settings.root, &rendered)?;
    let uncommitted = repo.uncommitted(&changes.edited)?;
    output::guard(&changes, &uncommitted, force)?;
    output::apply(&settings.root, &changes)?;
    pr.data(format_args!(
        "rendered {} files for {} apps in {} Regions: {} written, {} removed",
        rendered.len(),
        spec.apps.len(),
        spec.regions.len(),
        changes.writes.len(),
        changes.prunes.len()
    ));
    if !no_commit {
        commit(pr, settings, spec, &repo, &rendered)?;
    }
    report_unresolved(pr, settings, spec, plan);
    report_arc_cost(pr, plan);
    Ok(ExitCode::SUCCESS)
}

/// ARC is billed by the hour: say so, with the figure, at every render.
fn report_arc_cost(pr: Printer, plan: &model::Plan) {
    let Some(arc) = &plan.arc else { return };
    let p = &pricing::ARC_CLUSTER;
    let whose = match &arc.cluster_name {
        Some(name) => format!("the ARC cluster `{name}` that this spec creates"),
        None => "the existing ARC cluster this spec uses".to_string(),
    };
    pr.note(format_args!(
        "{whose} is billed per hour, used or not: ${:.2}/hour, about ${:.0}/month ({}, {})",
        p.usd_per_hour,
        p.per_month(1),
        p.source,
        p.as_of
    ));
    if let Some(r) = &arc.readiness {
        let c = &pricing::ARC_READINESS_CHECK;
        pr.note(format_args!(
            "{} readiness checks at ${}/hour each, about ${:.0}/month",
            r.sets.len(),
            c.usd_per_hour,
            c.per_month(r.sets.len())
        ));
    }
}

/// `render --check`: compare only; a diff and exit 1 when anything differs.
fn check_cmd(pr: Printer, settings: &Settings, rendered: &[render::Rendered]) -> Result<ExitCode> {
    let changes = output::compare(&settings.root, rendered)?;
    // A file that is not gen's, or a link, at a rendered path: say so plainly.
    output::guard(&changes, &Default::default(), true)?;
    if changes.is_empty() {
        pr.data(format_args!(
            "up to date: {} files match {}",
            rendered.len(),
            settings.spec_name()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    pr.data_raw(format_args!("{}", output::unified_diff(&changes)));
    pr.error_hint(
        format_args!(
            "{} is not up to date: {} files to write, {} to remove",
            settings.root.display(),
            changes.writes.len(),
            changes.prunes.len()
        ),
        "run `gen render` and commit the result",
    );
    Ok(ExitCode::FAILURE)
}

/// Commit what differs from HEAD (owned files and the spec), if anything.
fn commit(
    pr: Printer,
    settings: &Settings,
    spec: &spec::checked::Spec,
    repo: &git::Repo,
    rendered: &[render::Rendered],
) -> Result<()> {
    // The inputs are committed with the render: the spec, and the lock when there is one.
    let spec_path = repo.spec_path(&settings.spec);
    let mut inputs = Vec::new();
    let lock_path = spec::lock::path_for(&settings.spec);
    for file in [settings.spec.as_path(), lock_path.as_path()] {
        if let (Some(rel), Ok(bytes)) = (repo.spec_path(file), std::fs::read(file)) {
            inputs.push((rel, bytes));
        }
    }
    let pending = repo.pending(rendered, &inputs)?;
    if pending.is_empty() {
        repo.sync_index(rendered, &inputs)?;
        pr.data("nothing to commit: the repository already holds this render");
        return Ok(());
    }
    let regions: Vec<(String, String)> = spec
        .regions
        .iter()
        .map(|r| (r.cluster.clone(), r.name.clone()))
        .collect();
    let msg = git::message(&spec.name, &pending, spec_path.as_deref(), &regions);
    let id = repo.commit(&pending, &msg)?;
    repo.sync_index(rendered, &inputs)?;
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

/// Which values (ALB names, the hosted zone's ID) the templates still take
/// as parameters.
fn report_unresolved(
    pr: Printer,
    settings: &Settings,
    spec: &spec::checked::Spec,
    plan: &model::Plan,
) {
    if plan.zone_unresolved {
        pr.note_hint(format_args!("the ID of hosted zone {} is not known: the DNS stacks take it as parameter {}, and gen deploy refuses until it is known", spec.zone, model::ZONE_PARAM), format_args!("set dns.zoneId in {}, or run `gen discover` to record it in gen.lock", settings.spec_name()));
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
        pr.note_hint(format_args!("{what} is not resolved: stack{} {stacks} take{} it as parameter {}", if one { "" } else { "s" }, if one { "s" } else { "" }, u.parameter), format_args!("set {} in {} once the Ingress has an address (kubectl get ingress -n {}), or run `gen discover`", u.field, settings.spec_name(), spec.namespace));
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

/// Columns aligned to their widest cell; the last one is not padded.
pub(crate) fn print_table<const N: usize>(pr: Printer, head: [&str; N], rows: &[[String; N]]) {
    let mut widths = head.map(str::len);
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s
    };
    pr.data(format_args!("{}", line(head.to_vec())));
    for r in rows {
        pr.data(format_args!(
            "{}",
            line(r.iter().map(String::as_str).collect())
        ));
    }
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
