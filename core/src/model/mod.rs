//! `model`: every decision, as a plan. From a validated [`Spec`] it decides
//! which files exist and where (`layout`), what each Kubernetes object holds
//! (merged env, replicas, rules), which CloudFormation stack each app's
//! Route 53 resources live in, their logical IDs, and which values are still
//! unresolved. `render` turns the plan into text without deciding anything.
//!
//! This module does no IO and knows no template syntax.

pub mod arc;
pub mod databases;
pub mod rollout;
pub mod switch;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::facts::quotas::STACK_OUTPUTS;
use crate::layout::{self, pascal};
use crate::spec::checked::{
    Api, App, ArgoCd, Controller, GeoLocation, GitOps, IpAddressType, Listener, Protocol, Region,
    RegionCluster, Routing, Scheme, Spec,
};

#[derive(Debug, Serialize, Hash)]
pub struct Plan {
    pub name: String,
    pub namespace: String,
    pub ingress: IngressPlan,
    pub flux: FluxPlan,
    pub clusters: Vec<ClusterPlan>,
    pub stacks: Vec<StackPlan>,
    pub arc: Option<arc::ArcPlan>,
    /// ARC Region switch: its plans, role and access entries, when on.
    pub region_switch: Option<switch::SwitchPlan>,
    /// `gen rollout`'s waves, when the spec has a `rollout` section.
    pub rollout: Option<rollout::RolloutPlan>,
    /// Every file `gen` will write, in path order.
    #[serde(skip)]
    pub files: Vec<FilePlan>,
    /// Values the templates take as parameters because the spec lacks them.
    pub unresolved: Vec<Unresolved>,
    /// The hosted zone's ID is known neither from the spec nor from
    /// `gen.lock`: the DNS stacks take it as the `HostedZoneId` parameter,
    /// and `gen deploy` refuses until it is known.
    pub zone_unresolved: bool,
    /// The account (by the spec's name) of the zone, the checks, ARC, the
    /// alarms and the Region switch plans: every stack but a Region's
    /// access entries. None: the credentials' own.
    pub dns_account: Option<String>,
    /// The spec's accounts, for the commands that reach them.
    pub accounts: Vec<crate::spec::checked::Account>,
}

impl Plan {
    /// How many CloudFormation stacks the plan deploys in each Region: the
    /// DNS stacks, their alarm stacks, the ARC stack, Region switch's.
    pub fn stacks_by_region(&self) -> BTreeMap<&str, usize> {
        let mut out: BTreeMap<&str, usize> = BTreeMap::new();
        let regions = self
            .stacks
            .iter()
            .map(|s| s.region.as_str())
            .chain(
                self.rollout
                    .iter()
                    .flat_map(|r| r.alarm_stacks.iter().map(|a| a.region.as_str())),
            )
            .chain(self.arc.iter().map(|a| a.home_region))
            .chain(self.region_switch.iter().flat_map(|sw| {
                [sw.region.as_str(), sw.region.as_str()]
                    .into_iter()
                    .chain(sw.access.iter().map(|x| x.region.as_str()))
            }));
        for r in regions {
            *out.entry(r).or_default() += 1;
        }
        out
    }

    /// The stack and entry of `app`'s record in `region`, if it has one there.
    pub fn entry(&self, app: &str, region: &str) -> Option<(&StackPlan, &Entry)> {
        self.stacks.iter().find_map(|s| {
            s.entries
                .iter()
                .find(|e| e.record.app == app && e.record.region == region)
                .map(|e| (s, e))
        })
    }
}

#[derive(Debug, Serialize, Hash)]
pub struct IngressPlan {
    /// apiVersion of IngressClassParams.
    pub params_api_version: &'static str,
    pub params_api_group: &'static str,
    pub controller: &'static str,
    pub target_type: TargetType,
    /// Label the namespace for the self-managed controller's pod readiness
    /// gate, so a rollout keeps an old pod until its successor is healthy in
    /// the target group. EKS Auto Mode documents no such gate.
    pub readiness_gate: bool,
    /// One IngressClass per scheme the ALBs use: IngressClassParams sets
    /// the scheme of every Ingress of its class.
    pub classes: Vec<ClassPlan>,
    /// The shared ALBs, in spec order: each is its own Ingress (its own
    /// load balancer) in every Region. No Ingress sets
    /// `alb.ingress.kubernetes.io/group.name` (the controller's "Ingress
    /// annotations" page: default none), so none is merged into another's
    /// load balancer; each names its own (`load-balancer-name`).
    pub albs: Vec<AlbPlan>,
    /// The account quotas the ALBs must fit (`limits` checks, `explain` shows).
    pub quotas: crate::spec::checked::Quotas,
    /// Declared as `ingress.albs` (the spec names each ALB's fields by its
    /// name), or the one ALB of `ingress.albName`.
    pub grouped: bool,
    /// The GatewayClass of every Gateway, when any cluster has one.
    pub gateway_class: Option<GatewayClassPlan>,
}

/// The GatewayClass and the parameter objects of the chosen controller.
#[derive(Debug, Serialize, Hash)]
pub struct GatewayClassPlan {
    pub name: String,
    /// The controller's names: documented for the self-managed controller,
    /// read from the clusters for EKS Auto Mode's. None: Auto Mode's, not
    /// yet in `gen.lock`, and `render` refuses rather than guess them.
    pub controller: Option<GatewayControllerPlan>,
}

#[derive(Debug, Serialize, Hash)]
pub struct GatewayControllerPlan {
    /// `spec.controllerName`.
    pub name: String,
    /// apiVersion of LoadBalancerConfiguration and TargetGroupConfiguration.
    pub params_api_version: String,
    pub params_group: String,
}

/// An ALB made by a Gateway: what is the same in every Region.
#[derive(Debug, Serialize, Hash)]
pub struct GatewayAlb {
    /// The load balancer's name (`layout::gateway_lb_name`).
    pub lb_name: String,
    pub listeners: Vec<GatewayListener>,
    /// `HTTPS:PORT` of each HTTPS listener: each gets the certificates.
    pub tls_listeners: Vec<String>,
    /// The inbound CIDRs (`sourceRanges`); empty: anywhere.
    pub source_ranges: Vec<String>,
}

#[derive(Debug, Serialize, Hash)]
pub struct GatewayListener {
    /// `http-80`, `https-443`: the Gateway listener's name.
    pub name: String,
    pub protocol: Protocol,
    pub port: u16,
}

#[derive(Debug, Serialize, Hash)]
pub struct ClassPlan {
    pub name: String,
    pub scheme: Scheme,
    /// `dualstack`, rendered as IngressClassParams' `ipAddressType`;
    /// None: IPv4, the controllers' default.
    pub dualstack: Option<&'static str>,
}

#[derive(Debug, Serialize, Hash)]
pub struct AlbPlan {
    /// The load balancer's name, and its Ingress's.
    pub name: String,
    pub class_name: String,
    pub scheme: Scheme,
    /// `dualstack` when it takes IPv6 too (the `ip-address-type`
    /// annotation, LoadBalancerConfiguration's `ipAddressType`).
    pub dualstack: Option<&'static str>,
    /// The `inbound-cidrs` annotation's value, when restricted.
    pub inbound_cidrs: Option<String>,
    /// The `listen-ports` annotation, unless the controller's default
    /// (HTTP:80) is the only listener.
    pub listen_ports: Option<String>,
    /// Listeners, each carrying every rule of the ALB.
    pub listeners: usize,
    /// Its apps, in spec order.
    pub apps: Vec<String>,
    /// The Flux Kustomization that applies its Ingress in every cluster.
    pub kustomization: String,
    /// What makes it: an Ingress or a Gateway.
    pub api: Api,
    pub gateway: GatewayAlb,
}

#[derive(Debug, Serialize, Hash)]
pub struct FluxPlan {
    /// The `GitRepository` gen's Kustomizations read from: the spec's
    /// `flux.source`, or with a rollout the one gen renders per cluster.
    pub source: String,
    pub namespace: String,
    pub interval: String,
}

#[derive(Debug, Serialize, Hash)]
pub struct ClusterPlan {
    pub region: String,
    pub cluster: String,
    pub workloads: Vec<Workload>,
    /// One per ALB that carries apps, in the order of `plan.ingress.albs`.
    pub ingresses: Vec<AlbIngress>,
    /// Flux Kustomizations for this cluster.
    pub kustomizations: Vec<FluxKustomization>,
    /// With a rollout: the `GitRepository` that follows this Region's
    /// branch, rendered beside the Kustomizations (Flux only).
    pub source: Option<GitSource>,
    /// What applies the directories: Flux's Kustomizations, or Argo CD's
    /// Applications of the same names, paths and order (`kustomizations`).
    pub gitops: GitOps,
    /// The Applications, when `gitops` is Argo CD.
    pub argocd: Option<ArgoPlan>,
    /// The account (by the spec's name) of the cluster and its ALBs; None:
    /// the credentials' own.
    pub account: Option<String>,
    /// Its kubeconfig context, when the spec names one.
    pub kube_context: Option<String>,
}

/// A cluster's Argo CD Applications: one per directory, as Flux's
/// Kustomizations, in the namespace Argo CD watches.
#[derive(Debug, Serialize, Hash)]
pub struct ArgoPlan {
    pub namespace: String,
    pub project: String,
    /// `spec.destination.name`: the cluster as Argo CD has it registered.
    pub destination: String,
    pub repo_url: String,
    /// The spec's revision, or with a rollout the Region's branch, which
    /// `gen rollout` moves.
    pub target_revision: String,
    pub applications: Vec<ArgoApplication>,
}

