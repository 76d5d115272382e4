//! The ARC Region switch plans: one `AWS::ARCRegionSwitch::Plan` per pair
//! of Regions between which some app can move ("Regions": "Fixed number of
//! 2 items", Region switch API reference, Plan), with their execution role
//! and, in each Region, the EKS access entry that lets the role scale the
//! apps' Deployments.
//!
//! A pair is two Regions in which one app has records: a failover app's
//! primary and secondary, any two of a latency or weighted app's. A pair
//! whose apps all use failover is active/passive (its primary is the first
//! app's primary): one activation workflow per Region. Otherwise it is
//! active/active: "a minimum of two workflows: an activation workflow and a
//! deactivation workflow" (ARC Developer Guide, "Create Region switch plan
//! workflows"). Each workflow: an optional manual approval, then the EKS
//! resource scaling block (the Region taking traffic scales "a percentage
//! of capacity … relative to the capacity in the Region that is being
//! deactivated", "EKS resource scaling execution block"), then the ARC
//! routing control block setting the pair's controls.

use serde::Serialize;

use super::arc::{ArcPlan, control_for};
use super::databases::{self, DbPermissions, DbStep};
use super::{CombinedCheck, Parameter, Plan, StackInput, StackPlan, SwitchCheckRef, Value};
use crate::layout::{self, pascal};
use crate::spec::checked::{RegionSwitch, Routing, Spec, SwitchAlarm, SwitchReport};

#[derive(Debug, Serialize, Hash)]
pub struct SwitchPlan {
    /// The plans' stack, deployed where the Route 53 stacks are.
    pub stack: String,
    pub region: String,
    /// The plans' template's description.
    pub description: String,
    /// The execution role's stack, deployed first: the access entries name it.
    pub role_stack: String,
    pub role_name: String,
    /// The role's template's description.
    pub role_description: String,
    /// The role's ARN, as an `Fn::Sub` string.
    pub role_arn: String,
    pub namespace: String,
    /// Each Region's cluster, which the role may describe and scale.
    pub clusters: Vec<ClusterRef>,
    /// Those in the plans' own account: the role reaches them directly.
    pub local_clusters: Vec<ClusterRef>,
    /// The roles in other accounts the role assumes for the others.
    pub cross_roles: Vec<CrossAccount>,
    pub plans: Vec<PairPlan>,
    /// The routing controls' ARNs, passed by `gen deploy` from the ARC
    /// stack's outputs.
    pub inputs: Vec<StackInput>,
    /// The template's parameter for each of `inputs`.
    pub parameters: Vec<Parameter>,
    /// Per Region: the stack of its cluster's access entry.
    pub access: Vec<AccessPlan>,
    /// How the plans move traffic: routing controls with ARC, else the
    /// health checks Region switch makes for the records.
    pub traffic: Traffic,
    /// `traffic` is `HealthChecks`: the plans' traffic step is the Route 53
    /// health check block, and the role reads the records' zone.
    pub health_check_block: bool,
    /// The hosted zone of the records (the health check block names it).
    pub zone: Value,
    /// The zone's ARN, as an `Fn::Sub` string (the role lists its records).
    pub zone_arn: String,
    /// The alarms every plan is associated with.
    pub alarms: Vec<SwitchAlarm>,
    /// Where every plan writes its execution reports.
    pub report: Option<SwitchReport>,
    /// The report's objects, as the role's `s3:PutObject` names them.
    pub report_objects: Option<String>,
    /// What the role needs for the plans' database steps.
    pub db: DbPermissions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "camelCase")]
pub enum Traffic {
    /// The ARC routing control block sets the pair's routing controls.
    RoutingControls,
    /// The Route 53 health check block: "The execution block creates Amazon
    /// Route 53 health checks, which you then attach to Route 53 DNS records
    /// in your account" (ARC Developer Guide, "Amazon Route 53 health check
    /// execution block"). gen attaches each through the record's calculated
    /// check, beside the app's own check, so that one still fails the
    /// record over on its own.
    HealthChecks,
}

/// One app's records as a Route 53 health check block names them.
#[derive(Debug, Serialize, Hash)]
pub struct GatedRecord {
    pub app: String,
    /// The name of its step in a `Parallel` block (`traffic-<app>`).
    pub step: String,
    /// The record name, with its final dot.
    pub name: String,
    /// Per Region of the pair: (Region, the records' set identifier).
    pub sets: Vec<(String, String)>,
    /// The Regions whose record carries the plan's check: both, or on an
    /// active/passive pair only the primary's (the passive Region's check
    /// "starts unhealthy", which would leave the app no secondary).
    pub gated: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Hash)]
pub struct ClusterRef {
    pub region: String,
    pub cluster: String,
    /// The cluster's ARN, as an `Fn::Sub` string.
    pub arn: String,
    /// The ARN of every access entry of the cluster, as an `Fn::Sub` string.
    pub access_entries_arn: String,
    /// A cluster in another account than the plans': the role there that
    /// the plans' execution role assumes to scale it.
    pub cross_account: Option<CrossAccount>,
}

