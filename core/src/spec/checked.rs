//! The checked spec: what `validate` produces from the raw spec, with every
//! default applied, and what every later stage reads. Types only: the rules
//! that make them are `validate`'s.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Controller {
    /// EKS Auto Mode's built-in ALB controller.
    EksAuto,
    /// The self-managed AWS Load Balancer Controller.
    AwsLbc,
}

/// What makes an ALB in a cluster.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// A `networking.k8s.io/v1` Ingress.
    #[default]
    Ingress,
    /// A Gateway API `Gateway` with one `HTTPRoute` per app.
    Gateway,
}

impl Api {
    pub fn parse(s: &str) -> Option<Api> {
        [Api::Ingress, Api::Gateway]
            .into_iter()
            .find(|a| a.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Api::Ingress => "ingress",
            Api::Gateway => "gateway",
        }
    }
}

/// As a reader names it: the object that makes the ALB.
impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Api::Ingress => "Ingress",
            Api::Gateway => "Gateway",
        })
    }
}

/// Whether an ALB faces the internet or only its VPC, spelt as the spec,
/// the controller's annotation and IngressClassParams spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    InternetFacing,
    Internal,
}

impl Scheme {
    pub fn parse(s: &str) -> Option<Scheme> {
        [Scheme::InternetFacing, Scheme::Internal]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::InternetFacing => "internet-facing",
            Scheme::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    Http,
    Https,
    Tcp,
}

impl Protocol {
    /// The spec's spelling, also what Route 53 calls it.
    pub fn parse(s: &str) -> Option<Protocol> {
        [Protocol::Http, Protocol::Https, Protocol::Tcp]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    /// The port a check of this protocol uses when the spec gives none.
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Https => 443,
            Protocol::Http | Protocol::Tcp => 80,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Https => "HTTPS",
            Protocol::Tcp => "TCP",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub namespace: String,
    pub zone: String,
    pub zone_id: Option<String>,
    /// Where the Route 53 stacks are deployed.
    pub stack_region: String,
    /// The accounts of `accounts`, by name, in name order.
    pub accounts: Vec<Account>,
    /// The account (by name) of the zone, checks, ARC and Region switch;
    /// None: the credentials' own.
    pub dns_account: Option<String>,
    pub ingress: Ingress,
    pub regions: Vec<Region>,
    pub flux: Flux,
    /// When a Region's cluster syncs with Argo CD.
    pub argocd: Option<ArgoCd>,
    pub arc: Option<Arc>,
    pub region_switch: Option<RegionSwitch>,
    pub rollout: Option<Rollout>,
    /// The databases of `databases`, in name order.
    pub databases: Vec<Database>,
    pub apps: Vec<App>,
}

/// A database replicated across Regions, which a Region switch promotes in
/// the Region taking its apps' traffic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Database {
    pub name: String,
    pub engine: DbEngine,
    /// The global cluster's identifier (Aurora, DocumentDB).
    pub global_cluster: Option<String>,
    /// Region → its member's ARN (a DB cluster, or for RDS a DB instance),
    /// in Region name order.
    pub members: BTreeMap<String, String>,
    /// RDS only: switch over (Oracle) rather than promote.
    pub switchover: bool,
    pub timeout_minutes: u32,
}

impl Database {
    /// Its member in `region`, when it has one there.
    pub fn member(&self, region: &str) -> Option<&str> {
        self.members.get(region).map(String::as_str)
    }
}

/// What replicates a database across Regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DbEngine {
    /// An Aurora global database: one writer cluster, read-only secondaries.
    Aurora,
    /// An Amazon DocumentDB global cluster.
    #[serde(rename = "documentdb")]
    DocumentDb,
    /// An RDS DB instance and its cross-Region read replicas.
    Rds,
}

impl DbEngine {
    pub const ALL: [DbEngine; 3] = [DbEngine::Aurora, DbEngine::DocumentDb, DbEngine::Rds];

    pub fn parse(s: &str) -> Option<DbEngine> {
        DbEngine::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The spec's word.
    pub fn as_str(self) -> &'static str {
        match self {
            DbEngine::Aurora => "aurora",
            DbEngine::DocumentDb => "documentdb",
            DbEngine::Rds => "rds",
        }
    }