/// One Application: a directory, and its sync wave, which orders it after
/// the directories its Flux twin depends on (`dependsOn`).
#[derive(Debug, Serialize, Hash)]
pub struct ArgoApplication {
    pub name: String,
    /// From the repository's root, without Flux's `./`.
    pub path: String,
    pub wave: String,
}

/// A Flux `GitRepository` gen renders: a rollout branch of the repository.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct GitSource {
    pub name: String,
    pub url: String,
    pub branch: String,
    pub secret_ref: String,
}

/// One ALB's Ingress in one cluster.
#[derive(Debug, Serialize, Hash)]
pub struct AlbIngress {
    /// Index into `plan.ingress.albs`.
    pub alb: usize,
    /// The `certificate-arn` annotation (the first is the default).
    pub certificate_arns: Option<String>,
    /// Host rules of the ALB's apps, in spec order.
    pub host_rules: Vec<Route>,
    /// The host-less rule: each app's health path, so a Route 53 check aimed
    /// at the ALB's own DNS name reaches that app.
    pub health_routes: Vec<Route>,
    /// Certificates beside the default one (the quota counts these).
    pub extra_certificates: usize,
    /// What the ALB's directory holds in this cluster: the object of its
    /// `api`, and while it moves from the other API (`RegionAlb::kept`)
    /// the old one too, so the old load balancer serves until the records
    /// have left it. In file order (Ingress, Gateway).
    pub objects: Vec<Api>,
    /// Under a Gateway: the default certificate and the others, as the
    /// LoadBalancerConfiguration lists them per HTTPS listener.
    pub default_certificate: Option<String>,
    pub other_certificates: Vec<String>,
    /// Under a Gateway: the host-less HTTPRoutes, each at most
    /// [`HTTPROUTE_RULES`] health rules.
    pub health_route_groups: Vec<HealthRouteGroup>,
}

pub use crate::layout::HTTPROUTE_RULES;

#[derive(Debug, Serialize, Hash)]
pub struct HealthRouteGroup {
    pub name: String,
    pub routes: Vec<Route>,
}

impl AlbIngress {
    /// Listener rules the controller creates: one per path, on every listener.
    pub fn rules(&self, alb: &AlbPlan) -> usize {
        (self.host_rules.len() + self.health_routes.len()) * alb.listeners
    }

    /// Under a Gateway, its HTTPRoutes by name, each with whether it is an
    /// app's own (named after the app) or a host-less health route.
    pub fn http_routes(&self) -> impl Iterator<Item = (&str, bool)> {
        self.host_rules
            .iter()
            .map(|r| (r.service.as_str(), true))
            .chain(
                self.health_route_groups
                    .iter()
                    .map(|g| (g.name.as_str(), false)),
            )
    }

    /// Target groups the load balancer of `api` gets. An Ingress: one per
    /// Service and port its rules reach. A Gateway: one per route and
    /// backend, since the controller keys each by the Gateway, the backend
    /// Service, the route and the port (`buildTargetGroupResourceID` in the
    /// load balancer controller's `pkg/gateway/model/model_build_target_group.go`):
    /// an app is the backend of its own HTTPRoute and of a health route, so
    /// it takes two.
    pub fn target_groups(&self, api: Api) -> usize {
        self.target_group_services(api).len()
    }

    /// The Service of each target group the object's load balancer has
    /// (see `target_groups`): with IP targets, its pods are that group's
    /// targets.
    pub fn target_group_services(&self, api: Api) -> Vec<&str> {
        fn distinct<'a>(routes: impl Iterator<Item = &'a Route>) -> Vec<&'a str> {
            let mut backends: Vec<(&str, u16)> =
                routes.map(|r| (r.service.as_str(), r.port)).collect();
            backends.sort_unstable();
            backends.dedup();
            backends.into_iter().map(|(s, _)| s).collect()
        }
        match api {
            Api::Ingress => distinct(self.host_rules.iter().chain(&self.health_routes)),
            Api::Gateway => {
                // Each app's own HTTPRoute has its one backend.
                let mut out = distinct(self.host_rules.iter());
                for g in &self.health_route_groups {
                    out.extend(distinct(g.routes.iter()));
                }
                out
            }
        }
    }
}

/// An HTTPRoute path match's type (Gateway API v1 `PathMatchType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
pub enum PathMatch {
    PathPrefix,
    Exact,
}

/// An Ingress path's match, as Kubernetes spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
pub enum PathType {
    Prefix,
    Exact,
}

/// A failover record's role, as Route 53 spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum FailoverRole {
    Primary,
    Secondary,
}

impl FailoverRole {
    /// As `gen plan` and `gen simulate` say it.
    pub fn word(self) -> &'static str {
        match self {
            FailoverRole::Primary => "primary",
            FailoverRole::Secondary => "secondary",
        }
    }
}

/// The kubelet's image pull policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
pub enum PullPolicy {
    /// Tags move (`:latest`, a rebuilt `:1.2`): every pod start asks the
    /// registry, so a Region never runs a stale image after a rollout.
    Always,
}

/// How the ALB reaches pods: `ip` registers pod IPs directly (what EKS
/// Auto Mode and the controller's readiness gate need).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum TargetType {
    Ip,
}

/// An HTTP probe's timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
pub struct Probe {
    pub period_s: u32,
    /// None: Kubernetes' default (3).
    pub failure_threshold: Option<u32>,
}

/// Readiness follows the health path quickly, so a failing pod leaves the
/// Service before Route 53 sees it; liveness restarts a pod only after two
/// minutes of failures, so a slow dependency does not become a restart loop.
const READINESS: Probe = Probe {
    period_s: 10,
    failure_threshold: None,
};
const LIVENESS: Probe = Probe {
    period_s: 20,
    failure_threshold: Some(6),
};

#[derive(Debug, Clone, Serialize, Hash)]
pub struct Route {
    pub host: String,
    pub path: String,
    pub path_type: PathType,
    /// The same match as an HTTPRoute spells it.
    pub path_match: PathMatch,
    pub service: String,
    pub port: u16,
}

#[derive(Debug, Serialize, Hash)]
pub struct FluxKustomization {
    pub name: String,
    pub path: String,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Serialize, Hash)]
pub struct EnvVar {
    pub name: String,
    /// A literal value, or else a pod field (downward API).
    pub value: Option<String>,
    pub field_path: Option<String>,
}

#[derive(Debug, Serialize, Hash)]
pub struct Workload {
    pub app: String,
    pub image: String,
    pub replicas: u32,
    pub port: u16,
    pub env: Vec<EnvVar>,
    pub health_path: String,
    pub cpu_request: String,
    pub memory_request: String,
    pub cpu_limit: String,
    pub memory_limit: String,
    /// None: the image's own user.
    pub run_as_user: Option<u32>,
    /// The user's own group, so files the app writes are not root's.
    pub run_as_group: Option<u32>,
    pub read_only_root_filesystem: bool,
    /// A writable `/tmp` (an emptyDir) under a read-only root filesystem.
    pub tmp_volume: bool,
    pub image_pull_policy: PullPolicy,
    pub readiness_probe: Probe,
    pub liveness_probe: Probe,
    /// Ports below 1024 need the unprivileged-port sysctl for a non-root user.
    pub low_port: bool,
    pub automount_token: bool,
    pub rbac: Option<RbacPlan>,
    /// Where the spec opted out of a secure default: the policy checks
    /// (checkov) that would flag it, annotated with the spec's reason.
    pub policy_exceptions: Vec<Annotation>,
}

#[derive(Debug, Serialize, Hash)]
pub struct Annotation {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Serialize, Hash)]
pub struct RbacPlan {
    pub role_kind: RoleKind,
    pub binding_kind: BindingKind,
    /// None for cluster-scoped roles.
    pub namespace: Option<String>,
    pub name: String,
    pub rules: Vec<RulePlan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
pub enum BindingKind {
    RoleBinding,
    ClusterRoleBinding,
}

#[derive(Debug, Serialize, Hash)]
pub struct RulePlan {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}

/// A value in a template: a literal, or a reference to a template
/// parameter. A template reads `{literal: ..}` or `{param: ..}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    Literal(String),
    /// The parameter's name.
    Param(String),
}

impl Value {
    pub fn literal(&self) -> Option<&str> {
        match self {
            Value::Literal(s) => Some(s),
            Value::Param(_) => None,
        }
    }

    /// The value inside an `Fn::Sub` string: the literal, or `${Param}`.
    pub fn in_sub(&self) -> String {
        match self {
            Value::Literal(s) => s.clone(),
            Value::Param(p) => format!("${{{p}}}"),
        }
    }
}

