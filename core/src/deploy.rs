//! What `gen deploy` decides, as pure functions of the plan and of what it
//! observed in CloudFormation: which stacks go in which order and phase,
//! which stacks of this spec it no longer renders (and so deletes), and
//! every change it refuses before anything runs because CloudFormation or
//! Route 53 would refuse it, or because it would leave records on checks
//! that are gone. The generator's `live::change_sets` makes and runs the
//! change sets; `cli::deploy` gathers and shows.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use anyhow::{Result, bail};
use serde::{Serialize, Serializer};

pub mod unchanged;

use crate::diag::Hinted;
use crate::facts;
use crate::layout;
use crate::model::switch::Traffic;
use crate::model::{Plan, StackInput};
use crate::spec::checked::Spec;
use crate::spec::lock::{Lock, Previous};

/// A stack to deploy, in deploy order.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub region: String,
    /// The account it lives in (by the spec's name); None: the
    /// credentials' own.
    pub account: Option<String>,
    /// Parameters `gen deploy` fills from other stacks' outputs.
    pub inputs: Vec<StackInput>,
    /// The ARC stack: deployed before the stacks that take its outputs.
    pub arc: bool,
    /// Deployed in the first phase, before every other stack: the ARC stack
    /// and the Region switch role (the access entries name it).
    pub first: bool,
    /// Stacks that must have run before this one starts, beside those whose
    /// outputs it takes: a deploy runs stacks at once, and the Region
    /// switch's access entries and plans name the role by ARN.
    pub after: Vec<String>,
}

impl Target {
    /// Every stack that must have run before this one starts.
    pub fn depends_on(&self) -> impl Iterator<Item = &str> {
        self.after
            .iter()
            .map(String::as_str)
            .chain(self.inputs.iter().map(|i| i.stack.as_str()))
    }
}

/// Refuse to deploy what does not match the repository's intent: an ALB
/// whose DNS name is not known yet, or a hosted zone known by name only.
pub fn ready(spec: &Spec, plan: &Plan, spec_name: &str) -> Result<()> {
    if !plan.unresolved.is_empty() {
        let albs: Vec<String> = plan
            .unresolved
            .iter()
            .map(|u| format!("ALB {} in {} ({})", u.alb, u.region, u.field))
            .collect();
        bail!(Hinted::new(
            format!("the ALB DNS name is not resolved for {}", albs.join(", ")),
            format!(
                "set it in {spec_name} once the Ingress (or Gateway) has an address (or run `gen discover`), render, and deploy again"
            )
        ));
    }
    if plan.zone_unresolved {
        bail!(Hinted::new(
            format!(
                "the ID of hosted zone {} is not known (dns.zoneId)",
                spec.zone
            ),
            format!(
                "set dns.zoneId in {spec_name}, or run `gen discover` to record the public zone's ID in gen.lock; then render and deploy again (records always name their zone by ID: a name is ambiguous beside a private zone of the same name)"
            )
        ));
    }
    Ok(())
}

