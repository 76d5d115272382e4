//! Change sets: the stacks as the repository holds them, a change set made
//! and reviewed for each (`deploy::StackReview`, decided from
//! CloudFormation's types), executed one stack at a time with its events as
//! progress. Every change set is made inside one scope
//! ([`ChangeSets::scope`]): whatever it made and did not execute is deleted
//! when the scope ends, whether it ended in an error, a refusal, a dry run
//! or a cancel, so no path leaves a change set (or an empty new stack)
//! behind. `gen deploy` and `gen plan --change-sets` use it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;

use crate::aws::cfn::{self, Cfn, Described, Prepared, StackStatus};
use crate::aws::region_switch::RegionSwitch;
use crate::deploy::unchanged;
use crate::deploy::{
    self, ChangeAction, ChangeReview, Deletion, Known, Producer, Replacement, StackReview,
    StackState, Target, Verdict,
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

/// Where stacks live: a Region of an account (the spec's name for it;
/// None: the credentials' own). Each has its own client and stack list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct At {
    pub region: String,
    pub account: Option<String>,
}

impl At {
    pub(crate) fn new(region: &str, account: Option<&str>) -> At {
        At {
            region: region.to_string(),
            account: account.map(str::to_string),
        }
    }

    /// Where a deploy target lives.
    pub(crate) fn of(t: &Target) -> At {
        At::new(&t.region, t.account.as_deref())
    }
}

/// A CloudFormation client per Region and account, made on first use, in
/// an account through its role.
pub(crate) struct Clients {
    roles: Vec<(String, crate::aws::Role)>,
    open: Vec<(At, Cfn)>,
}

impl Clients {
    /// Clients in the plan's accounts.
    pub(crate) fn new(plan: &Plan) -> Clients {
        Clients {
            roles: plan
                .accounts
                .iter()
                .map(|a| (a.name.clone(), super::role_of(a)))
                .collect(),
            open: Vec::new(),
        }
    }

    /// The role of account `name` (None: the credentials' own).
    fn role(&self, name: Option<&str>) -> Option<&crate::aws::Role> {
        let name = name?;
        self.roles.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }

    pub(crate) async fn open(&mut self, at: &At) -> &Cfn {
        if !self.open.iter().any(|(a, _)| a == at) {
            let client = Cfn::new(&at.region, self.role(at.account.as_deref())).await;
            self.open.push((at.clone(), client));
        }
        self.get(at)
    }

    /// A client opened before.
    pub(crate) fn get(&self, at: &At) -> &Cfn {
        self.open
            .iter()
            .find(|(a, _)| a == at)
            .map(|(_, c)| c)
            .expect("a client per Region and account")
    }
}

/// How a deploy makes and runs its change sets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Stacks whose change sets are made, or executed, at once.
    pub concurrency: usize,
    /// A change set for every stack, even one whose deployed digest and
    /// parameters say it is up to date.
    pub every_stack: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            concurrency: crate::facts::rates::DEPLOY_CONCURRENCY,
            every_stack: false,
        }
    }
}

/// A change set made and not (yet) executed.
struct Pending {
    stack: String,
    at: At,
    arc: bool,
    id: String,
    created: bool,
    /// Stacks that must have run before this one starts.
    after: Vec<String>,
}

/// The change sets one deploy makes: every one of them not executed is
/// deleted when its scope ends.
pub(crate) struct ChangeSets {
    pr: Printer,
    pub clients: Clients,
    spec: String,
    /// The stacks whose outputs others take, with their Region: all in
    /// the DNS account.
    producers: Vec<(String, String)>,
    dns_account: Option<String>,
    pending: Vec<Pending>,
    /// A Region switch client, once a stack takes one of its plans' checks.
    switch: Option<RegionSwitch>,
    /// Each Region's stacks as `DescribeStacks` lists them, read once per
    /// Region and kept current as stacks run.
    known: BTreeMap<At, BTreeMap<String, Described>>,
    options: Options,
}

