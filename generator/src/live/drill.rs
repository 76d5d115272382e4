//! An app's drill: take it down in one Region (scale to 0, or its routing
//! control Off), time Route 53's reaction, restore whatever happens, time
//! the way back. Before anything is taken down, a record goes on the app's
//! suspended Flux Kustomization: what to restore if the drill cannot
//! (killed, machine lost). `gen drill` writes and clears it, `gen status`
//! reports it, `gen drill --restore` finishes from it.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::signals::Signals;
use crate::aws::arc::ClusterRef;
use crate::aws::{cfn::Cfn, route53::Route53};
use crate::diag::Hinted;
use crate::k8s;
use crate::model::{Entry, Plan};
use crate::printer::Printer;
use crate::spec::checked::{ArcCluster, Region, Spec};

/// The annotation on the suspended Kustomization that records a drill in
/// progress.
pub(crate) const RECORD_ANNOTATION: &str = "gen/drill";

/// What a drill took down, written to the cluster before it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DrillRecord {
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
    pub(crate) fn parse(text: &str) -> Option<DrillRecord> {
        serde_json::from_str(text).ok()
    }

    /// The command that finishes this drill.
    pub(crate) fn restore_command(&self) -> String {
        format!(
            "gen drill --app {} --region {} --restore",
            self.app, self.region
        )
    }
}

/// The drill recorded on a Kustomization, for a person: which, since when,
/// and the command that finishes it. None when no drill is recorded.
pub(crate) fn recorded(k: &k8s::SyncObject) -> Option<String> {
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

/// Where a drill's record lives: the app's Flux Kustomization (or Argo CD
/// Application) on one cluster, and the namespaces of it and of the app.
pub(crate) struct Place<'a> {
    pub client: kube::Client,
    /// The cluster's name, for messages.
    pub cluster: &'a str,
    pub engine: k8s::Engine,
    /// The DNS account's role (ARC lives there).
    pub role: Option<crate::aws::Role>,
    pub flux_namespace: &'a str,
    pub kustomization: &'a str,
    pub app_namespace: &'a str,
}

impl<'a> Place<'a> {
    /// Where the drill of an app (its Kustomization or Application
    /// `kustomization`) in `region` is recorded.
    pub(crate) fn of(
        spec: &'a Spec,
        plan: &'a Plan,
        region: &'a Region,
        client: kube::Client,
        kustomization: &'a str,
    ) -> Place<'a> {
        let (engine, namespace) = plan
            .clusters
            .iter()
            .find(|c| c.region == region.name)
            .map_or((k8s::Engine::Flux, spec.flux.namespace.as_str()), |c| {
                super::gitops(spec, c)
            });
        Place {
            client,
            cluster: &region.single().name,
            engine,
            role: super::dns_role(plan),
            flux_namespace: namespace,
            kustomization,
            app_namespace: &spec.namespace,
        }
    }

    /// The drill recorded here and not finished, for a person; none when
    /// there is none.
    pub(crate) async fn unfinished(&self) -> Result<Option<String>> {
        let found =
            k8s::sync_objects(self.client.clone(), self.engine, self.flux_namespace).await?;
        Ok(found
            .iter()
            .find(|k| k.name == self.kustomization)
            .and_then(recorded))
    }

    /// Suspend the Kustomization with the record on it, so Flux does not
    /// undo the drill and a lost run can be finished.
    pub(crate) async fn suspend(&self, record: &DrillRecord) -> Result<()> {
        let text = serde_json::to_string(record)?;
        k8s::set_suspended(
            self.client.clone(),
            self.engine,
            self.flux_namespace,
            self.kustomization,
            true,
            Some((RECORD_ANNOTATION, Some(&text))),
        )
        .await
    }

    /// Resume the Kustomization and clear the record: the drill is over.
    pub(crate) async fn resume(&self) -> Result<()> {
        k8s::set_suspended(
            self.client.clone(),
            self.engine,
            self.flux_namespace,
            self.kustomization,
            false,
            Some((RECORD_ANNOTATION, None)),
        )
        .await
    }

    /// `gen drill --restore`: finish a drill that could not restore
    /// (killed, machine lost) from its record: the app's replicas or its
    /// routing control back, then Flux resumed. `arc` is the spec's ARC
    /// cluster, for a record that does not name its own.
    pub(crate) async fn finish(&self, pr: Printer, arc: Option<&ArcCluster>) -> Result<()> {
        let kustomization = self.kustomization;
        let found =
            k8s::sync_objects(self.client.clone(), self.engine, self.flux_namespace).await?;
        let k = found
            .iter()
            .find(|k| k.name == kustomization)
            .with_context(|| {
                format!(
                    "there is no {} {}/{kustomization} on {}",
                    self.engine.kind(),
                    self.flux_namespace,
                    self.cluster
                )
            })?;
        let Some(text) = k.annotations.get(RECORD_ANNOTATION) else {
            pr.data(format_args!(
                "no drill is recorded on {kustomization} in {}: nothing to restore{}",
                self.cluster,
                match (k.suspended, self.engine) {
                    (false, _) => "",
                    (true, k8s::Engine::Flux) => " (it is suspended, but not by gen drill: `flux resume kustomization` resumes it)",
                    (true, k8s::Engine::ArgoCd) => " (its automated sync is off, but not by gen drill: `argocd app set --sync-policy automated` turns it on)",
                }
            ));
            return Ok(());
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
                let cluster = match (&record.arc_cluster, arc) {
                    (Some(c), _) => {
                        crate::aws::arc::cluster(ClusterRef::Arn(c), self.role.as_ref()).await?
                    }
                    (None, Some(a)) => super::arc::connect(a, self.role.as_ref()).await?,
                    (None, None) => bail!("ARC is not enabled in this spec"),
                };
                super::arc::set(&cluster, arn, true).await?;
                pr.data(format_args!("turned routing control {arn} On"));
            }
            (None, Some(n)) => {
                k8s::scale(self.client.clone(), self.app_namespace, &record.app, n).await?;
                pr.data(format_args!(
                    "scaled {}/{} to {n}",
                    self.app_namespace, record.app
                ));
            }
            (None, None) => bail!(
                "the drill record on {kustomization} says neither replicas nor a routing control: {text}"
            ),
        }
        self.resume().await?;
        pr.data(format_args!(
            "resumed {kustomization}; the drill is finished"
        ));
        Ok(())
    }
}

