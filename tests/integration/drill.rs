//! `gen drill`: the Kubernetes side against a scripted API server that
//! applies the drill's patches (Kustomization suspend, Deployment replicas),
//! the stacks deployed to the moto server, and Route 53's health-check
//! status from a scripted endpoint that turns unhealthy once the app is
//! scaled to 0 (moto always reports checks healthy). The live drill against
//! real clusters and AWS is `live_drill`, ignored by default.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::deploy::Moto;
use crate::util::*;

#[derive(Default)]
struct World {
    replicas: i64,
    /// Route 53 sees the app down once it has been scaled to 0 ...
    down: bool,
    /// ... unless it never notices (a drill that times out).
    blind: bool,
    /// Every check reports unhealthy (a peer Region already down).
    all_unhealthy: bool,
    /// (method, path, body) of every write.
    writes: Vec<(String, String, String)>,
    /// The app's Kustomization (or Argo CD Application), with every merge
    /// patch applied, and its collection's path.
    kustomization: serde_json::Value,
    collection: String,
}

/// RFC 7386 JSON merge patch: objects merge, null removes, the rest replaces.
fn merge(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(json!({})), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

struct Fake {
    url: String,
    world: Arc<Mutex<World>>,
}

impl Fake {
    fn start() -> Fake {
        Fake::with(
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": "shop-app-cart", "namespace": "flux-system"},
                "spec": {"interval": "10m", "path": "./deploy/west/apps/cart", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}),
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations",
        )
    }

    /// A cluster that syncs with Argo CD: the app's Application as gen
    /// renders it.
    fn argocd() -> Fake {
        Fake::with(
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "shop-app-cart", "namespace": "argocd"},
                "spec": {"project": "default", "destination": {"name": "in-cluster"},
                         "source": {"repoURL": "https://example.org/r.git", "path": "deploy/west/apps/cart", "targetRevision": "HEAD"},
                         "syncPolicy": {"automated": {"prune": true, "selfHeal": true}}}}),
            "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications",
        )
    }

    fn with(object: serde_json::Value, collection: &str) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let world = Arc::new(Mutex::new(World {
            replicas: 2,
            kustomization: object,
            collection: collection.to_string(),
            ..World::default()
        }));
        let w = world.clone();
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                serve(s, &w);
            }
        });
        Fake { url, world }
    }

    fn writes(&self) -> Vec<String> {
        self.world
            .lock()
            .unwrap()
            .writes
            .iter()
            .map(|(m, p, b)| format!("{m} {p} {b}"))
            .collect()
    }
}

fn serve(stream: TcpStream, world: &Mutex<World>) {
    let Some(Request {
        method, path, body, ..
    }) = read_request(&stream)
    else {
        return;
    };
    let mut w = world.lock().unwrap();
    let deployment = |replicas: i64| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cart", "namespace": "shop"},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {}, "spec": {"containers": []}}},
               "status": {"replicas": replicas, "readyReplicas": replicas}})
    };
    let (code, ctype, reply) = if path.starts_with("/2013-04-01/healthcheck/") {
        let unhealthy = w.all_unhealthy || w.down;
        let obs: String = (0..3)
            .map(|i| {
                let status = if unhealthy { "Failure: HTTP Status Code 503" } else { "Success: HTTP Status Code 200, OK" };
                format!("<HealthCheckObservation><Region>us-east-1</Region><IPAddress>15.177.0.{i}</IPAddress><StatusReport><Status>{status}</Status><CheckedTime>2026-11-22T00:00:00Z</CheckedTime></StatusReport></HealthCheckObservation>")
            })
            .collect();
        (
            "200 OK",
            "text/xml",
            format!(
                "<?xml version=\"1.0\"?><GetHealthCheckStatusResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><HealthCheckObservations>{obs}</HealthCheckObservations></GetHealthCheckStatusResponse>"
            ),
        )
    } else if path == "/apis/apps/v1/namespaces/shop/deployments/cart" {
        if method == "PATCH" {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            w.replicas = v["spec"]["replicas"].as_i64().unwrap();
            w.down = w.replicas == 0 && !w.blind;
            w.writes.push((method.clone(), path.clone(), body.clone()));
        }
        (
            "200 OK",
            "application/json",
            deployment(w.replicas).to_string(),
        )
    } else if path == format!("{}/shop-app-cart", w.collection) && method == "PATCH" {
        w.writes.push((method.clone(), path.clone(), body.clone()));
        let patch: serde_json::Value = serde_json::from_str(&body).unwrap();
        merge(&mut w.kustomization, &patch);
        ("200 OK", "application/json", w.kustomization.to_string())
    } else if path.starts_with(&w.collection) && method == "GET" {
        let k = &w.kustomization;
        let list = json!({"apiVersion": k["apiVersion"], "kind": format!("{}List", k["kind"].as_str().unwrap()), "metadata": {}, "items": [k.clone()]});
        ("200 OK", "application/json", list.to_string())
    } else {
        ("404 Not Found", "application/json", json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "not found", "reason": "NotFound", "code": 404}).to_string())
    };
    drop(w);
    respond(stream, code, ctype, &reply);
}

