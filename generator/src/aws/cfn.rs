//! The CloudFormation adapter: change sets, their execution, the stack's
//! progress and outcome. It knows the CloudFormation API and nothing of the
//! spec: callers pass stack names, template bodies and parameters.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use aws_sdk_cloudformation as cfn;
use cfn::error::{ProvideErrorMetadata, SdkError};
pub(crate) use cfn::types::{ChangeAction, Replacement, ResourceStatus, StackStatus};
use cfn::types::{ChangeSetStatus, ChangeSetType, Parameter, Tag};

/// The stack tag naming the spec a stack was deployed from; only stacks
/// carrying it are ever deleted as no longer in the spec.
pub(crate) const SPEC_TAG: &str = "gen:spec";

/// A Region's CloudFormation client; cheap to clone (the SDK's client is
/// shared), so concurrent stacks each hold one.
#[derive(Clone)]
pub(crate) struct Cfn {
    client: cfn::Client,
    pub region: String,
}

/// One resource change of a change set, in CloudFormation's own types.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub action: Option<ChangeAction>,
    pub logical_id: String,
    pub resource_type: String,
    /// For modifications: whether the resource is replaced.
    pub replacement: Option<Replacement>,
}

/// A stack CloudFormation will not take a change set for, in its own terms
/// (the commands say what to do).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StackError {
    /// Another operation is running on the stack.
    Busy { stack: String, status: StackStatus },
}

impl std::fmt::Display for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StackError::Busy { stack, status } => {
                write!(f, "stack {stack} is busy ({})", status.as_str())
            }
        }
    }
}

impl std::error::Error for StackError {}

/// A stack as `DescribeStacks` describes it: all a deploy needs to know
/// whether it needs a change set, and the outputs other stacks take.
#[derive(Debug, Clone)]
pub(crate) struct Described {
    pub name: String,
    pub status: StackStatus,
    /// The value of its `gen:spec` tag.
    pub spec: Option<String>,
    pub parameters: Vec<(String, String)>,
    pub outputs: Vec<(String, String)>,
}

impl Described {
    fn of(s: &cfn::types::Stack) -> Option<Described> {
        let pairs = |v: Vec<(Option<&str>, Option<&str>)>| -> Vec<(String, String)> {
            v.into_iter()
                .map(|(k, v)| {
                    (
                        k.unwrap_or_default().to_string(),
                        v.unwrap_or_default().to_string(),
                    )
                })
                .collect()
        };
        Some(Described {
            name: s.stack_name()?.to_string(),
            status: s.stack_status()?.clone(),
            spec: s
                .tags()
                .iter()
                .find(|t| t.key() == Some(SPEC_TAG))
                .and_then(|t| t.value())
                .map(str::to_string),
            parameters: pairs(
                s.parameters()
                    .iter()
                    .map(|p| (p.parameter_key(), p.parameter_value()))
                    .collect(),
            ),
            outputs: pairs(
                s.outputs()
                    .iter()
                    .map(|o| (o.output_key(), o.output_value()))
                    .collect(),
            ),
        })
    }
}

#[derive(Debug)]
pub(crate) enum Prepared {
    /// The stack already matches the template.
    UpToDate,
    /// The stack's creation failed earlier (`status`): it holds nothing and
    /// cannot be updated. Only a deploy (`recreate`) deletes it to start again.
    FailedCreate { status: StackStatus },
    ChangeSet {
        id: String,
        created_stack: bool,
        changes: Vec<Change>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub id: String,
    pub logical_id: String,
    pub resource_type: String,
    pub status: Option<ResourceStatus>,
    pub reason: Option<String>,
}

fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &SdkError<E>) -> String {
    super::describe_error(e)
}

impl Cfn {
    pub(crate) async fn new(region: &str, role: Option<&super::Role>) -> Cfn {
        let sdk = super::sdk_config(Some(region), role).await;
        Cfn {
            client: cfn::Client::new(&sdk),
            region: region.to_string(),
        }
    }

