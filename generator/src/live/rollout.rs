//! `gen rollout`'s engine: wave by wave, move the wave's branches to the
//! target, wait until its clusters applied it, bake while the gates stay
//! green, and on a red gate move the wave back and stop. The course (which
//! waves move, which are watched again) is the core's (`rollout::course`),
//! decided from the refs alone; this module acts on it and reports.
//!
//! Flux's Kustomizations carry `wait: true`, so Ready at a revision means
//! every object they applied is ready, Deployments rolled out among them
//! ("Wait instructs the controller to check the health of all the
//! reconciled resources": the Kustomization CRD, `spec.wait`). An Argo CD
//! Application is ready when Synced at the revision and Healthy, which
//! its health assessment gives only once its Deployments rolled out.
//! Each Region's Applications follow its rollout branch (`targetRevision`),
//! so moving the branch moves them.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::clock::{Deadline, minutes};
use super::signals::Signals;
use super::status::{ClusterRow, FluxState, clusters_in, short};
use crate::aws::cfn::Cfn;
use crate::aws::cloudwatch::{AlarmState, CloudWatch};
use crate::aws::route53::Route53;
use crate::model::Plan;
use crate::output::remote::{Move, Remote};
use crate::printer::Printer;
use crate::rollout::{Action, Course, WaveCourse};
use crate::spec::checked::Spec;

/// What a rollout watches, and for how long.
pub(crate) struct Watch {
    pub apply: Duration,
    pub bake: Duration,
    /// How often the gates are read.
    pub every: Duration,
    /// Move a stopped wave's branches back.
    pub rollback: bool,
}

/// The AWS side of the gates, when read.
pub(crate) struct Aws {
    pub cfn: Cfn,
    pub r53: Route53,
    /// A CloudWatch client per Region and account that holds a gate's
    /// alarms.
    pub cw: Vec<((String, Option<String>), CloudWatch)>,
}

impl Aws {
    /// Clients for the DNS stacks' Region and Route 53 (in the DNS
    /// account), and CloudWatch in each of `places` (Region and account:
    /// us-east-1 of the DNS account for the health-check alarms, and those
    /// of the spec's alarms).
    pub(crate) async fn new(
        plan: &Plan,
        stack_region: &str,
        places: &[(String, Option<String>)],
    ) -> Aws {
        let dns = super::dns_role(plan);
        let mut cw = Vec::new();
        for place in places {
            if !cw.iter().any(|(x, _)| x == place) {
                let role = super::role(&plan.accounts, place.1.as_deref());
                cw.push((
                    place.clone(),
                    CloudWatch::new(&place.0, role.as_ref()).await,
                ));
            }
        }
        Aws {
            cfn: Cfn::new(stack_region, dns.as_ref()).await,
            r53: Route53::new(dns.as_ref()).await,
            cw,
        }
    }

    /// The state of each alarm of `alarms` that exists, by Region and account.
    async fn states(&self, alarms: &[Named]) -> Result<Vec<(Named, AlarmState)>> {
        let mut out = Vec::new();
        for ((region, account), cw) in &self.cw {
            let names: Vec<String> = alarms
                .iter()
                .filter(|a| &a.region == region && &a.account == account)
                .map(|a| a.name.clone())
                .collect();
            if names.is_empty() {
                continue;
            }
            for (name, state) in cw.states(&names).await? {
                out.push((
                    Named {
                        region: region.clone(),
                        account: account.clone(),
                        name,
                    },
                    state,
                ));
            }
        }
        Ok(out)
    }
}

/// A CloudWatch alarm by Region, account (the spec's name for it; None:
/// the credentials' own) and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Named {
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub name: String,
}

impl Named {
    /// `arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME` (the spec checked it),
    /// in the spec's account of that ID, if any.
    pub(crate) fn of_arn(arn: &str, accounts: &[crate::spec::checked::Account]) -> Option<Named> {
        let a = crate::facts::arn::Arn::parse(arn)?;
        Some(Named {
            region: a.region.to_string(),
            account: accounts
                .iter()
                .find(|x| x.id == a.account)
                .map(|x| x.name.clone()),
            name: a.resource.strip_prefix("alarm:")?.to_string(),
        })
    }
}

