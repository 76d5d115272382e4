//! What a change to the spec does to DNS, for pull-request review: per app
//! and Region, the routing (policy, weight, primary), the health check that
//! gates the record, and apps or Regions added and removed. Read from the
//! plans (what will really be deployed), not from the spec text. Pure.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::{GeoCodes, Plan, RecordPlan, Value};
use crate::spec::checked::Api;

/// DNS behaviour of every app in every Region where it has a record.
#[derive(Debug, Default, PartialEq)]
pub struct Behaviour {
    /// app → (host, Region → facts), Regions in spec order.
    apps: BTreeMap<String, (String, Vec<(String, Facts)>)>,
    /// app → the shared ALB that carries it.
    albs: BTreeMap<String, String>,
}

/// The facts of one record, as (name, value) pairs in a fixed order.
type Facts = Vec<(&'static str, String)>;

pub fn behaviour(plan: &Plan) -> Behaviour {
    let mut b = Behaviour::default();
    for alb in &plan.ingress.albs {
        for app in &alb.apps {
            b.albs.insert(app.clone(), alb.name.clone());
        }
    }
    for s in &plan.stacks {
        for e in &s.entries {
            let r = &e.record;
            let hc = &e.health_check;
            let locations: Vec<String> = r
                .sets
                .iter()
                .filter(|x| x.kind == "A")
                .filter_map(|x| x.location.as_ref().map(GeoCodes::label))
                .collect();
            let routing = match (r.weight, &r.latency_region, r.failover, r.proximity) {
                _ if !locations.is_empty() => format!("geolocation {}", locations.join(", ")),
                (_, _, _, Some(b)) => format!("geoproximity, bias {b}"),
                (Some(w), _, _, _) => format!("weighted, weight {w}"),
                (_, Some(_), _, _) => "latency".to_string(),
                (_, _, Some(f), _) => format!("failover {}", f.word()),
                _ => "simple".to_string(),
            };
            let target = format!(
                "{} port {}{}",
                hc.protocol.as_str(),
                hc.port,
                hc.path
                    .as_deref()
                    .map(|p| format!(" {p}"))
                    .unwrap_or_default()
            );
            let mut facts: Facts = vec![
                ("routing", routing),
                ("health check", target),
                ("check interval", format!("{} s", hc.interval)),
                ("failure threshold", hc.failure_threshold.to_string()),
                (
                    "latency measurement",
                    if hc.measure_latency {
                        "on".into()
                    } else {
                        "off".into()
                    },
                ),
            ];
            facts.push((
                "evaluate target health",
                if r.evaluate_target_health {
                    "yes".into()
                } else {
                    "no".into()
                },
            ));
            let arc = match e.combined.as_ref().and_then(|c| c.control.as_ref()) {
                Some(c) => format!("yes ({c})"),
                None => "no".into(),
            };
            facts.push(("routing control", arc));
            if let Some(c) = e.combined.as_ref().filter(|c| !c.switch_plans.is_empty()) {
                facts.push((
                    "Region switch checks",
                    format!("yes ({})", c.switch_plans.join(", ")),
                ));
            }
            // IPv6: the AAAA records beside the A records.
            if r.sets.iter().any(|x| x.kind == "AAAA") {
                facts.push(("record types", "A, AAAA".to_string()));
            }
            facts.push((
                "ALB",
                match &r.alias_dns_name {
                    Value::Literal(name) => name.clone(),
                    Value::Param(p) => format!("parameter {p}"),
                },
            ));
            // Several clusters: their weights share the Region's traffic.
            if !e.members.is_empty() {
                let weights: Vec<String> = e
                    .members
                    .iter()
                    .map(|m| format!("{} weight {}", m.cluster, m.record.weight.unwrap_or(0)))
                    .collect();
                facts.push(("clusters", weights.join(", ")));
            }
            let host = r.name.trim_end_matches('.').to_string();
            b.apps
                .entry(r.app.clone())
                .or_insert_with(|| (host, Vec::new()))
                .1
                .push((r.region.clone(), facts));
        }
    }
    b
}

#[derive(Debug, PartialEq)]
pub enum Change {
    AppAdded {
        app: String,
        host: String,
        regions: Vec<(String, String)>,
    },
    AppRemoved {
        app: String,
        host: String,
    },
    HostChanged {
        app: String,
        from: String,
        to: String,
    },
    /// The app moves to another shared ALB: its rules, its health checks'
    /// endpoint and its alias records all change, in every Region.
    AlbMoved {
        app: String,
        from: String,
        to: String,
    },
    RegionAdded {
        app: String,
        region: String,
        routing: String,
    },
    RegionRemoved {
        app: String,
        region: String,
    },
    Fact {
        app: String,
        region: String,
        what: &'static str,
        from: String,
        to: String,
    },
}

impl Change {
    /// The app and Region it is about (`all` for the app as a whole).
    pub fn scope(&self) -> (&str, &str) {
        match self {
            Change::AppAdded { app, .. }
            | Change::AppRemoved { app, .. }
            | Change::HostChanged { app, .. }
            | Change::AlbMoved { app, .. } => (app.as_str(), "all"),
            Change::RegionAdded { app, region, .. }
            | Change::RegionRemoved { app, region }
            | Change::Fact { app, region, .. } => (app.as_str(), region.as_str()),
        }
    }
}

/// What changes, in plain words, without its app and Region.
impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&line(self, false, false))
    }
}