/// Every stack in deploy order. The ARC stack first (the DNS stacks take
/// its outputs). Region switch: the role first, each Region's access entry
/// (which names it), and the plans, which take the routing controls' ARNs.
/// Without ARC the plans come first of all: the DNS stacks take the health
/// checks they make.
pub fn targets(plan: &Plan) -> Vec<Target> {
    let target = |name: &str, region: &str, inputs: &[StackInput], first: bool| Target {
        name: name.to_string(),
        region: region.to_string(),
        account: plan.dns_account.clone(),
        inputs: inputs.to_vec(),
        arc: false,
        first,
        after: Vec::new(),
    };
    let mut out = Vec::new();
    if let Some(arc) = &plan.arc {
        out.push(Target {
            arc: true,
            ..target(&arc.stack, arc.home_region, &[], true)
        });
    }
    let checks_first = plan
        .region_switch
        .as_ref()
        .is_some_and(|sw| sw.traffic == Traffic::HealthChecks);
    // The access entries name the role; the plans name the role and run
    // with its access.
    let after_role = |t: Target, sw: &crate::model::switch::SwitchPlan| Target {
        after: std::iter::once(sw.role_stack.clone())
            .chain(
                sw.access
                    .iter()
                    .map(|a| a.stack.clone())
                    .filter(|a| *a != t.name && t.name == sw.stack),
            )
            .collect(),
        ..t
    };
    if let Some(sw) = &plan.region_switch {
        out.push(target(&sw.role_stack, &sw.region, &[], true));
        for a in &sw.access {
            // A Region's access entries are its cluster's: in its account.
            let account = plan
                .clusters
                .iter()
                .find(|c| c.region == a.region)
                .and_then(|c| c.account.clone());
            out.push(after_role(
                Target {
                    account,
                    ..target(&a.stack, &a.region, &[], checks_first)
                },
                sw,
            ));
        }
        if checks_first {
            out.push(after_role(target(&sw.stack, &sw.region, &[], true), sw));
        }
    }
    for s in &plan.stacks {
        out.push(target(&s.name, &s.region, &s.inputs, false));
    }
    if let Some(sw) = plan.region_switch.as_ref().filter(|_| !checks_first) {
        out.push(after_role(
            target(&sw.stack, &sw.region, &sw.inputs, false),
            sw,
        ));
    }
    // The alarms take their DNS stack's check IDs: after it.
    for a in plan.rollout.iter().flat_map(|r| &r.alarm_stacks) {
        out.push(target(&a.name, &a.region, &a.inputs, false));
    }
    out
}

/// A record a deploy would point at a Region whose clusters do not serve
/// its app yet: the Region's rollout branch lacks the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ahead {
    pub stack: String,
    pub app: String,
    pub region: String,
    /// 1-based, as people count waves.
    pub wave: usize,
}

/// DNS follows the clusters: every record of the stacks to deploy whose
/// Region's wave has not brought its app yet (`served`: whether the
/// Region's rollout branch holds the app). None without a rollout.
pub fn ahead_of_waves(
    plan: &Plan,
    stacks: &[&str],
    served: impl Fn(&str, &str) -> bool,
) -> Vec<Ahead> {
    let Some(r) = &plan.rollout else {
        return Vec::new();
    };
    plan.stacks
        .iter()
        .filter(|s| stacks.contains(&s.name.as_str()))
        .flat_map(|s| s.entries.iter().map(move |e| (s, e)))
        .filter(|(_, e)| !served(&e.record.app, &e.record.region))
        .map(|(s, e)| Ahead {
            stack: s.name.clone(),
            app: e.record.app.clone(),
            region: e.record.region.clone(),
            wave: r.wave_of(&e.record.region).map_or(0, |w| w + 1),
        })
        .collect()
}

/// Refuse a deploy that would point DNS at a Region before its clusters
/// serve the app (a new app, an app added to a Region, a new Region).
pub fn refuse_ahead(ahead: &[Ahead]) -> Result<()> {
    if ahead.is_empty() {
        return Ok(());
    }
    let what: Vec<String> = ahead
        .iter()
        .map(|a| format!("{} ({} in {}, wave {})", a.stack, a.app, a.region, a.wave))
        .collect();
    let mut stacks: Vec<&str> = ahead.iter().map(|a| a.stack.as_str()).collect();
    stacks.dedup();
    bail!(Hinted::new(
        format!(
            "DNS would point at Regions whose clusters do not serve the app yet: {}",
            what.join(", ")
        ),
        format!(
            "run `gen rollout` first (each wave brings the app to its Regions), then deploy; or deploy the other stacks now, leaving out {}",
            stacks.join(", ")
        )
    ));
}