/// The spec's alarms CloudWatch does not know (a typo would otherwise
/// gate nothing): named before anything moves.
pub(crate) async fn unknown_alarms(aws: &Aws, alarms: &[Named]) -> Result<Vec<Named>> {
    let found = aws.states(alarms).await?;
    Ok(alarms
        .iter()
        .filter(|a| !found.iter().any(|(f, _)| f == *a))
        .cloned()
        .collect())
}

/// A gate that turned red.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Red {
    pub gate: Gate,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Gate {
    /// The wave's clusters did not apply the commit in time.
    Applied,
    /// A Kustomization of the wave failed, or fell off the commit.
    Flux,
    /// A Route 53 health check of the wave's apps is unhealthy (its
    /// rendered alarm in ALARM, or Route 53's checkers).
    HealthCheck,
    /// A CloudWatch alarm the spec names is in ALARM.
    Alarm,
}

impl std::fmt::Display for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Gate::Applied => "applied in time",
            Gate::Flux => "Flux healthy",
            Gate::HealthCheck => "health checks healthy",
            Gate::Alarm => "alarms OK",
        })
    }
}

/// What became of a wave.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum WaveResult {
    /// At the target before this run, and not the wave to watch again.
    AlreadyThere,
    /// Applied, then green for the whole bake.
    Baked { seconds: u64 },
    /// A gate turned red; `moved_back` when its branches went back.
    Stopped { red: Red, moved_back: bool },
    /// A signal ended the run while this wave was watched.
    Interrupted { signal: String },
    /// The run ended before this wave.
    NotReached,
    /// `--dry-run`: what a run would do.
    Would { action: Action },
}

impl std::fmt::Display for WaveResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaveResult::AlreadyThere => f.write_str("already there"),
            WaveResult::Baked { seconds } => write!(f, "baked {}", minutes(*seconds)),
            WaveResult::Stopped { red, moved_back } => write!(
                f,
                "stopped: {} ({}){}",
                red.gate,
                red.why,
                if *moved_back { "; moved back" } else { "" }
            ),
            WaveResult::Interrupted { signal } => write!(f, "interrupted ({signal})"),
            WaveResult::NotReached => f.write_str("not reached"),
            WaveResult::Would { action } => write!(f, "would {action}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BranchReport {
    pub region: String,
    pub branch: String,
    /// Where it stood when the run began (None: it did not exist).
    pub before: Option<String>,
    /// Where it stands now.
    pub now: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct WaveReport {
    pub number: usize,
    pub branches: Vec<BranchReport>,
    pub result: WaveResult,
}

/// How the run ended; its exit code says the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// Every wave at the target, baked.
    Done,
    /// A gate stopped it: later waves never saw the commit.
    Stopped,
    /// A signal or an error ended it; running it again resumes.
    Interrupted,
    /// `--dry-run`: nothing moved.
    DryRun,
}

impl Outcome {
    /// 0 done (or a dry run), 1 stopped by a gate, 3 interrupted or unknown.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Outcome::Done | Outcome::DryRun => 0,
            Outcome::Stopped => 1,
            Outcome::Interrupted => 3,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub target: String,
    pub outcome: Outcome,
    pub waves: Vec<WaveReport>,
    /// Why an interrupted run stopped, when an error did it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn branches(w: &WaveCourse) -> Vec<BranchReport> {
    w.branches
        .iter()
        .map(|b| BranchReport {
            region: b.region.clone(),
            branch: b.branch.clone(),
            before: b.at.clone(),
            now: b.at.clone(),
        })
        .collect()
}

/// The report of a dry run: each wave with what a run would do.
pub(crate) fn dry_run(course: &Course) -> Report {
    Report {
        target: course.target.clone(),
        outcome: Outcome::DryRun,
        waves: course
            .waves
            .iter()
            .map(|w| WaveReport {
                number: w.number,
                branches: branches(w),
                result: WaveResult::Would { action: w.action },
            })
            .collect(),
        error: None,
    }
}

/// Create the branches the remote lacks at the commits their clusters run
/// (`starts`: branch → commit), in one push.
pub(crate) fn create(
    pr: Printer,
    remote: &Remote,
    starts: &BTreeMap<String, String>,
) -> Result<()> {
    let moves: Vec<Move> = starts
        .iter()
        .map(|(branch, to)| Move {
            branch: branch.clone(),
            to: to.clone(),
        })
        .collect();
    let names: Vec<&str> = starts.keys().map(String::as_str).collect();
    if starts.values().any(|c| !remote.has_commit(c)) {
        remote.fetch()?;
    }
    remote.push(&moves)?;
    pr.note(format_args!(
        "created {} at the commits their clusters run",
        names.join(", ")
    ));
    Ok(())
}