/// What going from `base` (None: no spec there) to `head` does: the DNS
/// changes, and what deploying them will do.
pub fn review(base: Option<&Plan>, head: &Plan) -> (Vec<Change>, Vec<Consequence>) {
    let before = base.map(behaviour).unwrap_or_default();
    (diff(&before, &behaviour(head)), consequences(base, head))
}

pub fn diff(base: &Behaviour, head: &Behaviour) -> Vec<Change> {
    let mut out = Vec::new();
    for (app, (host, regions)) in &head.apps {
        let Some((base_host, base_regions)) = base.apps.get(app) else {
            out.push(Change::AppAdded {
                app: app.clone(),
                host: host.clone(),
                regions: regions
                    .iter()
                    .map(|(r, f)| (r.clone(), fact(f, "routing")))
                    .collect(),
            });
            continue;
        };
        if base_host != host {
            out.push(Change::HostChanged {
                app: app.clone(),
                from: base_host.clone(),
                to: host.clone(),
            });
        }
        if let (Some(from), Some(to)) = (base.albs.get(app), head.albs.get(app))
            && from != to
        {
            out.push(Change::AlbMoved {
                app: app.clone(),
                from: from.clone(),
                to: to.clone(),
            });
        }
        for (region, facts) in regions {
            match base_regions.iter().find(|(r, _)| r == region) {
                None => out.push(Change::RegionAdded {
                    app: app.clone(),
                    region: region.clone(),
                    routing: fact(facts, "routing"),
                }),
                Some((_, before)) => {
                    for (what, now) in facts {
                        let was = fact(before, what);
                        if &was != now {
                            out.push(Change::Fact {
                                app: app.clone(),
                                region: region.clone(),
                                what,
                                from: was,
                                to: now.clone(),
                            });
                        }
                    }
                }
            }
        }
        for (region, _) in base_regions {
            if !regions.iter().any(|(r, _)| r == region) {
                out.push(Change::RegionRemoved {
                    app: app.clone(),
                    region: region.clone(),
                });
            }
        }
    }
    for (app, (host, _)) in &base.apps {
        if !head.apps.contains_key(app) {
            out.push(Change::AppRemoved {
                app: app.clone(),
                host: host.clone(),
            });
        }
    }
    out
}

fn fact(facts: &Facts, what: &str) -> String {
    facts
        .iter()
        .find(|(k, _)| *k == what)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Plain text, one line per change.
pub fn text(changes: &[Change]) -> String {
    let mut s = String::new();
    if changes.is_empty() {
        s.push_str("no change in DNS behaviour\n");
    }
    for c in changes {
        let _ = writeln!(s, "{}", line(c, true, false));
    }
    s
}

/// Markdown for a pull-request comment.
pub fn markdown(changes: &[Change], base: &str) -> String {
    let mut s = format!("### DNS behaviour after this change (against `{base}`)\n\n");
    if changes.is_empty() {
        s.push_str("No change in DNS behaviour: every app answers from the same Regions, with the same routing and health checks.\n");
        return s;
    }
    s.push_str("| App | Region | Change |\n|---|---|---|\n");
    for c in changes {
        let (app, region) = c.scope();
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            cell(app),
            cell(region),
            cell(&line(c, false, true))
        );
    }
    s
}