/// How a drill takes the app down in its Region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum Method {
    /// Scale its Deployment to 0 (its check fails, the records follow).
    ScaleToZero,
    /// Turn its routing control Off (ARC).
    RoutingControlOff,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::ScaleToZero => "scale to 0",
            Method::RoutingControlOff => "routing control Off",
        })
    }
}

/// How a drill ended, decided once; `outcome` says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum Ending {
    /// Route 53 saw the failure and the recovery.
    Done,
    /// Route 53 saw the failure; the failback was not seen in time.
    FailbackNotSeen,
    /// Stopped before Route 53 saw the failure (timeout, signal, error).
    Stopped,
}

#[derive(Debug, Serialize)]
pub(crate) struct DrillLog {
    pub app: String,
    pub region: String,
    pub method: Method,
    pub result: Ending,
    pub health_check: String,
    pub predicted_detection_s: u32,
    pub predicted_failover_s: u32,
    pub detection_s: Option<u64>,
    pub failback_s: Option<u64>,
    pub restored: bool,
    pub outcome: String,
}

/// One app's drill in one Region, as decided before it runs.
pub(crate) struct Drill<'a> {
    pub spec: &'a Spec,
    pub plan: &'a Plan,
    /// The app's record in the Region drilled.
    pub entry: &'a Entry,
    pub region: &'a Region,
    /// The app's Flux Kustomization there.
    pub kustomization: &'a str,
    pub method: Method,
    /// Drill even when a peer is not healthy (or there is none).
    pub force: bool,
    /// How long to wait for Route 53 each way, and how often to look.
    pub timeout: Duration,
    pub poll: Duration,
    pub predicted_detection_s: u32,
    pub predicted_failover_s: u32,
}