/// Only the stacks named (`--stack`, none: all), refusing a name the spec
/// does not render.
pub fn only<T>(
    mut stacks: Vec<T>,
    target: impl Fn(&T) -> &Target,
    names: &[String],
) -> Result<Vec<T>> {
    if names.is_empty() {
        return Ok(stacks);
    }
    for name in names {
        if !stacks.iter().any(|s| &target(s).name == name) {
            let all: Vec<&str> = stacks.iter().map(|s| target(s).name.as_str()).collect();
            bail!(Hinted::new(
                format!("no stack `{name}` in this spec"),
                format!("stacks: {}", all.join(", "))
            ));
        }
    }
    stacks.retain(|s| names.contains(&target(s).name));
    Ok(stacks)
}

/// The Region of every stack whose outputs another stack takes.
pub fn producers(plan: &Plan) -> Vec<(String, String)> {
    let alarms = plan
        .rollout
        .as_ref()
        .is_some_and(|r| !r.alarm_stacks.is_empty());
    plan.arc
        .iter()
        .map(|a| (a.stack.clone(), a.home_region.to_string()))
        .chain(
            plan.region_switch
                .iter()
                .map(|sw| (sw.stack.clone(), sw.region.clone())),
        )
        .chain(
            plan.stacks
                .iter()
                .filter(|_| alarms)
                .map(|s| (s.name.clone(), s.region.clone())),
        )
        .collect()
}

/// Stacks that take another's outputs but are not among `targets`.
pub fn left_out(plan: &Plan, targets: &[Target]) -> Vec<String> {
    plan.stacks
        .iter()
        .map(|s| (&s.name, &s.inputs))
        .chain(plan.region_switch.iter().map(|sw| (&sw.stack, &sw.inputs)))
        .chain(
            plan.rollout
                .iter()
                .flat_map(|r| &r.alarm_stacks)
                .map(|a| (&a.name, &a.inputs)),
        )
        .filter(|(name, inputs)| !inputs.is_empty() && !targets.iter().any(|t| &t.name == *name))
        .map(|(name, _)| name.clone())
        .collect()
}

/// A stack whose outputs another takes, as CloudFormation reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Producer {
    /// Not created yet (or only reviewed): no outputs to take.
    NotDeployed,
    /// Created or updated, or an update rolled back (which keeps the
    /// previous outputs): its outputs are there.
    Deployed,
    /// Any other status (in progress, failed): refused until it settles.
    Unsettled(String),
}

/// Whether `taker` may read `producer`'s outputs now (`false`: it has
/// none yet); refused while the producer is unsettled.
pub fn outputs_ready(taker: &str, producer: &str, state: &Producer) -> Result<bool> {
    match state {
        Producer::Deployed => Ok(true),
        Producer::NotDeployed => Ok(false),
        Producer::Unsettled(status) => bail!(Hinted::new(
            format!("stack {producer} is {status}, so {taker} cannot take its outputs"),
            "let it finish, or fix it (its events say why), then deploy again"
        )),
    }
}

/// The value `input` of stack `taker` takes from its producer's outputs
/// as deployed; refused when the producer has no such output yet.
pub fn take_output<'a>(
    taker: &str,
    input: &StackInput,
    outputs: &'a [(String, String)],
) -> Result<&'a str> {
    match outputs.iter().find(|(k, _)| k == &input.output) {
        Some((_, v)) => Ok(v),
        None => bail!(Hinted::new(
            format!(
                "stack {} has no output {} for {taker} to take",
                input.stack, input.output
            ),
            format!(
                "deploy {} first (a full `gen deploy` does, in order)",
                input.stack
            )
        )),
    }
}

/// The second phase: when a stack of the first phase changes, the stacks
/// that take outputs cannot be prepared before it has run (a replaced
/// routing control's health check gets a new ID). `then` holds the later
/// stacks, each with its `Target`; returns (now, deferred).
pub fn defer<T>(
    then: Vec<T>,
    target: impl Fn(&T) -> &Target,
    first_changes: bool,
) -> (Vec<T>, Vec<T>) {
    let (deferred, now) = then
        .into_iter()
        .partition(|t| first_changes && !target(t).inputs.is_empty());
    (now, deferred)
}

