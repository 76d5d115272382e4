//! What `gen status` reads, typed: each cluster's Flux (every gen
//! Kustomization Ready at HEAD, a drill left unfinished), each shared ALB's
//! Ingress or Gateway address against gen.lock, each HTTPRoute, and per app
//! and Region its pods, its ALB, its Route 53 check and its routing control.
//! Every state says whether it is fine (`ok`), decided from the state itself.

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Serialize;

use super::clock::Deadline;
use super::drill::recorded;
use crate::aws::{cfn::Cfn, route53::Route53};
use crate::diag::Hinted;
use crate::k8s;
use crate::model::Plan;
use crate::output::lock;
use crate::printer::Printer;
use crate::spec::checked::{Api, Spec};

/// Flux's state on a cluster, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FluxState {
    Unreachable,
    DrillInterrupted,
    Failing,
    Missing,
    Suspended,
    Behind,
    Reconciled,
}

impl std::fmt::Display for FluxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FluxState::Unreachable => f.write_str("unreachable"),
            FluxState::DrillInterrupted => f.write_str("drill interrupted"),
            FluxState::Failing => f.write_str("failing"),
            FluxState::Missing => f.write_str("missing"),
            FluxState::Suspended => f.write_str("suspended"),
            FluxState::Behind => f.write_str("behind"),
            FluxState::Reconciled => f.write_str("reconciled"),
        }
    }
}

impl FluxState {}

#[derive(Debug, Serialize)]
pub(crate) struct ClusterRow {
    pub cluster: String,
    pub region: String,
    pub state: FluxState,
    /// Failing, and at least one failing Kustomization tried the commit
    /// the cluster should run (not an older one it is about to leave).
    #[serde(skip)]
    pub failing_at_head: bool,
    pub source_revision: Option<String>,
    pub detail: String,
}

/// The app's Deployment in one Region.
#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum Pods {
    Ready { ready: i32, want: i32 },
    Missing,
    Unreachable,
    Error { message: String },
}

/// The shared Ingress's address against what gen.lock (or the spec) says.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum IngressState {
    Matches,
    Drift {
        now: String,
    },
    /// The ALB moves to another API and the records still aim at the old
    /// object's load balancer (`serving`), which answers there; `new`: the
    /// new object's state.
    Moving {
        serving: Api,
        new: String,
    },
    NotInLock,
    NoAddress,
    /// A Gateway whose `Programmed` condition is not True.
    NotProgrammed {
        why: String,
    },
    Missing,
    Unknown,
}

/// The Route 53 check of the app's record in one Region.
#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[derive(Clone)]
pub(crate) enum CheckState {
    /// From Route 53's checkers (`GetHealthCheckStatus`).
    Healthy {
        healthy: usize,
        reporting: usize,
    },
    Unhealthy {
        healthy: usize,
        reporting: usize,
    },
    /// From CloudWatch's `HealthCheckStatus`, whose latest point is this
    /// many minutes old (Route 53 sends one a minute).
    HealthyAsOf {
        minutes_ago: i64,
    },
    UnhealthyAsOf {
        minutes_ago: i64,
    },
    /// Neither: no metric point within `minutes`, and too many such checks
    /// to ask Route 53 one by one (a platform just deployed).
    NoData {
        minutes: i64,
    },
    NoRecord,
    NotChecked,
    NotDeployed,
    Error {
        message: String,
    },
}

/// The routing control that gates the record.
#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum ControlView {
    On,
    Off,
    NotGated,
    NotChecked,
    Missing,
    Error { message: String },
}

impl std::fmt::Display for Pods {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pods::Ready { ready, want } => write!(f, "{ready}/{want} ready"),
            Pods::Missing => f.write_str("missing"),
            Pods::Unreachable => f.write_str("unreachable"),
            Pods::Error { message } => f.write_str(message),
        }
    }
}

impl Pods {
    pub(crate) fn ok(&self) -> bool {
        matches!(self, Pods::Ready { ready, want } if ready >= want)
    }
}

