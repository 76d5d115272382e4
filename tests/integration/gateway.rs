//! An ALB made by a Gateway (`ingress.api: gateway`): the move of an
//! installation from Ingress to Gateway API step by step against scripted
//! clusters and the moto server, `gen status` reading Gateway and HTTPRoute
//! conditions, and `gen simulate` answering the same whichever API carries
//! the ALB. The schema checks of the rendered objects are `validators`'.

use std::path::Path;

use serde_json::{Value, json};

use crate::status::{FakeKube, WEST_ALB, cluster, kubeconfig, status};
use crate::util::*;

const OLD_W: &str = "k8s-shop-0123456789.eu-west-1.elb.amazonaws.com";
const OLD_E: &str = "k8s-shop-9876543210.us-east-1.elb.amazonaws.com";
const NEW_W: &str = "k8s-shop-gw-1111111111.eu-west-1.elb.amazonaws.com";
const NEW_E: &str = "k8s-shop-gw-2222222222.us-east-1.elb.amazonaws.com";

fn ingress(dns: &str) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop", "namespace": "shop"}, "status": {"loadBalancer": {"ingress": [{"hostname": dns}]}}})
}

/// A Gateway as the controller reports it: `Programmed` with the load
/// balancer's ARN once it exists, `Unknown`/`Pending` before.
fn gateway(dns: Option<&str>) -> Value {
    let programmed = match dns {
        Some(_) => {
            json!({"type": "Programmed", "status": "True", "reason": "Programmed", "message": "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop-gw/0123"})
        }
        None => {
            json!({"type": "Programmed", "status": "Unknown", "reason": "Pending", "message": "Waiting for load balancer to be active"})
        }
    };
    let addresses: Vec<Value> = dns
        .iter()
        .map(|d| json!({"type": "Hostname", "value": d}))
        .collect();
    json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "shop", "namespace": "shop"},
           "status": {"addresses": addresses, "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": ""}, programmed]}})
}

const INGRESS_PATH: &str = "/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop";
const GATEWAY_PATH: &str = "/apis/gateway.networking.k8s.io/v1/namespaces/shop/gateways/shop";

fn answers(pairs: &[(&str, Value)]) -> std::collections::BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(p, v)| (p.to_string(), v.clone()))
        .collect()
}

fn discover(dir: &Path, config: &Path) -> std::process::Output {
    let (mut cmd, _home) = gen_command(dir);
    cmd.arg("discover")
        .env("KUBECONFIG", config)
        .output()
        .unwrap()
}

fn read(dir: &Path, f: &str) -> String {
    std::fs::read_to_string(dir.join(f)).unwrap_or_default()
}

/// What the west records aim at, and whether an object the render keeps
/// serves that name: the Ingress's is OLD_W, the Gateway's NEW_W. Holds
/// after every step of the move.
fn west_served(dir: &Path) -> (String, bool) {
    let stack = read(dir, "cloudformation/shop-dns-cart.yaml");
    let aimed = if stack.contains(&format!("DNSName: \"{NEW_W}\"")) {
        NEW_W
    } else if stack.contains(&format!("DNSName: \"{OLD_W}\"")) {
        OLD_W
    } else {
        panic!("the west record aims at neither ALB:\n{stack}")
    };
    let file = if aimed == OLD_W {
        "deploy/west/ingress/ingress.yaml"
    } else {
        "deploy/west/ingress/gateway.yaml"
    };
    (aimed.to_string(), dir.join(file).exists())
}