/// Whether a stack must wait for a later phase because a stack whose
/// outputs it takes changes first (`changing`): a new or replaced health
/// check has a new ID only once its stack has run.
pub fn waits(target: &Target, changing: impl Fn(&str) -> bool) -> bool {
    target.inputs.iter().any(|i| changing(&i.stack))
}

/// CloudFormation's action on a resource (`ChangeAction`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeAction {
    Add,
    Modify,
    Remove,
    Import,
    Dynamic,
    /// One this gen does not know, as CloudFormation said it ("" if none).
    Other(String),
}

impl ChangeAction {
    pub fn as_str(&self) -> &str {
        match self {
            ChangeAction::Add => "Add",
            ChangeAction::Modify => "Modify",
            ChangeAction::Remove => "Remove",
            ChangeAction::Import => "Import",
            ChangeAction::Dynamic => "Dynamic",
            ChangeAction::Other(s) => s,
        }
    }
}

impl fmt::Display for ChangeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ChangeAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// CloudFormation's `Replacement` of a resource change: True, False or
/// Conditional ("CloudFormation decides when the change set runs").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    True,
    False,
    Conditional,
}

/// What a change set does to one resource, decided from CloudFormation's
/// own types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Added, removed, or changed in place.
    InPlace,
    /// Replaced: a new resource first, then the old one deleted.
    Replaced,
    /// A Route 53 health check replaced: it gets a new ID, and the records
    /// that name it switch to it in the same change set.
    NewCheckId,
    /// CloudFormation decides when the change set runs.
    Conditional,
}

impl Verdict {
    pub fn of(resource_type: &str, replacement: Option<Replacement>) -> Verdict {
        match replacement {
            Some(Replacement::True) if resource_type == "AWS::Route53::HealthCheck" => {
                Verdict::NewCheckId
            }
            Some(Replacement::True) => Verdict::Replaced,
            Some(Replacement::Conditional) => Verdict::Conditional,
            _ => Verdict::InPlace,
        }
    }

    pub fn replaces(self) -> bool {
        matches!(self, Verdict::Replaced | Verdict::NewCheckId)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::InPlace => "",
            Verdict::Replaced => "YES: replaced",
            Verdict::NewCheckId => "YES: new ID, records follow",
            Verdict::Conditional => "maybe",
        })
    }
}

/// One resource's change in a change set.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeReview {
    /// CloudFormation's action: Add, Modify, Remove, ...
    pub action: ChangeAction,
    pub logical_id: String,
    pub resource_type: String,
    pub verdict: Verdict,
}

/// One stack's review, decided from CloudFormation's types; shown as a
/// table or as JSON (values are enum names).
#[derive(Debug, Serialize)]
pub struct StackReview {
    pub stack: String,
    pub region: String,
    /// The account it lives in (by the spec's name); None: the
    /// credentials' own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(flatten)]
    pub state: StackState,
}

#[derive(Debug, Serialize)]
#[serde(tag = "state")]
pub enum StackState {
    UpToDate {
        by: Known,
    },
    /// Its creation failed earlier: a deploy deletes it and creates it again.
    FailedCreate {
        status: String,
    },
    Changes {
        new_stack: bool,
        /// Why it got a change set rather than being known up to date.
        why: unchanged::Why,
        changes: Vec<ChangeReview>,
    },
}

/// How a stack is known to be up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Known {
    /// CloudFormation holds its template digest and parameter values: no
    /// change set was made.
    Digest,
    /// Its change set found nothing to change.
    ChangeSet,
}

/// `eu-west-1`, or with an account `eu-west-1, account prod-eu`: where a
/// stack lives, for a person.
pub fn place(region: &str, account: Option<&str>) -> String {
    match account {
        None => region.to_string(),
        Some(a) => format!("{region}, account {a}"),
    }
}

impl StackReview {
    pub fn place(&self) -> String {
        place(&self.region, self.account.as_deref())
    }

