//! `spec`: load `gen.yaml` into raw, unchecked types.
//!
//! Almost every field is optional here so that `validate` can report every
//! missing or wrong value at once instead of stopping at the first one. Only a
//! value of the wrong YAML type (a string where a number goes) stops loading,
//! because serde cannot go on past it; that error still names field and line.

pub mod checked;
mod chunks;
mod de;
pub mod defaults;
mod introspect;
mod lines;
pub mod lock;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diag::Diagnostic;
pub use chunks::{AppCache, Kept};
pub use lines::LineMap;

/// A number or boolean field that never stops loading: a value of the wrong
/// type is kept as serde's message, so `validate` reports it (with its path
/// and line) among every other problem instead of alone.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<T> {
    Ok(T),
    Wrong(String),
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Scalar<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_yaml::Value::deserialize(d)?;
        Ok(match serde_yaml::from_value::<T>(value) {
            Ok(t) => Scalar::Ok(t),
            Err(e) => Scalar::Wrong(e.to_string()),
        })
    }
}

/// Written as its value, to keep an app read before (`chunks`); a wrong
/// value is not kept (its message is not a value).
impl<T: serde::Serialize> serde::Serialize for Scalar<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Scalar::Ok(t) => t.serialize(s),
            Scalar::Wrong(_) => Err(serde::ser::Error::custom("a wrong value is not kept")),
        }
    }
}

/// In the JSON Schema a scalar is just its value's type.
impl<T: JsonSchema> JsonSchema for Scalar<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

fn routing_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "latency, {weighted: {REGION: WEIGHT}}, failover, {failover: {primary: REGION, secondary: REGION}}, {geolocation: {REGION: LOCATIONS}} or {geoproximity: {REGION: BIAS}}",
        "oneOf": [
            {"type": "null"},
            {"enum": ["latency", "failover"]},
            {"type": "object", "additionalProperties": false, "required": ["weighted"],
             "properties": {"weighted": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 255}}}},
            {"type": "object", "additionalProperties": false, "required": ["failover"],
             "properties": {"failover": {"type": ["object", "null"], "additionalProperties": false,
                                         "properties": {"primary": {"type": "string"}, "secondary": {"type": "string"}}}}},
            {"type": "object", "additionalProperties": false, "required": ["geolocation"],
             "properties": {"geolocation": {"type": "object", "additionalProperties": {
                 "type": "object", "additionalProperties": false,
                 "properties": {
                     "continents": {"type": "array", "items": {"enum": ["AF", "AN", "AS", "EU", "NA", "OC", "SA"]}},
                     "countries": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
                     "subdivisions": {"type": "array", "items": {"type": "string", "pattern": "^US-[A-Z]{2}$"}},
                     "default": {"type": "boolean"}}}}}},
            {"type": "object", "additionalProperties": false, "required": ["geoproximity"],
             "properties": {"geoproximity": {"type": "object", "additionalProperties": {"type": "integer", "minimum": -99, "maximum": 99}}}}
        ]
    })
}

/// The JSON Schema of the spec, generated from these types.
pub fn json_schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(RawSpec);
    schema.insert("title".into(), "gen.yaml".into());
    let mut json = schema.clone().to_value();
    for (field, value) in defaults::TABLE {
        // Every field of the table is a field of the schema (the schema test
        // checks each one has its default), so a miss here is a typo there.
        if let Some(property) = property_mut(&mut json, field) {
            property.insert("default".into(), value.to_json());
        }
    }
    schemars::Schema::try_from(json).unwrap_or(schema)
}

/// The schema object of `field` (`apps[].health.port` notation), through
/// optional (`anyOf` with null) wrappers. A `$ref` on the way is replaced by
/// a copy of its definition, so a default lands on this field alone (two
/// fields share `RawQuantities`, with different defaults).
fn property_mut<'a>(
    root: &'a mut serde_json::Value,
    field: &str,
) -> Option<&'a mut serde_json::Map<String, serde_json::Value>> {
    let defs = root.get("$defs").cloned().unwrap_or_default();
    let mut at = String::new();
    let mut segments = field.split('.').peekable();
    while let Some(seg) = segments.next() {
        let (name, list) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        at = object_at(root, &at, &defs)?;
        at = format!("{at}/properties/{name}");
        root.pointer(&at)?;
        if list || segments.peek().is_some() {
            at = object_at(root, &at, &defs)?;
        }
        if list {
            at = format!("{at}/items");
        }
    }
    root.pointer_mut(&at)?.as_object_mut()
}