/// A deployed `shop` (moto) whose west cluster is the fake.
fn setup() -> (Moto, Fake, tempfile::TempDir) {
    setup_with(&resolved_spec(""), Fake::start())
}

fn setup_with(text: &str, fake: Fake) -> (Moto, Fake, tempfile::TempDir) {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = tempfile::tempdir().unwrap();
    lock_zone(d.path(), &zone);
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    assert!(moto.run(d.path(), &["deploy", "--yes"]).status.success());
    std::fs::write(
        d.path().join("kubeconfig"),
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: west\n  cluster: {{server: \"{}\"}}\ncontexts:\n- name: west\n  context: {{cluster: west, user: t}}\ncurrent-context: west\nusers:\n- name: t\n  user: {{token: t}}\n", fake.url),
    )
    .unwrap();
    (moto, fake, d)
}

/// `gen drill` started in the background, for a signal to reach it while
/// it waits for Route 53 (the fake never reports the app down).
fn drill_running(moto: &Moto, fake: &Fake, dir: &Path) -> (std::process::Child, tempfile::TempDir) {
    fake.world.lock().unwrap().blind = true;
    let (mut cmd, home) = moto.gen_cmd(dir, DRILL);
    let child = cmd
        .env("KUBECONFIG", dir.join("kubeconfig"))
        .env("AWS_ENDPOINT_URL_ROUTE_53", &fake.url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Until the app is down: the drill is then waiting.
    let started = std::time::Instant::now();
    while !fake.writes().iter().any(|w| w.contains("\"replicas\":0")) {
        assert!(
            started.elapsed().as_secs() < 60,
            "the drill never took the app down"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (child, home)
}

pub(crate) fn kill(child: &std::process::Child, signal: i32) {
    // SAFETY: kill(2) on a child process this test started.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::kill(child.id() as i32, signal) };
    assert_eq!(rc, 0);
}

#[test]
fn a_drill_restores_on_sigterm_and_sighup_as_on_ctrl_c() {
    for (signal, name) in [
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
    ] {
        let (moto, fake, d) = setup();
        let (child, _home) = drill_running(&moto, &fake, d.path());
        kill(&child, signal);
        let o = child.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{name}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(
            stdout(&o).contains(&format!("drill stopped: interrupted ({name})")),
            "{name}: {}",
            stdout(&o)
        );
        let writes = fake.writes();
        assert_eq!(writes.len(), 4, "{name}: {writes:#?}");
        assert!(writes[2].contains("\"replicas\":2"), "{name}: {writes:#?}");
        assert!(
            writes[3].contains("\"suspend\":false") && writes[3].contains("\"gen/drill\":null"),
            "{name}: resumed and the record removed: {writes:#?}"
        );
        assert!(
            fake.world.lock().unwrap().kustomization["metadata"]
                .get("annotations")
                .is_none_or(|a| a.get("gen/drill").is_none())
        );
    }
}

#[test]
fn a_killed_drill_is_reported_by_status_and_finished_by_restore() {
    let (moto, fake, d) = setup();
    let (child, _home) = drill_running(&moto, &fake, d.path());
    // Before taking anything down, the drill recorded itself on the
    // Kustomization it suspended, with the replicas to restore.
    let record =
        fake.world.lock().unwrap().kustomization["metadata"]["annotations"]["gen/drill"].clone();
    let record: serde_json::Value = serde_json::from_str(record.as_str().unwrap()).unwrap();
    assert_eq!(
        (record["app"].as_str(), record["replicas"].as_i64()),
        (Some("cart"), Some(2)),
        "{record}"
    );
    assert!(
        fake.writes()[0].contains("gen/drill"),
        "in the same patch as the suspend"
    );
    kill(&child, libc::SIGKILL);
    let _ = child.wait_with_output();
    assert_eq!(
        fake.world.lock().unwrap().replicas,
        0,
        "SIGKILL: nothing restored"
    );

    let (mut cmd, _h) = moto.gen_cmd(d.path(), &["status", "--no-aws"]);
    let o = cmd
        .env("KUBECONFIG", d.path().join("kubeconfig"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("drill interrupted")
            && stdout(&o).contains("cart in eu-west-1 since 20")
            && stdout(&o).contains("run `gen drill --app cart --region eu-west-1 --restore`"),
        "{}",
        stdout(&o)
    );

    // A new drill now would take 0 replicas for the app's: refused.
    let o = drill(&moto, &fake, d.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("holds an unfinished drill") && stderr(&o).contains("--restore"),
        "{}",
        stderr(&o)
    );

    let o = drill(&moto, &fake, d.path(), &["--restore"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("the drill is finished"),
        "{}",
        stdout(&o)
    );
    let w = fake.world.lock().unwrap();
    assert_eq!(w.replicas, 2);
    assert_eq!(w.kustomization["spec"]["suspend"], false);
    assert!(
        w.kustomization["metadata"]["annotations"]
            .get("gen/drill")
            .is_none(),
        "{}",
        w.kustomization
    );
    drop(w);
    let o = drill(&moto, &fake, d.path(), &["--restore"]);
    assert!(
        stdout(&o).contains("no drill is recorded"),
        "{}",
        stdout(&o)
    );
}

/// The drill of every test: cart in eu-west-1, polled every second.
const DRILL: &[&str] = &[
    "drill",
    "--app",
    "cart",
    "--region",
    "eu-west-1",
    "--poll",
    "1",
];

fn drill(moto: &Moto, fake: &Fake, dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = DRILL.to_vec();
    all.extend_from_slice(args);
    let (mut cmd, _home) = moto.gen_cmd(dir, &all);
    cmd.env("KUBECONFIG", dir.join("kubeconfig"))
        .env("AWS_ENDPOINT_URL_ROUTE_53", &fake.url)
        .output()
        .unwrap()
}

#[test]
fn a_drill_suspends_flux_scales_down_measures_and_restores() {
    let (moto, fake, d) = setup();
    let o = drill(&moto, &fake, d.path(), &["--json", "drill.json"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let writes = fake.writes();
    assert_eq!(writes.len(), 4, "{writes:#?}");
    assert!(
        writes[0].contains("kustomizations/shop-app-cart")
            && writes[0].contains("\"suspend\":true"),
        "{writes:#?}"
    );
    assert!(
        writes[1].contains("deployments/cart") && writes[1].contains("\"replicas\":0"),
        "{writes:#?}"
    );
    assert!(
        writes[2].contains("deployments/cart") && writes[2].contains("\"replicas\":2"),
        "restored to the replicas it had: {writes:#?}"
    );
    assert!(writes[3].contains("\"suspend\":false"), "{writes:#?}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("drill.json")).unwrap())
            .unwrap();
    assert_eq!(log["restored"], true);
    assert!(
        log["detection_s"].is_u64() && log["failback_s"].is_u64(),
        "{log}"
    );
    assert_eq!(log["predicted_detection_s"], 108, "3 × (30 + 6)");
    assert!(
        stdout(&o).contains("drill done: detection"),
        "{}",
        stdout(&o)
    );
}

/// On a cluster that syncs with Argo CD the drill turns the app's
/// Application's automated sync off (with the record), and gen's back on.
#[test]
fn a_drill_on_argo_cd_turns_automated_sync_off_and_back_on() {
    let text = resolved_spec("").replace(
        "    cluster: west\n",
        "    cluster: west\n    gitops: argocd\n",
    ) + "argocd: {repoUrl: \"https://example.org/r.git\"}\n";
    let (moto, fake, d) = setup_with(&text, Fake::argocd());
    let o = drill(&moto, &fake, d.path(), &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let writes = fake.writes();
    assert_eq!(writes.len(), 4, "{writes:#?}");
    assert!(
        writes[0].contains("/namespaces/argocd/applications/shop-app-cart")
            && writes[0].contains("\"automated\":null")
            && writes[0].contains("gen/drill"),
        "{writes:#?}"
    );
    assert!(
        writes[3].contains("\"automated\":{\"prune\":true,\"selfHeal\":true}")
            && writes[3].contains("\"gen/drill\":null"),
        "{writes:#?}"
    );
    assert!(
        stdout(&o).contains("turn off automated sync of Argo CD Application argocd/shop-app-cart"),
        "{}",
        stdout(&o)
    );
    let app = fake.world.lock().unwrap().kustomization.clone();
    assert_eq!(
        app["spec"]["syncPolicy"]["automated"],
        json!({"prune": true, "selfHeal": true}),
        "{app}"
    );
}

#[test]
fn a_drill_that_times_out_still_restores() {
    let (moto, fake, d) = setup();
    fake.world.lock().unwrap().blind = true;
    let o = drill(&moto, &fake, d.path(), &["--timeout", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("drill stopped: Route 53 did not see the check unhealthy within 1 s"),
        "{}",
        stdout(&o)
    );
    let writes = fake.writes();
    assert_eq!(writes.len(), 4, "{writes:#?}");
    assert!(
        writes[2].contains("\"replicas\":2") && writes[3].contains("\"suspend\":false"),
        "{writes:#?}"
    );
}

#[test]
fn a_drill_is_refused_when_a_peer_is_unhealthy_and_dry_run_touches_nothing() {
    let (moto, fake, d) = setup();
    fake.world.lock().unwrap().all_unhealthy = true;
    let o = drill(&moto, &fake, d.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("would be an outage, not a drill"),
        "{}",
        stderr(&o)
    );
    assert!(fake.writes().is_empty());

    let o = drill(&moto, &fake, d.path(), &["--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2. suspend Flux Kustomization flux-system/shop-app-cart on west")
            && stdout(&o).contains("dry run: nothing touched"),
        "{}",
        stdout(&o)
    );
    assert!(fake.writes().is_empty());
}

#[test]
#[ignore = "needs clusters and AWS: set GEN_LIVE_REPO, GEN_LIVE_APP and GEN_LIVE_REGION"]
fn live_drill() {
    let dir = std::env::var("GEN_LIVE_REPO").expect("GEN_LIVE_REPO");
    let (app, region) = (
        std::env::var("GEN_LIVE_APP").expect("GEN_LIVE_APP"),
        std::env::var("GEN_LIVE_REGION").expect("GEN_LIVE_REGION"),
    );
    let o = std::process::Command::new(gen_bin())
        .args(["-C", &dir, "drill", "--app", &app, "--region", &region])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

/// A Region with several clusters is not drilled: taking the app down on
/// one moves its share to the other, which the drill would wait on as a
/// Region failover that never comes. Refused before anything is touched.
#[test]
fn a_region_with_several_clusters_is_refused_with_the_simulation_to_run() {
    let o = run_gen(
        &workspace().join("tests/golden/blue-green"),
        &[
            "drill",
            "--app",
            "cart",
            "--region",
            "eu-west-1",
            "--dry-run",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("eu-west-1 has 2 clusters")
            && err.contains("gen simulate --down cluster:NAME"),
        "{err}"
    );
}
