//! Drift of the records in the hosted zone from the rendered ones.
//! CloudFormation cannot tell: it does not detect drift on record sets
//! (aws-cloudformation/cloudformation-coverage-roadmap#1681), so a record
//! edited in the console would go unseen until a failover misbehaves.
//! `gen status` reads the zone and asks this module what differs.

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
}

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

/// What differs between the plan's A records and `live`, the zone's
/// records (any others, of names gen does not render, are not read).
pub fn records(plan: &Plan, live: &[Live]) -> Vec<Drift> {
    let mut out = Vec::new();
    let rendered: Vec<_> = plan
        .stacks
        .iter()
        .flat_map(|s| &s.entries)
        .map(|e| &e.record)
        .collect();
    let names: std::collections::BTreeSet<String> = rendered
        .iter()
        .map(|r| r.name.to_ascii_lowercase())
        .collect();
    for r in &rendered {
        let name = r.name.to_ascii_lowercase();
        let Some(l) = live.iter().find(|l| {
            l.kind == "A"
                && l.name == name
                && l.set_identifier.as_deref() == Some(&r.set_identifier)
        }) else {
            out.push(Drift::Missing {
                name: r.name.clone(),
                set: r.set_identifier.clone(),
            });
            continue;
        };
        let mut differs = |field: &'static str, want: String, got: String| {
            if want != got {
                out.push(Drift::Differs {
                    name: r.name.clone(),
                    set: r.set_identifier.clone(),
                    field,
                    want,
                    got,
                });
            }
        };
        differs("weight", shown(r.weight), shown(l.weight));
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
        .filter(|l| l.kind == "A" && names.contains(&l.name))
    {
        let set = l.set_identifier.clone().unwrap_or_default();
        let known = rendered
            .iter()
            .any(|r| r.name.to_ascii_lowercase() == l.name && r.set_identifier == set);
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
            .map(|e| {
                let r = &e.record;
                Live {
                    name: r.name.to_ascii_lowercase(),
                    kind: "A".into(),
                    set_identifier: Some(r.set_identifier.clone()),
                    weight: r.weight.map(i64::from),
                    region: r.latency_region.clone(),
                    failover: r.failover.map(|f| f.word().to_string()),
                    alias_dns: r.alias_dns_name.literal().map(|d| format!("{d}.")),
                    evaluate_target_health: Some(r.evaluate_target_health),
                    health_check: Some("hc-1".into()),
                }
            })
            .collect()
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
}