impl ChangeSets {
    /// Run `body` with an empty set of change sets for spec `spec` (whose
    /// stacks take outputs from `producers`), then delete every change set
    /// it made and did not execute, whatever `body` returned.
    pub(crate) async fn scope<T>(
        pr: Printer,
        plan: &Plan,
        options: Options,
        body: impl AsyncFnOnce(&mut ChangeSets) -> Result<T>,
    ) -> Result<T> {
        let mut sets = ChangeSets {
            pr,
            clients: Clients::new(plan),
            spec: plan.name.clone(),
            producers: deploy::producers(plan),
            dns_account: plan.dns_account.clone(),
            pending: Vec::new(),
            switch: None,
            known: BTreeMap::new(),
            options,
        };
        let out = body(&mut sets).await;
        sets.discard().await;
        out
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

    /// The account of the stacks other stacks take outputs from.
    pub(crate) fn dns_account(&self) -> Option<&str> {
        self.dns_account.as_deref()
    }

    /// Read a Region's stacks (in an account), once.
    async fn read(&mut self, at: &At) -> Result<()> {
        if !self.known.contains_key(at) {
            let all = self.clients.open(at).await.describe_all().await?;
            self.known.insert(
                at.clone(),
                all.into_iter().map(|d| (d.name.clone(), d)).collect(),
            );
        }
        Ok(())
    }

    /// A stack as last read (None: there is no such stack).
    pub(crate) async fn deployed(&mut self, at: &At, stack: &str) -> Result<Option<&Described>> {
        self.read(at).await?;
        Ok(self.known.get(at).and_then(|m| m.get(stack)))
    }

    /// Whether stack `name` exists tagged as this spec's: from the Region's
    /// stacks when they were read, else by one `DescribeStacks` of its name
    /// (cheaper than every stack of a Region gen deploys nothing else to).
    pub(crate) async fn tagged_one(&mut self, at: &At, name: &str) -> Result<bool> {
        let d = match self.known.get(at) {
            Some(known) => known.get(name).cloned(),
            None => self.clients.open(at).await.describe(name).await?,
        };
        Ok(d.is_some_and(|d| d.spec.as_deref() == Some(&self.spec)))
    }

    /// The Region's stacks tagged as this spec's whose names start with
    /// `prefix`.
    pub(crate) async fn tagged(&mut self, at: &At, prefix: &str) -> Result<Vec<String>> {
        self.read(at).await?;
        Ok(self.known[at]
            .values()
            .filter(|d| d.name.starts_with(prefix) && d.spec.as_deref() == Some(&self.spec))
            .map(|d| d.name.clone())
            .collect())
    }

    /// Delete every change set not executed (and the empty stack a create
    /// change set made); a failure is a warning, the others still go.
    pub(crate) async fn discard(&mut self) {
        for p in std::mem::take(&mut self.pending) {
            if let Err(e) = self
                .clients
                .get(&p.at)
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

    /// Review each stack, in order: up to date when CloudFormation holds
    /// its template digest and parameter values (`deploy::unchanged`),
    /// else through a change set, made for up to `concurrency` stacks at
    /// once. `recreate`: a stack whose creation failed earlier is deleted
    /// to be made anew (a review that changes nothing only reports it).
    /// When a change set cannot be made, the others still finish and every
    /// failure is reported.
    pub(crate) async fn prepare(
        &mut self,
        stacks: Vec<Stack>,
        recreate: bool,
    ) -> Result<Vec<StackReview>> {
        // Each batch's change sets are named for when it is made.
        let name = format!("gen-{}", super::clock::unix_seconds());
        let mut reviews: Vec<Option<StackReview>> = Vec::new();
        let mut work = Vec::new();
        for (i, s) in stacks.iter().enumerate() {
            let t = &s.target;
            let parameters = self.input_values(t).await?;
            let digest = render::template_digest(&s.body).unwrap_or_default();
            let at = At::of(t);
            self.read(&at).await?;
            let d = self.known[&at].get(&t.name);
            let status = d.map(|d| d.status.clone());
            let why = unchanged::change_set_needed(
                d.map(|d| unchanged::Deployed {
                    status: d.status.as_str(),
                    spec: d.spec.as_deref(),
                    parameters: &d.parameters,
                    outputs: &d.outputs,
                }),
                &self.spec,
                digest,
                &parameters,
                self.options.every_stack,
            );
            match why {
                None => reviews.push(Some(StackReview {
                    stack: t.name.clone(),
                    region: t.region.clone(),
                    account: t.account.clone(),
                    state: StackState::UpToDate { by: Known::Digest },
                })),
                Some(why) => {
                    reviews.push(None);
                    work.push((i, parameters, status, why));
                }
            }
        }
        if !work.is_empty() {
            self.pr.progress(format_args!(
                "making {} change set(s), {} at a time",
                work.len(),
                self.options.concurrency
            ));
        }
        let (clients, spec) = (&self.clients, self.spec.as_str());
        let made: Vec<_> = futures_util::stream::iter(work)
            .map(|(i, parameters, status, why)| {
                let t = &stacks[i].target;
                let (body, name) = (&stacks[i].body, &name);
                let client = clients.get(&At::of(t)).clone();
                async move {
                    let prepared = client
                        .prepare(&t.name, name, body, &parameters, spec, recreate, status)
                        .await;
                    (i, why, prepared)
                }
            })
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        let mut failures = Vec::new();
        for (i, why, prepared) in made {
            let t = &stacks[i].target;
            let state = match prepared {
                Err(e) => {
                    failures.push(e);
                    continue;
                }
                Ok(Prepared::UpToDate) => StackState::UpToDate {
                    by: Known::ChangeSet,
                },
                Ok(Prepared::FailedCreate { status }) => StackState::FailedCreate {
                    status: status.as_str().to_string(),
                },
                Ok(Prepared::ChangeSet {
                    id,
                    created_stack,
                    changes,
                }) => {
                    self.pending.push(Pending {
                        stack: t.name.clone(),
                        at: At::of(t),
                        arc: t.arc,
                        id,
                        created: created_stack,
                        after: t.depends_on().map(str::to_string).collect(),
                    });
                    StackState::Changes {
                        new_stack: created_stack,
                        why,
                        changes: changes.iter().map(review).collect(),
                    }
                }
            };
            reviews[i] = Some(StackReview {
                stack: t.name.clone(),
                region: t.region.clone(),
                account: t.account.clone(),
                state,
            });
        }
        // Executed in deploy order, whatever order they were made in.
        let order: std::collections::HashMap<&str, usize> = stacks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.target.name.as_str(), i))
            .collect();
        self.pending
            .sort_by_key(|p| order.get(p.stack.as_str()).copied());
        all_or_failures(failures, "could not be reviewed")?;
        Ok(reviews.into_iter().flatten().collect())
    }

    /// Execute the pending change sets, up to `concurrency` stacks at once,
    /// in order, each once the stacks it depends on have run. On a failure
    /// no further stack starts, the running ones finish, and the rest stay
    /// pending, so are deleted with the scope: each failure is reported,
    /// and every stack not started is left as it was.
    pub(crate) async fn execute(&mut self) -> Result<()> {
        let mut queue = std::mem::take(&mut self.pending);
        let total = queue.len();
        let progress = Progress::new(self.pr, total);
        let (clients, pr) = (&self.clients, self.pr);
        let mut running = futures_util::stream::FuturesUnordered::new();
        let mut busy: Vec<String> = Vec::new();
        let mut failures = Vec::new();
        let mut done = Vec::new();
        loop {
            while failures.is_empty() && running.len() < self.options.concurrency.max(1) {
                // The first stack in order whose dependencies have all run.
                let waiting = |name: &str| {
                    busy.iter().any(|b| b == name) || queue.iter().any(|q| q.stack == name)
                };
                let Some(i) = queue
                    .iter()
                    .position(|p| !p.after.iter().any(|a| waiting(a)))
                else {
                    break;
                };
                let p = queue.remove(i);
                busy.push(p.stack.clone());
                let client = clients.get(&p.at).clone();
                let progress = &progress;
                running.push(async move {
                    let out = run(pr, &client, &p, progress).await;
                    (p, out)
                });
            }
            let Some((p, out)) = running.next().await else {
                if !queue.is_empty() && failures.is_empty() {
                    let names: Vec<&str> = queue.iter().map(|p| p.stack.as_str()).collect();
                    bail!("stacks {} wait for each other", names.join(", "));
                }
                break;
            };
            busy.retain(|b| *b != p.stack);
            match out {
                Ok(d) => {
                    progress.finished(&p.stack, d.as_ref().map(|d| &d.status));
                    done.push((p.at, p.stack, d));
                }
                Err(e) => {
                    progress.failed(&p.stack);
                    failures.push(e);
                }
            }
        }
        drop(running);
        progress.clear();
        for (at, stack, d) in done {
            let known = self.known.entry(at).or_default();
            match d {
                Some(d) => known.insert(stack, d),
                None => known.remove(&stack),
            };
        }
        self.pending = queue;
        if !failures.is_empty() && !self.pending.is_empty() {
            self.pr.warn(format_args!(
                "{} stack(s) not started are left as they were; their change sets are deleted",
                self.pending.len()
            ));
        }
        all_or_failures(failures, "failed")
    }

    /// The parameter values a stack takes from other stacks' outputs, read
    /// from those stacks as deployed now.
    async fn input_values(&mut self, t: &Target) -> Result<Vec<(String, String)>> {
        let mut values = Vec::new();
        for i in &t.inputs {
            let region = self
                .producers
                .iter()
                .find(|(s, _)| s == &i.stack)
                .map(|(_, r)| At::new(r, self.dns_account.as_deref()))
                .with_context(|| format!("stack {} is not deployed by this spec", i.stack))?;
            // Outputs are there once the stack has been deployed (an
            // update rolled back keeps the previous ones).
            let d = self.deployed(&region, &i.stack).await?;
            let state = match d.map(|d| &d.status) {
                Some(s) if cfn::has_outputs(s) => Producer::Deployed,
                None | Some(StackStatus::ReviewInProgress) => Producer::NotDeployed,
                Some(other) => Producer::Unsettled(other.to_string()),
            };
            let outputs = match d {
                Some(d) if deploy::outputs_ready(&t.name, &i.stack, &state)? => d.outputs.clone(),
                _ => Vec::new(),
            };
            let v = deploy::take_output(&t.name, i, &outputs)?.to_string();
            match &i.health_check {
                None => values.push((i.parameter.clone(), v)),
                Some(hc) => {
                    if self.switch.is_none() {
                        let role = self.clients.role(self.dns_account.as_deref());
                        self.switch = Some(RegionSwitch::connect(role).await);
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

/// Nothing failed, or every failure as one error (a single one as it is).
fn all_or_failures(mut failures: Vec<anyhow::Error>, what: &str) -> Result<()> {
    match failures.len() {
        0 => Ok(()),
        1 => Err(failures.remove(0)),
        n => {
            let lines: Vec<String> = failures.iter().map(|e| format!("{e:#}")).collect();
            let hint = failures
                .iter()
                .find_map(|e| e.downcast_ref::<Hinted>().map(|h| h.hint().to_string()))
                .unwrap_or_else(|| "fix the causes and deploy again".to_string());
            bail!(Hinted::new(
                format!("{n} stacks {what}:\n  {}", lines.join("\n  ")),
                hint
            ))
        }
    }
}

/// The progress of stacks running at once: a bar of stacks done of all on
/// a terminal, a line per stack otherwise, and each stack's events as they
/// come.
struct Progress {
    bar: indicatif::ProgressBar,
    pr: Printer,
}

impl Progress {
    fn new(pr: Printer, total: usize) -> Progress {
        let bar = indicatif::ProgressBar::new(total as u64);
        if pr == Printer::Quiet {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        if let Ok(style) = indicatif::ProgressStyle::with_template("{pos}/{len} stacks done {msg}")
        {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(250));
        Progress { bar, pr }
    }

    fn line(&self, text: String) {
        if self.bar.is_hidden() {
            self.pr.progress(text);
        } else {
            self.bar.println(text);
        }
    }

    fn event(&self, stack: &str, e: &cfn::Event) {
        self.line(format!(
            "  {stack} {} {} {}{}",
            e.logical_id,
            e.resource_type,
            e.status.as_ref().map_or("", |s| s.as_str()),
            e.reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ));
    }

    /// `[done/all] stack: what`: the bar counts, drawn or not.
    fn count(&self, stack: &str, what: &str) {
        let all = self.bar.length().unwrap_or(0);
        self.line(format!("[{}/{all}] {stack}: {what}", self.bar.position()));
    }

    fn finished(&self, stack: &str, status: Option<&StackStatus>) {
        self.bar.inc(1);
        self.count(stack, status.map_or("DELETE_COMPLETE", |s| s.as_str()));
    }

    fn failed(&self, stack: &str) {
        self.count(stack, "failed");
    }

    fn clear(&self) {
        self.bar.finish_and_clear();
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

/// Execute one change set and follow it: its events as progress, its
/// outcome (with each failed resource's reason), termination protection on
/// a new stack, and its outputs. Returns the stack as it ends.
async fn run(
    pr: Printer,
    client: &Cfn,
    p: &Pending,
    progress: &Progress,
) -> Result<Option<Described>> {
    let name = p.stack.as_str();
    if let Err(e) = client.execute(name, &p.id).await {
        // Leave no change set (or empty new stack) behind.
        let _ = client.discard(name, &p.id, p.created).await;
        return Err(e);
    }
    let d = client
        .settle(name, !p.created, |_, events| {
            for e in events {
                progress.event(name, e);
            }
        })
        .await?;
    let status = d
        .as_ref()
        .map_or(StackStatus::DeleteComplete, |d| d.status.clone());
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
            "fix the cause, render, and deploy again; stacks not started were left as they were"
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
    let mut text = format!("{name}: {}{protection}", status.as_str());
    for (k, v) in d.iter().flat_map(|d| &d.outputs) {
        if k != unchanged::DIGEST_OUTPUT {
            text.push_str(&format!("\n  {k} = {v}"));
        }
    }
    pr.data(text);
    Ok(d)
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
    let (mut rest, mut deferred) = deploy::defer(then, |s: &Stack| &s.target, first_changes);
    // In layers, each made at once: a stack whose producer is still to be
    // reviewed goes in a later layer, and one whose producer changes in
    // this deploy (a DNS stack whose checks the alarm stack takes) waits
    // for that change to run.
    while !rest.is_empty() {
        let (ready, later) = next_layer(rest)?;
        let (wait, go): (Vec<Stack>, Vec<Stack>) = ready.into_iter().partition(|s| {
            deploy::waits(&s.target, |name| {
                sets.has_pending(name) || deferred.iter().any(|d| d.target.name == name)
            })
        });
        deferred.extend(wait);
        reviews.extend(sets.prepare(go, recreate).await?);
        rest = later;
    }
    Ok((reviews, deferred))
}

/// Split `rest` into the stacks none of whose producers is among them, and
/// the others; refused when none is free (they take each other's outputs).
fn next_layer(rest: Vec<Stack>) -> Result<(Vec<Stack>, Vec<Stack>)> {
    let names: Vec<String> = rest.iter().map(|s| s.target.name.clone()).collect();
    let (free, later): (Vec<Stack>, Vec<Stack>) = rest
        .into_iter()
        .partition(|s| !deploy::waits(&s.target, |n| names.iter().any(|x| x == n)));
    if free.is_empty() {
        bail!("stacks {} take each other's outputs", names.join(", "));
    }
    Ok((free, later))
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
        let (now, later) = next_layer(rest)?;
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
pub(crate) async fn show(
    pr: Printer,
    stacks: Vec<Stack>,
    plan: &Plan,
    stack_region: &str,
    options: Options,
) -> Result<()> {
    super::assume(plan, stack_region, super::Reach::Every).await?;
    ChangeSets::scope(pr, plan, options, async |sets: &mut ChangeSets| {
        let (reviews, deferred) = review_in_phases(sets, stacks, false).await?;
        show_reviews(pr, &reviews);
        let n = sets.len();
        sets.discard().await;
        pr.data(format_args!("({n} change sets shown and deleted)"));
        say_deferred(pr, &deferred);
        Ok(())
    })
    .await
}

/// Each stack's review: failed earlier, or its changes as a table (with a
/// warning when it replaces resources) and why it got a change set; the
/// stacks up to date by name when they are few, else counted.
pub(crate) fn show_reviews(pr: Printer, stacks: &[StackReview]) {
    let up_to_date: Vec<&StackReview> = stacks
        .iter()
        .filter(|r| matches!(r.state, StackState::UpToDate { .. }))
        .collect();
    if up_to_date.len() <= NAMED_UP_TO_DATE {
        for r in &up_to_date {
            pr.data(format_args!("{} ({}): up to date", r.stack, r.place()));
        }
    } else {
        pr.data(format_args!("{} stacks up to date", up_to_date.len()));
    }
    for r in stacks {
        match &r.state {
            StackState::UpToDate { .. } => {}
            StackState::FailedCreate { status } => pr.data(format_args!(
                "{} ({}): its creation failed earlier ({status}); a deploy deletes it and creates it again",
                r.stack,
                r.place()
            )),
            StackState::Changes {
                new_stack,
                why,
                changes,
            } => {
                if *new_stack {
                    pr.data(format_args!("{} ({}): new stack", r.stack, r.place()));
                } else {
                    pr.data(format_args!(
                        "{} ({}): changes ({why})",
                        r.stack,
                        r.place()
                    ));
                }
                if changes.is_empty() {
                    pr.data("  no resource changes (its outputs or tags change)");
                    continue;
                }
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

/// Up to this many stacks up to date are named; more are counted.
const NAMED_UP_TO_DATE: usize = 10;

/// The stacks a full deploy deletes, and why.
pub(crate) fn show_deletions(pr: Printer, deletions: &[Deletion]) {
    for d in deletions {
        pr.data(format_args!(
            "{} ({}): DELETE ({}{})",
            d.stack,
            deploy::place(&d.region, d.account.as_deref()),
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
