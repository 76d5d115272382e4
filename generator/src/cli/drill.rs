//! `gen drill`: the seeds' failover test, made safe. Suspend the app's Flux
//! Kustomization (or Flux would undo the drill), take the app down in one
//! Region (scale to 0, or turn its routing control Off), time how long
//! Route 53 takes to see it, then restore and time the way back. The
//! restore runs whatever happens: success, failure, timeout or Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;

use super::Settings;
use crate::aws::arc::{self as arc_adapter, ClusterRef};
use crate::aws::{cfn::Cfn, route53::Route53};
use crate::explain;
use crate::k8s;
use crate::model::{self, Entry, Plan, layout};
use crate::output::{self, git};
use crate::validate::{ArcCluster, Spec};

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// The app to fail.
    #[arg(long)]
    app: String,
    /// The Region to fail it in.
    #[arg(long)]
    region: String,
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
    /// Give up waiting for Route 53 after this many seconds (then restore).
    #[arg(long, default_value_t = 900, value_name = "SECONDS")]
    timeout: u64,
    /// Seconds between two reads of the health check's status.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    poll: u64,
}

#[derive(Debug, Serialize)]
struct DrillLog {
    app: String,
    region: String,
    method: &'static str,
    health_check: String,
    predicted_detection_s: u32,
    predicted_failover_s: u32,
    detection_s: Option<u64>,
    failback_s: Option<u64>,
    restored: bool,
    outcome: String,
}

