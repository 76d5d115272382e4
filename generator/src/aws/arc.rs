//! The ARC adapter: finds a cluster's regional endpoints (control-config
//! API, us-west-2) and reads and sets routing control states through the
//! cluster data plane, trying the endpoints in turn until one answers, as
//! AWS advises (endpoints cycle through maintenance).
//!
//! It knows the AWS APIs and nothing of the spec: callers pass names and
//! ARNs and get states back.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

/// An ARC cluster that cannot be used, in ARC's terms (the commands say
/// what to do).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClusterError {
    /// The cluster exists but is not `DEPLOYED` yet (or any more).
    NotDeployed {
        arn: String,
        status: Option<controlconfig::types::Status>,
    },
    /// No cluster of the account has this name.
    NoneNamed { name: String },
}

impl std::fmt::Display for ClusterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClusterError::NotDeployed { arn, status } => write!(
                f,
                "ARC cluster {arn} is {}, not DEPLOYED",
                status.as_ref().map_or("of no status", |s| s.as_str())
            ),
            ClusterError::NoneNamed { name } => write!(f, "no ARC cluster named `{name}`"),
        }
    }
}

impl std::error::Error for ClusterError {}
use aws_config::SdkConfig;
use aws_sdk_route53recoverycluster as dataplane;
use aws_sdk_route53recoverycontrolconfig as controlconfig;
use dataplane::config::Region;
use dataplane::config::retry::RetryConfig;
use dataplane::config::timeout::TimeoutConfig;
use dataplane::error::{ProvideErrorMetadata, SdkError};

use super::describe_error;
use dataplane::types::{RoutingControlState, UpdateRoutingControlStateEntry};

/// Where the ARC configuration API is served.
pub(crate) const CONFIG_REGION: &str = crate::facts::arc::ARC_HOME_REGION;

#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub url: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ControlState {
    pub name: String,
    pub arn: String,
    pub on: bool,
}

/// How an update went wrong, for the caller to explain.
#[derive(Debug)]
pub(crate) enum UpdateError {
    /// ARC refused the change (a safety rule, usually): its message.
    Rejected(String),
    Other(anyhow::Error),
}

pub(crate) struct Cluster {
    pub arn: String,
    pub endpoints: Vec<Endpoint>,
    sdk: SdkConfig,
}

/// The cluster by ARN, or (when gen created it) by name.
pub(crate) enum ClusterRef<'a> {
    Arn(&'a str),
    Name(&'a str),
}

/// Credentials and settings from the standard AWS chain
/// ([`super::sdk_config`]); `AWS_ENDPOINT_URL_ROUTE53_RECOVERY_CONTROL_CONFIG` (or
/// `AWS_ENDPOINT_URL`) points the configuration API elsewhere.
pub(crate) async fn cluster(which: ClusterRef<'_>, role: Option<&super::Role>) -> Result<Cluster> {
    let sdk = super::sdk_config(Some(CONFIG_REGION), role).await;
    let cc = controlconfig::Client::new(&sdk);
    let arn = match which {
        ClusterRef::Arn(a) => a.to_string(),
        ClusterRef::Name(name) => find_cluster(&cc, name).await?,
    };
    let out = cc
        .describe_cluster()
        .cluster_arn(&arn)
        .send()
        .await
        .map_err(|e| anyhow!("{}", describe_error(&e)))
        .with_context(|| {
            format!("DescribeCluster {arn} (ARC configuration API, {CONFIG_REGION})")
        })?;
    let cluster = out
        .cluster
        .with_context(|| format!("DescribeCluster {arn} returned no cluster"))?;
    if cluster.status() != Some(&controlconfig::types::Status::Deployed) {
        return Err(ClusterError::NotDeployed {
            arn,
            status: cluster.status().cloned(),
        }
        .into());
    }
    let endpoints: Vec<Endpoint> = cluster
        .cluster_endpoints()
        .iter()
        .filter_map(|e| {
            Some(Endpoint {
                url: e.endpoint()?.to_string(),
                region: e.region()?.to_string(),
            })
        })
        .collect();
    if endpoints.is_empty() {
        bail!("ARC cluster {arn} lists no endpoints");
    }
    Ok(Cluster {
        arn,
        endpoints,
        sdk,
    })
}

async fn find_cluster(cc: &controlconfig::Client, name: &str) -> Result<String> {
    let mut token = None;
    loop {
        let page = cc
            .list_clusters()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| anyhow!("{}", describe_error(&e)))
            .context("ListClusters (ARC configuration API)")?;
        if let Some(c) = page.clusters().iter().find(|c| c.name() == Some(name)) {
            return c
                .cluster_arn()
                .map(str::to_string)
                .context("cluster without ARN");
        }
        token = page.next_token;
        if token.is_none() {
            return Err(ClusterError::NoneNamed {
                name: name.to_string(),
            }
            .into());
        }
    }
}

