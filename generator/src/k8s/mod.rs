//! The Kubernetes adapter: reads objects from the clusters with the kube
//! crate, one kubeconfig context per cluster. It knows the Kubernetes API
//! and kubeconfig, nothing of the spec.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

/// What the ALB's Ingress (or Gateway) says about its load balancer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IngressAddress {
    /// The load balancer's DNS name.
    Ready(String),
    /// The Ingress exists but has no address yet.
    Pending,
    /// A Gateway whose `Programmed` condition is not True: status, reason
    /// and message.
    NotProgrammed(String),
    /// There is no such Ingress.
    Missing,
}

/// The user's kubeconfig (KUBECONFIG, else ~/.kube/config).
pub(crate) fn kubeconfig() -> Result<Kubeconfig> {
    Kubeconfig::read().context("reading the kubeconfig (KUBECONFIG or ~/.kube/config)")
}

/// Why no context was chosen for a cluster, in kubeconfig's own terms
/// (the commands say which spec field to set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContextError {
    /// The context asked for is not in the kubeconfig.
    NoSuchContext {
        context: String,
        available: Vec<String>,
    },
    /// No context's name or cluster matches the cluster.
    NoneMatches {
        cluster: String,
        available: Vec<String>,
    },
    /// Several contexts could be the cluster's.
    Ambiguous {
        cluster: String,
        candidates: Vec<String>,
    },
}

impl std::fmt::Display for ContextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContextError::NoSuchContext { context, .. } => {
                write!(f, "the kubeconfig has no context `{context}`")
            }
            ContextError::NoneMatches { cluster, .. } => {
                write!(f, "no kubeconfig context for cluster `{cluster}`")
            }
            ContextError::Ambiguous {
                cluster,
                candidates,
            } => write!(
                f,
                "several kubeconfig contexts could be cluster `{cluster}`: {}",
                candidates.join(", ")
            ),
        }
    }
}

impl std::error::Error for ContextError {}

/// The context for `cluster`: `explicit` when given, else the one named
/// exactly like the cluster, else the only one whose name or cluster ends
/// in `/<cluster>` (EKS ARNs) or holds `@<cluster>.` (eksctl).
pub(crate) fn context_for(
    config: &Kubeconfig,
    cluster: &str,
    explicit: Option<&str>,
) -> Result<String, ContextError> {
    let names: Vec<(&str, &str)> = config
        .contexts
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.context.as_ref().map(|x| x.cluster.as_str()).unwrap_or(""),
            )
        })
        .collect();
    let available = || names.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(e) = explicit {
        if names.iter().any(|(n, _)| *n == e) {
            return Ok(e.to_string());
        }
        return Err(ContextError::NoSuchContext {
            context: e.to_string(),
            available: available(),
        });
    }
    if let Some((n, _)) = names.iter().find(|(n, _)| *n == cluster) {
        return Ok(n.to_string());
    }
    let tail = format!("/{cluster}");
    let eksctl = format!("@{cluster}.");
    let matches: Vec<&str> = names
        .iter()
        .filter(|(n, c)| n.ends_with(&tail) || c.ends_with(&tail) || n.contains(&eksctl))
        .map(|(n, _)| *n)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(ContextError::NoneMatches {
            cluster: cluster.to_string(),
            available: available(),
        }),
        many => Err(ContextError::Ambiguous {
            cluster: cluster.to_string(),
            candidates: many.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

/// A client for a cluster: its context (see [`context_for`]), then
/// [`client`].
pub(crate) async fn connect(
    config: &Kubeconfig,
    cluster: &str,
    explicit: Option<&str>,
) -> Result<Client> {
    let context = context_for(config, cluster, explicit)?;
    client(config, &context).await
}

/// A client for one context, with short timeouts: an unreachable cluster
/// should be reported, not waited on.
pub(crate) async fn client(config: &Kubeconfig, context: &str) -> Result<Client> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut cfg = Config::from_custom_kubeconfig(config.clone(), &options)
        .await
        .with_context(|| format!("loading kubeconfig context `{context}`"))?;
    cfg.connect_timeout = Some(Duration::from_secs(5));
    cfg.read_timeout = Some(Duration::from_secs(15));
    Client::try_from(cfg).with_context(|| format!("creating a client for context `{context}`"))
}

/// The address of Ingress `name` in `namespace`.
pub(crate) async fn ingress_address(
    client: Client,
    namespace: &str,
    name: &str,
) -> Result<IngressAddress> {
    let api: Api<Ingress> = Api::namespaced(client, namespace);
    let ingress = api
        .get_opt(name)
        .await
        .map_err(|e| anyhow!("{}", describe(&e)))?;
    let Some(ingress) = ingress else {
        return Ok(IngressAddress::Missing);
    };
    let hostname = ingress
        .status
        .and_then(|s| s.load_balancer)
        .and_then(|lb| lb.ingress)
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.hostname);
    Ok(match hostname {
        Some(h) if !h.is_empty() => IngressAddress::Ready(h),
        _ => IngressAddress::Pending,
    })
}