pub fn run(settings: &Settings, spec: &Spec, args: &DrillArgs) -> Result<ExitCode> {
    let plan = model::plan(spec, &git::repo_prefix(&settings.root)?);
    let region = spec
        .regions
        .iter()
        .find(|r| r.name == args.region)
        .with_context(|| format!("`{}` is not a Region of this spec", args.region))?;
    let entry = entry(&plan, &args.app, &args.region)?;
    if args.arc && entry.combined.is_none() {
        bail!(
            "app `{}` has no routing control in {}\n  hint: enable arc for it, or drill without --arc",
            args.app,
            args.region
        );
    }
    let kustomization = layout::flux_name(&spec.name, &format!("app-{}", args.app));
    let hc = &entry.health_check;
    let predicted_detection = hc.failure_threshold * (hc.interval + explain::CHECK_TIMEOUT_S);
    let predicted = explain::failover_seconds(hc.interval, hc.failure_threshold);
    let steps = [
        format!("check that {} is healthy in every other Region (Route 53)", args.app),
        format!("suspend Flux Kustomization {}/{kustomization} on {}", spec.flux.namespace, region.cluster),
        if args.arc {
            format!("turn the routing control of {} in {} Off", args.app, args.region)
        } else {
            format!("scale Deployment {}/{} on {} to 0", spec.namespace, args.app, region.cluster)
        },
        format!("poll health check {} every {} s until Route 53 sees it unhealthy (predicted within {predicted_detection} s; clients follow within {predicted} s)", entry.record.health_check, args.poll),
        "restore the app (replicas or routing control) and resume the Kustomization, whatever happened".to_string(),
        "poll until Route 53 sees it healthy again (failback)".to_string(),
    ];
    for (i, s) in steps.iter().enumerate() {
        say!("{}. {s}", i + 1);
    }
    if args.dry_run {
        say!("dry run: nothing touched");
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let log = runtime.block_on(drill(
        spec,
        &plan,
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
    say!(
        "{}: detection {} (predicted worst case {predicted_detection} s, {predicted} s with the 60 s TTL); failback {}",
        log.outcome,
        log.detection_s
            .map(|s| format!("{s} s"))
            .unwrap_or_else(|| "not seen".into()),
        log.failback_s
            .map(|s| format!("{s} s"))
            .unwrap_or_else(|| "not seen".into())
    );
    Ok(if log.detection_s.is_some() && log.restored {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn entry<'a>(plan: &'a Plan, app: &str, region: &str) -> Result<&'a Entry> {
    let entries: Vec<&Entry> = plan
        .stacks
        .iter()
        .flat_map(|s| &s.entries)
        .filter(|e| e.record.app == app)
        .collect();
    if entries.is_empty() {
        bail!("`{app}` is not an app of this spec");
    }
    entries
        .into_iter()
        .find(|e| e.record.region == region)
        .with_context(|| format!("`{app}` has no record in {region} (a failover app answers only from its primary and secondary)"))
}

fn stack_of<'a>(plan: &'a Plan, entry: &Entry) -> &'a str {
    plan.stacks
        .iter()
        .find(|s| {
            s.entries
                .iter()
                .any(|e| e.health_check.logical_id == entry.health_check.logical_id)
        })
        .map(|s| s.name.as_str())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn drill(
    spec: &Spec,
    plan: &Plan,
    entry: &Entry,
    region: &crate::validate::Region,
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
        .filter(|e| e.record.app == args.app && e.record.region != args.region)
        .collect();
    for p in &peers {
        let st = r53.status(&check_id(p).await?).await?;
        if !st.is_healthy() && !args.force {
            bail!(
                "{} is not healthy in {} ({}/{} checkers): failing {} would be an outage, not a drill\n  hint: fix {} first, or pass --force",
                args.app,
                p.record.region,
                st.healthy,
                st.reporting,
                args.region,
                p.record.region
            );
        }
    }
    if peers.is_empty() && !args.force {
        bail!(
            "{} answers only from {}: failing it there is an outage\n  hint: pass --force to drill anyway",
            args.app,
            args.region
        );
    }
    let id = check_id(entry).await?;
    let config = k8s::kubeconfig()?;
    let context = k8s::context_for(&config, &region.cluster, region.kube_context.as_deref())?;
    let client = k8s::client(&config, &context).await?;
    let (replicas, _) = k8s::deployment(client.clone(), &spec.namespace, &args.app)
        .await?
        .with_context(|| {
            format!(
                "there is no Deployment {}/{} on {}",
                spec.namespace, args.app, region.cluster
            )
        })?;
    let arc = if args.arc {
        Some(arc_switch(spec, plan, &args.app, &args.region).await?)
    } else {
        None
    };

    let mut log = DrillLog {
        app: args.app.clone(),
        region: args.region.clone(),
        method: if args.arc {
            "routing control Off"
        } else {
            "scale to 0"
        },
        health_check: id.clone(),
        predicted_detection_s: predicted_detection,
        predicted_failover_s: predicted,
        detection_s: None,
        failback_s: None,
        restored: false,
        outcome: String::new(),
    };
    k8s::set_suspended(client.clone(), &spec.flux.namespace, kustomization, true).await?;
    say!("suspended {kustomization}");
    // From here on, every path restores.
    let down = async {
        match &arc {
            Some((cluster, arn)) => cluster
                .set(std::slice::from_ref(arn), false, &mut Vec::new())
                .await
                .map(|_| ())
                .map_err(arc_error)?,
            None => k8s::scale(client.clone(), &spec.namespace, &args.app, 0).await?,
        }
        say!(
            "{} down in {} ({}); waiting for Route 53",
            args.app,
            args.region,
            log.method
        );
        wait_for(&r53, &id, false, args).await
    };
    let result = tokio::select! {
        r = down => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    match &result {
        Ok(secs) => {
            log.detection_s = Some(*secs);
            log.outcome = "drill done".into();
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
            None => k8s::scale(client.clone(), &spec.namespace, &args.app, replicas).await?,
        }
        k8s::set_suspended(client.clone(), &spec.flux.namespace, kustomization, false).await?;
        anyhow::Ok(())
    };
    match restore.await {
        Ok(()) => {
            log.restored = true;
            say!(
                "restored {} in {} and resumed {kustomization}",
                args.app,
                args.region
            );
        }
        Err(e) => {
            tell!(
                "error: restoring failed: {e:#}\n  hint: restore by hand: scale {}/{} to {replicas}, `flux resume kustomization {kustomization}`",
                spec.namespace,
                args.app
            );
            return Ok(log);
        }
    }
    if result.is_ok() {
        match wait_for(&r53, &id, true, args).await {
            Ok(secs) => log.failback_s = Some(secs),
            Err(e) => log.outcome = format!("drill done, failback not seen: {e:#}"),
        }
    }
    Ok(log)
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
async fn wait_for(r53: &Route53, id: &str, healthy: bool, args: &DrillArgs) -> Result<u64> {
    let start = Instant::now();
    loop {
        let st = r53.status(id).await?;
        if st.is_healthy() == healthy {
            return Ok(start.elapsed().as_secs());
        }
        if start.elapsed() > Duration::from_secs(args.timeout) {
            bail!(
                "Route 53 did not see the check {} within {} s",
                if healthy { "healthy" } else { "unhealthy" },
                args.timeout
            );
        }
        tell!(
            "  {} s: {}/{} checkers healthy",
            start.elapsed().as_secs(),
            st.healthy,
            st.reporting
        );
        tokio::time::sleep(Duration::from_secs(args.poll)).await;
    }
}
