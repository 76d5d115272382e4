//! `gen deploy`: the rendered CloudFormation, deployed through change sets
//! that a person (or `--yes`) approves after reading them.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;

use super::print_table;
use super::{Printer, Session};
use crate::aws::cfn::{self, Cfn, Prepared, Replacement, StackStatus};
use crate::diag::HintContext;
use crate::diag::Hinted;
use crate::layout;
use crate::model::{self, Plan};
use crate::output::{self};
use crate::render;
use crate::spec::lock;

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Execute the change sets without asking.
    #[arg(long)]
    yes: bool,
    /// Create the change sets, show them, and delete them.
    #[arg(long)]
    dry_run: bool,
    /// Deploy only this stack (repeatable).
    #[arg(long = "stack", value_name = "NAME")]
    stacks: Vec<String>,
    /// How a dry run shows its review: tables, or JSON (with --dry-run).
    #[arg(long, value_enum, default_value = "table")]
    output: super::Output,
    /// While an ALB moves between Ingress and Gateway: how long a full
    /// deploy waits for the moved checks to report healthy before it keeps
    /// the old load balancer (default: two check intervals and 10 s).
    #[arg(long, value_name = "SECONDS")]
    check_wait: Option<u64>,
}

/// A stack to deploy: its name, Region and template.
struct Target {
    name: String,
    region: String,
    body: String,
    /// Parameters `gen deploy` fills from other stacks' outputs.
    inputs: Vec<model::StackInput>,
    /// The ARC stack: deployed before the stacks that take its outputs.
    arc: bool,
    /// Deployed in the first phase, before every other stack: the ARC stack
    /// and the Region switch role (the access entries name it).
    first: bool,
}

struct Pending {
    target: Target,
    id: String,
    created: bool,
}

/// The stacks to deploy, after checking that the repository holds what
/// would be deployed and that nothing is left to resolve.
fn checked_targets(s: &Session) -> Result<Vec<Target>> {
    let (settings, spec, plan) = (&s.settings, &s.spec, &s.plan);
    let rendered = render::render(plan, &settings.spec_name())?;
    // Deploy what the repository holds (what a reviewer saw), nothing else.
    let changes = output::compare(&settings.root, &rendered)?;
    if !changes.is_empty() || !changes.escapes.is_empty() || !changes.foreign.is_empty() {
        bail!(Hinted::new(
            format!(
                "the rendered files in {} are not up to date with {}",
                settings.root.display(),
                settings.spec_name()
            ),
            "run `gen render`, review and commit, then deploy"
        ));
    }
    if !plan.unresolved.is_empty() {
        let regions: Vec<String> = plan
            .unresolved
            .iter()
            .map(|u| format!("ALB {} in {} ({})", u.alb, u.region, u.field))
            .collect();
        bail!(Hinted::new(
            format!(
                "the ALB DNS name is not resolved for {}",
                regions.join(", ")
            ),
            format!(
                "set it in {} once the Ingress (or Gateway) has an address (or run `gen discover`), render, and deploy again",
                settings.spec_name()
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
                "set dns.zoneId in {}, or run `gen discover` to record the public zone's ID in gen.lock; then render and deploy again (records always name their zone by ID: a name is ambiguous beside a private zone of the same name)",
                settings.spec_name()
            )
        ));
    }
    Ok(targets(plan, &rendered))
}

/// For `gen plan --change-sets`: create every stack's change set, show it,
/// and delete it again.
pub(super) fn show_change_sets(s: &Session) -> Result<()> {
    let pr = s.settings.printer;
    let (spec, plan) = (&s.spec, &s.plan);
    let targets = checked_targets(s)?;
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let mut clients = Vec::new();
        let producers = producers(plan);
        let (review, deferred) =
            review_in_phases(pr, targets, &spec.name, &mut clients, &producers, false).await?;
        show_review(pr, &review.stacks);
        discard_all(pr, &clients, &review.pending).await;
        pr.data(format_args!(
            "({} change sets shown and deleted)",
            review.pending.len()
        ));
        say_deferred(pr, &deferred);
        Ok(())
    })
}