impl std::fmt::Display for IngressState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IngressState::Matches => f.write_str("matches"),
            IngressState::Drift { now } => write!(f, "DRIFT: now {now}"),
            IngressState::Moving { serving, new } => write!(
                f,
                "moving: the records' {} ALB matches; the new one: {new}",
                serving
            ),
            IngressState::NotInLock => f.write_str("not in gen.lock"),
            IngressState::NoAddress => f.write_str("no address yet"),
            IngressState::NotProgrammed { why } => write!(f, "not Programmed: {why}"),
            IngressState::Missing => f.write_str("missing"),
            IngressState::Unknown => f.write_str("unknown"),
        }
    }
}

impl IngressState {
    pub(crate) fn ok(&self) -> bool {
        matches!(self, IngressState::Matches | IngressState::Moving { .. })
    }
}

impl std::fmt::Display for CheckState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckState::Healthy { healthy, reporting } => {
                write!(f, "healthy {healthy}/{reporting} checkers")
            }
            CheckState::Unhealthy { healthy, reporting } => {
                write!(f, "UNHEALTHY {healthy}/{reporting} checkers")
            }
            CheckState::HealthyAsOf { minutes_ago } => {
                write!(f, "healthy ({minutes_ago} min ago)")
            }
            CheckState::UnhealthyAsOf { minutes_ago } => {
                write!(f, "UNHEALTHY ({minutes_ago} min ago)")
            }
            CheckState::NoData { minutes } => {
                write!(f, "no data yet (no HealthCheckStatus in {minutes} min)")
            }
            CheckState::NoRecord => f.write_str("no record here"),
            CheckState::NotChecked => f.write_str("not checked (--no-aws)"),
            CheckState::NotDeployed => f.write_str("not deployed"),
            CheckState::Error { message } => f.write_str(message),
        }
    }
}

impl CheckState {
    pub(crate) fn ok(&self) -> bool {
        matches!(
            self,
            CheckState::Healthy { .. }
                | CheckState::HealthyAsOf { .. }
                | CheckState::NoRecord
                | CheckState::NotChecked
        )
    }
}

impl std::fmt::Display for ControlView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlView::On => f.write_str("On"),
            ControlView::Off => f.write_str("Off"),
            ControlView::NotGated => f.write_str("-"),
            ControlView::NotChecked => f.write_str("not checked (--no-aws)"),
            ControlView::Missing => f.write_str("missing"),
            ControlView::Error { message } => f.write_str(message),
        }
    }
}

impl ControlView {
    pub(crate) fn ok(&self) -> bool {
        matches!(
            self,
            ControlView::On | ControlView::NotGated | ControlView::NotChecked
        )
    }
}

/// One shared ALB in one Region: its Ingress's (or Gateway's) address
/// against the lock, and a Gateway's own conditions.
#[derive(Debug, Serialize)]
pub(crate) struct AlbRow {
    pub alb: String,
    pub region: String,
    pub api: Api,
    pub ingress: IngressState,
    /// A Gateway's `Accepted` and `Programmed` (empty for an Ingress).
    pub conditions: Vec<k8s::Condition>,
}

/// One HTTPRoute of a Gateway in one Region, as its Gateway reports it.
#[derive(Debug, Serialize)]
pub(crate) struct RouteRow {
    pub route: String,
    pub alb: String,
    pub region: String,
    /// The app it carries, or None for a host-less health route.
    pub app: Option<String>,
    pub state: RouteState,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum RouteState {
    /// `Accepted` and `ResolvedRefs` both True.
    Ready {
        conditions: Vec<k8s::Condition>,
    },
    /// One of them is not True (or not reported yet).
    NotReady {
        conditions: Vec<k8s::Condition>,
    },
    Missing,
    Unknown,
}

impl std::fmt::Display for RouteState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteState::Ready { conditions } | RouteState::NotReady { conditions } => {
                f.write_str(&k8s::conditions_label(conditions, k8s::ROUTE_READY))
            }
            RouteState::Missing => f.write_str("missing"),
            RouteState::Unknown => f.write_str("unknown"),
        }
    }
}

