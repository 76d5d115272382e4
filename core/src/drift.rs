//! Drift of the records in the hosted zone, and of the health checks, from
//! the rendered ones. CloudFormation cannot tell: it does not detect drift
//! on record sets (aws-cloudformation/cloudformation-coverage-roadmap#1681),
//! so a record or a check edited in the console would go unseen until a
//! failover misbehaves. `gen status` reads the zone and the checks and asks
//! this module what differs.

use serde::Serialize;

use crate::model::Plan;

/// A record as Route 53 lists it (ListResourceRecordSets), in plain values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Live {
    /// As listed: lowercase, with the trailing dot.
    pub name: String,
    pub kind: String,
    pub set_identifier: Option<String>,
    pub weight: Option<i64>,
    pub region: Option<String>,
    pub failover: Option<String>,
    pub alias_dns: Option<String>,
    pub evaluate_target_health: Option<bool>,
    pub health_check: Option<String>,
    /// `GeoLocation`: (ContinentCode, CountryCode, SubdivisionCode).
    pub geo: Option<(Option<String>, Option<String>, Option<String>)>,
    /// `GeoProximityLocation`: (AWSRegion, Bias).
    pub proximity: Option<(Option<String>, Option<i64>)>,
}

/// A health check as Route 53 lists it (ListHealthChecks), in plain values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveCheck {
    pub id: String,
    /// `HTTP`, `HTTPS`, `TCP`, `CALCULATED`, ...
    pub kind: String,
    pub fqdn: Option<String>,
    pub port: Option<i64>,
    pub path: Option<String>,
    pub interval: Option<i64>,
    pub threshold: Option<i64>,
    pub measure_latency: Option<bool>,
    pub enable_sni: Option<bool>,
}

/// A deployed check: (its stack, its logical ID) and its ID.
pub type CheckId = ((String, String), String);

/// One way the zone differs from the render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "drift", rename_all = "snake_case")]
pub enum Drift {
    /// A rendered record the zone lacks.
    Missing { name: String, set: String },
    /// A record of a rendered name that gen does not render.
    Extra { name: String, set: String },
    /// A rendered record whose `field` differs.
    Differs {
        name: String,
        set: String,
        field: &'static str,
        want: String,
        got: String,
    },
    /// A deployed health check Route 53 no longer lists.
    CheckMissing { check: String, id: String },
    /// A health check whose `field` differs from its template's.
    CheckDiffers {
        check: String,
        id: String,
        field: &'static str,
        want: String,
        got: String,
    },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing { name, set } => write!(f, "{name} ({set}): missing from the zone"),
            Drift::Extra { name, set } => write!(f, "{name} ({set}): in the zone, not rendered"),
            Drift::Differs {
                name,
                set,
                field,
                want,
                got,
            } => write!(f, "{name} ({set}): {field} is {got}, rendered {want}"),
            Drift::CheckMissing { check, id } => {
                write!(f, "health check {check} ({id}): gone from Route 53")
            }
            Drift::CheckDiffers {
                check,
                id,
                field,
                want,
                got,
            } => write!(
                f,
                "health check {check} ({id}): {field} is {got}, rendered {want}"
            ),
        }
    }
}

/// An alias target as Route 53 and the spec may spell it: lowercase, no
/// trailing dot, no `dualstack.` prefix.
fn alias(name: &str) -> String {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    n.strip_prefix("dualstack.")
        .map(str::to_string)
        .unwrap_or(n)
}

fn shown<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_string(), |x| x.to_string())
}