/// A Region switch block's cross-account role ("crossAccountRole" and
/// "externalId" of an EKS cluster: ARC Region switch API Reference,
/// EksCluster; its trust and the execution role's `sts:AssumeRole`: ARC
/// Developer Guide, "Cross-account resource permissions"). Rendered in the
/// cluster's access-entry stack, in the cluster's account.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct CrossAccount {
    pub role_name: String,
    /// The role's ARN, as an `Fn::Sub` string in the cluster's account.
    pub role_arn: String,
    /// The execution role's ARN, in the plans' account: the one principal
    /// the role trusts.
    pub trusted: String,
    pub external_id: Option<String>,
    /// The execution role's statement that assumes it (`Assume<Region>`).
    pub sid: String,
    /// The cluster's ARN and its access entries', as `Fn::Sub` strings.
    pub cluster_arn: String,
    pub access_entries_arn: String,
}

impl ClusterRef {
    /// Cluster `cluster` of `region`, in `account` (its ID) when that is
    /// not the plans'.
    fn new(region: &str, cluster: &str, account: Option<&str>) -> ClusterRef {
        let id = account.unwrap_or("${AWS::AccountId}");
        let eks = format!("arn:${{AWS::Partition}}:eks:{region}:{id}");
        ClusterRef {
            region: region.to_string(),
            cluster: cluster.to_string(),
            arn: format!("{eks}:cluster/{cluster}"),
            access_entries_arn: format!("{eks}:access-entry/{cluster}/*"),
            cross_account: None,
        }
    }
}

#[derive(Debug, Serialize, Hash)]
pub struct AccessPlan {
    pub stack: String,
    pub region: String,
    pub cluster: String,
    /// In another account than the plans': the role the access entry names.
    pub cross_account: Option<CrossAccount>,
    /// The template's description.
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "camelCase")]
pub enum Approach {
    ActivePassive,
    ActiveActive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Activate,
    Deactivate,
}

/// The word Region switch's API takes (`StartPlanExecution`'s `action`).
impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Activate => "activate",
            Action::Deactivate => "deactivate",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
pub enum ControlState {
    On,
    Off,
}

#[derive(Debug, Serialize, Hash)]
pub struct PairPlan {
    /// `Plan<RegionA><RegionB>`: a stability boundary, like every logical ID.
    pub logical_id: String,
    pub name: String,
    /// The plan's description: its apps and Regions.
    pub description: String,
    /// The stack's output of the plan's ARN (`<logical ID>Arn`).
    pub output: String,
    pub regions: [String; 2],
    pub approach: Approach,
    pub primary: Option<String>,
    pub rto_minutes: Option<u32>,
    /// The two clusters (the EKS block names both).
    pub clusters: [ClusterRef; 2],
    /// The apps that can move between the two, in spec order.
    pub apps: Vec<String>,
    pub workflows: Vec<WorkflowPlan>,
    /// Without ARC: per app, the records the health check block covers.
    pub records: Vec<GatedRecord>,
    /// More than one record name: a `Parallel` block of one health check
    /// block per name, all at once.
    pub parallel: bool,
    /// The databases the pair's workflows promote, in name order; several
    /// run as one `Parallel` block.
    pub databases: Vec<DbStep>,
    /// The triggers that start one of its workflows.
    pub triggers: Vec<TriggerPlan>,
}

