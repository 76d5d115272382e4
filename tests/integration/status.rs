//! `gen status` against scripted Kubernetes API servers (no API server can
//! run here): each answers, for the paths the kube crate requests, what a
//! cluster with Flux would (GitRepository, Kustomizations, Deployments, the
//! Ingress). The Route 53 side runs against the moto server, which reports
//! every health check healthy (one checker): so the unhealthy path is not
//! exercised against it.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::util::*;

pub(crate) type Routes = Arc<Mutex<BTreeMap<String, Value>>>;

/// A scripted API server: GET of a path in `routes` answers its object,
/// anything else a 404 Status, as the API server does.
pub(crate) struct FakeKube {
    pub(crate) url: String,
    pub(crate) routes: Routes,
}

impl FakeKube {
    pub(crate) fn start(routes: BTreeMap<String, Value>) -> FakeKube {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let routes = Arc::new(Mutex::new(routes));
        let r = routes.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &r);
            }
        });
        FakeKube { url, routes }
    }
}

fn serve(stream: TcpStream, routes: &Routes) {
    let Some(req) = read_request(&stream) else {
        return;
    };
    let path = req.path;
    // A merge patch is kept, as the last one of its path, for tests to read.
    if req.method == "PATCH" {
        let mut routes = routes.lock().unwrap();
        let patch: Value = serde_json::from_str(&req.body).unwrap_or(Value::Null);
        routes.insert(format!("PATCH {path}"), patch.clone());
        return respond(stream, "200 OK", "application/json", &patch.to_string());
    }
    let routes = routes.lock().unwrap();
    let bare = path.split('?').next().unwrap_or_default().to_string();
    // A LIST of a collection holds the objects scripted under it.
    let items: Vec<&Value> = routes
        .iter()
        .filter(|(k, _)| {
            k.strip_prefix(&format!("{bare}/"))
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
        })
        .map(|(_, v)| v)
        .collect();
    let (code, reply) = match routes.get(&path).or_else(|| routes.get(&bare)) {
        Some(v) => ("200 OK", v.to_string()),
        None if !items.is_empty() => (
            "200 OK",
            json!({"apiVersion": items[0]["apiVersion"], "kind": format!("{}List", items[0]["kind"].as_str().unwrap_or_default()), "metadata": {}, "items": items}).to_string(),
        ),
        None => ("404 Not Found", json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": format!("{path} not found"), "reason": "NotFound", "code": 404}).to_string()),
    };
    drop(routes);
    respond(stream, code, "application/json", &reply);
}

pub(crate) const WEST_ALB: &str = "shop-1.eu-west-1.elb.amazonaws.com";

/// What a healthy cluster with Flux at `applied` answers.
pub(crate) fn cluster(applied: &str, alb: &str, ready_pods: i32) -> BTreeMap<String, Value> {
    let k = |name: &str| {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
               "metadata": {"name": name, "namespace": "flux-system"},
               "spec": {"interval": "10m", "path": "./x", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
               "status": {"lastAppliedRevision": format!("main@sha1:{applied}"),
                          "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": format!("Applied revision: main@sha1:{applied}"), "lastTransitionTime": "2026-11-22T00:00:00Z"}]}})
    };
    BTreeMap::from([
        (
            "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system"
                .to_string(),
            json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": {"name": "flux-system", "namespace": "flux-system"}, "status": {"artifact": {"revision": format!("main@sha1:{applied}")}}}),
        ),
        (
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations"
                .to_string(),
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "KustomizationList", "metadata": {}, "items": [k("shop-infra"), k("shop-ingress"), k("shop-app-cart")]}),
        ),
        (
            "/apis/apps/v1/namespaces/shop/deployments/cart".to_string(),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cart", "namespace": "shop"},
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {}, "spec": {"containers": []}}},
                   "status": {"replicas": 2, "readyReplicas": ready_pods}}),
        ),
        (
            "/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop".to_string(),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop", "namespace": "shop"}, "status": {"loadBalancer": {"ingress": [{"hostname": alb}]}}}),
        ),
    ])
}

