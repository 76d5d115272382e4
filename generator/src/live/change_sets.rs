//! Change sets: the stacks as the repository holds them, a change set made
//! and reviewed for each (`deploy::StackReview`, decided from
//! CloudFormation's types), executed one stack at a time with its events as
//! progress. Every change set is made inside one scope
//! ([`ChangeSets::scope`]): whatever it made and did not execute is deleted
//! when the scope ends, whether it ended in an error, a refusal, a dry run
//! or a cancel, so no path leaves a change set (or an empty new stack)
//! behind. `gen deploy` and `gen plan --change-sets` use it.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::aws::cfn::{self, Cfn, Prepared, StackStatus};
use crate::aws::region_switch::RegionSwitch;
use crate::deploy::{
    self, ChangeAction, ChangeReview, Deletion, Producer, Replacement, StackReview, StackState,
    Target, Verdict,
};
use crate::diag::Hinted;
use crate::layout;
use crate::model::Plan;
use crate::output;
use crate::printer::Printer;
use crate::render;
use crate::spec::checked::Spec;

/// A stack to deploy and its template, as the repository holds it.
pub(crate) struct Stack {
    pub target: Target,
    pub body: String,
}

/// The stacks to deploy in deploy order, after checking that the
/// repository holds what would be deployed (what a reviewer saw) and that
/// nothing is left to resolve.
pub(crate) fn checked_stacks(
    root: &Path,
    spec_name: &str,
    spec: &Spec,
    plan: &Plan,
) -> Result<Vec<Stack>> {
    let rendered = render::render(plan, spec_name)?;
    let changes = output::compare(root, &rendered)?;
    if !changes.is_empty() || !changes.escapes.is_empty() || !changes.foreign.is_empty() {
        bail!(Hinted::new(
            format!(
                "the rendered files in {} are not up to date with {spec_name}",
                root.display(),
            ),
            "run `gen render`, review and commit, then deploy"
        ));
    }
    deploy::ready(spec, plan, spec_name)?;
    let body = |stack: &str| {
        let path = layout::stack_file(stack);
        rendered
            .iter()
            .find(|r| r.path == path)
            .map(|r| r.text.clone())
            .unwrap_or_default()
    };
    Ok(deploy::targets(plan)
        .into_iter()
        .map(|target| Stack {
            body: body(&target.name),
            target,
        })
        .collect())
}

/// A CloudFormation client per Region, made on first use.
#[derive(Default)]
pub(crate) struct Clients(Vec<Cfn>);

impl Clients {
    pub(crate) async fn open(&mut self, region: &str) -> &Cfn {
        if !self.0.iter().any(|c| c.region == region) {
            self.0.push(Cfn::new(region).await);
        }
        self.get(region)
    }

    /// A client opened before.
    pub(crate) fn get(&self, region: &str) -> &Cfn {
        self.0
            .iter()
            .find(|c| c.region == region)
            .expect("a client per Region")
    }
}

/// A change set made and not (yet) executed.
struct Pending {
    stack: String,
    region: String,
    arc: bool,
    id: String,
    created: bool,
}

/// The change sets one deploy makes: every one of them not executed is
/// deleted when its scope ends.
pub(crate) struct ChangeSets {
    pr: Printer,
    pub clients: Clients,
    spec: String,
    producers: Vec<(String, String)>,
    pending: Vec<Pending>,
    /// A Region switch client, once a stack takes one of its plans' checks.
    switch: Option<RegionSwitch>,
}

impl ChangeSets {
    /// Run `body` with an empty set of change sets for spec `spec` (whose
    /// stacks take outputs from `producers`), then delete every change set
    /// it made and did not execute, whatever `body` returned.
    pub(crate) async fn scope<T>(
        pr: Printer,
        spec: &str,
        producers: Vec<(String, String)>,
        body: impl AsyncFnOnce(&mut ChangeSets) -> Result<T>,
    ) -> Result<T> {
        let mut sets = ChangeSets {
            pr,
            clients: Clients::default(),
            spec: spec.to_string(),
            producers,
            pending: Vec::new(),
            switch: None,
        };
        let out = body(&mut sets).await;
        sets.discard().await;
        out
    }

