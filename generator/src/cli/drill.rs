//! `gen drill`: the seeds' failover test, made safe. Suspend the app's Flux
//! Kustomization (or Flux would undo the drill), take the app down in one
//! Region (scale to 0, or turn its routing control Off), time how long
//! Route 53 takes to see it, then restore and time the way back. The
//! restore runs whatever happens: success, failure, timeout, Ctrl-C, SIGTERM
//! or SIGHUP. What cannot be caught (SIGKILL, a lost machine) is covered by
//! a record on the suspended Kustomization, written before anything is taken
//! down: `gen status` reports it and `gen drill --restore` finishes the job.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::{Deserialize, Serialize};

use super::{Printer, Session};
use crate::aws::arc::{self as arc_adapter, ClusterRef};
use crate::aws::{cfn::Cfn, route53::Route53};
use crate::diag::Hinted;
use crate::k8s;
use crate::layout;
use crate::model::{Entry, Plan};
use crate::output::{self};
use crate::spec::checked::{ArcCluster, Spec};

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// The app to fail.
    #[arg(long, required_unless_present = "switch_to")]
    app: Option<String>,
    /// The Region to fail it in.
    #[arg(long, required_unless_present = "switch_to")]
    region: Option<String>,
    /// Drill the Region switch instead: run the plans to this Region
    /// (graceful, as `gen switch practice`), time them against their
    /// objective, then run them back.
    #[arg(long, value_name = "REGION", conflicts_with_all = ["app", "region", "arc", "restore", "json"])]
    switch_to: Option<String>,
    /// With --switch-to: approve every approval step without asking.
    #[arg(long, requires = "switch_to")]
    approve: bool,
    /// With --switch-to: stay in the Region (do not run the plans back).
    #[arg(long, requires = "switch_to")]
    no_switch_back: bool,
    /// Turn the app's routing control Off instead of scaling it to 0.
    #[arg(long)]
    arc: bool,
    /// Print the steps and touch nothing.
    #[arg(long)]
    dry_run: bool,
    /// Drill even when the app is not healthy in every other Region.
    #[arg(long)]
    force: bool,
    /// Also write the result as JSON to this file (a drill log).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Give up waiting for Route 53 after this many seconds, then restore
    /// [default: 900; with --switch-to, each way's wait: 14400].
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Seconds between two reads of the health check's status.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    poll: u64,
    /// Finish an interrupted drill from the record it left on the app's
    /// Kustomization: restore the app and resume Flux.
    #[arg(long, conflicts_with_all = ["arc", "dry_run", "force", "json"])]
    restore: bool,
}

/// How long an app drill waits for Route 53 by default.
const TIMEOUT_S: u64 = 900;
/// How long a switch drill follows each way by default: as long as
/// `gen switch` does (240 minutes), a plan's blocks each allowing 60.
const SWITCH_TIMEOUT_S: u64 = 240 * 60;

impl DrillArgs {
    fn timeout(&self) -> u64 {
        self.timeout.unwrap_or(TIMEOUT_S)
    }

    /// The app drilled (clap requires it unless `--switch-to`).
    fn app(&self) -> &str {
        self.app.as_deref().unwrap_or_default()
    }

    fn region(&self) -> &str {
        self.region.as_deref().unwrap_or_default()
    }
}

/// The annotation on the suspended Kustomization that records a drill in
/// progress: what to restore if `gen drill` cannot.
pub(super) const RECORD_ANNOTATION: &str = "gen/drill";

/// What a drill took down, written to the cluster before it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DrillRecord {
    pub app: String,
    pub region: String,
    /// Replicas to scale back to (scale drills).
    pub replicas: Option<i32>,
    /// The routing control to turn On again (ARC drills), and the ARC
    /// cluster it is on (so a restore needs nothing from today's spec).
    pub routing_control: Option<String>,
    pub arc_cluster: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
}

impl DrillRecord {
    pub(super) fn parse(text: &str) -> Option<DrillRecord> {
        serde_json::from_str(text).ok()
    }

    /// The command that finishes this drill.
    pub(super) fn restore_command(&self) -> String {
        format!(
            "gen drill --app {} --region {} --restore",
            self.app, self.region
        )
    }
}