pub(crate) struct Run<'a> {
    pub pr: Printer,
    pub spec: &'a Spec,
    pub plan: &'a Plan,
    pub config: &'a kube::config::Kubeconfig,
    pub remote: &'a Remote,
    pub aws: Option<&'a Aws>,
    /// The spec's alarms: gates of every wave.
    pub alarms: Vec<Named>,
    pub watch: Watch,
}

/// What a wave's bake reads each time: the rendered health-check alarms
/// that exist (one DescribeAlarms per 100), and Route 53's status of the
/// checks that have none yet.
struct Gates {
    /// (alarm, app, Region).
    alarms: Vec<(Named, String, String)>,
    /// (app, Region, check ID).
    checks: Vec<(String, String, String)>,
}

/// How a watch ended early.
enum Cut {
    Red(Red),
    Signal(&'static str),
}

impl Run<'_> {
    /// Follow `course` to its end: every wave done, a gate red, a signal,
    /// or an error (reported as interrupted: the refs say where it stands).
    pub(crate) async fn run(&self, course: &Course, signals: &mut Signals) -> Report {
        let target = course.target.as_str();
        let mut report = Report {
            target: target.to_string(),
            outcome: Outcome::Done,
            waves: course
                .waves
                .iter()
                .map(|w| WaveReport {
                    number: w.number,
                    branches: branches(w),
                    result: WaveResult::NotReached,
                })
                .collect(),
            error: None,
        };
        for (i, w) in course.waves.iter().enumerate() {
            let regions: Vec<&str> = w.branches.iter().map(|b| b.region.as_str()).collect();
            let label = format!("wave {} ({})", w.number, regions.join(", "));
            let back: Vec<Move> = match w.action {
                Action::Done => {
                    report.waves[i].result = WaveResult::AlreadyThere;
                    continue;
                }
                Action::Move => {
                    let moves: Vec<Move> = w
                        .branches
                        .iter()
                        .map(|b| Move {
                            branch: b.branch.clone(),
                            to: target.to_string(),
                        })
                        .collect();
                    self.pr
                        .line(format_args!("{label}: moving to {}", short(target)));
                    if let Err(e) = self.remote.push(&moves) {
                        report.outcome = Outcome::Interrupted;
                        report.error = Some(format!("{e:#}"));
                        return report;
                    }
                    for b in &mut report.waves[i].branches {
                        b.now = Some(target.to_string());
                    }
                    self.nudge(&regions).await;
                    w.branches
                        .iter()
                        .filter_map(|b| {
                            b.at.as_ref().map(|at| Move {
                                branch: b.branch.clone(),
                                to: at.clone(),
                            })
                        })
                        .collect()
                }
                // Watched again: what it ran before is what the next wave
                // still runs.
                Action::Rewatch => {
                    self.pr.line(format_args!(
                        "{label}: at {} already, watched again (its bake may have been cut short)",
                        short(target)
                    ));
                    let next = course.waves.get(i + 1);
                    let previous = next.and_then(|n| n.branches[0].at.clone());
                    match previous {
                        Some(p)
                            if next.is_some_and(|n| {
                                n.branches.iter().all(|b| b.at.as_ref() == Some(&p))
                            }) =>
                        {
                            w.branches
                                .iter()
                                .map(|b| Move {
                                    branch: b.branch.clone(),
                                    to: p.clone(),
                                })
                                .collect()
                        }
                        _ => Vec::new(),
                    }
                }
            };
            match self.watch(&label, &regions, target, signals).await {
                Ok(seconds) => report.waves[i].result = WaveResult::Baked { seconds },
                Err(Cut::Signal(signal)) => {
                    self.pr.warn(format_args!(
                        "{label}: {signal}: stopped watching; every branch stands where it was moved (run `gen rollout` again to resume)"
                    ));
                    report.waves[i].result = WaveResult::Interrupted {
                        signal: signal.to_string(),
                    };
                    report.outcome = Outcome::Interrupted;
                    return report;
                }
                Err(Cut::Red(red)) => {
                    self.pr
                        .warn(format_args!("{label}: {} is red: {}", red.gate, red.why));
                    let moved_back = self.watch.rollback && !back.is_empty();
                    if moved_back {
                        if let Err(e) = self.remote.push(&back) {
                            report.error = Some(format!("moving {label} back: {e:#}"));
                        } else {
                            self.pr.line(format_args!("{label}: moved back"));
                            for b in &mut report.waves[i].branches {
                                if let Some(m) = back.iter().find(|m| m.branch == b.branch) {
                                    b.now = Some(m.to.clone());
                                }
                            }
                        }
                    }
                    report.waves[i].result = WaveResult::Stopped {
                        red,
                        moved_back: moved_back && report.error.is_none(),
                    };
                    report.outcome = Outcome::Stopped;
                    return report;
                }
            }
        }
        report
    }

