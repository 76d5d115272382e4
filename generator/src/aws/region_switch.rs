//! The ARC Region switch adapter: finds plans, reads their evaluation and
//! executions, starts an execution, follows it and approves its steps.
//!
//! Every call goes to a Region's own data plane (`arc-region-switch.<Region>
//! .api.aws`), never to the control plane in us-east-1, so that a switch
//! away from an impaired us-east-1 does not depend on it. The control-plane
//! operations are only "CreatePlan, DeletePlan, GetPlan, ListPlans,
//! ListRoute53HealthChecks, ListTagsForResource, TagResource,
//! UntagResource, UpdatePlan" (the SDK's endpoint rules set
//! `UseControlPlaneEndpoint` for exactly those; aws-sdk-arcregionswitch
//! 1.48.0). gen calls one of them, and only from `gen deploy`, which is
//! service management: ListRoute53HealthChecks, for the IDs of the checks a
//! plan made ("The control plane … is meant to only be used for service
//! management", ARC Developer Guide, "Data and control planes for Region
//! switch").
//!
//! It knows the API and nothing of the spec: callers pass plan names, ARNs
//! and Regions and get plain values back.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use aws_config::SdkConfig;
use aws_sdk_arcregionswitch as rs;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use rs::config::Region;
use rs::config::retry::RetryConfig;
use rs::config::timeout::TimeoutConfig;
use rs::types::{Approval, ExecutionAction, ExecutionMode, ExecutionState, StepStatus};

use super::describe_error;