#[derive(Debug, Serialize, Hash)]
pub struct StackPlan {
    /// CloudFormation stack name.
    pub name: String,
    /// The Region to deploy it in.
    pub region: String,
    pub group: String,
    /// Bounded in length (CloudFormation allows 1,024 characters).
    pub description: String,
    pub apps: Vec<String>,
    pub parameters: Vec<Parameter>,
    /// Values another stack's outputs give this one, passed by `gen deploy`
    /// as parameters (never `Fn::ImportValue`: an export in use could then
    /// never change, and ARC's replace-only fields change it).
    pub inputs: Vec<StackInput>,
    /// The hosted zone, always by ID (a literal, or the `HostedZoneId`
    /// parameter): `HostedZoneName` is ambiguous when a private zone shares
    /// the name, and switching later replaces every record.
    pub zone: Value,
    /// Per app and Region: its health check and its record.
    pub entries: Vec<Entry>,
    /// Per host: one `AWS::Route53::RecordSetGroup` holding all its records,
    /// so a change of policy or of failover roles is one Route 53 batch.
    pub record_groups: Vec<RecordGroup>,
    /// Each check's ID (`gen status` reads them, and with a rollout each
    /// alarm in us-east-1 takes its check's); none in a group with more
    /// checks than a template has outputs for.
    pub outputs: Vec<StackOutput>,
}

/// An output of a stack: the ID of resource `logical_id`.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct StackOutput {
    pub name: String,
    pub logical_id: String,
}

impl StackPlan {
    pub fn resource_count(&self) -> usize {
        self.entries
            .iter()
            .map(|e| 1 + usize::from(e.combined.is_some()) + e.members.len())
            .sum::<usize>()
            + self.record_groups.len()
    }
}

/// One parameter of this stack that `gen deploy` fills from an output of
/// another stack (deployed before it).
#[derive(Debug, Clone, Serialize, Hash)]
pub struct StackInput {
    pub parameter: String,
    pub stack: String,
    pub output: String,
    /// The output is a Region switch plan's ARN, and the value is the ID of
    /// the health check that plan made for this record in this Region
    /// (`gen deploy` asks Region switch: ListRoute53HealthChecks).
    pub health_check: Option<SwitchCheckRef>,
}

#[derive(Debug, Clone, Serialize, Hash)]
pub struct SwitchCheckRef {
    /// The record's name, with its final dot.
    pub record: String,
    pub region: String,
}

#[derive(Debug, Serialize, Hash)]
pub struct RecordGroup {
    /// `Records<App>`: a stability boundary like the health checks' IDs.
    pub logical_id: String,
    pub app: String,
    pub comment: String,
    /// Indexes into [`StackPlan::entries`], in Region order.
    pub entries: Vec<usize>,
}

#[derive(Debug, Serialize, Hash)]
pub struct Entry {
    /// The app's check in the Region: its endpoint check, or with several
    /// clusters a CALCULATED check healthy while one cluster's is.
    pub health_check: HealthCheckPlan,
    /// With several clusters in the Region: each cluster's check and its
    /// weighted record, under the name the Region's record aliases.
    pub members: Vec<Member>,
    /// With ARC: the check the record uses, healthy only while both the
    /// app's endpoint check and its routing control's check are.
    pub combined: Option<CombinedCheck>,
    pub record: RecordPlan,
}

/// One cluster of a Region with several: its check of the app, and its
/// weighted record among the Region's (`<region>.<host>`).
#[derive(Debug, Serialize, Hash)]
pub struct Member {
    pub cluster: String,
    pub health_check: HealthCheckPlan,
    pub record: RecordPlan,
}

#[derive(Debug, Serialize, Hash)]
pub struct CombinedCheck {
    pub logical_id: String,
    /// The parameters carrying the other children's IDs, passed by `gen
    /// deploy`: the routing control's health check (an output of the ARC
    /// stack), or the checks Region switch plans made for the record.
    pub params: Vec<String>,
    /// The routing control's name (with ARC).
    pub control: Option<String>,
    /// The Region switch plans whose checks gate the record (without ARC).
    pub switch_plans: Vec<String>,
    pub name_tag: String,
    /// Children that must be healthy: all of them.
    pub health_threshold: u32,
}

#[derive(Debug, Serialize, Hash)]
pub struct Parameter {
    pub name: String,
    /// A CloudFormation parameter type (`String`, or an AWS-specific type
    /// that CloudFormation checks against the account).
    pub kind: &'static str,
    pub allowed_pattern: Option<&'static str>,
    pub description: String,
}

#[derive(Debug, Serialize, Hash)]
pub struct HealthCheckPlan {
    pub logical_id: String,
    pub app: String,
    pub region: String,
    pub protocol: Protocol,
    pub fqdn: Value,
    pub port: u16,
    /// None for TCP checks.
    pub path: Option<String>,
    pub interval: u32,
    pub failure_threshold: u32,
    pub measure_latency: bool,
    pub enable_sni: bool,
    pub name_tag: String,
    /// A CALCULATED check over these checks (logical IDs), healthy while
    /// one of them is; empty for an endpoint check.
    pub children: Vec<String>,
}

#[derive(Debug, PartialEq, Serialize, Hash)]
pub struct RecordPlan {
    /// The record group (logical ID) this record belongs to.
    pub group: String,
    pub app: String,
    pub region: String,
    /// Fully qualified, with the trailing dot.
    pub name: String,
    pub set_identifier: String,
    pub weight: Option<u8>,
    pub latency_region: Option<String>,
    pub failover: Option<FailoverRole>,
    /// Geoproximity: the record's bias at its Region (`AWSRegion`).
    pub proximity: Option<i8>,
    /// The Route 53 records it is: per type (A, and AAAA beside it on a
    /// dual-stack ALB), one, or with geolocation one per location.
    pub sets: Vec<RecordSet>,
    pub health_check: String,
    pub alias_dns_name: Value,
    pub alias_zone_id: String,
    /// The alias target is a record of the zone itself (the Region's
    /// clusters' weighted records): this zone, instead of `alias_zone_id`.
    pub alias_zone: Option<Value>,
    pub evaluate_target_health: bool,
}

/// One Route 53 record of a [`RecordPlan`]: its type, set identifier and,
/// with geolocation, its location.
#[derive(Debug, Clone, PartialEq, Serialize, Hash)]
pub struct RecordSet {
    /// `A` or `AAAA`.
    pub kind: &'static str,
    pub set_identifier: String,
    pub location: Option<GeoCodes>,
}

/// A geolocation record's `GeoLocation`, as Route 53 spells it.
#[derive(Debug, Clone, PartialEq, Serialize, Hash)]
pub struct GeoCodes {
    pub continent: Option<String>,
    /// `*` for the default record.
    pub country: Option<String>,
    pub subdivision: Option<String>,
}

impl GeoCodes {
    /// As a reader says it: `EU`, `JP`, `US-CA`, `default`.
    pub fn label(&self) -> String {
        match (&self.continent, &self.country, &self.subdivision) {
            (_, Some(c), Some(s)) => format!("{c}-{s}"),
            (_, Some(c), None) if c == "*" => "default".to_string(),
            (_, Some(c), None) => c.clone(),
            (Some(c), None, _) => c.clone(),
            _ => String::new(),
        }
    }

    fn of(l: &GeoLocation) -> GeoCodes {
        let (continent, country, subdivision) = match l {
            GeoLocation::Default => (None, Some("*".to_string()), None),
            GeoLocation::Continent(c) => (Some(c.clone()), None, None),
            GeoLocation::Country(c) => (None, Some(c.clone()), None),
            GeoLocation::Subdivision(s) => (None, Some("US".to_string()), Some(s.clone())),
        };
        GeoCodes {
            continent,
            country,
            subdivision,
        }
    }
}

/// The records of one (app, Region): per type, one, or one per location.
pub fn record_sets(
    set_identifier: &str,
    types: &[&'static str],
    locations: &[GeoLocation],
) -> Vec<RecordSet> {
    let mut out = Vec::new();
    for kind in types {
        if locations.is_empty() {
            out.push(RecordSet {
                kind,
                set_identifier: set_identifier.to_string(),
                location: None,
            });
        }
        for l in locations {
            out.push(RecordSet {
                kind,
                set_identifier: cat!(set_identifier, "-", l.label()),
                location: Some(GeoCodes::of(l)),
            });
        }
    }
    out
}

#[derive(Debug, Serialize, Hash)]
pub struct Unresolved {
    pub region: String,
    /// The ALB whose DNS name is missing, and the spec field that would give it.
    pub alb: String,
    pub field: String,
    pub parameter: String,
    pub stacks: Vec<String>,
}

/// One output file and what produces it.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct FilePlan {
    pub path: String,
    pub content: Content,
}

/// What a file holds; indexes point into [`Plan::clusters`] and [`Plan::stacks`].
#[derive(Debug, Clone, Serialize, Hash)]
pub enum Content {
    Infra {
        cluster: usize,
    },
    /// The GatewayClass, in its own directory and Kustomization.
    GatewayClass,
    /// `plan.clusters[cluster].ingresses[ingress]`.
    Ingress {
        cluster: usize,
        ingress: usize,
    },
    /// The same ALB as a Gateway, its HTTPRoutes and parameter objects.
    Gateway {
        cluster: usize,
        ingress: usize,
    },
    Workload {
        cluster: usize,
        workload: usize,
    },
    Kustomize {
        resources: Vec<String>,
    },
    Flux {
        cluster: usize,
    },
    /// `plan.clusters[cluster].argocd`'s Applications.
    ArgoCd {
        cluster: usize,
    },
    Stack {
        stack: usize,
    },
    /// The ARC stack (us-west-2).
    Arc,
    /// `plan.rollout.alarm_stacks[stack]`: a DNS stack's health-check
    /// alarms, in us-east-1.
    Alarms {
        stack: usize,
    },
    /// The Region switch plans' execution role.
    SwitchRole,
    /// The Region switch plans.
    Switch,
    /// `plan.region_switch.access[access]`: a Region's EKS access entry.
    SwitchAccess {
        access: usize,
    },
}