/// One status condition, as Kubernetes reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: String,
    pub message: String,
}

/// `Unknown Pending: Waiting for…`: its status, reason and message.
impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "{} {}", self.status, self.reason)
        } else {
            write!(f, "{} {}: {}", self.status, self.reason, self.message)
        }
    }
}

/// `Accepted True, ResolvedRefs False (BackendNotFound: …)`: each condition
/// asked for as reported, with the reason and message of one not True.
pub(crate) fn conditions_label(conditions: &[Condition], kinds: &[&str]) -> String {
    kinds
        .iter()
        .map(|k| match conditions.iter().find(|c| c.kind == *k) {
            Some(c) if c.status == "True" => format!("{k} True"),
            Some(c) if c.message.is_empty() => format!("{k} {} ({})", c.status, c.reason),
            Some(c) => format!("{k} {} ({}: {})", c.status, c.reason, c.message),
            None => format!("{k} not reported"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an HTTPRoute reports for its Gateway once the Gateway takes it
/// and every backend it names exists (Gateway API v1 `RouteConditionType`).
pub(crate) const ROUTE_READY: &[&str] = &["Accepted", "ResolvedRefs"];

/// Whether every one of `kinds` is reported True.
pub(crate) fn all_true(conditions: &[Condition], kinds: &[&str]) -> bool {
    kinds.iter().all(|k| {
        conditions
            .iter()
            .any(|c| c.kind == *k && c.status == "True")
    })
}

fn conditions(v: &serde_json::Value) -> Vec<Condition> {
    let text = |c: &serde_json::Value, k: &str| c[k].as_str().unwrap_or_default().to_string();
    v.as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| Condition {
                    kind: text(c, "type"),
                    status: text(c, "status"),
                    reason: text(c, "reason"),
                    message: text(c, "message"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a Gateway's status says about its load balancer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatewayState {
    /// The first `status.addresses` entry of type Hostname.
    pub address: Option<String>,
    pub conditions: Vec<Condition>,
}

impl GatewayState {
    pub(crate) fn condition(&self, kind: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.kind == kind)
    }
}

/// A Gateway API v1 kind, by its plural.
fn gateway_resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", kind),
        plural,
    )
}

fn gateway_api(client: Client, namespace: &str, kind: &str, plural: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client, namespace, &gateway_resource(kind, plural))
}

/// Gateway `name` in `namespace`, or None when there is none.
pub(crate) async fn gateway(
    client: Client,
    namespace: &str,
    name: &str,
) -> Result<Option<GatewayState>> {
    let api = gateway_api(client, namespace, "Gateway", "gateways");
    let obj = api
        .get_opt(name)
        .await
        .map_err(|e| anyhow!("reading Gateway {namespace}/{name}: {}", describe(&e)))?;
    Ok(obj.map(|o| {
        let status = &o.data["status"];
        let address = status["addresses"].as_array().and_then(|a| {
            a.iter()
                // Gateway API v1 `GatewayStatusAddress.type`: default "IPAddress",
                // and an ALB's is a "Hostname", its DNS name.
                .filter(|x| x["type"].as_str() == Some("Hostname"))
                .find_map(|x| x["value"].as_str().filter(|v| !v.is_empty()))
                .map(str::to_string)
        });
        GatewayState {
            address,
            conditions: conditions(&status["conditions"]),
        }
    }))
}

/// What Gateway `name` says about its load balancer, in an Ingress's terms
/// (Ready only once `Programmed` is True and an address is reported), and
/// its conditions; Missing when there is no such Gateway.
pub(crate) async fn gateway_address(
    client: Client,
    namespace: &str,
    name: &str,
) -> Result<(IngressAddress, Vec<Condition>)> {
    let Some(g) = gateway(client, namespace, name).await? else {
        return Ok((IngressAddress::Missing, Vec::new()));
    };
    let address = match (g.condition("Programmed"), &g.address) {
        (Some(c), Some(a)) if c.status == "True" => IngressAddress::Ready(a.clone()),
        (Some(c), _) if c.status != "True" => IngressAddress::NotProgrammed(c.to_string()),
        _ => IngressAddress::Pending,
    };
    Ok((address, g.conditions))
}

/// An HTTPRoute's conditions as its Gateway `parent` reports them
/// (`status.parents[]` whose `parentRef.name` is the Gateway), or None
/// when there is no such route.
pub(crate) async fn http_route(
    client: Client,
    namespace: &str,
    name: &str,
    parent: &str,
) -> Result<Option<Vec<Condition>>> {
    let api = gateway_api(client, namespace, "HTTPRoute", "httproutes");
    let obj = api
        .get_opt(name)
        .await
        .map_err(|e| anyhow!("reading HTTPRoute {namespace}/{name}: {}", describe(&e)))?;
    Ok(obj.map(|o| {
        o.data["status"]["parents"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["parentRef"]["name"] == parent))
            .map(|p| conditions(&p["conditions"]))
            .unwrap_or_default()
    }))
}

fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({} {})", s.message, s.code, s.reason),
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

/// What applies a directory on a cluster: a Flux Kustomization or an
/// Argo CD Application. Both are read into a [`SyncObject`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Flux,
    ArgoCd,
}