/// A deployed plan, as a Region's data plane lists it.
#[derive(Debug, Clone)]
pub(crate) struct PlanRef {
    pub arn: String,
    pub name: String,
    pub version: Option<String>,
    /// The execution running now, if any.
    pub active_execution: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Evaluation {
    /// `passed`, `actionRequired`, `pendingEvaluation` or `unknown`.
    pub state: String,
    pub last: Option<String>,
    pub version: Option<String>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Warning {
    pub step: Option<String>,
    pub resource: Option<String>,
    pub message: String,
    /// `active` or `resolved`.
    pub status: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct ExecutionSummary {
    pub id: String,
    pub action: String,
    pub mode: String,
    pub state: String,
    pub region: String,
    pub started: String,
    pub ended: Option<String>,
}

/// Where an execution stands, in the terms a caller decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Phase {
    Running,
    /// A step waits for a manual approval.
    WaitingForApproval,
    /// Paused by a failed step or by an operator: it waits for someone.
    Paused,
    Succeeded,
    /// Completed, with steps that failed along the way (ungraceful).
    SucceededWithExceptions,
    Failed,
}

#[derive(Debug, Clone)]
pub(crate) struct Execution {
    pub state: String,
    pub phase: Phase,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Step {
    pub name: String,
    /// `notStarted`, `running`, `pendingApproval`, `completed`, `failed`,
    /// `skipped` or `canceled`.
    pub status: String,
}

impl Step {
    pub(crate) fn waits_for_approval(&self) -> bool {
        self.status == StepStatus::PendingApproval.as_str()
    }
}

/// A step's failure, as the execution's events tell it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Failure {
    pub step: Option<String>,
    pub error: String,
}

pub(crate) struct RegionSwitch {
    sdk: SdkConfig,
}

fn time(t: &DateTime) -> String {
    t.fmt(Format::DateTime).unwrap_or_default()
}

fn failed<E>(
    call: &str,
    region: &str,
    e: &rs::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> anyhow::Error
where
    E: rs::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    anyhow!(
        "{call} (ARC Region switch, {region}): {}",
        describe_error(e)
    )
}

/// ExecutionState → the phase a caller acts on. States AWS adds later are
/// treated as still running: the caller's wait has its own limit.
fn phase(s: &ExecutionState) -> Phase {
    match s {
        ExecutionState::Completed | ExecutionState::CompletedMonitoringApplicationHealth => {
            Phase::Succeeded
        }
        ExecutionState::CompletedWithExceptions => Phase::SucceededWithExceptions,
        ExecutionState::Failed
        | ExecutionState::Cancelled
        | ExecutionState::PlanExecutionTimedOut => Phase::Failed,
        ExecutionState::PausedByFailedStep | ExecutionState::PausedByOperator => Phase::Paused,
        ExecutionState::PendingManualApproval => Phase::WaitingForApproval,
        _ => Phase::Running,
    }
}

impl RegionSwitch {
    /// Credentials and settings from the standard AWS chain
    /// ([`super::sdk_config`]); `AWS_ENDPOINT_URL_ARC_REGION_SWITCH` (or
    /// `AWS_ENDPOINT_URL`) points every call elsewhere.
    pub(crate) async fn connect(role: Option<&super::Role>) -> RegionSwitch {
        let sdk = super::sdk_config(None, role).await;
        RegionSwitch { sdk }
    }

    fn client(&self, region: &str) -> rs::Client {
        let conf = rs::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .operation_timeout(Duration::from_secs(20))
                    .build(),
            )
            .build();
        rs::Client::from_conf(conf)
    }

    /// Every plan the Region's data plane lists.
    pub(crate) async fn plans_in(&self, region: &str) -> Result<Vec<PlanRef>> {
        let c = self.client(region);
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = c
                .list_plans_in_region()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| failed("ListPlansInRegion", region, &e))?;
            for p in page.plans() {
                out.push(PlanRef {
                    arn: p.arn().to_string(),
                    name: p.name().to_string(),
                    version: p.version().map(str::to_string),
                    active_execution: p.active_plan_execution().map(str::to_string),
                });
            }
            token = page.next_token;
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// The health checks a plan made for one record: (Region, ID once it
    /// has one). Control plane, us-east-1.
    pub(crate) async fn health_checks(
        &self,
        arn: &str,
        record: &str,
    ) -> Result<Vec<(String, Option<String>)>> {
        let region = crate::facts::arc::REGION_SWITCH_CONTROL_PLANE_REGION;
        let c = self.client(region);
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = c
                .list_route53_health_checks()
                .arn(arn)
                .record_name(record)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| failed("ListRoute53HealthChecks", region, &e))?;
            for h in page.health_checks() {
                out.push((
                    h.region().to_string(),
                    h.health_check_id().map(str::to_string),
                ));
            }
            token = page.next_token;
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// The status of each health check a plan made: (Region, `healthy`,
    /// `unhealthy` or `unknown`). Data plane.
    pub(crate) async fn health_check_states(
        &self,
        region: &str,
        arn: &str,
    ) -> Result<Vec<(String, String)>> {
        let c = self.client(region);
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = c
                .list_route53_health_checks_in_region()
                .arn(arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| failed("ListRoute53HealthChecksInRegion", region, &e))?;
            for h in page.health_checks() {
                out.push((
                    h.region().to_string(),
                    h.status().map_or("unknown", |s| s.as_str()).to_string(),
                ));
            }
            token = page.next_token;
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// AWS's last evaluation of the plan and its warnings.
    pub(crate) async fn evaluation(&self, region: &str, arn: &str) -> Result<Evaluation> {
        let c = self.client(region);
        let mut token = None;
        let mut warnings = Vec::new();
        loop {
            let page = c
                .get_plan_evaluation_status()
                .plan_arn(arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| failed("GetPlanEvaluationStatus", region, &e))?;
            for w in page.warnings() {
                warnings.push(Warning {
                    step: w.step_name().map(str::to_string),
                    resource: w.resource_arn().map(str::to_string),
                    message: w.warning_message().to_string(),
                    status: w.warning_status().as_str().to_string(),
                });
            }
            token = page.next_token.clone();
            if token.is_none() {
                return Ok(Evaluation {
                    state: page
                        .evaluation_state()
                        .map_or("unknown", |s| s.as_str())
                        .to_string(),
                    last: page.last_evaluation_time().map(time),
                    version: page.last_evaluated_version().map(str::to_string),
                    warnings,
                });
            }
        }
    }

    /// The plan's most recent executions, newest first as AWS lists them.
    pub(crate) async fn executions(
        &self,
        region: &str,
        arn: &str,
        max: i32,
    ) -> Result<Vec<ExecutionSummary>> {
        let page = self
            .client(region)
            .list_plan_executions()
            .plan_arn(arn)
            .max_results(max)
            .send()
            .await
            .map_err(|e| failed("ListPlanExecutions", region, &e))?;
        Ok(page
            .items()
            .iter()
            .map(|x| ExecutionSummary {
                id: x.execution_id().to_string(),
                action: x.execution_action().as_str().to_string(),
                mode: x.mode().as_str().to_string(),
                state: x.execution_state().as_str().to_string(),
                region: x.execution_region().to_string(),
                started: time(&x.start_time),
                ended: x.end_time().map(time),
            })
            .collect())
    }

    /// Start an execution in `region`; its ID.
    pub(crate) async fn start(
        &self,
        region: &str,
        arn: &str,
        target: &str,
        action: &str,
        graceful: bool,
        comment: &str,
    ) -> Result<String> {
        let out = self
            .client(region)
            .start_plan_execution()
            .plan_arn(arn)
            .target_region(target)
            .action(ExecutionAction::from(action))
            .mode(if graceful {
                ExecutionMode::Graceful
            } else {
                ExecutionMode::Ungraceful
            })
            .comment(comment)
            .send()
            .await
            .map_err(|e| failed("StartPlanExecution", region, &e))?;
        out.execution_id
            .context("StartPlanExecution returned no execution ID")
    }

    pub(crate) async fn execution(&self, region: &str, arn: &str, id: &str) -> Result<Execution> {
        let out = self
            .client(region)
            .get_plan_execution()
            .plan_arn(arn)
            .execution_id(id)
            .send()
            .await
            .map_err(|e| failed("GetPlanExecution", region, &e))?;
        Ok(Execution {
            state: out.execution_state().as_str().to_string(),
            phase: phase(out.execution_state()),
            steps: out
                .step_states()
                .iter()
                .map(|s| Step {
                    name: s.name().unwrap_or_default().to_string(),
                    status: s.status().map_or("notStarted", |x| x.as_str()).to_string(),
                })
                .collect(),
        })
    }

    /// The failures the execution's events record, in order.
    pub(crate) async fn failures(&self, region: &str, arn: &str, id: &str) -> Result<Vec<Failure>> {
        let c = self.client(region);
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = c
                .list_plan_execution_events()
                .plan_arn(arn)
                .execution_id(id)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| failed("ListPlanExecutionEvents", region, &e))?;
            for e in page.items() {
                if let Some(err) = e.error() {
                    out.push(Failure {
                        step: e.step_name().map(str::to_string),
                        error: err.to_string(),
                    });
                }
            }
            token = page.next_token;
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    pub(crate) async fn approve(
        &self,
        region: &str,
        arn: &str,
        id: &str,
        step: &str,
        comment: &str,
    ) -> Result<()> {
        self.client(region)
            .approve_plan_execution_step()
            .plan_arn(arn)
            .execution_id(id)
            .step_name(step)
            .approval(Approval::Approve)
            .comment(comment)
            .send()
            .await
            .map_err(|e| failed("ApprovePlanExecutionStep", region, &e))?;
        Ok(())
    }
}
