//! Every literal default of the spec, in one table: `validate` applies these
//! constants and `json_schema` writes the same table into the schema's
//! `default` keywords, so an editor shows what gen will use.
//!
//! Defaults derived from other fields (the namespace and ALB name from
//! `name`, the class name `<name>-alb`, an app's stack group from its name,
//! the health port from its protocol, a failover primary from the first
//! Region, the Route 53 stacks' Region from ARC's home Region) are not
//! literals; their fields' doc comments say how they are derived.

use crate::facts::quotas;

/// A literal default, as JSON Schema holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lit {
    Str(&'static str),
    Int(u64),
    Bool(bool),
}

impl Lit {
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Lit::Str(s) => s.into(),
            Lit::Int(n) => n.into(),
            Lit::Bool(b) => b.into(),
        }
    }
}

pub const INGRESS_CONTROLLER: &str = "eks-auto";
pub const INGRESS_SCHEME: &str = "internet-facing";
pub const INGRESS_API: &str = "ingress";
pub const INGRESS_IP_ADDRESS_TYPE: &str = "ipv4";
pub const FLUX_SOURCE: &str = "flux-system";
pub const FLUX_NAMESPACE: &str = "flux-system";
pub const FLUX_INTERVAL: &str = "10m";
pub const ARGOCD_NAMESPACE: &str = "argocd";
pub const ARGOCD_PROJECT: &str = "default";
pub const ARGOCD_TARGET_REVISION: &str = "HEAD";
pub const ARGOCD_DESTINATION: &str = "in-cluster";
pub const REGION_GITOPS: &str = "flux";
pub const HEALTH_PROTOCOL: &str = "HTTP";
pub const HEALTH_INTERVAL: u32 = 30;
pub const HEALTH_FAILURE_THRESHOLD: u32 = 3;
pub const HEALTH_MEASURE_LATENCY: bool = false;
pub const APP_PORT: u16 = 80;
pub const APP_REPLICAS: u32 = 1;
pub const APP_ROUTING: &str = "latency";
pub const APP_EVALUATE_TARGET_HEALTH: bool = false;
pub const REQUEST_CPU: &str = "100m";
pub const REQUEST_MEMORY: &str = "128Mi";
pub const LIMIT_CPU: &str = "500m";
pub const LIMIT_MEMORY: &str = "256Mi";
pub const RUN_AS_NON_ROOT: bool = true;
/// The distroless images' `nonroot` user.
pub const RUN_AS_USER: u32 = 65532;
pub const READ_ONLY_ROOT_FILESYSTEM: bool = true;
pub const RBAC_SCOPE: &str = "namespace";
pub const ARC_ENABLED: bool = false;
pub const ARC_SCOPE: &str = "region";
pub const ARC_MIN_REGIONS_ON: u32 = 1;
pub const ARC_READINESS_ENABLED: bool = false;
pub const REGION_SWITCH_ENABLED: bool = false;
pub const REGION_SWITCH_SCALE_PERCENT: u32 = 100;
/// Minutes between two executions a Region switch trigger starts.
pub const REGION_SWITCH_TRIGGER_MIN_DELAY: u32 = 60;
pub const ROLLOUT_SECRET_REF: &str = "flux-system";
pub const ROLLOUT_BAKE_MINUTES: u32 = 10;
pub const ROLLOUT_APPLY_MINUTES: u32 = 15;