/// From `pointer`, inline a `$ref` and step into the non-null branch of an
/// `anyOf` until the object that holds properties.
fn object_at(
    root: &mut serde_json::Value,
    pointer: &str,
    defs: &serde_json::Value,
) -> Option<String> {
    let mut at = pointer.to_string();
    for _ in 0..8 {
        let v = root.pointer_mut(&at)?;
        if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
            let def = defs.get(r.strip_prefix("#/$defs/")?)?.clone();
            *v = def;
        } else if let Some(branches) = v.get("anyOf").and_then(|a| a.as_array()) {
            let i = branches
                .iter()
                .position(|b| b.get("type").and_then(|t| t.as_str()) != Some("null"))?;
            at = format!("{at}/anyOf/{i}");
        } else {
            return Some(at);
        }
    }
    None
}

/// Nesting accepted in a spec (the deepest field is at about 6).
pub(super) const MAX_NESTING: usize = 32;

/// A loaded spec with what is needed to point at its lines.
#[derive(Debug)]
pub struct Loaded<'a> {
    pub raw: RawSpec,
    pub lines: LineMap<'a>,
    /// Problems found while loading that do not stop it: fields `gen` does
    /// not know, and YAML tags.
    pub problems: Vec<Diagnostic>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawSpec {
    #[schemars(required)]
    pub version: Option<Scalar<u32>>,
    #[schemars(required)]
    pub name: Option<String>,
    /// Namespace of every app on the shared ALB (an Ingress only reaches
    /// Services in its own namespace). Default: `name`.
    pub namespace: Option<String>,
    #[schemars(required)]
    pub dns: Option<RawDns>,
    /// The AWS accounts gen works in besides the credentials' own, by a
    /// name of your choosing: the role gen assumes in each (docs/spec.md,
    /// "Several accounts").
    pub accounts: Option<BTreeMap<String, RawAccount>>,
    pub ingress: Option<RawIngress>,
    #[schemars(required)]
    pub regions: Option<Vec<RawRegion>>,
    pub health_check: Option<RawHealthCheck>,
    pub flux: Option<RawFlux>,
    /// Argo CD, for the clusters whose `gitops` is `argocd`.
    pub argocd: Option<RawArgoCd>,
    pub arc: Option<RawArc>,
    pub region_switch: Option<RawRegionSwitch>,
    pub rollout: Option<RawRollout>,
    /// The databases apps keep their state in, replicated across Regions,
    /// by a name of your choosing: the Region switch plans promote each
    /// before they move its apps' traffic (docs/spec.md, "Databases").
    pub databases: Option<BTreeMap<String, RawDatabase>>,
    #[schemars(required)]
    pub apps: Option<Vec<RawApp>>,
}

/// One database replicated across Regions, with its member in each.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawDatabase {
    /// `aurora` (an Aurora global database), `documentdb` (a DocumentDB
    /// global cluster) or `rds` (an RDS DB instance and its cross-Region
    /// read replicas).
    #[schemars(required)]
    pub engine: Option<String>,
    /// The global cluster's identifier (`aurora`, `documentdb`).
    pub global_cluster: Option<String>,
    /// Region → its member: a DB cluster ARN (`aurora`, `documentdb`) or a
    /// DB instance ARN (`rds`). At least two.
    #[schemars(required)]
    pub members: Option<BTreeMap<String, String>>,
    /// `rds` on Oracle 19c or later with its replicas in mounted or
    /// read-only standby mode: a graceful switch switches over (no data
    /// loss) instead of promoting. Default: false.
    pub switchover: Option<Scalar<bool>>,
    /// Minutes the plans' database step may take before the switch stops
    /// (1 to 10080). Default: 60, Region switch's own.
    pub timeout_minutes: Option<Scalar<u32>>,
}