impl Engine {
    /// The kind, for messages.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Engine::Flux => "Kustomization",
            Engine::ArgoCd => "Application",
        }
    }

    /// The product, for messages.
    pub(crate) fn product(self) -> &'static str {
        match self {
            Engine::Flux => "Flux",
            Engine::ArgoCd => "Argo CD",
        }
    }
}

/// A Flux Kustomization's or an Argo CD Application's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyncObject {
    pub name: String,
    /// Ready (Flux's Ready condition; Argo CD's Synced and Healthy):
    /// Some(true), Some(false) when failing, or None while it works on it.
    pub ready: Option<bool>,
    pub message: String,
    /// What it applied last: Flux's `status.lastAppliedRevision`, e.g.
    /// `main@sha1:0123…`; Argo CD's synced revision, a commit.
    pub applied: Option<String>,
    /// What it tried last, applied or not.
    pub attempted: Option<String>,
    /// Flux's `spec.suspend`; an Application without automated sync.
    pub suspended: bool,
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// Flux's objects (v1) in `namespace`, read and patched as dynamic objects.
fn flux(
    client: Client,
    namespace: &str,
    kind: &str,
    plural: &str,
    group: &str,
) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural);
    Api::namespaced_with(client, namespace, &ar)
}

/// Argo CD's Applications (`argoproj.io/v1alpha1`) in `namespace`.
fn applications(client: Client, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Application"),
        "applications",
    );
    Api::namespaced_with(client, namespace, &ar)
}