/// The drill recorded on a Kustomization, for a person: which, since when,
/// and the command that finishes it. None when no drill is recorded.
pub(super) fn recorded(k: &k8s::Kustomization) -> Option<String> {
    let text = k.annotations.get(RECORD_ANNOTATION)?;
    Some(match DrillRecord::parse(text) {
        Some(r) => format!(
            "{} in {} since {}: run `{}`",
            r.app,
            r.region,
            r.started_at,
            r.restore_command()
        ),
        None => format!("an unreadable drill record: {text}"),
    })
}

/// How a drill takes the app down in its Region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Method {
    /// Scale its Deployment to 0 (its check fails, the records follow).
    ScaleToZero,
    /// Turn its routing control Off (ARC).
    RoutingControlOff,
}

impl Method {
    fn words(self) -> &'static str {
        match self {
            Method::ScaleToZero => "scale to 0",
            Method::RoutingControlOff => "routing control Off",
        }
    }
}

/// How a drill ended, decided once; `outcome` says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Ending {
    /// Route 53 saw the failure and the recovery.
    Done,
    /// Route 53 saw the failure; the failback was not seen in time.
    FailbackNotSeen,
    /// Stopped before Route 53 saw the failure (timeout, signal, error).
    Stopped,
}

#[derive(Debug, Serialize)]
struct DrillLog {
    app: String,
    region: String,
    method: Method,
    result: Ending,
    health_check: String,
    predicted_detection_s: u32,
    predicted_failover_s: u32,
    detection_s: Option<u64>,
    failback_s: Option<u64>,
    restored: bool,
    outcome: String,
}