impl RouteState {
    pub(crate) fn of(conditions: Vec<k8s::Condition>) -> RouteState {
        if k8s::all_true(&conditions, k8s::ROUTE_READY) {
            RouteState::Ready { conditions }
        } else {
            RouteState::NotReady { conditions }
        }
    }
    pub(crate) fn ok(&self) -> bool {
        matches!(self, RouteState::Ready { .. })
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct AppRow {
    pub app: String,
    pub region: String,
    /// The shared ALB that carries it.
    pub alb: String,
    pub pods: Pods,
    pub ingress: IngressState,
    pub health_check: CheckState,
    pub routing_control: ControlView,
    /// Decided from the states above, never from their labels.
    pub ok: bool,
}

/// Flux state of each cluster: every gen Kustomization ready and at its
/// commit; of the Regions `keep` names only (a rollout's wave), each
/// against the commit `head_of` its Region should run (with a rollout, its
/// branch's).
pub(crate) async fn clusters_in<'h>(
    spec: &Spec,
    plan: &Plan,
    config: &kube::config::Kubeconfig,
    head_of: impl Fn(&str) -> Option<&'h str>,
    keep: impl Fn(&str) -> bool,
) -> Vec<ClusterRow> {
    // Every cluster at once: each is a few calls, and one unreachable
    // cluster's timeout should not hold up the others.
    let rows = super::clusters(spec, plan)
        .filter(|(r, _)| keep(&r.name))
        .map(|(r, c)| cluster_row(spec, plan, config, r, c, head_of(&r.name)));
    futures_util::future::join_all(rows).await
}

/// One cluster's Flux state against `head`.
async fn cluster_row(
    spec: &Spec,
    plan: &Plan,
    config: &kube::config::Kubeconfig,
    r: &crate::spec::checked::Region,
    c: &crate::model::ClusterPlan,
    head: Option<&str>,
) -> ClusterRow {
    {
        let mut row = ClusterRow {
            cluster: c.cluster.clone(),
            region: r.name.clone(),
            state: FluxState::Reconciled,
            failing_at_head: false,
            source_revision: None,
            detail: String::new(),
        };
        let client = match k8s::connect(config, &c.cluster, c.kube_context.as_deref()).await {
            Ok(c) => c,
            Err(e) => {
                row.state = FluxState::Unreachable;
                row.detail = first_line(&e);
                return row;
            }
        };
        let (engine, namespace) = super::gitops(spec, c);
        // Argo CD has no source object: its Applications name the revision.
        if engine == k8s::Engine::Flux {
            row.source_revision =
                k8s::source_revision(client.clone(), namespace, &plan.flux.source)
                    .await
                    .ok()
                    .flatten();
        }
        let found = match k8s::sync_objects(client, engine, namespace).await {
            Ok(k) => k,
            Err(e) => {
                row.state = FluxState::Unreachable;
                row.detail = first_line(&e);
                return row;
            }
        };
        let (mut missing, mut failing, mut behind, mut suspended) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut drills = Vec::new();
        let mut failing_at_head = false;
        for k in &c.kustomizations {
            match found.iter().find(|f| f.name == k.name) {
                None => missing.push(k.name.clone()),
                // Suspended by a drill that did not finish (killed, machine
                // lost): the record says what to restore.
                Some(f) if f.suspended => match recorded(f) {
                    Some(note) => drills.push(note),
                    None => suspended.push(f.name.clone()),
                },
                Some(f) if f.ready == Some(false) => {
                    if let (Some(h), Some(a)) = (head, f.attempted.as_deref())
                        && a.rsplit(':').next() == Some(h)
                    {
                        failing_at_head = true;
                    }
                    failing.push(format!("{}: {}", f.name, f.message))
                }
                Some(f) => {
                    let at_head = match (head, f.applied.as_deref()) {
                        (Some(h), Some(a)) => a.rsplit(':').next() == Some(h),
                        _ => false,
                    };
                    if !at_head || f.ready != Some(true) {
                        behind.push(format!(
                            "{} at {}",
                            f.name,
                            f.applied.as_deref().unwrap_or("nothing yet")
                        ));
                    }
                }
            }
        }
        (row.state, row.detail) = if !drills.is_empty() {
            (FluxState::DrillInterrupted, drills.join("; "))
        } else if !failing.is_empty() {
            (FluxState::Failing, failing.join("; "))
        } else if !missing.is_empty() {
            (
                FluxState::Missing,
                format!("not on the cluster: {}", missing.join(", ")),
            )
        } else if !suspended.is_empty() {
            (FluxState::Suspended, suspended.join(", "))
        } else if !behind.is_empty() {
            (FluxState::Behind, behind.join(", "))
        } else {
            (
                FluxState::Reconciled,
                format!(
                    "{} {}s at {}",
                    c.kustomizations.len(),
                    engine.kind(),
                    short(head.unwrap_or("HEAD"))
                ),
            )
        };
        row.failing_at_head = failing_at_head;
        row
    }
}

/// Wait until every cluster has applied `head` (each gen Kustomization
/// Ready at it), reading them every 5 s; an error naming each cluster
/// behind once one fails or `timeout` has passed.
pub(crate) async fn wait_applied<'h>(
    pr: Printer,
    spec: &Spec,
    plan: &Plan,
    config: &kube::config::Kubeconfig,
    head_of: impl Fn(&str) -> Option<&'h str>,
    timeout: Duration,
) -> Result<()> {
    let deadline = Deadline::after(timeout);
    loop {
        let clusters = clusters_in(spec, plan, config, &head_of, |_| true).await;
        let pending: Vec<String> = clusters
            .iter()
            .filter(|c| c.state != FluxState::Reconciled)
            .map(|c| format!("{} {}", c.cluster, c.state))
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        if clusters.iter().any(|c| c.state == FluxState::Failing) || deadline.passed() {
            let why: Vec<String> = clusters
                .iter()
                .filter(|c| c.state != FluxState::Reconciled)
                .map(|c| format!("{} ({}): {}: {}", c.cluster, c.region, c.state, c.detail))
                .collect();
            bail!(Hinted::new(
                format!(
                    "not every cluster applied its commit:\n  {}",
                    why.join("\n  ")
                ),
                if plan.clusters.iter().any(|c| c.argocd.is_some()) {
                    "`flux get kustomizations`, or `argocd app list` on Argo CD's clusters, shows why"
                } else {
                    "`flux get kustomizations` on those clusters shows why"
                }
            ));
        }
        pr.line(format_args!(
            "waiting ({} s): {}",
            deadline.elapsed_s(),
            pending.join(", ")
        ));
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// The zone's records, and the health checks, against the rendered ones.
#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum RecordsState {
    /// Every rendered record is in the zone as rendered, and every
    /// deployed check as its template has it.
    AsRendered {
        records: usize,
        checks: usize,
    },
    Drift {
        drift: Vec<crate::drift::Drift>,
    },
    /// The zone's ID is not known (nothing deployed yet).
    ZoneUnknown,
    NotRead {
        why: String,
    },
}

impl RecordsState {
    pub(crate) fn ok(&self) -> bool {
        matches!(
            self,
            RecordsState::AsRendered { .. } | RecordsState::ZoneUnknown
        )
    }
}

/// Read the hosted zone (a page per 300 records) and the health checks (a
/// page per 1,000), and name what differs from the render: CloudFormation
/// does not detect drift on record sets. `ids`: each deployed check's ID.
pub(crate) async fn records(
    r53: &Route53,
    plan: &Plan,
    zone_id: Option<&str>,
    ids: &[crate::drift::CheckId],
) -> RecordsState {
    let Some(zone) = zone_id else {
        return RecordsState::ZoneUnknown;
    };
    let listed = match r53.records(zone).await {
        Ok(l) => l,
        Err(e) => {
            return RecordsState::NotRead {
                why: first_line(&e),
            };
        }
    };
    let live: Vec<crate::drift::Live> = listed
        .into_iter()
        .map(|r| crate::drift::Live {
            name: r.name,
            kind: r.kind,
            set_identifier: r.set_identifier,
            weight: r.weight,
            region: r.region,
            failover: r.failover,
            alias_dns: r.alias_dns,
            evaluate_target_health: r.evaluate_target_health,
            health_check: r.health_check,
            geo: r.geo,
            proximity: r.proximity,
        })
        .collect();
    let mut drift = crate::drift::records(plan, &live);
    if !ids.is_empty() {
        let listed = match r53.health_checks().await {
            Ok(l) => l,
            Err(e) => {
                return RecordsState::NotRead {
                    why: first_line(&e),
                };
            }
        };
        let live: Vec<crate::drift::LiveCheck> = listed
            .into_iter()
            .map(|c| crate::drift::LiveCheck {
                id: c.id,
                kind: c.kind,
                fqdn: c.fqdn,
                port: c.port,
                path: c.path,
                interval: c.interval,
                threshold: c.threshold,
                measure_latency: c.measure_latency,
                enable_sni: c.enable_sni,
            })
            .collect();
        drift.extend(crate::drift::checks(plan, ids, &live));
    }
    if drift.is_empty() {
        RecordsState::AsRendered {
            // Each Route 53 record: per type and location, and a Region's
            // clusters' records.
            records: plan
                .stacks
                .iter()
                .flat_map(|s| &s.entries)
                .map(|e| {
                    e.record.sets.len()
                        + e.members.iter().map(|m| m.record.sets.len()).sum::<usize>()
                })
                .sum(),
            checks: ids.len(),
        }
    } else {
        RecordsState::Drift { drift }
    }
}

/// Per ALB and Region: its Ingress's address against the lock. Per app and
/// Region: pods, its ALB's state, the Route 53 check's status, the routing
/// control's state. The checks are read in bulk first (`check_states`);
/// then the clusters at once, each in a few calls (one list of its
/// Deployments, one of its HTTPRoutes, one read per ALB). Also each
/// deployed check's ID by (stack, logical ID), for `records` to compare.
pub(crate) async fn apps(
    spec_path: &Path,
    spec: &Spec,
    plan: &Plan,
    config: &kube::config::Kubeconfig,
    no_aws: bool,
) -> (
    Vec<AlbRow>,
    Vec<RouteRow>,
    Vec<AppRow>,
    Vec<crate::drift::CheckId>,
) {
    let locked = lock::read(spec_path).unwrap_or_default();
    let checks = if no_aws {
        Checks::default()
    } else {
        check_states(plan).await
    };
    let controls = match (&plan.arc, &spec.arc, no_aws) {
        (Some(p), Some(a), false) => {
            match super::arc::connect(&a.cluster, super::dns_role(plan).as_ref()).await {
                Ok(c) => c
                    .controls(&p.panel_name, &mut Vec::new())
                    .await
                    .map_err(|e| first_line(&e)),
                Err(e) => Err(first_line(&e)),
            }
        }
        _ => Ok(Vec::new()),
    };
    let ctx = Ctx {
        spec,
        plan,
        config,
        locked: &locked,
        checks: &checks,
        controls: &controls,
        no_aws,
    };
    let per_cluster = super::clusters(spec, plan).map(|(r, c)| cluster_apps(&ctx, r, c));
    let (mut albs, mut routes, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for (a, rt, ap) in futures_util::future::join_all(per_cluster).await {
        albs.extend(a);
        routes.extend(rt);
        rows.extend(ap);
    }
    (albs, routes, rows, checks.ids)
}

/// What every cluster's rows are read against.
struct Ctx<'a> {
    spec: &'a Spec,
    plan: &'a Plan,
    config: &'a kube::config::Kubeconfig,
    locked: &'a crate::spec::lock::Lock,
    checks: &'a Checks,
    controls: &'a std::result::Result<Vec<crate::aws::arc::ControlState>, String>,
    no_aws: bool,
}

/// Each check's state, by (stack, logical ID); `error` stands for every
/// check when the stacks could not be read.
#[derive(Default)]
struct Checks {
    states: std::collections::HashMap<(String, String), CheckState>,
    error: Option<String>,
    /// Each deployed check's ID, by (stack, logical ID).
    ids: Vec<crate::drift::CheckId>,
}

/// Checks the metric has no recent point for that are asked of Route 53
/// one by one (with their checkers' detail); past this many they are
/// "no data yet", so a new platform's first status stays a few calls.
const CHECKS_ASKED_ONE_BY_ONE: usize = 20;

/// The window in which the latest `HealthCheckStatus` point is looked for.
const METRIC_MINUTES: i64 = 10;

/// Every rendered check's state in a few calls: their IDs from the DNS
/// stacks' outputs (one paged `DescribeStacks`; a stack group too large to
/// output them all is read resource by resource), their states from
/// CloudWatch's `HealthCheckStatus` (500 a call). A check with no point in
/// the last minutes (new) is asked of Route 53 (`GetHealthCheckStatus`),
/// up to `CHECKS_ASKED_ONE_BY_ONE` of them.
async fn check_states(plan: &Plan) -> Checks {
    let mut out = Checks::default();
    let Some(first) = plan.stacks.first() else {
        return out;
    };
    let dns = super::dns_role(plan);
    let cfn = Cfn::new(&first.region, dns.as_ref()).await;
    let deployed = match cfn.describe_all().await {
        Ok(all) => all,
        Err(e) => {
            out.error = Some(first_line(&e));
            return out;
        }
    };
    let deployed: std::collections::HashMap<&str, _> =
        deployed.iter().map(|d| (d.name.as_str(), d)).collect();
    let mut ids: Vec<crate::drift::CheckId> = Vec::new();
    // Checks over a Region's clusters' (CALCULATED): CloudWatch has their
    // status; Route 53's GetHealthCheckStatus reads endpoint checks.
    let mut calculated: std::collections::HashSet<(String, String)> = Default::default();
    for s in &plan.stacks {
        let d = deployed.get(s.name.as_str());
        for e in &s.entries {
            if !e.health_check.children.is_empty() {
                calculated.insert((s.name.clone(), e.health_check.logical_id.clone()));
            }
            let logical = &e.health_check.logical_id;
            let key = (s.name.clone(), logical.clone());
            let output = crate::layout::check_output(logical);
            let id = match d {
                None => None,
                Some(d) => match d.outputs.iter().find(|(k, _)| *k == output) {
                    Some((_, v)) => Some(v.clone()),
                    None => match cfn.physical_id(&s.name, logical).await {
                        Ok(id) => id,
                        Err(e) => {
                            out.states.insert(
                                key,
                                CheckState::Error {
                                    message: first_line(&e),
                                },
                            );
                            continue;
                        }
                    },
                },
            };
            match id {
                Some(id) => ids.push((key, id)),
                None => {
                    out.states.insert(key, CheckState::NotDeployed);
                }
            }
        }
    }
    let now = super::clock::unix_seconds() as i64;
    let cw = crate::aws::cloudwatch::CloudWatch::new(
        crate::facts::route53::METRICS_REGION,
        dns.as_ref(),
    )
    .await;
    let list: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
    let metric = match cw.health_check_status(&list, now, METRIC_MINUTES).await {
        Ok(m) => m,
        Err(e) => {
            let message = first_line(&e);
            for (key, _) in &ids {
                out.states.insert(
                    key.clone(),
                    CheckState::Error {
                        message: message.clone(),
                    },
                );
            }
            out.ids = ids;
            return out;
        }
    };
    let metric: std::collections::HashMap<&str, (bool, i64)> = metric
        .iter()
        .map(|(id, healthy, at)| (id.as_str(), (*healthy, *at)))
        .collect();
    let r53 = Route53::new(dns.as_ref()).await;
    let mut asked = 0;
    for (key, id) in &ids {
        let state = match metric.get(id.as_str()) {
            Some((healthy, at)) => {
                let minutes_ago = (now - at).max(0) / 60;
                if *healthy {
                    CheckState::HealthyAsOf { minutes_ago }
                } else {
                    CheckState::UnhealthyAsOf { minutes_ago }
                }
            }
            None if asked < CHECKS_ASKED_ONE_BY_ONE && !calculated.contains(key) => {
                asked += 1;
                match r53.status(id).await {
                    Ok(st) if st.is_healthy() => CheckState::Healthy {
                        healthy: st.healthy,
                        reporting: st.reporting,
                    },
                    Ok(st) => CheckState::Unhealthy {
                        healthy: st.healthy,
                        reporting: st.reporting,
                    },
                    Err(e) => CheckState::Error {
                        message: first_line(&e),
                    },
                }
            }
            None => CheckState::NoData {
                minutes: METRIC_MINUTES,
            },
        };
        out.states.insert(key.clone(), state);
    }
    out.ids = ids;
    out
}

/// One cluster's rows: its ALBs, HTTPRoutes and apps.
async fn cluster_apps(
    ctx: &Ctx<'_>,
    r: &crate::spec::checked::Region,
    c: &crate::model::ClusterPlan,
) -> (Vec<AlbRow>, Vec<RouteRow>, Vec<AppRow>) {
    let (spec, plan) = (ctx.spec, ctx.plan);
    let mut rows = Vec::new();
    let mut alb_rows = Vec::new();
    let mut route_rows: Vec<RouteRow> = Vec::new();
    let client = k8s::connect(ctx.config, &c.cluster, c.kube_context.as_deref())
        .await
        .ok();
    // This cluster's side of the ALBs (a Region may have several).
    let rc = r
        .clusters
        .iter()
        .find(|x| x.name == c.cluster)
        .unwrap_or_else(|| r.single());
    let deployments = match &client {
        Some(cl) => Some(
            k8s::deployments(cl.clone(), &spec.namespace)
                .await
                .map_err(|e| first_line(&e)),
        ),
        None => None,
    };
    let gateways = c
        .ingresses
        .iter()
        .any(|i| plan.ingress.albs[i.alb].api == Api::Gateway);
    let http_routes = match (&client, gateways) {
        (Some(cl), true) => k8s::http_routes(cl.clone(), &spec.namespace).await.ok(),
        _ => None,
    };
    // One Ingress per ALB and cluster: the same state for each of its apps.
    let mut states = Vec::new();
    for i in &c.ingresses {
        let (alb, name) = (i.alb, &plan.ingress.albs[i.alb].name);
        let api = plan.ingress.albs[alb].api;
        let read = |api: Api| {
            let cl = client.clone();
            let ns = spec.namespace.clone();
            let name = name.clone();
            async move {
                let cl = cl?;
                match api {
                    Api::Ingress => k8s::ingress_address(cl, &ns, &name)
                        .await
                        .ok()
                        .map(|a| (a, Vec::new())),
                    Api::Gateway => k8s::gateway_address(cl, &ns, &name).await.ok(),
                }
            }
        };
        let (address, conditions) = match read(api).await {
            Some((a, cs)) => (Some(a), cs),
            None => (None, Vec::new()),
        };
        // While the ALB moves to `api`, the records may still aim at the
        // old object's load balancer, which must then be the one serving.
        let kept = rc.albs[alb].kept.filter(|k| *k != api);
        let old = match kept {
            Some(k) => read(k).await.map(|(a, _)| a),
            None => None,
        };
        if api == Api::Gateway {
            for (route, is_app) in i.http_routes() {
                let state = match &http_routes {
                    Some(listed) => match listed.get(route) {
                        Some(parents) => RouteState::of(
                            parents
                                .iter()
                                .find(|(p, _)| p == name)
                                .map(|(_, cs)| cs.clone())
                                .unwrap_or_default(),
                        ),
                        None => RouteState::Missing,
                    },
                    None => RouteState::Unknown,
                };
                route_rows.push(RouteRow {
                    app: is_app.then(|| route.to_string()),
                    route: route.to_string(),
                    alb: name.clone(),
                    region: r.name.clone(),
                    state,
                });
            }
        }
        let expected = rc.albs[alb].dns_name.clone().or_else(|| {
            ctx.locked
                .alb(&r.name, name, !spec.ingress.grouped)
                .map(|l| l.alb_dns_name.clone())
        });
        let state = match (&address, &expected) {
            (Some(k8s::IngressAddress::Ready(h)), Some(e)) if h == e => IngressState::Matches,
            // The ALB moves to this API and the records still aim at the
            // old object's load balancer, which serves: the move's next
            // step, not drift.
            (now, Some(e))
                if kept.is_some()
                    && matches!(&old, Some(k8s::IngressAddress::Ready(o)) if o == e) =>
            {
                IngressState::Moving {
                    serving: kept.unwrap_or_default(),
                    new: match now {
                        Some(k8s::IngressAddress::Ready(h)) => format!("ready at {h}"),
                        Some(k8s::IngressAddress::NotProgrammed(why)) => {
                            format!("not Programmed: {why}")
                        }
                        Some(k8s::IngressAddress::Pending) => "no address yet".into(),
                        Some(k8s::IngressAddress::Missing) => "missing".into(),
                        None => "unknown".into(),
                    },
                }
            }
            (Some(k8s::IngressAddress::Ready(h)), Some(_)) => {
                IngressState::Drift { now: h.clone() }
            }
            (Some(k8s::IngressAddress::Ready(_)), None) => IngressState::NotInLock,
            (Some(k8s::IngressAddress::Pending), _) => IngressState::NoAddress,
            (Some(k8s::IngressAddress::NotProgrammed(why)), _) => {
                IngressState::NotProgrammed { why: why.clone() }
            }
            (Some(k8s::IngressAddress::Missing), _) => IngressState::Missing,
            (None, _) => IngressState::Unknown,
        };
        alb_rows.push(AlbRow {
            alb: name.clone(),
            region: r.name.clone(),
            api,
            ingress: state.clone(),
            conditions,
        });
        states.push((alb, state));
    }
    for w in &c.workloads {
        let pods = match &deployments {
            Some(Ok(listed)) => match listed.get(&w.app) {
                Some((want, ready)) => Pods::Ready {
                    ready: *ready,
                    want: *want,
                },
                None => Pods::Missing,
            },
            Some(Err(message)) => Pods::Error {
                message: message.clone(),
            },
            None => Pods::Unreachable,
        };
        let health_check = match plan.entry(&w.app, &r.name) {
            None => CheckState::NoRecord,
            Some(_) if ctx.no_aws => CheckState::NotChecked,
            Some((s, e)) => match &ctx.checks.error {
                Some(message) => CheckState::Error {
                    message: message.clone(),
                },
                None => ctx
                    .checks
                    .states
                    .get(&(s.name.clone(), e.health_check.logical_id.clone()))
                    .cloned()
                    .unwrap_or(CheckState::NotDeployed),
            },
        };
        let routing_control = match (&plan.arc, ctx.controls) {
            (None, _) => ControlView::NotGated,
            (Some(p), Ok(states)) => match crate::model::arc::control_for(p, &w.app, &r.name) {
                Some(ctl) => match states.iter().find(|s| s.name == ctl.name) {
                    Some(s) if s.on => ControlView::On,
                    Some(_) => ControlView::Off,
                    None if ctx.no_aws => ControlView::NotChecked,
                    None => ControlView::Missing,
                },
                None => ControlView::NotGated,
            },
            (Some(_), Err(e)) => ControlView::Error { message: e.clone() },
        };
        let alb = spec
            .apps
            .iter()
            .find(|a| a.name == w.app)
            .map_or(0, |a| a.alb);
        let ingress = states
            .iter()
            .find(|(k, _)| *k == alb)
            .map_or(IngressState::Unknown, |(_, st)| st.clone());
        // Under a Gateway the app's own HTTPRoute must be Accepted too.
        let route_ok = route_rows
            .iter()
            .filter(|x| x.app.as_deref() == Some(w.app.as_str()))
            .all(|x| x.state.ok());
        let ok = pods.ok() && ingress.ok() && route_ok && health_check.ok() && routing_control.ok();
        rows.push(AppRow {
            app: w.app.clone(),
            region: r.name.clone(),
            alb: plan.ingress.albs[alb].name.clone(),
            pods,
            ingress,
            health_check,
            routing_control,
            ok,
        });
    }
    (alb_rows, route_rows, rows)
}

fn first_line(e: &anyhow::Error) -> String {
    format!("{e:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}