/// The engine's objects (Kustomizations or Applications) in `namespace`.
fn sync_api(client: Client, engine: Engine, namespace: &str) -> Api<DynamicObject> {
    match engine {
        Engine::Flux => flux(
            client,
            namespace,
            "Kustomization",
            "kustomizations",
            "kustomize.toolkit.fluxcd.io",
        ),
        Engine::ArgoCd => applications(client, namespace),
    }
}

/// The engine's objects in `namespace`: one LIST.
pub(crate) async fn sync_objects(
    client: Client,
    engine: Engine,
    namespace: &str,
) -> Result<Vec<SyncObject>> {
    let api = sync_api(client, engine, namespace);
    let list = api.list(&ListParams::default()).await.map_err(|e| {
        anyhow!(
            "listing {} {}s: {}",
            engine.product(),
            engine.kind(),
            describe(&e)
        )
    })?;
    Ok(list
        .items
        .into_iter()
        .map(|o| match engine {
            Engine::Flux => kustomization(o),
            Engine::ArgoCd => application(o),
        })
        .collect())
}

fn kustomization(o: DynamicObject) -> SyncObject {
    let status = &o.data["status"];
    let ready = status["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
        .cloned();
    SyncObject {
        name: o.metadata.name.unwrap_or_default(),
        ready: ready.as_ref().map(|c| c["status"] == "True"),
        message: ready
            .as_ref()
            .and_then(|c| c["message"].as_str())
            .unwrap_or_default()
            .to_string(),
        applied: status["lastAppliedRevision"].as_str().map(str::to_string),
        attempted: status["lastAttemptedRevision"].as_str().map(str::to_string),
        suspended: o.data["spec"]["suspend"].as_bool().unwrap_or(false),
        annotations: o.metadata.annotations.unwrap_or_default(),
    }
}

/// An Application's state from its `status` (Argo CD's Application CRD:
/// `sync.status` Synced/OutOfSync/Unknown, `health.status` Healthy,
/// Progressing, Degraded, Suspended, Missing or Unknown,
/// `operationState.phase` Running, Failed, Error or Succeeded, with its
/// `retryCount`; `conditions` of types such as ComparisonError and
/// InvalidSpecError; `history` the revisions it deployed).
fn application(o: DynamicObject) -> SyncObject {
    let status = &o.data["status"];
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let (sync, health) = (
        text(&status["sync"]["status"]),
        text(&status["health"]["status"]),
    );
    let phase = text(&status["operationState"]["phase"]);
    // A sync that failed and is being retried is failing now.
    let retrying = phase == "Running" && status["operationState"]["retryCount"].as_i64() > Some(0);
    let error = status["conditions"].as_array().and_then(|cs| {
        cs.iter()
            .find(|c| c["type"].as_str().is_some_and(|t| t.ends_with("Error")))
            .map(|c| format!("{}: {}", text(&c["type"]), text(&c["message"])))
    });
    let (ready, message) = if phase == "Failed" || phase == "Error" || retrying {
        (Some(false), text(&status["operationState"]["message"]))
    } else if let Some(e) = error {
        (Some(false), e)
    } else if health == "Degraded" {
        let m = text(&status["health"]["message"]);
        (
            Some(false),
            if m.is_empty() { "Degraded".into() } else { m },
        )
    } else if sync == "Synced" && health == "Healthy" {
        (Some(true), String::new())
    } else {
        (None, format!("sync {sync}, health {health}"))
    };
    let revision = status["sync"]["revision"].as_str();
    let deployed = status["history"]
        .as_array()
        .and_then(|h| h.last())
        .and_then(|h| h["revision"].as_str());
    let op = &status["operationState"];
    let automated = &o.data["spec"]["syncPolicy"]["automated"];
    SyncObject {
        name: o.metadata.name.unwrap_or_default(),
        ready,
        message,
        applied: (if sync == "Synced" { revision } else { deployed }).map(str::to_string),
        attempted: op["syncResult"]["revision"]
            .as_str()
            .or(op["operation"]["sync"]["revision"].as_str())
            .map(str::to_string),
        // No automated block, or `automated.enabled: false` (v3.1).
        suspended: !automated.is_object() || automated["enabled"] == false,
        annotations: o.metadata.annotations.unwrap_or_default(),
    }
}

/// The revision a Flux GitRepository last fetched (`status.artifact.revision`).
pub(crate) async fn source_revision(
    client: Client,
    namespace: &str,
    name: &str,
) -> Result<Option<String>> {
    let api = flux(
        client,
        namespace,
        "GitRepository",
        "gitrepositories",
        "source.toolkit.fluxcd.io",
    );
    let obj = api
        .get_opt(name)
        .await
        .map_err(|e| anyhow!("reading GitRepository {namespace}/{name}: {}", describe(&e)))?;
    Ok(obj.and_then(|o| {
        o.data["status"]["artifact"]["revision"]
            .as_str()
            .map(str::to_string)
    }))
}

/// (desired replicas, ready replicas) of a Deployment, or None when missing.
pub(crate) async fn deployment(
    client: Client,
    namespace: &str,
    name: &str,
) -> Result<Option<(i32, i32)>> {
    let api: Api<Deployment> = Api::namespaced(client, namespace);
    let d = api
        .get_opt(name)
        .await
        .map_err(|e| anyhow!("reading Deployment {namespace}/{name}: {}", describe(&e)))?;
    Ok(d.map(|d| {
        let want = d.spec.and_then(|s| s.replicas).unwrap_or(1);
        let ready = d.status.and_then(|s| s.ready_replicas).unwrap_or(0);
        (want, ready)
    }))
}

/// Every Deployment of the namespace, by name, with its (wanted, ready)
/// replicas: one LIST, however many apps the cluster runs.
pub(crate) async fn deployments(
    client: Client,
    namespace: &str,
) -> Result<std::collections::BTreeMap<String, (i32, i32)>> {
    let api: Api<Deployment> = Api::namespaced(client, namespace);
    let list = api
        .list(&kube::api::ListParams::default())
        .await
        .map_err(|e| anyhow!("listing Deployments in {namespace}: {}", describe(&e)))?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|d| {
            let name = d.metadata.name?;
            let want = d.spec.and_then(|s| s.replicas).unwrap_or(1);
            let ready = d.status.and_then(|s| s.ready_replicas).unwrap_or(0);
            Some((name, (want, ready)))
        })
        .collect())
}