/// One change in words: with `prefix`, led by its app and Region (a line
/// of its own); with `code`, names in Markdown code spans.
fn line(c: &Change, prefix: bool, code: bool) -> String {
    let code = |t: &str| {
        if code {
            format!("`{t}`")
        } else {
            t.to_string()
        }
    };
    match c {
        Change::AppAdded { app, host, regions } => {
            let rs: Vec<String> = regions
                .iter()
                .map(|(r, routing)| format!("{r} ({routing})"))
                .collect();
            if !prefix {
                format!("added: {} answers from {}", code(host), rs.join(", "))
            } else {
                format!("{app}: added: {host} answers from {}", rs.join(", "))
            }
        }
        Change::AppRemoved { app, host } => {
            if !prefix {
                format!("removed: {} no longer answers", code(host))
            } else {
                format!("{app}: removed: {host} no longer answers")
            }
        }
        Change::HostChanged { app, from, to } => {
            if !prefix {
                format!("host {} → {}", code(from), code(to))
            } else {
                format!("{app}: host {from} -> {to}")
            }
        }
        Change::AlbMoved { app, from, to } => {
            let what = format!(
                "moves from ALB {} to ALB {}: in every Region its listener rules leave {from}'s load balancer for {to}'s, and its health checks and alias records now aim at {to}, so a failure of {to} moves it and one of {from} no longer does",
                code(from),
                code(to)
            );
            if !prefix {
                what
            } else {
                format!("{app}: {what}")
            }
        }
        Change::RegionAdded {
            app,
            region,
            routing,
        } => {
            if !prefix {
                format!("now answers here ({routing})")
            } else {
                format!("{app} in {region}: now answers here ({routing})")
            }
        }
        Change::RegionRemoved { app, region } => {
            if !prefix {
                "no longer answers here".to_string()
            } else {
                format!("{app} in {region}: no longer answers here")
            }
        }
        Change::Fact {
            app,
            region,
            what,
            from,
            to,
        } => {
            if !prefix {
                format!("{what}: {from} → {to}")
            } else {
                format!("{app} in {region}: {what}: {from} -> {to}")
            }
        }
    }
}