    /// Its changes, when it has a change set.
    pub fn changes(&self) -> &[ChangeReview] {
        match &self.state {
            StackState::Changes { changes, .. } => changes,
            _ => &[],
        }
    }
}

const SWITCH_PLAN: &str = "AWS::ARCRegionSwitch::Plan";

/// The logical IDs of the Region switch plans the reviews remove.
pub fn removed_plans(stacks: &[StackReview]) -> Vec<&str> {
    stacks
        .iter()
        .flat_map(StackReview::changes)
        .filter(|c| c.resource_type == SWITCH_PLAN && c.action == ChangeAction::Remove)
        .map(|c| c.logical_id.as_str())
        .collect()
}

/// Of `removed` plans, those whose checks a kept stack's records carry as
/// deployed: `parameters` are each kept stack's parameter keys.
pub fn carried(removed: &[&str], parameters: &[Vec<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for keys in parameters {
        for id in removed {
            if keys
                .iter()
                .any(|k| layout::is_switch_check_parameter_of(k, id))
                && !out.iter().any(|x| x == id)
            {
                out.push(id.to_string());
            }
        }
    }
    out
}

/// Region switch plan changes CloudFormation cannot make, or that would
/// leave records on checks that are gone, refused before anything runs:
/// - a replaced plan: "You can't perform an update that causes a
///   custom-named resource to be replaced" (CloudFormation User Guide, "Name
///   type"), and each plan has its name; its approach and primary Region are
///   create-only (`AWS::ARCRegionSwitch::Plan` registry schema);
/// - without ARC, a removed plan whose checks records of a stack this
///   deploy keeps carry now (`carried`): the checks would go before those
///   records move off them, in the next phase. (A leaving app's stack goes
///   anyway.)
pub fn refuse_plan_changes(stacks: &[StackReview], carried: &[String]) -> Result<()> {
    for s in stacks {
        for c in s
            .changes()
            .iter()
            .filter(|c| c.resource_type == SWITCH_PLAN)
        {
            let why = if c.verdict.replaces() {
                "would be replaced (a pair's approach or primary Region changed), which CloudFormation cannot do to a named resource"
            } else if c.action == ChangeAction::Remove && carried.contains(&c.logical_id) {
                "would be removed while the records still carry its health checks"
            } else {
                continue;
            };
            bail!(Hinted::new(
                format!(
                    "Region switch plan {} in stack {} {why}",
                    c.logical_id, s.stack
                ),
                "make it two deploys: set regionSwitch.enabled: false, render and `gen deploy` (the records drop the plans' checks, then the plans go), then set it back to true, render and `gen deploy`"
            ));
        }
    }
    Ok(())
}

/// The ARC stack changes (`changing_arc`: its name, when it does) but
/// stacks that take its outputs are left out of this deploy: they would
/// keep checks the ARC stack replaces.
pub fn refuse_arc_alone(changing_arc: &[&str], left_out: &[String]) -> Result<()> {
    if changing_arc.is_empty() || left_out.is_empty() {
        return Ok(());
    }
    bail!(Hinted::new(
        format!(
            "deploying {} without {} would leave them on routing-control checks it replaces",
            changing_arc.join(", "),
            left_out.join(", ")
        ),
        "deploy them together (drop --stack, or add each of them)"
    ))
}

/// Where a full deploy looks for stacks of this spec it no longer renders.
#[derive(Debug, Clone, PartialEq)]
pub struct Orphans {
    /// The DNS stacks' name prefix, and their Region.
    pub dns_prefix: String,
    pub dns_region: String,
    /// The alarm stacks' name prefix, and their Region (us-east-1).
    pub alarms_prefix: String,
    pub alarms_region: String,
    /// The ARC stack (name, Region), when the spec has ARC off.
    pub arc: Option<(String, String)>,
    /// Every Region switch stack the spec could have (name, Region), in the
    /// order they go: the plans, each Region's access entry, the role.
    pub switch: Vec<(String, String)>,
    /// The account of every stack but a Region's access entries (None:
    /// the credentials' own).
    pub dns_account: Option<String>,
    /// The access entries' stacks in a Region with an account of its own.
    pub access_accounts: BTreeMap<String, String>,
}

impl Orphans {
    pub fn of(spec: &Spec, plan: &Plan) -> Orphans {
        Orphans {
            dns_prefix: layout::stack_name(&spec.name, ""),
            dns_region: spec.stack_region.clone(),
            alarms_prefix: layout::alarm_stack_name(&spec.name, ""),
            alarms_region: facts::route53::METRICS_REGION.to_string(),
            arc: plan.arc.is_none().then(|| {
                (
                    layout::arc_stack_name(&spec.name),
                    facts::arc::ARC_HOME_REGION.to_string(),
                )
            }),
            switch: std::iter::once((
                layout::region_switch_stack_name(&spec.name),
                spec.stack_region.clone(),
            ))
            .chain(spec.regions.iter().map(|r| {
                (
                    layout::region_switch_access_stack_name(&spec.name, &r.name),
                    r.name.clone(),
                )
            }))
            .chain(std::iter::once((
                layout::region_switch_role_stack_name(&spec.name),
                spec.stack_region.clone(),
            )))
            .collect(),
            dns_account: plan.dns_account.clone(),
            access_accounts: spec
                .regions
                .iter()
                .filter_map(|r| {
                    let a = r.account.clone()?;
                    Some((
                        layout::region_switch_access_stack_name(&spec.name, &r.name),
                        a,
                    ))
                })
                .collect(),
        }
    }

    /// The account stack `stack` lives in (None: the credentials' own).
    pub fn account_of(&self, stack: &str) -> Option<&str> {
        self.access_accounts
            .get(stack)
            .or(self.dns_account.as_ref())
            .map(String::as_str)
    }

    /// The Region switch stacks not `wanted`: those to look for.
    pub fn switch_unwanted<'a>(&'a self, wanted: &[&str]) -> Vec<&'a (String, String)> {
        self.switch
            .iter()
            .filter(|(stack, _)| !wanted.contains(&stack.as_str()))
            .collect()
    }
}