pub(super) fn run(s: &Session, args: &DrillArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    if let Some(to) = &args.switch_to {
        return super::switch::drill(
            s,
            to,
            &super::switch::Follow {
                approve: args.approve,
                comment: format!("gen drill --switch-to {to}"),
                timeout: Duration::from_secs(args.timeout.unwrap_or(SWITCH_TIMEOUT_S)),
                poll: Duration::from_secs(args.poll),
            },
            args.dry_run,
            !args.no_switch_back,
        );
    }
    let spec = &s.spec;
    let plan = &s.plan;
    let region = spec
        .regions
        .iter()
        .find(|r| r.name == args.region())
        .with_context(|| format!("`{}` is not a Region of this spec", args.region()))?;
    let entry = entry(plan, args.app(), args.region())?;
    if args.restore {
        let kustomization = layout::flux_name(&spec.name, &format!("app-{}", args.app()));
        let runtime = super::runtime()?;
        return runtime.block_on(finish(pr, spec, plan, region, &kustomization, args));
    }
    if args.arc && entry.combined.as_ref().is_none_or(|c| c.control.is_none()) {
        bail!(Hinted::new(
            format!(
                "app `{}` has no routing control in {}",
                args.app(),
                args.region()
            ),
            "enable arc for it, or drill without --arc"
        ));
    }
    let kustomization = layout::flux_name(&spec.name, &format!("app-{}", args.app()));
    let hc = &entry.health_check;
    let predicted_detection =
        crate::facts::route53::detection_seconds(hc.interval, hc.failure_threshold);
    let predicted = crate::facts::route53::failover_seconds(hc.interval, hc.failure_threshold);
    let steps = [
        format!("check that {} is healthy in every other Region (Route 53)", args.app()),
        format!("suspend Flux Kustomization {}/{kustomization} on {}", spec.flux.namespace, region.cluster),
        if args.arc {
            format!("turn the routing control of {} in {} Off", args.app(), args.region())
        } else {
            format!("scale Deployment {}/{} on {} to 0", spec.namespace, args.app(), region.cluster)
        },
        format!("poll health check {} every {} s until Route 53 sees it unhealthy (predicted within {predicted_detection} s; clients follow within {predicted} s)", entry.record.health_check, args.poll),
        "restore the app (replicas or routing control) and resume the Kustomization, whatever happened".to_string(),
        "poll until Route 53 sees it healthy again (failback)".to_string(),
    ];
    for (i, s) in steps.iter().enumerate() {
        pr.data(format_args!("{}. {s}", i + 1));
    }
    if args.dry_run {
        pr.data("dry run: nothing touched");
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = super::runtime()?;
    let log = runtime.block_on(drill(
        pr,
        spec,
        plan,
        entry,
        region,
        &kustomization,
        args,
        predicted_detection,
        predicted,
    ))?;
    if let Some(path) = &args.json {
        output::write_atomic(path, serde_json::to_string_pretty(&log)?.as_bytes())?;
    }
    pr.data(format_args!("{}: detection {} (predicted worst case {predicted_detection} s, {predicted} s with the 60 s TTL); failback {}", log.outcome, log.detection_s
            .map(|s| format!("{s} s"))
            .unwrap_or_else(|| "not seen".into()), log.failback_s
            .map(|s| format!("{s} s"))
            .unwrap_or_else(|| "not seen".into())));
    Ok(if log.detection_s.is_some() && log.restored {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn entry<'a>(plan: &'a Plan, app: &str, region: &str) -> Result<&'a Entry> {
    if !plan.stacks.iter().any(|s| s.apps.iter().any(|a| a == app)) {
        bail!("`{app}` is not an app of this spec");
    }
    plan.entry(app, region)
        .map(|(_, e)| e)
        .with_context(|| format!("`{app}` has no record in {region} (a failover app answers only from its primary and secondary)"))
}

fn stack_of<'a>(plan: &'a Plan, entry: &Entry) -> &'a str {
    plan.entry(&entry.record.app, &entry.record.region)
        .map(|(s, _)| s.name.as_str())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn drill(
    pr: Printer,
    spec: &Spec,
    plan: &Plan,
    entry: &Entry,
    region: &crate::spec::checked::Region,
    kustomization: &str,
    args: &DrillArgs,
    predicted_detection: u32,
    predicted: u32,
) -> Result<DrillLog> {
    let cfn = Cfn::new(&spec.stack_region).await;
    let r53 = Route53::new().await;
    let check_id = |e: &Entry| {
        let (stack, logical) = (stack_of(plan, e).to_string(), e.record.health_check.clone());
        let cfn = &cfn;
        async move {
            cfn.physical_id(&stack, &logical)
                .await?
                .with_context(|| format!("health check {logical} of stack {stack} is not deployed"))
        }
    };
    // Refuse when a peer is not healthy: that would be an outage, not a drill.
    let peers: Vec<&Entry> = plan
        .stacks
        .iter()
        .flat_map(|s| &s.entries)
        .filter(|e| e.record.app == args.app() && e.record.region != args.region())
        .collect();
    for p in &peers {
        let st = r53.status(&check_id(p).await?).await?;
        if !st.is_healthy() && !args.force {
            bail!(Hinted::new(
                format!(
                    "{} is not healthy in {} ({}/{} checkers): failing {} would be an outage, not a drill",
                    args.app(),
                    p.record.region,
                    st.healthy,
                    st.reporting,
                    args.region()
                ),
                format!("fix {} first, or pass --force", p.record.region)
            ));
        }
    }
    if peers.is_empty() && !args.force {
        bail!(Hinted::new(
            format!(
                "{} answers only from {}: failing it there is an outage",
                args.app(),
                args.region()
            ),
            "pass --force to drill anyway"
        ));
    }
    let id = check_id(entry).await?;
    let config = k8s::kubeconfig()?;
    let client = k8s::connect(&config, &region.cluster, region.kube_context.as_deref()).await?;
    let (replicas, _) = k8s::deployment(client.clone(), &spec.namespace, args.app())
        .await?
        .with_context(|| {
            format!(
                "there is no Deployment {}/{} on {}",
                spec.namespace,
                args.app(),
                region.cluster
            )
        })?;
    let arc = if args.arc {
        Some(arc_switch(spec, plan, args.app(), args.region()).await?)
    } else {
        None
    };

    let mut log = DrillLog {
        app: args.app().to_string(),
        region: args.region().to_string(),
        method: if args.arc {
            Method::RoutingControlOff
        } else {
            Method::ScaleToZero
        },
        result: Ending::Stopped,
        health_check: id.clone(),
        predicted_detection_s: predicted_detection,
        predicted_failover_s: predicted,
        detection_s: None,
        failback_s: None,
        restored: false,
        outcome: String::new(),
    };
    // A drill that did not finish is recorded here: finish that one first,
    // or its replicas (0 now) would be taken for the app's.
    let found = k8s::kustomizations(client.clone(), &spec.flux.namespace).await?;
    if let Some(note) = found
        .iter()
        .find(|k| k.name == kustomization)
        .and_then(recorded)
    {
        bail!(Hinted::new(
            format!(
                "{kustomization} on {} holds an unfinished drill ({note})",
                region.cluster
            ),
            "finish it first"
        ));
    }
    // Catch what a CI runner, `timeout` or systemd sends, as well as Ctrl-C,
    // before anything is taken down.
    let mut signals = Signals::new()?;
    let record = DrillRecord {
        app: args.app().to_string(),
        region: args.region().to_string(),
        replicas: arc.is_none().then_some(replicas),
        routing_control: arc.as_ref().map(|(_, arn)| arn.clone()),
        arc_cluster: arc.as_ref().map(|(cluster, _)| cluster.arn.clone()),
        started_at: super::discover::now_rfc3339(),
    };
    let text = serde_json::to_string(&record)?;
    k8s::set_suspended(
        client.clone(),
        &spec.flux.namespace,
        kustomization,
        true,
        Some((RECORD_ANNOTATION, Some(&text))),
    )
    .await?;
    pr.data(format_args!(
        "suspended {kustomization} (drill recorded on it: `{}` restores it if this run cannot)",
        record.restore_command()
    ));
    // From here on, every path restores.
    let down = async {
        match &arc {
            Some((cluster, arn)) => cluster
                .set(std::slice::from_ref(arn), false, &mut Vec::new())
                .await
                .map(|_| ())
                .map_err(arc_error)?,
            None => k8s::scale(client.clone(), &spec.namespace, args.app(), 0).await?,
        }
        pr.data(format_args!(
            "{} down in {} ({}); waiting for Route 53",
            args.app(),
            args.region(),
            log.method.words()
        ));
        wait_for(pr, &r53, &id, false, args).await
    };
    let result = tokio::select! {
        r = down => r,
        name = signals.next() => Err(anyhow::anyhow!("interrupted ({name})")),
    };
    match &result {
        Ok(secs) => {
            log.detection_s = Some(*secs);
            log.outcome = "drill done".into();
            log.result = Ending::Done;
        }
        Err(e) => log.outcome = format!("drill stopped: {e:#}"),
    }
    // Restore, even after an error or Ctrl-C.
    let restore = async {
        match &arc {
            Some((cluster, arn)) => cluster
                .set(std::slice::from_ref(arn), true, &mut Vec::new())
                .await
                .map(|_| ())
                .map_err(arc_error)?,
            None => k8s::scale(client.clone(), &spec.namespace, args.app(), replicas).await?,
        }
        k8s::set_suspended(
            client.clone(),
            &spec.flux.namespace,
            kustomization,
            false,
            Some((RECORD_ANNOTATION, None)),
        )
        .await?;
        anyhow::Ok(())
    };
    // A second signal during the restore is caught (and ignored) by `signals`.
    match restore.await {
        Ok(()) => {
            log.restored = true;
            pr.data(format_args!(
                "restored {} in {} and resumed {kustomization}",
                args.app(),
                args.region()
            ));
        }
        Err(e) => {
            pr.error_hint(format_args!("restoring failed: {e:#}"), format_args!("run `{}` (the drill is recorded on the Kustomization), or by hand: scale {}/{} to {replicas}, `flux resume kustomization {kustomization}`", record.restore_command(), spec.namespace, args.app()));
            return Ok(log);
        }
    }
    if result.is_ok() {
        // Restored already: a signal now only stops the wait.
        let back = tokio::select! {
            r = wait_for(pr, &r53, &id, true, args) => r,
            name = signals.next() => Err(anyhow::anyhow!("interrupted ({name})")),
        };
        match back {
            Ok(secs) => log.failback_s = Some(secs),
            Err(e) => {
                log.outcome = format!("drill done, failback not seen: {e:#}");
                log.result = Ending::FailbackNotSeen;
            }
        }
    }
    Ok(log)
}

/// SIGINT, SIGTERM and SIGHUP, each ending a drill the same way: restored.
/// Each is caught from the moment this exists (not from the first wait), and
/// stays caught for the rest of the run, so a second one cannot cut a restore.
pub(super) struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    pub(super) fn new() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt()).context("catching SIGINT")?,
            term: signal(SignalKind::terminate()).context("catching SIGTERM")?,
            hup: signal(SignalKind::hangup()).context("catching SIGHUP")?,
        })
    }

    /// The name of the next signal.
    pub(super) async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
        }
    }
}