/// A Markdown table cell: pipes escaped, no line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// What deploying a change will do beyond the DNS answers: what AWS
/// replaces, what goes in one batch, what runs in a second phase, what is
/// deleted, and what `gen deploy` (or AWS) would refuse.
#[derive(Debug, PartialEq)]
pub enum Consequence {
    /// A create-only field of the app's check changes (registry schema of
    /// AWS::Route53::HealthCheck: Type, RequestInterval, MeasureLatency):
    /// CloudFormation creates a new check, the records switch to it, and the
    /// old one is deleted.
    CheckReplaced {
        app: String,
        region: String,
        fields: Vec<&'static str>,
    },
    /// The host's records change as one Route 53 change batch (its
    /// RecordSetGroup): a policy switch or failover swap never half-applies.
    OneBatch {
        app: String,
        host: String,
        records: usize,
        switch: Option<String>,
    },
    /// The ARC stack changes, so these stacks' change sets are made after
    /// it has run, from its new outputs.
    SecondPhase { stacks: Vec<String>, after: String },
    /// The routing controls move to another cluster: new controls and new
    /// health checks (their IDs change).
    ControlsReplaced { from: String, to: String },
    /// Routing controls created or deleted in the same cluster (a change of
    /// scope, of the covered apps, of Regions).
    ControlsChanged {
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// The records move to another hosted zone: HostedZoneId is create-only,
    /// so each record group is replaced (created in the new zone, then
    /// deleted from the old).
    ZoneChanged { from: String, to: String },
    /// A stack of this spec that the deploy deletes.
    StackDeleted { stack: String, why: String },
    /// What `gen deploy` refuses, or AWS would.
    Refused { what: String, hint: String },
    /// Flux creates a load balancer: the ALB's object under another API (a
    /// new load balancer, so a new DNS name). `beside`: the object the
    /// records still aim at stays until they have left it; None: it goes in
    /// the same commit, and its apps' records aim at a deleted ALB.
    LoadBalancerCreated {
        alb: String,
        region: String,
        api: Api,
        lb_name: String,
        beside: Option<Api>,
    },
    /// Flux prunes the ALB's object under `api`, and the controller deletes
    /// its load balancer: the records have moved to the other.
    LoadBalancerDeleted {
        alb: String,
        region: String,
        api: Api,
    },
}

/// Per ALB and Region, the objects its directory holds.
fn objects(p: &Plan) -> BTreeMap<(String, String), Vec<Api>> {
    p.clusters
        .iter()
        .flat_map(|c| {
            c.ingresses.iter().map(|i| {
                (
                    (p.ingress.albs[i.alb].name.clone(), c.region.clone()),
                    i.objects.clone(),
                )
            })
        })
        .collect()
}

/// The load balancers Flux creates and deletes between two plans: an ALB
/// that moves from one API to the other gets a new one.
fn load_balancers(base: &Plan, head: &Plan, out: &mut Vec<Consequence>) {
    let (before, after) = (objects(base), objects(head));
    for ((alb, region), now) in &after {
        let Some(was) = before.get(&(alb.clone(), region.clone())) else {
            continue;
        };
        for api in now.iter().filter(|a| !was.contains(a)) {
            let plan = head.ingress.albs.iter().find(|a| a.name == *alb);
            let lb_name = match (api, plan) {
                (Api::Gateway, Some(a)) => a.gateway.lb_name.clone(),
                _ => alb.clone(),
            };
            out.push(Consequence::LoadBalancerCreated {
                alb: alb.clone(),
                region: region.clone(),
                api: *api,
                lb_name,
                beside: was.iter().copied().find(|w| now.contains(w)),
            });
        }
        for api in was.iter().filter(|a| !now.contains(a)) {
            if now.iter().any(|n| !was.contains(n)) {
                continue; // Said with the creation: it goes in the same commit.
            }
            out.push(Consequence::LoadBalancerDeleted {
                alb: alb.clone(),
                region: region.clone(),
                api: *api,
            });
        }
    }
}

pub fn consequences(base: Option<&Plan>, head: &Plan) -> Vec<Consequence> {
    let mut out = Vec::new();
    fn entries(p: &Plan) -> BTreeMap<String, &crate::model::Entry> {
        p.stacks
            .iter()
            .flat_map(|s| &s.entries)
            .map(|e| (e.health_check.logical_id.clone(), e))
            .collect()
    }
    let head_entries = entries(head);
    if let Some(base) = base {
        load_balancers(base, head, &mut out);
        let base_entries = entries(base);
        for (id, e) in &head_entries {
            let Some(b) = base_entries.get(id) else {
                continue;
            };
            let (h, o) = (&e.health_check, &b.health_check);
            let mut fields = Vec::new();
            if h.protocol != o.protocol {
                fields.push("protocol");
            }
            if h.interval != o.interval {
                fields.push("check interval");
            }
            if h.measure_latency != o.measure_latency {
                fields.push("latency measurement");
            }
            if !fields.is_empty() {
                out.push(Consequence::CheckReplaced {
                    app: h.app.clone(),
                    region: h.region.clone(),
                    fields,
                });
            }
        }
        // Each app's record group, as CloudFormation sees it.
        let (before, after) = (groups(base), groups(head));
        for (app, (stack, records)) in &after {
            let Some((base_stack, was)) = before.get(app) else {
                continue;
            };
            if base_stack != stack {
                out.push(Consequence::Refused {
                    what: format!("{app} moves from stack {base_stack} to {stack}: CloudFormation creates its records in {stack} before {base_stack} lets them go, and Route 53 refuses to create records that exist"),
                    hint: format!("keep apps[].stack of {app} as it was; moving it needs its records deleted first (a DNS gap)"),
                });
                continue;
            }
            if was != records {
                let (policy, was_policy) = (policy(records), policy(was));
                let switch = if was_policy != policy {
                    Some(format!("routing {was_policy} -> {policy}"))
                } else if policy == "failover" && primary(was) != primary(records) {
                    Some(format!(
                        "primary {} -> {}",
                        primary(was).unwrap_or_default(),
                        primary(records).unwrap_or_default()
                    ))
                } else {
                    None
                };
                out.push(Consequence::OneBatch {
                    app: app.to_string(),
                    host: records[0].name.trim_end_matches('.').to_string(),
                    // Each Route 53 record: per type, and per location.
                    records: records.iter().map(|r| r.sets.len()).sum(),
                    switch,
                });
            }
        }
        let zone = |p: &Plan| {
            p.stacks
                .first()
                .and_then(|s| s.zone.literal())
                .map(str::to_string)
        };
        if let (Some(from), Some(to)) = (zone(base), zone(head))
            && from != to
        {
            out.push(Consequence::ZoneChanged { from, to });
        }
        for s in &base.stacks {
            if !head.stacks.iter().any(|h| h.name == s.name) {
                out.push(Consequence::StackDeleted {
                    stack: s.name.clone(),
                    why: "its apps left the spec".into(),
                });
            }
        }
        match (&base.arc, &head.arc) {
            (Some(a), None) => out.push(Consequence::StackDeleted {
                stack: a.stack.clone(),
                why: match &a.cluster_name {
                    Some(_) => {
                        let p = crate::facts::pricing::ARC_CLUSTER;
                        format!(
                            "ARC is off; deleted after the DNS stacks stop using it, and with it the ARC cluster gen created: about ${:.0} a month less at list price",
                            p.per_month(1)
                        )
                    }
                    None => "ARC is off; deleted after the DNS stacks stop using it (the cluster is not gen's and stays)".into(),
                },
            }),
            (Some(a), Some(b)) => {
                let cluster = |p: &crate::model::arc::ArcPlan| {
                    p.cluster_name
                        .clone()
                        .map(|n| format!("cluster {n}"))
                        .or_else(|| p.cluster_arn.literal().map(str::to_string))
                        .unwrap_or_default()
                };
                if cluster(a) != cluster(b) {
                    out.push(Consequence::ControlsReplaced {
                        from: cluster(a),
                        to: cluster(b),
                    });
                } else {
                    // Another scope, other apps, other Regions: controls
                    // come and go under new logical IDs.
                    let names = |p: &crate::model::arc::ArcPlan| -> Vec<String> {
                        p.controls.iter().map(|c| c.name.clone()).collect()
                    };
                    let (was, now) = (names(a), names(b));
                    let added: Vec<String> =
                        now.iter().filter(|n| !was.contains(n)).cloned().collect();
                    let removed: Vec<String> =
                        was.iter().filter(|n| !now.contains(n)).cloned().collect();
                    if !added.is_empty() || !removed.is_empty() {
                        out.push(Consequence::ControlsChanged { added, removed });
                    }
                }
            }
            _ => {}
        }
    }
    // The ARC stack changes (or is new): the stacks that take its outputs
    // wait for it.
    if let Some(arc) = &head.arc {
        let changed = match base.and_then(|b| b.arc.as_ref()) {
            None => true,
            Some(b) => serde_json::to_string(b).ok() != serde_json::to_string(arc).ok(),
        };
        let stacks: Vec<String> = head
            .stacks
            .iter()
            .filter(|s| !s.inputs.is_empty())
            .map(|s| s.name.clone())
            .collect();
        if changed && !stacks.is_empty() {
            out.push(Consequence::SecondPhase {
                stacks,
                after: arc.stack.clone(),
            });
        }
    }
    if head.zone_unresolved {
        out.push(Consequence::Refused {
            what: "the hosted zone's ID is not known: gen deploy refuses (records name their zone by ID)".into(),
            hint: "set dns.zoneId, or run `gen discover` to record it in gen.lock".into(),
        });
    }
    for u in &head.unresolved {
        let what = if head.ingress.grouped {
            format!("the DNS name of ALB {} in {}", u.alb, u.region)
        } else {
            format!("the ALB DNS name in {}", u.region)
        };
        out.push(Consequence::Refused {
            what: format!("{what} is not known: gen deploy refuses"),
            hint: format!("set {}, or run `gen discover`", u.field),
        });
    }
    out
}

/// Per app: its stack and the records of its group, in Region order.
fn groups(p: &Plan) -> BTreeMap<&str, (&str, Vec<&RecordPlan>)> {
    p.stacks
        .iter()
        .flat_map(|s| {
            s.record_groups.iter().map(move |g| {
                let records = g.entries.iter().map(|&i| &s.entries[i].record).collect();
                (g.app.as_str(), (s.name.as_str(), records))
            })
        })
        .collect()
}

/// The routing policy of a host's records (one per host: Route 53 allows no mix).
fn policy(records: &[&RecordPlan]) -> &'static str {
    match records.first() {
        Some(r) if r.sets.iter().any(|x| x.location.is_some()) => "geolocation",
        Some(r) if r.proximity.is_some() => "geoproximity",
        Some(r) if r.weight.is_some() => "weighted",
        Some(r) if r.latency_region.is_some() => "latency",
        Some(r) if r.failover.is_some() => "failover",
        _ => "simple",
    }
}