    /// What a reader calls it.
    pub fn product(self) -> &'static str {
        match self {
            DbEngine::Aurora => "Aurora global database",
            DbEngine::DocumentDb => "DocumentDB global cluster",
            DbEngine::Rds => "RDS cross-Region read replica",
        }
    }

    /// Its members are DB clusters (a global cluster's), not DB instances.
    pub fn clustered(self) -> bool {
        !matches!(self, DbEngine::Rds)
    }
}

/// `gen rollout`'s section, when the spec has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    /// The repository Flux clones (`GitRepository` `url`).
    pub url: String,
    pub secret_ref: String,
    /// Region `r` follows branch `{branch_prefix}{r}`.
    pub branch_prefix: String,
    /// As the spec orders them; None: `model` derives them from the routing.
    pub waves: Option<Vec<Vec<String>>>,
    pub bake_minutes: u32,
    pub apply_minutes: u32,
    /// CloudWatch alarm ARNs that gate every wave.
    pub alarms: Vec<String>,
    /// The SNS topic the rendered alarms notify.
    pub notify: Option<String>,
}

/// ARC Region switch, when enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSwitch {
    pub scale_percent: u32,
    pub approval_role: Option<String>,
    pub rto_minutes: Option<u32>,
    /// `alarms`, in name order.
    pub alarms: Vec<SwitchAlarm>,
    pub triggers: Vec<SwitchTrigger>,
    pub report: Option<SwitchReport>,
}