/// What differs between the plan's A and AAAA records and `live`, the zone's
/// records (any others, of names gen does not render, are not read).
pub fn records(plan: &Plan, live: &[Live]) -> Vec<Drift> {
    let mut out = Vec::new();
    // A Region's clusters' weighted records too, when it has several.
    let rendered: Vec<_> = plan
        .stacks
        .iter()
        .flat_map(|s| &s.entries)
        .flat_map(|e| std::iter::once(&e.record).chain(e.members.iter().map(|m| &m.record)))
        .collect();
    let names: std::collections::BTreeSet<String> = rendered
        .iter()
        .map(|r| r.name.to_ascii_lowercase())
        .collect();
    for (r, x) in rendered
        .iter()
        .flat_map(|r| r.sets.iter().map(move |x| (r, x)))
    {
        let name = r.name.to_ascii_lowercase();
        // An AAAA record is named with its type: it shares A's identifier.
        let set = if x.kind == "A" {
            x.set_identifier.clone()
        } else {
            format!("{} ({})", x.set_identifier, x.kind)
        };
        let Some(l) = live.iter().find(|l| {
            l.kind == x.kind
                && l.name == name
                && l.set_identifier.as_deref() == Some(&x.set_identifier)
        }) else {
            out.push(Drift::Missing {
                name: r.name.clone(),
                set: set.clone(),
            });
            continue;
        };
        let mut differs = |field: &'static str, want: String, got: String| {
            if want != got {
                out.push(Drift::Differs {
                    name: r.name.clone(),
                    set: set.clone(),
                    field,
                    want,
                    got,
                });
            }
        };
        differs("weight", shown(r.weight), shown(l.weight));
        let location = |g: &Option<String>, c: &Option<String>, s: &Option<String>| {
            [g, c, s]
                .iter()
                .map(|x| x.as_deref().unwrap_or("-"))
                .collect::<Vec<_>>()
                .join("/")
        };
        differs(
            "geolocation",
            shown(
                x.location
                    .as_ref()
                    .map(|g| location(&g.continent, &g.country, &g.subdivision)),
            ),
            shown(l.geo.as_ref().map(|(g, c, s)| location(g, c, s))),
        );
        differs(
            "geoproximity",
            shown(r.proximity.map(|b| format!("{} bias {b}", r.region))),
            shown(l.proximity.as_ref().map(|(region, b)| {
                format!(
                    "{} bias {}",
                    region.as_deref().unwrap_or("-"),
                    b.unwrap_or(0)
                )
            })),
        );
        differs(
            "latency Region",
            shown(r.latency_region.as_ref()),
            shown(l.region.as_ref()),
        );
        differs(
            "failover role",
            shown(r.failover.map(|f| f.word())),
            shown(l.failover.as_deref()),
        );
        if let Some(want) = r.alias_dns_name.literal() {
            differs(
                "alias target",
                alias(want),
                shown(l.alias_dns.as_deref().map(alias)),
            );
        }
        differs(
            "evaluate target health",
            r.evaluate_target_health.to_string(),
            shown(l.evaluate_target_health),
        );
        if l.health_check.is_none() {
            differs("health check", "one".to_string(), "none".to_string());
        }
    }
    for l in live
        .iter()
        .filter(|l| matches!(l.kind.as_str(), "A" | "AAAA") && names.contains(&l.name))
    {
        let set = l.set_identifier.clone().unwrap_or_default();
        let known = rendered.iter().any(|r| {
            r.name.to_ascii_lowercase() == l.name
                && r.sets
                    .iter()
                    .any(|x| x.kind == l.kind && x.set_identifier == set)
        });
        if !known {
            out.push(Drift::Extra {
                name: l.name.clone(),
                set: if set.is_empty() {
                    "no set identifier".into()
                } else {
                    set
                },
            });
        }
    }
    out
}

