//! `gen switch status | practice | recover`: run the Region switch plans
//! gen rendered. Which plans, workflows and Regions a switch to a Region
//! uses is decided by the model (`model::switch::runs_to`); this command
//! finds them in AWS, starts them, follows each step until it ends, approves
//! when asked, and reports one typed outcome as a table or JSON.
//!
//! AWS's API has two execution modes and no mode that changes nothing:
//! "You can execute a plan in either `graceful` or `ungraceful` mode.
//! Specifing `ungraceful` mode either changes the behavior of the execution
//! blocks in a workflow or skips specific execution blocks" (Region switch
//! API reference, StartPlanExecution). So `practice` runs a graceful
//! execution, which really moves traffic while both Regions are healthy, and
//! `recover` an ungraceful one, for a Region that is impaired. Only
//! `--dry-run` changes nothing.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::drill::Signals;
use super::{Output, Printer, Session, print_table};
use crate::aws::region_switch::{Evaluation, ExecutionSummary, Failure, Phase, RegionSwitch};
use crate::diag::Hinted;
use crate::model::switch::{Action, Run, SwitchPlan, Traffic, runs_to};

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

/// How gen follows the executions it starts.
pub(super) struct Follow {
    /// Approve every approval step without asking.
    pub approve: bool,
    pub comment: String,
    pub timeout: Duration,
    pub poll: Duration,
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

/// How one execution ended, as far as gen saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub(super) enum Outcome {
    Succeeded,
    SucceededWithExceptions,
    /// Ended failed, canceled or timed out (`state`).
    Failed {
        state: String,
    },
    /// Paused by a failed step or an operator: it waits for someone.
    Paused {
        state: String,
    },
    /// Still running when gen stopped following it.
    StillRunning {
        why: String,
    },
}

impl Outcome {
    fn words(&self) -> String {
        match self {
            Outcome::Succeeded => "succeeded".into(),
            Outcome::SucceededWithExceptions => "completed with exceptions".into(),
            Outcome::Failed { state } => format!("failed ({state})"),
            Outcome::Paused { state } => format!("paused ({state})"),
            Outcome::StillRunning { why } => format!("still running: {why}"),
        }
    }
}

/// One execution gen started, and how it went.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Executed {
    pub plan: String,
    pub action: Action,
    pub target: String,
    pub region: String,
    pub execution: String,
    pub graceful: bool,
    pub outcome: Outcome,
    pub failures: Vec<Failure>,
    pub seconds: u64,
    pub objective_minutes: Option<u32>,
}

/// What ran, for the exit code and the view.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub to: String,
    pub executions: Vec<Executed>,
}

