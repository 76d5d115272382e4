//! The AWS limits and default quotas gen plans against, in one place, each
//! with the page AWS states it on. A limit is fixed, so a spec over it is
//! an error. A default quota can be raised per account, so a spec over it
//! is a warning that names the quota to ask for, except where noted.

/// CloudFormation, "CloudFormation quotas": resources declared in a template.
pub const STACK_RESOURCES: usize = 500;
/// CloudFormation, "CloudFormation quotas": template body size in a request
/// (`TemplateBody`, which gen uses so no S3 bucket is needed).
pub const TEMPLATE_BYTES: usize = 51_200;

/// Elastic Load Balancing, "Quotas for your Application Load Balancers":
/// rules per load balancer, not counting default rules.
pub const ALB_RULES: usize = 100;

/// AWS Load Balancer Controller, "Ingress annotations" (docs/guide/ingress/
/// annotations.md): target group checks every `healthcheck-interval-seconds`
/// '15' and a target turns healthy after `healthy-threshold-count` '2'
/// successes: a new pod's target serves no sooner than 2 × 15 s after it is
/// registered. A default, not a quota; the rollout lint measures against it.
pub const TARGET_HEALTHY_SECONDS: u32 = 2 * 15;

/// Elastic Load Balancing API Reference, `LoadBalancerAttribute`:
/// "client_keep_alive.seconds - The client keep alive value, in seconds. The
/// valid range is 60-604800 seconds. The default is 3600 seconds." A client
/// holding a connection keeps reaching a failed Region's ALB that long,
/// whatever DNS answers.
pub const ALB_CLIENT_KEEP_ALIVE_S: u32 = 3600;

/// Route 53, "Quotas": health checks per account.
pub const HEALTH_CHECKS: usize = 200;

/// ARC, "Quotas for routing control": routing controls per control panel.
/// An error, not a warning: ARC lists no way to raise it.
pub const ARC_ROUTING_CONTROLS: usize = 100;
/// ARC, "Quotas for routing control": safety rules per control panel.
/// An error, not a warning: ARC lists no way to raise it.
pub const ARC_SAFETY_RULES: usize = 20;
/// ARC, "Quotas for routing control": routing controls per
/// UpdateRoutingControlStates call.
pub const ARC_CONTROLS_PER_UPDATE: usize = 10;
/// CloudFormation, `AWS::Route53RecoveryReadiness::ResourceSet`: `Resources`
/// holds 1 to 6 entries.
pub const READINESS_SET_RESOURCES: usize = 6;