/// Every HTTPRoute of the namespace, by name, with the conditions of each
/// of its parents (by the parent's name): one LIST.
pub(crate) async fn http_routes(
    client: Client,
    namespace: &str,
) -> Result<std::collections::BTreeMap<String, Vec<(String, Vec<Condition>)>>> {
    let api = gateway_api(client, namespace, "HTTPRoute", "httproutes");
    let list = api
        .list(&kube::api::ListParams::default())
        .await
        .map_err(|e| anyhow!("listing HTTPRoutes in {namespace}: {}", describe(&e)))?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|o| {
            let parents = o.data["status"]["parents"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            (
                                p["parentRef"]["name"]
                                    .as_str()
                                    .unwrap_or_default()
                                    .to_string(),
                                conditions(&p["conditions"]),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some((o.metadata.name?, parents))
        })
        .collect())
}

/// A JSON merge patch: the one kind of write gen makes to a cluster
/// (scale, suspend and resume with the drill's record).
async fn merge<K>(api: &Api<K>, name: &str, patch: serde_json::Value) -> kube::Result<K>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.patch(
        name,
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(&patch),
    )
    .await
}

/// Suspend (or resume) a Flux Kustomization or an Argo CD Application's
/// automated sync, so neither undoes a drill, and set (or, with None,
/// remove) an annotation in the same patch, so the object records why it
/// is suspended for as long as it is. An Application loses its
/// `automated` block, as `argocd app set --sync-policy none` removes it
/// (every Argo CD version reads that; `automated.enabled` is v3.1's), and
/// gets gen's back (prune, self-heal) on resume.
pub(crate) async fn set_suspended(
    client: Client,
    engine: Engine,
    namespace: &str,
    name: &str,
    suspend: bool,
    annotation: Option<(&str, Option<&str>)>,
) -> Result<()> {
    let api = sync_api(client, engine, namespace);
    let mut patch = match (engine, suspend) {
        (Engine::Flux, _) => serde_json::json!({"spec": {"suspend": suspend}}),
        (Engine::ArgoCd, true) => serde_json::json!({"spec": {"syncPolicy": {"automated": null}}}),
        (Engine::ArgoCd, false) => {
            serde_json::json!({"spec": {"syncPolicy": {"automated": {"prune": true, "selfHeal": true}}}})
        }
    };
    if let Some((key, value)) = annotation {
        patch["metadata"] = serde_json::json!({"annotations": {key: value}});
    }
    merge(&api, name, patch).await.map_err(|e| {
        anyhow!(
            "{} {} {namespace}/{name}: {}",
            if suspend { "suspending" } else { "resuming" },
            engine.kind(),
            describe(&e)
        )
    })?;
    Ok(())
}