/// `repo_prefix` is where the render root sits inside its Git repository
/// (`""` or ending in `/`): Flux resolves Kustomization paths from the
/// repository root, not from the directory `gen` renders into.
pub fn plan(spec: &Spec, repo_prefix: &str) -> Plan {
    let ing = &spec.ingress;
    // One IngressClass per scheme and address type: its IngressClassParams
    // set both for every Ingress of the class.
    let class_of = |a: &crate::spec::checked::Alb| {
        let mut name = if a.scheme == ing.scheme {
            ing.class_name.clone()
        } else {
            cat!(ing.class_name, "-", a.scheme.as_str())
        };
        if a.ip_address_type == IpAddressType::Dualstack {
            name = cat!(name, "-dualstack");
        }
        name
    };
    let dualstack = |a: &crate::spec::checked::Alb| {
        (a.ip_address_type == IpAddressType::Dualstack).then(|| a.ip_address_type.as_str())
    };
    let mut classes: Vec<ClassPlan> = Vec::new();
    for a in &ing.albs {
        let name = class_of(a);
        if !classes.iter().any(|c| c.name == name) {
            classes.push(ClassPlan {
                name,
                scheme: a.scheme,
                dualstack: dualstack(a),
            });
        }
    }
    let albs = ing
        .albs
        .iter()
        .enumerate()
        .map(|(k, a)| AlbPlan {
            name: a.name.clone(),
            class_name: class_of(a),
            scheme: a.scheme,
            dualstack: dualstack(a),
            inbound_cidrs: (!a.inbound_cidrs.is_empty()).then(|| a.inbound_cidrs.join(",")),
            listen_ports: (a.listeners
                != [Listener {
                    protocol: Protocol::Http,
                    port: 80,
                }])
            .then(|| {
                let ports: Vec<String> = a
                    .listeners
                    .iter()
                    .map(|l| format!("{{\"{}\": {}}}", l.protocol.as_str(), l.port))
                    .collect();
                cat!("[", ports.join(", "), "]")
            }),
            listeners: a.listeners.len(),
            apps: spec
                .apps
                .iter()
                .filter(|app| app.alb == k)
                .map(|app| app.name.clone())
                .collect(),
            kustomization: alb_flux_name(spec, k),
            api: a.api,
            gateway: GatewayAlb {
                lb_name: layout::gateway_lb_name(&a.name),
                listeners: a
                    .listeners
                    .iter()
                    .map(|l| GatewayListener {
                        name: format!("{}-{}", l.protocol.as_str().to_ascii_lowercase(), l.port),
                        protocol: l.protocol,
                        port: l.port,
                    })
                    .collect(),
                tls_listeners: a
                    .listeners
                    .iter()
                    .filter(|l| l.protocol == Protocol::Https)
                    .map(|l| format!("{}:{}", l.protocol.as_str(), l.port))
                    .collect(),
                source_ranges: a.inbound_cidrs.clone(),
            },
        })
        .collect();
    let ingress = IngressPlan {
        params_api_version: match ing.controller {
            Controller::EksAuto => "eks.amazonaws.com/v1",
            Controller::AwsLbc => "elbv2.k8s.aws/v1beta1",
        },
        params_api_group: match ing.controller {
            Controller::EksAuto => "eks.amazonaws.com",
            Controller::AwsLbc => "elbv2.k8s.aws",
        },
        controller: match ing.controller {
            Controller::EksAuto => "eks.amazonaws.com/alb",
            Controller::AwsLbc => "ingress.k8s.aws/alb",
        },
        target_type: TargetType::Ip,
        readiness_gate: ing.controller == Controller::AwsLbc,
        classes,
        albs,
        quotas: ing.quotas,
        grouped: ing.grouped,
        gateway_class: None,
    };
    let mut rollout = spec.rollout.as_ref().map(|r| rollout::plan(spec, r));
    let mut clusters: Vec<ClusterPlan> = spec
        .regions
        .iter()
        .flat_map(|r| {
            r.clusters
                .iter()
                .map(move |c| cluster(spec, r, c, repo_prefix))
        })
        .collect();
    for c in &mut clusters {
        let branch = rollout.as_ref().and_then(|r| r.branch_of(&c.region));
        match (c.gitops, &spec.argocd) {
            (GitOps::ArgoCd, Some(a)) => c.argocd = Some(argocd(a, rollout.as_ref(), branch, c)),
            _ => {
                c.source = rollout.as_ref().zip(branch).map(|(r, branch)| GitSource {
                    name: r.source.clone(),
                    url: r.url.clone(),
                    branch: branch.to_string(),
                    secret_ref: r.secret_ref.clone(),
                })
            }
        }
    }
    let mut ingress = ingress;
    if uses_gateway(spec) {
        ingress.gateway_class = Some(gateway_class(spec));
    }
    let arc = spec.arc.as_ref().map(|a| arc::plan(spec, a));
    let (mut stacks, unresolved) = stacks(spec, arc.as_ref());
    if let Some(r) = &mut rollout {
        r.alarm_stacks = rollout::alarms(spec, &mut stacks);
    }

    let mut files = Vec::new();
    for (ci, c) in clusters.iter().enumerate() {
        files.push(match c.gitops {
            GitOps::Flux => FilePlan {
                path: layout::flux_file(&c.cluster),
                content: Content::Flux { cluster: ci },
            },
            GitOps::ArgoCd => FilePlan {
                path: layout::argocd_file(&c.cluster),
                content: Content::ArgoCd { cluster: ci },
            },
        });
        let infra = std::iter::once((
            layout::infra_dir(&c.cluster),
            layout::INFRA_FILE,
            Content::Infra { cluster: ci },
        ));
        let gateway_class = uses_gateway(spec).then(|| {
            (
                layout::gateway_class_dir(&c.cluster),
                layout::GATEWAY_CLASS_FILE,
                Content::GatewayClass,
            )
        });
        for (dir, file, content) in infra.chain(gateway_class) {
            files.push(FilePlan {
                path: cat!(dir, "/", file),
                content,
            });
            files.push(kustomize(&dir, file));
        }
        for (ii, i) in c.ingresses.iter().enumerate() {
            let dir = alb_dir(spec, &c.cluster, i.alb);
            let mut resources = Vec::new();
            for api in &i.objects {
                let (file, content) = match api {
                    Api::Ingress => (
                        layout::INGRESS_FILE,
                        Content::Ingress {
                            cluster: ci,
                            ingress: ii,
                        },
                    ),
                    Api::Gateway => (
                        layout::GATEWAY_FILE,
                        Content::Gateway {
                            cluster: ci,
                            ingress: ii,
                        },
                    ),
                };
                files.push(FilePlan {
                    path: cat!(dir, "/", file),
                    content,
                });
                resources.push(file.to_string());
            }
            files.push(FilePlan {
                path: cat!(dir, "/", layout::KUSTOMIZATION_FILE),
                content: Content::Kustomize { resources },
            });
        }
        for (wi, w) in c.workloads.iter().enumerate() {
            let dir = layout::app_dir(&c.cluster, &w.app);
            files.push(FilePlan {
                path: cat!(dir, "/", layout::APP_FILE),
                content: Content::Workload {
                    cluster: ci,
                    workload: wi,
                },
            });
            files.push(kustomize(&dir, layout::APP_FILE));
        }
    }
    for (si, s) in stacks.iter().enumerate() {
        files.push(FilePlan {
            path: layout::stack_file(&s.name),
            content: Content::Stack { stack: si },
        });
    }
    if let Some(a) = &arc {
        files.push(FilePlan {
            path: layout::stack_file(&a.stack),
            content: Content::Arc,
        });
    }
    for (i, a) in rollout.iter().flat_map(|r| &r.alarm_stacks).enumerate() {
        files.push(FilePlan {
            path: layout::stack_file(&a.name),
            content: Content::Alarms { stack: i },
        });
    }

    let mut plan = Plan {
        name: spec.name.clone(),
        namespace: spec.namespace.clone(),
        ingress,
        flux: FluxPlan {
            source: rollout
                .as_ref()
                .map_or_else(|| spec.flux.source.clone(), |r| r.source.clone()),
            namespace: spec.flux.namespace.clone(),
            interval: spec.flux.interval.clone(),
        },
        clusters,
        stacks,
        arc,
        region_switch: None,
        rollout,
        files,
        unresolved,
        zone_unresolved: spec.zone_id.is_none(),
        dns_account: spec.dns_account.clone(),
        accounts: spec.accounts.clone(),
    };
    // Planned from the records (which apps answer where), so last.
    if let Some(rs) = &spec.region_switch {
        let sw = switch::plan(spec, rs, plan.arc.as_ref(), &plan);
        switch::gate(&spec.name, &sw, &mut plan.stacks);
        plan.files.push(FilePlan {
            path: layout::stack_file(&sw.role_stack),
            content: Content::SwitchRole,
        });
        plan.files.push(FilePlan {
            path: layout::stack_file(&sw.stack),
            content: Content::Switch,
        });
        for (i, x) in sw.access.iter().enumerate() {
            plan.files.push(FilePlan {
                path: layout::stack_file(&x.stack),
                content: Content::SwitchAccess { access: i },
            });
        }
        plan.region_switch = Some(sw);
    }
    plan.files.sort_by(|a, b| a.path.cmp(&b.path));
    plan
}

