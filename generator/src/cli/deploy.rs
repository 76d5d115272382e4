//! `gen deploy`: the rendered CloudFormation, deployed through change sets
//! that a person (or `--yes`) approves after reading them. What goes in
//! which order and phase, what is deleted and what is refused are the
//! core's decisions (`deploy`); the change sets are made, shown, executed
//! and cleaned up by `live::change_sets`. This command gathers what
//! CloudFormation holds, asks, and reports.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use serde::Serialize;

use super::session::{Session, runtime};
use crate::aws::route53::Route53;
use crate::deploy::{self, Deletion, Found, Left, Orphans, StackReview, StackState};
use crate::diag::{HintContext, Hinted};
use crate::live::change_sets::{
    self, At, ChangeSets, Stack, later_phases, review_in_phases, say_deferred, show_deletions,
    show_reviews,
};
use crate::live::{self, clock::Deadline};
use crate::output::lock;
use crate::printer::{Output, Printer};

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
    output: Output,
    /// Stacks whose change sets are made, or executed, at once (default 8,
    /// chosen against Route 53's request rates; see docs/commands.md).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: Option<u16>,
    /// Make a change set for every stack, even one whose deployed template
    /// digest and parameters match (a stack edited outside gen that kept
    /// gen's digest output).
    #[arg(long)]
    every_stack: bool,
    /// While an ALB moves between Ingress and Gateway: how long a full
    /// deploy waits for the moved checks to report healthy before it keeps
    /// the old load balancer (default: two check intervals and 10 s).
    #[arg(long, value_name = "SECONDS")]
    check_wait: Option<u64>,
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

pub(super) fn run(s: &Session, args: &DeployArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let (spec, plan) = (&s.spec, &s.plan);
    if matches!(args.output, Output::Json) && !args.dry_run {
        bail!(Hinted::new(
            "--output json shows a deploy's review, which only a dry run stops at",
            "add --dry-run (the change sets are made, shown as JSON, and deleted)"
        ));
    }
    let stacks =
        change_sets::checked_stacks(&s.settings.root, &s.settings.spec_name(), spec, plan)?;
    let stacks = deploy::only(stacks, |s: &Stack| &s.target, &args.stacks)?;
    let targets: Vec<deploy::Target> = stacks.iter().map(|s| s.target.clone()).collect();
    // DNS follows the clusters: no record for a Region whose wave has not
    // brought its app.
    if let Some(r) = &spec.rollout {
        let served = live::rollout::Served::read(pr, &s.settings.root, plan, &r.branch_prefix)?;
        let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        deploy::refuse_ahead(&deploy::ahead_of_waves(plan, &names, |app, region| {
            served.serves(app, region)
        }))?;
    }
    let runtime = runtime()?;
    // Every account's role, before anything changes.
    runtime.block_on(live::assume(plan, &spec.stack_region, live::Reach::Every))?;
    // Stacks of apps (or stack groups) no longer in the spec are deleted,
    // and the ARC stack once ARC is off, on a full deploy only.
    let orphans_of = args.stacks.is_empty().then(|| Orphans::of(spec, plan));
    let left_out = deploy::left_out(plan, &targets);
    let full = args.stacks.is_empty() && !args.dry_run;
    let options = change_sets::Options {
        concurrency: args
            .concurrency
            .map_or(change_sets::Options::default().concurrency, usize::from),
        every_stack: args.every_stack,
    };
    let code = runtime.block_on(ChangeSets::scope(
        pr,
        plan,
        options,
        async |sets: &mut ChangeSets| {
            deploy_in(pr, sets, stacks, orphans_of.as_ref(), &left_out, args).await
        },
    ))?;
    if full && code == ExitCode::SUCCESS {
        runtime.block_on(retire_left_albs(s, args.check_wait))?;
    }
    Ok(code)
}