    /// The spec the stacks are tagged with.
    pub(crate) fn spec_name(&self) -> &str {
        &self.spec
    }

    /// How many change sets wait to be executed.
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether `stack` has a change set made and not executed.
    pub(crate) fn has_pending(&self, stack: &str) -> bool {
        self.pending.iter().any(|p| p.stack == stack)
    }

    /// The stacks of the pending change sets that are the ARC stack.
    pub(crate) fn arc_pending(&self) -> Vec<&str> {
        self.pending
            .iter()
            .filter(|p| p.arc)
            .map(|p| p.stack.as_str())
            .collect()
    }

    /// Delete every change set not executed (and the empty stack a create
    /// change set made); a failure is a warning, the others still go.
    pub(crate) async fn discard(&mut self) {
        for p in std::mem::take(&mut self.pending) {
            if let Err(e) = self
                .clients
                .get(&p.region)
                .discard(&p.stack, &p.id, p.created)
                .await
            {
                self.pr.warn(format_args!(
                    "could not delete change set {} of {}: {e:#}",
                    p.id, p.stack
                ));
            }
        }
    }

    /// Make and review a change set per stack, in order. `recreate`: a
    /// stack whose creation failed earlier is deleted to be made anew
    /// (a review that changes nothing only reports it).
    pub(crate) async fn prepare(
        &mut self,
        stacks: Vec<Stack>,
        recreate: bool,
    ) -> Result<Vec<StackReview>> {
        // Each batch's change sets are named for when it is made.
        let name = format!("gen-{}", super::clock::unix_seconds());
        let mut reviews = Vec::new();
        for s in stacks {
            let t = &s.target;
            self.clients.open(&t.region).await;
            let parameters = self.input_values(t).await?;
            let prepared = self
                .clients
                .get(&t.region)
                .prepare(&t.name, &name, &s.body, &parameters, &self.spec, recreate)
                .await?;
            let state = match prepared {
                Prepared::UpToDate => StackState::UpToDate,
                Prepared::FailedCreate { status } => StackState::FailedCreate {
                    status: status.as_str().to_string(),
                },
                Prepared::ChangeSet {
                    id,
                    created_stack,
                    changes,
                } => {
                    self.pending.push(Pending {
                        stack: t.name.clone(),
                        region: t.region.clone(),
                        arc: t.arc,
                        id,
                        created: created_stack,
                    });
                    StackState::Changes {
                        new_stack: created_stack,
                        changes: changes.iter().map(review).collect(),
                    }
                }
            };
            reviews.push(StackReview {
                stack: t.name.clone(),
                region: t.region.clone(),
                state,
            });
        }
        Ok(reviews)
    }

    /// Execute the pending change sets one stack at a time, in order. On a
    /// failure the others stay pending, and so are deleted with the scope:
    /// every other stack is left as it was.
    pub(crate) async fn execute(&mut self) -> Result<()> {
        while !self.pending.is_empty() {
            let p = self.pending.remove(0);
            let client = self.clients.get(&p.region);
            if let Err(e) = client.execute(&p.stack, &p.id).await {
                // Leave no change set (or empty new stack) behind.
                let _ = client.discard(&p.stack, &p.id, p.created).await;
                return Err(e);
            }
            follow(self.pr, client, &p.stack, p.created).await?;
        }
        Ok(())
    }

