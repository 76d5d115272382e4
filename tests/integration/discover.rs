//! `gen discover` against scripted Kubernetes API servers.
//!
//! No Kubernetes API server can run here, so each "cluster" is a local HTTP
//! server that answers the one call the kube crate makes for discover (GET
//! the Ingress) the way the API server does: the object, an object without
//! an address, or a 404 Status. The real `gen` binary reads a real
//! kubeconfig that points at them. The live check against real clusters is
//! `live_discover_against_the_current_kubeconfig`, ignored by default.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::util::*;

/// What a scripted cluster answers for the shared Ingress.
#[derive(Clone)]
enum Answer {
    Address(&'static str),
    NoAddress,
    NotFound,
}

struct Cluster {
    url: String,
    answer: Arc<Mutex<Answer>>,
    paths: Arc<Mutex<Vec<String>>>,
}

impl Cluster {
    fn start(answer: Answer) -> Cluster {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answer = Arc::new(Mutex::new(answer));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let (a, p) = (answer.clone(), paths.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &a, &p);
            }
        });
        Cluster { url, answer, paths }
    }

    /// An address nothing listens on.
    fn unreachable() -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    }
}

fn serve(stream: TcpStream, answer: &Mutex<Answer>, paths: &Mutex<Vec<String>>) {
    let Some(Request { path, .. }) = read_request(&stream) else {
        return;
    };
    paths.lock().unwrap().push(path.clone());
    let ingress = |status: serde_json::Value| {
        serde_json::json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "shop", "namespace": "shop"},
            "spec": {"ingressClassName": "shop-alb"},
            "status": status,
        })
    };
    let (code, body) = if path.split('?').next()
        != Some("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop")
    {
        (
            "404 Not Found",
            serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404}),
        )
    } else {
        match answer.lock().unwrap().clone() {
            Answer::Address(h) => (
                "200 OK",
                ingress(serde_json::json!({"loadBalancer": {"ingress": [{"hostname": h}]}})),
            ),
            Answer::NoAddress => ("200 OK", ingress(serde_json::json!({"loadBalancer": {}}))),
            Answer::NotFound => (
                "404 Not Found",
                serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "ingresses.networking.k8s.io \"shop\" not found", "reason": "NotFound", "details": {"name": "shop", "group": "networking.k8s.io", "kind": "ingresses"}, "code": 404}),
            ),
        }
    };
    respond(stream, code, "application/json", &body.to_string());
}

/// A kubeconfig with the contexts `west` (named like the cluster) and an
/// EKS-style ARN for `east`, as `aws eks update-kubeconfig` writes it.
fn kubeconfig(dir: &Path, west: &str, east: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: west\n  cluster: {{server: \"{west}\"}}\n- name: arn:aws:eks:us-east-1:111122223333:cluster/east\n  cluster: {{server: \"{east}\"}}\ncontexts:\n- name: west\n  context: {{cluster: west, user: test}}\n- name: arn:aws:eks:us-east-1:111122223333:cluster/east\n  context: {{cluster: \"arn:aws:eks:us-east-1:111122223333:cluster/east\", user: test}}\ncurrent-context: west\nusers:\n- name: test\n  user: {{token: test-token}}\n"
        ),
    )
    .unwrap();
    path
}

const SPEC: &str = "version: 1\nname: shop\ndns: {zone: example.org, zoneId: Z0EXAMPLE}\nregions:\n  - {name: eu-west-1, cluster: west}\n  - {name: us-east-1, cluster: east}\napps:\n  - {name: cart, host: cart.example.org, image: img, health: {path: /carthealth}}\n";

/// A version-1 lock of the west ALB (`WEST`), from before ALBs had names.
fn write_v1_lock(dir: &Path) {
    std::fs::write(
        dir.join("gen.lock"),
        format!("version: 1\nregions:\n  eu-west-1:\n    albDnsName: {WEST}\n    albZoneId: Z32O12XQLNTSW2\n    resolvedAt: 2026-01-01T00:00:00Z\n"),
    )
    .unwrap();
}