/// What differs between each rendered app check and the one Route 53
/// lists: `ids` maps (stack, logical ID) to the deployed check's ID; a
/// check not deployed is not compared, a deployed one not listed is
/// missing. The FQDN is compared where the template holds it literally.
pub fn checks(plan: &Plan, ids: &[CheckId], live: &[LiveCheck]) -> Vec<Drift> {
    // Thousands of checks each side: looked up, not searched.
    let ids: std::collections::HashMap<(&str, &str), &str> = ids
        .iter()
        .map(|((stack, logical), id)| ((stack.as_str(), logical.as_str()), id.as_str()))
        .collect();
    let live: std::collections::HashMap<&str, &LiveCheck> =
        live.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut out = Vec::new();
    for s in &plan.stacks {
        for e in &s.entries {
            let hc = &e.health_check;
            let Some(&id) = ids.get(&(s.name.as_str(), hc.logical_id.as_str())) else {
                continue;
            };
            let id = id.to_string();
            let Some(l) = live.get(id.as_str()) else {
                out.push(Drift::CheckMissing {
                    check: hc.logical_id.clone(),
                    id: id.clone(),
                });
                continue;
            };
            let mut differs = |field: &'static str, want: String, got: String| {
                if want != got {
                    out.push(Drift::CheckDiffers {
                        check: hc.logical_id.clone(),
                        id: id.clone(),
                        field,
                        want,
                        got,
                    });
                }
            };
            // A Region's check over its clusters' is CALCULATED: its
            // children are the clusters' checks, which have no outputs.
            if !hc.children.is_empty() {
                differs("Type", "CALCULATED".to_string(), l.kind.clone());
                continue;
            }
            differs("Type", hc.protocol.as_str().to_string(), l.kind.clone());
            if let Some(fqdn) = hc.fqdn.literal() {
                differs(
                    "FullyQualifiedDomainName",
                    alias(fqdn),
                    l.fqdn.as_deref().map_or_else(|| "none".to_string(), alias),
                );
            }
            differs("Port", hc.port.to_string(), shown(l.port));
            differs(
                "ResourcePath",
                shown(hc.path.as_deref()),
                shown(l.path.as_deref()),
            );
            differs(
                "RequestInterval",
                hc.interval.to_string(),
                shown(l.interval),
            );
            differs(
                "FailureThreshold",
                hc.failure_threshold.to_string(),
                shown(l.threshold),
            );
            differs(
                "MeasureLatency",
                hc.measure_latency.to_string(),
                l.measure_latency.unwrap_or(false).to_string(),
            );
            // Rendered only when on; off, Route 53 may list its own default.
            if hc.enable_sni {
                differs(
                    "EnableSNI",
                    "true".into(),
                    l.enable_sni.unwrap_or(false).to_string(),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::plan_of;

    const EXAMPLE: &str = include_str!("../../gitops-repo/gen.yaml");

    /// The zone as a deploy of `plan` leaves it.
    fn deployed(plan: &Plan) -> Vec<Live> {
        plan.stacks
            .iter()
            .flat_map(|s| &s.entries)
            .flat_map(|e| {
                let r = &e.record;
                r.sets.iter().map(move |x| Live {
                    name: r.name.to_ascii_lowercase(),
                    kind: x.kind.into(),
                    set_identifier: Some(x.set_identifier.clone()),
                    weight: r.weight.map(i64::from),
                    region: r.latency_region.clone(),
                    failover: r.failover.map(|f| f.word().to_string()),
                    alias_dns: r.alias_dns_name.literal().map(|d| format!("{d}.")),
                    evaluate_target_health: Some(r.evaluate_target_health),
                    health_check: Some("hc-1".into()),
                    geo: x.location.as_ref().map(|g| {
                        (
                            g.continent.clone(),
                            g.country.clone(),
                            g.subdivision.clone(),
                        )
                    }),
                    proximity: r
                        .proximity
                        .map(|b| (Some(r.region.clone()), Some(i64::from(b)))),
                })
            })
            .collect()
    }

    #[test]
    fn geolocation_and_aaaa_records_are_compared_record_by_record() {
        let spec = "version: 1\nname: g\ndns: {zone: example.com, zoneId: Z1}\ningress: {ipAddressType: dualstack}\nregions:\n  - {name: eu-west-1, cluster: a, albDnsName: a.eu-west-1.elb.amazonaws.com}\n  - {name: us-east-1, cluster: b, albDnsName: b.us-east-1.elb.amazonaws.com}\napps:\n  - {name: s, host: s.example.com, image: i, health: {path: /s}, routing: {geolocation: {eu-west-1: {continents: [EU]}, us-east-1: {continents: [NA], default: true}}}}\n";
        let plan = plan_of(spec);
        let mut live = deployed(&plan);
        assert_eq!(live.len(), 6, "three locations, A and AAAA");
        assert_eq!(records(&plan, &live), Vec::new());
        // Someone moved Europe's record to Asia, and deleted an AAAA record.
        let eu = live
            .iter_mut()
            .find(|l| l.set_identifier.as_deref() == Some("eu-west-1-continent-EU"))
            .unwrap();
        eu.geo = Some((Some("AS".into()), None, None));
        let i = live
            .iter()
            .position(|l| {
                l.kind == "AAAA" && l.set_identifier.as_deref() == Some("us-east-1-default")
            })
            .unwrap();
        live.remove(i);
        let got: Vec<String> = records(&plan, &live)
            .iter()
            .map(|d| format!("{d:?}"))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].contains("geolocation")
                && got[0].contains("EU/-/-")
                && got[0].contains("AS/-/-"),
            "{got:?}"
        );
        assert!(
            got[1].contains("Missing") && got[1].contains("us-east-1-default (AAAA)"),
            "{got:?}"
        );
    }

    #[test]
    fn a_zone_as_deployed_has_no_drift_and_each_edit_is_named() {
        let plan = plan_of(EXAMPLE);
        let mut live = deployed(&plan);
        assert_eq!(records(&plan, &live), Vec::new());
        // Someone turned web's standby weight up in the console.
        let standby = live
            .iter_mut()
            .find(|l| l.name == "web-demo.example.com." && l.weight == Some(0))
            .unwrap();
        standby.weight = Some(50);
        let d = records(&plan, &live);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].to_string(),
            "web-demo.example.com. (eu-central-1): weight is 50, rendered 0"
        );
        // A record removed, and one added by hand under a rendered name.
        let gone = live
            .iter()
            .position(|l| l.name == "app1.example.com.")
            .unwrap();
        let mut extra = live.remove(gone);
        extra.set_identifier = Some("manual".into());
        live.push(extra);
        let d: Vec<String> = records(&plan, &live)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            d.iter().any(|x| x.ends_with("missing from the zone")),
            "{d:?}"
        );
        assert!(
            d.iter()
                .any(|x| x == "app1.example.com. (manual): in the zone, not rendered"),
            "{d:?}"
        );
    }

    /// Each check as a deploy of `plan` leaves it, with made-up IDs.
    fn deployed_checks(plan: &Plan) -> (Vec<CheckId>, Vec<LiveCheck>) {
        let mut ids = Vec::new();
        let mut live = Vec::new();
        for s in &plan.stacks {
            for (i, e) in s.entries.iter().enumerate() {
                let hc = &e.health_check;
                let id = format!("{}-{i}", s.name);
                ids.push(((s.name.clone(), hc.logical_id.clone()), id.clone()));
                live.push(LiveCheck {
                    id,
                    kind: hc.protocol.as_str().to_string(),
                    fqdn: hc.fqdn.literal().map(|f| format!("{f}.")),
                    port: Some(hc.port.into()),
                    path: hc.path.clone(),
                    interval: Some(hc.interval.into()),
                    threshold: Some(hc.failure_threshold.into()),
                    measure_latency: Some(hc.measure_latency),
                    enable_sni: None,
                });
            }
        }
        (ids, live)
    }

    #[test]
    fn a_check_edited_or_deleted_outside_gen_is_named() {
        let plan = plan_of(EXAMPLE);
        let (ids, mut live) = deployed_checks(&plan);
        assert_eq!(checks(&plan, &ids, &live), Vec::new());
        live[0].path = Some("/edited".into());
        live[1].interval = Some(10);
        let gone = live.pop().unwrap();
        let d = checks(&plan, &ids, &live);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(
            d[0].to_string()
                .ends_with("ResourcePath is /edited, rendered /app1health"),
            "{}",
            d[0]
        );
        assert!(
            d[1].to_string()
                .contains("RequestInterval is 10, rendered 30"),
            "{}",
            d[1]
        );
        assert_eq!(
            d[2],
            Drift::CheckMissing {
                check: plan
                    .stacks
                    .last()
                    .unwrap()
                    .entries
                    .last()
                    .unwrap()
                    .health_check
                    .logical_id
                    .clone(),
                id: gone.id,
            }
        );
        // A check not deployed yet is not compared.
        assert_eq!(checks(&plan, &[], &live), Vec::new());
    }
}