/// An ALB's directory: the one `ingress/` of a single shared ALB, or its own
/// under it, so each ALB is its own Flux Kustomization (and failure domain).
fn alb_dir(spec: &Spec, cluster: &str, alb: usize) -> String {
    if spec.ingress.grouped {
        layout::alb_dir(cluster, &spec.ingress.albs[alb].name)
    } else {
        layout::ingress_dir(cluster)
    }
}

/// An ALB's Flux Kustomization name (the single ALB keeps `<name>-ingress`).
fn alb_flux_name(spec: &Spec, alb: usize) -> String {
    if spec.ingress.grouped {
        layout::flux_name(&spec.name, &cat!("ingress-", spec.ingress.albs[alb].name))
    } else {
        layout::flux_name(&spec.name, "ingress")
    }
}

/// Whether some ALB is a Gateway in some Region: its API, or the old
/// object it keeps while it moves (`resolve`).
fn uses_gateway(spec: &Spec) -> bool {
    spec.ingress.albs.iter().any(|a| a.api == Api::Gateway)
        || spec
            .regions
            .iter()
            .flat_map(|r| &r.clusters)
            .any(|c| c.albs.iter().any(|x| x.kept == Some(Api::Gateway)))
}

/// The GatewayClass of the controller. The self-managed controller's names
/// are documented (`facts::gateway::AWS_LBC`); EKS Auto Mode's are what
/// `gen discover` read from the clusters, or none yet.
fn gateway_class(spec: &Spec) -> GatewayClassPlan {
    let controller = match spec.ingress.controller {
        Controller::AwsLbc => {
            let c = &crate::facts::gateway::AWS_LBC;
            Some(GatewayControllerPlan {
                name: c.controller_name.into(),
                params_api_version: c.params_api_version.into(),
                params_group: c.params_group.into(),
            })
        }
        Controller::EksAuto => spec
            .ingress
            .auto_gateway
            .as_ref()
            .map(|g| GatewayControllerPlan {
                name: g.controller_name.clone(),
                params_api_version: g.params_api_version.clone(),
                params_group: g
                    .params_api_version
                    .split_once('/')
                    .map_or("", |(group, _)| group)
                    .to_string(),
            }),
    };
    GatewayClassPlan {
        name: spec.ingress.class_name.clone(),
        controller,
    }
}

fn kustomize(dir: &str, file: &str) -> FilePlan {
    FilePlan {
        path: cat!(dir, "/", layout::KUSTOMIZATION_FILE),
        content: Content::Kustomize {
            resources: vec![file.to_string()],
        },
    }
}