/// The failover primary's Region among a host's records.
fn primary<'a>(records: &[&'a RecordPlan]) -> Option<&'a str> {
    records
        .iter()
        .find(|r| r.failover == Some(crate::model::FailoverRole::Primary))
        .map(|r| r.region.as_str())
}

/// What `gen deploy` will do, in plain words.
impl std::fmt::Display for Consequence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
        Consequence::CheckReplaced {
            app,
            region,
            fields,
        } => format!(
            "{app} in {region}: health check replaced ({} changes): a new check ID, the records switch to it, the old check is deleted",
            fields.join(", ")
        ),
        Consequence::OneBatch {
            app,
            host,
            records,
            switch,
        } => format!(
            "{app}: the {records} records of {host} change in one Route 53 batch{}",
            switch
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        ),
        Consequence::SecondPhase { stacks, after } => format!(
            "second phase: {} after {after} (they take its new outputs)",
            stacks.join(", ")
        ),
        Consequence::ControlsReplaced { from, to } => format!(
            "routing controls move from {from} to {to}: new controls and new health checks; check their states with `gen arc status` once deployed"
        ),
        Consequence::ControlsChanged { added, removed } => {
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!(
                    "new routing controls {} (check their states with `gen arc status` once deployed)",
                    added.join(", ")
                ));
            }
            if !removed.is_empty() {
                parts.push(format!("routing controls {} deleted", removed.join(", ")));
            }
            parts.join("; ")
        }
        Consequence::ZoneChanged { from, to } => format!(
            "every record group moves from hosted zone {from} to {to}: replaced (created in the new zone first, then deleted from the old)"
        ),
        Consequence::StackDeleted { stack, why } => format!("{stack} deleted: {why}"),
        Consequence::Refused { what, hint } => format!("refused: {what} (hint: {hint})"),
        Consequence::LoadBalancerCreated {
            alb,
            region,
            api,
            lb_name,
            beside: Some(old),
        } => format!(
            "ALB {alb} in {region}: Flux creates its {api} and with it a new load balancer {lb_name}, with a new DNS name, beside the {old}'s; the records and checks stay on the {old}'s until `gen discover` reads the new address and `gen deploy` moves them, then the {old} is pruned",
        ),
        Consequence::LoadBalancerCreated {
            alb,
            region,
            api,
            lb_name,
            beside: None,
        } => format!(
            "ALB {alb} in {region}: WARNING: its {api} replaces the other API's object in the same commit, so Flux deletes the old load balancer while creating {lb_name} (a new DNS name), and until the records move its apps answer from a deleted ALB (hint: drop the ALB's dnsName from the spec and let `gen discover` find it, so the old one stays until `gen deploy` has moved the records)"
        ),
        Consequence::LoadBalancerDeleted { alb, region, api } => format!(
            "ALB {alb} in {region}: its {api} is pruned and its load balancer deleted; no record or check aims at it any more"
        ),
    })
    }
}

