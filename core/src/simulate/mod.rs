//! `simulate`: what Route 53 answers for each app's host when apps, Regions
//! or routing controls fail, evaluated on the rendered templates (what will
//! really be deployed) with Route 53's answer rules. Pure: callers parse the
//! files; this module knows CloudFormation's shape and Route 53's rules.
//!
//! The rules, from the Route 53 Developer Guide ("How Amazon Route 53
//! chooses records when health checking is configured", "Choosing a routing
//! policy", "Values specific for alias records: Evaluate target health"):
//! - R1 a record with an unhealthy health check is not answered;
//! - R2 weighted: among healthy records, those with weight > 0 answer, in
//!   proportion to their weights; weight-0 records answer only when every
//!   non-zero record is unhealthy;
//! - R3 if every record of a weighted or latency set is unhealthy, Route 53
//!   answers as if all were healthy (fails open);
//! - R4 latency: the healthy record nearest the client answers;
//! - R5 failover: the primary answers while healthy, else the secondary;
//!   when both are unhealthy the primary answers;
//! - R6 a record without a health check (and without evaluate-target-health)
//!   is always healthy;
//! - R7 evaluate target health on an ALB alias: the ALB is unhealthy when any
//!   of its target groups has no healthy target, so one app down marks the
//!   record of every app on that ALB (the app's own, of several) unhealthy;
//! - R8 a CALCULATED check is healthy while at least HealthThreshold children are;
//! - R9 a RECOVERY_CONTROL check is healthy while its routing control is On;
//! - R10 a Region with several clusters: its record aliases their weighted
//!   records, each with its cluster's check, and its CALCULATED check is
//!   healthy while one cluster's is (R8); the weighted set answers by R2;
//! - R11 geolocation, R12 geoproximity: per sample resolver location
//!   (`geo.rs`).
//!
//! A and AAAA records of a host carry the same routing and checks; each
//! answer is the A records', and one that the AAAA records would give
//! differently is said so.

mod geo;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_yaml::Value;

/// One Route 53 record of an app (a host) in a Region.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub host: String,
    pub region: String,
    /// `A` or `AAAA`.
    pub kind: String,
    /// The app whose check guards it, when the check names one.
    pub app: Option<String>,
    pub policy: Policy,
    pub check: Option<Check>,
    pub evaluate_target_health: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    Weighted(u8),
    Latency,
    Primary,
    Secondary,
    /// A geolocation record's location (`GeoLocation`); `country` `*` is
    /// the default.
    Geo {
        continent: Option<String>,
        country: Option<String>,
        subdivision: Option<String>,
    },
    /// A geoproximity record at its Region, with its bias.
    Proximity(i8),
}

/// A health check, resolved to what it watches.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// An endpoint check on an app (by name) behind a Region's ALB.
    Endpoint { app: Option<String>, region: String },
    Calculated {
        threshold: usize,
        children: Vec<Check>,
    },
    /// Healthy while this routing control (of this Region) is On.
    RoutingControl { region: String, control: String },
    /// A check a Region switch plan made for the record in this Region:
    /// healthy until a switch sets it unhealthy (`name`: `<plan>@<Region>`,
    /// in `Scenario::controls_off` while unhealthy).
    SwitchCheck { region: String, name: String },
    /// An endpoint check on an app behind one cluster's ALB, in a Region
    /// with several clusters.
    Member {
        app: Option<String>,
        region: String,
        cluster: String,
    },
    /// A check gen cannot place (treated as healthy, and said so).
    Unknown(String),
}

impl Check {
    /// The app an endpoint check (or the first of a calculated one's) watches.
    fn app(&self) -> Option<&str> {
        match self {
            Check::Endpoint { app, .. } | Check::Member { app, .. } => app.as_deref(),
            Check::Calculated { children, .. } => children.iter().find_map(Check::app),
            _ => None,
        }
    }
}

/// What failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Scenario {
    /// (app, Region) whose targets are all down.
    pub apps_down: BTreeSet<(String, String)>,
    /// Regions entirely down: every app there, and every ALB.
    pub regions_down: BTreeSet<String>,
    /// (ALB, Region): one shared ALB down, and so every app it carries there.
    pub albs_down: BTreeSet<(String, String)>,
    /// Regions whose routing controls are Off.
    pub arc_off: BTreeSet<String>,
    /// Single routing controls that are Off, by name.
    pub controls_off: BTreeSet<String>,
    /// A Region switch to this Region, by these plans (their controls are
    /// in `controls_off`).
    pub switched_to: Option<(String, Vec<String>)>,
    /// Clusters entirely down (of a Region with several).
    pub clusters_down: BTreeSet<String>,
}

/// What failed, in plain words (`nothing fails` for the calm).
impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(
            self.apps_down
                .iter()
                .map(|(a, r)| format!("{a} down in {r}")),
        );
        parts.extend(self.regions_down.iter().map(|r| format!("{r} down")));
        parts.extend(
            self.clusters_down
                .iter()
                .map(|c| format!("cluster {c} down")),
        );
        parts.extend(
            self.albs_down
                .iter()
                .map(|(a, r)| format!("ALB {a} down in {r}")),
        );
        parts.extend(
            self.arc_off
                .iter()
                .map(|r| format!("routing controls of {r} Off")),
        );
        match &self.switched_to {
            Some((to, plans)) => parts.push(format!(
                "Region switch to {to} (plan{} {})",
                if plans.len() == 1 { "" } else { "s" },
                plans.join(", ")
            )),
            None => parts.extend(
                self.controls_off
                    .iter()
                    .map(|c| format!("routing control {c} Off")),
            ),
        }
        if parts.is_empty() {
            f.write_str("nothing fails")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

impl Scenario {
    pub fn app_up(&self, w: &World, app: &str, region: &str) -> bool {
        !self.regions_down.contains(region)
            && !self
                .apps_down
                .contains(&(app.to_string(), region.to_string()))
            && w.app_alb.get(app).is_none_or(|alb| {
                !self
                    .albs_down
                    .contains(&(alb.to_string(), region.to_string()))
            })
    }
}

/// Who answers for a host, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// Regions answering; for weighted sets with their weights.
    pub regions: Vec<String>,
    /// The rule that decided, e.g. "R5 primary unhealthy: secondary".
    pub rule: String,
}

/// A weighted record's weight (0 for any other policy).
fn weight(r: &Record) -> u8 {
    match r.policy {
        Policy::Weighted(w) => w,
        _ => 0,
    }
}