/// The order the README gives: render and push (Flux creates the Gateway's
/// ALB beside the Ingress's), `gen discover` (once Programmed), render and
/// deploy (the records and checks move), render again (the Ingress is
/// pruned). At no step do the records aim at a load balancer the render
/// has dropped, and `gen plan` says at each what Flux creates or deletes.
#[test]
fn moving_from_ingress_to_gateway_keeps_every_record_on_a_live_alb() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.org");
    let d = tempfile::tempdir().unwrap();
    let spec = format!(
        "version: 1\nname: shop\ndns: {{zone: example.org, zoneId: {zone}}}\ningress: {{controller: aws-lbc}}\nregions:\n  - {{name: eu-west-1, cluster: west}}\n  - {{name: us-east-1, cluster: east}}\napps:\n  - {{name: cart, host: cart.example.org, image: img, health: {{path: /carthealth}}}}\n"
    );
    std::fs::write(d.path().join("gen.yaml"), &spec).unwrap();
    let west = FakeKube::start(answers(&[(INGRESS_PATH, ingress(OLD_W))]));
    let east = FakeKube::start(answers(&[(INGRESS_PATH, ingress(OLD_E))]));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let plan = |d: &Path| stdout(&run_gen(d, &["plan", "--base", "HEAD~1"]));

    // 0. Today: an Ingress, discovered and deployed.
    assert!(discover(d.path(), &config).status.success());
    assert!(run_gen(d.path(), &["render"]).status.success());
    assert_eq!(west_served(d.path()), (OLD_W.to_string(), true));
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    // 1. The switch: the Gateway is added beside the Ingress, which stays,
    // and the records stay on the Ingress's ALB.
    std::fs::write(
        d.path().join("gen.yaml"),
        spec.replace(
            "{controller: aws-lbc}",
            "{controller: aws-lbc, api: gateway}",
        ),
    )
    .unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(west_served(d.path()), (OLD_W.to_string(), true));
    assert!(d.path().join("deploy/west/ingress/gateway.yaml").exists());
    let k = read(d.path(), "deploy/west/ingress/kustomization.yaml");
    assert!(
        k.contains("\"ingress.yaml\"") && k.contains("\"gateway.yaml\""),
        "{k}"
    );
    let p = plan(d.path());
    assert!(
        p.contains("ALB shop in eu-west-1: Flux creates its Gateway and with it a new load balancer shop-gw, with a new DNS name, beside the Ingress's"),
        "{p}"
    );
    assert!(p.contains("no change in DNS behaviour"), "{p}");

    // 2. Flux applied it; the controller is still making the ALB in west,
    // and east has not applied it yet. Nothing is recorded.
    let lock_before = read(d.path(), "gen.lock");
    west.routes
        .lock()
        .unwrap()
        .insert(GATEWAY_PATH.into(), gateway(None));
    let o = discover(d.path(), &config);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("eu-west-1 (west), ALB shop: pending: Gateway shop/shop is not Programmed: Unknown Pending: Waiting for load balancer to be active"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("us-east-1 (east), ALB shop: missing: there is no Gateway shop/shop"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        read(d.path(), "gen.lock"),
        lock_before,
        "a pending Gateway changes nothing"
    );

    // 3. Both Programmed: the lock records the Gateways' names and the
    // Ingresses' they leave; the records move, the Ingress still stays.
    west.routes
        .lock()
        .unwrap()
        .insert(GATEWAY_PATH.into(), gateway(Some(NEW_W)));
    east.routes
        .lock()
        .unwrap()
        .insert(GATEWAY_PATH.into(), gateway(Some(NEW_E)));
    let o = discover(d.path(), &config);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let lock = read(d.path(), "gen.lock");
    assert!(
        lock.contains("api: gateway") && lock.contains("previous:") && lock.contains(OLD_W),
        "{lock}"
    );
    assert!(run_gen(d.path(), &["render"]).status.success());
    assert_eq!(west_served(d.path()), (NEW_W.to_string(), true));
    assert!(d.path().join("deploy/west/ingress/ingress.yaml").exists());
    let p = plan(d.path());
    assert!(
        p.contains(&format!("cart in eu-west-1: ALB: {OLD_W} -> {NEW_W}")),
        "{p}"
    );

    // 4. The deploy moves the records and checks; then the old name is
    // forgotten, and the next render prunes the Ingress.
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&format!("ALB shop in eu-west-1: no record or check aims at its Ingress load balancer {OLD_W} any more")),
        "{}",
        stdout(&o)
    );
    let lock = read(d.path(), "gen.lock");
    assert!(
        !lock.contains("previous:") && !lock.contains(OLD_W),
        "{lock}"
    );
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(west_served(d.path()), (NEW_W.to_string(), true));
    assert!(!d.path().join("deploy/west/ingress/ingress.yaml").exists());
    let k = read(d.path(), "deploy/west/ingress/kustomization.yaml");
    assert!(!k.contains("ingress.yaml"), "{k}");
    let p = plan(d.path());
    assert!(
        p.contains("ALB shop in eu-west-1: its Ingress is pruned and its load balancer deleted"),
        "{p}"
    );
    // Nothing is left to move: a second deploy changes nothing.
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("nothing to deploy"), "{}", stdout(&o));
}

/// A spec that states each ALB's DNS name cannot be staged by gen: `gen
/// plan` says the switch deletes the old load balancer in the same commit.
#[test]
fn a_switch_gen_cannot_stage_is_a_warning_in_the_plan() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), resolved_spec("")).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    std::fs::write(
        d.path().join("gen.yaml"),
        resolved_spec("").replace("regions:", "ingress: {api: gateway}\nregions:"),
    )
    .unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let p = stdout(&run_gen(d.path(), &["plan", "--base", "HEAD~1"]));
    assert!(
        p.contains("ALB shop in eu-west-1: WARNING: its Gateway replaces the other API's object in the same commit"),
        "{p}"
    );
    assert!(
        p.contains("no change in DNS behaviour"),
        "the same DNS names: {p}"
    );
    assert!(!d.path().join("deploy/west/ingress/ingress.yaml").exists());
}