impl Report {
    /// 0 when every execution succeeded; 1 when one failed, paused or
    /// completed with exceptions; 3 when one was still running when gen
    /// stopped following it (and none failed): its outcome is unknown.
    pub(super) fn exit_code(&self) -> ExitCode {
        let o: Vec<&Outcome> = self.executions.iter().map(|e| &e.outcome).collect();
        if o.iter().any(|o| {
            matches!(
                o,
                Outcome::Failed { .. } | Outcome::Paused { .. } | Outcome::SucceededWithExceptions
            )
        }) {
            ExitCode::FAILURE
        } else if o.iter().any(|o| matches!(o, Outcome::StillRunning { .. })) {
            ExitCode::from(3)
        } else {
            ExitCode::SUCCESS
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
            let runtime = super::runtime()?;
            let report = runtime.block_on(status(sw));
            view_status(pr, &report, *output);
            Ok(report.exit_code())
        }
        SwitchCommand::Practice(a) | SwitchCommand::Recover(a) => {
            let graceful = matches!(cmd, SwitchCommand::Practice(_));
            let runs = select(s, sw, a)?;
            if a.dry_run {
                dry_run(pr, s, &runs, a, graceful);
                return Ok(ExitCode::SUCCESS);
            }
            let runtime = super::runtime()?;
            let report = runtime.block_on(async {
                let mut signals = Signals::new()?;
                // An active/active plan whose `--to` Region an earlier
                // switch took out brings it back first.
                let api = RegionSwitch::connect().await;
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
    use crate::aws::arc::{self as arc_adapter, ClusterRef};
    use crate::spec::checked::ArcCluster;
    let (Some(arc), Some(plan)) = (&s.spec.arc, &s.plan.arc) else {
        return Ok(Vec::new());
    };
    let which = match &arc.cluster {
        ArcCluster::Existing(a) => ClusterRef::Arn(a),
        ArcCluster::Create(n) => ClusterRef::Name(n),
    };
    let cluster = arc_adapter::cluster(which).await?;
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

/// The runs a switch to `--to` makes, after checking its flags.
pub(super) fn select<'a>(s: &Session, sw: &'a SwitchPlan, a: &RunArgs) -> Result<Vec<Run<'a>>> {
    let regions: Vec<&str> = s.spec.regions.iter().map(|r| r.name.as_str()).collect();
    if !regions.contains(&a.to.as_str()) {
        bail!(Hinted::new(
            format!("`{}` is not a Region of this spec", a.to),
            format!("allowed: {}", regions.join(", "))
        ));
    }
    for p in &a.plans {
        if !sw.plans.iter().any(|x| &x.name == p) {
            let names: Vec<&str> = sw.plans.iter().map(|x| x.name.as_str()).collect();
            bail!(Hinted::new(
                format!("`{p}` is not a Region switch plan of this spec"),
                format!("plans: {}", names.join(", "))
            ));
        }
    }
    let runs: Vec<Run<'a>> = runs_to(sw, &a.to)
        .into_iter()
        .filter(|r| a.plans.is_empty() || a.plans.contains(&r.plan.name))
        .collect();
    if runs.is_empty() {
        let names: Vec<String> = sw
            .plans
            .iter()
            .map(|p| format!("{} ({})", p.name, p.regions.join(", ")))
            .collect();
        bail!(Hinted::new(
            format!("no Region switch plan moves traffic to {}", a.to),
            format!("plans: {}", names.join("; "))
        ));
    }
    Ok(runs)
}

fn action_words(r: &Run<'_>) -> String {
    action_of(r.action, &r.target)
}

/// `activate eu-west-1`, `deactivate us-east-1`.
fn action_of(action: Action, target: &str) -> String {
    match action {
        Action::Activate => format!("activate {target}"),
        Action::Deactivate => format!("deactivate {target}"),
    }
}

fn mode(graceful: bool) -> &'static str {
    if graceful { "graceful" } else { "ungraceful" }
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
        print_table(pr, ["STEP", "BLOCK", "WHAT IT DOES"], &steps);
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
    let world = match super::simulate::load(&s.settings) {
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
    print_table(pr, ["HOST", "NOW", "AFTER"], &rows);
}

/// One run being followed.
struct Following<'a> {
    run: &'a Run<'a>,
    arn: String,
    id: String,
    started: Instant,
    steps: BTreeMap<String, String>,
    approved: Vec<String>,
    told: Vec<String>,
    errors: u32,
    done: Option<(Outcome, Vec<Failure>)>,
    /// Seconds from its start to when gen saw it end (or stopped waiting).
    took: Option<u64>,
}

/// Start every run, then follow them all until each ends, the wait times
/// out, contact is lost, or a signal stops the wait. A signal never cancels
/// an execution: it goes on in AWS, and the report says how to watch it.
pub(super) async fn execute(
    pr: Printer,
    api: &RegionSwitch,
    runs: &[Run<'_>],
    a: &Follow,
    graceful: bool,
    signals: &mut Signals,
) -> Result<Report> {
    // Find every plan, and refuse to start any while one is already running.
    let mut arns = Vec::new();
    for r in runs {
        let listed = api.plans_in(&r.call_region).await?;
        let Some(p) = listed.into_iter().find(|p| p.name == r.plan.name) else {
            bail!(Hinted::new(
                format!(
                    "Region switch plan `{}` is not deployed (ListPlansInRegion in {} does not list it)",
                    r.plan.name, r.call_region
                ),
                "render and run `gen deploy` first"
            ));
        };
        if let Some(x) = &p.active_execution {
            bail!(Hinted::new(
                format!(
                    "Region switch plan `{}` is already executing ({x})",
                    r.plan.name
                ),
                "watch it with `gen switch status`, and start again once it has ended"
            ));
        }
        arns.push(p.arn);
    }
    let mut following: Vec<Following<'_>> = Vec::new();
    for (r, arn) in runs.iter().zip(arns) {
        let started = api
            .start(
                &r.call_region,
                &arn,
                &r.target,
                match r.action {
                    Action::Activate => "activate",
                    Action::Deactivate => "deactivate",
                },
                graceful,
                &a.comment,
            )
            .await;
        // The runs started before this one are running: report them all,
        // this one as not started.
        let (id, done) = match started {
            Ok(id) => {
                pr.line(format_args!(
                    "started {}: {} ({}), execution {id} in {}",
                    r.plan.name,
                    action_words(r),
                    mode(graceful),
                    r.call_region
                ));
                (id, None)
            }
            Err(e) => (
                "-".to_string(),
                Some((
                    Outcome::Failed {
                        state: format!("not started: {e:#}"),
                    },
                    Vec::new(),
                )),
            ),
        };
        following.push(Following {
            run: r,
            arn,
            id,
            started: Instant::now(),
            steps: BTreeMap::new(),
            approved: Vec::new(),
            told: Vec::new(),
            errors: 0,
            took: done.as_ref().map(|_| 0),
            done,
        });
    }
    let deadline = Instant::now() + a.timeout;
    let mut prompt = (std::io::stdin().is_terminal() && !a.approve).then(Prompt::new);
    loop {
        let mut stopped = None;
        for f in following.iter_mut().filter(|f| f.done.is_none()) {
            if let Err(name) = follow_once(pr, api, f, a, prompt.as_mut(), signals).await {
                stopped = Some(format!("gen stopped following it ({name})"));
                break;
            }
            if f.done.is_some() {
                f.took = Some(f.started.elapsed().as_secs());
            }
        }
        if following.iter().all(|f| f.done.is_some()) {
            break;
        }
        let stop = if stopped.is_some() {
            stopped
        } else if Instant::now() >= deadline {
            Some(format!(
                "gen stopped following it after {} min",
                a.timeout.as_secs() / 60
            ))
        } else {
            tokio::select! {
                _ = tokio::time::sleep(a.poll) => None,
                name = signals.next() => Some(format!("gen stopped following it ({name})")),
            }
        };
        if let Some(why) = stop {
            for f in following.iter_mut().filter(|f| f.done.is_none()) {
                f.done = Some((Outcome::StillRunning { why: why.clone() }, Vec::new()));
                f.took = Some(f.started.elapsed().as_secs());
            }
            break;
        }
    }
    let executions = following
        .into_iter()
        .map(|f| {
            let (outcome, failures) = f.done.expect("every run ended");
            Executed {
                plan: f.run.plan.name.clone(),
                action: f.run.action,
                target: f.run.target.clone(),
                region: f.run.call_region.clone(),
                execution: f.id,
                graceful,
                outcome,
                failures,
                seconds: f.took.unwrap_or_else(|| f.started.elapsed().as_secs()),
                objective_minutes: f.run.plan.rto_minutes,
            }
        })
        .collect();
    Ok(Report {
        to: runs
            .first()
            .map(|r| r.call_region.clone())
            .unwrap_or_default(),
        executions,
    })
}

/// Read one execution once: print each step whose status changed, approve
/// what waits for approval (when allowed), and settle the outcome once it
/// has ended. Three failed reads in a row lose contact with it. A signal
/// while asking stops the wait: `Err` with its name.
async fn follow_once(
    pr: Printer,
    api: &RegionSwitch,
    f: &mut Following<'_>,
    a: &Follow,
    mut prompt: Option<&mut Prompt>,
    signals: &mut Signals,
) -> Result<(), &'static str> {
    let interactive = prompt.is_some();
    let region = f.run.call_region.clone();
    let x = match api.execution(&region, &f.arn, &f.id).await {
        Ok(x) => {
            f.errors = 0;
            x
        }
        Err(e) => {
            f.errors += 1;
            pr.warn(format_args!("{}: {e:#}", f.run.plan.name));
            if f.errors >= 3 {
                f.done = Some((
                    Outcome::StillRunning {
                        why: format!("gen lost contact with it: {e:#}"),
                    },
                    Vec::new(),
                ));
            }
            return Ok(());
        }
    };
    for st in &x.steps {
        if f.steps.get(&st.name) != Some(&st.status) {
            pr.line(format_args!(
                "{}  {:<10} {}",
                f.run.plan.name, st.name, st.status
            ));
            f.steps.insert(st.name.clone(), st.status.clone());
        }
    }
    for st in x.steps.iter().filter(|s| s.waits_for_approval()) {
        if f.approved.contains(&st.name) {
            continue;
        }
        let yes = if a.approve {
            true
        } else if let Some(p) = prompt.as_deref_mut() {
            let question = format!(
                "approve step `{}` of {} ({})? [y/N] ",
                st.name,
                f.run.plan.name,
                action_words(f.run)
            );
            p.ask(pr, &question, signals).await?
        } else {
            if !f.told.contains(&st.name) {
                pr.note_hint(
                    format_args!(
                        "step `{}` of {} waits for an approval",
                        st.name, f.run.plan.name
                    ),
                    format_args!(
                        "approve it in the ARC console, or: aws arc-region-switch approve-plan-execution-step --region {region} --plan-arn {} --execution-id {} --step-name {} --approval approve",
                        f.arn, f.id, st.name
                    ),
                );
                f.told.push(st.name.clone());
            }
            false
        };
        if yes {
            match api
                .approve(&region, &f.arn, &f.id, &st.name, &a.comment)
                .await
            {
                Ok(()) => {
                    pr.line(format_args!(
                        "{}  {:<10} approved",
                        f.run.plan.name, st.name
                    ));
                    f.approved.push(st.name.clone());
                }
                Err(e) => pr.warn(format_args!("{e:#}")),
            }
        } else if interactive {
            // Declined here: someone else may approve it; ask no more.
            f.approved.push(st.name.clone());
        }
    }
    let outcome = match x.phase {
        Phase::Running | Phase::WaitingForApproval => return Ok(()),
        Phase::Succeeded => Outcome::Succeeded,
        Phase::SucceededWithExceptions => Outcome::SucceededWithExceptions,
        Phase::Failed => Outcome::Failed { state: x.state },
        Phase::Paused => Outcome::Paused { state: x.state },
    };
    let failures = if outcome == Outcome::Succeeded {
        Vec::new()
    } else {
        match api.failures(&region, &f.arn, &f.id).await {
            Ok(v) => v,
            Err(e) => vec![Failure {
                step: None,
                error: format!("its events could not be read: {e:#}"),
            }],
        }
    };
    f.done = Some((outcome, failures));
    Ok(())
}

/// The terminal's answers, read line by line on a thread of their own, so
/// that a signal can end a question and a later one gets its own line (the
/// thread is never waited for).
struct Prompt {
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Prompt {
    fn new() -> Prompt {
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                if tx.send(std::mem::take(&mut line)).is_err() {
                    break;
                }
            }
        });
        Prompt { lines }
    }