/// R2 and R3 on a weighted set of (what, weight, healthy): the healthy
/// weighted above 0, else the healthy of weight 0, else (every one
/// unhealthy) those weighted above 0; and the rule that decided.
fn weighted<T: Copy>(set: &[(T, u8, bool)]) -> (Vec<T>, &'static str) {
    let of = |f: &dyn Fn(u8, bool) -> bool| -> Vec<T> {
        set.iter()
            .filter(|(_, w, h)| f(*w, *h))
            .map(|(t, _, _)| *t)
            .collect()
    };
    let nonzero = of(&|w, h| h && w > 0);
    if !nonzero.is_empty() {
        return (nonzero, "R2 healthy non-zero weights");
    }
    let zero = of(&|w, h| h && w == 0);
    if !zero.is_empty() {
        return (zero, "R2 only weight-0 records healthy");
    }
    (of(&|w, _| w > 0), R3_FAILS_OPEN)
}

/// The Region an answer entry names, without a weighted set's weight or a
/// Region's clusters (`eu-west-1 (100)`, `eu-west-1 [blue]` → `eu-west-1`).
pub fn region_name(entry: &str) -> &str {
    entry.split_whitespace().next().unwrap_or(entry)
}

/// The two answers Route 53 gives when every record of a host is unhealthy.
const R3_FAILS_OPEN: &str = "R3 all unhealthy: fails open";
const R5_BOTH_UNHEALTHY: &str = "R5 both unhealthy: primary";

impl Answer {
    pub fn short(&self) -> String {
        self.regions.join(" + ")
    }

    /// Whether Route 53 answered although every record is unhealthy: a
    /// weighted or latency set failing open (R3), or a failover primary
    /// when both are unhealthy (R5).
    pub fn fails_open(&self) -> bool {
        self.rule == R3_FAILS_OPEN
            || self.rule == R5_BOTH_UNHEALTHY
            || self.rule.starts_with(geo::R11_ALL_UNHEALTHY)
    }
}

/// Every app's host: which apps sit on each Region's ALBs (for R7).
#[derive(Default)]
pub struct World {
    pub records: Vec<Record>,
    /// Region → apps with targets behind that Region's ALBs.
    pub alb_apps: BTreeMap<String, BTreeSet<String>>,
    /// App → the shared ALB that carries it (the Ingress its rules are in).
    pub app_alb: BTreeMap<String, String>,
    /// The Region switch plans of the rendered templates.
    pub switches: Vec<SwitchSim>,
    /// The weighted records of Regions with several clusters (R10): `host`
    /// is the app's host, `region` the Region, the cluster in `cluster`.
    pub members: Vec<(Record, String)>,
}

/// A Region switch plan as the simulation needs it: its two Regions and
/// what each workflow's routing control block sets.
#[derive(Debug, Clone, Default)]
pub struct SwitchSim {
    pub name: String,
    pub regions: Vec<String>,
    pub workflows: Vec<WorkflowSim>,
}

#[derive(Debug, Clone, Default)]
pub struct WorkflowSim {
    pub activate: bool,
    pub target: Option<String>,
    /// (the Region whose entry lists it, routing control name, On).
    pub changes: Vec<(String, String, bool)>,
    /// Its steps in order: (the step's name, the steps that run in it at
    /// once, as (name, execution block type): itself, or a `Parallel`
    /// block's).
    pub stages: Vec<Stage>,
}

pub type Stage = (String, Vec<(String, String)>);

/// The execution block types that make a database the writer.
const DATABASE_BLOCKS: &[&str] = &[
    "AuroraGlobalDatabase",
    "DocumentDb",
    "RdsPromoteReadReplica",
    "RdsSwitchoverReadReplica",
];

/// One plan's workflow as a switch to a Region runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchOrder {
    pub plan: String,
    /// `activate REGION`, or `deactivate` for the Region left.
    pub workflow: String,
    pub stages: Vec<Stage>,
}

impl SwitchOrder {
    /// Whether the workflow has a database step.
    pub fn has_databases(&self) -> bool {
        self.stages
            .iter()
            .flat_map(|(_, st)| st)
            .any(|(_, b)| DATABASE_BLOCKS.contains(&b.as_str()))
    }