/// Plain text: the deploy section, after the DNS changes.
pub fn consequences_text(cs: &[Consequence]) -> String {
    let mut s = String::new();
    if cs.is_empty() {
        return s;
    }
    s.push_str("\ngen deploy:\n");
    for c in cs {
        let _ = writeln!(s, "  {c}");
    }
    s
}

/// Markdown: the deploy section, after the DNS table.
pub fn consequences_markdown(cs: &[Consequence]) -> String {
    let mut s = String::new();
    if cs.is_empty() {
        return s;
    }
    s.push_str("\n#### What `gen deploy` will do\n\n");
    for c in cs {
        let mark = if matches!(c, Consequence::Refused { .. }) {
            "**refused**: "
        } else {
            ""
        };
        let line = c.to_string();
        let line = line.strip_prefix("refused: ").unwrap_or(&line);
        let _ = writeln!(s, "- {mark}{}", cell(line));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::plan_of;

    const BASE: &str = "version: 1\nname: t\ndns: {zone: example.com, zoneId: Z1}\nregions:\n  - {name: eu-west-1, cluster: a, albDnsName: a.elb.amazonaws.com}\n  - {name: us-east-1, cluster: b, albDnsName: b.elb.amazonaws.com}\napps:\n";

    fn with(app: &str) -> Plan {
        plan_of(&format!("{BASE}{app}"))
    }

    #[test]
    fn an_app_that_changes_stack_group_is_refused_and_a_zone_change_replaces_the_groups() {
        let base = with("  - {name: x, host: x.example.com, image: i, health: {path: /x}}\n");
        let head = with(
            "  - {name: x, host: x.example.com, image: i, health: {path: /x}, stack: shared}\n",
        );
        let cs = consequences(Some(&base), &head);
        assert!(
            cs.iter().any(|c| matches!(c, Consequence::Refused { what, .. } if what.contains("moves from stack t-dns-x to t-dns-shared"))),
            "{cs:?}"
        );
        assert!(
            cs.iter().any(
                |c| matches!(c, Consequence::StackDeleted { stack, .. } if stack == "t-dns-x")
            )
        );
        let moved = plan_of(&format!(
            "{}  - {{name: x, host: x.example.com, image: i, health: {{path: /x}}}}\n",
            BASE.replace("zoneId: Z1", "zoneId: Z2")
        ));
        let cs = consequences(Some(&base), &moved);
        assert_eq!(
            cs,
            [Consequence::ZoneChanged {
                from: "Z1".into(),
                to: "Z2".into()
            }]
        );
    }

    #[test]
    fn a_change_of_arc_scope_names_the_controls_it_adds_and_deletes() {
        let app = "  - {name: x, host: x.example.com, image: i, health: {path: /x}}\n";
        let arc = |scope: &str| {
            plan_of(&format!(
                "{}arc: {{enabled: true, cluster: {{name: t}}, scope: {scope}}}\napps:\n{app}",
                BASE.trim_end_matches("apps:\n")
            ))
        };
        let cs = consequences(Some(&arc("region")), &arc("app"));
        assert!(
            cs.iter().any(|c| matches!(c, Consequence::ControlsChanged { added, removed }
                if added == &["t-x-eu-west-1", "t-x-us-east-1"] && removed == &["t-eu-west-1", "t-us-east-1"])),
            "{cs:?}"
        );
    }

    #[test]
    fn a_failure_threshold_is_changed_in_place_but_an_interval_replaces_the_check() {
        let app = "  - {name: x, host: x.example.com, image: i, health: {path: /x}}\n";
        let base = with(app);
        let threshold = with(&app.replace("{path: /x}", "{path: /x, failureThreshold: 5}"));
        assert_eq!(consequences(Some(&base), &threshold), []);
        let interval = with(&app.replace("{path: /x}", "{path: /x, interval: 10}"));
        let cs = consequences(Some(&base), &interval);
        assert_eq!(cs.len(), 2, "{cs:?}");
        assert!(cs.iter().all(|c| matches!(c, Consequence::CheckReplaced { fields, .. } if fields == &["check interval"])));
    }
}