/// A CloudWatch alarm the plans are associated with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SwitchAlarm {
    pub name: String,
    pub arn: String,
    /// `applicationHealth` or `trigger`, as the API spells it.
    pub kind: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SwitchTrigger {
    pub target_region: String,
    /// `activate` or `deactivate`.
    pub action: &'static str,
    /// (alarm name, `red` or `green`).
    pub conditions: Vec<(String, &'static str)>,
    pub min_delay_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SwitchReport {
    /// `s3://BUCKET[/PREFIX]`, as the spec gives it.
    pub bucket_path: String,
    pub bucket_owner: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Ingress {
    pub controller: Controller,
    /// The IngressClass of ALBs with the spec's own scheme (`ingress.scheme`).
    pub class_name: String,
    pub scheme: Scheme,
    /// The shared ALBs of every Region, in spec order; never empty.
    pub albs: Vec<Alb>,
    /// Declared as `ingress.albs` (each ALB its own Flux Kustomization), or
    /// the single ALB of `ingress.albName` (the layout of one shared ALB).
    pub grouped: bool,
    /// Index into `albs` of the ALB of every app that names none.
    pub default_alb: usize,
    pub quotas: Quotas,
    /// EKS Auto Mode's Gateway API controller as `gen discover` read it from
    /// the clusters (`resolve` fills it from `gen.lock`); None until then.
    pub auto_gateway: Option<AutoGateway>,
}

/// EKS Auto Mode's GatewayClass controller and the API of its parameter
/// objects, read from a cluster: no AWS page gen could read states them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoGateway {
    pub controller_name: String,
    /// `group/version` of LoadBalancerConfiguration and TargetGroupConfiguration.
    pub params_api_version: String,
}

impl Ingress {
    pub fn alb_index(&self, name: &str) -> Option<usize> {
        self.albs.iter().position(|a| a.name == name)
    }

    /// The field of ALB `k` that sets `what` (`scheme`, `api`): its own in
    /// `ingress.albs`, or the ingress's for the single ALB.
    pub fn alb_field(&self, k: usize, what: &str) -> String {
        if self.grouped {
            format!("ingress.albs[{k}].{what}")
        } else {
            format!("ingress.{what}")
        }
    }
}

/// One shared ALB: the same name, scheme and listeners in every Region.
#[derive(Debug, Clone)]
pub struct Alb {
    pub name: String,
    pub api: Api,
    pub scheme: Scheme,
    pub ip_address_type: IpAddressType,
    pub inbound_cidrs: Vec<String>,
    /// In spec order; at least one.
    pub listeners: Vec<Listener>,
}

/// The addresses an ALB takes: `ipv4`, or `dualstack` (IPv4 and IPv6), as
/// the controllers' `ip-address-type` annotation, IngressClassParams and
/// LoadBalancerConfiguration spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IpAddressType {
    Ipv4,
    Dualstack,
}

impl IpAddressType {
    pub fn parse(s: &str) -> Option<IpAddressType> {
        match s {
            "ipv4" => Some(IpAddressType::Ipv4),
            "dualstack" => Some(IpAddressType::Dualstack),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IpAddressType::Ipv4 => "ipv4",
            IpAddressType::Dualstack => "dualstack",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listener {
    pub protocol: Protocol,
    pub port: u16,
}

/// The account quotas the plan must fit, per Region (defaults from
/// `facts::quotas`, raised where the spec says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Quotas {
    pub rules_per_alb: usize,
    pub target_groups_per_alb: usize,
    pub certificates_per_alb: usize,
    pub albs_per_region: usize,
    pub target_groups_per_region: usize,
    pub targets_per_alb: usize,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub name: String,
    /// The ELB canonical hosted zone of this Region: every ALB's alias target.
    pub alb_zone_id: String,
    /// The account (by name) of its clusters and ALBs: its own, else the
    /// DNS account; None: the credentials' own.
    pub account: Option<String>,
    /// Its EKS clusters, in spec order: one, or several sharing the
    /// Region's traffic by weight (a blue/green cluster upgrade).
    pub clusters: Vec<RegionCluster>,
}

/// One EKS cluster of a Region, with its side of every shared ALB.
#[derive(Debug, Clone)]
pub struct RegionCluster {
    pub name: String,
    /// Its share of the Region's traffic, when the Region has several.
    pub weight: Option<u8>,
    /// Per ALB of `ingress.albs`, by index.
    pub albs: Vec<RegionAlb>,
    pub kube_context: Option<String>,
    pub gitops: GitOps,
}

impl Region {
    /// The Region's first cluster: the one whose ALBs its records name
    /// while a Region has one cluster, which is all `validate` lets
    /// through so far (`validate` gives every Region one).
    pub fn single(&self) -> &RegionCluster {
        &self.clusters[0]
    }

    /// The name of its (first) cluster.
    pub fn cluster(&self) -> &str {
        &self.single().name
    }

    /// Its (first) cluster's kubeconfig context, when the spec names one.
    pub fn kube_context(&self) -> Option<&str> {
        self.single().kube_context.as_deref()
    }

    pub fn single_mut(&mut self) -> &mut RegionCluster {
        &mut self.clusters[0]
    }
}

/// An AWS account gen reaches by assuming a role in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Account {
    pub name: String,
    /// The 12 digits of `role_arn`.
    pub id: String,
    pub role_arn: String,
    pub external_id: Option<String>,
}

impl Spec {
    /// Account `name` of `accounts`.
    pub fn account(&self, name: Option<&str>) -> Option<&Account> {
        let name = name?;
        self.accounts.iter().find(|a| a.name == name)
    }
}

/// What applies gen's directories on a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GitOps {
    Flux,
    #[serde(rename = "argocd")]
    ArgoCd,
}

impl GitOps {
    pub fn as_str(self) -> &'static str {
        match self {
            GitOps::Flux => "flux",
            GitOps::ArgoCd => "argocd",
        }
    }
}

/// Argo CD's settings, the same on every cluster that uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgoCd {
    pub namespace: String,
    pub project: String,
    /// None only with a rollout, whose source it then is.
    pub repo_url: Option<String>,
    pub target_revision: String,
    pub destination: String,
}

