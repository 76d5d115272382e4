//! Command line: raw flags (`Args`), resolved into `Settings`, a
//! `Session` made from the spec, then the chosen command. Each command is a
//! file of its own that gathers, decides and views; what several of them
//! share lives below them (`live`, `session`, the printer), never in another
//! command (the layer table in `tests/integration/layers.rs` holds this).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

pub use crate::printer::{Output, Printer};
pub use session::{Session, Settings};

mod arc;
mod deploy;
mod discover;
mod drill;
mod explain;
mod hints;
mod init;
mod plan;
mod render_cmd;
mod report;
mod rollout;
pub mod session;
mod simulate;
mod status;
mod switch;

use crate::spec;

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

/// The commands, in the order a person meets them: start (init); author
/// (validate, render, plan, simulate, explain, report); ship (discover,
/// deploy, rollout); operate (status, drill, arc, switch); then the tools'.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter gen.yaml (and its schema) from the Regions, zone and kubeconfig.
    Init(init::InitArgs),
    /// Check the spec and report every problem at once.
    Validate,
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
    /// Show what a change to the spec does to DNS, against a base revision.
    Plan(plan::PlanArgs),
    /// What Route 53 would answer for each host when apps, Regions or routing controls fail.
    Simulate(simulate::SimulateArgs),
    /// Worst-case failover and failback times, health-check costs and quota use, per app.
    Explain(explain::ExplainArgs),
    /// The failover picture: what answers in every failure, timings against rto, cost (HTML or Markdown).
    Report(report::ReportArgs),
    /// Read each Region's ALB DNS name from its cluster's Ingress into gen.lock.
    Discover(discover::DiscoverArgs),
    /// Deploy the rendered CloudFormation stacks through reviewed change sets.
    Deploy(deploy::DeployArgs),
    /// Take a commit to the Regions wave by wave, each baking green before the next.
    Rollout(rollout::RolloutArgs),
    /// Has every cluster applied HEAD, and is every app healthy in every Region?
    Status(status::StatusArgs),
    /// Fail an app in one Region on purpose, time Route 53's reaction, and restore it.
    Drill(drill::DrillArgs),
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
    /// Print the JSON Schema of gen.yaml (for editors: see docs/spec.md).
    Schema,
    /// Print shell completions for gen (bash, zsh, fish, ...): see docs/commands.md.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    // Errors print even with --quiet.
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            Printer::Default.prompt(session::error_report(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<ExitCode> {
    let settings = Settings::resolve(args.dir.as_deref(), args.spec.as_deref(), args.quiet)?;
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
    let keep = matches!(args.command, Command::Render { check: false, .. });
    let Some(session) = session::load(settings, keep)? else {
        return Ok(ExitCode::FAILURE);
    };
    // The process ends with the command: its spec, model and plan (every
    // app's, at a platform's size) are never freed one allocation at a time.
    let session = std::mem::ManuallyDrop::new(session);
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
        Command::Plan(args) => plan::run(&session, args),
        Command::Simulate(args) => simulate::run(&session, args),
        Command::Explain(args) => explain::run(&session, args),
        Command::Report(args) => report::run(&session, args),
        Command::Discover(args) => discover::run(&session, args),
        Command::Deploy(args) => deploy::run(&session, args),
        Command::Rollout(args) => rollout::run(&session, args),
        Command::Status(args) => status::run(&session, args),
        Command::Drill(args) => drill::run(&session, args),
        Command::Arc { cmd } => arc::run(&session, cmd),
        Command::Switch { cmd } => switch::run(&session, cmd),
        Command::Schema | Command::Init(_) | Command::Completions { .. } => {
            unreachable!("handled before loading the spec")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `gen --help` lists the commands as a person meets them: start,
    /// author, ship, operate, then the tools'.
    #[test]
    fn help_lists_the_commands_in_the_order_a_person_meets_them() {
        let cmd = <Args as clap::CommandFactory>::command();
        let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(
            names,
            [
                "init",
                "validate",
                "render",
                "plan",
                "simulate",
                "explain",
                "report",
                "discover",
                "deploy",
                "rollout",
                "status",
                "drill",
                "arc",
                "switch",
                "schema",
                "completions",
            ]
        );
    }
}