/// What a full deploy found in CloudFormation, tagged with this spec.
#[derive(Debug, Default, Clone)]
pub struct Found {
    /// The stacks whose names start with the DNS prefix.
    pub dns: Vec<String>,
    /// The stacks whose names start with the alarms prefix.
    pub alarms: Vec<String>,
    /// Region switch stacks (of `Orphans::switch_unwanted`) that exist.
    pub switch: Vec<String>,
    /// The ARC stack exists; and whether it made its cluster (or uses one
    /// that is not gen's).
    pub arc: Option<bool>,
}

/// A stack of this spec that it no longer renders, deleted by a full deploy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deletion {
    pub stack: String,
    pub region: String,
    /// The account it lives in (None: the credentials' own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub reason: DeletionReason,
    /// For the ARC stack: the cluster that goes with it, or that stays.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeletionReason {
    /// Its apps are no longer in the spec.
    AppsLeft,
    /// ARC is off in the spec.
    ArcOff,
    /// Region switch is off in the spec, or no plan holds the Region.
    SwitchLeft,
    /// Its DNS stack left the spec, or the spec has no rollout.
    AlarmsLeft,
}

impl fmt::Display for DeletionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeletionReason::AppsLeft => "its apps are no longer in the spec",
            DeletionReason::ArcOff => {
                "ARC is off in the spec; deleted after the DNS stacks stop using its routing controls"
            }
            DeletionReason::SwitchLeft => {
                "Region switch is off in the spec, or no plan holds this Region any more"
            }
            DeletionReason::AlarmsLeft => {
                "its DNS stack left the spec, or the spec has no rollout section any more"
            }
        })
    }
}