/// A change reaches the Regions wave by wave (`gen rollout`): each
/// Region's clusters apply gen's Kustomizations from a branch of their own
/// that only `gen rollout` moves, once the wave before has baked green
/// (docs/rollout.md).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRollout {
    /// The Git repository the clusters' Flux clones, as Flux reaches it
    /// (the one `flux bootstrap` set up).
    #[schemars(required)]
    pub source: Option<RawRolloutSource>,
    /// Each Region follows the branch of this prefix and its name. Default:
    /// `rollout/NAME/` (NAME: the spec's `name`).
    pub branch_prefix: Option<String>,
    /// The waves in order, each a list of Regions; every Region exactly once.
    /// Default: derived from the routing (docs/rollout.md, "The default
    /// order").
    pub waves: Option<Vec<Vec<String>>>,
    /// Minutes a wave stays under watch, every gate green, before the next
    /// wave starts (0 to 1440). Default: 10.
    pub bake_minutes: Option<Scalar<u32>>,
    /// Minutes a wave's clusters have to apply the commit (1 to 1440).
    /// Default: 15.
    pub apply_minutes: Option<Scalar<u32>>,
    /// CloudWatch alarms (ARNs) that stop a rollout when they are in ALARM,
    /// besides the health-check alarms gen renders.
    pub alarms: Option<Vec<String>>,
    /// An SNS topic in us-east-1 (ARN) that the rendered health-check
    /// alarms notify.
    pub notify: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRolloutSource {
    /// `ssh://`, `https://` or `http://` (Flux `GitRepository` `url`).
    #[schemars(required)]
    pub url: Option<String>,
    /// The Secret with the credentials Flux clones with. Default:
    /// `flux-system` (what `flux bootstrap` makes).
    pub secret_ref: Option<String>,
}