/// Field (in the diagnostics' notation, `[]` for any list item) and its
/// default. The schema test walks every entry.
pub const TABLE: &[(&str, Lit)] = &[
    ("ingress.controller", Lit::Str(INGRESS_CONTROLLER)),
    ("ingress.scheme", Lit::Str(INGRESS_SCHEME)),
    ("ingress.api", Lit::Str(INGRESS_API)),
    ("ingress.ipAddressType", Lit::Str(INGRESS_IP_ADDRESS_TYPE)),
    (
        "ingress.quotas.rulesPerAlb",
        Lit::Int(quotas::ALB_RULES.default as u64),
    ),
    (
        "ingress.quotas.certificatesPerAlb",
        Lit::Int(quotas::ALB_CERTIFICATES.default as u64),
    ),
    (
        "ingress.quotas.albsPerRegion",
        Lit::Int(quotas::ALBS_PER_REGION.default as u64),
    ),
    (
        "ingress.quotas.targetGroupsPerRegion",
        Lit::Int(quotas::TARGET_GROUPS_PER_REGION.default as u64),
    ),
    (
        "ingress.quotas.targetsPerAlb",
        Lit::Int(quotas::ALB_TARGETS.default as u64),
    ),
    ("flux.source", Lit::Str(FLUX_SOURCE)),
    ("flux.namespace", Lit::Str(FLUX_NAMESPACE)),
    ("flux.interval", Lit::Str(FLUX_INTERVAL)),
    ("argocd.namespace", Lit::Str(ARGOCD_NAMESPACE)),
    ("argocd.project", Lit::Str(ARGOCD_PROJECT)),
    ("argocd.targetRevision", Lit::Str(ARGOCD_TARGET_REVISION)),
    ("argocd.destination", Lit::Str(ARGOCD_DESTINATION)),
    ("regions[].gitops", Lit::Str(REGION_GITOPS)),
    ("healthCheck.protocol", Lit::Str(HEALTH_PROTOCOL)),
    ("healthCheck.interval", Lit::Int(HEALTH_INTERVAL as u64)),
    (
        "healthCheck.failureThreshold",
        Lit::Int(HEALTH_FAILURE_THRESHOLD as u64),
    ),
    (
        "healthCheck.measureLatency",
        Lit::Bool(HEALTH_MEASURE_LATENCY),
    ),
    ("apps[].port", Lit::Int(APP_PORT as u64)),
    ("apps[].replicas", Lit::Int(APP_REPLICAS as u64)),
    ("apps[].routing", Lit::Str(APP_ROUTING)),
    (
        "apps[].evaluateTargetHealth",
        Lit::Bool(APP_EVALUATE_TARGET_HEALTH),
    ),
    ("apps[].resources.requests.cpu", Lit::Str(REQUEST_CPU)),
    ("apps[].resources.requests.memory", Lit::Str(REQUEST_MEMORY)),
    ("apps[].resources.limits.cpu", Lit::Str(LIMIT_CPU)),
    ("apps[].resources.limits.memory", Lit::Str(LIMIT_MEMORY)),
    ("apps[].security.runAsNonRoot", Lit::Bool(RUN_AS_NON_ROOT)),
    ("apps[].security.runAsUser", Lit::Int(RUN_AS_USER as u64)),
    (
        "apps[].security.readOnlyRootFilesystem",
        Lit::Bool(READ_ONLY_ROOT_FILESYSTEM),
    ),
    ("apps[].rbac.scope", Lit::Str(RBAC_SCOPE)),
    ("arc.enabled", Lit::Bool(ARC_ENABLED)),
    ("arc.scope", Lit::Str(ARC_SCOPE)),
    (
        "arc.safetyRules.minRegionsOn",
        Lit::Int(ARC_MIN_REGIONS_ON as u64),
    ),
    ("arc.readiness.enabled", Lit::Bool(ARC_READINESS_ENABLED)),
    ("regionSwitch.enabled", Lit::Bool(REGION_SWITCH_ENABLED)),
    (
        "regionSwitch.scalePercent",
        Lit::Int(REGION_SWITCH_SCALE_PERCENT as u64),
    ),
    ("rollout.source.secretRef", Lit::Str(ROLLOUT_SECRET_REF)),
    ("rollout.bakeMinutes", Lit::Int(ROLLOUT_BAKE_MINUTES as u64)),
    (
        "rollout.applyMinutes",
        Lit::Int(ROLLOUT_APPLY_MINUTES as u64),
    ),
];
