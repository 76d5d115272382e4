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
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::session::{Session, runtime};
use crate::diag::Hinted;
use crate::k8s;
use crate::layout;
use crate::live;
use crate::live::drill::{Drill, Method, Place};
use crate::live::switch::{Follow, select, view_report};
use crate::model::{Entry, Plan};
use crate::output;
use crate::printer::Output;

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
    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout.unwrap_or(TIMEOUT_S))
    }

    fn poll(&self) -> Duration {
        Duration::from_secs(self.poll)
    }

    /// The app drilled (clap requires it unless `--switch-to`).
    fn app(&self) -> &str {
        self.app.as_deref().unwrap_or_default()
    }

    fn region(&self) -> &str {
        self.region.as_deref().unwrap_or_default()
    }
}

pub(super) fn run(s: &Session, args: &DrillArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    if let Some(to) = &args.switch_to {
        return switch_drill(
            s,
            to,
            &Follow {
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
    // With several clusters the Region's check stays healthy while one is:
    // taking one down shows the weighted records, not the Region's failover.
    if region.clusters.len() > 1 && !args.restore {
        bail!(Hinted::new(
            format!(
                "{} has {} clusters: a drill takes an app down in a Region's one cluster",
                region.name,
                region.clusters.len()
            ),
            "drill another Region, or `gen simulate --down cluster:NAME` shows what one cluster failing does"
        ));
    }
    if args.restore {
        let kustomization = layout::app_kustomization(&spec.name, args.app());
        return runtime()?.block_on(async {
            live::assume(plan, &spec.stack_region, live::Reach::Dns).await?;
            let config = k8s::kubeconfig()?;
            let client = k8s::connect(
                &config,
                &region.single().name,
                region.single().kube_context.as_deref(),
            )
            .await?;
            Place::of(spec, plan, region, client, &kustomization)
                .finish(pr, spec.arc.as_ref().map(|a| &a.cluster))
                .await?;
            Ok(ExitCode::SUCCESS)
        });
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
    let kustomization = layout::app_kustomization(&spec.name, args.app());
    let hc = &entry.health_check;
    let predicted_detection =
        crate::facts::route53::detection_seconds(hc.interval, hc.failure_threshold);
    let predicted = crate::facts::route53::failover_seconds(hc.interval, hc.failure_threshold);
    let steps = [
        format!(
            "check that {} is healthy in every other Region (Route 53)",
            args.app()
        ),
        match plan
            .clusters
            .iter()
            .find(|c| c.region == region.name)
            .map(|c| live::gitops(spec, c))
        {
            Some((k8s::Engine::ArgoCd, ns)) => format!(
                "turn off automated sync of Argo CD Application {ns}/{kustomization} on {}",
                region.single().name
            ),
            _ => format!(
                "suspend Flux Kustomization {}/{kustomization} on {}",
                spec.flux.namespace,
                region.single().name
            ),
        },
        if args.arc {
            format!(
                "turn the routing control of {} in {} Off",
                args.app(),
                args.region()
            )
        } else {
            format!(
                "scale Deployment {}/{} on {} to 0",
                spec.namespace,
                args.app(),
                region.single().name
            )
        },
        format!(
            "poll health check {} every {} s until Route 53 sees it unhealthy (predicted within {predicted_detection} s; clients follow within {predicted} s)",
            entry.record.health_check, args.poll
        ),
        "restore the app (replicas or routing control) and resume its sync, whatever happened"
            .to_string(),
        "poll until Route 53 sees it healthy again (failback)".to_string(),
    ];
    for (i, s) in steps.iter().enumerate() {
        pr.data(format_args!("{}. {s}", i + 1));
    }
    if args.dry_run {
        pr.data("dry run: nothing touched");
        return Ok(ExitCode::SUCCESS);
    }
    let log = runtime()?.block_on(live::drill::run(
        pr,
        &Drill {
            spec,
            plan,
            entry,
            region,
            kustomization: &kustomization,
            method: if args.arc {
                Method::RoutingControlOff
            } else {
                Method::ScaleToZero
            },
            force: args.force,
            timeout: args.timeout(),
            poll: args.poll(),
            predicted_detection_s: predicted_detection,
            predicted_failover_s: predicted,
        },
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

/// `gen drill --switch-to REGION`: the switch as a drill. Run the plans to
/// the Region (graceful), time each against its objective, then run them
/// back, unless told to stay or the way there did not succeed.
fn switch_drill(
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
    let there = select(&s.spec, sw, to, &[])?;
    let back = crate::model::switch::runs_back(sw, to);
    let mut steps: Vec<String> = there
        .iter()
        .map(|r| {
            format!(
                "run {}: {} (graceful), from {}",
                r.plan.name,
                live::switch::action_words(r),
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
                live::switch::action_words(r),
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
    let report = runtime()?.block_on(async {
        live::assume(&s.plan, &s.spec.stack_region, live::Reach::Dns).await?;
        live::switch::there_and_back(
            pr,
            &there,
            switch_back.then_some(back.as_slice()),
            follow,
            to,
            live::dns_role(&s.plan).as_ref(),
        )
        .await
    })?;
    view_report(pr, &report, Output::Table);
    Ok(report.exit_code())
}