pub(crate) fn discover(dir: &Path, config: &Path) -> std::process::Output {
    let (mut cmd, _home) = gen_command(dir);
    cmd.arg("discover")
        .env("KUBECONFIG", config)
        .output()
        .unwrap()
}

const WEST: &str = "k8s-shop-0123456789.eu-west-1.elb.amazonaws.com";
const EAST: &str = "k8s-shop-9876543210.us-east-1.elb.amazonaws.com";

/// With several shared ALBs, each one's Ingress is read, and gen.lock holds
/// each ALB's DNS name per Region; a version-1 lock is rewritten by name.
#[test]
fn discover_reads_each_alb_and_locks_it_per_region() {
    let west = Cluster::start(Answer::Address(WEST));
    let east = Cluster::start(Answer::Address(EAST));
    let d = tempfile::tempdir().unwrap();
    let spec = SPEC
        .replace("regions:", "ingress:\n  albs: [{name: shop}, {name: shop-b}]\nregions:")
        .replace(
            "health: {path: /carthealth}}",
            "health: {path: /carthealth}}\n  - {name: pay, host: pay.example.org, image: img, health: {path: /payhealth}, alb: shop-b}",
        );
    std::fs::write(d.path().join("gen.yaml"), spec).unwrap();
    // A version-1 lock, from before ALBs had names.
    write_v1_lock(d.path());
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let o = discover(d.path(), &config);
    // The scripted clusters know only the Ingress `shop`: `shop-b` is missing.
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    let row = |alb: &str, end: &str| {
        out.lines().any(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            cells.first() == Some(&"eu-west-1")
                && cells.get(2) == Some(&alb)
                && cells.last() == Some(&end)
        })
    };
    assert!(row("shop", WEST) && row("shop-b", "missing"), "{out}");
    assert!(
        stderr(&o)
            .contains("eu-west-1 (west), ALB shop-b: missing: there is no Ingress shop/shop-b")
            && stderr(&o).contains("should show shop-ingress-shop-b ready"),
        "{}",
        stderr(&o)
    );
    let paths = west.paths.lock().unwrap().clone();
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop-b")),
        "{paths:?}"
    );
    let lock = std::fs::read_to_string(d.path().join("gen.lock")).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&lock).unwrap();
    assert_eq!(v["version"], 2, "{lock}");
    assert_eq!(
        v["regions"]["eu-west-1"]["albs"]["shop"]["albDnsName"], WEST,
        "{lock}"
    );
    assert_eq!(
        v["regions"]["us-east-1"]["albs"]["shop"]["albDnsName"], EAST,
        "{lock}"
    );
    assert!(
        v["regions"]["eu-west-1"]["albs"]["shop-b"].is_null(),
        "{lock}"
    );
    assert!(
        !lock.contains("\"\":") && !lock.contains("''"),
        "the unnamed ALB is gone: {lock}"
    );
}

