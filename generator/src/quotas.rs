//! The AWS limits and default quotas gen plans against, in one place, each
//! with the page AWS states it on. A limit is fixed (a spec over it is an
//! error); a default quota can be raised per account (a spec over it is a
//! warning that names the quota to ask for), except where noted.

/// CloudFormation, "CloudFormation quotas": resources declared in a template.
pub const STACK_RESOURCES: usize = 500;
/// CloudFormation, "CloudFormation quotas": template body size in a request
/// (`TemplateBody`, which gen uses so no S3 bucket is needed).
pub const TEMPLATE_BYTES: usize = 51_200;

/// Elastic Load Balancing, "Quotas for your Application Load Balancers":
/// rules per load balancer, not counting default rules.
pub const ALB_RULES: usize = 100;

/// Route 53, "Quotas": health checks per account.
pub const HEALTH_CHECKS: usize = 200;

/// ARC, "Quotas for routing control": routing controls per control panel.
pub const ARC_ROUTING_CONTROLS: usize = 100;
/// ARC, "Quotas for routing control": safety rules per control panel.
pub const ARC_SAFETY_RULES: usize = 20;
/// ARC, "Quotas for routing control": routing controls per
/// UpdateRoutingControlStates call.
pub const ARC_CONTROLS_PER_UPDATE: usize = 10;