impl Cluster {
    fn client(&self, ep: &Endpoint) -> dataplane::Client {
        let conf = dataplane::config::Builder::from(&self.sdk)
            .endpoint_url(&ep.url)
            .region(Region::new(ep.region.clone()))
            // Failing over to the next endpoint is this module's job.
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .operation_timeout(Duration::from_secs(15))
                    .build(),
            )
            .build();
        dataplane::Client::from_conf(conf)
    }

    /// Run `call` against each endpoint in turn until one answers. Errors
    /// that another endpoint could avoid (unreachable, unavailable,
    /// throttled, internal) move on; any other error is the answer.
    async fn on_any_endpoint<T, E, F, Fut>(
        &self,
        what: &str,
        mut call: F,
        skipped: &mut Vec<String>,
    ) -> Result<T, SdkError<E>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        F: FnMut(dataplane::Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, SdkError<E>>>,
    {
        let mut last = None;
        for ep in &self.endpoints {
            match call(self.client(ep)).await {
                Ok(v) => return Ok(v),
                Err(e) if try_elsewhere(&e) => {
                    skipped.push(format!(
                        "{what} on {} ({}): {}",
                        ep.url,
                        ep.region,
                        describe_error(&e)
                    ));
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("a cluster has endpoints"))
    }

    /// Every routing control of the control panel named `panel`.
    pub(crate) async fn controls(
        &self,
        panel: &str,
        skipped: &mut Vec<String>,
    ) -> Result<Vec<ControlState>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let t = token.clone();
            let page = self
                .on_any_endpoint(
                    "ListRoutingControls",
                    |c| {
                        let t = t.clone();
                        async move { c.list_routing_controls().set_next_token(t).send().await }
                    },
                    skipped,
                )
                .await
                .map_err(|e| unreachable_error(&self.arn, "ListRoutingControls", &e, skipped))?;
            for rc in page.routing_controls() {
                if rc.control_panel_name() != Some(panel) {
                    continue;
                }
                out.push(ControlState {
                    name: rc.routing_control_name().unwrap_or_default().to_string(),
                    arn: rc.routing_control_arn().unwrap_or_default().to_string(),
                    on: rc.routing_control_state() == Some(&RoutingControlState::On),
                });
            }
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Set `controls` (ARNs) to `on`, in calls of at most ten.
    pub(crate) async fn set(
        &self,
        arns: &[String],
        on: bool,
        skipped: &mut Vec<String>,
    ) -> Result<usize, UpdateError> {
        let state = if on {
            RoutingControlState::On
        } else {
            RoutingControlState::Off
        };
        let mut calls = 0;
        for batch in arns.chunks(crate::facts::quotas::ARC_CONTROLS_PER_UPDATE) {
            let entries: Vec<UpdateRoutingControlStateEntry> = batch
                .iter()
                .map(|arn| {
                    UpdateRoutingControlStateEntry::builder()
                        .routing_control_arn(arn)
                        .routing_control_state(state.clone())
                        .build()
                        .map_err(|e| UpdateError::Other(e.into()))
                })
                .collect::<Result<_, _>>()?;
            let result = self
                .on_any_endpoint(
                    "UpdateRoutingControlStates",
                    |c| {
                        let entries = entries.clone();
                        async move {
                            c.update_routing_control_states()
                                .set_update_routing_control_state_entries(Some(entries))
                                .send()
                                .await
                        }
                    },
                    skipped,
                )
                .await;
            match result {
                Ok(_) => calls += 1,
                Err(e) => {
                    return Err(match e.as_service_error().and_then(|s| s.code()) {
                        Some("ConflictException" | "ValidationException") => {
                            UpdateError::Rejected(describe_error(&e))
                        }
                        _ => UpdateError::Other(unreachable_error(
                            &self.arn,
                            "UpdateRoutingControlStates",
                            &e,
                            skipped,
                        )),
                    });
                }
            }
        }
        Ok(calls)
    }
}

fn try_elsewhere<E: ProvideErrorMetadata>(e: &SdkError<E>) -> bool {
    match e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(s) => matches!(
            s.err().code(),
            Some(
                "EndpointTemporarilyUnavailableException"
                    | "ThrottlingException"
                    | "InternalServerException"
            )
        ),
        _ => false,
    }
}

fn unreachable_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    arn: &str,
    call: &str,
    e: &SdkError<E>,
    skipped: &[String],
) -> anyhow::Error {
    let tried = if skipped.is_empty() {
        String::new()
    } else {
        format!("\n  tried: {}", skipped.join("\n  tried: "))
    };
    anyhow!(
        "{call} on ARC cluster {arn} failed: {}{tried}",
        describe_error(e)
    )
}