    /// The parameter values a stack takes from other stacks' outputs, read
    /// from those stacks as deployed now.
    async fn input_values(&mut self, t: &Target) -> Result<Vec<(String, String)>> {
        let mut values = Vec::new();
        let mut read: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for i in &t.inputs {
            if !read.iter().any(|(s, _)| s == &i.stack) {
                let region = self
                    .producers
                    .iter()
                    .find(|(s, _)| s == &i.stack)
                    .map(|(_, r)| r.clone())
                    .with_context(|| format!("stack {} is not deployed by this spec", i.stack))?;
                let c = self.clients.open(&region).await;
                // Outputs are there once the stack has been deployed (an
                // update rolled back keeps the previous ones).
                let state = match c.status(&i.stack).await? {
                    Some(s) if cfn::has_outputs(&s) => Producer::Deployed,
                    None | Some(StackStatus::ReviewInProgress) => Producer::NotDeployed,
                    Some(other) => Producer::Unsettled(other.to_string()),
                };
                let outputs = if deploy::outputs_ready(&t.name, &i.stack, &state)? {
                    c.outputs(&i.stack).await?
                } else {
                    Vec::new()
                };
                read.push((i.stack.clone(), outputs));
            }
            let outputs = &read
                .iter()
                .find(|(s, _)| s == &i.stack)
                .expect("read above")
                .1;
            let v = deploy::take_output(&t.name, i, outputs)?.to_string();
            match &i.health_check {
                None => values.push((i.parameter.clone(), v)),
                Some(hc) => {
                    if self.switch.is_none() {
                        self.switch = Some(RegionSwitch::connect().await);
                    }
                    let api = self.switch.as_ref().expect("set above");
                    let id = switch_check(api, &v, &hc.record, &hc.region).await?;
                    values.push((i.parameter.clone(), id));
                }
            }
        }
        Ok(values)
    }
}

/// A change of CloudFormation's, in the core's terms.
fn review(c: &cfn::Change) -> ChangeReview {
    use aws_sdk_cloudformation::types::{ChangeAction as A, Replacement as R};
    let replacement = c.replacement.as_ref().and_then(|r| match r {
        R::True => Some(Replacement::True),
        R::False => Some(Replacement::False),
        R::Conditional => Some(Replacement::Conditional),
        _ => None,
    });
    ChangeReview {
        action: match &c.action {
            Some(A::Add) => ChangeAction::Add,
            Some(A::Modify) => ChangeAction::Modify,
            Some(A::Remove) => ChangeAction::Remove,
            Some(A::Import) => ChangeAction::Import,
            Some(A::Dynamic) => ChangeAction::Dynamic,
            other => ChangeAction::Other(other.as_ref().map_or("", |a| a.as_str()).to_string()),
        },
        logical_id: c.logical_id.clone(),
        resource_type: c.resource_type.clone(),
        verdict: Verdict::of(&c.resource_type, replacement),
    }
}

