//! What a change to the spec does to DNS, for pull-request review: per app
//! and Region, the routing (policy, weight, primary), the health check that
//! gates the record, and apps or Regions added and removed. Read from the
//! plans (what will really be deployed), not from the spec text. Pure.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::Plan;

/// DNS behaviour of every app in every Region where it has a record.
#[derive(Debug, Default, PartialEq)]
pub struct Behaviour {
    /// app → (host, Region → facts), Regions in spec order.
    apps: BTreeMap<String, (String, Vec<(String, Facts)>)>,
}

/// The facts of one record, as (name, value) pairs in a fixed order.
type Facts = Vec<(&'static str, String)>;

pub fn behaviour(plan: &Plan) -> Behaviour {
    let mut b = Behaviour::default();
    for s in &plan.stacks {
        for e in &s.entries {
            let r = &e.record;
            let hc = &e.health_check;
            let routing = match (r.weight, &r.latency_region, r.failover) {
                (Some(w), _, _) => format!("weighted, weight {w}"),
                (_, Some(_), _) => "latency".to_string(),
                (_, _, Some(f)) => format!("failover {}", f.to_lowercase()),
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
            let arc = match &e.combined {
                Some(c) => format!("yes ({})", c.control),
                None => "no".into(),
            };
            facts.push(("routing control", arc));
            facts.push((
                "ALB",
                r.alias_dns_name
                    .literal
                    .clone()
                    .or_else(|| {
                        r.alias_dns_name
                            .param
                            .clone()
                            .map(|p| format!("parameter {p}"))
                    })
                    .unwrap_or_default(),
            ));
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
        let _ = writeln!(s, "{}", line(c, false));
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
        let (app, region) = match c {
            Change::AppAdded { app, .. }
            | Change::AppRemoved { app, .. }
            | Change::HostChanged { app, .. } => (app.as_str(), "all"),
            Change::RegionAdded { app, region, .. }
            | Change::RegionRemoved { app, region }
            | Change::Fact { app, region, .. } => (app.as_str(), region.as_str()),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            cell(app),
            cell(region),
            cell(&line(c, true))
        );
    }
    s
}

fn line(c: &Change, markdown: bool) -> String {
    let code = |t: &str| {
        if markdown {
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
            if markdown {
                format!("added: {} answers from {}", code(host), rs.join(", "))
            } else {
                format!("{app}: added: {host} answers from {}", rs.join(", "))
            }
        }
        Change::AppRemoved { app, host } => {
            if markdown {
                format!("removed: {} no longer answers", code(host))
            } else {
                format!("{app}: removed: {host} no longer answers")
            }
        }
        Change::HostChanged { app, from, to } => {
            if markdown {
                format!("host {} → {}", code(from), code(to))
            } else {
                format!("{app}: host {from} -> {to}")
            }
        }
        Change::RegionAdded {
            app,
            region,
            routing,
        } => {
            if markdown {
                format!("now answers here ({routing})")
            } else {
                format!("{app} in {region}: now answers here ({routing})")
            }
        }
        Change::RegionRemoved { app, region } => {
            if markdown {
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
            if markdown {
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