    /// Yes or no (end of input is a no); `Err` with the signal's name.
    async fn ask(
        &mut self,
        pr: Printer,
        question: &str,
        signals: &mut Signals,
    ) -> Result<bool, &'static str> {
        pr.prompt(question);
        tokio::select! {
            l = self.lines.recv() => Ok(l.is_some_and(|l| matches!(l.trim(), "y" | "Y" | "yes"))),
            name = signals.next() => Err(name),
        }
    }
}

fn minutes(s: u64) -> String {
    format!("{}m{:02}s", s / 60, s % 60)
}

fn view_report(pr: Printer, r: &Report, output: Output) {
    match output {
        Output::Json => pr.data(format_args!(
            "{}",
            serde_json::to_string_pretty(r).unwrap_or_default()
        )),
        Output::Table => {
            let rows: Vec<[String; 5]> = r
                .executions
                .iter()
                .map(|e| {
                    [
                        e.plan.clone(),
                        action_of(e.action, &e.target),
                        e.execution.clone(),
                        match e.objective_minutes {
                            Some(m) if e.seconds > u64::from(m) * 60 => {
                                format!("{} (objective {m}m: over)", minutes(e.seconds))
                            }
                            Some(m) => format!("{} (objective {m}m)", minutes(e.seconds)),
                            None => minutes(e.seconds),
                        },
                        e.outcome.words(),
                    ]
                })
                .collect();
            print_table(
                pr,
                ["PLAN", "ACTION", "EXECUTION", "TOOK", "OUTCOME"],
                &rows,
            );
            for e in &r.executions {
                for f in &e.failures {
                    pr.data(format_args!(
                        "  {}: step {}: {}",
                        e.plan,
                        f.step.as_deref().unwrap_or("(none)"),
                        f.error
                    ));
                }
            }
            for e in &r.executions {
                match &e.outcome {
                    Outcome::StillRunning { .. } => pr.note_hint(
                        format_args!("execution {} of {} goes on in AWS", e.execution, e.plan),
                        "watch it with `gen switch status`",
                    ),
                    Outcome::Paused { .. } => pr.note_hint(
                        format_args!("execution {} of {} waits for an operator", e.execution, e.plan),
                        "resume or cancel it in the ARC console (aws arc-region-switch update-plan-execution --action resume|switchToUngraceful)",
                    ),
                    _ => {}
                }
            }
        }
    }
}