    /// The stack's status, or None when there is no such stack.
    pub(crate) async fn status(&self, stack: &str) -> Result<Option<StackStatus>> {
        Ok(self.describe(stack).await?.map(|d| d.status))
    }

    /// One stack as `DescribeStacks` describes it, or None when there is no
    /// such stack.
    pub(crate) async fn describe(&self, stack: &str) -> Result<Option<Described>> {
        match self.client.describe_stacks().stack_name(stack).send().await {
            Ok(out) => Ok(out.stacks().first().and_then(Described::of)),
            Err(e) if missing(&e) => Ok(None),
            Err(e) => Err(anyhow!(
                "DescribeStacks {stack} in {}: {}",
                self.region,
                describe(&e)
            )),
        }
    }

    /// Every stack of the Region, page by page: `DescribeStacks` without a
    /// stack name "returns the description for all the stacks created"
    /// with their tags, parameters and outputs (CloudFormation API
    /// Reference, DescribeStacks, StackName), so a deploy reads a thousand
    /// stacks in a few calls instead of one each. Deleted stacks are not
    /// among them.
    pub(crate) async fn describe_all(&self) -> Result<Vec<Described>> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .describe_stacks()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| anyhow!("DescribeStacks in {}: {}", self.region, describe(&e)))?;
            out.extend(
                page.stacks()
                    .iter()
                    .filter_map(Described::of)
                    .filter(|d| d.status != StackStatus::DeleteComplete),
            );
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// Create a change set (with these parameter values) and wait until it
    /// is ready (or found empty). `status` is the stack's as just read
    /// (None: no such stack).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn prepare(
        &self,
        stack: &str,
        name: &str,
        body: &str,
        parameters: &[(String, String)],
        spec: &str,
        recreate: bool,
        mut status: Option<StackStatus>,
    ) -> Result<Prepared> {
        // A stack whose creation failed holds nothing and cannot be updated
        // ("ROLLBACK_COMPLETE ... can not be updated"): delete it, create anew.
        if let Some(s) = status.clone().filter(|s| {
            matches!(
                s,
                StackStatus::RollbackComplete
                    | StackStatus::CreateFailed
                    | StackStatus::RollbackFailed
            )
        }) {
            if !recreate {
                return Ok(Prepared::FailedCreate { status: s });
            }
            self.delete(stack).await?;
            let end = self.wait(stack, |_, _| {}).await?;
            if end != StackStatus::DeleteComplete {
                bail!(
                    "deleting stack {stack} (left {} by a failed create) ended in {}",
                    s.as_str(),
                    end.as_str()
                );
            }
            status = None;
        }
        // A stack left in REVIEW_IN_PROGRESS by an earlier change set was never created.
        let create = matches!(status, None | Some(StackStatus::ReviewInProgress));
        if let Some(s) = status.filter(|s| in_progress(s) && *s != StackStatus::ReviewInProgress) {
            return Err(StackError::Busy {
                stack: stack.to_string(),
                status: s,
            }
            .into());
        }
        let out = self
            .client
            .create_change_set()
            .stack_name(stack)
            .change_set_name(name)
            .template_body(body)
            .set_parameters((!parameters.is_empty()).then(|| {
                parameters
                    .iter()
                    .map(|(k, v)| {
                        Parameter::builder()
                            .parameter_key(k)
                            .parameter_value(v)
                            .build()
                    })
                    .collect()
            }))
            .change_set_type(if create {
                ChangeSetType::Create
            } else {
                ChangeSetType::Update
            })
            .tags(Tag::builder().key(SPEC_TAG).value(spec).build())
            .description("gen deploy")
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "CreateChangeSet for {stack} in {}: {}",
                    self.region,
                    describe(&e)
                )
            })?;
        let id = out
            .id()
            .context("CreateChangeSet returned no ID")?
            .to_string();
        let mut delay = Duration::from_millis(200);
        loop {
            let d = self
                .client
                .describe_change_set()
                .change_set_name(&id)
                .stack_name(stack)
                .send()
                .await
                .map_err(|e| anyhow!("DescribeChangeSet for {stack}: {}", describe(&e)))?;
            match d.status() {
                Some(ChangeSetStatus::CreateComplete) => {
                    let changes = d
                        .changes()
                        .iter()
                        .filter_map(|c| c.resource_change())
                        .map(|rc| Change {
                            action: rc.action().cloned(),
                            logical_id: rc.logical_resource_id().unwrap_or_default().to_string(),
                            resource_type: rc.resource_type().unwrap_or_default().to_string(),
                            replacement: rc.replacement().cloned(),
                        })
                        .collect();
                    return Ok(Prepared::ChangeSet {
                        id,
                        created_stack: create,
                        changes,
                    });
                }
                Some(ChangeSetStatus::Failed) => {
                    let reason = d.status_reason().unwrap_or_default().to_string();
                    if reason.contains("didn't contain changes") || reason.contains("No updates") {
                        self.discard(stack, &id, false).await?;
                        return Ok(Prepared::UpToDate);
                    }
                    self.discard(stack, &id, create).await?;
                    bail!("the change set for {stack} failed: {reason}");
                }
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Delete a change set (and the empty stack a CREATE change set made).
    pub(crate) async fn discard(&self, stack: &str, id: &str, created_stack: bool) -> Result<()> {
        self.client
            .delete_change_set()
            .change_set_name(id)
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| anyhow!("DeleteChangeSet for {stack}: {}", describe(&e)))?;
        if created_stack && self.status(stack).await? == Some(StackStatus::ReviewInProgress) {
            self.delete_stack(stack).await?;
        }
        Ok(())
    }

    async fn delete_stack(&self, stack: &str) -> Result<()> {
        self.client
            .delete_stack()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| anyhow!("DeleteStack {stack}: {}", describe(&e)))?;
        Ok(())
    }

    pub(crate) async fn execute(&self, stack: &str, id: &str) -> Result<()> {
        self.client
            .execute_change_set()
            .change_set_name(id)
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| anyhow!("ExecuteChangeSet for {stack}: {}", describe(&e)))?;
        Ok(())
    }

    /// Poll until the stack settles; `progress` sees the status and each
    /// new event. Returns the final status.
    pub(crate) async fn wait(
        &self,
        stack: &str,
        progress: impl FnMut(&StackStatus, &[Event]),
    ) -> Result<StackStatus> {
        Ok(self
            .settle(stack, true, progress)
            .await?
            .map_or(StackStatus::DeleteComplete, |d| d.status))
    }

    /// Poll until the stack settles, and return it as it ends (None once
    /// deleted): each poll is one `DescribeStacks` and one
    /// `DescribeStackEvents`. `progress` sees the status and each new
    /// event; `earlier` says whether the stack has events from before this
    /// operation to leave out (a stack a change set just created has none
    /// worth a call).
    pub(crate) async fn settle(
        &self,
        stack: &str,
        earlier: bool,
        mut progress: impl FnMut(&StackStatus, &[Event]),
    ) -> Result<Option<Described>> {
        let mut seen = std::collections::HashSet::new();
        if earlier {
            match self.events(stack).await {
                Ok(events) => seen.extend(events.into_iter().map(|e| e.id)),
                Err(_) if self.status(stack).await?.is_none() => {}
                Err(e) => return Err(e),
            }
        }
        let mut delay = Duration::from_millis(200);
        loop {
            // A deleted stack is gone from DescribeStacks by name.
            let Some(d) = self.describe(stack).await? else {
                progress(&StackStatus::DeleteComplete, &[]);
                return Ok(None);
            };
            let fresh: Vec<Event> = self
                .events(stack)
                .await?
                .into_iter()
                .filter(|e| seen.insert(e.id.clone()))
                .collect();
            progress(&d.status, &fresh);
            if !in_progress(&d.status) {
                return Ok(Some(d));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// The stack's events, oldest first.
    pub(crate) async fn events(&self, stack: &str) -> Result<Vec<Event>> {
        let out = self
            .client
            .describe_stack_events()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| anyhow!("DescribeStackEvents {stack}: {}", describe(&e)))?;
        let mut events: Vec<Event> = out
            .stack_events()
            .iter()
            .map(|e| Event {
                id: e.event_id().unwrap_or_default().to_string(),
                logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
                resource_type: e.resource_type().unwrap_or_default().to_string(),
                status: e.resource_status().cloned(),
                reason: e.resource_status_reason().map(str::to_string),
            })
            .collect();
        events.reverse();
        Ok(events)
    }

    /// Turn termination protection on. The error is the caller's to weigh:
    /// the stack itself is deployed by then.
    pub(crate) async fn protect(&self, stack: &str) -> Result<()> {
        self.client
            .update_termination_protection()
            .stack_name(stack)
            .enable_termination_protection(true)
            .send()
            .await
            .map_err(|e| anyhow!("UpdateTerminationProtection {stack}: {}", describe(&e)))?;
        Ok(())
    }

    /// The physical ID of a stack's resource (a health check's ID), or None
    /// when the stack or the resource does not exist.
    pub(crate) async fn physical_id(&self, stack: &str, logical: &str) -> Result<Option<String>> {
        match self
            .client
            .describe_stack_resource()
            .stack_name(stack)
            .logical_resource_id(logical)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .stack_resource_detail()
                .and_then(|d| d.physical_resource_id())
                .map(str::to_string)),
            Err(e) if missing(&e) => Ok(None),
            Err(e) => Err(anyhow!(
                "DescribeStackResource {stack} {logical}: {}",
                describe(&e)
            )),
        }
    }

    /// Delete a stack, turning its termination protection off first.
    pub(crate) async fn delete(&self, stack: &str) -> Result<()> {
        // A failure here shows at DeleteStack, which then names the protection.
        let _ = self
            .client
            .update_termination_protection()
            .stack_name(stack)
            .enable_termination_protection(false)
            .send()
            .await;
        self.delete_stack(stack).await
    }
}