/// ARC Region switch: a plan per pair of Regions that moves traffic from
/// one to the other, compiled from the apps: with the routing controls when
/// `arc` is on, else with health checks the plans make (docs/arc.md, "Region
/// switch").
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRegionSwitch {
    pub enabled: Option<Scalar<bool>>,
    /// The capacity the activated Region's Deployments scale to before
    /// traffic arrives, in percent of the other Region's. Default: 100.
    pub scale_percent: Option<Scalar<u32>>,
    /// An IAM role that may approve: a manual approval step comes first.
    pub approval_role: Option<String>,
    /// The plans' recovery time objective in minutes (1 to 10080). Default:
    /// the apps' largest `rto`, in whole minutes, when any app states one.
    pub rto_minutes: Option<Scalar<u32>>,
    /// CloudWatch alarms every plan watches, by a name of your choosing:
    /// the plans' application health, or what their triggers start on.
    pub alarms: Option<BTreeMap<String, RawSwitchAlarm>>,
    /// Switches Region switch starts on its own when alarms say so.
    pub triggers: Option<Vec<RawSwitchTrigger>>,
    /// Where Region switch writes each execution's report.
    pub report: Option<RawSwitchReport>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawSwitchAlarm {
    /// The alarm's ARN (`arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`).
    #[schemars(required)]
    pub alarm_arn: Option<String>,
    /// `applicationHealth` (the plans show it) or `trigger` (a trigger's
    /// condition). Default: `applicationHealth`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Run a workflow when every condition holds.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawSwitchTrigger {
    /// The Region the workflow activates (or, with `deactivate`, takes out),
    /// in every plan that holds it.
    #[schemars(required)]
    pub target_region: Option<String>,
    /// `activate` or `deactivate`. Default: `activate`.
    pub action: Option<String>,
    /// Each `{alarm: NAME, state: red|green}` (1 to 10): `red` while the
    /// alarm is in ALARM.
    #[schemars(required)]
    pub conditions: Option<Vec<RawTriggerCondition>>,
    /// Minutes between two executions the trigger starts. Default: 60.
    pub min_delay_minutes: Option<Scalar<u32>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawTriggerCondition {
    /// A name of `regionSwitch.alarms` of `type: trigger`.
    #[schemars(required)]
    pub alarm: Option<String>,
    /// `red` or `green`.
    #[schemars(required)]
    pub state: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawSwitchReport {
    /// `s3://BUCKET[/PREFIX]`.
    #[schemars(required)]
    pub bucket_path: Option<String>,
    /// The bucket's account (12 digits). Default: the plans'.
    pub bucket_owner: Option<String>,
}

/// Route 53 Application Recovery Controller: routing controls as manual
/// failover switches, with safety rules.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawArc {
    pub enabled: Option<Scalar<bool>>,
    /// An existing ARC cluster; or `cluster` to have gen create one.
    pub cluster_arn: Option<String>,
    pub cluster: Option<RawArcCluster>,
    /// `region` (one routing control per Region) or `app` (per app per Region).
    pub scope: Option<String>,
    /// The apps whose records follow the routing controls. Default: all.
    pub apps: Option<Vec<String>>,
    pub safety_rules: Option<RawSafetyRules>,
    pub readiness: Option<RawReadiness>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawArcCluster {
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawSafetyRules {
    /// Assertion rule: at least this many controls of each set stay On.
    pub min_regions_on: Option<Scalar<u32>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawReadiness {
    pub enabled: Option<Scalar<bool>>,
    /// Region → ARNs of the resources whose readiness is checked.
    pub resources: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawDns {
    #[schemars(required)]
    pub zone: Option<String>,
    pub zone_id: Option<String>,
    /// Region the Route 53 stacks are deployed in (Route 53 itself is global).
    pub stack_region: Option<String>,
    /// The account (of `accounts`) that holds the hosted zone, the health
    /// checks, ARC and the Region switch plans. Default: the credentials' own.
    pub account: Option<String>,
}

/// One AWS account: the role gen assumes there, from the standard
/// credential chain (STS AssumeRole).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawAccount {
    /// `arn:aws:iam::ACCOUNT:role/NAME`; the account is this ARN's.
    #[schemars(required)]
    pub role_arn: Option<String>,
    /// The external ID the role's trust policy asks for (2 to 1224 of
    /// letters, digits and `_+=,.@:/-`).
    pub external_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawIngress {
    pub controller: Option<String>,
    /// What makes each ALB: `ingress` (an Ingress) or `gateway` (a Gateway
    /// API Gateway with its HTTPRoutes). Each of `albs` may choose its own.
    pub api: Option<String>,
    pub alb_name: Option<String>,
    pub scheme: Option<String>,
    /// IngressClass (and IngressClassParams) name. Default: `<name>-alb`.
    pub class_name: Option<String>,
    /// CIDRs the ALB accepts traffic from (`inbound-cidrs`). Default: anywhere.
    pub inbound_cidrs: Option<Vec<String>>,
    /// `ipv4` or `dualstack` (IPv4 and IPv6: its apps get AAAA records
    /// beside the A records). Default: `ipv4`.
    pub ip_address_type: Option<String>,
    /// Several shared ALBs per Region, each its own Ingress. Without it the
    /// Region has one, `albName`. `scheme` and `inboundCidrs` above are each
    /// ALB's defaults.
    pub albs: Option<Vec<RawAlb>>,
    /// The ALB of every app that names none. Default: the first of `albs`.
    pub default_alb: Option<String>,
    /// Account quotas raised above AWS's defaults (Elastic Load Balancing,
    /// "Quotas for your Application Load Balancers"), the same in every Region.
    pub quotas: Option<RawQuotas>,
}

/// One shared ALB, present in every Region.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawAlb {
    /// The load balancer's name (and its Ingress's), the same in every Region.
    #[schemars(required)]
    pub name: Option<String>,
    /// `ingress` or `gateway`. Default: `ingress.api`.
    pub api: Option<String>,
    pub scheme: Option<String>,
    pub inbound_cidrs: Option<Vec<String>>,
    /// `ipv4` or `dualstack`. Default: `ingress.ipAddressType`.
    pub ip_address_type: Option<String>,
    /// `HTTP:PORT` or `HTTPS:PORT`. Default: `HTTP:80`, and `HTTPS:443`
    /// when every Region gives the ALB a certificate.
    pub listeners: Option<Vec<String>>,
}

/// Raised account quotas. Target groups per ALB (100) cannot be raised.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawQuotas {
    /// Rules per Application Load Balancer (excluding default rules). Default: 100.
    pub rules_per_alb: Option<Scalar<u32>>,
    /// Certificates per Application Load Balancer (excluding default certificates). Default: 25.
    pub certificates_per_alb: Option<Scalar<u32>>,
    /// Application Load Balancers per Region. Default: 50.
    pub albs_per_region: Option<Scalar<u32>>,
    /// Target Groups per Region (shared with Network Load Balancers). Default: 3000.
    pub target_groups_per_region: Option<Scalar<u32>>,
    /// Targets per Application Load Balancer (its pods, once per target
    /// group, with IP targets). Default: 1000.
    pub targets_per_alb: Option<Scalar<u32>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRegion {
    #[schemars(required)]
    pub name: Option<String>,
    /// The Region's EKS cluster (or `clusters`).
    pub cluster: Option<String>,
    /// Several EKS clusters sharing the Region's traffic by weight, for a
    /// blue/green cluster upgrade, instead of `cluster` and its ALB fields
    /// (docs/spec.md, "Two clusters in a Region").
    pub clusters: Option<Vec<RawRegionCluster>>,
    pub alb_dns_name: Option<String>,
    pub alb_zone_id: Option<String>,
    /// ACM certificate (in this Region) for an HTTPS:443 listener on the ALB.
    pub certificate_arn: Option<String>,
    /// kubeconfig context of the cluster (default: found by the cluster's name).
    pub kube_context: Option<String>,
    /// The account (of `accounts`) of this Region's cluster and ALBs.
    /// Default: `dns.account`, else the credentials' own.
    pub account: Option<String>,
    /// What applies gen's directories on the cluster: `flux` (Kustomizations
    /// in clusters/<cluster>/gen-kustomizations.yaml) or `argocd`
    /// (Applications in clusters/<cluster>/gen-applications.yaml). Default: `flux`.
    pub gitops: Option<String>,
    /// Per ALB of `ingress.albs`, by name: its DNS name and certificates here.
    pub albs: Option<BTreeMap<String, RawRegionAlb>>,
}

/// One of a Region's several clusters.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRegionCluster {
    #[schemars(required)]
    pub name: Option<String>,
    /// Its share of the Region's traffic (0 to 255; 0 takes traffic only
    /// when every other cluster of the Region is unhealthy).
    #[schemars(required)]
    pub weight: Option<Scalar<u8>>,
    /// Its shared ALB's DNS name (with one shared ALB).
    pub alb_dns_name: Option<String>,
    /// Per ALB of `ingress.albs`, by name: its DNS name here.
    pub albs: Option<BTreeMap<String, RawRegionAlb>>,
    pub kube_context: Option<String>,
    /// `flux` or `argocd`. Default: `flux`.
    pub gitops: Option<String>,
}

/// One ALB in one Region.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRegionAlb {
    /// The ALB's DNS name (default: from `gen.lock`, or a stack parameter).
    pub dns_name: Option<String>,
    /// ACM certificates (in this Region) for its HTTPS listener; the first is the default.
    pub certificate_arns: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawHealthCheck {
    pub protocol: Option<String>,
    pub port: Option<Scalar<u16>>,
    pub interval: Option<Scalar<u32>>,
    pub failure_threshold: Option<Scalar<u32>>,
    pub measure_latency: Option<Scalar<bool>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawFlux {
    /// Flux `GitRepository` the Kustomizations read from. Default: `flux-system`.
    pub source: Option<String>,
    /// Namespace of the Flux objects. Default: `flux-system`.
    pub namespace: Option<String>,
    /// Reconcile interval, a Go duration. Default: `10m`.
    pub interval: Option<String>,
}

/// Argo CD's Applications, one per directory gen renders for a cluster
/// (docs/spec.md, "Argo CD"): the same directories Flux would apply.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawArgoCd {
    /// Namespace of the Applications: the one Argo CD watches. Default: `argocd`.
    pub namespace: Option<String>,
    /// The AppProject of the Applications. Default: `default`.
    pub project: Option<String>,
    /// The repository Argo CD reads (`spec.source.repoURL`). Default:
    /// `rollout.source.url`; required without a rollout.
    pub repo_url: Option<String>,
    /// The revision Argo CD follows without a rollout (`targetRevision`).
    /// With a rollout, each Region follows its rollout branch. Default: `HEAD`.
    pub target_revision: Option<String>,
    /// The cluster Argo CD deploys to, by its registered name
    /// (`spec.destination.name`): `in-cluster` is a self-managed Argo CD's
    /// own cluster; EKS's managed Argo CD registers none, so register the
    /// cluster under this name. Default: `in-cluster`.
    pub destination: Option<String>,
}

#[derive(Debug, Default, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawApp {
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<Scalar<u16>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Scalar<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<BTreeMap<String, String>>,
    /// Environment variables from the pod's own fields (the downward API),
    /// e.g. `{MY_NODENAME: spec.nodeName}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_env: Option<BTreeMap<String, String>>,
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<RawHealth>,
    /// `latency`, `{weighted: {REGION: WEIGHT}}` or `{failover: {primary: REGION}}`.
    /// Kept as YAML so `validate` can say exactly what is wrong with it.
    #[schemars(schema_with = "routing_schema")]
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<serde_yaml::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluate_target_health: Option<Scalar<bool>>,
    /// Recovery time objective, seconds: a warning when the health-check
    /// settings cannot fail over this fast.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto: Option<Scalar<u32>>,
    /// CloudFormation stack group; apps with the same value share a stack.
    /// Default: the app's own name (one stack per app).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// The shared ALB (of `ingress.albs`) that carries the app. Default:
    /// `ingress.defaultAlb`. Moving an app is a change of this field only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alb: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<RawResources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<RawSecurity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rbac: Option<RawRbac>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<BTreeMap<String, RawRegionOverride>>,
    /// The database (of `databases`) the app keeps its state in: a Region
    /// switch promotes it before it moves the app's traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The types of its records: `A`, and `AAAA` (IPv6) on a dual-stack
    /// ALB. Default: `[A, AAAA]` on a dual-stack ALB, else `[A]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_types: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawHealth {
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<Scalar<u16>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Scalar<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<Scalar<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure_latency: Option<Scalar<bool>>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawResources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<RawQuantities>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<RawQuantities>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawQuantities {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawSecurity {
    /// false: run as the image's own user (which may be root), as the
    /// image's own manifests do; default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_non_root: Option<Scalar<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<Scalar<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_root_filesystem: Option<Scalar<bool>>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRbac {
    /// `namespace` (Role) or `cluster` (ClusterRole).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<RawRule>>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_groups: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbs: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct RawRegionOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Scalar<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// Parse spec text. `file` is the name used in messages.
pub fn load<'a>(text: &'a str, file: &str) -> Result<Loaded<'a>, Vec<Diagnostic>> {
    load_with(text, file, &AppCache::default(), false).map(|(loaded, _)| loaded)
}

/// As `load`, taking the apps whose text is unchanged from `cache`, and
/// with `keep`, what the next load can take (`chunks`).
pub fn load_with<'a>(
    text: &'a str,
    file: &str,
    cache: &AppCache<'_>,
    keep: bool,
) -> Result<(Loaded<'a>, Option<Kept>), Vec<Diagnostic>> {
    // Editors on some systems save a byte-order mark; it is not part of the YAML.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some((raw, ignored, kept)) = chunks::read(text, MAX_NESTING, cache, keep) {
        let loaded = Loaded {
            raw,
            lines: LineMap::new(text),
            problems: unknown_fields(ignored),
        };
        return Ok((loaded, keep.then_some(kept)));
    }
    load_whole(text, file).map(|loaded| (loaded, None))
}

/// The whole text in one reading.
pub(super) fn load_whole<'a>(text: &'a str, file: &str) -> Result<Loaded<'a>, Vec<Diagnostic>> {
    // One pass of the YAML parser, straight into the raw types (de.rs).
    let mut reader = de::Reader::new(text, MAX_NESTING);
    let read = reader.document(|r| Option::<RawSpec>::deserialize(r));
    // Line breaks to libyaml (and YAML 1.1 tools), ordinary characters to
    // yaml-rust2 and to most editors: outside a quoted string, text that
    // looks like a comment could be read as a field elsewhere. Refused, with
    // the line an editor shows. (Inside quotes they are the string's
    // characters.)
    // A text the parser refused part way is refused for them too: libyaml
    // would have read other lines.
    let odd = lines::odd_breaks(text);
    let refused = matches!(&read, Err(e) if e.kind == de::Kind::Syntax);
    if (odd > reader.quoted_breaks || (odd > 0 && refused))
        && let Some((n, c)) = text.lines().enumerate().find_map(|(n, l)| {
            l.chars()
                .find(|c| lines::is_odd_break(*c))
                .map(|c| (n + 1, c))
        })
    {
        return Err(vec![
            Diagnostic::new(
                "",
                format!(
                    "the character U+{:04X} is a line break to some YAML parsers and not to others",
                    c as u32
                ),
            )
            .hint("remove it, or write a plain line break; inside a quoted string it is kept as it is")
            .at(n),
        ]);
    }
    let (raw, more) = match read {
        Ok(read) => read,
        Err(err) => return Err(vec![read_error(err, &mut reader, file)]),
    };
    let Some(Some(raw)) = raw else {
        return Err(vec![Diagnostic::new("", "the spec is empty").hint(
            "start from the example: `version: 1`, `name`, `dns.zone`, `regions`, `apps`",
        )]);
    };
    if more {
        return Err(vec![
            Diagnostic::new("", format!("{file} holds more than one YAML document")).hint(
                "a spec is a single document: remove the `---` separators and merge the parts",
            ),
        ]);
    }
    let mut problems = unknown_fields(std::mem::take(&mut reader.ignored));
    // serde drops tags silently; a spec is plain data, so say so.
    for (path, tag, line) in &reader.tags {
        problems.push(
            Diagnostic::new(path, format!("YAML tag `{tag}` is not allowed"))
                .hint(
                    "a spec is plain data: remove the tag (quote the value if it starts with `!`)",
                )
                .at(*line),
        );
    }
    Ok(Loaded {
        raw,
        lines: LineMap::new(text),
        problems,
    })
}