/// `gen drill --switch-to REGION`: the switch as a drill. Run the plans to
/// the Region (graceful), time each against its objective, then run them
/// back, unless told to stay or the way there did not succeed.
pub(super) fn drill(
    s: &Session,
    to: &str,
    follow: &Follow,
    dry_run: bool,
    switch_back: bool,
) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let Some(sw) = &s.plan.region_switch else {
        bail!(Hinted::new(
            "Region switch is not enabled in this spec",
            "add `regionSwitch: {enabled: true}`, or drill one app with --app and --region"
        ));
    };
    let a = RunArgs {
        to: to.to_string(),
        plans: Vec::new(),
        dry_run,
        approve: follow.approve,
        comment: follow.comment.clone(),
        timeout: 0,
        poll: 0,
        output: Output::Table,
    };
    let there = select(s, sw, &a)?;
    let back = crate::model::switch::runs_back(sw, to);
    let mut steps: Vec<String> = there
        .iter()
        .map(|r| {
            format!(
                "run {}: {} (graceful), from {}",
                r.plan.name,
                action_words(r),
                r.call_region
            )
        })
        .collect();
    steps.push(format!(
        "follow each execution step by step (approving {}), and time it against the plan's objective",
        if follow.approve { "every approval step" } else { "when asked" }
    ));
    if switch_back {
        steps.extend(back.iter().map(|r| {
            format!(
                "then run {}: {} (graceful), from {}",
                r.plan.name,
                action_words(r),
                r.call_region
            )
        }));
    }
    for (i, x) in steps.iter().enumerate() {
        pr.data(format_args!("{}. {x}", i + 1));
    }
    if dry_run {
        pr.data("dry run: nothing sent");
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = super::runtime()?;
    let report = runtime.block_on(async {
        let mut signals = Signals::new()?;
        let api = RegionSwitch::connect().await;
        let mut report = execute(pr, &api, &there, follow, true, &mut signals).await?;
        let arrived = report
            .executions
            .iter()
            .all(|e| e.outcome == Outcome::Succeeded);
        if switch_back && arrived {
            match execute(pr, &api, &back, follow, true, &mut signals).await {
                Ok(returned) => report.executions.extend(returned.executions),
                Err(e) => {
                    // Traffic is in the Region now: say so before the error.
                    view_report(pr, &report, Output::Table);
                    return Err(e.context(format!("switching back from {to}")));
                }
            }
        } else if switch_back {
            pr.warn("not switching back: the switch did not succeed everywhere (see below)");
        }
        anyhow::Ok(report)
    })?;
    view_report(pr, &report, Output::Table);
    Ok(report.exit_code())
}