/// Take the app down (after checking its peers are healthy and recording
/// the drill on its Kustomization), time how long Route 53 takes to see it,
/// restore whatever happens (error, timeout, SIGINT, SIGTERM, SIGHUP), then
/// time the way back.
pub(crate) async fn run(pr: Printer, d: &Drill<'_>) -> Result<DrillLog> {
    let (spec, plan, entry, region, kustomization) =
        (d.spec, d.plan, d.entry, d.region, d.kustomization);
    let (app, region_name) = (entry.record.app.as_str(), entry.record.region.as_str());
    super::assume(plan, &spec.stack_region, super::Reach::Dns).await?;
    let dns = super::dns_role(plan);
    let cfn = Cfn::new(&spec.stack_region, dns.as_ref()).await;
    let r53 = Route53::new(dns.as_ref()).await;
    let check_id = |e: &Entry| {
        let (stack, logical) = (stack_of(plan, e).to_string(), e.record.health_check.clone());
        let cfn = &cfn;
        async move { super::checks::id(cfn, &stack, &logical).await }
    };
    // Refuse when a peer is not healthy: that would be an outage, not a drill.
    let peers: Vec<&Entry> = plan
        .stacks
        .iter()
        .flat_map(|s| &s.entries)
        .filter(|e| e.record.app == app && e.record.region != region_name)
        .collect();
    for p in &peers {
        let st = r53.status(&check_id(p).await?).await?;
        if !st.is_healthy() && !d.force {
            bail!(Hinted::new(
                format!(
                    "{} is not healthy in {} ({}/{} checkers): failing {} would be an outage, not a drill",
                    app, p.record.region, st.healthy, st.reporting, region_name
                ),
                format!("fix {} first, or pass --force", p.record.region)
            ));
        }
    }
    if peers.is_empty() && !d.force {
        bail!(Hinted::new(
            format!(
                "{} answers only from {}: failing it there is an outage",
                app, region_name
            ),
            "pass --force to drill anyway"
        ));
    }
    let id = check_id(entry).await?;
    let config = k8s::kubeconfig()?;
    let client = k8s::connect(
        &config,
        &region.single().name,
        region.single().kube_context.as_deref(),
    )
    .await?;
    let (replicas, _) = k8s::deployment(client.clone(), &spec.namespace, app)
        .await?
        .with_context(|| {
            format!(
                "there is no Deployment {}/{} on {}",
                spec.namespace,
                app,
                region.single().name
            )
        })?;
    let arc = if d.method == Method::RoutingControlOff {
        Some(super::arc::control(spec, plan.arc.as_ref(), app, region_name).await?)
    } else {
        None
    };

    let mut log = DrillLog {
        app: app.to_string(),
        region: region_name.to_string(),
        method: d.method,
        result: Ending::Stopped,
        health_check: id.clone(),
        predicted_detection_s: d.predicted_detection_s,
        predicted_failover_s: d.predicted_failover_s,
        detection_s: None,
        failback_s: None,
        restored: false,
        outcome: String::new(),
    };
    // A drill that did not finish is recorded here: finish that one first,
    // or its replicas (0 now) would be taken for the app's.
    let place = Place::of(spec, plan, region, client.clone(), kustomization);
    if let Some(note) = place.unfinished().await? {
        bail!(Hinted::new(
            format!(
                "{kustomization} on {} holds an unfinished drill ({note})",
                region.single().name
            ),
            "finish it first"
        ));
    }
    // Catch what a CI runner, `timeout` or systemd sends, as well as Ctrl-C,
    // before anything is taken down.
    let mut signals = Signals::new()?;
    let record = DrillRecord {
        app: app.to_string(),
        region: region_name.to_string(),
        replicas: arc.is_none().then_some(replicas),
        routing_control: arc.as_ref().map(|(_, arn)| arn.clone()),
        arc_cluster: arc.as_ref().map(|(cluster, _)| cluster.arn.clone()),
        started_at: super::clock::now_rfc3339(),
    };
    place.suspend(&record).await?;
    pr.data(format_args!(
        "suspended {kustomization} (drill recorded on it: `{}` restores it if this run cannot)",
        record.restore_command()
    ));
    // From here on, every path restores.
    let down = async {
        match &arc {
            Some((cluster, arn)) => super::arc::set(cluster, arn, false).await?,
            None => k8s::scale(client.clone(), &spec.namespace, app, 0).await?,
        }
        pr.data(format_args!(
            "{} down in {} ({}); waiting for Route 53",
            app, region_name, log.method
        ));
        super::checks::wait_for(pr, &r53, &id, false, d.timeout, d.poll).await
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
            Some((cluster, arn)) => super::arc::set(cluster, arn, true).await?,
            None => k8s::scale(client.clone(), &spec.namespace, app, replicas).await?,
        }
        place.resume().await
    };
    // A second signal during the restore is caught (and ignored) by `signals`.
    match restore.await {
        Ok(()) => {
            log.restored = true;
            pr.data(format_args!(
                "restored {} in {} and resumed {kustomization}",
                app, region_name
            ));
        }
        Err(e) => {
            pr.error_hint(format_args!("restoring failed: {e:#}"), format_args!("run `{}` (the drill is recorded on the {}), or by hand: scale {}/{} to {replicas}, then {}", record.restore_command(), place.engine.kind(), spec.namespace, app, match place.engine {
                k8s::Engine::Flux => format!("`flux resume kustomization {kustomization}`"),
                k8s::Engine::ArgoCd => format!("`argocd app set {kustomization} --sync-policy automated --auto-prune --self-heal`"),
            }));
            return Ok(log);
        }
    }
    if result.is_ok() {
        // Restored already: a signal now only stops the wait.
        let back = tokio::select! {
            r = super::checks::wait_for(pr, &r53, &id, true, d.timeout, d.poll) => r,
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

fn stack_of<'a>(plan: &'a Plan, entry: &Entry) -> &'a str {
    plan.entry(&entry.record.app, &entry.record.region)
        .map(|(s, _)| s.name.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_names_its_restore() {
        let r = DrillRecord {
            app: "web".into(),
            region: "eu-west-1".into(),
            replicas: Some(3),
            routing_control: None,
            arc_cluster: None,
            started_at: "2026-01-01T00:00:00Z".into(),
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(DrillRecord::parse(&text), Some(r.clone()));
        assert_eq!(
            r.restore_command(),
            "gen drill --app web --region eu-west-1 --restore"
        );
        assert_eq!(DrillRecord::parse("not json"), None);
    }
}