    /// Wait until the wave applied `target`, then bake: the seconds it took,
    /// or why it was cut.
    async fn watch(
        &self,
        label: &str,
        regions: &[&str],
        target: &str,
        signals: &mut Signals,
    ) -> Result<u64, Cut> {
        let started = Deadline::after(Duration::ZERO);
        let apply = Deadline::after(self.watch.apply);
        loop {
            let rows = self.wave_rows(regions, target).await;
            if let Some(red) = flux_red(&rows, false) {
                return Err(Cut::Red(red));
            }
            if rows.iter().all(|c| c.state == FluxState::Reconciled) {
                break;
            }
            if apply.passed() {
                let behind: Vec<String> = rows
                    .iter()
                    .filter(|c| c.state != FluxState::Reconciled)
                    .map(|c| format!("{} ({}) {}: {}", c.cluster, c.region, c.state, c.detail))
                    .collect();
                return Err(Cut::Red(Red {
                    gate: Gate::Applied,
                    why: format!(
                        "not applied within {}: {}",
                        minutes(self.watch.apply.as_secs()),
                        behind.join("; ")
                    ),
                }));
            }
            self.pr.progress(format_args!(
                "{label}: waiting for {} to apply ({} s)",
                rows.iter()
                    .filter(|c| c.state != FluxState::Reconciled)
                    .map(|c| c.cluster.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                apply.elapsed_s()
            ));
            self.pause(signals).await?;
        }
        self.pr.line(format_args!(
            "{label}: applied in {} s; baking {}",
            apply.elapsed_s(),
            minutes(self.watch.bake.as_secs())
        ));
        let gates = self.wave_gates(regions).await;
        let bake = Deadline::after(self.watch.bake);
        loop {
            self.gates(regions, target, &gates)
                .await
                .map_err(Cut::Red)?;
            if bake.passed() {
                return Ok(started.elapsed_s());
            }
            self.pr.progress(format_args!(
                "{label}: baking, {} of {}, every gate green",
                minutes(bake.elapsed_s()),
                minutes(self.watch.bake.as_secs())
            ));
            self.pause(signals).await?;
        }
    }

    /// Ask each of the wave's clusters to fetch its branch now, not at the
    /// source's next one-minute interval (Flux) or Argo CD's next poll of
    /// the repository; a cluster that refuses still fetches then, so a
    /// refusal is only noted.
    async fn nudge(&self, regions: &[&str]) {
        let (Some(r), at) = (&self.plan.rollout, super::clock::now_rfc3339()) else {
            return;
        };
        for c in self
            .plan
            .clusters
            .iter()
            .filter(|c| regions.contains(&c.region.as_str()))
        {
            let (engine, namespace) = super::gitops(self.spec, c);
            let asked = async {
                let client =
                    crate::k8s::connect(self.config, &c.cluster, c.kube_context.as_deref()).await?;
                match engine {
                    crate::k8s::Engine::Flux => {
                        crate::k8s::request_reconcile(client, namespace, &r.source, &at).await
                    }
                    crate::k8s::Engine::ArgoCd => {
                        let names: Vec<&str> =
                            c.kustomizations.iter().map(|k| k.name.as_str()).collect();
                        crate::k8s::request_refresh(client, namespace, &names).await
                    }
                }
            };
            if let Err(e) = asked.await {
                self.pr.note(format_args!(
                    "{}: {} was not asked to fetch now ({e:#}); it fetches within {}",
                    c.cluster,
                    engine.product(),
                    match engine {
                        crate::k8s::Engine::Flux => "a minute",
                        // Argo CD's `timeout.reconciliation` default (argocd-cm).
                        crate::k8s::Engine::ArgoCd => "three minutes",
                    }
                ));
            }
        }
    }

    /// Flux on the wave's clusters, against the target.
    async fn wave_rows(&self, regions: &[&str], target: &str) -> Vec<ClusterRow> {
        clusters_in(
            self.spec,
            self.plan,
            self.config,
            |_| Some(target),
            |r| regions.contains(&r),
        )
        .await
    }

    async fn pause(&self, signals: &mut Signals) -> Result<(), Cut> {
        tokio::select! {
            _ = tokio::time::sleep(self.watch.every) => Ok(()),
            name = signals.next() => Err(Cut::Signal(name)),
        }
    }

    /// The wave's health-check gates: each app's rendered alarm in the
    /// wave's Regions where it exists, else its Route 53 check where its
    /// stack is deployed (a new app's check comes with its records, after
    /// its wave).
    async fn wave_gates(&self, regions: &[&str]) -> Gates {
        let mut gates = Gates {
            alarms: Vec::new(),
            checks: Vec::new(),
        };
        let Some(aws) = self.aws else {
            return gates;
        };
        let wanted: Vec<(Named, String, String)> = self
            .plan
            .rollout
            .iter()
            .flat_map(|r| &r.alarm_stacks)
            .flat_map(|s| s.alarms.iter().map(move |a| (s, a)))
            .filter(|(_, a)| regions.contains(&a.region.as_str()))
            .map(|(s, a)| {
                (
                    Named {
                        region: s.region.clone(),
                        account: self.plan.dns_account.clone(),
                        name: a.alarm_name.clone(),
                    },
                    a.app.clone(),
                    a.region.clone(),
                )
            })
            .collect();
        let names: Vec<Named> = wanted.iter().map(|(n, _, _)| n.clone()).collect();
        let found = aws.states(&names).await.unwrap_or_default();
        let mut missing = Vec::new();
        for s in &self.plan.stacks {
            for e in s
                .entries
                .iter()
                .filter(|e| regions.contains(&e.record.region.as_str()))
            {
                let (app, region) = (&e.record.app, &e.record.region);
                if let Some(w) = wanted
                    .iter()
                    .find(|(n, a, r)| a == app && r == region && found.iter().any(|(f, _)| f == n))
                {
                    gates.alarms.push(w.clone());
                    continue;
                }
                // Route 53 reads endpoint checks' status: a Region with
                // several clusters is gated on each cluster's.
                let logical: Vec<&str> = if e.members.is_empty() {
                    vec![e.health_check.logical_id.as_str()]
                } else {
                    e.members
                        .iter()
                        .map(|m| m.health_check.logical_id.as_str())
                        .collect()
                };
                for l in logical {
                    match aws.cfn.physical_id(&s.name, l).await {
                        Ok(Some(id)) => gates.checks.push((app.clone(), region.clone(), id)),
                        _ => missing.push(format!("{app} in {region}")),
                    }
                }
            }
        }
        if !missing.is_empty() {
            self.pr.note(format_args!(
                "not deployed yet, so not gates: the health checks of {}",
                missing.join(", ")
            ));
        }
        gates
    }

    /// Every gate of the wave, read once.
    async fn gates(&self, regions: &[&str], target: &str, gates: &Gates) -> Result<(), Red> {
        let rows = self.wave_rows(regions, target).await;
        if let Some(red) = flux_red(&rows, true) {
            return Err(red);
        }
        if let Some(aws) = self.aws {
            // Fail safe: alarms that cannot be read are not green.
            let mut all: Vec<Named> = gates.alarms.iter().map(|(n, _, _)| n.clone()).collect();
            all.extend(self.alarms.iter().cloned());
            let states = aws.states(&all).await.map_err(|e| Red {
                gate: Gate::Alarm,
                why: format!("{e:#}"),
            })?;
            let firing = |n: &Named| {
                states
                    .iter()
                    .any(|(f, s)| f == n && *s == AlarmState::Alarm)
            };
            if let Some((n, app, region)) = gates.alarms.iter().find(|(n, _, _)| firing(n)) {
                return Err(Red {
                    gate: Gate::HealthCheck,
                    why: format!("{app} in {region}: alarm {} is in ALARM", n.name),
                });
            }
            if let Some(n) = self.alarms.iter().find(|n| firing(n)) {
                return Err(Red {
                    gate: Gate::Alarm,
                    why: format!("{} ({}) is in ALARM", n.name, n.region),
                });
            }
            for (app, region, id) in &gates.checks {
                // A check that cannot be read is not green either.
                match aws.r53.status(id).await {
                    Ok(st) if st.is_healthy() => {}
                    Ok(st) => {
                        return Err(Red {
                            gate: Gate::HealthCheck,
                            why: format!(
                                "{app} in {region}: {}/{} checkers healthy",
                                st.healthy, st.reporting
                            ),
                        });
                    }
                    Err(e) => {
                        return Err(Red {
                            gate: Gate::HealthCheck,
                            why: format!("{app} in {region}: {e:#}"),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// A red Flux gate among `rows`. While the wave applies, a cluster is red
/// when a Kustomization failed on the target itself (one failing on the
/// commit it is leaving, such as a new app's "kustomization path not
/// found" before its wave, is only behind), or is missing, suspended or
/// unreachable; once applied (`applied`), any failure is red, and so is
/// falling off the target.
fn flux_red(rows: &[ClusterRow], applied: bool) -> Option<Red> {
    let red: Vec<String> = rows
        .iter()
        .filter(|c| match c.state {
            FluxState::Reconciled => false,
            FluxState::Behind => applied,
            FluxState::Failing => applied || c.failing_at_head,
            _ => true,
        })
        .map(|c| format!("{} ({}) {}: {}", c.cluster, c.region, c.state, c.detail))
        .collect();
    (!red.is_empty()).then(|| Red {
        gate: Gate::Flux,
        why: red.join("; "),
    })
}

/// Where each wave's branches stand, for `gen status`.
#[derive(Debug, Serialize)]
pub(crate) struct WavesNow {
    pub waves: Vec<WaveNow>,
    /// Some branches moved to a commit the others have not.
    pub under_way: bool,
    /// Every branch at HEAD.
    pub at_head: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct WaveNow {
    pub number: usize,
    pub region: String,
    pub branch: String,
    /// None: the branch does not exist yet.
    pub commit: Option<String>,
}

impl WavesNow {
    /// The rollout branches on remote `origin` (None when the repository
    /// has none).
    pub(crate) fn read(
        root: &std::path::Path,
        plan: &Plan,
        branch_prefix: &str,
        head: Option<&str>,
    ) -> Result<Option<WavesNow>> {
        let Some(r) = &plan.rollout else {
            return Ok(None);
        };
        let Some((_, heads)) = origin_branches(root, branch_prefix)? else {
            return Ok(None);
        };
        let waves: Vec<WaveNow> = r
            .waves
            .iter()
            .enumerate()
            .flat_map(|(i, w)| w.regions.iter().map(move |x| (i, x)))
            .map(|(i, x)| WaveNow {
                number: i + 1,
                region: x.region.clone(),
                branch: x.branch.clone(),
                commit: heads.get(&x.branch).cloned(),
            })
            .collect();
        let commits: std::collections::BTreeSet<Option<&str>> =
            waves.iter().map(|w| w.commit.as_deref()).collect();
        Ok(Some(WavesNow {
            under_way: commits.len() > 1,
            at_head: head.is_some() && commits.len() == 1 && commits.contains(&head),
            waves,
        }))
    }

    /// The commit `region`'s clusters should run: its branch's.
    pub(crate) fn commit_of(&self, region: &str) -> Option<&str> {
        self.waves
            .iter()
            .find(|w| w.region == region)
            .and_then(|w| w.commit.as_deref())
    }

    /// One line: where the rollout stands against HEAD.
    pub(crate) fn summary(&self, head: Option<&str>) -> String {
        if self.at_head {
            return format!("every wave runs HEAD ({})", short(head.unwrap_or_default()));
        }
        if self.under_way {
            let at: Vec<String> = self
                .waves
                .iter()
                .map(|w| {
                    format!(
                        "wave {} ({}) at {}",
                        w.number,
                        w.region,
                        w.commit.as_deref().map_or("no branch yet", short)
                    )
                })
                .collect();
            return format!(
                "a rollout is under way (or stopped): {}; `gen rollout` resumes it",
                at.join(", ")
            );
        }
        format!(
            "HEAD ({}) is not rolled out yet: `gen rollout` takes it through the waves",
            short(head.unwrap_or_default())
        )
    }
}

/// Remote `origin` and its branches under `prefix` (branch → commit), as
/// `gen status` and `gen deploy` read the rollout; None when the repository
/// has no such remote.
fn origin_branches(
    root: &std::path::Path,
    prefix: &str,
) -> Result<Option<(Remote, BTreeMap<String, String>)>> {
    let remote = Remote::open(root, "origin")?;
    if !remote.exists() {
        return Ok(None);
    }
    let heads = remote.branches(prefix)?;
    Ok(Some((remote, heads)))
}

/// What each Region's rollout branch holds, for `gen deploy`: DNS follows
/// the clusters. A Region whose branch does not exist yet runs what it ran
/// before rollouts (its branch will start there), so it is not held back.
pub(crate) struct Served {
    remote: Option<Remote>,
    /// Region → (cluster, the branch's commit).
    at: BTreeMap<String, (String, String)>,
    /// Where the render root sits in the work tree.
    prefix: String,
}

impl Served {
    /// Read the branches from remote `origin` (and fetch, so their commits
    /// are here); with no such remote, nothing is held back, said once.
    pub(crate) fn read(
        pr: Printer,
        root: &std::path::Path,
        plan: &Plan,
        branch_prefix: &str,
    ) -> Result<Served> {
        let prefix = crate::output::git::repo_prefix(root)?;
        let Some((remote, heads)) = origin_branches(root, branch_prefix)? else {
            pr.warn("the repository has no remote `origin`: records are not checked against the rollout waves");
            return Ok(Served {
                remote: None,
                at: BTreeMap::new(),
                prefix,
            });
        };
        let mut at = BTreeMap::new();
        for w in plan.rollout.iter().flat_map(|r| &r.waves) {
            for r in &w.regions {
                if let Some(c) = heads.get(&r.branch) {
                    at.insert(r.region.clone(), (r.cluster.clone(), c.clone()));
                }
            }
        }
        if at.values().any(|(_, c)| !remote.has_commit(c)) {
            remote.fetch()?;
        }
        Ok(Served {
            remote: Some(remote),
            at,
            prefix,
        })
    }

    /// Whether `region`'s clusters have `app` (its branch holds its files).
    pub(crate) fn serves(&self, app: &str, region: &str) -> bool {
        let (Some(remote), Some((cluster, commit))) = (&self.remote, self.at.get(region)) else {
            return true;
        };
        let path = format!(
            "{}{}/{}",
            self.prefix,
            crate::layout::app_dir(cluster, app),
            crate::layout::APP_FILE
        );
        remote.holds(commit, &path).unwrap_or(false)
    }
}

/// The commit each Region's clusters run now, from gen's Kustomizations'
/// last applied revisions (`BRANCH@sha1:COMMIT`); a Region whose clusters
/// cannot be read, or disagree, is left out.
pub(crate) async fn running(
    spec: &Spec,
    plan: &Plan,
    config: &kube::config::Kubeconfig,
    regions: &[&str],
) -> BTreeMap<String, String> {
    // Per Region, what each of its clusters runs (None: unread, or its
    // objects disagree).
    let mut seen: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    for (r, c) in super::clusters(spec, plan).filter(|(r, _)| regions.contains(&r.name.as_str())) {
        let commit = async {
            let client = crate::k8s::connect(config, &c.cluster, c.kube_context.as_deref())
                .await
                .ok()?;
            let (engine, namespace) = super::gitops(spec, c);
            let found = crate::k8s::sync_objects(client, engine, namespace)
                .await
                .ok()?;
            let commits: std::collections::BTreeSet<&str> = found
                .iter()
                .filter(|k| c.kustomizations.iter().any(|x| x.name == k.name))
                .filter_map(|k| k.applied.as_deref())
                .filter_map(|a| a.rsplit(':').next())
                .collect();
            (commits.len() == 1).then(|| commits.first().map(|c| c.to_string()))?
        };
        seen.entry(r.name.clone()).or_default().push(commit.await);
    }
    seen.into_iter()
        .filter_map(|(region, commits)| {
            let first = commits.first()?.clone()?;
            commits
                .iter()
                .all(|c| c.as_deref() == Some(first.as_str()))
                .then_some((region, first))
        })
        .collect()
}