/// The stacks to delete: DNS stacks whose apps left the spec, Region
/// switch stacks once it is off (the plans before the role they run as),
/// and the ARC stack once ARC is off (after the DNS stacks are updated, or
/// its cluster keeps billing). `wanted` is every stack the spec renders.
pub fn orphans(o: &Orphans, wanted: &[&str], found: &Found) -> Vec<Deletion> {
    let mut out: Vec<Deletion> = found
        .dns
        .iter()
        .filter(|name| !wanted.contains(&name.as_str()))
        .map(|name| Deletion {
            stack: name.clone(),
            region: o.dns_region.clone(),
            account: o.dns_account.clone(),
            reason: DeletionReason::AppsLeft,
            detail: None,
        })
        .chain(
            found
                .alarms
                .iter()
                .filter(|name| !wanted.contains(&name.as_str()))
                .map(|name| Deletion {
                    stack: name.clone(),
                    region: o.alarms_region.clone(),
                    account: o.dns_account.clone(),
                    reason: DeletionReason::AlarmsLeft,
                    detail: None,
                }),
        )
        .collect();
    for (stack, region) in o.switch_unwanted(wanted) {
        if found.switch.contains(stack) {
            out.push(Deletion {
                stack: stack.clone(),
                region: region.clone(),
                account: o.account_of(stack).map(str::to_string),
                reason: DeletionReason::SwitchLeft,
                detail: None,
            });
        }
    }
    if let (Some((arc, region)), Some(owns_cluster)) = (&o.arc, found.arc) {
        let detail = if owns_cluster {
            let p = facts::pricing::ARC_CLUSTER;
            format!(
                "with it goes the ARC cluster gen created, about ${:.0} a month at list price ({})",
                p.per_month(1),
                p.source
            )
        } else {
            "the ARC cluster it used is not gen's and stays".to_string()
        };
        out.push(Deletion {
            stack: arc.clone(),
            region: region.clone(),
            account: o.dns_account.clone(),
            reason: DeletionReason::ArcOff,
            detail: Some(detail),
        });
    }
    out
}

/// An ALB and Region whose records and checks have moved off the load
/// balancer of its other API (gen.lock's `previous`).
#[derive(Debug, Clone, PartialEq)]
pub struct Left {
    pub region: String,
    pub alb: String,
    pub previous: Previous,
    /// (stack, logical ID, interval) of each of its apps' checks there.
    pub checks: Vec<(String, String, u32)>,
}

/// The ALBs that have left another load balancer and whose records, as
/// deployed, use the lock's name: after a full deploy, gen forgets the old
/// one once every moved check reports healthy.
pub fn left_albs(spec: &Spec, plan: &Plan, lock: &Lock) -> Vec<Left> {
    let mut left = Vec::new();
    for (region, r) in &lock.regions {
        for (alb, e) in &r.albs {
            let Some(previous) = &e.previous else {
                continue;
            };
            // Only where the deployed records used the lock's name (a
            // Region with several clusters names its ALBs in the spec).
            let Some((x, k)) = spec
                .regions
                .iter()
                .find(|x| x.name == *region && x.clusters.len() == 1)
                .zip(spec.ingress.alb_index(alb))
            else {
                continue;
            };
            if x.single().albs[k].dns_name.as_deref() != Some(&e.alb_dns_name) {
                continue;
            }
            let checks = plan.ingress.albs[k]
                .apps
                .iter()
                .filter_map(|app| plan.entry(app, region))
                .map(|(st, en)| {
                    (
                        st.name.clone(),
                        en.health_check.logical_id.clone(),
                        en.health_check.interval,
                    )
                })
                .collect();
            left.push(Left {
                region: region.clone(),
                alb: alb.clone(),
                previous: previous.clone(),
                checks,
            });
        }
    }
    left
}

/// The stacks named in the inputs of `deferred`: what they wait for.
pub fn waited_for<'a>(deferred: impl IntoIterator<Item = &'a Target>) -> Vec<&'a str> {
    deferred
        .into_iter()
        .flat_map(|t| t.inputs.iter().map(|i| i.stack.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests;