/// A trigger as the plan takes it (`Trigger`).
#[derive(Debug, Serialize, Hash)]
pub struct TriggerPlan {
    pub action: &'static str,
    pub target_region: String,
    pub description: String,
    /// (associated alarm name, `red` or `green`).
    pub conditions: Vec<(String, &'static str)>,
    pub min_delay_minutes: u32,
}

#[derive(Debug, Serialize, Hash)]
pub struct WorkflowPlan {
    pub action: Action,
    pub target_region: Option<String>,
    pub description: String,
    pub approval_role: Option<String>,
    pub scale_percent: u32,
    /// Per Region of the pair: the routing controls the block sets and to
    /// what, each by the parameter that carries its ARN.
    pub controls: Vec<RegionControls>,
    /// The workflow moves the writer, so it runs the pair's database steps:
    /// each activation of an active/passive pair, the deactivation of an
    /// active/active one (the Region left takes the writer).
    pub databases: bool,
}

#[derive(Debug, Serialize, Hash)]
pub struct RegionControls {
    pub region: String,
    pub controls: Vec<ControlChange>,
}

#[derive(Debug, Serialize, Hash)]
pub struct ControlChange {
    pub parameter: String,
    /// The Region whose records the control gates.
    pub region: String,
    pub state: ControlState,
}

pub fn plan(spec: &Spec, rs: &RegionSwitch, arc: Option<&ArcPlan>, plan: &Plan) -> SwitchPlan {
    let traffic = if arc.is_some() {
        Traffic::RoutingControls
    } else {
        Traffic::HealthChecks
    };
    let role_name = layout::region_switch_role_name(&spec.name);
    let dns = spec.account(spec.dns_account.as_deref());
    let cluster = |r: &str| {
        let region = spec.regions.iter().find(|x| x.name == r);
        let account = region
            .and_then(|x| spec.account(x.account.as_deref()))
            .filter(|a| dns.is_none_or(|d| d.id != a.id));
        let mut c = ClusterRef::new(
            r,
            region.map_or("", |x| x.single().name.as_str()),
            account.map(|a| a.id.as_str()),
        );
        // `validate` asks for the DNS account's ID whenever a Region's
        // account is another: the role trusts the execution role by ARN.
        if let (Some(a), Some(d)) = (account, dns) {
            let name = layout::region_switch_cross_role_name(&spec.name, r);
            c.cross_account = Some(CrossAccount {
                role_arn: format!("arn:${{AWS::Partition}}:iam::{}:role/{name}", a.id),
                role_name: name,
                trusted: format!("arn:${{AWS::Partition}}:iam::{}:role/{role_name}", d.id),
                external_id: a.external_id.clone(),
                sid: cat!("Assume", pascal(r)),
                cluster_arn: c.arn.clone(),
                access_entries_arn: c.access_entries_arn.clone(),
            });
        }
        c
    };
    let has_record = |app: &str, r: &str| plan.entry(app, r).is_some();
    let mut plans = Vec::new();
    for (i, a) in spec.regions.iter().enumerate() {
        for b in &spec.regions[i + 1..] {
            let apps: Vec<&crate::spec::checked::App> = spec
                .apps
                .iter()
                .filter(|x| has_record(&x.name, &a.name) && has_record(&x.name, &b.name))
                .collect();
            if apps.is_empty() {
                continue;
            }
            let primary = apps.iter().find_map(|x| match &x.routing {
                Routing::Failover { primary, .. } => Some(primary.clone()),
                _ => None,
            });
            // Without ARC the passive Region's checks start unhealthy, so
            // every app of an active/passive pair must share its primary.
            let one_primary = arc.is_some()
                || apps.iter().all(|x| match &x.routing {
                    Routing::Failover { primary: p, .. } => Some(p) == primary.as_ref(),
                    _ => false,
                });
            let approach = if one_primary
                && apps
                    .iter()
                    .all(|x| matches!(x.routing, Routing::Failover { .. }))
            {
                Approach::ActivePassive
            } else {
                Approach::ActiveActive
            };
            let names: Vec<String> = apps.iter().map(|x| x.name.clone()).collect();
            // The controls of these apps in one Region, each once.
            let controls_in = |r: &str, state: ControlState| -> Vec<ControlChange> {
                let mut out: Vec<ControlChange> = Vec::new();
                for app in &names {
                    if let Some(c) = arc.and_then(|arc| control_for(arc, app, r))
                        && !out.iter().any(|x| x.parameter == c.output)
                    {
                        out.push(ControlChange {
                            parameter: c.output.clone(),
                            region: c.region.clone(),
                            state,
                        });
                    }
                }
                out
            };
            let pair = [a.name.clone(), b.name.clone()];
            let databases =
                databases::steps(spec, &pair, &apps, approach == Approach::ActivePassive);
            // What a workflow that runs the database steps does before traffic.
            let promote = match databases.len() {
                0 => String::new(),
                1 => format!(", make database {} the writer there", databases[0].database),
                _ => format!(
                    ", make databases {} the writers there",
                    databases
                        .iter()
                        .map(|d| d.database.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let workflow = |action: Action, target: Option<&str>, controls: Vec<RegionControls>| {
                WorkflowPlan {
                    action,
                    description: match (action, target) {
                        (Action::Activate, Some(t)) => format!(
                            "Move {} to {t}: scale it up{promote}, then {}",
                            names.join(", "),
                            if arc.is_some() {
                                "turn its routing controls On and the other Region's Off"
                            } else {
                                "set its records' Region switch checks healthy and the other Region's unhealthy"
                            }
                        ),
                        (Action::Activate, None) => format!(
                            "Bring a Region back for {}: scale it up, then {}",
                            names.join(", "),
                            if arc.is_some() {
                                "turn its routing controls On"
                            } else {
                                "set its records' Region switch checks healthy"
                            }
                        ),
                        (Action::Deactivate, _) => format!(
                            "Take a Region out for {}: scale the other up{promote}, then {}",
                            names.join(", "),
                            if arc.is_some() {
                                "turn the Region's routing controls Off"
                            } else {
                                "set its records' Region switch checks unhealthy"
                            }
                        ),
                    },
                    target_region: target.map(str::to_string),
                    approval_role: rs.approval_role.clone(),
                    scale_percent: rs.scale_percent,
                    controls,
                    databases: match approach {
                        Approach::ActivePassive => true,
                        Approach::ActiveActive => action == Action::Deactivate,
                    },
                }
            };
            let workflows = match approach {
                Approach::ActivePassive => [(&a.name, &b.name), (&b.name, &a.name)]
                    .into_iter()
                    .map(|(to, from)| {
                        workflow(
                            Action::Activate,
                            Some(to),
                            vec![RegionControls {
                                region: to.clone(),
                                controls: controls_in(to, ControlState::On)
                                    .into_iter()
                                    .chain(controls_in(from, ControlState::Off))
                                    .collect(),
                            }],
                        )
                    })
                    .collect(),
                Approach::ActiveActive => [
                    (Action::Activate, ControlState::On),
                    (Action::Deactivate, ControlState::Off),
                ]
                .into_iter()
                .map(|(action, state)| {
                    workflow(
                        action,
                        None,
                        [&a.name, &b.name]
                            .into_iter()
                            .map(|r| RegionControls {
                                region: r.clone(),
                                controls: controls_in(r, state),
                            })
                            .collect(),
                    )
                })
                .collect(),
            };
            let primary = (approach == Approach::ActivePassive)
                .then(|| primary.unwrap_or_else(|| a.name.clone()));
            let records = match traffic {
                Traffic::RoutingControls => Vec::new(),
                Traffic::HealthChecks => apps
                    .iter()
                    .map(|x| {
                        // Each record of the Region once: a geolocation
                        // Region has one per location; AAAA shares A's.
                        let mut sets: Vec<(String, String)> = Vec::new();
                        for r in [&a.name, &b.name] {
                            let Some((_, e)) = plan.entry(&x.name, r) else {
                                continue;
                            };
                            for set in &e.record.sets {
                                let pair = (r.clone(), set.set_identifier.clone());
                                if !sets.contains(&pair) {
                                    sets.push(pair);
                                }
                            }
                        }
                        GatedRecord {
                            app: x.name.clone(),
                            step: format!("traffic-{}", x.name),
                            name: format!("{}.", x.host),
                            gated: sets
                                .iter()
                                .map(|(r, _)| r.clone())
                                .filter(|r| primary.as_ref().is_none_or(|p| p == r))
                                .collect(),
                            sets,
                        }
                    })
                    .collect(),
            };
            let logical_id = format!("Plan{}{}", pascal(&a.name), pascal(&b.name));
            let triggers = rs
                .triggers
                .iter()
                .filter(|t| pair.contains(&t.target_region))
                // Active/passive plans have activation workflows only.
                .filter(|t| approach == Approach::ActiveActive || t.action == "activate")
                .map(|t| TriggerPlan {
                    action: t.action,
                    target_region: t.target_region.clone(),
                    description: format!(
                        "{} {} when {}",
                        if t.action == "activate" {
                            "Activate"
                        } else {
                            "Deactivate"
                        },
                        t.target_region,
                        t.conditions
                            .iter()
                            .map(|(a, s)| format!("{a} is {s}"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                    conditions: t.conditions.clone(),
                    min_delay_minutes: t.min_delay_minutes,
                })
                .collect();
            plans.push(PairPlan {
                databases,
                triggers,
                parallel: records.len() > 1,
                records,
                description: format!(
                    "Moves {} between {} and {}",
                    names.join(", "),
                    a.name,
                    b.name
                ),
                output: format!("{logical_id}Arn"),
                logical_id,
                name: layout::region_switch_plan_name(&spec.name, &a.name, &b.name),
                regions: [a.name.clone(), b.name.clone()],
                approach,
                primary,
                rto_minutes: rs.rto_minutes,
                clusters: [cluster(&a.name), cluster(&b.name)],
                apps: names,
                workflows,
            });
        }
    }
    let mut inputs: Vec<StackInput> = Vec::new();
    for c in arc.iter().flat_map(|a| &a.controls) {
        let wanted = plans.iter().any(|p| {
            p.workflows.iter().any(|w| {
                w.controls
                    .iter()
                    .any(|rc| rc.controls.iter().any(|x| x.parameter == c.output))
            })
        });
        if wanted {
            inputs.push(StackInput {
                parameter: c.output.clone(),
                stack: arc.map(|a| a.stack.clone()).unwrap_or_default(),
                output: c.output.clone(),
                health_check: None,
            });
        }
    }
    // The Regions some plan holds, in spec order.
    let regions: Vec<&str> = spec
        .regions
        .iter()
        .map(|r| r.name.as_str())
        .filter(|r| plans.iter().any(|p| p.regions.iter().any(|x| x == r)))
        .collect();
    // The zone of the Route 53 stacks.
    let zone = super::zone(spec);
    let health_check_block = traffic == Traffic::HealthChecks;
    let steps: Vec<&DbStep> = plans.iter().flat_map(|p| &p.databases).collect();
    SwitchPlan {
        db: DbPermissions::of(&steps),
        alarms: rs.alarms.clone(),
        report_objects: rs.report.as_ref().map(|r| {
            let path = r.bucket_path.strip_prefix("s3://").unwrap_or(&r.bucket_path);
            format!("arn:${{AWS::Partition}}:s3:::{}/*", path.trim_end_matches('/'))
        }),
        report: rs.report.clone(),
        traffic,
        health_check_block,
        zone_arn: format!(
            "arn:${{AWS::Partition}}:route53:::hostedzone/{}",
            zone.in_sub()
        ),
        zone,
        stack: layout::region_switch_stack_name(&spec.name),
        region: spec.stack_region.clone(),
        description: format!(
            "ARC Region switch plans of {}: per pair of Regions, scale up the Region taking traffic{}, then {} (rendered by gen)",
            spec.name,
            if steps.is_empty() {
                ""
            } else {
                ", make the apps' databases the writers there"
            },
            if health_check_block {
                "set the health checks that gate the records"
            } else {
                "set the routing controls"
            }
        ),
        role_stack: layout::region_switch_role_stack_name(&spec.name),
        role_description: format!(
            "ARC Region switch execution role of {}: what its plans need to scale the apps{} and {} (rendered by gen)",
            spec.name,
            if steps.is_empty() { "" } else { ", promote their databases" },
            if health_check_block {
                "read the records their health checks gate"
            } else {
                "set the routing controls"
            }
        ),
        role_arn: format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{role_name}"),
        role_name: role_name.clone(),
        namespace: spec.namespace.clone(),
        clusters: regions.iter().map(|r| cluster(r)).collect(),
        local_clusters: regions
            .iter()
            .map(|r| cluster(r))
            .filter(|c| c.cross_account.is_none())
            .collect(),
        cross_roles: regions
            .iter()
            .filter_map(|r| cluster(r).cross_account)
            .collect(),
        plans,
        parameters: inputs
            .iter()
            .map(|i| Parameter {
                name: i.parameter.clone(),
                kind: "String",
                allowed_pattern: None,
                description: format!(
                    "ARN of a routing control: gen deploy passes output {} of stack {}",
                    i.output, i.stack
                ),
            })
            .collect(),
        inputs,
        access: regions
            .iter()
            .map(|r| AccessPlan {
                stack: layout::region_switch_access_stack_name(&spec.name, r),
                region: r.to_string(),
                cluster: cluster(r).cluster,
                cross_account: cluster(r).cross_account,
                description: format!(
                    "ARC Region switch access entry of {} in {r}: its plans' role may scale the apps' Deployments (rendered by gen)",
                    spec.name
                ),
            })
            .collect(),
    }
}

/// Without ARC: attach each plan's health checks to the records they gate.
/// A record's check becomes (or stays) the calculated check over the app's
/// own check and every plan check of the record, all of which must be
/// healthy; each plan check's ID is a parameter `gen deploy` reads from
/// Region switch ("You can view them … via the ListRoute53HealthChecks
/// API", ARC Developer Guide, "Amazon Route 53 health check execution
/// block").
pub fn gate(spec_name: &str, sw: &SwitchPlan, stacks: &mut [StackPlan]) {
    if sw.traffic != Traffic::HealthChecks {
        return;
    }
    for p in &sw.plans {
        for rec in &p.records {
            for region in &rec.gated {
                let Some(s) = stacks.iter_mut().find(|s| {
                    s.entries
                        .iter()
                        .any(|e| e.record.app == rec.app && &e.record.region == region)
                }) else {
                    continue;
                };
                let param = layout::switch_check_parameter(&rec.app, region, &p.logical_id);
                s.parameters.push(Parameter {
                    name: param.clone(),
                    kind: "String",
                    // A Route 53 health check ID (at most 64 characters).
                    allowed_pattern: Some("^[a-zA-Z0-9-]{1,64}$"),
                    description: format!(
                        "ID of the health check Region switch plan {} made for {} in {region} (gen deploy reads it with ListRoute53HealthChecks)",
                        p.name, rec.name
                    ),
                });
                s.inputs.push(StackInput {
                    parameter: param.clone(),
                    stack: sw.stack.clone(),
                    output: p.output.clone(),
                    health_check: Some(SwitchCheckRef {
                        record: rec.name.clone(),
                        region: region.clone(),
                    }),
                });
                let e = s
                    .entries
                    .iter_mut()
                    .find(|e| e.record.app == rec.app && &e.record.region == region)
                    .expect("found above");
                let c = e.combined.get_or_insert_with(|| CombinedCheck {
                    logical_id: layout::combined_check_id(&rec.app, region),
                    params: Vec::new(),
                    control: None,
                    switch_plans: Vec::new(),
                    name_tag: format!("{spec_name}-{}-{region}-switch", rec.app),
                    health_threshold: 1,
                });
                c.params.push(param);
                c.switch_plans.push(p.name.clone());
                c.health_threshold = 1 + c.params.len() as u32;
                e.record.health_check = c.logical_id.clone();
            }
        }
    }
}

/// One execution a switch starts: which plan, which of its workflows, the
/// action and target Region StartPlanExecution takes, and the Region whose
/// data plane gen calls.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct Run<'a> {
    pub plan: &'a PairPlan,
    #[serde(skip)]
    pub workflow: &'a WorkflowPlan,
    pub action: Action,
    /// `targetRegion`: "the Region that traffic will be shifted to or from,
    /// depending on the action" (Region switch API reference,
    /// StartPlanExecution).
    pub target: String,
    /// Where the execution is started and followed: the Region taking the
    /// traffic, never the one it leaves (which may be the impaired one).
    pub call_region: String,
}

/// A step of a workflow as gen renders it: its name, its block type and
/// what it does.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct StepView {
    pub name: String,
    pub block: &'static str,
    pub does: String,
}

impl WorkflowPlan {
    /// The steps in the order the template renders them, as an execution
    /// targeting `target` runs them: the routing control block applies the
    /// entry of the workflow's target, or of `target` in a workflow without
    /// one (modelled: AWS does not say which entry it reads then).
    pub fn steps(&self, plan: &PairPlan, target: &str) -> Vec<StepView> {
        let mut out = Vec::new();
        if let Some(role) = &self.approval_role {
            out.push(StepView {
                name: "approve".into(),
                block: "ManualApproval",
                does: format!("waits for an approval by {role}"),
            });
        }
        out.push(StepView {
            name: "scale-up".into(),
            block: "EKSResourceScaling",
            does: format!(
                "scales {} to {} % of the other Region's replicas and waits for them to be ready",
                plan.apps.join(", "),
                self.scale_percent
            ),
        });
        // The databases, when this workflow moves the writer: what a
        // graceful and an ungraceful execution do to each.
        if self.databases {
            for d in &plan.databases {
                out.push(StepView {
                    name: d.step.clone(),
                    block: d.block,
                    does: format!(
                        "makes {} the writer where traffic goes: {}",
                        d.database,
                        d.effect()
                    ),
                });
            }
        }
        if !plan.records.is_empty() {
            // The health check block: per action, which Regions' checks
            // end healthy (see `simulate`'s reading of the block).
            let (healthy, unhealthy): (Vec<&str>, Vec<&str>) =
                match (self.action, &self.target_region) {
                    (Action::Activate, Some(t)) => (vec![t.as_str()], vec![plan.other(t)]),
                    (Action::Activate, None) => (vec![target], Vec::new()),
                    (Action::Deactivate, _) => (Vec::new(), vec![target]),
                };
            let mut sets = Vec::new();
            if !healthy.is_empty() {
                sets.push(format!("{} healthy", healthy.join(", ")));
            }
            if !unhealthy.is_empty() {
                sets.push(format!("{} unhealthy", unhealthy.join(", ")));
            }
            let hosts: Vec<&str> = plan
                .records
                .iter()
                .map(|r| r.name.trim_end_matches('.'))
                .collect();
            out.push(StepView {
                name: "traffic".into(),
                block: if plan.parallel {
                    "Parallel: Route53HealthCheck"
                } else {
                    "Route53HealthCheck"
                },
                does: format!(
                    "sets the plan's checks of {}: {}",
                    hosts.join(", "),
                    sets.join(" and ")
                ),
            });
            return out;
        }
        let entry = self
            .controls
            .iter()
            .find(|rc| rc.region == self.target_region.as_deref().unwrap_or(target));
        let mut sets: Vec<String> = Vec::new();
        for state in [ControlState::On, ControlState::Off] {
            let mut regions: Vec<&str> = Vec::new();
            for c in entry.iter().flat_map(|e| &e.controls) {
                if c.state == state && !regions.contains(&c.region.as_str()) {
                    regions.push(&c.region);
                }
            }
            if !regions.is_empty() {
                sets.push(format!("{} {state:?}", regions.join(", ")));
            }
        }
        out.push(StepView {
            name: "traffic".into(),
            block: "ARCRoutingControl",
            does: format!("turns the routing controls of {}", sets.join(" and ")),
        });
        out
    }
}

impl SwitchPlan {
    /// The Route 53 health checks the plans make in the account: without
    /// ARC, one per record name and Region of each plan ("creates two sets
    /// of health checks — one for each Region", ARC Developer Guide,
    /// "Amazon Route 53 health check execution block").
    pub fn health_checks(&self) -> usize {
        // Per record name, each Region once: a geolocation Region has a
        // set identifier per location, but one check.
        self.plans
            .iter()
            .flat_map(|p| &p.records)
            .map(|r| {
                let mut regions: Vec<&str> = r.sets.iter().map(|(x, _)| x.as_str()).collect();
                regions.dedup();
                regions.len()
            })
            .sum()
    }
}

impl PairPlan {
    pub fn other(&self, region: &str) -> &str {
        if self.regions[0] == region {
            &self.regions[1]
        } else {
            &self.regions[0]
        }
    }
}

/// The executions that move every plan holding `to` to it: an active/passive
/// plan activates `to` with the workflow that targets it; an active/active
/// plan deactivates the other Region ("a minimum of two workflows: an
/// activation workflow and a deactivation workflow", ARC Developer Guide,
/// "Create Region switch plan workflows"). Plans without `to` do not run.
pub fn runs_to<'a>(sw: &'a SwitchPlan, to: &str) -> Vec<Run<'a>> {
    sw.plans
        .iter()
        .filter(|p| p.regions.iter().any(|r| r == to))
        .filter_map(|p| {
            let (action, target, workflow) = match p.approach {
                Approach::ActivePassive => (
                    Action::Activate,
                    to.to_string(),
                    p.workflows
                        .iter()
                        .find(|w| w.target_region.as_deref() == Some(to))?,
                ),
                Approach::ActiveActive => (
                    Action::Deactivate,
                    p.other(to).to_string(),
                    p.workflows
                        .iter()
                        .find(|w| w.action == Action::Deactivate)?,
                ),
            };
            Some(Run {
                plan: p,
                workflow,
                action,
                target,
                call_region: to.to_string(),
            })
        })
        .collect()
}

/// The execution that brings `to` back into an active/active plan (its
/// activation workflow, called from `to`): what a switch to `to` runs first
/// when an earlier switch took `to` out. None for active/passive plans,
/// whose activation of `to` is the switch itself.
pub fn activation<'a>(p: &'a PairPlan, to: &str) -> Option<Run<'a>> {
    if p.approach != Approach::ActiveActive || !p.regions.iter().any(|r| r == to) {
        return None;
    }
    Some(Run {
        plan: p,
        workflow: p.workflows.iter().find(|w| w.action == Action::Activate)?,
        action: Action::Activate,
        target: to.to_string(),
        call_region: to.to_string(),
    })
}

/// The executions that undo `runs_to(to)`: each plan's other Region
/// activated again (called from that Region, which takes traffic back).
pub fn runs_back<'a>(sw: &'a SwitchPlan, to: &str) -> Vec<Run<'a>> {
    runs_to(sw, to)
        .into_iter()
        .filter_map(|r| {
            let back = r.plan.other(to).to_string();
            let workflow = match r.plan.approach {
                Approach::ActivePassive => r
                    .plan
                    .workflows
                    .iter()
                    .find(|w| w.target_region.as_deref() == Some(back.as_str()))?,
                Approach::ActiveActive => r
                    .plan
                    .workflows
                    .iter()
                    .find(|w| w.action == Action::Activate)?,
            };
            Some(Run {
                plan: r.plan,
                workflow,
                action: Action::Activate,
                target: back.clone(),
                call_region: back,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::plan_of;

    const HEAD: &str = "version: 1\nname: t\ndns: {zone: example.com, zoneId: Z1}\nregions:\n  - {name: eu-west-1, cluster: a, albDnsName: a.elb.amazonaws.com}\n  - {name: us-east-1, cluster: b, albDnsName: b.elb.amazonaws.com}\n  - {name: ap-southeast-2, cluster: c, albDnsName: c.elb.amazonaws.com}\narc: {enabled: true, cluster: {name: t}";

    fn switch(arc_extra: &str, rs: &str, apps: &str) -> SwitchPlan {
        plan_of(&format!(
            "{HEAD}{arc_extra}}}\nregionSwitch: {{enabled: true{rs}}}\napps:\n{apps}"
        ))
        .region_switch
        .expect("region switch")
    }

    const FAILOVER: &str = "  - {name: f, host: f.example.com, image: i, health: {path: /f}, rto: 90, routing: {failover: {primary: us-east-1, secondary: eu-west-1}}}\n";
    const LATENCY: &str = "  - {name: l, host: l.example.com, image: i, health: {path: /l}}\n";

    #[test]
    fn a_pair_is_two_regions_an_app_answers_from() {
        // The failover app moves only between its primary and secondary.
        let sw = switch("", "", FAILOVER);
        let pairs: Vec<&[String; 2]> = sw.plans.iter().map(|p| &p.regions).collect();
        assert_eq!(pairs, [&["eu-west-1".to_string(), "us-east-1".to_string()]]);
        let p = &sw.plans[0];
        assert_eq!(p.approach, Approach::ActivePassive);
        assert_eq!(p.primary.as_deref(), Some("us-east-1"));
        assert_eq!(p.name, "t-eu-west-1-us-east-1");
        assert_eq!(p.logical_id, "PlanEuWest1UsEast1");
        // rto 90 s: a 2-minute objective.
        assert_eq!(p.rto_minutes, Some(2));
        // One activation per Region: its control On, the other's Off.
        let w: Vec<(Action, Option<&str>)> = p
            .workflows
            .iter()
            .map(|w| (w.action, w.target_region.as_deref()))
            .collect();
        assert_eq!(
            w,
            [
                (Action::Activate, Some("eu-west-1")),
                (Action::Activate, Some("us-east-1"))
            ]
        );
        let set: Vec<(&str, ControlState)> = p.workflows[0].controls[0]
            .controls
            .iter()
            .map(|c| (c.parameter.as_str(), c.state))
            .collect();
        assert_eq!(
            set,
            [
                ("RoutingControlEuWest1Arn", ControlState::On),
                ("RoutingControlUsEast1Arn", ControlState::Off)
            ]
        );
        // Only the controls it sets are inputs; only its Regions get access entries.
        let inputs: Vec<&str> = sw.inputs.iter().map(|i| i.parameter.as_str()).collect();
        assert_eq!(
            inputs,
            ["RoutingControlEuWest1Arn", "RoutingControlUsEast1Arn"]
        );
        let access: Vec<&str> = sw.access.iter().map(|a| a.region.as_str()).collect();
        assert_eq!(access, ["eu-west-1", "us-east-1"]);
    }

    #[test]
    fn a_pair_with_an_active_active_app_activates_and_deactivates() {
        let sw = switch(
            ", scope: app",
            ", scalePercent: 50",
            &format!("{FAILOVER}{LATENCY}"),
        );
        let pairs: Vec<(&str, &str, Approach)> = sw
            .plans
            .iter()
            .map(|p| (p.regions[0].as_str(), p.regions[1].as_str(), p.approach))
            .collect();
        assert_eq!(
            pairs,
            [
                ("eu-west-1", "us-east-1", Approach::ActiveActive),
                ("eu-west-1", "ap-southeast-2", Approach::ActiveActive),
                ("us-east-1", "ap-southeast-2", Approach::ActiveActive),
            ]
        );
        let p = &sw.plans[0];
        assert_eq!(p.apps, ["f", "l"]);
        assert_eq!(p.primary, None);
        let actions: Vec<Action> = p.workflows.iter().map(|w| w.action).collect();
        assert_eq!(actions, [Action::Activate, Action::Deactivate]);
        assert!(
            p.workflows
                .iter()
                .all(|w| w.target_region.is_none() && w.scale_percent == 50)
        );
        // Per app and Region: each Region lists its own apps' controls.
        let deactivate: Vec<(&str, Vec<(&str, ControlState)>)> = p.workflows[1]
            .controls
            .iter()
            .map(|rc| {
                (
                    rc.region.as_str(),
                    rc.controls
                        .iter()
                        .map(|c| (c.parameter.as_str(), c.state))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            deactivate,
            [
                (
                    "eu-west-1",
                    vec![
                        ("RoutingControlFEuWest1Arn", ControlState::Off),
                        ("RoutingControlLEuWest1Arn", ControlState::Off)
                    ]
                ),
                (
                    "us-east-1",
                    vec![
                        ("RoutingControlFUsEast1Arn", ControlState::Off),
                        ("RoutingControlLUsEast1Arn", ControlState::Off)
                    ]
                ),
            ]
        );
        // The latency app alone moves to and from ap-southeast-2.
        assert_eq!(sw.plans[1].apps, ["l"]);
    }
    /// (plan, action, target, Region called) of each run.
    fn brief<'a>(runs: &'a [Run<'_>]) -> Vec<(&'a str, Action, &'a str, &'a str)> {
        runs.iter()
            .map(|r| {
                (
                    r.plan.name.as_str(),
                    r.action,
                    r.target.as_str(),
                    r.call_region.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn a_switch_runs_each_plan_that_holds_the_region_once() {
        // Active/passive: activate the target with its own workflow.
        let sw = switch("", "", FAILOVER);
        let runs = runs_to(&sw, "eu-west-1");
        let got = brief(&runs);
        assert_eq!(
            got,
            [(
                "t-eu-west-1-us-east-1",
                Action::Activate,
                "eu-west-1",
                "eu-west-1"
            )]
        );
        assert_eq!(runs[0].workflow.target_region.as_deref(), Some("eu-west-1"));
        let traffic = runs[0]
            .workflow
            .steps(runs[0].plan, "eu-west-1")
            .pop()
            .unwrap();
        assert_eq!(
            traffic.does,
            "turns the routing controls of eu-west-1 On and us-east-1 Off"
        );
        let back = runs_back(&sw, "eu-west-1");
        let back: Vec<(Action, &str, &str)> = back
            .iter()
            .map(|r| (r.action, r.target.as_str(), r.call_region.as_str()))
            .collect();
        assert_eq!(back, [(Action::Activate, "us-east-1", "us-east-1")]);
        // A Region no plan holds runs nothing.
        assert!(runs_to(&sw, "ap-southeast-2").is_empty());

        // Active/active over three Regions: deactivate the other Region of
        // each pair that holds the target, from the target.
        let sw = switch(", scope: app", "", &format!("{FAILOVER}{LATENCY}"));
        let to_south = runs_to(&sw, "ap-southeast-2");
        let got = brief(&to_south);
        assert_eq!(
            got,
            [
                (
                    "t-eu-west-1-ap-southeast-2",
                    Action::Deactivate,
                    "eu-west-1",
                    "ap-southeast-2"
                ),
                (
                    "t-us-east-1-ap-southeast-2",
                    Action::Deactivate,
                    "us-east-1",
                    "ap-southeast-2"
                ),
            ]
        );
        let steps: Vec<String> = runs_to(&sw, "ap-southeast-2")[0]
            .workflow
            .steps(&sw.plans[1], "eu-west-1")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(steps, ["scale-up", "traffic"]);
        // Without a target in the workflow: the entry of the run's target.
        let r = &runs_to(&sw, "ap-southeast-2")[0];
        assert_eq!(
            r.workflow.steps(r.plan, &r.target).pop().unwrap().does,
            "turns the routing controls of eu-west-1 Off"
        );
    }
    #[test]
    fn without_arc_each_record_carries_its_plans_checks_beside_its_own() {
        let head = HEAD.split("\narc:").next().unwrap();
        let latency = "  - {name: l, host: l.example.com, image: i, health: {path: /l}}\n";
        let p = plan_of(&format!(
            "{head}\nregionSwitch: {{enabled: true}}\napps:\n{FAILOVER}{latency}"
        ));
        let sw = p.region_switch.as_ref().expect("region switch");
        assert_eq!(sw.traffic, Traffic::HealthChecks);
        assert!(sw.inputs.is_empty());
        // The latency app answers everywhere: every pair is active/active,
        // and every record of a pair carries that pair's check.
        let (_, e) = p.entry("l", "eu-west-1").unwrap();
        let c = e.combined.as_ref().unwrap();
        assert_eq!(c.control, None);
        assert_eq!(
            c.switch_plans,
            ["t-eu-west-1-us-east-1", "t-eu-west-1-ap-southeast-2"]
        );
        assert_eq!(c.health_threshold, 3, "the app's check and both plans'");
        assert_eq!(e.record.health_check, c.logical_id);
        // Each check's ID is a parameter deploy reads from Region switch.
        let s = p.stacks.iter().find(|s| s.apps == ["l"]).unwrap();
        let i = s
            .inputs
            .iter()
            .find(|i| i.parameter == c.params[0])
            .unwrap();
        assert_eq!(i.stack, sw.stack);
        assert_eq!(i.output, "PlanEuWest1UsEast1Arn");
        let hc = i.health_check.as_ref().unwrap();
        assert_eq!(
            (hc.record.as_str(), hc.region.as_str()),
            ("l.example.com.", "eu-west-1")
        );
        assert_eq!(sw.health_checks(), 2 * 3 + 2);

        // A pair of failover apps with one primary is active/passive, and
        // only the primary's record is gated: the secondary's check "starts
        // unhealthy" and would leave the app no secondary.
        let p = plan_of(&format!(
            "{head}\nregionSwitch: {{enabled: true}}\napps:\n{FAILOVER}"
        ));
        let sw = p.region_switch.as_ref().unwrap();
        assert_eq!(sw.plans[0].approach, Approach::ActivePassive);
        assert_eq!(sw.plans[0].records[0].gated, ["us-east-1"]);
        assert!(p.entry("f", "us-east-1").unwrap().1.combined.is_some());
        assert!(p.entry("f", "eu-west-1").unwrap().1.combined.is_none());

        // Two failover apps with different primaries: active/active, both gated.
        let other = "  - {name: g, host: g.example.com, image: i, health: {path: /g}, routing: {failover: {primary: eu-west-1, secondary: us-east-1}}}\n";
        let p = plan_of(&format!(
            "{head}\nregionSwitch: {{enabled: true}}\napps:\n{FAILOVER}{other}"
        ));
        let sw = p.region_switch.as_ref().unwrap();
        assert_eq!(sw.plans[0].approach, Approach::ActiveActive);
        assert_eq!(sw.plans[0].records[1].gated, ["eu-west-1", "us-east-1"]);
    }
}