/// One ALB in one Region.
#[derive(Debug, Clone, Default)]
pub struct RegionAlb {
    pub dns_name: Option<String>,
    /// The API whose load balancer `dns_name` is, when `gen.lock` says so and
    /// it is not the ALB's `api`: the ALB is moving to `api`, and the old
    /// object stays until the records have left it (`resolve`).
    pub kept: Option<Api>,
    /// The first is the listener's default certificate.
    pub certificate_arns: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Flux {
    pub source: String,
    pub namespace: String,
    pub interval: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArcCluster {
    Existing(String),
    /// gen creates a cluster of this name.
    Create(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArcScope {
    /// One routing control per Region, for every covered app.
    Region,
    /// One routing control per app per Region.
    App,
}

#[derive(Debug, Clone)]
pub struct Arc {
    pub cluster: ArcCluster,
    pub scope: ArcScope,
    /// Names of the apps whose records follow the routing controls.
    pub apps: Vec<String>,
    pub min_on: u32,
    /// Region → resource ARNs, when readiness checks are enabled.
    pub readiness: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Clone)]
pub struct HealthCheck {
    pub path: String,
    pub protocol: Protocol,
    pub port: u16,
    pub interval: u32,
    pub failure_threshold: u32,
    pub measure_latency: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routing {
    Latency,
    /// Weight per Region, every spec Region present.
    Weighted(BTreeMap<String, u8>),
    /// Route 53 failover sets hold one primary and one secondary record.
    Failover {
        primary: String,
        secondary: String,
    },
    /// Route 53 geolocation: per Region, the locations it answers; one
    /// Region holds the default.
    Geolocation(BTreeMap<String, Vec<GeoLocation>>),
    /// Route 53 geoproximity: per Region, its bias (-99 to 99).
    Geoproximity(BTreeMap<String, i8>),
}

impl Routing {
    /// Whether the app has a record in `region`: every Region for latency,
    /// every weighted, geolocation or geoproximity one, only the primary
    /// and the secondary for failover.
    pub fn answers_in(&self, region: &str) -> bool {
        match self {
            Routing::Latency => true,
            Routing::Weighted(w) => w.contains_key(region),
            Routing::Failover { primary, secondary } => region == primary || region == secondary,
            Routing::Geolocation(g) => g.contains_key(region),
            Routing::Geoproximity(g) => g.contains_key(region),
        }
    }
}

/// One geolocation record's location, as Route 53's `GeoLocation` takes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum GeoLocation {
    /// Every location no other record of the name holds (`CountryCode: *`).
    Default,
    /// `AF`, `AN`, `AS`, `EU`, `NA`, `OC` or `SA`.
    Continent(String),
    /// ISO 3166-1 alpha-2.
    Country(String),
    /// A state of the United States (`US-CA`: `CA`).
    Subdivision(String),
}

impl GeoLocation {
    /// As the spec writes it and a set identifier ends: `default`,
    /// `continent-EU`, `country-JP`, `US-CA`.
    pub fn label(&self) -> String {
        match self {
            GeoLocation::Default => "default".to_string(),
            GeoLocation::Continent(c) => format!("continent-{c}"),
            GeoLocation::Country(c) => format!("country-{c}"),
            GeoLocation::Subdivision(s) => format!("US-{s}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Quantities {
    pub cpu: String,
    pub memory: String,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Rbac {
    pub cluster_scope: bool,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Default)]
pub struct RegionOverride {
    pub env: BTreeMap<String, String>,
    pub replicas: Option<u32>,
    pub image: Option<String>,
}

#[derive(Debug, Clone)]
pub struct App {
    pub name: String,
    pub host: String,
    pub image: String,
    pub port: u16,
    pub replicas: u32,
    pub env: BTreeMap<String, String>,
    /// Variable → pod field path (downward API).
    pub field_env: BTreeMap<String, String>,
    pub health: HealthCheck,
    pub routing: Routing,
    pub evaluate_target_health: bool,
    /// Recovery time objective, seconds (`lint` compares it with the
    /// worst-case failover).
    pub rto: Option<u32>,
    pub stack: String,
    /// Index into `ingress.albs`.
    pub alb: usize,
    pub requests: Quantities,
    pub limits: Quantities,
    /// None: the image's own user (`security.runAsNonRoot: false`).
    pub run_as_user: Option<u32>,
    pub read_only_root_filesystem: bool,
    pub rbac: Option<Rbac>,
    pub overrides: BTreeMap<String, RegionOverride>,
    /// The database (by name, of `databases`) the app keeps its state in.
    pub database: Option<String>,
    /// `A`, and `AAAA` on a dual-stack ALB (set by `app_albs`).
    pub record_types: Vec<&'static str>,
}

/// The threshold of a rule over `n` controls: `min_on`, but never all of
/// them, or no control of the set could ever be turned Off.
pub fn rule_threshold(min_on: u32, n: usize) -> u32 {
    min_on.min(n.saturating_sub(1).max(1) as u32)
}