/// The ID of the health check Region switch plan `arn` made for `record`
/// in `region`, waiting while the plan has not given it one yet.
async fn switch_check(api: &RegionSwitch, arn: &str, record: &str, region: &str) -> Result<String> {
    let wait = crate::facts::arc::REGION_SWITCH_HEALTH_CHECK_WAIT_S;
    let deadline = super::clock::Deadline::after(std::time::Duration::from_secs(wait));
    loop {
        // A failed read is tried again within the wait, like an empty one.
        let (checks, error) = match api.health_checks(arn, record).await {
            Ok(c) => (c, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        if let Some((_, Some(id))) = checks.iter().find(|(r, id)| r == region && id.is_some()) {
            return Ok(id.clone());
        }
        if deadline.passed() {
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

/// Follow an executed change set: its events as progress, its outcome (with
/// each failed resource's reason), termination protection on a new stack,
/// and its outputs.
async fn follow(pr: Printer, client: &Cfn, name: &str, created: bool) -> Result<()> {
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
    if created {
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

/// Prepare in phases: the first phase's stacks, then the others; when the
/// first phase changes, the stacks that take outputs wait for a second
/// phase (`deploy::defer`), returned apart.
pub(crate) async fn review_in_phases(
    sets: &mut ChangeSets,
    stacks: Vec<Stack>,
    recreate: bool,
) -> Result<(Vec<StackReview>, Vec<Stack>)> {
    let (first, then): (Vec<Stack>, Vec<Stack>) = stacks.into_iter().partition(|s| s.target.first);
    let mut reviews = sets.prepare(first, recreate).await?;
    let first_changes = !sets.is_empty();
    let (now, mut deferred) = deploy::defer(then, |s: &Stack| &s.target, first_changes);
    // In order: a stack whose producer changes in this deploy (a DNS stack
    // whose checks the alarm stack takes) waits for that change to run.
    for s in now {
        let wait = deploy::waits(&s.target, |name| {
            sets.has_pending(name) || deferred.iter().any(|d| d.target.name == name)
        });
        if wait {
            deferred.push(s);
        } else {
            reviews.extend(sets.prepare(vec![s], recreate).await?);
        }
    }
    Ok((reviews, deferred))
}

/// The later phases: each prepares and runs the stacks whose producers are
/// not among those still waiting, until none waits. `check` may refuse a
/// phase's reviews before it runs.
pub(crate) async fn later_phases(
    pr: Printer,
    sets: &mut ChangeSets,
    mut rest: Vec<Stack>,
    check: impl Fn(&[StackReview]) -> Result<()>,
) -> Result<()> {
    while !rest.is_empty() {
        let names: Vec<String> = rest.iter().map(|s| s.target.name.clone()).collect();
        let (now, later): (Vec<Stack>, Vec<Stack>) = rest
            .into_iter()
            .partition(|s| !deploy::waits(&s.target, |n| names.iter().any(|x| x == n)));
        if now.is_empty() {
            bail!("stacks {} take each other's outputs", names.join(", "));
        }
        let reviews = sets.prepare(now, true).await?;
        check(&reviews)?;
        show_reviews(pr, &reviews);
        sets.execute().await?;
        rest = later;
    }
    Ok(())
}

/// `gen plan --change-sets`: make every stack's change set, show it, and
/// delete it again.
pub(crate) async fn show(pr: Printer, stacks: Vec<Stack>, spec: &Spec, plan: &Plan) -> Result<()> {
    ChangeSets::scope(
        pr,
        &spec.name,
        deploy::producers(plan),
        async |sets: &mut ChangeSets| {
            let (reviews, deferred) = review_in_phases(sets, stacks, false).await?;
            show_reviews(pr, &reviews);
            let n = sets.len();
            sets.discard().await;
            pr.data(format_args!("({n} change sets shown and deleted)"));
            say_deferred(pr, &deferred);
            Ok(())
        },
    )
    .await
}

/// Each stack's review: up to date, failed earlier, or its changes as a
/// table (with a warning when it replaces resources).
pub(crate) fn show_reviews(pr: Printer, stacks: &[StackReview]) {
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
                let rows: Vec<[String; 4]> = changes
                    .iter()
                    .map(|c| {
                        [
                            c.action.to_string(),
                            c.logical_id.clone(),
                            c.resource_type.clone(),
                            c.verdict.to_string(),
                        ]
                    })
                    .collect();
                pr.table(["ACTION", "RESOURCE", "TYPE", "REPLACEMENT"], &rows);
                let replaced = changes.iter().filter(|c| c.verdict.replaces()).count();
                if replaced > 0 {
                    pr.warn(format_args!(
                        "{} replaces {replaced} resource(s): a replaced health check gets a new ID, and records switch to it",
                        r.stack
                    ));
                }
            }
        }
    }
}

/// The stacks a full deploy deletes, and why.
pub(crate) fn show_deletions(pr: Printer, deletions: &[Deletion]) {
    for d in deletions {
        pr.data(format_args!(
            "{} ({}): DELETE ({}{})",
            d.stack,
            d.region,
            d.reason,
            d.detail
                .as_deref()
                .map(|x| format!("; {x}"))
                .unwrap_or_default()
        ));
    }
}

/// The stacks left for a second phase, and what they wait for.
pub(crate) fn say_deferred(pr: Printer, deferred: &[Stack]) {
    if deferred.is_empty() {
        return;
    }
    let names: Vec<&str> = deferred.iter().map(|s| s.target.name.as_str()).collect();
    let waited = deploy::waited_for(deferred.iter().map(|s| &s.target));
    pr.data(format_args!("then, once {} is deployed: {} (their change sets take its new outputs, so they are made after it runs)", waited.join(", "), names.join(", ")));
}