/// `gen drill --restore`: finish a drill that could not restore (killed,
/// machine lost) from the record on the app's Kustomization.
async fn finish(
    pr: Printer,
    spec: &Spec,
    plan: &Plan,
    region: &crate::spec::checked::Region,
    kustomization: &str,
    args: &DrillArgs,
) -> Result<ExitCode> {
    let config = k8s::kubeconfig()?;
    let client = k8s::connect(&config, &region.cluster, region.kube_context.as_deref()).await?;
    let found = k8s::kustomizations(client.clone(), &spec.flux.namespace).await?;
    let k = found
        .iter()
        .find(|k| k.name == kustomization)
        .with_context(|| {
            format!(
                "there is no Kustomization {}/{kustomization} on {}",
                spec.flux.namespace, region.cluster
            )
        })?;
    let Some(text) = k.annotations.get(RECORD_ANNOTATION) else {
        pr.data(format_args!(
            "no drill is recorded on {kustomization} in {}: nothing to restore{}",
            region.cluster,
            if k.suspended {
                " (it is suspended, but not by gen drill: `flux resume kustomization` resumes it)"
            } else {
                ""
            }
        ));
        return Ok(ExitCode::SUCCESS);
    };
    let record = DrillRecord::parse(text).with_context(|| {
        format!("the drill record on {kustomization} (annotation {RECORD_ANNOTATION}) is not gen's: {text}")
    })?;
    pr.data(format_args!(
        "drill of {} in {} started {}: restoring",
        record.app, record.region, record.started_at
    ));
    match (&record.routing_control, record.replicas) {
        (Some(arn), _) => {
            let cluster = match &record.arc_cluster {
                Some(c) => arc_adapter::cluster(ClusterRef::Arn(c)).await?,
                None => arc_switch(spec, plan, args.app(), args.region()).await?.0,
            };
            cluster
                .set(std::slice::from_ref(arn), true, &mut Vec::new())
                .await
                .map_err(arc_error)?;
            pr.data(format_args!("turned routing control {arn} On"));
        }
        (None, Some(n)) => {
            k8s::scale(client.clone(), &spec.namespace, args.app(), n).await?;
            pr.data(format_args!(
                "scaled {}/{} to {n}",
                spec.namespace,
                args.app()
            ));
        }
        (None, None) => bail!(
            "the drill record on {kustomization} says neither replicas nor a routing control: {text}"
        ),
    }
    k8s::set_suspended(
        client,
        &spec.flux.namespace,
        kustomization,
        false,
        Some((RECORD_ANNOTATION, None)),
    )
    .await?;
    pr.data(format_args!(
        "resumed {kustomization}; the drill is finished"
    ));
    Ok(ExitCode::SUCCESS)
}