/// Keys a struct had no field for (the map's path, the key), as warnings.
pub(super) fn unknown_fields(ignored: Vec<(String, String)>) -> Vec<Diagnostic> {
    ignored
        .into_iter()
        .map(|(path, field)| {
            let allowed = introspect::allowed_fields(&path);
            let full = if path.is_empty() {
                field.clone()
            } else {
                format!("{path}.{field}")
            };
            let mut d = Diagnostic::new(&full, format!("unknown field `{field}`"));
            if let Some(allowed) = allowed {
                d = d.hint(format!("allowed here: {}", allowed.join(", ")));
            }
            d
        })
        .collect()
}

/// Why the reader stopped, as a diagnostic.
fn read_error(err: de::Error, reader: &mut de::Reader<'_>, file: &str) -> Diagnostic {
    match err.kind {
        de::Kind::Deep => {
            // The whole text's depth, for the message (past the parser's
            // own limit of 255 flow levels, it stops counting).
            let depth = match reader.drain() {
                Ok(depth) => depth.to_string(),
                Err(()) => "over 255".to_string(),
            };
            Diagnostic::new(
                "",
                format!("{file} nests maps and lists {depth} levels deep"),
            )
            .hint(format!(
                "a spec needs at most a few levels; gen reads up to {MAX_NESTING}"
            ))
        }
        // What libyaml (and YAML 1.1 tools) read and yaml-rust2 refuses (a
        // tab after `:` or in indentation, `#` right after a value, a flow
        // collection continued left of its key): ask for the common form.
        de::Kind::Syntax
            if [
                "valid YAML whitespace",
                "tab",
                "comments must be separated",
                "indentation in flow construct",
            ]
            .iter()
            .any(|w| err.message.contains(w)) =>
        {
            let mut d = Diagnostic::new("", format!("YAML that YAML parsers read differently: {}", err.message))
                .hint("use spaces, not tabs, after `:` and in indentation, a space before a `#` comment, and indent a flow collection's continued lines under its key");
            d.line = err.line;
            d
        }
        de::Kind::Syntax | de::Kind::Data => {
            let mut d = Diagnostic::new(err.path.as_deref().unwrap_or(""), err.message).hint(
                format!(
                    "{file} must be YAML matching the spec reference in docs/spec.md (`gen validate` checks it)"
                ),
            );
            d.line = err.line;
            d
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every default of the table reaches the schema, at its own field.
    #[test]
    fn the_schema_shows_every_default_of_the_table() {
        let mut schema = json_schema().to_value();
        for (field, value) in defaults::TABLE {
            let property = property_mut(&mut schema, field)
                .unwrap_or_else(|| panic!("{field} is not a field of the schema"));
            assert_eq!(property.get("default"), Some(&value.to_json()), "{field}");
        }
        assert!(property_mut(&mut schema, "apps[].nosuch").is_none());
        assert_eq!(
            schema.pointer("/properties/healthCheck/anyOf/0/properties/interval/default"),
            Some(&serde_json::json!(30))
        );
    }

    /// Broken YAML is named as such, with its line; only what YAML 1.1
    /// readers take otherwise gets the advice on tabs and comments.
    #[test]
    fn broken_yaml_and_yaml_read_apart_are_told_apart() {
        let err = load("version: 1\napps: [a, b\nname: x\n", "gen.yaml").unwrap_err();
        assert!(!err[0].message.contains("read differently"), "{err:?}");
        assert!(err[0].line.is_some());
        let err = load("version: 1\nname:\tdemo\n", "gen.yaml").unwrap_err();
        assert!(err[0].message.contains("read differently"), "{err:?}");
        assert_eq!(err[0].line, Some(2));
    }

    /// An escaped separator in quotes is not a raw one: it cannot hide the
    /// raw one in a block scalar, which libyaml would read as a line break.
    #[test]
    fn an_escape_in_quotes_does_not_hide_a_raw_separator_elsewhere() {
        let text = "version: 1\nname: \"x\\L\"\nnamespace: |\n  y\u{2028}  z\n";
        let err = load(text, "gen.yaml").unwrap_err();
        assert!(err[0].message.contains("U+2028"), "{err:?}");
        assert_eq!(err[0].line, Some(4));
        // Raw in single quotes, it is the string's.
        let text = "version: 1\nname: 'x\u{2028}y'\n";
        assert_eq!(
            load(text, "gen.yaml").unwrap().raw.name.as_deref(),
            Some("x\u{2028}y")
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_spec() {
        let loaded = load("\u{feff}version: 1\nname: demo\nfoo: 1\n", "gen.yaml").unwrap();
        assert_eq!(loaded.raw.name.as_deref(), Some("demo"));
        assert_eq!(loaded.problems.len(), 1, "{:?}", loaded.problems);
        assert_eq!(loaded.problems[0].path, "foo");
    }

    #[test]
    fn unknown_fields_name_their_path_and_what_is_allowed() {
        let loaded = load("apps:\n  - name: a\n    helth: {path: /x}\n", "gen.yaml").unwrap();
        let d = &loaded.problems[0];
        assert_eq!(d.path, "apps[0].helth");
        assert!(d.hint.as_deref().unwrap_or("").contains("health"), "{d:?}");
    }

    #[test]
    fn wrong_types_are_kept_for_validate() {
        let loaded = load(
            "version: 1\napps:\n  - port: eighty\n    replicas: 2\n",
            "gen.yaml",
        )
        .unwrap();
        let app = &loaded.raw.apps.as_ref().unwrap()[0];
        assert!(
            matches!(&app.port, Some(Scalar::Wrong(m)) if m.contains("eighty")),
            "{:?}",
            app.port
        );
        assert_eq!(app.replicas, Some(Scalar::Ok(2)));
    }

    #[test]
    fn shape_errors_carry_path_and_line() {
        let err = load("version: 1\napps:\n  - health: [a]\n", "gen.yaml").unwrap_err();
        assert_eq!(err[0].path, "apps[0].health");
        assert_eq!(err[0].line, Some(3));
    }

    #[test]
    fn duplicate_keys_are_errors_even_in_free_form_maps() {
        let err = load("apps:\n  - env: {A: one, A: two}\n", "gen.yaml").unwrap_err();
        assert!(err[0].message.contains("duplicate"), "{err:?}");
        assert_eq!(err[0].line, Some(2));
    }
}