#[test]
fn discover_records_what_is_ready_and_says_what_is_pending() {
    let west = Cluster::start(Answer::Address(WEST));
    let east = Cluster::start(Answer::NoAddress);
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), SPEC).unwrap();
    let config = kubeconfig(d.path(), &west.url, &east.url);

    let o = discover(d.path(), &config);
    assert_eq!(
        o.status.code(),
        Some(1),
        "not every Region is resolved: {}",
        stdout(&o)
    );
    let out = stdout(&o);
    assert!(
        out.contains("eu-west-1  west     shop  west") && out.contains(WEST),
        "{out}"
    );
    assert!(
        out.contains("arn:aws:eks:us-east-1:111122223333:cluster/east  pending"),
        "the EKS context is found by cluster name: {out}"
    );
    assert!(
        stderr(&o)
            .contains("us-east-1 (east), ALB shop: pending: Ingress shop/shop has no address yet"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        west.paths.lock().unwrap().last().map(String::as_str),
        Some("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop")
    );
    let lock = std::fs::read_to_string(d.path().join("gen.lock")).unwrap();
    assert!(
        lock.contains(&format!("albDnsName: {WEST}")) && lock.contains("albZoneId: Z32O12XQLNTSW2"),
        "{lock}"
    );
    assert!(!lock.contains("us-east-1"), "{lock}");

    // The same outcome as JSON: states by name, the hint apart from the detail.
    let (mut cmd, _home) = gen_command(d.path());
    let o = cmd
        .args(["discover", "--output", "json"])
        .env("KUBECONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(v["regions"][0]["state"], "Ready", "{v}");
    assert_eq!(v["regions"][0]["alb_dns_name"], WEST);
    assert_eq!(v["regions"][1]["state"], "Pending", "{v}");
    assert!(
        v["regions"][1]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("describe ingress shop")),
        "{v}"
    );
    assert_eq!(v["lock_written"], false, "the lock already holds west: {v}");

    // render takes the name from the lock, and commits the lock with the spec.
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = std::fs::read_to_string(d.path().join("cloudformation/shop-dns-cart.yaml")).unwrap();
    assert!(
        t.contains(&format!("DNSName: \"{WEST}\""))
            && t.contains("DNSName: !Ref \"AlbDnsNameUsEast1\""),
        "{t}"
    );
    assert!(
        git(d.path(), &["ls-tree", "--name-only", "HEAD"])
            .lines()
            .any(|l| l == "gen.lock")
    );

    // Once the east ALB exists, both are recorded; the west entry is kept as it was.
    *east.answer.lock().unwrap() = Answer::Address(EAST);
    let o = discover(d.path(), &config);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let after = std::fs::read_to_string(d.path().join("gen.lock")).unwrap();
    assert!(after.contains(EAST), "{after}");
    let west_entry = |text: &str| text.split("us-east-1").next().unwrap().to_string();
    assert!(
        after.contains(&west_entry(&lock)[west_entry(&lock).find("eu-west-1").unwrap()..]),
        "unchanged entry kept:\n{lock}\n{after}"
    );
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success());
    assert!(!stdout(&o).contains("not resolved"), "{}", stdout(&o));
    let o = discover(d.path(), &config);
    assert!(
        stdout(&o).contains("gen.lock is up to date"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn discover_records_the_public_zones_id_beside_a_private_zone_of_the_same_name() {
    let moto = crate::deploy::Moto::start();
    // Split horizon: the private zone sorts first in Route 53's name order
    // here, and a zone whose name only starts the same way follows.
    moto.py("create-private-zone", "example.org");
    let public = moto.zone("example.org");
    moto.zone("example.org.uk");
    let west = Cluster::start(Answer::Address(WEST));
    let east = Cluster::start(Answer::Address(EAST));
    let d = tempfile::tempdir().unwrap();
    let spec = SPEC.replace(", zoneId: Z0EXAMPLE", "");
    std::fs::write(d.path().join("gen.yaml"), &spec).unwrap();
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let (mut cmd, _home) = moto.gen_cmd(d.path(), &["discover"]);
    let o = cmd.env("KUBECONFIG", &config).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&format!("hosted zone example.org: {public}")),
        "{}",
        stdout(&o)
    );
    let lock = std::fs::read_to_string(d.path().join("gen.lock")).unwrap();
    assert!(lock.contains(&format!("id: {public}")), "{lock}");

    // render names the zone by that ID, and deploy no longer refuses for it.
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("hosted zone"), "{}", stdout(&o));
    let t = std::fs::read_to_string(d.path().join("cloudformation/shop-dns-cart.yaml")).unwrap();
    assert!(t.contains(&format!("HostedZoneId: \"{public}\"")), "{t}");

    // The zone recreated (a new ID): discover records the new one.
    let moto = crate::deploy::Moto::start();
    let recreated = moto.zone("example.org");
    let (mut cmd, _home) = moto.gen_cmd(d.path(), &["discover"]);
    let o = cmd.env("KUBECONFIG", &config).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let lock = std::fs::read_to_string(d.path().join("gen.lock")).unwrap();
    assert!(lock.contains(&format!("id: {recreated}")), "{lock}");

    // Two public zones of the name: gen cannot choose, and says what to set.
    std::fs::remove_file(d.path().join("gen.lock")).unwrap();
    let moto = crate::deploy::Moto::start();
    moto.zone("example.org");
    moto.zone("example.org.");
    let (mut cmd, _home) = moto.gen_cmd(d.path(), &["discover"]);
    let o = cmd.env("KUBECONFIG", &config).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("2 public hosted zones are named example.org")
            && stderr(&o).contains("set dns.zoneId"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_ingress_an_unreachable_cluster_and_a_wrong_context_change_nothing() {
    let west = Cluster::start(Answer::NotFound);
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), SPEC).unwrap();
    let config = kubeconfig(d.path(), &west.url, &Cluster::unreachable());
    let o = discover(d.path(), &config);
    assert_eq!(o.status.code(), Some(1));
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(
        out.contains("missing") && out.contains("unreachable"),
        "{out}"
    );
    assert!(
        err.contains("eu-west-1 (west), ALB shop: missing: there is no Ingress shop/shop")
            && err.contains("flux --context west get kustomizations"),
        "{err}"
    );
    assert!(
        err.contains("us-east-1 (east), ALB shop: unreachable:"),
        "{err}"
    );
    assert!(
        !d.path().join("gen.lock").exists(),
        "nothing resolved, nothing written"
    );

    // An address from another Region means the context is not this cluster's.
    *west.answer.lock().unwrap() = Answer::Address(EAST);
    let o = discover(d.path(), &config);
    assert!(
        stderr(&o).contains("eu-west-1 (west), ALB shop: wrong Region"),
        "{}",
        stderr(&o)
    );
    assert!(!d.path().join("gen.lock").exists());

    // A spec naming a context the kubeconfig lacks.
    std::fs::write(
        d.path().join("gen.yaml"),
        SPEC.replace("cluster: west}", "cluster: west, kubeContext: prod-west}"),
    )
    .unwrap();
    let o = discover(d.path(), &config);
    assert!(
        stderr(&o).contains("the kubeconfig has no context `prod-west`"),
        "{}",
        stderr(&o)
    );
}

#[test]
#[ignore = "needs a cluster: run in a repository whose gen.yaml names clusters of your kubeconfig"]
fn live_discover_against_the_current_kubeconfig() {
    let dir =
        std::env::var("GEN_LIVE_REPO").expect("GEN_LIVE_REPO: the repository to discover for");
    let o = std::process::Command::new(gen_bin())
        .args(["-C", &dir, "discover"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

/// A version-1 lock of the single ALB whose address has not changed is
/// kept as it was, under the ALB's name, and still resolves the render.
#[test]
fn an_unchanged_version_one_entry_moves_under_the_albs_name() {
    let west = Cluster::start(Answer::Address(WEST));
    let east = Cluster::start(Answer::Address(EAST));
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), SPEC).unwrap();
    write_v1_lock(d.path());
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let o = discover(d.path(), &config);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let lock = std::fs::read_to_string(d.path().join("gen.lock")).unwrap();
    assert!(
        lock.contains(&format!(
            "  eu-west-1:\n    albs:\n      shop:\n        albDnsName: {WEST}\n        albZoneId: Z32O12XQLNTSW2\n        resolvedAt: 2026-01-01T00:00:00Z\n"
        )),
        "{lock}"
    );
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("not resolved"), "{}", stdout(&o));
}