pub(super) fn run(s: &Session, args: &DeployArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let (spec, plan) = (&s.spec, &s.plan);
    if matches!(args.output, super::Output::Json) && !args.dry_run {
        bail!(Hinted::new(
            "--output json shows a deploy's review, which only a dry run stops at",
            "add --dry-run (the change sets are made, shown as JSON, and deleted)"
        ));
    }
    let mut targets = checked_targets(s)?;
    if !args.stacks.is_empty() {
        for name in &args.stacks {
            if !targets.iter().any(|t| &t.name == name) {
                let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
                bail!(Hinted::new(
                    format!("no stack `{name}` in this spec"),
                    format!("stacks: {}", names.join(", "))
                ));
            }
        }
        targets.retain(|t| args.stacks.contains(&t.name));
    }
    let runtime = super::runtime()?;
    // Stacks of apps (or stack groups) no longer in the spec are deleted,
    // and the ARC stack once ARC is off, on a full deploy only.
    let orphans_of = (args.stacks.is_empty()).then(|| Orphans {
        dns_prefix: layout::stack_name(&spec.name, ""),
        dns_region: spec.stack_region.clone(),
        arc: plan.arc.is_none().then(|| {
            (
                layout::arc_stack_name(&spec.name),
                crate::facts::arc::ARC_HOME_REGION.to_string(),
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
    });
    let producers = producers(plan);
    // Stacks that take another's outputs but are not deployed this time.
    let left_out: Vec<String> = plan
        .stacks
        .iter()
        .map(|s| (&s.name, &s.inputs))
        .chain(plan.region_switch.iter().map(|sw| (&sw.stack, &sw.inputs)))
        .filter(|(name, inputs)| !inputs.is_empty() && !targets.iter().any(|t| &t.name == *name))
        .map(|(name, _)| name.clone())
        .collect();
    let full = args.stacks.is_empty() && !args.dry_run;
    let code = runtime.block_on(deploy(
        pr, targets, &spec.name, orphans_of, &producers, &left_out, args,
    ))?;
    if full && code == ExitCode::SUCCESS {
        runtime.block_on(retire_left_albs(s, args.check_wait))?;
    }
    Ok(code)
}

/// An ALB and Region whose records and checks have moved off the load
/// balancer of its other API (gen.lock's `previous`).
struct Left {
    region: String,
    alb: String,
    previous: lock::Previous,
    /// (stack, logical ID, interval) of each of its apps' checks there.
    checks: Vec<(String, String, u32)>,
}

/// After a full deploy, the records and checks aim at the load balancer
/// gen.lock names for each ALB. Where an ALB has left another (`previous`),
/// forget that one once every moved check reports healthy from reports made
/// since the deploy, so the next render drops the old object and Flux
/// prunes it. Until then, or if they never do within two intervals, the old
/// object stays: a broken new ALB keeps its fallback.
async fn retire_left_albs(s: &Session, wait: Option<u64>) -> Result<()> {
    let pr = s.settings.printer;
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut l = lock::read(&s.settings.spec)?;
    let mut left = Vec::new();
    for (region, r) in &l.regions {
        for (alb, e) in &r.albs {
            let Some(previous) = &e.previous else {
                continue;
            };
            // Only where the deployed records used the lock's name.
            let Some((x, k)) = s
                .spec
                .regions
                .iter()
                .find(|x| x.name == *region)
                .zip(s.spec.ingress.alb_index(alb))
            else {
                continue;
            };
            if x.albs[k].dns_name.as_deref() != Some(&e.alb_dns_name) {
                continue;
            }
            let checks = s.plan.ingress.albs[k]
                .apps
                .iter()
                .filter_map(|app| s.plan.entry(app, region))
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
    if left.is_empty() {
        return Ok(());
    }
    let cfn = Cfn::new(&s.spec.stack_region).await;
    let r53 = crate::aws::route53::Route53::new().await;
    let mut ids: Vec<Vec<String>> = Vec::new();
    for one in &left {
        let mut v = Vec::new();
        for (stack, logical, _) in &one.checks {
            if let Some(id) = cfn.physical_id(stack, logical).await? {
                v.push(id);
            }
        }
        ids.push(v);
    }
    let longest = left
        .iter()
        .flat_map(|x| x.checks.iter().map(|c| c.2))
        .max()
        .unwrap_or(30);
    let deadline = std::time::Instant::now()
        + std::time::Duration::from_secs(wait.unwrap_or(2 * u64::from(longest) + 10));
    let mut healthy = vec![false; left.len()];
    loop {
        for (i, v) in ids.iter().enumerate() {
            if healthy[i] || v.len() < left[i].checks.len() {
                continue;
            }
            let mut all = true;
            for id in v {
                all &= r53.status_since(id, since).await?.is_healthy();
            }
            healthy[i] = all;
        }
        if healthy.iter().all(|h| *h) || std::time::Instant::now() >= deadline {
            break;
        }
        pr.progress(format_args!(
            "waiting for the checks on the new ALBs to report healthy ({} of {})",
            healthy.iter().filter(|h| **h).count(),
            healthy.len()
        ));
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
    for (one, ok) in left.iter().zip(&healthy) {
        let what = one.previous.api.title();
        if *ok {
            if let Some(e) = l
                .regions
                .get_mut(&one.region)
                .and_then(|r| r.albs.get_mut(&one.alb))
            {
                e.previous = None;
            }
            pr.note_hint(
                format_args!(
                    "ALB {} in {}: every check is healthy on its new load balancer, and no record or check aims at its {what}'s ({}) any more",
                    one.alb, one.region, one.previous.alb_dns_name
                ),
                format_args!(
                    "run `gen render` and push: the {what} leaves the repository and Flux deletes its load balancer"
                ),
            );
        } else {
            pr.warn_hint(
                format_args!(
                    "ALB {} in {}: the checks on its new load balancer have not all reported healthy since this deploy, so its {what} ({}) stays",
                    one.alb, one.region, one.previous.alb_dns_name
                ),
                "see `gen status`; once they are healthy, `gen deploy` again forgets the old one",
            );
        }
    }
    if healthy.iter().any(|h| *h) {
        output::write_atomic(
            &lock::path_for(&s.settings.spec),
            lock::to_text(&l)?.as_bytes(),
        )?;
    }
    Ok(())
}

/// Where gen looks for stacks of this spec that it no longer renders.
struct Orphans {
    dns_prefix: String,
    dns_region: String,
    /// The ARC stack (name, Region), when the spec has ARC off.
    arc: Option<(String, String)>,
    /// Every Region switch stack the spec could have (name, Region), in the
    /// order they go: the plans, each Region's access entry, the role.
    switch: Vec<(String, String)>,
}

/// The Region of every stack whose outputs another stack takes.
fn producers(plan: &Plan) -> Vec<(String, String)> {
    plan.arc
        .iter()
        .map(|a| (a.stack.clone(), a.home_region.to_string()))
        .chain(
            plan.region_switch
                .iter()
                .map(|sw| (sw.stack.clone(), sw.region.clone())),
        )
        .collect()
}

/// Every stack in deploy order: the ARC stack first (the DNS stacks take
/// its outputs), then the DNS stacks.
fn targets(plan: &Plan, rendered: &[render::Rendered]) -> Vec<Target> {
    let body = |stack: &str| {
        let path = layout::stack_file(stack);
        rendered
            .iter()
            .find(|r| r.path == path)
            .map(|r| r.text.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    if let Some(arc) = &plan.arc {
        out.push(Target {
            name: arc.stack.clone(),
            region: arc.home_region.to_string(),
            body: body(&arc.stack),
            inputs: Vec::new(),
            arc: true,
            first: true,
        });
    }
    // Region switch: the role first, each Region's access entry (which names
    // it), and the plans, which take the routing controls' ARNs. Without
    // ARC the plans come first of all: the DNS stacks take the health
    // checks they make.
    let checks_first = plan
        .region_switch
        .as_ref()
        .is_some_and(|sw| sw.traffic == crate::model::switch::Traffic::HealthChecks);
    if let Some(sw) = &plan.region_switch {
        out.push(Target {
            name: sw.role_stack.clone(),
            region: sw.region.clone(),
            body: body(&sw.role_stack),
            inputs: Vec::new(),
            arc: false,
            first: true,
        });
        for a in &sw.access {
            out.push(Target {
                name: a.stack.clone(),
                region: a.region.clone(),
                body: body(&a.stack),
                inputs: Vec::new(),
                arc: false,
                first: checks_first,
            });
        }
        if checks_first {
            out.push(Target {
                name: sw.stack.clone(),
                region: sw.region.clone(),
                body: body(&sw.stack),
                inputs: Vec::new(),
                arc: false,
                first: true,
            });
        }
    }
    for s in &plan.stacks {
        out.push(Target {
            name: s.name.clone(),
            region: s.region.clone(),
            body: body(&s.name),
            inputs: s.inputs.clone(),
            arc: false,
            first: false,
        });
    }
    if let Some(sw) = plan.region_switch.as_ref().filter(|_| !checks_first) {
        out.push(Target {
            name: sw.stack.clone(),
            region: sw.region.clone(),
            body: body(&sw.stack),
            inputs: sw.inputs.clone(),
            arc: false,
            first: false,
        });
    }
    out
}

/// Prepare the change sets in deploy order. When the ARC stack changes,
/// the stacks that take its outputs cannot be prepared before it has run
/// (a replaced routing control's health check gets a new ID): they are
/// returned apart, as the second phase.
async fn review_in_phases(
    pr: Printer,
    targets: Vec<Target>,
    spec: &str,
    clients: &mut Vec<Cfn>,
    producers: &[(String, String)],
    recreate: bool,
) -> Result<(Review, Vec<Target>)> {
    let (first, then): (Vec<Target>, Vec<Target>) = targets.into_iter().partition(|t| t.first);
    let mut review = prepare_all(pr, first, spec, clients, producers, recreate).await?;
    let producer_changes = !review.pending.is_empty();
    let (deferred, now): (Vec<Target>, Vec<Target>) = then
        .into_iter()
        .partition(|t| producer_changes && !t.inputs.is_empty());
    match prepare_all(pr, now, spec, clients, producers, recreate).await {
        Ok(r) => {
            review.pending.extend(r.pending);
            review.stacks.extend(r.stacks);
        }
        Err(e) => {
            discard_all(pr, clients, &review.pending).await;
            return Err(e);
        }
    }
    Ok((review, deferred))
}

/// Region switch plan changes CloudFormation cannot make, or that would
/// leave records on checks that are gone, refused before anything runs:
/// - a replaced plan: "You can't perform an update that causes a
///   custom-named resource to be replaced" (CloudFormation User Guide, "Name
///   type"), and each plan has its name; its approach and primary Region are
///   create-only (`AWS::ARCRegionSwitch::Plan` registry schema);
/// - without ARC, a removed plan whose checks records of a stack this
///   deploy keeps carry now: the checks would go before those records move
///   off them, in the next phase. (A leaving app's stack goes anyway.)
fn refuse_plan_changes(stacks: &[StackReview], carried: &[String]) -> Result<()> {
    for s in stacks {
        let StackState::Changes { changes, .. } = &s.state else {
            continue;
        };
        for c in changes
            .iter()
            .filter(|c| c.resource_type == "AWS::ARCRegionSwitch::Plan")
        {
            let why = if c.verdict.replaces() {
                "would be replaced (a pair's approach or primary Region changed), which CloudFormation cannot do to a named resource"
            } else if c.action == "Remove" && carried.contains(&c.logical_id) {
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

/// The logical IDs of the plans that the review removes and whose checks a
/// kept stack's records carry as deployed (a `SwitchCheck…Plan<A><B>`
/// parameter); read only when some plan is removed.
async fn carried_plan_checks(
    stacks: &[StackReview],
    kept: &[(String, String)],
    clients: &mut Vec<Cfn>,
) -> Result<Vec<String>> {
    let removed: Vec<&str> = stacks
        .iter()
        .filter_map(|s| match &s.state {
            StackState::Changes { changes, .. } => Some(changes),
            _ => None,
        })
        .flatten()
        .filter(|c| c.resource_type == "AWS::ARCRegionSwitch::Plan" && c.action == "Remove")
        .map(|c| c.logical_id.as_str())
        .collect();
    let mut out = Vec::new();
    if removed.is_empty() {
        return Ok(out);
    }
    for (name, region) in kept {
        let keys = open_client(clients, region)
            .await
            .parameter_keys(name)
            .await?;
        for id in &removed {
            if keys
                .iter()
                .any(|k| k.starts_with("SwitchCheck") && k.ends_with(id))
                && !out.iter().any(|x| x == id)
            {
                out.push(id.to_string());
            }
        }
    }
    Ok(out)
}

fn say_deferred(pr: Printer, deferred: &[Target]) {
    if deferred.is_empty() {
        return;
    }
    let names: Vec<&str> = deferred.iter().map(|t| t.name.as_str()).collect();
    let from: Vec<&str> = deferred
        .iter()
        .flat_map(|t| t.inputs.iter().map(|i| i.stack.as_str()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    pr.data(format_args!("then, once {} is deployed: {} (their change sets take its new outputs, so they are made after it runs)", from.join(", "), names.join(", ")));
}

async fn deploy(
    pr: Printer,
    targets: Vec<Target>,
    args_spec: &str,
    orphans_of: Option<Orphans>,
    producers: &[(String, String)],
    left_out: &[String],
    args: &DeployArgs,
) -> Result<ExitCode> {
    let mut clients: Vec<Cfn> = Vec::new();
    // The stacks this deploy keeps, to ask which plans' checks their
    // records carry now.
    let kept: Vec<(String, String)> = targets
        .iter()
        .map(|t| (t.name.clone(), t.region.clone()))
        .collect();
    let (review, deferred) = review_in_phases(
        pr,
        targets,
        args_spec,
        &mut clients,
        producers,
        !args.dry_run,
    )
    .await?;
    let carried = match carried_plan_checks(&review.stacks, &kept, &mut clients).await {
        Ok(c) => c,
        Err(e) => {
            discard_all(pr, &clients, &review.pending).await;
            return Err(e);
        }
    };
    if let Err(e) = refuse_plan_changes(&review.stacks, &carried) {
        discard_all(pr, &clients, &review.pending).await;
        return Err(e);
    }
    // The ARC stack changes, but stacks that take its outputs are left out
    // of this deploy: they would keep checks the ARC stack replaces.
    if !left_out.is_empty() && review.pending.iter().any(|p| p.target.arc) {
        discard_all(pr, &clients, &review.pending).await;
        bail!(Hinted::new(
            format!(
                "deploying {} without {} would leave them on routing-control checks it replaces",
                review
                    .pending
                    .iter()
                    .filter(|p| p.target.arc)
                    .map(|p| p.target.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                left_out.join(", ")
            ),
            "deploy them together (drop --stack, or add each of them)"
        ));
    }
    let orphans = match &orphans_of {
        Some(o) => match orphans(o, &review, &deferred, args_spec, &mut clients).await {
            Ok(found) => found,
            Err(e) => {
                discard_all(pr, &clients, &review.pending).await;
                return Err(e);
            }
        },
        None => Vec::new(),
    };
    let json = matches!(args.output, super::Output::Json);
    if json {
        let report = DeployReview {
            stacks: &review.stacks,
            deletions: &orphans,
            second_phase: deferred.iter().map(|t| t.name.as_str()).collect(),
        };
        discard_all(pr, &clients, &review.pending).await;
        pr.data(serde_json::to_string_pretty(&report).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    show_review(pr, &review.stacks);
    show_deletions(pr, &orphans);
    if review.pending.is_empty() && orphans.is_empty() && deferred.is_empty() {
        let up_to_date = review
            .stacks
            .iter()
            .filter(|s| matches!(s.state, StackState::UpToDate))
            .count();
        pr.data(format_args!(
            "nothing to deploy: {up_to_date} stacks up to date"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let pending = review.pending;
    say_deferred(pr, &deferred);
    if args.dry_run {
        discard_all(pr, &clients, &pending).await;
        pr.data(format_args!("dry run: {} change sets shown and deleted, {} stack deletions shown{}; nothing changed", pending.len(), orphans.len(), if deferred.is_empty() {
                String::new()
            } else {
                format!(", {} stacks to follow in a second phase", deferred.len())
            }));
        return Ok(ExitCode::SUCCESS);
    }
    // One answer covers both phases: stopping between them would leave the
    // records on the checks the ARC stack replaced.
    if !args.yes
        && !confirmed(
            pr,
            &clients,
            &pending,
            pending.len() + orphans.len() + deferred.len(),
        )
        .await?
    {
        return Ok(ExitCode::FAILURE);
    }
    execute_all(pr, &clients, &pending).await?;
    if !deferred.is_empty() {
        let second = async {
            let second =
                prepare_all(pr, deferred, args_spec, &mut clients, producers, true).await?;
            if let Err(e) = refuse_plan_changes(&second.stacks, &carried) {
                discard_all(pr, &clients, &second.pending).await;
                return Err(e);
            }
            show_review(pr, &second.stacks);
            execute_all(pr, &clients, &second.pending).await
        };
        second.await.hint_context(|| {
            (
                "the stacks deployed first (ARC, or the Region switch plans) are deployed, but the stacks that take their outputs are not: their records still use the previous checks",
                "fix the cause and run `gen deploy` again, soon",
            )
        })?;
    }
    for Deletion {
        stack: name,
        region,
        ..
    } in &orphans
    {
        let c = client(&clients, region);
        c.delete(name).await?;
        let status = c.wait(name, |_, _| {}).await?;
        if status != StackStatus::DeleteComplete {
            bail!(Hinted::new(
                format!("deleting stack {name} ended in {}", status.as_str()),
                "see its events in the CloudFormation console"
            ));
        }
        pr.data(format_args!("{name}: deleted"));
    }
    Ok(ExitCode::SUCCESS)
}

/// Stacks tagged with this spec that it no longer renders: DNS stacks whose
/// apps left it, and the ARC stack once ARC is off (with what that saves).
async fn orphans(
    o: &Orphans,
    review: &Review,
    deferred: &[Target],
    args_spec: &str,
    clients: &mut Vec<Cfn>,
) -> Result<Vec<Deletion>> {
    let mut out = Vec::new();
    let region = &o.dns_region;
    open_client(clients, region).await;
    // Every stack the spec renders: reviewed now (whatever its state), or
    // in the second phase.
    let wanted: Vec<&str> = review
        .stacks
        .iter()
        .map(|s| s.stack.as_str())
        .chain(deferred.iter().map(|t| t.name.as_str()))
        .collect();
    for name in client(clients, region)
        .stacks_of(&o.dns_prefix, args_spec)
        .await?
    {
        if !wanted.contains(&name.as_str()) {
            out.push(Deletion {
                stack: name,
                region: region.clone(),
                reason: DeletionReason::AppsLeft,
                detail: None,
            });
        }
    }
    // Region switch off (or a Region out of every plan): its stacks go,
    // the plans before the role they run as.
    for (stack, region) in &o.switch {
        if wanted.contains(&stack.as_str()) {
            continue;
        }
        let c = open_client(clients, region).await;
        if c.stacks_of(stack, args_spec)
            .await?
            .iter()
            .any(|n| n == stack)
        {
            out.push(Deletion {
                stack: stack.clone(),
                region: region.clone(),
                reason: DeletionReason::SwitchLeft,
                detail: None,
            });
        }
    }
    // ARC off: its stack goes once no record uses it (after the DNS stacks
    // are updated), or its cluster keeps billing.
    if let Some((arc, region)) = &o.arc {
        let c = open_client(clients, region).await;
        if c.stacks_of(arc, args_spec).await?.iter().any(|n| n == arc) {
            let saving = if c.physical_id(arc, "Cluster").await?.is_some() {
                let p = crate::facts::pricing::ARC_CLUSTER;
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
                reason: DeletionReason::ArcOff,
                detail: Some(saving),
            });
        }
    }
    Ok(out)
}

/// Ask before executing; a refusal (or an error) deletes the change sets.
async fn confirmed(
    pr: Printer,
    clients: &[Cfn],
    pending: &[Pending],
    count: usize,
) -> Result<bool> {
    if count == 0 {
        return Ok(true);
    }
    match confirm(pr, count) {
        Ok(true) => Ok(true),
        Ok(false) => {
            discard_all(pr, clients, pending).await;
            pr.data("cancelled: change sets deleted; nothing more changed");
            Ok(false)
        }
        Err(e) => {
            discard_all(pr, clients, pending).await;
            Err(e)
        }
    }
}

/// Execute one stack at a time; on a failure, the change sets not yet run
/// are deleted, so every other stack is left as it was.
async fn execute_all(pr: Printer, clients: &[Cfn], pending: &[Pending]) -> Result<()> {
    for (i, p) in pending.iter().enumerate() {
        if let Err(e) = execute(pr, client(clients, &p.target.region), p).await {
            discard_all(pr, clients, &pending[i + 1..]).await;
            return Err(e);
        }
    }
    Ok(())
}

/// Change sets prepared for review, and what each stack's review found
/// (up to date, failed earlier, changes), in deploy order.
struct Review {
    pending: Vec<Pending>,
    stacks: Vec<StackReview>,
}

/// One stack's review, decided from CloudFormation's types; shown as a
/// table or as JSON (values are enum names).
#[derive(Debug, Serialize)]
struct StackReview {
    stack: String,
    region: String,
    #[serde(flatten)]
    state: StackState,
}

#[derive(Debug, Serialize)]
#[serde(tag = "state")]
enum StackState {
    UpToDate,
    /// Its creation failed earlier: a deploy deletes it and creates it again.
    FailedCreate {
        status: String,
    },
    Changes {
        new_stack: bool,
        changes: Vec<ChangeReview>,
    },
}

#[derive(Debug, Serialize)]
struct ChangeReview {
    /// CloudFormation's action: Add, Modify, Remove, ...
    action: String,
    logical_id: String,
    resource_type: String,
    verdict: Verdict,
}

/// A stack of this spec that it no longer renders, deleted by a full deploy.
#[derive(Debug, Serialize)]
struct Deletion {
    stack: String,
    region: String,
    reason: DeletionReason,
    /// For the ARC stack: the cluster that goes with it, or that stays.
    detail: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize)]
enum DeletionReason {
    /// Its apps are no longer in the spec.
    AppsLeft,
    /// ARC is off in the spec.
    ArcOff,
    /// Region switch is off in the spec, or no plan holds the Region.
    SwitchLeft,
}

/// The whole review of a deploy, for `--output json`.
#[derive(Debug, Serialize)]
struct DeployReview<'a> {
    stacks: &'a [StackReview],
    deletions: &'a [Deletion],
    /// Stacks whose change sets are made once the stack they take outputs
    /// from has run.
    second_phase: Vec<&'a str>,
}

fn show_review(pr: Printer, stacks: &[StackReview]) {
    for r in stacks {
        match &r.state {
            StackState::UpToDate => pr.data(format_args!("{} ({}): up to date", r.stack, r.region)),
            StackState::FailedCreate { status } => pr.data(format_args!(
                "{} ({}): its creation failed earlier ({status}); a deploy deletes it and creates it again",
                r.stack, r.region
            )),
            StackState::Changes { new_stack, changes } => {
                pr.data(format_args!(
                    "{} ({}): {}",
                    r.stack,
                    r.region,
                    if *new_stack { "new stack" } else { "changes" }
                ));
                show_changes(pr, &r.stack, changes);
            }
        }
    }
}

fn show_deletions(pr: Printer, deletions: &[Deletion]) {
    for d in deletions {
        match d.reason {
            DeletionReason::AppsLeft => pr.data(format_args!(
                "{} ({}): DELETE (its apps are no longer in the spec)",
                d.stack, d.region
            )),
            DeletionReason::ArcOff => pr.data(format_args!(
                "{} ({}): DELETE (ARC is off in the spec; deleted after the DNS stacks stop using its routing controls{})",
                d.stack,
                d.region,
                d.detail.as_deref().map(|x| format!("; {x}")).unwrap_or_default()
            )),
            DeletionReason::SwitchLeft => pr.data(format_args!(
                "{} ({}): DELETE (Region switch is off in the spec, or no plan holds this Region any more)",
                d.stack, d.region
            )),
        }
    }
}

/// The parameter values a stack takes from other stacks' outputs, read
/// from those stacks as deployed now.
async fn input_values(
    t: &Target,
    clients: &mut Vec<Cfn>,
    producers: &[(String, String)],
) -> Result<Vec<(String, String)>> {
    let mut values = Vec::new();
    let mut switch = None;
    let mut read: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for i in &t.inputs {
        if !read.iter().any(|(s, _)| s == &i.stack) {
            let region = producers
                .iter()
                .find(|(s, _)| s == &i.stack)
                .map(|(_, r)| r.clone())
                .with_context(|| format!("stack {} is not deployed by this spec", i.stack))?;
            let c = open_client(clients, &region).await;
            // Outputs are there once the stack has been deployed (an update
            // rolled back keeps the previous ones).
            let outputs = match c.status(&i.stack).await? {
                Some(s) if cfn::has_outputs(&s) => c.outputs(&i.stack).await?,
                None | Some(StackStatus::ReviewInProgress) => Vec::new(),
                Some(other) => bail!(Hinted::new(
                    format!(
                        "stack {} is {other}, so {} cannot take its outputs",
                        i.stack, t.name
                    ),
                    "let it finish, or fix it (its events say why), then deploy again"
                )),
            };
            read.push((i.stack.clone(), outputs));
        }
        let outputs = &read
            .iter()
            .find(|(s, _)| s == &i.stack)
            .expect("read above")
            .1;
        let Some((_, v)) = outputs.iter().find(|(k, _)| k == &i.output) else {
            bail!(Hinted::new(
                format!(
                    "stack {} has no output {} for {} to take",
                    i.stack, i.output, t.name
                ),
                format!(
                    "deploy {} first (a full `gen deploy` does, in order)",
                    i.stack
                )
            ));
        };
        match &i.health_check {
            None => values.push((i.parameter.clone(), v.clone())),
            Some(hc) => {
                let id = switch_check(v, &hc.record, &hc.region, &mut switch).await?;
                values.push((i.parameter.clone(), id));
            }
        }
    }
    Ok(values)
}

/// The ID of the health check Region switch plan `arn` made for `record`
/// in `region`, waiting while the plan has not given it one yet.
async fn switch_check(
    arn: &str,
    record: &str,
    region: &str,
    switch: &mut Option<crate::aws::region_switch::RegionSwitch>,
) -> Result<String> {
    if switch.is_none() {
        *switch = Some(crate::aws::region_switch::RegionSwitch::connect().await);
    }
    let api = switch.as_ref().expect("set above");
    let wait = crate::facts::arc::REGION_SWITCH_HEALTH_CHECK_WAIT_S;
    let started = std::time::Instant::now();
    loop {
        // A failed read is tried again within the wait, like an empty one.
        let (checks, error) = match api.health_checks(arn, record).await {
            Ok(c) => (c, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        if let Some((_, Some(id))) = checks.iter().find(|(r, id)| r == region && id.is_some()) {
            return Ok(id.clone());
        }
        if started.elapsed().as_secs() >= wait {
            if let Some(e) = error {
                return Err(e);
            }
            bail!(Hinted::new(
                format!(
                    "Region switch plan {arn} has no health check for {record} in {region} after {wait} s (ListRoute53HealthChecks lists {})",
                    checks.len()
                ),
                "check the plan's Route 53 health check block in the ARC console, then deploy again"
            ));
        }
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
}

/// Create and show a change set per stack. On an error, the change sets
/// made so far are deleted.
async fn prepare_all(
    pr: Printer,
    targets: Vec<Target>,
    args_spec: &str,
    clients: &mut Vec<Cfn>,
    producers: &[(String, String)],
    recreate: bool,
) -> Result<Review> {
    let change_set = format!(
        "gen-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    );
    let mut pending: Vec<Pending> = Vec::new();
    let mut stacks: Vec<StackReview> = Vec::new();
    for t in targets {
        open_client(clients, &t.region).await;
        let parameters = match input_values(&t, clients, producers).await {
            Ok(p) => p,
            Err(e) => {
                discard_all(pr, clients, &pending).await;
                return Err(e);
            }
        };
        let client = client(clients, &t.region);
        let prepared = match client
            .prepare(
                &t.name,
                &change_set,
                &t.body,
                &parameters,
                args_spec,
                recreate,
            )
            .await
        {
            Ok(p) => p,
            Err(e) => {
                discard_all(pr, clients, &pending).await;
                return Err(e);
            }
        };
        match prepared {
            Prepared::UpToDate => {
                stacks.push(StackReview {
                    stack: t.name.clone(),
                    region: t.region.clone(),
                    state: StackState::UpToDate,
                });
            }
            Prepared::FailedCreate { status } => {
                stacks.push(StackReview {
                    stack: t.name.clone(),
                    region: t.region.clone(),
                    state: StackState::FailedCreate {
                        status: status.as_str().to_string(),
                    },
                });
            }
            Prepared::ChangeSet {
                id,
                created_stack,
                changes,
            } => {
                stacks.push(StackReview {
                    stack: t.name.clone(),
                    region: t.region.clone(),
                    state: StackState::Changes {
                        new_stack: created_stack,
                        changes: changes
                            .iter()
                            .map(|c| ChangeReview {
                                action: c.action.as_ref().map_or("", |a| a.as_str()).to_string(),
                                logical_id: c.logical_id.clone(),
                                resource_type: c.resource_type.clone(),
                                verdict: Verdict::of(c),
                            })
                            .collect(),
                    },
                });
                pending.push(Pending {
                    target: t,
                    id,
                    created: created_stack,
                });
            }
        }
    }
    Ok(Review { pending, stacks })
}

/// What a change set does to one resource, decided from CloudFormation's
/// own types ("Replacement": True, False or Conditional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Verdict {
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
    fn of(c: &cfn::Change) -> Verdict {
        match &c.replacement {
            Some(Replacement::True) if c.resource_type == "AWS::Route53::HealthCheck" => {
                Verdict::NewCheckId
            }
            Some(Replacement::True) => Verdict::Replaced,
            Some(Replacement::Conditional) => Verdict::Conditional,
            _ => Verdict::InPlace,
        }
    }

    fn replaces(self) -> bool {
        matches!(self, Verdict::Replaced | Verdict::NewCheckId)
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::InPlace => "",
            Verdict::Replaced => "YES: replaced",
            Verdict::NewCheckId => "YES: new ID, records follow",
            Verdict::Conditional => "maybe",
        }
    }
}

/// A change set's resources as a table, and a warning when it replaces any.
fn show_changes(pr: Printer, stack: &str, changes: &[ChangeReview]) {
    let rows: Vec<[String; 4]> = changes
        .iter()
        .map(|c| {
            [
                c.action.clone(),
                c.logical_id.clone(),
                c.resource_type.clone(),
                c.verdict.label().to_string(),
            ]
        })
        .collect();
    print_table(pr, ["ACTION", "RESOURCE", "TYPE", "REPLACEMENT"], &rows);
    let replaced = changes.iter().filter(|c| c.verdict.replaces()).count();
    if replaced > 0 {
        pr.warn(format_args!(
            "{stack} replaces {replaced} resource(s): a replaced health check gets a new ID, and records switch to it"
        ));
    }
}

/// The client for `region`, made on first use.
async fn open_client<'a>(clients: &'a mut Vec<Cfn>, region: &str) -> &'a Cfn {
    if !clients.iter().any(|c| c.region == region) {
        clients.push(Cfn::new(region).await);
    }
    client(clients, region)
}

fn client<'a>(clients: &'a [Cfn], region: &str) -> &'a Cfn {
    clients
        .iter()
        .find(|c| c.region == region)
        .expect("a client per Region")
}

async fn discard_all(pr: Printer, clients: &[Cfn], pending: &[Pending]) {
    for p in pending {
        if let Err(e) = client(clients, &p.target.region)
            .discard(&p.target.name, &p.id, p.created)
            .await
        {
            pr.warn(format_args!(
                "could not delete change set {} of {}: {e:#}",
                p.id, p.target.name
            ));
        }
    }
}

async fn execute(pr: Printer, client: &Cfn, p: &Pending) -> Result<()> {
    let name = &p.target.name;
    if let Err(e) = client.execute(name, &p.id).await {
        // Leave no change set (or empty new stack) behind.
        let _ = client.discard(name, &p.id, p.created).await;
        return Err(e);
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    if pr == Printer::Quiet {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let visible = !bar.is_hidden();
    let status = client
        .wait(name, |status, events| {
            bar.set_message(format!("{name}: {}", status.as_str()));
            for e in events {
                let line = format!(
                    "  {} {} {}{}",
                    e.logical_id,
                    e.resource_type,
                    e.status.as_ref().map_or("", |s| s.as_str()),
                    e.reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                );
                if visible {
                    bar.println(line);
                } else {
                    pr.progress(line);
                }
            }
        })
        .await?;
    bar.finish_and_clear();
    if !cfn::succeeded(&status) {
        let failed: Vec<String> = client
            .events(name)
            .await?
            .into_iter()
            .filter(|e| e.status.as_ref().is_some_and(cfn::resource_failed))
            .map(|e| {
                format!(
                    "{} ({}): {}",
                    e.logical_id,
                    e.resource_type,
                    e.reason.unwrap_or_default()
                )
            })
            .collect();
        bail!(Hinted::new(
            format!(
                "stack {name} ended in {}\n  failed: {}",
                status.as_str(),
                if failed.is_empty() {
                    "no resource reported a reason".to_string()
                } else {
                    failed.join("\n  failed: ")
                }
            ),
            "fix the cause, render, and deploy again; other stacks were left as they were"
        ));
    }
    let mut protection = "";
    if p.created {
        match client.protect(name).await {
            Ok(()) => protection = " (termination protection on)",
            Err(e) => pr.warn(format_args!(
                "{name} is deployed, but termination protection is off: {e:#}"
            )),
        }
    }
    pr.data(format_args!("{name}: {}{protection}", status.as_str()));
    for (k, v) in client.outputs(name).await? {
        pr.data(format_args!("  {k} = {v}"));
    }
    Ok(())
}

/// Ask on the terminal; refuse when nobody can answer.
fn confirm(pr: Printer, count: usize) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(Hinted::new(
            "refusing to deploy without confirmation",
            "pass --yes (for CI), or run in a terminal to answer the prompt"
        ));
    }
    pr.prompt(format_args!("Apply {count} change(s)? [y/N] "));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
