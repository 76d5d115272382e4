//! `gen switch status | practice | recover`: run the Region switch plans
//! gen rendered. Which plans, workflows and Regions a switch to a Region
//! uses is decided by the model (`model::switch::runs_to`); the engine in
//! `live::switch` finds them in AWS, starts them, follows each step until it
//! ends and approves when asked; this command chooses, and shows one typed
//! outcome as a table or JSON. `practice` runs a graceful execution (traffic
//! really moves), `recover` an ungraceful one; only `--dry-run` changes
//! nothing.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};

use super::session::{Session, runtime};
use crate::aws::region_switch::RegionSwitch;
use crate::diag::Hinted;
use crate::live::switch::{
    Follow, Outcome, Report, StatusReport, action_words, execute, mode, select, status, view_plans,
    view_report,
};
use crate::live::{self, signals::Signals};
use crate::model::switch::{Run, SwitchPlan, Traffic};
use crate::printer::{Output, Printer};

#[derive(Debug, Subcommand)]
pub enum SwitchCommand {
    /// The plans, AWS's last evaluation of each and its warnings, and their executions.
    Status {
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Rehearse a switch while both Regions are healthy: a graceful execution (traffic really moves).
    Practice(RunArgs),
    /// Move traffic off an impaired Region: an ungraceful execution.
    Recover(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Region to move the apps' traffic to.
    #[arg(long, value_name = "REGION")]
    pub to: String,
    /// Only this plan (repeatable; default: every plan that holds the Region).
    #[arg(long = "plan", value_name = "NAME")]
    pub plans: Vec<String>,
    /// Show which plans and steps would run, and what DNS would answer; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Approve every approval step the executions reach, without asking.
    #[arg(long)]
    pub approve: bool,
    /// The comment recorded on each execution.
    #[arg(long, default_value = "gen switch")]
    pub comment: String,
    /// Stop following the executions after this many minutes (they go on in AWS).
    #[arg(long, default_value_t = 240, value_name = "MINUTES")]
    pub timeout: u64,
    /// Seconds between two reads of each execution.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub poll: u64,
    #[arg(long, value_enum, default_value = "table")]
    pub output: Output,
}

impl RunArgs {
    fn follow(&self) -> Follow {
        Follow {
            approve: self.approve,
            comment: self.comment.clone(),
            timeout: Duration::from_secs(self.timeout * 60),
            poll: Duration::from_secs(self.poll),
        }
    }
}

pub(super) fn run(s: &Session, cmd: &SwitchCommand) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let Some(sw) = &s.plan.region_switch else {
        bail!(Hinted::new(
            "Region switch is not enabled in this spec",
            "add `regionSwitch: {enabled: true}` (see docs/arc.md), render and deploy it first"
        ));
    };
    match cmd {
        SwitchCommand::Status { output } => {
            let runtime = runtime()?;
            let report = runtime.block_on(status(sw, live::dns_role(&s.plan).as_ref()));
            view_status(pr, &report, *output);
            Ok(report.exit_code())
        }
        SwitchCommand::Practice(a) | SwitchCommand::Recover(a) => {
            let graceful = matches!(cmd, SwitchCommand::Practice(_));
            let runs = select(&s.spec, sw, &a.to, &a.plans)?;
            if a.dry_run {
                dry_run(pr, s, &runs, a, graceful);
                return Ok(ExitCode::SUCCESS);
            }
            let runtime = runtime()?;
            let report = runtime.block_on(async {
                live::assume(&s.plan, &s.spec.stack_region, live::Reach::Dns).await?;
                let mut signals = Signals::new()?;
                // An active/active plan whose `--to` Region an earlier
                // switch took out brings it back first.
                let api = RegionSwitch::connect(live::dns_role(&s.plan).as_ref()).await;
                let back = reactivations(pr, &api, s, sw, &runs, &a.to).await;
                let mut report = Report {
                    to: a.to.clone(),
                    executions: Vec::new(),
                };
                if !back.is_empty() {
                    let first =
                        execute(pr, &api, &back, &a.follow(), graceful, &mut signals).await?;
                    let ok = first
                        .executions
                        .iter()
                        .all(|e| e.outcome == Outcome::Succeeded);
                    report.executions.extend(first.executions);
                    if !ok {
                        pr.warn(format_args!(
                            "not taking the other Regions out: {} did not come back everywhere",
                            a.to
                        ));
                        return anyhow::Ok(report);
                    }
                }
                let then = execute(pr, &api, &runs, &a.follow(), graceful, &mut signals).await?;
                report.executions.extend(then.executions);
                anyhow::Ok(report)
            })?;
            view_report(pr, &report, a.output);
            Ok(report.exit_code())
        }
    }
}

/// The activations of `to` that must run before `runs`: one per
/// active/active plan in which `to` is out now (its plan checks unhealthy,
/// or its routing controls Off). When that cannot be read, `to` is taken to
/// be in, and said so.
async fn reactivations<'a>(
    pr: Printer,
    api: &RegionSwitch,
    s: &Session,
    sw: &'a SwitchPlan,
    runs: &[Run<'a>],
    to: &str,
) -> Vec<Run<'a>> {
    let candidates: Vec<Run<'a>> = runs
        .iter()
        .filter_map(|r| crate::model::switch::activation(r.plan, to))
        .collect();
    if candidates.is_empty() {
        return candidates;
    }
    let out_now: Result<Vec<String>> = match sw.traffic {
        Traffic::HealthChecks => {
            async {
                let listed = api.plans_in(to).await?;
                let mut out = Vec::new();
                for r in &candidates {
                    let Some(p) = listed.iter().find(|p| p.name == r.plan.name) else {
                        continue;
                    };
                    let states = api.health_check_states(to, &p.arn).await?;
                    if states
                        .iter()
                        .any(|(region, st)| region == to && st == "unhealthy")
                    {
                        out.push(r.plan.name.clone());
                    }
                }
                Ok(out)
            }
            .await
        }
        Traffic::RoutingControls => controls_off_in(s, &candidates, to).await,
    };
    match out_now {
        Ok(names) => candidates
            .into_iter()
            .filter(|r| names.contains(&r.plan.name))
            .collect(),
        Err(e) => {
            pr.warn(format_args!(
                "could not read whether {to} is in every plan, so gen takes it to be: {e:#}"
            ));
            Vec::new()
        }
    }
}