/// The ARC cluster and the ARN of the routing control gating `app` in `region`.
async fn arc_switch(
    spec: &Spec,
    plan: &Plan,
    app: &str,
    region: &str,
) -> Result<(arc_adapter::Cluster, String)> {
    let (Some(p), Some(a)) = (&plan.arc, &spec.arc) else {
        bail!("ARC is not enabled in this spec")
    };
    let control = crate::model::arc::control_for(p, app, region)
        .context("no routing control gates this app there")?;
    let which = match &a.cluster {
        ArcCluster::Existing(arn) => ClusterRef::Arn(arn),
        ArcCluster::Create(n) => ClusterRef::Name(n),
    };
    let cluster = arc_adapter::cluster(which).await?;
    let states = cluster.controls(&p.panel_name, &mut Vec::new()).await?;
    let arn = states
        .iter()
        .find(|s| s.name == control.name)
        .map(|s| s.arn.clone())
        .with_context(|| format!("routing control {} is not deployed", control.name))?;
    Ok((cluster, arn))
}

fn arc_error(e: arc_adapter::UpdateError) -> anyhow::Error {
    match e {
        arc_adapter::UpdateError::Rejected(m) => anyhow::anyhow!("ARC rejected the change: {m}"),
        arc_adapter::UpdateError::Other(e) => e,
    }
}

/// Poll until the check is `healthy` (or not); seconds it took.
async fn wait_for(
    pr: Printer,
    r53: &Route53,
    id: &str,
    healthy: bool,
    args: &DrillArgs,
) -> Result<u64> {
    let start = Instant::now();
    loop {
        let st = r53.status(id).await?;
        if st.is_healthy() == healthy {
            return Ok(start.elapsed().as_secs());
        }
        if start.elapsed() > Duration::from_secs(args.timeout()) {
            bail!(
                "Route 53 did not see the check {} within {} s",
                if healthy { "healthy" } else { "unhealthy" },
                args.timeout()
            );
        }
        pr.line(format_args!(
            "  {} s: {}/{} checkers healthy",
            start.elapsed().as_secs(),
            st.healthy,
            st.reporting
        ));
        tokio::time::sleep(Duration::from_secs(args.poll)).await;
    }
}