    /// `approve -> scale-up -> database-a (BLOCK) + database-b (BLOCK) ->
    /// traffic`: a parallel block of databases by its steps, any other by
    /// its name.
    pub fn line(&self) -> String {
        self.stages
            .iter()
            .map(|(name, st)| {
                if !st
                    .iter()
                    .any(|(_, b)| DATABASE_BLOCKS.contains(&b.as_str()))
                {
                    return name.clone();
                }
                st.iter()
                    .map(|(n, b)| {
                        if DATABASE_BLOCKS.contains(&b.as_str()) {
                            format!("{n} ({b})")
                        } else {
                            n.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect::<Vec<_>>()
            .join(" -> ")
    }
}

impl World {
    /// The routing controls Off once every plan that holds `to` has moved
    /// traffic to it: an activation workflow that targets `to`, or else the
    /// other Region's deactivation and `to`'s activation entries. The plans
    /// used, by name; None when no plan holds `to`.
    pub fn switch_to(&self, to: &str) -> Option<(Vec<String>, BTreeSet<String>)> {
        self.switch_to_by(to, &[])
    }

    /// `switch_to` by these plans only (all that hold `to` when empty).
    pub fn switch_to_by(
        &self,
        to: &str,
        only: &[String],
    ) -> Option<(Vec<String>, BTreeSet<String>)> {
        let mut off = BTreeSet::new();
        let mut used = Vec::new();
        for p in self
            .switches
            .iter()
            .filter(|p| p.regions.iter().any(|r| r == to))
            .filter(|p| only.is_empty() || only.contains(&p.name))
        {
            used.push(p.name.clone());
            let targeted = p
                .workflows
                .iter()
                .find(|w| w.activate && w.target.as_deref() == Some(to));
            let changes: Vec<&(String, String, bool)> = match targeted {
                Some(w) => w.changes.iter().collect(),
                None => p
                    .workflows
                    .iter()
                    .filter(|w| w.target.is_none())
                    .flat_map(|w| {
                        w.changes
                            .iter()
                            .filter(move |(region, _, _)| (region == to) == w.activate)
                    })
                    .collect(),
            };
            for (_, control, on) in changes {
                if *on {
                    off.remove(control);
                } else {
                    off.insert(control.clone());
                }
            }
        }
        (!used.is_empty()).then_some((used, off))
    }

    /// The workflow each plan holding `to` runs to move traffic there: the
    /// activation that targets `to`, else the other Region's deactivation
    /// (the one that moves the writer; active/active).
    pub fn switch_order(&self, to: &str, plans: &[String]) -> Vec<SwitchOrder> {
        self.switches
            .iter()
            .filter(|p| plans.contains(&p.name))
            .filter_map(|p| {
                let w = p
                    .workflows
                    .iter()
                    .find(|w| w.activate && w.target.as_deref() == Some(to))
                    .or_else(|| p.workflows.iter().find(|w| !w.activate))?;
                Some(SwitchOrder {
                    plan: p.name.clone(),
                    workflow: match (&w.target, w.activate) {
                        (Some(t), true) => format!("activate {t}"),
                        (_, true) => "activate".to_string(),
                        (_, false) => format!(
                            "deactivate {}",
                            p.regions
                                .iter()
                                .find(|r| *r != to)
                                .cloned()
                                .unwrap_or_default()
                        ),
                    },
                    stages: w.stages.clone(),
                })
            })
            .collect()
    }

    /// Whether some record follows a routing control (ARC is on).
    pub fn has_routing_controls(&self) -> bool {
        fn has(c: &Check) -> bool {
            match c {
                Check::RoutingControl { .. } => true,
                Check::Calculated { children, .. } => children.iter().any(has),
                _ => false,
            }
        }
        self.records
            .iter()
            .any(|r| r.check.as_ref().is_some_and(has))
    }

    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self.records.iter().map(|r| r.host.clone()).collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    pub fn regions(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .records
            .iter()
            .map(|r| r.region.clone())
            .chain(self.alb_apps.keys().cloned())
            .collect();
        set.into_iter().collect()
    }

    /// A Region of the spec that no record routes to (only failover apps
    /// that skip it): it can fail too, and nothing moves.
    pub fn include_region(&mut self, region: &str, apps: impl IntoIterator<Item = String>) {
        self.alb_apps
            .entry(region.to_string())
            .or_default()
            .extend(apps);
    }

    /// The shared ALBs, by name.
    pub fn albs(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.app_alb.values().collect();
        set.into_iter().cloned().collect()
    }

    /// Whether `app` runs in `region`.
    pub fn runs_in(&self, app: &str, region: &str) -> bool {
        self.alb_apps.get(region).is_some_and(|s| s.contains(app))
    }

    pub fn apps_in(&self, region: &str) -> Vec<String> {
        self.alb_apps
            .get(region)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// What Route 53 answers for `host` in `scenario`; a Region with
    /// several clusters names the ones its weighted records answer with
    /// (R10), as `eu-west-1 [blue]`.
    pub fn answer(&self, host: &str, scenario: &Scenario) -> Answer {
        let mut a = self.typed_answer(host, "A", scenario);
        if self
            .records
            .iter()
            .any(|r| r.host == host && r.kind == "AAAA")
        {
            let six = self.typed_answer(host, "AAAA", scenario);
            if six.regions != a.regions {
                a.rule = format!("{}; AAAA differs: {}", a.rule, six.short());
            }
        }
        a
    }

    /// `answer` from the records of one type.
    fn typed_answer(&self, host: &str, kind: &str, scenario: &Scenario) -> Answer {
        let mut a = self.region_answer(host, kind, scenario);
        for r in &mut a.regions {
            if let Some(c) = self.clusters_answer(host, kind, region_name(r), scenario) {
                *r = format!("{r} [{c}]");
            }
        }
        a
    }

    /// The clusters of `region` that answer for `host` (R2 among its
    /// weighted records), when it has several.
    fn clusters_answer(
        &self,
        host: &str,
        kind: &str,
        region: &str,
        s: &Scenario,
    ) -> Option<String> {
        let set: Vec<&(Record, String)> = self
            .members
            .iter()
            .filter(|(r, _)| r.host == host && r.kind == kind && r.region == region)
            .collect();
        if set.is_empty() {
            return None;
        }
        let weighed: Vec<(&str, u8, bool)> = set
            .iter()
            .map(|(r, c)| {
                let up = r.check.as_ref().is_none_or(|k| self.check_ok(k, s));
                (c.as_str(), weight(r), up)
            })
            .collect();
        Some(weighted(&weighed).0.join(" + "))
    }

    fn region_answer(&self, host: &str, kind: &str, scenario: &Scenario) -> Answer {
        let set: Vec<&Record> = self
            .records
            .iter()
            .filter(|r| r.host == host && r.kind == kind)
            .collect();
        let healthy: Vec<(&Record, bool)> = set
            .iter()
            .map(|r| (*r, self.healthy(r, scenario)))
            .collect();
        match set.first().map(|r| &r.policy) {
            Some(Policy::Primary | Policy::Secondary) => {
                let primary = healthy.iter().find(|(r, _)| r.policy == Policy::Primary);
                let secondary = healthy.iter().find(|(r, _)| r.policy == Policy::Secondary);
                match (primary, secondary) {
                    (Some((p, true)), _) => Answer {
                        regions: vec![p.region.clone()],
                        rule: "R5 primary healthy".into(),
                    },
                    (Some(_), Some((s, true))) => Answer {
                        regions: vec![s.region.clone()],
                        rule: "R5 primary unhealthy: secondary".into(),
                    },
                    (Some((p, false)), _) => Answer {
                        regions: vec![p.region.clone()],
                        rule: R5_BOTH_UNHEALTHY.into(),
                    },
                    (None, Some((s, _))) => Answer {
                        regions: vec![s.region.clone()],
                        rule: "R5 no primary".into(),
                    },
                    (None, None) => Answer {
                        regions: vec![],
                        rule: "no record".into(),
                    },
                }
            }
            Some(Policy::Weighted(_)) => {
                let weighed: Vec<(&Record, u8, bool)> =
                    healthy.iter().map(|(r, h)| (*r, weight(r), *h)).collect();
                let (picked, rule) = weighted(&weighed);
                Answer {
                    regions: picked
                        .iter()
                        .map(|r| match weight(r) {
                            0 => r.region.clone(),
                            w => format!("{} ({w})", r.region),
                        })
                        .collect(),
                    rule: rule.into(),
                }
            }
            Some(Policy::Latency) => {
                let up: Vec<String> = healthy
                    .iter()
                    .filter(|(_, h)| *h)
                    .map(|(r, _)| r.region.clone())
                    .collect();
                if up.is_empty() {
                    Answer {
                        regions: set.iter().map(|r| r.region.clone()).collect(),
                        rule: R3_FAILS_OPEN.into(),
                    }
                } else {
                    Answer {
                        regions: up,
                        rule: "R4 nearest healthy".into(),
                    }
                }
            }
            Some(Policy::Geo { .. }) => geo::geolocation(&healthy),
            Some(Policy::Proximity(_)) => geo::geoproximity(&healthy),
            None => Answer {
                regions: vec![],
                rule: "no record".into(),
            },
        }
    }

    fn healthy(&self, r: &Record, s: &Scenario) -> bool {
        let check_ok = r.check.as_ref().is_none_or(|c| self.check_ok(c, s));
        // R7: the ALB is healthy only while every app on it has healthy targets.
        let alb = r.app.as_ref().and_then(|a| self.app_alb.get(a));
        let alb_ok = !r.evaluate_target_health
            || (!s.regions_down.contains(&r.region)
                && self
                    .apps_in(&r.region)
                    .iter()
                    .filter(|a| alb.is_none() || self.app_alb.get(*a) == alb)
                    .all(|a| s.app_up(self, a, &r.region)));
        check_ok && alb_ok
    }

    fn check_ok(&self, c: &Check, s: &Scenario) -> bool {
        match c {
            Check::Endpoint {
                app: Some(app),
                region,
            } => s.app_up(self, app, region),
            Check::Endpoint { app: None, region } => !s.regions_down.contains(region),
            Check::Member {
                app,
                region,
                cluster,
            } => {
                !s.clusters_down.contains(cluster)
                    && app.as_ref().map_or(!s.regions_down.contains(region), |a| {
                        s.app_up(self, a, region)
                    })
            }
            Check::Calculated {
                threshold,
                children,
            } => children.iter().filter(|c| self.check_ok(c, s)).count() >= *threshold,
            Check::RoutingControl { region, control } => {
                !s.arc_off.contains(region) && !s.controls_off.contains(control)
            }
            Check::SwitchCheck { name, .. } => !s.controls_off.contains(name),
            Check::Unknown(_) => true,
        }
    }
}

/// Add an Ingress's host-less rules (or a host-less HTTPRoute's) to
/// `routes`: health path → app, as the ALB routes a Route 53 checker's
/// request that carries no app host; and each of those apps to `app_alb`,
/// with the ALB (the Ingress's name, or the route's Gateway). Other
/// documents add nothing.
pub fn health_routes(
    doc: &Value,
    routes: &mut BTreeMap<String, String>,
    app_alb: &mut BTreeMap<String, String>,
) {
    match doc["kind"].as_str() {
        Some("Ingress") => ingress_health_routes(doc, routes, app_alb),
        Some("HTTPRoute") => http_route_health_routes(doc, routes, app_alb),
        _ => {}
    }
}

fn http_route_health_routes(
    route: &Value,
    routes: &mut BTreeMap<String, String>,
    app_alb: &mut BTreeMap<String, String>,
) {
    let spec = &route["spec"];
    if spec
        .get("hostnames")
        .and_then(Value::as_sequence)
        .is_some_and(|h| !h.is_empty())
    {
        return;
    }
    let alb = spec["parentRefs"][0]["name"].as_str().unwrap_or_default();
    for rule in spec["rules"].as_sequence().into_iter().flatten() {
        let Some(svc) = rule["backendRefs"][0]["name"].as_str() else {
            continue;
        };
        for m in rule["matches"].as_sequence().into_iter().flatten() {
            if let Some(p) = m["path"]["value"].as_str() {
                routes.insert(p.to_string(), svc.to_string());
                app_alb.insert(svc.to_string(), alb.to_string());
            }
        }
    }
}

fn ingress_health_routes(
    ingress: &Value,
    routes: &mut BTreeMap<String, String>,
    app_alb: &mut BTreeMap<String, String>,
) {
    let alb = ingress["metadata"]["name"].as_str().unwrap_or_default();
    for rule in ingress["spec"]["rules"].as_sequence().into_iter().flatten() {
        if rule.get("host").is_some() {
            continue;
        }
        for path in rule["http"]["paths"].as_sequence().into_iter().flatten() {
            if let (Some(p), Some(svc)) = (
                path["path"].as_str(),
                path["backend"]["service"]["name"].as_str(),
            ) {
                routes.insert(p.to_string(), svc.to_string());
                app_alb.insert(svc.to_string(), alb.to_string());
            }
        }
    }
}

/// A workflow's steps as stages: each step alone, or a `Parallel` block's
/// steps together.
fn stages(steps: Option<&Value>) -> Vec<Stage> {
    let one = |s: &Value| {
        (
            s.get("Name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            s.get("ExecutionBlockType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )
    };
    steps
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|s| {
            match s
                .get("ExecutionBlockConfiguration")
                .and_then(|c| c.get("ParallelConfig"))
                .and_then(|c| c.get("Steps"))
                .and_then(Value::as_sequence)
            {
                Some(inner) => (one(s).0, inner.iter().map(one).collect()),
                None => (one(s).0, vec![one(s)]),
            }
        })
        .collect()
}

/// Read the records and checks out of the rendered CloudFormation templates
/// (YAML, short-form tags) and the host-less health routes of the Ingress
/// (path → app). Each template is `(file name, parsed YAML)`.
pub fn world(
    templates: &[(String, Value)],
    health_routes: &BTreeMap<String, String>,
    app_alb: &BTreeMap<String, String>,
) -> Result<World, String> {
    // Resources across templates: logical IDs are unique per stack only, so keep the stack.
    let mut checks: BTreeMap<(usize, String), &Value> = BTreeMap::new();
    let mut controls: BTreeMap<(usize, String), String> = BTreeMap::new();
    let mut exports: BTreeMap<String, (usize, String)> = BTreeMap::new();
    // (stack, output) → (template, the resource its value refers to).
    let mut outputs_of: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
    // (template, parameter) → (stack, output) that `gen deploy` passes it from.
    let mut inputs: BTreeMap<(usize, String), (String, String)> = BTreeMap::new();
    // (template, parameter) → the Region of the Region switch plan check
    // it carries (the plan: the resource its output names).
    let mut switch_inputs: BTreeMap<(usize, String), String> = BTreeMap::new();
    let mut records: Vec<(usize, &Value)> = Vec::new();
    let mut plans: Vec<(usize, &Value)> = Vec::new();
    for (i, (file, t)) in templates.iter().enumerate() {
        // The stack the template names (its file's name otherwise).
        let gen_meta = t.get("Metadata").and_then(|m| m.get("gen"));
        let stack = gen_meta
            .and_then(|g| g.get("stack"))
            .and_then(Value::as_str)
            .map_or_else(|| stack_of(file), str::to_string);
        if let Some(ins) = gen_meta
            .and_then(|g| g.get("inputs"))
            .and_then(Value::as_mapping)
        {
            for (param, from) in ins {
                if let (Some(param), Some(s), Some(o)) = (
                    param.as_str(),
                    from.get("stack").and_then(Value::as_str),
                    from.get("output").and_then(Value::as_str),
                ) {
                    inputs.insert((i, param.to_string()), (s.to_string(), o.to_string()));
                    if let Some(r) = from
                        .get("healthCheck")
                        .and_then(|h| h.get("region"))
                        .and_then(Value::as_str)
                    {
                        switch_inputs.insert((i, param.to_string()), r.to_string());
                    }
                }
            }
        }
        let Some(resources) = t.get("Resources").and_then(Value::as_mapping) else {
            continue;
        };
        for (id, res) in resources {
            let Some(id) = id.as_str() else { continue };
            match res.get("Type").and_then(Value::as_str) {
                Some("AWS::Route53::HealthCheck") => {
                    checks.insert((i, id.to_string()), res);
                }
                Some("AWS::ARCRegionSwitch::Plan") => {
                    if let Some(p) = res.get("Properties") {
                        plans.push((i, p));
                    }
                }
                Some("AWS::Route53RecoveryControl::RoutingControl") => {
                    let name = res
                        .get("Properties")
                        .and_then(|p| p.get("Name"))
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    controls.insert((i, id.to_string()), name.to_string());
                }
                // A record's properties, alone or as one of a group's.
                Some("AWS::Route53::RecordSet") => {
                    if let Some(p) = res.get("Properties") {
                        records.push((i, p));
                    }
                }
                Some("AWS::Route53::RecordSetGroup") => {
                    for r in res
                        .get("Properties")
                        .and_then(|p| p.get("RecordSets"))
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                    {
                        records.push((i, r));
                    }
                }
                _ => {}
            }
        }
        if let Some(outputs) = t.get("Outputs").and_then(Value::as_mapping) {
            for (name, o) in outputs {
                if let (Some(name), Some(r)) = (name.as_str(), reference(o.get("Value"))) {
                    outputs_of.insert((stack.clone(), name.to_string()), (i, r));
                }
                if let (Some(name), Some(r)) = (
                    o.get("Export")
                        .and_then(|e| e.get("Name"))
                        .and_then(Value::as_str),
                    reference(o.get("Value")),
                ) {
                    exports.insert(name.to_string(), (i, r));
                }
            }
        }
    }
    // Region switch plans: each routing control they set, by name (the
    // parameter, from gen.inputs, is an output of the ARC stack).
    let control_of = |i: usize, v: Option<&Value>| -> Option<String> {
        let param = reference(v)?;
        let from = inputs.get(&(i, param))?;
        let (j, logical) = outputs_of.get(from)?;
        controls.get(&(*j, logical.clone())).cloned()
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let switches: Vec<SwitchSim> = plans
        .iter()
        .map(|(i, p)| SwitchSim {
            name: text(p.get("Name")),
            regions: p
                .get("Regions")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            workflows: p
                .get("Workflows")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .map(|w| WorkflowSim {
                    activate: w.get("WorkflowTargetAction").and_then(Value::as_str)
                        == Some("activate"),
                    target: w
                        .get("WorkflowTargetRegion")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    changes: w
                        .get("Steps")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .filter_map(|s| {
                            s.get("ExecutionBlockConfiguration")?
                                .get("ArcRoutingControlConfig")?
                                .get("RegionAndRoutingControls")?
                                .as_mapping()
                        })
                        .flatten()
                        .flat_map(|(region, list)| {
                            let region = region.as_str().unwrap_or_default().to_string();
                            list.as_sequence()
                                .into_iter()
                                .flatten()
                                .filter_map(move |c| {
                                    Some((
                                        region.clone(),
                                        control_of(*i, c.get("RoutingControlArn"))?,
                                        c.get("State").and_then(Value::as_str) == Some("On"),
                                    ))
                                })
                                .collect::<Vec<_>>()
                        })
                        .collect(),
                    stages: stages(w.get("Steps")),
                })
                .collect(),
        })
        .collect();
    // Without ARC, a workflow's Route 53 health check blocks set the plan's
    // checks of each Region: healthy in the Region an activation targets
    // (both, without a target), unhealthy in the other, and unhealthy in
    // both on a deactivation, whose target is the Region that leaves
    // (ARC Developer Guide, "Amazon Route 53 health check execution block").
    let mut switches = switches;
    for ((_, p), sim) in plans.iter().zip(switches.iter_mut()) {
        let flows = p.get("Workflows").and_then(Value::as_sequence);
        for (w, ws) in flows.into_iter().flatten().zip(sim.workflows.iter_mut()) {
            if !sets_health_checks(w.get("Steps")) {
                continue;
            }
            for r in &sim.regions {
                let on = match (&ws.target, ws.activate) {
                    (Some(t), true) => t == r,
                    (None, true) => true,
                    (_, false) => false,
                };
                ws.changes
                    .push((r.clone(), format!("{}@{r}", sim.name), on));
            }
        }
    }
    let name_of = |p: &Value| {
        p.get("Name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    // A record's Region: its set identifier, without a geolocation
    // record's location.
    let set_of = |p: &Value| {
        let set = p
            .get("SetIdentifier")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if p.get("GeoLocation").is_some() {
            geo::set_region(set).to_string()
        } else {
            set.to_string()
        }
    };
    // R10: a record whose alias target is another record of the zone
    // aliases a Region's clusters: that name → (the Region, the app's host).
    let names: BTreeSet<String> = records.iter().map(|(_, p)| name_of(p)).collect();
    let mut inner: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (_, p) in &records {
        if let Some(dns) = p
            .get("AliasTarget")
            .and_then(|a| a.get("DNSName"))
            .and_then(Value::as_str)
            .filter(|d| names.contains(*d))
        {
            inner.insert(
                dns.to_string(),
                (set_of(p), name_of(p).trim_end_matches('.').to_string()),
            );
        }
    }
    // ALB DNS name (or parameter) → Region (and cluster, of a Region with
    // several), from the records' alias targets.
    let mut alb_region: BTreeMap<String, String> = BTreeMap::new();
    let mut alb_cluster: BTreeMap<String, String> = BTreeMap::new();
    for (_, p) in &records {
        let Some(dns) = p.get("AliasTarget").and_then(|a| a.get("DNSName")) else {
            continue;
        };
        if dns.as_str().is_some_and(|d| names.contains(d)) {
            continue;
        }
        match inner.get(&name_of(p)) {
            Some((region, _)) => {
                alb_region.insert(target_key(dns), region.clone());
                alb_cluster.insert(target_key(dns), set_of(p));
            }
            None => {
                alb_region.insert(target_key(dns), set_of(p));
            }
        }
    }
    let regions: BTreeSet<String> = alb_region.values().cloned().collect();
    let ctx = Ctx {
        templates,
        checks: &checks,
        controls: &controls,
        exports: &exports,
        outputs_of: &outputs_of,
        inputs: &inputs,
        switch_inputs: &switch_inputs,
        alb_region: &alb_region,
        alb_cluster: &alb_cluster,
        health_routes,
        regions: &regions,
    };
    let mut out = Vec::new();
    let mut members = Vec::new();
    let mut alb_apps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, p) in &records {
        let host = p
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_string();
        let region = set_of(p);
        let geo_location = p.get("GeoLocation");
        let proximity = p.get("GeoProximityLocation");
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let policy = if let Some(g) = geo_location {
            Policy::Geo {
                continent: text(g, "ContinentCode"),
                country: text(g, "CountryCode"),
                subdivision: text(g, "SubdivisionCode"),
            }
        } else if let Some(g) = proximity {
            Policy::Proximity(
                g.get("Bias")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    .clamp(-99, 99) as i8,
            )
        } else if let Some(w) = p.get("Weight").and_then(Value::as_u64) {
            Policy::Weighted(w.min(255) as u8)
        } else if p.get("Region").is_some() {
            Policy::Latency
        } else {
            match p.get("Failover").and_then(Value::as_str) {
                Some("PRIMARY") => Policy::Primary,
                Some("SECONDARY") => Policy::Secondary,
                _ => Policy::Latency,
            }
        };
        let check = reference(p.get("HealthCheckId")).map(|id| ctx.check(*i, &id, 0));
        let eth = p
            .get("AliasTarget")
            .and_then(|a| a.get("EvaluateTargetHealth"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let app = check.as_ref().and_then(Check::app).map(str::to_string);
        let kind = p
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("A")
            .to_string();
        match inner.get(&name_of(p)) {
            Some((outer, app_host)) => members.push((
                Record {
                    host: app_host.clone(),
                    region: outer.clone(),
                    kind,
                    app,
                    policy,
                    check,
                    evaluate_target_health: eth,
                },
                region,
            )),
            None => out.push(Record {
                host,
                region,
                kind,
                app,
                policy,
                check,
                evaluate_target_health: eth,
            }),
        }
    }
    // Every app with a health route has targets on every Region's ALB.
    for region in &regions {
        alb_apps.insert(region.clone(), health_routes.values().cloned().collect());
    }
    Ok(World {
        records: out,
        alb_apps,
        app_alb: app_alb.clone(),
        switches,
        members,
    })
}

/// Whether these steps (or a parallel block's) hold a Route 53 health
/// check block.
fn sets_health_checks(steps: Option<&Value>) -> bool {
    steps
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .any(
            |s| match s.get("ExecutionBlockType").and_then(Value::as_str) {
                Some("Route53HealthCheck") => true,
                Some("Parallel") => sets_health_checks(
                    s.get("ExecutionBlockConfiguration")
                        .and_then(|c| c.get("ParallelConfig"))
                        .and_then(|c| c.get("Steps")),
                ),
                _ => false,
            },
        )
}

struct Ctx<'a> {
    templates: &'a [(String, Value)],
    checks: &'a BTreeMap<(usize, String), &'a Value>,
    controls: &'a BTreeMap<(usize, String), String>,
    exports: &'a BTreeMap<String, (usize, String)>,
    outputs_of: &'a BTreeMap<(String, String), (usize, String)>,
    inputs: &'a BTreeMap<(usize, String), (String, String)>,
    switch_inputs: &'a BTreeMap<(usize, String), String>,
    alb_region: &'a BTreeMap<String, String>,
    alb_cluster: &'a BTreeMap<String, String>,
    health_routes: &'a BTreeMap<String, String>,
    regions: &'a BTreeSet<String>,
}

impl Ctx<'_> {
    fn check(&self, stack: usize, id: &str, depth: usize) -> Check {
        // A parameter that `gen deploy` fills from another stack's output:
        // follow it to the resource that output names.
        if let Some((s, o)) = self.inputs.get(&(stack, id.to_string())) {
            if let Some(region) = self.switch_inputs.get(&(stack, id.to_string())) {
                let plan = self
                    .outputs_of
                    .get(&(s.clone(), o.clone()))
                    .and_then(|(t, r)| {
                        self.templates[*t]
                            .1
                            .get("Resources")?
                            .get(r.as_str())?
                            .get("Properties")?
                            .get("Name")?
                            .as_str()
                    });
                return match plan {
                    Some(plan) => Check::SwitchCheck {
                        region: region.clone(),
                        name: format!("{plan}@{region}"),
                    },
                    None => Check::Unknown(format!("{id} (a Region switch plan's check)")),
                };
            }
            return match self.outputs_of.get(&(s.clone(), o.clone())) {
                Some((t, r)) if depth < 4 && *t != stack => self.check(*t, r, depth + 1),
                _ => Check::Unknown(format!("{id} (output {o} of stack {s}, not rendered here)")),
            };
        }
        let Some(res) = self.checks.get(&(stack, id.to_string())) else {
            return Check::Unknown(format!(
                "{id} (not a health check of {})",
                self.templates[stack].0
            ));
        };
        let Some(cfg) = res
            .get("Properties")
            .and_then(|p| p.get("HealthCheckConfig"))
        else {
            return Check::Unknown(id.to_string());
        };
        match cfg.get("Type").and_then(Value::as_str) {
            Some("CALCULATED") if depth < 4 => {
                let children = cfg
                    .get("ChildHealthChecks")
                    .and_then(Value::as_sequence)
                    .map(|kids| {
                        kids.iter()
                            .map(|k| match k {
                                Value::Tagged(t) if t.tag == "ImportValue" => {
                                    match t.value.as_str().and_then(|e| self.exports.get(e)) {
                                        Some((s, r)) => self.check(*s, r, depth + 1),
                                        None => Check::Unknown(format!(
                                            "import {:?} (no template here exports it)",
                                            t.value.as_str().unwrap_or_default()
                                        )),
                                    }
                                }
                                other => match reference(Some(other)) {
                                    Some(r) => self.check(stack, &r, depth + 1),
                                    None => Check::Unknown("a child check".into()),
                                },
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let threshold = cfg
                    .get("HealthThreshold")
                    .and_then(Value::as_u64)
                    .unwrap_or(1) as usize;
                Check::Calculated {
                    threshold,
                    children,
                }
            }
            Some("RECOVERY_CONTROL") => {
                let control = reference(cfg.get("RoutingControlArn"))
                    .and_then(|r| self.controls.get(&(stack, r)).cloned())
                    .unwrap_or_default();
                // A routing control's name ends in its Region.
                match self
                    .regions
                    .iter()
                    .find(|r| control.ends_with(&format!("-{r}")))
                {
                    Some(region) => Check::RoutingControl {
                        region: region.clone(),
                        control: control.clone(),
                    },
                    None => Check::Unknown(format!("routing control {control}")),
                }
            }
            Some("HTTP" | "HTTPS" | "TCP") => {
                let fqdn = cfg.get("FullyQualifiedDomainName").map(target_key);
                let Some(region) = fqdn.as_ref().and_then(|f| self.alb_region.get(f)) else {
                    return Check::Unknown(format!("{id}: not aimed at an ALB of these records"));
                };
                let app = cfg
                    .get("ResourcePath")
                    .and_then(Value::as_str)
                    .and_then(|p| self.health_routes.get(p))
                    .cloned();
                match fqdn.as_ref().and_then(|f| self.alb_cluster.get(f)) {
                    Some(cluster) => Check::Member {
                        app,
                        region: region.clone(),
                        cluster: cluster.clone(),
                    },
                    None => Check::Endpoint {
                        app,
                        region: region.clone(),
                    },
                }
            }
            other => Check::Unknown(format!("{id} ({other:?})")),
        }
    }
}

/// The stack a template file deploys: its file name without `.yaml`.
fn stack_of(file: &str) -> String {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.strip_suffix(".yaml").unwrap_or(name).to_string()
}

/// `!Ref X` (or `{Ref: X}`) → X.
fn reference(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Tagged(t) if t.tag == "Ref" => t.value.as_str().map(str::to_string),
        Value::Mapping(m) => m.get("Ref").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// A literal value or a `!Ref` to a parameter, as one comparable key.
fn target_key(v: &Value) -> String {
    match reference(Some(v)) {
        Some(r) => format!("ref:{r}"),
        None => v.as_str().unwrap_or_default().to_string(),
    }
}

/// The scenarios run when none is given: each app down in each Region, and
/// each Region down.
pub fn default_scenarios(w: &World) -> Vec<Scenario> {
    let mut out = Vec::new();
    for region in w.regions() {
        for app in w.apps_in(&region) {
            let mut s = Scenario::default();
            s.apps_down.insert((app, region.clone()));
            out.push(s);
        }
    }
    for region in w.regions() {
        let mut s = Scenario::default();
        s.regions_down.insert(region);
        out.push(s);
    }
    // Each cluster of a Region with several.
    let clusters: BTreeSet<&String> = w.members.iter().map(|(_, c)| c).collect();
    for c in clusters {
        let mut s = Scenario::default();
        s.clusters_down.insert(c.clone());
        out.push(s);
    }
    // Each ALB is a failure domain of its own, when there are several.
    let albs = w.albs();
    if albs.len() > 1 {
        for region in w.regions() {
            for alb in &albs {
                let mut s = Scenario::default();
                s.albs_down.insert((alb.clone(), region.clone()));
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aaaa_records_answer_as_the_a_records_and_a_difference_is_said() {
        let rec = |region: &str, kind: &str, app: &str| Record {
            host: "h".into(),
            region: region.into(),
            kind: kind.into(),
            app: Some(app.into()),
            policy: Policy::Latency,
            check: Some(Check::Endpoint {
                app: Some(app.into()),
                region: region.into(),
            }),
            evaluate_target_health: false,
        };
        let mut w = World {
            records: vec![
                rec("r1", "A", "a"),
                rec("r2", "A", "a"),
                rec("r1", "AAAA", "a"),
                rec("r2", "AAAA", "a"),
            ],
            ..World::default()
        };
        w.include_region("r1", ["a".to_string()]);
        w.include_region("r2", ["a".to_string()]);
        let mut down = Scenario::default();
        down.apps_down.insert(("a".into(), "r1".into()));
        let a = w.answer("h", &down);
        assert_eq!(a.regions, ["r2"]);
        assert!(!a.rule.contains("AAAA"), "{a:?}");
        // An AAAA record that another check guards answers otherwise: said.
        w.records[2] = rec("r1", "AAAA", "b");
        w.include_region("r1", ["b".to_string()]);
        let a = w.answer("h", &down);
        assert!(a.rule.contains("AAAA differs: r1 + r2"), "{a:?}");
    }

    #[test]
    fn a_switch_order_shows_its_stages_in_order_and_its_databases_by_block() {
        let step = |n: &str, b: &str| (n.to_string(), vec![(n.to_string(), b.to_string())]);
        let mut o = SwitchOrder {
            plan: "p".into(),
            workflow: "activate us-west-2".into(),
            stages: vec![
                step("scale-up", "EKSResourceScaling"),
                step("database-a", "AuroraGlobalDatabase"),
                step("traffic", "Route53HealthCheck"),
            ],
        };
        assert!(o.has_databases());
        assert_eq!(
            o.line(),
            "scale-up -> database-a (AuroraGlobalDatabase) -> traffic"
        );
        o.stages.swap(1, 2);
        assert_eq!(
            o.line(),
            "scale-up -> traffic -> database-a (AuroraGlobalDatabase)"
        );
        o.stages.remove(2);
        assert!(!o.has_databases());
    }

    fn rec(host: &str, region: &str, policy: Policy, check: Option<Check>, eth: bool) -> Record {
        Record {
            host: host.into(),
            region: region.into(),
            kind: "A".into(),
            app: check.as_ref().and_then(Check::app).map(str::to_string),
            policy,
            check,
            evaluate_target_health: eth,
        }
    }

    /// Two ALBs: `a` on x, `b` on y. R7 counts only the apps of a record's
    /// own ALB, and an ALB down takes only its own apps.
    #[test]
    fn each_alb_is_its_own_failure_domain() {
        let mut w = world(vec![
            rec("a.example.com", "r1", Policy::Latency, ep("a", "r1"), true),
            rec("a.example.com", "r2", Policy::Latency, ep("a", "r2"), true),
            rec("b.example.com", "r1", Policy::Latency, ep("b", "r1"), true),
            rec("b.example.com", "r2", Policy::Latency, ep("b", "r2"), true),
        ]);
        w.app_alb = [("a", "x"), ("b", "y")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .into();
        let both = ["r1", "r2"].map(String::from).to_vec();
        // b down in r1 leaves a's ALB (x) healthy: a stays in both Regions.
        assert_eq!(
            w.answer("a.example.com", &down(&[("b", "r1")])).regions,
            both
        );
        // With one ALB for both, b down would have moved a too.
        let mut one = world(w.records.clone());
        one.app_alb = [("a", "x"), ("b", "x")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .into();
        assert_eq!(
            one.answer("a.example.com", &down(&[("b", "r1")])).regions,
            ["r2"]
        );
        // ALB x down in r1: a leaves r1, b does not.
        let x_down = Scenario {
            albs_down: [("x".to_string(), "r1".to_string())].into(),
            ..Scenario::default()
        };
        assert_eq!(w.answer("a.example.com", &x_down).regions, ["r2"]);
        assert_eq!(w.answer("b.example.com", &x_down).regions, both);
        assert_eq!(x_down.to_string(), "ALB x down in r1");
        // The default scenarios include each ALB in each Region.
        let n = default_scenarios(&w)
            .iter()
            .filter(|s| !s.albs_down.is_empty())
            .count();
        assert_eq!(n, 4);
    }

    fn ep(app: &str, region: &str) -> Option<Check> {
        Some(Check::Endpoint {
            app: Some(app.into()),
            region: region.into(),
        })
    }

    fn world(records: Vec<Record>) -> World {
        let apps: BTreeSet<String> = ["a", "b"].map(String::from).into();
        World {
            records,
            alb_apps: [("r1".to_string(), apps.clone()), ("r2".to_string(), apps)].into(),
            app_alb: BTreeMap::new(),
            switches: Vec::new(),
            members: Vec::new(),
        }
    }

    fn down(pairs: &[(&str, &str)]) -> Scenario {
        Scenario {
            apps_down: pairs
                .iter()
                .map(|(a, r)| (a.to_string(), r.to_string()))
                .collect(),
            ..Scenario::default()
        }
    }

    /// Each case: (rule it checks, world, scenario, host, expected answer).
    #[test]
    fn route53_answer_rules() {
        let weighted = || {
            world(vec![
                rec("a", "r1", Policy::Weighted(100), ep("a", "r1"), false),
                rec("a", "r2", Policy::Weighted(0), ep("a", "r2"), false),
            ])
        };
        let latency = |eth: bool| {
            world(vec![
                rec("a", "r1", Policy::Latency, ep("a", "r1"), eth),
                rec("a", "r2", Policy::Latency, ep("a", "r2"), eth),
                rec("b", "r1", Policy::Latency, ep("b", "r1"), eth),
                rec("b", "r2", Policy::Latency, ep("b", "r2"), eth),
            ])
        };
        let failover = |secondary_check: Option<Check>| {
            world(vec![
                rec("a", "r1", Policy::Primary, ep("a", "r1"), false),
                rec("a", "r2", Policy::Secondary, secondary_check, false),
            ])
        };
        let cases: Vec<(&str, World, Scenario, &str, Vec<&str>)> = vec![
            (
                "R2: the non-zero weight answers",
                weighted(),
                Scenario::default(),
                "a",
                vec!["r1 (100)"],
            ),
            (
                "R1+R2: weight 0 answers once the non-zero record is unhealthy",
                weighted(),
                down(&[("a", "r1")]),
                "a",
                vec!["r2"],
            ),
            (
                "R3: all unhealthy, weighted fails open to the non-zero records",
                weighted(),
                down(&[("a", "r1"), ("a", "r2")]),
                "a",
                vec!["r1 (100)"],
            ),
            (
                "R4: latency answers from every healthy Region",
                latency(false),
                Scenario::default(),
                "a",
                vec!["r1", "r2"],
            ),
            (
                "R1+R4: an unhealthy Region is skipped",
                latency(false),
                down(&[("a", "r1")]),
                "a",
                vec!["r2"],
            ),
            (
                "R1: another app on the same ALB is not moved (per-app checks)",
                latency(false),
                down(&[("a", "r1")]),
                "b",
                vec!["r1", "r2"],
            ),
            (
                "R7: evaluate target health moves every app on the ALB",
                latency(true),
                down(&[("a", "r1")]),
                "b",
                vec!["r2"],
            ),
            (
                "R3: all unhealthy, latency fails open",
                latency(false),
                down(&[("a", "r1"), ("a", "r2")]),
                "a",
                vec!["r1", "r2"],
            ),
            (
                "R5: healthy primary answers",
                failover(ep("a", "r2")),
                Scenario::default(),
                "a",
                vec!["r1"],
            ),
            (
                "R5: unhealthy primary, healthy secondary",
                failover(ep("a", "r2")),
                down(&[("a", "r1")]),
                "a",
                vec!["r2"],
            ),
            (
                "R5: both unhealthy, the primary answers",
                failover(ep("a", "r2")),
                down(&[("a", "r1"), ("a", "r2")]),
                "a",
                vec!["r1"],
            ),
            (
                "R6: a secondary without a check is healthy",
                failover(None),
                down(&[("a", "r1"), ("a", "r2")]),
                "a",
                vec!["r2"],
            ),
        ];
        for (rule, w, s, host, want) in cases {
            assert_eq!(w.answer(host, &s).regions, want, "{rule}");
        }
    }

    #[test]
    fn calculated_and_routing_control_checks() {
        let combined = |region: &str| {
            Some(Check::Calculated {
                threshold: 2,
                children: vec![
                    Check::Endpoint {
                        app: Some("a".into()),
                        region: region.into(),
                    },
                    Check::RoutingControl {
                        region: region.into(),
                        control: format!("t-{region}"),
                    },
                ],
            })
        };
        let w = world(vec![
            rec("a", "r1", Policy::Latency, combined("r1"), false),
            rec("a", "r2", Policy::Latency, combined("r2"), false),
        ]);
        let off = Scenario {
            arc_off: ["r1".to_string()].into(),
            ..Scenario::default()
        };
        assert_eq!(
            w.answer("a", &off).regions,
            ["r2"],
            "R8+R9: a control Off takes the record out"
        );
        assert_eq!(
            w.answer("a", &down(&[("a", "r2")])).regions,
            ["r1"],
            "R8: the app's own check still counts"
        );
        let both = Scenario {
            arc_off: ["r1".to_string(), "r2".to_string()].into(),
            ..Scenario::default()
        };
        assert_eq!(
            w.answer("a", &both).rule,
            "R3 all unhealthy: fails open",
            "why ARC needs a safety rule"
        );
    }
}