/// CloudFormation's answer for a stack (or resource) that does not exist.
fn missing<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool {
    e.as_service_error()
        .and_then(|s| s.message())
        .is_some_and(|m| m.contains("does not exist"))
}

/// Whether a final stack status means success.
pub(crate) fn succeeded(status: &StackStatus) -> bool {
    matches!(
        status,
        StackStatus::CreateComplete | StackStatus::UpdateComplete | StackStatus::ImportComplete
    )
}

/// Whether an operation is still running on the stack (its status is not
/// final): CloudFormation's `*_IN_PROGRESS` statuses.
pub(crate) fn in_progress(status: &StackStatus) -> bool {
    use StackStatus as S;
    match status {
        S::CreateInProgress
        | S::DeleteInProgress
        | S::ImportInProgress
        | S::ImportRollbackInProgress
        | S::ReviewInProgress
        | S::RollbackInProgress
        | S::UpdateCompleteCleanupInProgress
        | S::UpdateInProgress
        | S::UpdateRollbackCompleteCleanupInProgress
        | S::UpdateRollbackInProgress => true,
        // A status newer than this SDK: its name says.
        other => other.as_str().ends_with("_IN_PROGRESS"),
    }
}

/// Whether a resource operation failed.
pub(crate) fn resource_failed(status: &ResourceStatus) -> bool {
    status.as_str().ends_with("_FAILED")
}

/// Whether a stack's outputs can be read as deployed: it completed an
/// operation (an update rolled back keeps the previous outputs).
pub(crate) fn has_outputs(status: &StackStatus) -> bool {
    matches!(
        status,
        StackStatus::CreateComplete
            | StackStatus::UpdateComplete
            | StackStatus::UpdateRollbackComplete
            | StackStatus::ImportComplete
    )
}