/// Ask Argo CD to compare Applications with their repository now rather
/// than at its next poll, as `argocd app get --refresh` does: the
/// annotation `argocd.argoproj.io/refresh: normal`, which the controller
/// removes once it has refreshed (Argo CD, "Application Refresh").
pub(crate) async fn request_refresh(client: Client, namespace: &str, names: &[&str]) -> Result<()> {
    let api = applications(client, namespace);
    for name in names {
        let patch = serde_json::json!({"metadata": {"annotations": {"argocd.argoproj.io/refresh": "normal"}}});
        merge(&api, name, patch)
            .await
            .map_err(|e| anyhow!("Application {namespace}/{name}: {}", describe(&e)))?;
    }
    Ok(())
}

/// Ask Flux to fetch a GitRepository now rather than at its next interval,
/// as `flux reconcile source git` does: the annotation
/// `reconcile.fluxcd.io/requestedAt` with a new value ("any change in value
/// SHOULD trigger a reconciliation": fluxcd/pkg `apis/meta`,
/// ReconcileRequestAnnotation).
pub(crate) async fn request_reconcile(
    client: Client,
    namespace: &str,
    name: &str,
    at: &str,
) -> Result<()> {
    let api = flux(
        client,
        namespace,
        "GitRepository",
        "gitrepositories",
        "source.toolkit.fluxcd.io",
    );
    let patch =
        serde_json::json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": at}}});
    merge(&api, name, patch)
        .await
        .map_err(|e| anyhow!("GitRepository {namespace}/{name}: {}", describe(&e)))?;
    Ok(())
}

/// Set a Deployment's replicas.
pub(crate) async fn scale(
    client: Client,
    namespace: &str,
    name: &str,
    replicas: i32,
) -> Result<()> {
    let api: Api<Deployment> = Api::namespaced(client, namespace);
    merge(
        &api,
        name,
        serde_json::json!({"spec": {"replicas": replicas}}),
    )
    .await
    .map_err(|e| {
        anyhow!(
            "scaling Deployment {namespace}/{name} to {replicas}: {}",
            describe(&e)
        )
    })?;
    Ok(())
}

/// A kubeconfig context that names an EKS cluster: by its ARN (`aws eks
/// update-kubeconfig` names contexts and clusters so) or eksctl's
/// `<user>@<cluster>.<region>.eksctl.io`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EksContext {
    pub context: String,
    pub region: String,
    pub cluster: String,
}

