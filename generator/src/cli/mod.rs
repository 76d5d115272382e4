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
mod init;
mod plan;
mod printer;
mod render_cmd;
mod report;
mod simulate;
mod status;
mod switch;

use crate::output::git;
use crate::{lint, model, spec, validate};

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
    /// Print the JSON Schema of gen.yaml (for editors: see docs/spec.md).
    Schema,
    /// Write a commented starter gen.yaml (and its schema) from the Regions, zone and kubeconfig.
    Init(init::InitArgs),
    /// Print shell completions for gen (bash, zsh, fish, ...): see docs/commands.md.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Worst-case failover and failback times, health-check costs and quota use, per app.
    Explain(explain::ExplainArgs),
    /// What Route 53 would answer for each host when apps, Regions or routing controls fail.
    Simulate(simulate::SimulateArgs),
    /// Read each Region's ALB DNS name from its cluster's Ingress into gen.lock.
    Discover(discover::DiscoverArgs),
    /// Show what a change to the spec does to DNS, against a base revision.
    Plan(plan::PlanArgs),
    /// The failover picture: what answers in every failure, timings against rto, cost (HTML or Markdown).
    Report(report::ReportArgs),
    /// Deploy the rendered CloudFormation stacks through reviewed change sets.
    Deploy(deploy::DeployArgs),
    /// Route 53 Application Recovery Controller: see and switch routing controls.
    Arc {
        #[command(subcommand)]
        cmd: arc::ArcCommand,
    },
    /// ARC Region switch: the plans' evaluation, and running them to move traffic to a Region.
    Switch {
        #[command(subcommand)]
        cmd: switch::SwitchCommand,
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
    /// The diagnostics (warnings) printed while loading, as printed.
    pub printed: Vec<String>,
    /// The bytes of the spec and of its lock (if any) this session was
    /// made from: what a render commits, and what its state is keyed by.
    pub inputs: (Vec<u8>, Option<Vec<u8>>),
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
    // A render whose inputs and outputs are all as the last one left them
    // has nothing to do: said without loading the spec.
    let mut last = None;
    if let Command::Render {
        check: false,
        no_commit: false,
        ..
    } = args.command
    {
        match render_cmd::up_to_date(&settings)? {
            render_cmd::Last::Fresh => return Ok(ExitCode::SUCCESS),
            render_cmd::Last::Stale(state) => last = Some(state),
        }
    }
    match &args.command {
        Command::Init(a) => return init::run(&settings, a),
        Command::Completions { shell } => {
            let mut cmd = <Args as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "gen", &mut out);
            pr.data_raw(String::from_utf8_lossy(&out));
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
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
        } => render_cmd::run(&session, *check, *no_commit, *force, last),
        Command::Arc { cmd } => arc::run(&session, cmd),
        Command::Switch { cmd } => switch::run(&session, cmd),
        Command::Deploy(args) => deploy::run(&session, args),
        Command::Plan(args) => plan::run(&session, args),
        Command::Report(args) => report::run(&session, args),
        Command::Discover(args) => discover::run(&session, args),
        Command::Simulate(args) => simulate::run(&session, args),
        Command::Explain(args) => explain::run(&session, args),
        Command::Status(args) => status::run(&session, args),
        Command::Drill(args) => drill::run(&session, args),
        Command::Schema | Command::Init(_) | Command::Completions { .. } => {
            unreachable!("handled before loading the spec")
        }
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
    let lock_path = spec::lock::path_for(&settings.spec);
    let lock_text = match std::fs::read_to_string(&lock_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", lock_path.display())),
    };
    let lock = match &lock_text {
        Some(t) => spec::lock::parse(t, &lock_path.display().to_string())?,
        None => spec::lock::empty(),
    };
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
    let printed = diagnostics
        .iter()
        .map(|d| d.display(&name).to_string())
        .collect();
    Ok(Some(Session {
        settings,
        spec: checked,
        prefix,
        plan,
        printed,
        inputs: (text.into_bytes(), lock_text.map(String::into_bytes)),
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
