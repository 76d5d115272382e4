//! The Application Recovery Controller part of the plan: the ARC stack
//! (cluster, control panel, routing controls, safety rules, the routing
//! controls' Route 53 health checks, readiness). It lives in us-west-2. The
//! DNS stacks take the health checks' IDs as parameters, which `gen deploy`
//! reads from this stack's outputs after deploying it: an export imported by
//! another stack could never change, and ARC's replace-only fields (cluster
//! name, panel's cluster) change the IDs.
//!
//! How a record follows its routing control: each covered app's record in a
//! Region uses a CALCULATED health check that is healthy only when both its
//! children are: the app's own endpoint check there, and the health check of
//! the routing control that covers it (RECOVERY_CONTROL, healthy while the
//! control is On). So turning a control Off, or the app failing, each takes
//! the record out of DNS answers; the safety rule keeps at least
//! `minRegionsOn` controls On, so an operator cannot turn every Region off
//! (which Route 53 would answer by failing open).

use serde::Serialize;

use super::Value;
use crate::facts::arc::{ARC_HOME_REGION, readiness_type};
use crate::layout::{self, pascal};
use crate::spec::checked::rule_threshold;
use crate::spec::checked::{Arc, ArcCluster, ArcScope, Spec};

/// Milliseconds a safety rule waits before it evaluates (ARC's default).
const WAIT_PERIOD_MS: u32 = 5000;

#[derive(Debug, Serialize, Hash)]
pub struct ArcPlan {
    pub stack: String,
    /// The template's description.
    pub description: String,
    pub home_region: &'static str,
    /// Create a cluster of this name (logical ID `Cluster`), or use `cluster_arn`.
    pub cluster_name: Option<String>,
    pub cluster_arn: Value,
    pub panel_name: String,
    /// The ARC stack's outputs of the cluster's and the panel's ARNs.
    pub cluster_output: &'static str,
    pub panel_output: &'static str,
    pub controls: Vec<ControlPlan>,
    pub rules: Vec<SafetyRulePlan>,
    pub readiness: Option<ReadinessPlan>,
}

impl ArcPlan {
    /// What it costs by the hour, said at every render: the cluster (one
    /// this spec creates, or an existing one) and its readiness checks.
    pub fn prices(&self) -> Vec<String> {
        use crate::facts::pricing;
        let p = &pricing::ARC_CLUSTER;
        let whose = match &self.cluster_name {
            Some(name) => format!("the ARC cluster `{name}` that this spec creates"),
            None => "the existing ARC cluster this spec uses".to_string(),
        };
        let mut out = vec![format!(
            "{whose} is billed per hour, used or not: ${:.2}/hour, about ${:.0}/month ({}, {})",
            p.usd_per_hour,
            p.per_month(1),
            p.source,
            p.as_of
        )];
        if let Some(r) = &self.readiness {
            let c = &pricing::ARC_READINESS_CHECK;
            out.push(format!(
                "{} readiness checks at ${}/hour each, about ${:.0}/month",
                r.sets.len(),
                c.usd_per_hour,
                c.per_month(r.sets.len())
            ));
        }
        out
    }
}

#[derive(Debug, Serialize, Hash)]
pub struct ControlPlan {
    pub name: String,
    /// The description of its output.
    pub description: String,
    pub region: String,
    pub app: Option<String>,
    pub logical_id: String,
    /// The resource this one waits for: ARC rejects concurrent changes on
    /// one cluster, so routing controls and rules are created one by one.
    /// None where a `Ref` already orders them (the first control).
    pub depends_on: Option<String>,
    /// Output of the ARC stack with the control's ARN.
    pub output: String,
    /// The control's RECOVERY_CONTROL health check (healthy while On): a
    /// logical ID that changes with the cluster, see [`cluster_generation`].
    pub health_check: String,
    /// The DNS stacks' parameter for that check's ID (stable).
    pub health_check_param: String,
    pub health_check_name: String,
    /// Output of the ARC stack with that health check's ID, which `gen
    /// deploy` passes to the DNS stacks as the parameter `health_check_param`.
    pub health_check_output: String,
    /// The description of that output.
    pub health_check_description: String,
}

#[derive(Debug, Serialize, Hash)]
pub struct SafetyRulePlan {
    pub logical_id: String,
    pub name: String,
    /// As for controls; None where the rule refers to that resource anyway.
    pub depends_on: Option<String>,
    /// Logical IDs of the routing controls the rule asserts on.
    pub controls: Vec<String>,
    pub threshold: u32,
    pub wait_period_ms: u32,
    pub app: Option<String>,
}