/// Review, refuse what must be refused, show, ask, then execute in phases
/// and delete the orphans. Every change set not executed is deleted when
/// the scope of `sets` ends.
async fn deploy_in(
    pr: Printer,
    sets: &mut ChangeSets,
    stacks: Vec<Stack>,
    orphans_of: Option<&Orphans>,
    left_out: &[String],
    args: &DeployArgs,
) -> Result<ExitCode> {
    // The stacks this deploy keeps, to ask which plans' checks their
    // records carry now.
    let kept: Vec<(String, String)> = stacks
        .iter()
        .map(|s| (s.target.name.clone(), s.target.region.clone()))
        .collect();
    let (reviews, deferred) = review_in_phases(sets, stacks, !args.dry_run).await?;
    let carried = carried_plan_checks(sets, &reviews, &kept).await?;
    deploy::refuse_plan_changes(&reviews, &carried)?;
    deploy::refuse_arc_alone(&sets.arc_pending(), left_out)?;
    let orphans = match orphans_of {
        Some(o) => find_orphans(sets, o, &reviews, &deferred).await?,
        None => Vec::new(),
    };
    if matches!(args.output, Output::Json) {
        let report = DeployReview {
            stacks: &reviews,
            deletions: &orphans,
            second_phase: deferred.iter().map(|s| s.target.name.as_str()).collect(),
        };
        sets.discard().await;
        pr.data(serde_json::to_string_pretty(&report).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    show_reviews(pr, &reviews);
    show_deletions(pr, &orphans);
    if sets.is_empty() && orphans.is_empty() && deferred.is_empty() {
        let up_to_date = reviews
            .iter()
            .filter(|s| matches!(s.state, StackState::UpToDate { .. }))
            .count();
        pr.data(format_args!(
            "nothing to deploy: {up_to_date} stacks up to date"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    say_deferred(pr, &deferred);
    if args.dry_run {
        let n = sets.len();
        sets.discard().await;
        pr.data(format_args!(
            "dry run: {n} change sets shown and deleted, {} stack deletions shown{}; nothing changed",
            orphans.len(),
            if deferred.is_empty() {
                String::new()
            } else {
                format!(", {} stacks to follow in a second phase", deferred.len())
            }
        ));
        return Ok(ExitCode::SUCCESS);
    }
    // One answer covers both phases: stopping between them would leave the
    // records on the checks the ARC stack replaced.
    let count = sets.len() + orphans.len() + deferred.len();
    if !args.yes && count > 0 && !confirm(pr, count)? {
        sets.discard().await;
        pr.data("cancelled: change sets deleted; nothing more changed");
        return Ok(ExitCode::FAILURE);
    }
    sets.execute().await?;
    if !deferred.is_empty() {
        let second = later_phases(pr, sets, deferred, |reviews| {
            deploy::refuse_plan_changes(reviews, &carried)
        });
        second.await.hint_context(|| {
            (
                "the stacks deployed first (ARC, or the Region switch plans) are deployed, but the stacks that take their outputs are not: their records still use the previous checks",
                "fix the cause and run `gen deploy` again, soon",
            )
        })?;
    }
    for d in &orphans {
        let c = sets
            .clients
            .open(&At::new(&d.region, d.account.as_deref()))
            .await;
        c.delete(&d.stack).await?;
        let status = c.wait(&d.stack, |_, _| {}).await?;
        if status != crate::aws::cfn::StackStatus::DeleteComplete {
            bail!(Hinted::new(
                format!("deleting stack {} ended in {}", d.stack, status.as_str()),
                "see its events in the CloudFormation console"
            ));
        }
        pr.data(format_args!("{}: deleted", d.stack));
    }
    Ok(ExitCode::SUCCESS)
}

/// The plans the reviews remove whose checks a kept stack's records carry
/// as deployed.
async fn carried_plan_checks(
    sets: &mut ChangeSets,
    reviews: &[StackReview],
    kept: &[(String, String)],
) -> Result<Vec<String>> {
    let removed = deploy::removed_plans(reviews);
    if removed.is_empty() {
        return Ok(Vec::new());
    }
    // Stacks that carry checks are the DNS account's.
    let dns = sets.dns_account().map(str::to_string);
    let mut parameters = Vec::new();
    for (name, region) in kept {
        let keys = sets
            .deployed(&At::new(region, dns.as_deref()), name)
            .await?
            .map(|d| d.parameters.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        parameters.push(keys);
    }
    Ok(deploy::carried(&removed, &parameters))
}

/// What CloudFormation holds tagged with this spec (from the stacks each
/// Region's `DescribeStacks` listed), where a full deploy looks for stacks
/// it no longer renders; then the core decides.
async fn find_orphans(
    sets: &mut ChangeSets,
    o: &Orphans,
    reviews: &[StackReview],
    deferred: &[Stack],
) -> Result<Vec<Deletion>> {
    // Every stack the spec renders: reviewed now (whatever its state), or
    // in the second phase.
    let wanted: Vec<&str> = reviews
        .iter()
        .map(|s| s.stack.as_str())
        .chain(deferred.iter().map(|s| s.target.name.as_str()))
        .collect();
    let mut found = Found {
        dns: sets
            .tagged(
                &At::new(&o.dns_region, o.dns_account.as_deref()),
                &o.dns_prefix,
            )
            .await?,
        alarms: sets
            .tagged(
                &At::new(&o.alarms_region, o.dns_account.as_deref()),
                &o.alarms_prefix,
            )
            .await?,
        ..Found::default()
    };
    for (stack, region) in o.switch_unwanted(&wanted) {
        if sets
            .tagged_one(&At::new(region, o.account_of(stack)), stack)
            .await?
        {
            found.switch.push(stack.clone());
        }
    }
    let arc_at = o
        .arc
        .as_ref()
        .map(|(_, region)| At::new(region, o.dns_account.as_deref()));
    if let (Some((arc, _)), Some(at)) = (&o.arc, &arc_at)
        && sets.tagged_one(at, arc).await?
    {
        let c = sets.clients.open(at).await;
        found.arc = Some(c.physical_id(arc, "Cluster").await?.is_some());
    }
    Ok(deploy::orphans(o, &wanted, &found))
}

/// After a full deploy, the records and checks aim at the load balancer
/// gen.lock names for each ALB. Where an ALB has left another (`previous`),
/// forget that one once every moved check reports healthy from reports made
/// since the deploy, so the next render drops the old object and Flux
/// prunes it. Until then, or if they never do within two intervals, the old
/// object stays: a broken new ALB keeps its fallback.
async fn retire_left_albs(s: &Session, wait: Option<u64>) -> Result<()> {
    let pr = s.settings.printer;
    let since = live::clock::unix_seconds() as i64;
    let mut l = lock::read(&s.settings.spec)?;
    let left = deploy::left_albs(&s.spec, &s.plan, &l);
    if left.is_empty() {
        return Ok(());
    }
    let dns = live::dns_role(&s.plan);
    let cfn = crate::aws::cfn::Cfn::new(&s.spec.stack_region, dns.as_ref()).await;
    let r53 = Route53::new(dns.as_ref()).await;
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
    let deadline = Deadline::after(std::time::Duration::from_secs(
        wait.unwrap_or(2 * u64::from(longest) + 10),
    ));
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
        if healthy.iter().all(|h| *h) || deadline.passed() {
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
        say_left(pr, one, *ok);
        if *ok
            && let Some(e) = l
                .regions
                .get_mut(&one.region)
                .and_then(|r| r.albs.get_mut(&one.alb))
        {
            e.previous = None;
        }
    }
    if healthy.iter().any(|h| *h) {
        lock::write(&s.settings.spec, &l)?;
    }
    Ok(())
}

/// Whether an ALB's old load balancer is forgotten, and what comes next.
fn say_left(pr: Printer, one: &Left, forgotten: bool) {
    let what = one.previous.api;
    if forgotten {
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
    Ok(live::signals::yes(&answer))
}