/// Every context of `config` that names an EKS cluster, in kubeconfig order.
pub(crate) fn eks_contexts(config: &Kubeconfig) -> Vec<EksContext> {
    let parse = |s: &str| -> Option<(String, String)> {
        // arn:aws[-partition]:eks:REGION:ACCOUNT:cluster/NAME
        let mut parts = s.splitn(6, ':');
        if parts.next() == Some("arn")
            && parts.next().is_some_and(|p| p.starts_with("aws"))
            && parts.next() == Some("eks")
        {
            let region = parts.next()?;
            let _account = parts.next()?;
            let name = parts.next()?.strip_prefix("cluster/")?;
            return (!region.is_empty() && !name.is_empty())
                .then(|| (region.to_string(), name.to_string()));
        }
        let (_, rest) = s.split_once('@')?;
        let rest = rest.strip_suffix(".eksctl.io")?;
        let (name, region) = rest.rsplit_once('.')?;
        Some((region.to_string(), name.to_string()))
    };
    config
        .contexts
        .iter()
        .filter_map(|c| {
            let cluster = c.context.as_ref().map(|x| x.cluster.as_str()).unwrap_or("");
            let (region, name) = parse(&c.name).or_else(|| parse(cluster))?;
            Some(EksContext {
                context: c.name.clone(),
                region,
                cluster: name,
            })
        })
        .collect()
}

/// Each IngressClass of the cluster: (name, controller).
pub(crate) async fn ingress_classes(client: Client) -> Result<Vec<(String, String)>> {
    use k8s_openapi::api::networking::v1::IngressClass;
    let api: Api<IngressClass> = Api::all(client);
    let list = api
        .list(&ListParams::default())
        .await
        .context("listing IngressClasses")?;
    Ok(list
        .items
        .into_iter()
        .map(|c| {
            (
                c.metadata.name.unwrap_or_default(),
                c.spec.and_then(|s| s.controller).unwrap_or_default(),
            )
        })
        .collect())
}

/// A GatewayClass as the cluster reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatewayClass {
    pub name: String,
    pub controller_name: String,
    /// Its `Accepted` condition is True: a controller of that name took it.
    pub accepted: bool,
}

/// A kind the cluster serves, in its group's preferred version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServedKind {
    pub group: String,
    pub version: String,
    pub kind: String,
}

/// Each GatewayClass of the cluster. One LIST.
pub(crate) async fn gateway_classes(client: Client) -> Result<Vec<GatewayClass>> {
    let api: Api<DynamicObject> =
        Api::all_with(client, &gateway_resource("GatewayClass", "gatewayclasses"));
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| anyhow!("listing GatewayClasses: {}", describe(&e)))?;
    Ok(list
        .items
        .into_iter()
        .map(|o| GatewayClass {
            controller_name: o.data["spec"]["controllerName"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            accepted: all_true(&conditions(&o.data["status"]["conditions"]), &["Accepted"]),
            name: o.metadata.name.unwrap_or_default(),
        })
        .collect())
}

/// The kinds served by the cluster's AWS API groups (named in an AWS
/// domain: `*.amazonaws.com`, `*.aws`), each in its group's preferred
/// version: one call for the groups, one per AWS group.
pub(crate) async fn aws_served_kinds(client: Client) -> Result<Vec<ServedKind>> {
    let groups = client
        .list_api_groups()
        .await
        .map_err(|e| anyhow!("listing the served API groups: {}", describe(&e)))?;
    let mut out = Vec::new();
    for g in groups.groups {
        if !(g.name.ends_with(".amazonaws.com") || g.name.ends_with(".aws")) {
            continue;
        }
        let Some(v) = g.preferred_version.or_else(|| g.versions.first().cloned()) else {
            continue;
        };
        let resources = client
            .list_api_group_resources(&v.group_version)
            .await
            .map_err(|e| anyhow!("listing what {} serves: {}", v.group_version, describe(&e)))?;
        // Subresources (`…/status`) are not kinds of their own.
        out.extend(
            resources
                .resources
                .into_iter()
                .filter(|r| !r.name.contains('/'))
                .map(|r| ServedKind {
                    group: g.name.clone(),
                    version: v.version.clone(),
                    kind: r.kind,
                }),
        );
    }
    Ok(out)
}