/// `gen status` reads the Gateway's address and conditions and each
/// HTTPRoute's, as its Gateway reports them; a route whose backend does
/// not resolve fails its app.
#[test]
fn status_shows_the_gateway_and_each_routes_conditions() {
    let d = tempfile::tempdir().unwrap();
    let text = resolved_spec("").replace("regions:", "ingress: {api: gateway}\nregions:");
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let head = git(d.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let route = |resolved: &str| {
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "x", "namespace": "shop"},
               "status": {"parents": [
                   {"parentRef": {"name": "other"}, "controllerName": "example.com/other", "conditions": []},
                   {"parentRef": {"name": "shop"}, "controllerName": "gateway.k8s.aws/alb", "conditions": [
                       {"type": "Accepted", "status": "True", "reason": "Accepted", "message": ""},
                       {"type": "ResolvedRefs", "status": resolved, "reason": if resolved == "True" { "ResolvedRefs" } else { "BackendNotFound" }, "message": if resolved == "True" { "" } else { "service cart not found" }}]}]}})
    };
    let kube = |alb: &str, resolved: &str| {
        let mut routes = cluster(&head, "unused", 2);
        routes.insert(GATEWAY_PATH.into(), gateway(Some(alb)));
        routes.insert(
            "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/cart".into(),
            route(resolved),
        );
        routes.insert(
            "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/shop-health".into(),
            route("True"),
        );
        routes
    };
    let west = FakeKube::start(kube(WEST_ALB, "True"));
    let east = FakeKube::start(kube(EAST_ALB, "True"));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let o = status(d.path(), &config, &["--no-aws"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(
        out.contains("shop  eu-west-1  Gateway  matches  Accepted True, Programmed True"),
        "{out}"
    );
    assert!(
        out.contains("cart         shop  eu-west-1  Accepted True, ResolvedRefs True")
            && out.contains("shop-health  shop  us-east-1  Accepted True, ResolvedRefs True"),
        "{out}"
    );

    // East's route lost its backend: the route and its app are not ok.
    *east.routes.lock().unwrap() = kube(EAST_ALB, "False");
    let o = status(d.path(), &config, &["--no-aws", "--output", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let east_cart = v["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == "cart" && r["region"] == "us-east-1")
        .unwrap();
    assert_eq!(east_cart["state"]["state"], "not_ready", "{east_cart}");
    let app = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app"] == "cart" && a["region"] == "us-east-1")
        .unwrap();
    assert_eq!(app["ok"], false, "{app}");
    let o = status(d.path(), &config, &["--no-aws"]);
    assert!(
        stdout(&o).contains("ResolvedRefs False (BackendNotFound: service cart not found)"),
        "{}",
        stdout(&o)
    );

    // West's Gateway is still being programmed: its address is not trusted.
    west.routes
        .lock()
        .unwrap()
        .insert(GATEWAY_PATH.into(), gateway(None));
    let o = status(d.path(), &config, &["--no-aws"]);
    assert!(
        stdout(&o)
            .contains("not Programmed: Unknown Pending: Waiting for load balancer to be active"),
        "{}",
        stdout(&o)
    );
}

/// The same spec under either API, with the same DNS names: the Route 53
/// stacks are byte for byte the same, so every simulated answer is too.
#[test]
fn simulate_answers_the_same_whichever_api_carries_the_alb() {
    let spec =
        std::fs::read_to_string(workspace().join("tests/golden/gateway-lbc/gen.yaml")).unwrap();
    let under = |api: &str| {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("gen.yaml"),
            spec.replace("  api: gateway\n", &format!("  api: {api}\n"))
                .replace("      api: ingress\n", &format!("      api: {api}\n")),
        )
        .unwrap();
        let o = run_gen(d.path(), &["render"]);
        assert!(o.status.success(), "{}", stderr(&o));
        d
    };
    let (ing, gw) = (under("ingress"), under("gateway"));
    assert!(
        ing.path()
            .join("deploy/west/ingress/platform-public/ingress.yaml")
            .exists()
    );
    assert!(
        gw.path()
            .join("deploy/west/ingress/platform-legacy/gateway.yaml")
            .exists()
    );
    let stacks = |d: &Path| -> Vec<(String, String)> {
        files(d)
            .into_iter()
            .filter(|f| f.starts_with("cloudformation/"))
            .map(|f| (f.clone(), read(d, &f)))
            .collect()
    };
    assert_eq!(stacks(ing.path()), stacks(gw.path()));
    for args in [
        &["simulate"][..],
        &["simulate", "--down", "eu-west-1"],
        &["simulate", "--down", "alb:platform-public@us-east-1"],
        &["simulate", "--down", "search@eu-west-1", "--output", "json"],
    ] {
        let (a, b) = (run_gen(ing.path(), args), run_gen(gw.path(), args));
        assert!(a.status.success(), "{args:?}: {}", stderr(&a));
        assert!(!stdout(&a).is_empty());
        assert_eq!(stdout(&a), stdout(&b), "{args:?}");
    }
    // A change reviewed under either API reads the same.
    for d in [&ing, &gw] {
        let text = read(d.path(), "gen.yaml").replace(
            "{weighted: {eu-west-1: 50, us-east-1: 50}}",
            "{weighted: {eu-west-1: 80, us-east-1: 20}}",
        );
        std::fs::write(d.path().join("gen.yaml"), text).unwrap();
        assert!(run_gen(d.path(), &["render"]).status.success());
    }
    let plan = |d: &Path| stdout(&run_gen(d, &["plan", "--base", "HEAD~1"]));
    let p = plan(ing.path());
    assert!(
        p.contains("billing in eu-west-1: routing: weighted, weight 50 -> weighted, weight 80"),
        "{p}"
    );
    assert_eq!(p, plan(gw.path()));
}