/// One plan as `gen switch status` reports it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlanStatus {
    pub plan: String,
    pub regions: [String; 2],
    /// The Region whose data plane answered.
    pub read_in: Option<String>,
    pub arn: Option<String>,
    pub version: Option<String>,
    pub evaluation: Option<Evaluation>,
    pub executions: Vec<ExecutionSummary>,
    /// Why the plan could not be read, when it could not.
    pub problem: Option<String>,
}

impl PlanStatus {
    pub(crate) fn active_warnings(
        &self,
    ) -> impl Iterator<Item = &crate::aws::region_switch::Warning> {
        self.evaluation
            .iter()
            .flat_map(|e| &e.warnings)
            .filter(|w| w.status == "active")
    }

    pub(crate) fn ok(&self) -> bool {
        self.problem.is_none()
            && self
                .evaluation
                .as_ref()
                .is_some_and(|e| e.state != "actionRequired")
            && self.active_warnings().next().is_none()
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct StatusReport {
    pub plans: Vec<PlanStatus>,
}

impl StatusReport {
    fn exit_code(&self) -> ExitCode {
        if self.plans.iter().all(PlanStatus::ok) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Each planned plan as AWS has it: read from either of its Regions' data
/// plane, whichever answers first.
pub(crate) async fn status(sw: &SwitchPlan) -> StatusReport {
    let api = RegionSwitch::connect().await;
    let mut listed: BTreeMap<String, Result<Vec<crate::aws::region_switch::PlanRef>, String>> =
        BTreeMap::new();
    let mut plans = Vec::new();
    for p in &sw.plans {
        let mut st = PlanStatus {
            plan: p.name.clone(),
            regions: p.regions.clone(),
            read_in: None,
            arn: None,
            version: None,
            evaluation: None,
            executions: Vec::new(),
            problem: None,
        };
        let mut problems = Vec::new();
        for region in &p.regions {
            if !listed.contains_key(region) {
                let got = api.plans_in(region).await.map_err(|e| format!("{e:#}"));
                listed.insert(region.clone(), got);
            }
            match &listed[region] {
                Err(e) => problems.push(e.clone()),
                Ok(list) => match list.iter().find(|x| x.name == p.name) {
                    None => problems.push(format!(
                        "not deployed (ListPlansInRegion in {region} does not list it)"
                    )),
                    Some(found) => {
                        st.read_in = Some(region.clone());
                        st.arn = Some(found.arn.clone());
                        st.version = found.version.clone();
                        match api.evaluation(region, &found.arn).await {
                            Ok(e) => st.evaluation = Some(e),
                            Err(e) => problems.push(format!("{e:#}")),
                        }
                        match api.executions(region, &found.arn, 5).await {
                            Ok(x) => st.executions = x,
                            Err(e) => problems.push(format!("{e:#}")),
                        }
                        break;
                    }
                },
            }
        }
        if st.read_in.is_none() || st.evaluation.is_none() {
            st.problem = Some(problems.join("; "));
        }
        plans.push(st);
    }
    StatusReport { plans }
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

/// The plans' table, then each active warning on a line of its own (also
/// `gen status`'s Region switch section).
pub(crate) fn view_plans(pr: Printer, plans: &[PlanStatus]) {
    let rows: Vec<[String; 4]> = plans
        .iter()
        .map(|p| {
            [
                p.plan.clone(),
                p.regions.join(", "),
                match &p.evaluation {
                    Some(e) => format!("{} at {}", e.state, e.last.as_deref().unwrap_or("(never)")),
                    None => "-".into(),
                },
                match (&p.problem, p.executions.first()) {
                    (Some(why), _) => why.clone(),
                    (None, Some(x)) => format!(
                        "last execution {}: {} {} ({}) {}",
                        x.id, x.action, x.region, x.mode, x.state
                    ),
                    (None, None) => "never executed".into(),
                },
            ]
        })
        .collect();
    print_table(
        pr,
        ["SWITCH PLAN", "REGIONS", "EVALUATION", "EXECUTIONS"],
        &rows,
    );
    for p in plans {
        for w in p.active_warnings() {
            pr.data(format_args!(
                "  {}: warning{}{}: {}",
                p.plan,
                w.step
                    .as_deref()
                    .map(|s| format!(" in step {s}"))
                    .unwrap_or_default(),
                w.resource
                    .as_deref()
                    .map(|s| format!(" on {s}"))
                    .unwrap_or_default(),
                w.message
            ));
        }
    }
}