pub(crate) fn kubeconfig(dir: &Path, west: &str, east: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: west\n  cluster: {{server: \"{west}\"}}\n- name: east\n  cluster: {{server: \"{east}\"}}\ncontexts:\n- name: west\n  context: {{cluster: west, user: t}}\n- name: east\n  context: {{cluster: east, user: t}}\ncurrent-context: west\nusers:\n- name: t\n  user: {{token: t}}\n"),
    )
    .unwrap();
    path
}

/// A rendered and committed repository for the `shop` spec, both ALBs known.
fn repo() -> (tempfile::TempDir, String) {
    repo_in(None)
}

/// `repo`, with the hosted zone `zone` recorded in gen.lock.
fn repo_in(zone: Option<&str>) -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    if let Some(id) = zone {
        lock_zone(d.path(), id);
    }
    let text = resolved_spec("");
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let head = git(d.path(), &["rev-parse", "HEAD"]).trim().to_string();
    (d, head)
}

pub(crate) fn status(dir: &Path, config: &Path, args: &[&str]) -> std::process::Output {
    let (mut cmd, _home) = gen_command(dir);
    cmd.arg("status")
        .args(args)
        .env("KUBECONFIG", config)
        .output()
        .unwrap()
}

#[test]
fn status_is_green_when_every_cluster_applied_head_and_every_app_is_ready() {
    let (d, head) = repo();
    let west = FakeKube::start(cluster(&head, WEST_ALB, 2));
    let east = FakeKube::start(cluster(&head, EAST_ALB, 2));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let o = status(d.path(), &config, &["--no-aws"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("west     eu-west-1  reconciled"), "{out}");
    assert!(
        out.contains("shop  eu-west-1  Ingress  matches  -"),
        "{out}"
    );
    assert!(
        out.contains("cart  eu-west-1  shop  2/2 ready  matches"),
        "{out}"
    );
    assert!(
        out.contains("everything is reconciled and healthy"),
        "{out}"
    );
}

#[test]
fn status_flags_a_cluster_behind_drift_unready_pods_and_an_unreachable_cluster() {
    let (d, head) = repo();
    let west = FakeKube::start(cluster(
        "0123456789abcdef0123456789abcdef01234567",
        "k8s-other.eu-west-1.elb.amazonaws.com",
        1,
    ));
    let config = kubeconfig(d.path(), &west.url, "http://127.0.0.1:9");
    let o = status(d.path(), &config, &["--no-aws", "--output", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["head"], head.as_str());
    assert_eq!(v["clusters"][0]["state"], "behind");
    assert!(
        v["clusters"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("shop-app-cart at main@sha1:0123456789"),
        "{v}"
    );
    assert_eq!(
        v["clusters"][1]["state"], "unreachable",
        "status keeps reporting the clusters it can reach"
    );
    // JSON carries states by name, not the table's display text.
    assert_eq!(
        v["apps"][0]["pods"],
        json!({"state": "ready", "ready": 1, "want": 2})
    );
    assert_eq!(
        v["apps"][0]["ingress"],
        json!({"state": "drift", "now": "k8s-other.eu-west-1.elb.amazonaws.com"})
    );
    assert_eq!(
        v["apps"][0]["health_check"],
        json!({"state": "not_checked"})
    );
    assert_eq!(v["apps"][1]["pods"]["state"], "error", "{v}");
    assert!(
        v["apps"][1]["pods"]["message"]
            .as_str()
            .unwrap()
            .contains("Connection refused"),
        "{v}"
    );
    assert_eq!(v["ok"], false);

    // A failing Kustomization is named with Flux's message.
    let mut failing = cluster(&head, WEST_ALB, 2);
    let list =
        "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations".to_string();
    let mut items = failing[&list].clone();
    items["items"][2]["status"]["conditions"][0]["status"] = json!("False");
    items["items"][2]["status"]["conditions"][0]["message"] =
        json!("Deployment/shop/cart dry-run failed: field is immutable");
    failing.insert(list, items);
    *west.routes.lock().unwrap() = failing;
    let o = status(d.path(), &config, &["--no-aws"]);
    assert!(
        stdout(&o).contains("failing")
            && stdout(&o).contains("shop-app-cart: Deployment/shop/cart dry-run failed"),
        "{}",
        stdout(&o)
    );
}

/// With several shared ALBs, each ALB's Ingress is compared with what the
/// spec and gen.lock say, and one that moved is named as drift on its own.
#[test]
fn status_shows_drift_per_alb() {
    let d = tempfile::tempdir().unwrap();
    let east = "shop-1.us-east-1.elb.amazonaws.com";
    let text = format!(
        "version: 1\nname: shop\ndns: {{zone: example.org, zoneId: Z1}}\ningress:\n  albs: [{{name: shop}}, {{name: shop-b}}]\nregions:\n  - {{name: eu-west-1, cluster: west, albs: {{shop: {{dnsName: {WEST_ALB}}}, shop-b: {{dnsName: b-1.eu-west-1.elb.amazonaws.com}}}}}}\n  - {{name: us-east-1, cluster: east, albs: {{shop: {{dnsName: {east}}}, shop-b: {{dnsName: b-1.us-east-1.elb.amazonaws.com}}}}}}\napps:\n  - {{name: cart, host: cart.example.org, image: img, replicas: 2, health: {{path: /carthealth}}}}\n  - {{name: pay, host: pay.example.org, image: img, replicas: 2, health: {{path: /payhealth}}, alb: shop-b}}\n"
    );
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let head = git(d.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let with_b = |alb: &str, b: &str| {
        let mut routes = cluster(&head, alb, 2);
        routes.insert(
            "/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop-b".to_string(),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop-b", "namespace": "shop"}, "status": {"loadBalancer": {"ingress": [{"hostname": b}]}}}),
        );
        routes
    };
    // shop-b in eu-west-1 now has another load balancer than the spec says.
    let west = FakeKube::start(with_b(WEST_ALB, "b-2.eu-west-1.elb.amazonaws.com"));
    let east_kube = FakeKube::start(with_b(east, "b-1.us-east-1.elb.amazonaws.com"));
    let config = kubeconfig(d.path(), &west.url, &east_kube.url);
    let o = status(d.path(), &config, &["--no-aws", "--output", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let state = |alb: &str, region: &str| -> serde_json::Value {
        v["albs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["alb"] == alb && a["region"] == region)
            .map(|a| a["ingress"].clone())
            .unwrap_or_default()
    };
    assert_eq!(
        state("shop", "eu-west-1"),
        json!({"state": "matches"}),
        "{v}"
    );
    assert_eq!(
        state("shop-b", "us-east-1"),
        json!({"state": "matches"}),
        "{v}"
    );
    assert_eq!(
        state("shop-b", "eu-west-1"),
        json!({"state": "drift", "now": "b-2.eu-west-1.elb.amazonaws.com"}),
        "{v}"
    );
    assert_eq!(v["ok"], false);
    // Each app row names its ALB and carries that ALB's state.
    let pay = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app"] == "pay" && a["region"] == "eu-west-1")
        .unwrap();
    assert_eq!(pay["alb"], "shop-b");
    assert_eq!(pay["ingress"]["state"], "drift", "{pay}");
}

#[test]
fn status_wait_returns_once_every_cluster_applied_head_and_fails_with_the_reason_otherwise() {
    let (d, head) = repo();
    let west = FakeKube::start(cluster(
        "0000000000000000000000000000000000000000",
        WEST_ALB,
        2,
    ));
    let east = FakeKube::start(cluster(&head, EAST_ALB, 2));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let routes = west.routes.clone();
    let head2 = head.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        *routes.lock().unwrap() = cluster(&head2, WEST_ALB, 2);
    });
    let o = status(
        d.path(),
        &config,
        &["--no-aws", "--wait", "--timeout", "60"],
    );
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("waiting (0 s): west behind"),
        "{}",
        stderr(&o)
    );

    *west.routes.lock().unwrap() = cluster("1111111111111111111111111111111111111111", WEST_ALB, 2);
    let o = status(d.path(), &config, &["--no-aws", "--wait", "--timeout", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not every cluster applied")
            && stderr(&o).contains("west (eu-west-1): behind"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn status_reads_each_apps_health_check_from_route53() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.org");
    let (d, _) = repo_in(Some(&zone));
    assert!(moto.run(d.path(), &["deploy", "--yes"]).status.success());
    let head = git(d.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let west = FakeKube::start(cluster(&head, WEST_ALB, 2));
    let east = FakeKube::start(cluster(&head, EAST_ALB, 2));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let (mut cmd, _home) = moto.gen_cmd(d.path(), &["status"]);
    let o = cmd.env("KUBECONFIG", &config).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    // moto reports one checker, always healthy.
    assert!(
        stdout(&o).contains("healthy 1/1 checkers"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn status_reads_every_check_in_a_few_calls() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.org");
    let (d, _) = repo_in(Some(&zone));
    assert!(moto.run(d.path(), &["deploy", "--yes"]).status.success());
    // The check IDs are the DNS stack's outputs; Route 53 sends each one's
    // HealthCheckStatus to us-east-1 a minute at a time.
    let outputs = moto.py("outputs", "shop-dns-cart");
    let id = |k: &str| outputs[k].as_str().unwrap().to_string();
    moto.py(
        "health",
        &format!(
            "{}=1,{}=0",
            id("HealthCheckCartEuWest1Id"),
            id("HealthCheckCartUsEast1Id")
        ),
    );
    let head = git(d.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let west = FakeKube::start(cluster(&head, WEST_ALB, 2));
    let east = FakeKube::start(cluster(&head, EAST_ALB, 2));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    moto.reset_calls();
    let (mut cmd, _home) = moto.gen_cmd(d.path(), &["status", "--output", "json"]);
    let o = cmd.env("KUBECONFIG", &config).output().unwrap();
    let calls = moto.calls();
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let check = |region: &str| {
        v["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["region"] == region)
            .unwrap()["health_check"]
            .clone()
    };
    // The point was put a minute ago; its minute began one or two ago.
    let (west, east) = (check("eu-west-1"), check("us-east-1"));
    assert_eq!(west["state"], "healthy_as_of", "{west}");
    assert_eq!(east["state"], "unhealthy_as_of", "{east}");
    for c in [&west, &east] {
        assert!((1..=2).contains(&c["minutes_ago"].as_i64().unwrap()), "{c}");
    }
    // Both checks: one DescribeStacks, one GetMetricData, nothing per check.
    let n = |a: &str| crate::deploy::Moto::count(&calls, a);
    assert_eq!(n("cloudformation:DescribeStacks"), 1, "{calls}");
    assert_eq!(n("monitoring:GetMetricData"), 1, "{calls}");
    assert_eq!(
        n("route53:GET /2013-04-01/healthcheck/{id}/status"),
        0,
        "{calls}"
    );
    assert_eq!(n("cloudformation:DescribeStackResource"), 0, "{calls}");
}

#[test]
fn status_names_a_record_edited_outside_gen() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.org");
    let (d, _) = repo_in(Some(&zone));
    assert!(moto.run(d.path(), &["deploy", "--yes"]).status.success());
    let head = git(d.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let west = FakeKube::start(cluster(&head, WEST_ALB, 2));
    let east = FakeKube::start(cluster(&head, EAST_ALB, 2));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let run = |args: &[&str]| {
        let (mut cmd, _home) = moto.gen_cmd(d.path(), &["status"]);
        cmd.args(args).env("KUBECONFIG", &config).output().unwrap()
    };
    let o = run(&[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(
            "records: all 2 in the zone as rendered; health checks: all 2 deployed as rendered"
        ),
        "{}",
        stdout(&o)
    );
    // The standby's weight turned up in the console: CloudFormation would not see it.
    moto.py("set-weight", "cart.example.org|us-east-1|50");
    let o = run(&[]);
    assert!(!o.status.success());
    assert!(
        stdout(&o).contains("cart.example.org. (us-east-1): weight is 50, rendered 0"),
        "{}",
        stdout(&o)
    );
    let o = run(&["--output", "json"]);
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["records"]["state"], "drift", "{r}");
    assert_eq!(r["records"]["drift"][0]["field"], "weight", "{r}");
    // A check's path edited in the console: named too.
    let outputs = moto.py("outputs", "shop-dns-cart");
    let id = outputs["HealthCheckCartEuWest1Id"].as_str().unwrap();
    moto.py("edit-check", &format!("{id}=/edited"));
    let o = run(&[]);
    assert!(!o.status.success());
    assert!(
        stdout(&o).contains(&format!(
            "health check HealthCheckCartEuWest1 ({id}): ResourcePath is /edited, rendered /carthealth"
        )),
        "{}",
        stdout(&o)
    );
}

/// What a cluster whose Argo CD synced `applied` answers: gen's
/// Applications Synced at it and Healthy (but `degraded`, Degraded with
/// Argo CD's message), and the app's Deployment and Ingress.
pub(crate) fn argocd_cluster(applied: &str, degraded: Option<&str>) -> BTreeMap<String, Value> {
    let a = |name: &str| {
        let health = if degraded == Some(name) {
            json!({"status": "Degraded", "message": "Deployment \"cart\" exceeded its progress deadline"})
        } else {
            json!({"status": "Healthy"})
        };
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
               "metadata": {"name": name, "namespace": "argocd"},
               "spec": {"project": "default", "destination": {"name": "in-cluster"},
                        "source": {"repoURL": "https://example.org/r.git", "path": "x", "targetRevision": "HEAD"},
                        "syncPolicy": {"automated": {"prune": true, "selfHeal": true}}},
               "status": {"sync": {"status": "Synced", "revision": applied}, "health": health,
                          "history": [{"id": 1, "revision": applied, "deployedAt": "2026-12-01T00:00:00Z"}],
                          "operationState": {"phase": "Succeeded", "syncResult": {"revision": applied}}}})
    };
    let mut routes = cluster(applied, WEST_ALB, 2);
    routes.retain(|k, _| !k.contains("fluxcd.io"));
    routes.insert(
        "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications".to_string(),
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationList", "metadata": {},
               "items": [a("shop-infra"), a("shop-ingress"), a("shop-app-cart")]}),
    );
    routes
}

/// A cluster that syncs with Argo CD is read from its Applications: every
/// one Synced at HEAD and Healthy is reconciled; a Degraded one is failing,
/// named with Argo CD's message.
#[test]
fn status_reads_argo_cd_applications_sync_and_health() {
    let d = tempfile::tempdir().unwrap();
    let text = resolved_spec("").replace(
        "    cluster: west\n",
        "    cluster: west\n    gitops: argocd\n",
    ) + "argocd: {repoUrl: \"https://example.org/r.git\"}\n";
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let head = git(d.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let west = FakeKube::start(argocd_cluster(&head, None));
    let east = FakeKube::start(cluster(&head, EAST_ALB, 2));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let o = status(d.path(), &config, &["--no-aws", "--output", "json"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["clusters"][0]["state"], "reconciled", "{v}");
    assert!(
        v["clusters"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("3 Applications at"),
        "{v}"
    );
    assert!(
        v["clusters"][1]["detail"]
            .as_str()
            .unwrap()
            .starts_with("3 Kustomizations at"),
        "{v}"
    );

    *west.routes.lock().unwrap() = argocd_cluster(&head, Some("shop-app-cart"));
    let o = status(d.path(), &config, &["--no-aws"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("failing")
            && stdout(&o)
                .contains("shop-app-cart: Deployment \"cart\" exceeded its progress deadline"),
        "{}",
        stdout(&o)
    );

    // A sync that failed and is retried, and a spec Argo CD cannot
    // compare: both failing, with Argo CD's words.
    let list = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications".to_string();
    let mut routes = argocd_cluster(&head, None);
    let mut items = routes[&list].clone();
    items["items"][2]["status"]["operationState"] = json!({"phase": "Running", "retryCount": 2,
        "message": "one or more objects failed to apply (retried 2 times)."});
    items["items"][1]["status"]["conditions"] = json!([{"type": "ComparisonError",
        "message": "Failed to load target state: repository not accessible"}]);
    routes.insert(list, items);
    *west.routes.lock().unwrap() = routes;
    let o = status(d.path(), &config, &["--no-aws"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("shop-app-cart: one or more objects failed to apply (retried 2 times)")
            && stdout(&o).contains("shop-ingress: ComparisonError: Failed to load target state"),
        "{}",
        stdout(&o)
    );

    // An older commit synced: behind, naming the revision.
    let old = "0123456789abcdef0123456789abcdef01234567";
    *west.routes.lock().unwrap() = argocd_cluster(old, None);
    let o = status(d.path(), &config, &["--no-aws"]);
    assert!(
        stdout(&o).contains("behind") && stdout(&o).contains("shop-app-cart at 0123456789"),
        "{}",
        stdout(&o)
    );
}