#[derive(Debug, Serialize, Hash)]
pub struct ReadinessPlan {
    pub group_logical_id: String,
    pub group_name: String,
    pub cells: Vec<CellPlan>,
    pub sets: Vec<ResourceSetPlan>,
}

#[derive(Debug, Serialize, Hash)]
pub struct CellPlan {
    pub logical_id: String,
    pub name: String,
    pub region: String,
    /// `<logical ID>.CellArn`: the attribute `!GetAtt` reads for its ARN.
    pub arn_attribute: String,
}

#[derive(Debug, Serialize, Hash)]
pub struct ResourceSetPlan {
    pub logical_id: String,
    pub name: String,
    pub kind: &'static str,
    pub resources: Vec<ReadinessResource>,
    pub check_logical_id: String,
    pub check_name: String,
}

#[derive(Debug, Serialize, Hash)]
pub struct ReadinessResource {
    pub arn: String,
    /// The `!GetAtt` attribute of the ARN of its Region's cell
    /// (`<cell's logical ID>.CellArn`).
    pub cell_arn_attribute: String,
}

/// The Regions where `app` has a record (failover apps skip all but two).
pub fn record_regions<'a>(spec: &'a Spec, app: &str) -> Vec<&'a str> {
    spec.apps
        .iter()
        .find(|a| a.name == app)
        .map(|a| {
            spec.regions
                .iter()
                .filter(|r| a.routing.answers_in(&r.name))
                .map(|r| r.name.as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// Eight hex digits that name the cluster a control lives in: they change
/// exactly when the routing controls are replaced.
pub fn cluster_generation(cluster: &ArcCluster) -> String {
    use sha2::{Digest, Sha256};
    let identity = match cluster {
        ArcCluster::Create(name) => format!("name:{name}"),
        ArcCluster::Existing(arn) => format!("arn:{arn}"),
    };
    let digest = Sha256::digest(identity.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02X}")).collect()
}

pub fn plan(spec: &Spec, arc: &Arc) -> ArcPlan {
    let stack = layout::arc_stack_name(&spec.name);
    let mut controls: Vec<ControlPlan> = Vec::new();
    // A control only where a covered app has a record: a control of a
    // Region nothing routes to would count towards the safety rule while
    // protecting no app.
    let keys: Vec<(Option<&str>, &str)> = match arc.scope {
        ArcScope::Region => spec
            .regions
            .iter()
            .filter(|r| {
                arc.apps
                    .iter()
                    .any(|a| record_regions(spec, a).contains(&r.name.as_str()))
            })
            .map(|r| (None, r.name.as_str()))
            .collect(),
        ArcScope::App => arc
            .apps
            .iter()
            .flat_map(|a| {
                record_regions(spec, a)
                    .into_iter()
                    .map(move |r| (Some(a.as_str()), r))
            })
            .collect(),
    };
    // A routing control is replaced whenever its cluster is (the panel's
    // ClusterArn and the control's are create-only), but a RECOVERY_CONTROL
    // health check cannot be re-pointed at the new control: give its logical
    // ID the cluster's generation, so it is replaced along with the control.
    let generation = cluster_generation(&arc.cluster);
    for (app, region) in keys {
        let key = format!("{}{}", app.map(pascal).unwrap_or_default(), pascal(region));
        let logical_id = format!("RoutingControl{key}");
        // The first control refers to the panel, which orders it already.
        let depends_on = controls.last().map(|c| c.logical_id.clone());
        let name = layout::routing_control_name(&spec.name, app, region);
        let param = format!("RoutingControlHealthCheck{key}");
        controls.push(ControlPlan {
            description: format!("Routing control {name}"),
            health_check_description: format!(
                "Health check that follows routing control {name} (gen deploy passes it to the records' stacks)"
            ),
            health_check_name: name.clone(),
            health_check: format!("{param}Gen{generation}"),
            health_check_output: format!("{param}Id"),
            health_check_param: param,
            name,
            region: region.to_string(),
            app: app.map(str::to_string),
            output: format!("{logical_id}Arn"),
            depends_on,
            logical_id,
        });
    }
    // Which controls each rule keeps On: with scope `app`, each app's own;
    // with scope `region`, every Region's, and, for each set of Regions that
    // some app's records use (a failover pair among three Regions), that
    // set's too, so no app can have all of its own Regions turned Off.
    struct RuleSet {
        app: Option<String>,
        /// Logical IDs of the controls the rule keeps On.
        controls: Vec<String>,
        logical_id: String,
        name: String,
    }
    let ids = |keep: &dyn Fn(&ControlPlan) -> bool| -> Vec<String> {
        controls
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.logical_id.clone())
            .collect()
    };
    let mut sets: Vec<RuleSet> = Vec::new();
    match arc.scope {
        ArcScope::App => {
            for a in &arc.apps {
                sets.push(RuleSet {
                    app: Some(a.clone()),
                    controls: ids(&|c| c.app.as_deref() == Some(a)),
                    logical_id: format!("SafetyRule{}", pascal(a)),
                    name: format!("{}-{a}-min-on", spec.name),
                });
            }
        }
        ArcScope::Region => {
            let all = ids(&|_| true);
            let every = all.len();
            sets.push(RuleSet {
                app: None,
                controls: all,
                logical_id: "SafetyRule".into(),
                name: format!("{}-min-regions-on", spec.name),
            });
            for a in &arc.apps {
                let own = record_regions(spec, a);
                let asserted = ids(&|c| own.contains(&c.region.as_str()));
                // A set of one would pin its control On: every app has two
                // records or more, but never rely on it.
                if asserted.len() < 2
                    || asserted.len() == every
                    || sets.iter().any(|s| s.controls == asserted)
                {
                    continue;
                }
                let key: String = own.iter().map(|r| pascal(r)).collect();
                sets.push(RuleSet {
                    app: Some(a.clone()),
                    controls: asserted,
                    logical_id: format!("SafetyRule{key}"),
                    name: format!("{}-{a}-min-on", spec.name),
                });
            }
        }
    }
    let mut rules: Vec<SafetyRulePlan> = Vec::new();
    for RuleSet {
        app,
        controls: asserted,
        logical_id,
        name,
    } in sets
    {
        let depends_on = rules
            .last()
            .map(|r| r.logical_id.clone())
            .or_else(|| controls.last().map(|c| c.logical_id.clone()))
            .filter(|d| !asserted.contains(d));
        rules.push(SafetyRulePlan {
            logical_id,
            name,
            depends_on,
            threshold: rule_threshold(arc.min_on, asserted.len()),
            controls: asserted,
            wait_period_ms: WAIT_PERIOD_MS,
            app,
        });
    }
    ArcPlan {
        stack,
        description: format!(
            "Route 53 Application Recovery Controller for {}: control panel, routing controls, safety rules and their health checks (rendered by gen)",
            spec.name
        ),
        home_region: ARC_HOME_REGION,
        cluster_name: match &arc.cluster {
            ArcCluster::Create(n) => Some(n.clone()),
            ArcCluster::Existing(_) => None,
        },
        cluster_arn: match &arc.cluster {
            ArcCluster::Create(_) => Value::Param("Cluster".into()),
            ArcCluster::Existing(arn) => Value::Literal(arn.clone()),
        },
        panel_name: spec.name.clone(),
        cluster_output: "ClusterArn",
        panel_output: "ControlPanelArn",
        controls,
        rules,
        readiness: arc.readiness.as_ref().map(|r| readiness(spec, r)),
    }
}

fn readiness(
    spec: &Spec,
    resources: &std::collections::BTreeMap<String, Vec<String>>,
) -> ReadinessPlan {
    let cells: Vec<CellPlan> = spec
        .regions
        .iter()
        .map(|r| {
            let logical_id = format!("Cell{}", pascal(&r.name));
            CellPlan {
                arn_attribute: format!("{logical_id}.CellArn"),
                logical_id,
                name: readiness_name(&[&spec.name, &r.name]),
                region: r.name.clone(),
            }
        })
        .collect();
    // One resource set (and readiness check) per kind of resource.
    let mut sets: Vec<ResourceSetPlan> = Vec::new();
    for (r, c) in spec.regions.iter().zip(&cells) {
        for arn in resources.get(&r.name).into_iter().flatten() {
            let Some((kind, short)) = readiness_type(arn) else {
                continue;
            };
            let cell = c.arn_attribute.clone();
            match sets.iter_mut().find(|s| s.kind == kind) {
                Some(s) => s.resources.push(ReadinessResource {
                    arn: arn.clone(),
                    cell_arn_attribute: cell,
                }),
                None => sets.push(ResourceSetPlan {
                    logical_id: format!("ResourceSet{}", pascal(short)),
                    name: readiness_name(&[&spec.name, short]),
                    kind,
                    resources: vec![ReadinessResource {
                        arn: arn.clone(),
                        cell_arn_attribute: cell,
                    }],
                    check_logical_id: format!("ReadinessCheck{}", pascal(short)),
                    check_name: readiness_name(&[&spec.name, short]),
                }),
            }
        }
    }
    ReadinessPlan {
        group_logical_id: "RecoveryGroup".into(),
        group_name: readiness_name(&[&spec.name]),
        cells,
        sets,
    }
}

/// Readiness names allow only letters, digits and `_`.
fn readiness_name(parts: &[&str]) -> String {
    parts.join("_").replace('-', "_")
}

/// The routing control whose state gates `app`'s record in `region`.
pub fn control_for<'a>(plan: &'a ArcPlan, app: &str, region: &str) -> Option<&'a ControlPlan> {
    plan.controls
        .iter()
        .find(|c| c.region == region && c.app.as_deref().is_none_or(|a| a == app))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc_plan(arc: &str, apps: &str) -> ArcPlan {
        let text = format!(
            "version: 1\nname: t\ndns: {{zone: example.com, zoneId: Z1}}\nregions:\n  - {{name: eu-west-1, cluster: a, albDnsName: a.elb.amazonaws.com}}\n  - {{name: us-east-1, cluster: b, albDnsName: b.elb.amazonaws.com}}\n  - {{name: ap-southeast-2, cluster: c, albDnsName: c.elb.amazonaws.com}}\narc:\n  enabled: true\n  cluster: {{name: t}}\n{arc}apps:\n{apps}"
        );
        crate::test_support::plan_of(&text).arc.expect("arc")
    }

    const FAILOVER: &str = "  - {name: f, host: f.example.com, image: i, health: {path: /f}, routing: {failover: {primary: eu-west-1, secondary: us-east-1}}}\n";
    const LATENCY: &str = "  - {name: l, host: l.example.com, image: i, health: {path: /l}}\n";

    fn asserted(p: &ArcPlan, rule: &SafetyRulePlan) -> Vec<String> {
        rule.controls
            .iter()
            .map(|id| {
                p.controls
                    .iter()
                    .find(|c| &c.logical_id == id)
                    .unwrap()
                    .region
                    .clone()
            })
            .collect()
    }

    #[test]
    fn controls_exist_only_where_an_app_has_records() {
        let p = arc_plan("  scope: region\n", FAILOVER);
        let regions: Vec<&str> = p.controls.iter().map(|c| c.region.as_str()).collect();
        assert_eq!(
            regions,
            ["eu-west-1", "us-east-1"],
            "no control for ap-southeast-2"
        );
        let p = arc_plan("  scope: app\n", &format!("{FAILOVER}{LATENCY}"));
        let f: Vec<&str> = p
            .controls
            .iter()
            .filter(|c| c.app.as_deref() == Some("f"))
            .map(|c| c.region.as_str())
            .collect();
        assert_eq!(f, ["eu-west-1", "us-east-1"]);
        assert_eq!(p.controls.len(), 5);
    }

    #[test]
    fn a_region_scope_panel_keeps_each_apps_own_regions_from_all_going_off() {
        // The latency app spans all three Regions, the failover app two: the
        // panel-wide rule alone would let both of the failover app's Regions
        // go Off while ap-southeast-2 stays On.
        let p = arc_plan("  scope: region\n", &format!("{FAILOVER}{LATENCY}"));
        assert_eq!(p.rules.len(), 2, "{:?}", p.rules);
        assert_eq!(
            asserted(&p, &p.rules[0]),
            ["eu-west-1", "us-east-1", "ap-southeast-2"]
        );
        assert_eq!(asserted(&p, &p.rules[1]), ["eu-west-1", "us-east-1"]);
        assert_eq!(p.rules[1].logical_id, "SafetyRuleEuWest1UsEast1");
        assert_eq!(p.rules[1].threshold, 1);
        // A rule never asks for all of its controls On: none could move.
        let p = arc_plan(
            "  scope: region\n  safetyRules: {minRegionsOn: 2}\n",
            &format!("{FAILOVER}{LATENCY}"),
        );
        assert_eq!((p.rules[0].threshold, p.rules[1].threshold), (2, 1));
    }

    #[test]
    fn a_health_checks_logical_id_follows_its_cluster() {
        let a = arc_plan("", LATENCY);
        let b = arc_plan("", LATENCY);
        assert_eq!(
            a.controls[0].health_check, b.controls[0].health_check,
            "stable"
        );
        let g1 = cluster_generation(&ArcCluster::Create("t".into()));
        let g2 = cluster_generation(&ArcCluster::Create("other".into()));
        assert_ne!(g1, g2);
        assert_eq!(
            a.controls[0].health_check,
            format!("RoutingControlHealthCheckEuWest1Gen{g1}")
        );
        assert_eq!(
            a.controls[0].health_check_param,
            "RoutingControlHealthCheckEuWest1"
        );
    }
}
