//! The Region switch engine: start the executions a switch to a Region
//! makes (`model::switch::runs_to` decides which), follow each step until it
//! ends, approve when allowed, and report one typed outcome; and each plan's
//! state as AWS has it. `gen switch`, `gen drill --switch-to` and
//! `gen status` use it.
//!
//! AWS's API has two execution modes and no mode that changes nothing:
//! "You can execute a plan in either `graceful` or `ungraceful` mode.
//! Specifing `ungraceful` mode either changes the behavior of the execution
//! blocks in a workflow or skips specific execution blocks" (Region switch
//! API reference, StartPlanExecution). So a practice runs a graceful
//! execution, which really moves traffic while both Regions are healthy.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde::Serialize;

use super::clock::minutes;
use super::signals::{Prompt, Signals};
use crate::aws::region_switch::{
    Evaluation, ExecutionSummary, Failure, Phase, PlanRef, RegionSwitch, Warning,
};
use crate::diag::Hinted;
use crate::model::switch::{Action, Run, SwitchPlan, runs_to};
use crate::printer::{Output, Printer};
use crate::spec::checked::Spec;

/// How gen follows the executions it starts.
pub(crate) struct Follow {
    /// Approve every approval step without asking.
    pub approve: bool,
    pub comment: String,
    pub timeout: Duration,
    pub poll: Duration,
}

/// How one execution ended, as far as gen saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub(crate) enum Outcome {
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

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Succeeded => f.write_str("succeeded"),
            Outcome::SucceededWithExceptions => f.write_str("completed with exceptions"),
            Outcome::Failed { state } => write!(f, "failed ({state})"),
            Outcome::Paused { state } => write!(f, "paused ({state})"),
            Outcome::StillRunning { why } => write!(f, "still running: {why}"),
        }
    }
}

/// One execution gen started, and how it went.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Executed {
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
pub(crate) struct Report {
    pub to: String,
    pub executions: Vec<Executed>,
}

impl Report {
    /// 0 when every execution succeeded; 1 when one failed, paused or
    /// completed with exceptions; 3 when one was still running when gen
    /// stopped following it (and none failed): its outcome is unknown.
    pub(crate) fn exit_code(&self) -> ExitCode {
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

/// The runs a switch to `--to` makes, after checking its flags.
/// `plans` are the ones asked for (none: every plan
/// that holds `to`).
pub(crate) fn select<'a>(
    spec: &Spec,
    sw: &'a SwitchPlan,
    to: &str,
    plans: &[String],
) -> Result<Vec<Run<'a>>> {
    let regions: Vec<&str> = spec.regions.iter().map(|r| r.name.as_str()).collect();
    if !regions.contains(&to) {
        bail!(Hinted::new(
            format!("`{to}` is not a Region of this spec"),
            format!("allowed: {}", regions.join(", "))
        ));
    }
    for p in plans {
        if !sw.plans.iter().any(|x| &x.name == p) {
            let names: Vec<&str> = sw.plans.iter().map(|x| x.name.as_str()).collect();
            bail!(Hinted::new(
                format!("`{p}` is not a Region switch plan of this spec"),
                format!("plans: {}", names.join(", "))
            ));
        }
    }
    let runs: Vec<Run<'a>> = runs_to(sw, to)
        .into_iter()
        .filter(|r| plans.is_empty() || plans.contains(&r.plan.name))
        .collect();
    if runs.is_empty() {
        let names: Vec<String> = sw
            .plans
            .iter()
            .map(|p| format!("{} ({})", p.name, p.regions.join(", ")))
            .collect();
        bail!(Hinted::new(
            format!("no Region switch plan moves traffic to {to}"),
            format!("plans: {}", names.join("; "))
        ));
    }
    Ok(runs)
}

/// `activate eu-west-1`, `deactivate us-east-1`.
pub(crate) fn action_words(r: &Run<'_>) -> String {
    format!("{} {}", r.action, r.target)
}

pub(crate) fn mode(graceful: bool) -> &'static str {
    if graceful { "graceful" } else { "ungraceful" }
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
pub(crate) async fn execute(
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
                &r.action.to_string(),
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

/// The executions as a table (with each failure and what to do about a
/// run still going or paused), or as JSON.
pub(crate) fn view_report(pr: Printer, r: &Report, output: Output) {
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
                        format!("{} {}", e.action, e.target),
                        e.execution.clone(),
                        match e.objective_minutes {
                            Some(m) if e.seconds > u64::from(m) * 60 => {
                                format!("{} (objective {m}m: over)", minutes(e.seconds))
                            }
                            Some(m) => format!("{} (objective {m}m)", minutes(e.seconds)),
                            None => minutes(e.seconds),
                        },
                        e.outcome.to_string(),
                    ]
                })
                .collect();
            pr.table(["PLAN", "ACTION", "EXECUTION", "TOOK", "OUTCOME"], &rows);
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

/// A switch as a drill: run `there` (graceful), then, when every
/// execution there succeeded, `back` (none: stay). If the way back cannot
/// start, the way there is shown before the error: traffic is in `to` now.
pub(crate) async fn there_and_back(
    pr: Printer,
    there: &[Run<'_>],
    back: Option<&[Run<'_>]>,
    follow: &Follow,
    to: &str,
    role: Option<&crate::aws::Role>,
) -> Result<Report> {
    let mut signals = Signals::new()?;
    let api = RegionSwitch::connect(role).await;
    let mut report = execute(pr, &api, there, follow, true, &mut signals).await?;
    let arrived = report
        .executions
        .iter()
        .all(|e| e.outcome == Outcome::Succeeded);
    match back {
        Some(back) if arrived => match execute(pr, &api, back, follow, true, &mut signals).await {
            Ok(returned) => report.executions.extend(returned.executions),
            Err(e) => {
                view_report(pr, &report, Output::Table);
                return Err(e.context(format!("switching back from {to}")));
            }
        },
        Some(_) => pr.warn("not switching back: the switch did not succeed everywhere (see below)"),
        None => {}
    }
    Ok(report)
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
    pub(crate) fn active_warnings(&self) -> impl Iterator<Item = &Warning> {
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
    pub(crate) fn exit_code(&self) -> ExitCode {
        if self.plans.iter().all(PlanStatus::ok) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Each planned plan as AWS has it: read from either of its Regions' data
/// plane, whichever answers first.
pub(crate) async fn status(sw: &SwitchPlan, role: Option<&crate::aws::Role>) -> StatusReport {
    let api = RegionSwitch::connect(role).await;
    let mut listed: BTreeMap<String, Result<Vec<PlanRef>, String>> = BTreeMap::new();
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
    pr.table(
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
