//! The AWS limits and default quotas gen plans against, in one place, each
//! with the page AWS states it on. A limit is fixed, so a spec over it is
//! an error. A default quota can be raised per account, so a spec over it
//! is a warning that names the quota to ask for, except where noted.

/// CloudFormation, "CloudFormation quotas": resources declared in a template.
pub const STACK_RESOURCES: usize = 500;
/// CloudFormation, "CloudFormation quotas": Stacks, "2000 stacks" per
/// account and Region by default (adjustable).
pub const STACKS_PER_REGION: usize = 2000;
/// CloudFormation, "CloudFormation quotas": parameters declared in a
/// template (an alarm stack takes one per health check of its DNS stack).
pub const TEMPLATE_PARAMETERS: usize = 200;
/// CloudFormation, "CloudFormation quotas": outputs declared in a template.
pub const STACK_OUTPUTS: usize = 200;
/// CloudFormation, "CloudFormation quotas": template body size in a request
/// (`TemplateBody`, which gen uses so no S3 bucket is needed).
pub const TEMPLATE_BYTES: usize = 51_200;

/// Elastic Load Balancing, "Quotas for your Application Load Balancers"
/// (docs.aws.amazon.com/elasticloadbalancing/latest/application/
/// load-balancer-limits.html), each "Region-specific" unless noted. Each
/// ALB quota gen plans against, with its default and whether it can be
/// raised; a spec states a raised one under `ingress.quotas`.
pub struct AlbQuota {
    /// The quota's name as the page and the Service Quotas console give it.
    pub name: &'static str,
    pub default: usize,
    pub adjustable: bool,
    /// The `ingress.quotas` field that states a raised value.
    pub field: Option<&'static str>,
    /// What it counts, as an error says it ("needs 102 listener rules").
    pub counts: &'static str,
}

/// "Rules per Application Load Balancer (excluding default rules)": 100, "Yes".
pub const ALB_RULES: AlbQuota = AlbQuota {
    name: "Rules per Application Load Balancer (excluding default rules)",
    default: 100,
    adjustable: true,
    field: Some("rulesPerAlb"),
    counts: "listener rules",
};
/// "Target Groups per Application Load Balancer": 100, "No".
pub const ALB_TARGET_GROUPS: AlbQuota = AlbQuota {
    name: "Target Groups per Application Load Balancer",
    default: 100,
    adjustable: false,
    field: None,
    counts: "target groups",
};
/// "Certificates per Application Load Balancer (excluding default
/// certificates)": 25, "Yes".
pub const ALB_CERTIFICATES: AlbQuota = AlbQuota {
    name: "Certificates per Application Load Balancer (excluding default certificates)",
    default: 25,
    adjustable: true,
    field: Some("certificatesPerAlb"),
    counts: "certificates beside the default one",
};
/// "Targets per Application Load Balancer": 1,000, "Yes". With IP targets
/// each pod is a target of every target group that routes to its Service.
pub const ALB_TARGETS: AlbQuota = AlbQuota {
    name: "Targets per Application Load Balancer",
    default: 1000,
    adjustable: true,
    field: Some("targetsPerAlb"),
    counts: "targets (pods, once per target group)",
};
/// "Application Load Balancers per Region": 50, "Yes".
pub const ALBS_PER_REGION: AlbQuota = AlbQuota {
    name: "Application Load Balancers per Region",
    default: 50,
    adjustable: true,
    field: Some("albsPerRegion"),
    counts: "ALBs",
};
/// "Target Groups per Region": 3,000, "Yes" ("This quota is shared by
/// Application Load Balancers and Network Load Balancers").
pub const TARGET_GROUPS_PER_REGION: AlbQuota = AlbQuota {
    name: "Target Groups per Region",
    default: 3000,
    adjustable: true,
    field: Some("targetGroupsPerRegion"),
    counts: "target groups",
};
/// "Listeners per Application Load Balancer": 50, "Yes" (gen renders at
/// most a handful; the spec's list is checked against the default).
pub const ALB_LISTENERS: AlbQuota = AlbQuota {
    name: "Listeners per Application Load Balancer",
    default: 50,
    adjustable: true,
    field: None,
    counts: "listeners",
};

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