fn cluster(spec: &Spec, r: &Region, rc: &RegionCluster, repo_prefix: &str) -> ClusterPlan {
    let (region, cluster) = (r.name.as_str(), rc.name.as_str());
    let workloads: Vec<Workload> = spec
        .apps
        .iter()
        .map(|a| workload(spec, a, region))
        .collect();
    let ingresses = (0..spec.ingress.albs.len())
        .filter(|k| spec.apps.iter().any(|a| a.alb == *k))
        .map(|k| {
            let apps = || spec.apps.iter().filter(move |a| a.alb == k);
            let certs = &rc.albs[k].certificate_arns;
            let mut objects = vec![spec.ingress.albs[k].api];
            objects.extend(rc.albs[k].kept.filter(|o| !objects.contains(o)));
            objects.sort();
            let health_routes: Vec<Route> = apps()
                .map(|a| Route {
                    host: String::new(),
                    path: a.health.path.clone(),
                    path_type: PathType::Exact,
                    path_match: PathMatch::Exact,
                    service: a.name.clone(),
                    port: a.port,
                })
                .collect();
            let alb_name = &spec.ingress.albs[k].name;
            let health_route_groups = if objects.contains(&Api::Gateway) {
                health_routes
                    .chunks(HTTPROUTE_RULES)
                    .enumerate()
                    .map(|(n, c)| HealthRouteGroup {
                        name: layout::health_route_name(alb_name, n),
                        routes: c.to_vec(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            AlbIngress {
                alb: k,
                objects,
                default_certificate: certs.first().cloned(),
                other_certificates: certs.iter().skip(1).cloned().collect(),
                health_route_groups,
                certificate_arns: (!certs.is_empty()).then(|| certs.join(",")),
                extra_certificates: certs.len().saturating_sub(1),
                host_rules: apps()
                    .map(|a| Route {
                        host: a.host.clone(),
                        path: "/".into(),
                        path_type: PathType::Prefix,
                        path_match: PathMatch::PathPrefix,
                        service: a.name.clone(),
                        port: a.port,
                    })
                    .collect(),
                // Exact, so one app's health path never shadows another's.
                health_routes,
            }
        })
        .collect::<Vec<_>>();
    let infra = layout::flux_name(&spec.name, "infra");
    let mut kustomizations = vec![FluxKustomization {
        name: infra.clone(),
        path: cat!("./", repo_prefix, layout::infra_dir(cluster)),
        depends_on: vec![],
    }];
    // The GatewayClass needs the Gateway API's CRDs: only the Gateways
    // wait for it.
    let gateway_class = uses_gateway(spec).then(|| {
        let name = layout::flux_name(&spec.name, "gateway-class");
        kustomizations.push(FluxKustomization {
            name: name.clone(),
            path: cat!("./", repo_prefix, layout::gateway_class_dir(cluster)),
            depends_on: vec![],
        });
        name
    });
    for i in &ingresses {
        let mut depends_on = vec![infra.clone()];
        if let Some(g) = gateway_class
            .as_ref()
            .filter(|_| i.objects.contains(&Api::Gateway))
        {
            depends_on.push(g.clone());
        }
        kustomizations.push(FluxKustomization {
            name: alb_flux_name(spec, i.alb),
            path: cat!("./", repo_prefix, alb_dir(spec, cluster, i.alb)),
            depends_on,
        });
    }
    for a in &spec.apps {
        kustomizations.push(FluxKustomization {
            name: layout::app_kustomization(&spec.name, &a.name),
            path: cat!("./", repo_prefix, layout::app_dir(cluster, &a.name)),
            depends_on: vec![infra.clone()],
        });
    }
    ClusterPlan {
        region: region.to_string(),
        cluster: cluster.to_string(),
        workloads,
        ingresses,
        kustomizations,
        source: None,
        gitops: rc.gitops,
        argocd: None,
        account: r.account.clone(),
        kube_context: rc.kube_context.clone(),
    }
}

/// A cluster's Applications: Flux's Kustomizations as Argo CD has them.
/// Argo CD has no `dependsOn`: a sync wave per depth orders them when
/// Argo CD assesses Applications' health (docs/spec.md, "Argo CD"), and
/// retries settle them when it does not.
fn argocd(
    a: &ArgoCd,
    rollout: Option<&rollout::RolloutPlan>,
    branch: Option<&str>,
    c: &ClusterPlan,
) -> ArgoPlan {
    let mut waves: Vec<(&str, usize)> = Vec::new();
    for k in &c.kustomizations {
        let wave = k
            .depends_on
            .iter()
            .filter_map(|d| waves.iter().find(|(n, _)| n == d).map(|(_, w)| w + 1))
            .max()
            .unwrap_or(0);
        waves.push((&k.name, wave));
    }
    ArgoPlan {
        namespace: a.namespace.clone(),
        project: a.project.clone(),
        destination: a.destination.clone(),
        repo_url: match (&a.repo_url, rollout) {
            (Some(u), _) => u.clone(),
            (None, Some(r)) => r.url.clone(),
            (None, None) => String::new(),
        },
        target_revision: branch.map_or_else(|| a.target_revision.clone(), str::to_string),
        applications: c
            .kustomizations
            .iter()
            .zip(&waves)
            .map(|(k, (_, w))| ArgoApplication {
                name: k.name.clone(),
                path: k.path.trim_start_matches("./").to_string(),
                wave: w.to_string(),
            })
            .collect(),
    }
}

fn workload(spec: &Spec, a: &App, region: &str) -> Workload {
    let o = a.overrides.get(region);
    // Sorted by name; a Region's value replaces the app's (literal or field).
    let mut env: BTreeMap<String, EnvVar> = BTreeMap::new();
    for (k, f) in &a.field_env {
        env.insert(
            k.clone(),
            EnvVar {
                name: k.clone(),
                value: None,
                field_path: Some(f.clone()),
            },
        );
    }
    for (k, v) in a.env.iter().chain(o.iter().flat_map(|o| o.env.iter())) {
        env.insert(
            k.clone(),
            EnvVar {
                name: k.clone(),
                value: Some(v.clone()),
                field_path: None,
            },
        );
    }
    Workload {
        app: a.name.clone(),
        image: o
            .and_then(|o| o.image.clone())
            .unwrap_or_else(|| a.image.clone()),
        replicas: o.and_then(|o| o.replicas).unwrap_or(a.replicas),
        port: a.port,
        env: env.into_values().collect(),
        health_path: a.health.path.clone(),
        cpu_request: a.requests.cpu.clone(),
        memory_request: a.requests.memory.clone(),
        cpu_limit: a.limits.cpu.clone(),
        memory_limit: a.limits.memory.clone(),
        run_as_user: a.run_as_user,
        run_as_group: a.run_as_user,
        read_only_root_filesystem: a.read_only_root_filesystem,
        tmp_volume: a.read_only_root_filesystem,
        image_pull_policy: PullPolicy::Always,
        readiness_probe: READINESS,
        liveness_probe: LIVENESS,
        low_port: a.port < 1024,
        // The API token is mounted only when the spec grants the app RBAC.
        automount_token: a.rbac.is_some(),
        policy_exceptions: policy_exceptions(a),
        rbac: a.rbac.as_ref().map(|r| RbacPlan {
            role_kind: if r.cluster_scope {
                RoleKind::ClusterRole
            } else {
                RoleKind::Role
            },
            binding_kind: if r.cluster_scope {
                BindingKind::ClusterRoleBinding
            } else {
                BindingKind::RoleBinding
            },
            namespace: (!r.cluster_scope).then(|| spec.namespace.clone()),
            // Cluster-scoped names are shared by every namespace: prefix them.
            name: if r.cluster_scope {
                cat!(spec.namespace, "-", a.name)
            } else {
                a.name.clone()
            },
            rules: r
                .rules
                .iter()
                .map(|r| RulePlan {
                    api_groups: r.api_groups.clone(),
                    resources: r.resources.clone(),
                    verbs: r.verbs.clone(),
                })
                .collect(),
        }),
    }
}

/// checkov's skip annotations, each with the spec's choice as its reason.
fn policy_exceptions(a: &App) -> Vec<Annotation> {
    let mut out = Vec::new();
    let mut add = |check: &str, why: &str| {
        out.push(Annotation {
            key: format!("checkov.io/skip{}", out.len() + 1),
            value: cat!(check, "=", why),
        });
    };
    if a.rbac.is_some() {
        add(
            "CKV_K8S_38",
            "the spec grants this app RBAC, so it needs its API token",
        );
    }
    if !a.read_only_root_filesystem {
        add(
            "CKV_K8S_22",
            "the spec opts out: security.readOnlyRootFilesystem is false",
        );
    }
    match a.run_as_user {
        None => {
            add(
                "CKV_K8S_23",
                "the spec opts out: security.runAsNonRoot is false (the image's own user)",
            );
            add(
                "CKV_K8S_40",
                "the spec opts out: security.runAsNonRoot is false (the image's own user)",
            );
        }
        Some(u) if u < 10_000 => add("CKV_K8S_40", "the spec sets security.runAsUser below 10000"),
        Some(_) => {}
    }
    out
}

/// The template parameter of the hosted zone's ID when it is not known yet.
pub const ZONE_PARAM: &str = "HostedZoneId";

/// The hosted zone's ID: the spec's (or the lock's), else the parameter
/// `gen deploy` fills.
fn zone(spec: &Spec) -> Value {
    match &spec.zone_id {
        Some(id) => Value::Literal(id.clone()),
        None => Value::Param(ZONE_PARAM.into()),
    }
}

/// Route 53 resources, one stack per stack group (default: one per app), so a
/// stack's content changes only when its own apps change.
fn stacks(spec: &Spec, arc_plan: Option<&arc::ArcPlan>) -> (Vec<StackPlan>, Vec<Unresolved>) {
    let mut groups: BTreeMap<&str, Vec<&App>> = BTreeMap::new();
    for a in &spec.apps {
        groups.entry(a.stack.as_str()).or_default().push(a);
    }
    let zone = zone(spec);
    let mut unresolved: BTreeMap<(usize, usize), Unresolved> = BTreeMap::new();
    let mut stacks = Vec::new();
    for (group, apps) in groups {
        let name = layout::stack_name(&spec.name, group);
        let mut s = StackPlan {
            name: name.clone(),
            region: spec.stack_region.clone(),
            group: group.to_string(),
            description: cat!(
                "Route 53 health checks and records of ",
                if apps.len() == 1 {
                    format!("app {}", apps[0].name)
                } else {
                    format!("stack group {group}, {} apps", apps.len())
                },
                " (",
                spec.name,
                ", rendered by gen)"
            ),
            apps: apps.iter().map(|a| a.name.clone()).collect(),
            parameters: Vec::new(),
            inputs: Vec::new(),
            zone: zone.clone(),
            entries: Vec::new(),
            record_groups: Vec::new(),
            outputs: Vec::new(),
        };
        if let Value::Param(param) = &zone {
            s.parameters.push(Parameter {
                name: param.clone(),
                // CloudFormation checks that the zone exists in the account.
                kind: "AWS::Route53::HostedZone::Id",
                allowed_pattern: None,
                description: cat!(
                    "ID of the public hosted zone ",
                    spec.zone,
                    " (set dns.zoneId in the spec, or let gen discover record it)"
                ),
            });
        }
        for a in &apps {
            s.record_groups.push(RecordGroup {
                logical_id: cat!("Records", pascal(&a.name)),
                app: a.name.clone(),
                // Route 53 keeps a change batch's comment to 256 characters:
                // an app name and a spec name fit, a host might not.
                comment: cat!("records of app ", a.name, " (", spec.name, ")"),
                entries: Vec::new(),
            });
        }
        for (ri, r) in spec.regions.iter().enumerate() {
            // The ALBs whose DNS name this stack takes as a parameter here.
            let mut used = std::collections::BTreeSet::new();
            for (ai, a) in apps.iter().enumerate() {
                let Some(pol) = policy(&a.routing, &r.name) else {
                    continue;
                };
                // The app's own ALB: its health check and its alias target.
                let alias = match &r.single().albs[a.alb].dns_name {
                    Some(d) => Value::Literal(d.clone()),
                    None => {
                        used.insert(a.alb);
                        Value::Param(alb_param(spec, a.alb, &r.name))
                    }
                };
                let id = cat!(pascal(&a.name), pascal(&r.name));
                let hc_id = cat!("HealthCheck", id);
                let group_id = s.record_groups[ai].logical_id.clone();
                let members = members(spec, a, r, &group_id);
                let mut health_check = check_of(
                    a,
                    &r.name,
                    hc_id.clone(),
                    // With several clusters the first's ALB (unrendered:
                    // the check is CALCULATED over theirs).
                    members
                        .first()
                        .map_or_else(|| alias.clone(), |m| m.health_check.fqdn.clone()),
                    cat!(spec.name, "-", a.name, "-", r.name),
                );
                health_check.children = members
                    .iter()
                    .map(|m| m.health_check.logical_id.clone())
                    .collect();
                let covered = spec
                    .arc
                    .as_ref()
                    .is_some_and(|arc| arc.apps.contains(&a.name));
                let control = arc_plan
                    .filter(|_| covered)
                    .and_then(|p| arc::control_for(p, &a.name, &r.name).map(|c| (p, c)));
                let combined = control.map(|(p, c)| {
                    if !s.inputs.iter().any(|i| i.parameter == c.health_check_param) {
                        s.parameters.push(Parameter {
                            name: c.health_check_param.clone(),
                            kind: "String",
                            // A Route 53 health check ID (at most 64 characters).
                            allowed_pattern: Some("^[a-zA-Z0-9-]{1,64}$"),
                            description: cat!(
                                "ID of the health check of routing control ",
                                c.name,
                                " (output ",
                                c.health_check_output,
                                " of stack ",
                                p.stack,
                                "; gen deploy passes it)"
                            ),
                        });
                        s.inputs.push(StackInput {
                            parameter: c.health_check_param.clone(),
                            stack: p.stack.clone(),
                            output: c.health_check_output.clone(),
                            health_check: None,
                        });
                    }
                    CombinedCheck {
                        logical_id: layout::combined_check_id(&a.name, &r.name),
                        params: vec![c.health_check_param.clone()],
                        control: Some(c.name.clone()),
                        switch_plans: Vec::new(),
                        name_tag: cat!(spec.name, "-", a.name, "-", r.name, "-arc"),
                        health_threshold: 2,
                    }
                });
                let group = &mut s.record_groups[ai];
                let record = RecordPlan {
                    group: group.logical_id.clone(),
                    app: a.name.clone(),
                    region: r.name.clone(),
                    name: cat!(a.host, "."),
                    set_identifier: r.name.clone(),
                    sets: record_sets(&r.name, &a.record_types, &pol.locations),
                    weight: pol.weight,
                    latency_region: pol.latency_region,
                    failover: pol.failover,
                    proximity: pol.proximity,
                    health_check: combined.as_ref().map_or(hc_id, |c| c.logical_id.clone()),
                    alias_dns_name: if members.is_empty() {
                        alias
                    } else {
                        Value::Literal(layout::clusters_record(&r.name, &a.host))
                    },
                    alias_zone_id: r.alb_zone_id.clone(),
                    // The Region's clusters are records of this zone; its
                    // calculated check is their health, not the target's.
                    alias_zone: (!members.is_empty()).then(|| s.zone.clone()),
                    evaluate_target_health: a.evaluate_target_health && members.is_empty(),
                };
                group.entries.push(s.entries.len());
                s.entries.push(Entry {
                    members,
                    health_check,
                    combined,
                    record,
                });
            }
            for k in used {
                let param = alb_param(spec, k, &r.name);
                let alb = &spec.ingress.albs[k].name;
                let (what, field) = if spec.ingress.grouped {
                    (
                        cat!("the shared ALB ", alb),
                        format!("regions[{ri}].albs.{alb}.dnsName"),
                    )
                } else {
                    (
                        "the shared ALB".to_string(),
                        format!("regions[{ri}].albDnsName"),
                    )
                };
                s.parameters.push(Parameter {
                    name: param.clone(),
                    kind: "String",
                    allowed_pattern: Some("^[a-zA-Z0-9.-]+$"),
                    description: cat!(
                        "DNS name of ",
                        what,
                        " in ",
                        r.name,
                        " (set ",
                        field,
                        " in the spec to fix it)"
                    ),
                });
                unresolved
                    .entry((ri, k))
                    .or_insert_with(|| Unresolved {
                        region: r.name.clone(),
                        alb: alb.clone(),
                        field,
                        parameter: param.clone(),
                        stacks: Vec::new(),
                    })
                    .stacks
                    .push(name.clone());
            }
        }
        // Parameters in a stable order: the zone, the ALBs, the controls.
        s.parameters.sort_by_key(|p| match p.name.as_str() {
            ZONE_PARAM => 0,
            n if n.starts_with("AlbDnsName") => 1,
            _ => 2,
        });
        // Each check's ID as an output, so `gen status` and the alarm stacks
        // read every check of every stack from one paged DescribeStacks;
        // one output is the template's digest. A group with more checks
        // than that leaves `gen status` to list the stack's resources.
        if s.entries.len() < STACK_OUTPUTS {
            s.outputs = s
                .entries
                .iter()
                .map(|e| StackOutput {
                    name: layout::check_output(&e.health_check.logical_id),
                    logical_id: e.health_check.logical_id.clone(),
                })
                .collect();
        }
        stacks.push(s);
    }
    (stacks, unresolved.into_values().collect())
}

/// App `a`'s endpoint check in `region`: its health settings against `fqdn`.
fn check_of(
    a: &App,
    region: &str,
    logical_id: String,
    fqdn: Value,
    name_tag: String,
) -> HealthCheckPlan {
    HealthCheckPlan {
        logical_id,
        app: a.name.clone(),
        region: region.to_string(),
        protocol: a.health.protocol,
        fqdn,
        port: a.health.port,
        path: (a.health.protocol != Protocol::Tcp).then(|| a.health.path.clone()),
        interval: a.health.interval,
        failure_threshold: a.health.failure_threshold,
        measure_latency: a.health.measure_latency,
        enable_sni: a.health.protocol == Protocol::Https,
        name_tag,
        children: Vec::new(),
    }
}

/// A Region's clusters, when it has several: each one's endpoint check of
/// app `a` and its weighted record under `<region>.<host>`, which the
/// Region's record aliases. Route 53 answers a weighted set from its
/// healthy records by weight, a weight-0 record only when every other is
/// unhealthy (Route 53 Developer Guide, "Weighted routing"; "How Amazon
/// Route 53 chooses records when health checking is configured"); their
/// names are the spec's, so no value decides structure.
fn members(spec: &Spec, a: &App, r: &Region, group: &str) -> Vec<Member> {
    if r.clusters.len() < 2 {
        return Vec::new();
    }
    r.clusters
        .iter()
        .map(|c| {
            let logical_id = cat!(
                "HealthCheck",
                pascal(&a.name),
                pascal(&r.name),
                pascal(&c.name)
            );
            let alb = Value::Literal(c.albs[a.alb].dns_name.clone().unwrap_or_default());
            Member {
                cluster: c.name.clone(),
                health_check: check_of(
                    a,
                    &r.name,
                    logical_id.clone(),
                    alb.clone(),
                    cat!(spec.name, "-", a.name, "-", r.name, "-", c.name),
                ),
                record: RecordPlan {
                    group: group.to_string(),
                    app: a.name.clone(),
                    region: r.name.clone(),
                    name: layout::clusters_record(&r.name, &a.host),
                    set_identifier: c.name.clone(),
                    sets: record_sets(&c.name, &a.record_types, &[]),
                    weight: c.weight,
                    latency_region: None,
                    failover: None,
                    proximity: None,
                    health_check: logical_id,
                    alias_dns_name: alb,
                    alias_zone_id: r.alb_zone_id.clone(),
                    alias_zone: None,
                    evaluate_target_health: a.evaluate_target_health,
                },
            }
        })
        .collect()
}

/// The stack parameter of an ALB's DNS name in a Region, when neither the
/// spec nor `gen.lock` gives it. A logical name: the single shared ALB keeps
/// `AlbDnsName<Region>`.
fn alb_param(spec: &Spec, alb: usize, region: &str) -> String {
    if spec.ingress.grouped {
        cat!(
            "AlbDnsName",
            pascal(&spec.ingress.albs[alb].name),
            pascal(region)
        )
    } else {
        cat!("AlbDnsName", pascal(region))
    }
}

/// A record's routing fields in one Region.
#[derive(Default)]
struct Policy {
    weight: Option<u8>,
    latency_region: Option<String>,
    failover: Option<FailoverRole>,
    locations: Vec<GeoLocation>,
    proximity: Option<i8>,
}

/// The record's routing fields in `region`, or None when the app has no
/// record there (failover sets hold only a primary and a secondary).
fn policy(routing: &Routing, region: &str) -> Option<Policy> {
    if !routing.answers_in(region) {
        return None;
    }
    Some(match routing {
        Routing::Latency => Policy {
            latency_region: Some(region.to_string()),
            ..Policy::default()
        },
        Routing::Weighted(w) => Policy {
            weight: w.get(region).copied(),
            ..Policy::default()
        },
        Routing::Failover { primary, .. } => Policy {
            failover: Some(if region == primary {
                FailoverRole::Primary
            } else {
                FailoverRole::Secondary
            }),
            ..Policy::default()
        },
        Routing::Geolocation(g) => Policy {
            locations: g.get(region).cloned().unwrap_or_default(),
            ..Policy::default()
        },
        Routing::Geoproximity(g) => Policy {
            proximity: g.get(region).copied(),
            ..Policy::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::plan_of;

    const BASE: &str = "version: 1\nname: t\ndns: {zone: example.com}\nregions:\n  - {name: eu-west-1, cluster: a, albDnsName: a.elb.amazonaws.com}\n  - {name: eu-central-1, cluster: b}\n  - {name: us-east-1, cluster: c, albDnsName: c.elb.amazonaws.com}\napps:\n";

    fn app(name: &str, routing: &str) -> String {
        format!(
            "  - {{name: {name}, host: {name}.example.com, image: img, health: {{path: /{name}h}}, routing: {routing}}}\n"
        )
    }

    fn entries<'a>(p: &'a Plan, app: &str) -> Vec<&'a Entry> {
        p.stacks
            .iter()
            .flat_map(|s| &s.entries)
            .filter(|e| e.record.app == app)
            .collect()
    }

    fn failover_roles<'a>(p: &'a Plan, app: &str) -> Vec<(&'a str, Option<FailoverRole>)> {
        entries(p, app)
            .iter()
            .map(|e| (e.record.region.as_str(), e.record.failover))
            .collect()
    }

    #[test]
    fn weighted_records_keep_weight_zero() {
        let p = plan_of(&format!(
            "{BASE}{}",
            app(
                "w",
                "{weighted: {eu-west-1: 100, eu-central-1: 0, us-east-1: 0}}"
            )
        ));
        let weights: Vec<Option<u8>> = entries(&p, "w").iter().map(|e| e.record.weight).collect();
        assert_eq!(weights, [Some(100), Some(0), Some(0)]);
    }

    #[test]
    fn failover_has_one_primary_and_one_secondary_only() {
        let p = plan_of(&format!(
            "{BASE}{}",
            app("f", "{failover: {primary: us-east-1}}")
        ));
        let got = failover_roles(&p, "f");
        // The secondary defaults to the first other Region in spec order.
        assert_eq!(
            got,
            [
                ("eu-west-1", Some(FailoverRole::Secondary)),
                ("us-east-1", Some(FailoverRole::Primary))
            ]
        );
    }

    #[test]
    fn failover_defaults_to_the_first_region_as_primary() {
        let p = plan_of(&format!("{BASE}{}", app("f", "failover")));
        let got = failover_roles(&p, "f");
        assert_eq!(
            got,
            [
                ("eu-west-1", Some(FailoverRole::Primary)),
                ("eu-central-1", Some(FailoverRole::Secondary))
            ]
        );
    }

    #[test]
    fn every_record_uses_its_own_apps_check_and_the_regions_alb() {
        let p = plan_of(&format!(
            "{BASE}{}{}",
            app("x", "latency"),
            app("y", "latency")
        ));
        for e in p.stacks.iter().flat_map(|s| &s.entries) {
            assert_eq!(e.record.health_check, e.health_check.logical_id);
            assert_eq!(e.record.app, e.health_check.app);
            assert_eq!(
                e.record.latency_region.as_deref(),
                Some(e.record.region.as_str())
            );
            assert!(
                !e.record.evaluate_target_health,
                "default false: a shared ALB must not fail over every app"
            );
        }
        let central = entries(&p, "x")
            .into_iter()
            .find(|e| e.record.region == "eu-central-1")
            .unwrap();
        assert_eq!(
            central.record.alias_dns_name,
            Value::Param("AlbDnsNameEuCentral1".into())
        );
        assert_eq!(central.record.alias_zone_id, "Z215JYRZR1TBD5");
        assert_eq!(p.unresolved.len(), 1);
        assert_eq!(p.unresolved[0].stacks, ["t-dns-x", "t-dns-y"]);
    }

    #[test]
    fn logical_ids_and_stacks_do_not_move_when_apps_come_and_go() {
        let ids = |p: &Plan| -> Vec<(String, String)> {
            p.stacks
                .iter()
                .flat_map(|s| {
                    s.entries
                        .iter()
                        .map(move |e| (s.name.clone(), e.health_check.logical_id.clone()))
                })
                .filter(|(_, id)| id.contains("Mid"))
                .collect()
        };
        let before = plan_of(&format!("{BASE}{}", app("mid", "latency")));
        let after = plan_of(&format!(
            "{BASE}{}{}{}",
            app("aaa", "latency"),
            app("mid", "latency"),
            app("zzz", "latency")
        ));
        assert_eq!(ids(&before), ids(&after));
        assert_eq!(
            ids(&before)[0],
            ("t-dns-mid".to_string(), "HealthCheckMidEuWest1".to_string())
        );
    }

    #[test]
    fn region_overrides_win_over_app_values() {
        let text = format!(
            "{BASE}  - {{name: o, host: o.example.com, image: img, replicas: 2, env: {{A: app, B: app}}, health: {{path: /o}}, regions: {{us-east-1: {{env: {{B: east}}, replicas: 5, image: other}}}}}}\n"
        );
        let p = plan_of(&text);
        let east = &p.clusters[2].workloads[0];
        let env: Vec<(&str, &str)> = east
            .env
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(env, [("A", "app"), ("B", "east")]);
        assert_eq!((east.replicas, east.image.as_str()), (5, "other"));
        let west = &p.clusters[0].workloads[0];
        assert_eq!(
            (
                west.replicas,
                west.image.as_str(),
                west.env[1].value.as_deref().unwrap_or_default()
            ),
            (2, "img", "app")
        );
    }

    #[test]
    fn each_cluster_has_its_own_paths_and_health_routes() {
        let p = plan_of(&format!(
            "{BASE}{}{}",
            app("x", "latency"),
            app("y", "latency")
        ));
        for c in &p.clusters {
            assert!(
                c.kustomizations
                    .iter()
                    .all(|k| k.path.starts_with(&format!("./deploy/{}/", c.cluster)))
            );
            let routes: Vec<(&str, &str)> = c.ingresses[0]
                .health_routes
                .iter()
                .map(|r| (r.path.as_str(), r.service.as_str()))
                .collect();
            assert_eq!(routes, [("/xh", "x"), ("/yh", "y")]);
            assert!(
                c.ingresses[0]
                    .health_routes
                    .iter()
                    .all(|r| r.host.is_empty() && r.path_type == PathType::Exact)
            );
        }
        assert!(
            p.files.iter().all(|f| layout::may_own(&f.path)),
            "every planned file is one gen may own"
        );
    }

    /// Two ALBs: each its own Ingress, directory and Flux Kustomization in
    /// every cluster; each app's check and alias aim at its own ALB, and a
    /// missing DNS name is a parameter per ALB and Region.
    #[test]
    fn each_alb_is_its_own_ingress_and_target() {
        let text = format!(
            "{}{}{}",
            BASE.replace(
                "regions:",
                "ingress:\n  albs: [{name: edge}, {name: inner, scheme: internal}]\nregions:"
            )
            .replace(
                "albDnsName: a.elb.amazonaws.com}",
                "albs: {edge: {dnsName: e.elb.amazonaws.com}, inner: {dnsName: i.elb.amazonaws.com}}}"
            )
            .replace("albDnsName: c.elb.amazonaws.com}", "albs: {edge: {dnsName: ec.elb.amazonaws.com}}}"),
            app("x", "latency"),
            app("y", "latency").replace("routing:", "alb: inner, routing:")
        );
        let p = plan_of(&text);
        let names: Vec<&str> = p.ingress.albs.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["edge", "inner"]);
        assert_eq!(p.ingress.albs[1].apps, ["y"]);
        // Two schemes, two IngressClasses.
        let classes: Vec<&str> = p.ingress.classes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(classes, ["t-alb", "t-alb-internal"]);
        for c in &p.clusters {
            let hosts: Vec<Vec<&str>> = c
                .ingresses
                .iter()
                .map(|i| i.host_rules.iter().map(|r| r.host.as_str()).collect())
                .collect();
            assert_eq!(hosts, [["x.example.com"], ["y.example.com"]]);
            let flux: Vec<&str> = c.kustomizations.iter().map(|k| k.name.as_str()).collect();
            assert!(
                flux.contains(&"t-ingress-edge") && flux.contains(&"t-ingress-inner"),
                "{flux:?}"
            );
            for alb in ["edge", "inner"] {
                let path = format!("deploy/{}/ingress/{alb}/ingress.yaml", c.cluster);
                assert!(p.files.iter().any(|f| f.path == path), "{path}");
            }
        }
        let target = |app: &str, region: &str| {
            let (_, e) = p.entry(app, region).unwrap();
            assert_eq!(e.health_check.fqdn, e.record.alias_dns_name);
            e.record.alias_dns_name.clone()
        };
        assert_eq!(
            target("x", "eu-west-1"),
            Value::Literal("e.elb.amazonaws.com".into())
        );
        assert_eq!(
            target("y", "eu-west-1"),
            Value::Literal("i.elb.amazonaws.com".into())
        );
        assert_eq!(
            target("x", "us-east-1"),
            Value::Literal("ec.elb.amazonaws.com".into())
        );
        // inner has no DNS name in us-east-1 and none at all in eu-central-1.
        assert_eq!(
            target("y", "us-east-1"),
            Value::Param("AlbDnsNameInnerUsEast1".into())
        );
        assert_eq!(
            target("x", "eu-central-1"),
            Value::Param("AlbDnsNameEdgeEuCentral1".into())
        );
        let missing: Vec<(&str, &str, &str)> = p
            .unresolved
            .iter()
            .map(|u| (u.region.as_str(), u.alb.as_str(), u.field.as_str()))
            .collect();
        assert_eq!(
            missing,
            [
                ("eu-central-1", "edge", "regions[1].albs.edge.dnsName"),
                ("eu-central-1", "inner", "regions[1].albs.inner.dnsName"),
                ("us-east-1", "inner", "regions[2].albs.inner.dnsName"),
            ]
        );
    }

    /// Under a Gateway the health paths fill one host-less HTTPRoute per 16
    /// (an HTTPRoute's rule limit); while an ALB moves from its Ingress the
    /// lock's old object stays beside the new one, in that Region only.
    #[test]
    fn a_gateway_holds_its_health_paths_sixteen_to_a_route_and_keeps_the_ingress_it_replaces() {
        let apps: String = (0..17).map(|i| app(&format!("a{i}"), "latency")).collect();
        let text = format!(
            "{}{apps}",
            BASE.replace("regions:", "ingress: {api: gateway}\nregions:")
                .replace(", albDnsName: a.elb.amazonaws.com", "")
        );
        let p = crate::test_support::plan_with_lock(
            &text,
            &format!(
                "version: 2\nregions:\n  eu-west-1:\n    albs:\n      t:\n        albDnsName: old.eu-west-1.elb.amazonaws.com\n        albZoneId: Z32O12XQLNTSW2\n        resolvedAt: 2026-12-01T00:00:00Z\n{AUTO_GATEWAY_LOCK}"
            ),
        );
        let west = &p.clusters[0].ingresses[0];
        assert_eq!(west.objects, [Api::Ingress, Api::Gateway]);
        let groups: Vec<(&str, usize)> = west
            .health_route_groups
            .iter()
            .map(|g| (g.name.as_str(), g.routes.len()))
            .collect();
        assert_eq!(groups, [("t-health", 16), ("t-health-2", 1)]);
        // The records keep aiming at the Ingress's ALB the lock found.
        let (_, e) = p.entry("a0", "eu-west-1").unwrap();
        assert_eq!(
            e.record.alias_dns_name,
            Value::Literal("old.eu-west-1.elb.amazonaws.com".into())
        );
        // Elsewhere the lock says nothing: only the Gateway.
        for c in &p.clusters[1..] {
            assert_eq!(c.ingresses[0].objects, [Api::Gateway]);
        }
        let west_dir: Vec<&str> = p
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|f| f.starts_with(&format!("deploy/{}/ingress/", p.clusters[0].cluster)))
            .collect();
        assert_eq!(
            west_dir,
            [
                "deploy/a/ingress/gateway.yaml",
                "deploy/a/ingress/ingress.yaml",
                "deploy/a/ingress/kustomization.yaml"
            ]
        );
        let c = p
            .ingress
            .gateway_class
            .as_ref()
            .and_then(|g| g.controller.as_ref());
        assert_eq!(
            c.map(|c| (c.name.as_str(), c.params_group.as_str())),
            Some(("eks.amazonaws.com/gateway-alb", "gateway.eks.amazonaws.com"))
        );
        // Without the lock's record Auto Mode's names are not guessed.
        let unread = crate::test_support::plan_of(&text);
        assert!(
            unread
                .ingress
                .gateway_class
                .as_ref()
                .is_some_and(|g| g.controller.is_none())
        );
    }

    /// What `gen discover` records of EKS Auto Mode's Gateway API.
    const AUTO_GATEWAY_LOCK: &str = "gateway:\n  controllerName: eks.amazonaws.com/gateway-alb\n  paramsApiVersion: gateway.eks.amazonaws.com/v1\n  resolvedAt: 2026-12-01T00:00:00Z\n";
}