/// The plans among `candidates` whose routing controls in `to` are Off now.
async fn controls_off_in(s: &Session, candidates: &[Run<'_>], to: &str) -> Result<Vec<String>> {
    let (Some(arc), Some(plan)) = (&s.spec.arc, &s.plan.arc) else {
        return Ok(Vec::new());
    };
    let cluster = live::arc::connect(&arc.cluster, live::dns_role(&s.plan).as_ref()).await?;
    let states = cluster.controls(&plan.panel_name, &mut Vec::new()).await?;
    Ok(candidates
        .iter()
        .filter(|r| {
            r.plan.apps.iter().any(|app| {
                crate::model::arc::control_for(plan, app, to)
                    .is_some_and(|c| states.iter().any(|x| x.name == c.name && !x.on))
            })
        })
        .map(|r| r.plan.name.clone())
        .collect())
}

fn dry_run(pr: Printer, s: &Session, runs: &[Run<'_>], a: &RunArgs, graceful: bool) {
    for r in runs {
        pr.data(format_args!(
            "plan {}: {} ({}), started in {}",
            r.plan.name,
            action_words(r),
            mode(graceful),
            r.call_region
        ));
        let steps: Vec<[String; 3]> = r
            .workflow
            .steps(r.plan, &r.target)
            .into_iter()
            .map(|x| [x.name.to_string(), x.block.to_string(), x.does])
            .collect();
        pr.table(["STEP", "BLOCK", "WHAT IT DOES"], &steps);
        pr.data("");
    }
    pr.data(format_args!(
        "dry run: nothing sent ({} execution{} would start)",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" }
    ));
    let aa: Vec<&str> = runs
        .iter()
        .filter(|r| crate::model::switch::activation(r.plan, &a.to).is_some())
        .map(|r| r.plan.name.as_str())
        .collect();
    if !aa.is_empty() {
        pr.note(format_args!(
            "where an earlier switch took {} out of {}, gen first runs its activation there (read when the switch starts)",
            a.to,
            aa.join(", ")
        ));
    }
    // What DNS answers once the plans' traffic steps have run.
    let world = match live::world::load(&s.settings.root) {
        Ok(w) => w,
        Err(e) => {
            pr.note(format_args!("no simulated answers: {e:#}"));
            return;
        }
    };
    let Some((_, off)) = world.switch_to_by(&a.to, &a.plans) else {
        return;
    };
    let now = crate::simulate::Scenario::default();
    let after = crate::simulate::Scenario {
        controls_off: off,
        ..Default::default()
    };
    let rows: Vec<[String; 3]> = world
        .hosts()
        .iter()
        .map(|h| {
            let (b, x) = (world.answer(h, &now), world.answer(h, &after));
            [
                h.clone(),
                b.short(),
                if x.regions == b.regions {
                    x.short()
                } else {
                    format!("{}  (moved)", x.short())
                },
            ]
        })
        .collect();
    pr.data("");
    pr.data("what Route 53 answers after the traffic steps (gen simulate, from the rendered templates):");
    pr.table(["HOST", "NOW", "AFTER"], &rows);
}

fn view_status(pr: Printer, r: &StatusReport, output: Output) {
    match output {
        Output::Json => pr.data(format_args!(
            "{}",
            serde_json::to_string_pretty(r).unwrap_or_default()
        )),
        Output::Table => view_plans(pr, &r.plans),
    }
}
