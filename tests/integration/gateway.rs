//! An ALB made by a Gateway (`ingress.api: gateway`): the move of an
//! installation from Ingress to Gateway API step by step against scripted
//! clusters and the moto server, `gen status` reading Gateway and HTTPRoute
//! conditions, and `gen simulate` answering the same whichever API carries
//! the ALB. The schema checks of the rendered objects are `validators`'.

use std::path::Path;

use serde_json::{Value, json};

use crate::discover::discover;
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
const ROUTES: &str = "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes";

/// An HTTPRoute as its Gateway `shop` reports it (beside another
/// controller's parent, which is not gen's).
fn http_route(name: &str, resolved: bool) -> Value {
    let refs = if resolved {
        json!({"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs", "message": ""})
    } else {
        json!({"type": "ResolvedRefs", "status": "False", "reason": "BackendNotFound", "message": "service cart not found"})
    };
    json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": name, "namespace": "shop"},
           "status": {"parents": [
               {"parentRef": {"name": "other"}, "controllerName": "example.com/other", "conditions": []},
               {"parentRef": {"name": "shop"}, "controllerName": "gateway.k8s.aws/alb", "conditions": [
                   {"type": "Accepted", "status": "True", "reason": "Accepted", "message": ""}, refs]}]}})
}

/// One API's side of a move: its file and what its cluster object says.
#[derive(Clone, Copy)]
struct Side {
    api: &'static str,
    title: &'static str,
    file: &'static str,
}

const INGRESS: Side = Side {
    api: "ingress",
    title: "Ingress",
    file: "ingress.yaml",
};
const GATEWAY: Side = Side {
    api: "gateway",
    title: "Gateway",
    file: "gateway.yaml",
};

impl Side {
    /// Its object with a load balancer at `dns` (None: still being made),
    /// and for a Gateway its routes, Accepted and resolved.
    fn serve(self, kube: &FakeKube, dns: Option<&str>) {
        let mut routes = kube.routes.lock().unwrap();
        if self.api == "ingress" {
            let mut i = ingress(dns.unwrap_or_default());
            if dns.is_none() {
                i["status"] = json!({"loadBalancer": {}});
            }
            routes.insert(INGRESS_PATH.into(), i);
        } else {
            routes.insert(GATEWAY_PATH.into(), gateway(dns));
            routes.insert(format!("{ROUTES}/cart"), http_route("cart", true));
            routes.insert(
                format!("{ROUTES}/shop-health"),
                http_route("shop-health", true),
            );
        }
    }
}

fn read(dir: &Path, f: &str) -> String {
    std::fs::read_to_string(dir.join(f)).unwrap_or_default()
}

/// What the west records aim at, and whether the render keeps the object
/// whose load balancer has that name: the old side's is OLD_W, the new
/// side's NEW_W. Holds after every step of the move.
fn west_served(dir: &Path, from: Side, to: Side) -> (String, bool) {
    let stack = read(dir, "cloudformation/shop-dns-cart.yaml");
    let (aimed, file) = if stack.contains(&format!("DNSName: \"{NEW_W}\"")) {
        (NEW_W, to.file)
    } else if stack.contains(&format!("DNSName: \"{OLD_W}\"")) {
        (OLD_W, from.file)
    } else {
        panic!("the west record aims at neither ALB:\n{stack}")
    };
    (
        aimed.to_string(),
        dir.join("deploy/west/ingress").join(file).exists(),
    )
}

/// The order docs/spec.md gives: render and push (Flux creates the new
/// object's ALB beside the old), `gen discover` (once it is ready), render
/// and deploy (the records and checks move), render again (the old object
/// is pruned). At no step do the records aim at a load balancer the render
/// has dropped, and `gen plan` says at each what Flux creates or deletes.
fn move_between(from: Side, to: Side) {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.org");
    let d = tempfile::tempdir().unwrap();
    let spec = |api: &str| {
        format!(
            "version: 1\nname: shop\ndns: {{zone: example.org, zoneId: {zone}}}\ningress: {{controller: aws-lbc, api: {api}}}\nregions:\n  - {{name: eu-west-1, cluster: west}}\n  - {{name: us-east-1, cluster: east}}\napps:\n  - {{name: cart, host: cart.example.org, image: img, health: {{path: /carthealth}}}}\n"
        )
    };
    std::fs::write(d.path().join("gen.yaml"), spec(from.api)).unwrap();
    let west = FakeKube::start(Default::default());
    let east = FakeKube::start(Default::default());
    from.serve(&west, Some(OLD_W));
    from.serve(&east, Some(OLD_E));
    let config = kubeconfig(d.path(), &west.url, &east.url);
    let plan = |d: &Path| stdout(&run_gen(d, &["plan", "--base", "HEAD~1"]));

    // 0. Today: the old API's object, discovered and deployed.
    let o = discover(d.path(), &config);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(run_gen(d.path(), &["render"]).status.success());
    assert_eq!(west_served(d.path(), from, to), (OLD_W.to_string(), true));
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    // 1. The switch: the new object is added beside the old, which stays,
    // and the records stay on the old ALB.
    std::fs::write(d.path().join("gen.yaml"), spec(to.api)).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(west_served(d.path(), from, to), (OLD_W.to_string(), true));
    assert!(d.path().join("deploy/west/ingress").join(to.file).exists());
    let k = read(d.path(), "deploy/west/ingress/kustomization.yaml");
    assert!(
        k.contains("\"ingress.yaml\"") && k.contains("\"gateway.yaml\""),
        "{k}"
    );
    let p = plan(d.path());
    let lb = if to.api == "gateway" {
        "shop-gw"
    } else {
        "shop"
    };
    assert!(
        p.contains(&format!("ALB shop in eu-west-1: Flux creates its {} and with it a new load balancer {lb}, with a new DNS name, beside the {}'s", to.title, from.title)),
        "{p}"
    );
    assert!(p.contains("no change in DNS behaviour"), "{p}");

    // 2. Flux applied it; the controller is still making the ALB in west,
    // and east has not applied it yet. Nothing is recorded.
    let lock_before = read(d.path(), "gen.lock");
    to.serve(&west, None);
    let o = discover(d.path(), &config);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let pending = if to.api == "gateway" {
        "eu-west-1 (west), ALB shop: pending: Gateway shop/shop is not Programmed: Unknown Pending: Waiting for load balancer to be active"
    } else {
        "eu-west-1 (west), ALB shop: pending: Ingress shop/shop has no address yet"
    };
    assert!(stderr(&o).contains(pending), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "us-east-1 (east), ALB shop: missing: there is no {} shop/shop",
            to.title
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        read(d.path(), "gen.lock"),
        lock_before,
        "a pending ALB changes nothing"
    );

    // 3. Both ready (a Gateway with every route Accepted and resolved).
    // `gen status` shows the move's next step; the lock records the new
    // names and the old ones they leave; the records move, the old object
    // stays.
    to.serve(&west, Some(NEW_W));
    to.serve(&east, Some(NEW_E));
    if to.api == "gateway" {
        // A route whose backend is not found keeps the old ALB recorded.
        west.routes.lock().unwrap().insert(
            format!("{ROUTES}/shop-health"),
            http_route("shop-health", false),
        );
        let o = discover(d.path(), &config);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        assert!(
            stderr(&o).contains("eu-west-1 (west), ALB shop: pending: Gateway shop/shop is Programmed, but HTTPRoute shop/shop-health: Accepted True, ResolvedRefs False (BackendNotFound: service cart not found)"),
            "{}",
            stderr(&o)
        );
        // East's Gateway is ready and recorded; west's stays on the Ingress's.
        let lock = read(d.path(), "gen.lock");
        assert!(
            lock.contains(OLD_W) && !lock.contains(NEW_W) && lock.contains(NEW_E),
            "{lock}"
        );
        to.serve(&west, Some(NEW_W));
    }
    let o = status(d.path(), &config, &["--no-aws"]);
    assert!(
        stdout(&o).contains(&format!(
            "shop  eu-west-1  {:<7}  moving: the records' {} ALB matches; the new one: ready at {NEW_W}",
            to.title, from.title
        )),
        "{}",
        stdout(&o)
    );
    let o = discover(d.path(), &config);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let lock = read(d.path(), "gen.lock");
    assert!(
        lock.contains("previous:") && lock.contains(OLD_W) && lock.contains(NEW_W),
        "{lock}"
    );
    assert!(run_gen(d.path(), &["render"]).status.success());
    assert_eq!(west_served(d.path(), from, to), (NEW_W.to_string(), true));
    assert!(
        d.path()
            .join("deploy/west/ingress")
            .join(from.file)
            .exists()
    );
    let p = plan(d.path());
    assert!(
        p.contains(&format!("cart in eu-west-1: ALB: {OLD_W} -> {NEW_W}")),
        "{p}"
    );

    // 4. A dry run, or a deploy of some stacks only, forgets nothing.
    for args in [
        &["deploy", "--dry-run"][..],
        &["deploy", "--yes", "--stack", "shop-dns-cart"],
    ] {
        let o = moto.run(d.path(), args);
        assert!(o.status.success(), "{args:?}: {}{}", stdout(&o), stderr(&o));
        assert!(read(d.path(), "gen.lock").contains("previous:"), "{args:?}");
    }
    // A full deploy whose moved checks have reported nothing since (a
    // scripted Route 53 whose reports are all older) keeps the old object.
    let stale = stale_route53();
    let (mut cmd, _home) = moto.gen_cmd(d.path(), &["deploy", "--yes", "--check-wait", "0"]);
    let o = cmd
        .env("AWS_ENDPOINT_URL_ROUTE_53", &stale)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains(&format!("ALB shop in eu-west-1: the checks on its new load balancer have not all reported healthy since this deploy, so its {} ({OLD_W}) stays", from.title)),
        "{}",
        stderr(&o)
    );
    assert!(read(d.path(), "gen.lock").contains("previous:"));
    // The full deploy moves the records and checks; once the checks report
    // healthy since then (moto reports every check healthy, now), the old
    // name is forgotten, and the next render prunes the old object.
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains(&format!("ALB shop in eu-west-1: every check is healthy on its new load balancer, and no record or check aims at its {}'s ({OLD_W}) any more", from.title)),
        "{}",
        stderr(&o)
    );
    let lock = read(d.path(), "gen.lock");
    assert!(
        !lock.contains("previous:") && !lock.contains(OLD_W),
        "{lock}"
    );
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(west_served(d.path(), from, to), (NEW_W.to_string(), true));
    assert!(
        !d.path()
            .join("deploy/west/ingress")
            .join(from.file)
            .exists()
    );
    let k = read(d.path(), "deploy/west/ingress/kustomization.yaml");
    assert!(!k.contains(from.file), "{k}");
    let p = plan(d.path());
    assert!(
        p.contains(&format!(
            "ALB shop in eu-west-1: its {} is pruned and its load balancer deleted",
            from.title
        )),
        "{p}"
    );
    // Nothing is left to move: a second deploy changes nothing.
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("nothing to deploy"), "{}", stdout(&o));
}

/// A Route 53 endpoint whose every health-check report is healthy but
/// older than any deploy (CheckedTime in 2026-01).
fn stale_route53() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let Some(req) = read_request(&stream) else {
                continue;
            };
            let obs: String = (0..3)
                .map(|i| format!("<HealthCheckObservation><Region>us-east-1</Region><IPAddress>15.177.0.{i}</IPAddress><StatusReport><Status>Success: HTTP Status Code 200, OK</Status><CheckedTime>2026-01-01T00:00:00Z</CheckedTime></StatusReport></HealthCheckObservation>"))
                .collect();
            let (code, body) = if req.path.starts_with("/2013-04-01/healthcheck/") {
                (
                    "200 OK",
                    format!(
                        "<?xml version=\"1.0\"?><GetHealthCheckStatusResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><HealthCheckObservations>{obs}</HealthCheckObservations></GetHealthCheckStatusResponse>"
                    ),
                )
            } else {
                ("404 Not Found", String::new())
            };
            respond(stream, code, "text/xml", &body);
        }
    });
    url
}

#[test]
fn moving_from_ingress_to_gateway_keeps_every_record_on_a_live_alb() {
    move_between(INGRESS, GATEWAY);
}

#[test]
fn moving_from_gateway_back_to_ingress_keeps_every_record_on_a_live_alb() {
    move_between(GATEWAY, INGRESS);
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
    // Auto Mode's Gateway controller as `gen discover` records it.
    std::fs::write(d.path().join("gen.lock"), AUTO_MODE_LOCK).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
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
    std::fs::write(d.path().join("gen.lock"), AUTO_MODE_LOCK).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let head = git(d.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let kube = |alb: &str, resolved: bool| {
        let mut routes = cluster(&head, "unused", 2);
        // The GatewayClass's own Kustomization, applied like the others.
        let list = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations";
        let items = routes.get_mut(list).unwrap()["items"]
            .as_array_mut()
            .unwrap();
        let mut class = items[0].clone();
        class["metadata"]["name"] = "shop-gateway-class".into();
        items.push(class);
        routes.insert(GATEWAY_PATH.into(), gateway(Some(alb)));
        routes.insert(
            "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/cart".into(),
            http_route("cart", resolved),
        );
        routes.insert(
            "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/shop-health".into(),
            http_route("shop-health", true),
        );
        routes
    };
    let west = FakeKube::start(kube(WEST_ALB, true));
    let east = FakeKube::start(kube(EAST_ALB, true));
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
    *east.routes.lock().unwrap() = kube(EAST_ALB, false);
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

/// A lock with EKS Auto Mode's Gateway controller recorded.
const AUTO_MODE_LOCK: &str = "version: 2\ngateway:\n  controllerName: eks.amazonaws.com/gateway-alb\n  paramsApiVersion: gateway.eks.amazonaws.com/v1\n  resolvedAt: 2026-12-07T00:00:00Z\n";

/// What an EKS Auto Mode cluster with its Gateway API on serves: the
/// served groups (and the self-managed controller's, which is not Auto
/// Mode's), the parameter kinds in `version`, and the GatewayClasses.
fn auto_mode(kube: &FakeKube, version: &str, classes: &[(&str, &str, bool)]) {
    let mut routes = kube.routes.lock().unwrap();
    let group = |name: &str, v: &str| json!({"name": name, "versions": [{"groupVersion": format!("{name}/{v}"), "version": v}], "preferredVersion": {"groupVersion": format!("{name}/{v}"), "version": v}});
    routes.insert(
        "/apis".into(),
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            group("gateway.networking.k8s.io", "v1"),
            group("gateway.k8s.aws", "v1"),
            group("gateway.eks.amazonaws.com", version),
        ]}),
    );
    let kinds = |gv: &str| {
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
            {"name": "loadbalancerconfigurations", "singularName": "", "namespaced": true, "kind": "LoadBalancerConfiguration", "verbs": ["get", "list"]},
            {"name": "loadbalancerconfigurations/status", "singularName": "", "namespaced": true, "kind": "LoadBalancerConfiguration", "verbs": ["get"]},
            {"name": "targetgroupconfigurations", "singularName": "", "namespaced": true, "kind": "TargetGroupConfiguration", "verbs": ["get", "list"]},
        ]})
    };
    routes.insert(
        "/apis/gateway.k8s.aws/v1".into(),
        kinds("gateway.k8s.aws/v1"),
    );
    let gv = format!("gateway.eks.amazonaws.com/{version}");
    routes.insert(format!("/apis/{gv}"), kinds(&gv));
    for (name, controller, accepted) in classes {
        let status = if *accepted { "True" } else { "Unknown" };
        routes.insert(
            format!("/apis/gateway.networking.k8s.io/v1/gatewayclasses/{name}"),
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": name},
                   "spec": {"controllerName": controller},
                   "status": {"conditions": [{"type": "Accepted", "status": status, "reason": "Accepted", "message": ""}]}}),
        );
    }
}

/// EKS Auto Mode's Gateway controller is read from the clusters, never
/// guessed: render refuses without it (writing nothing), `gen discover`
/// records it where every cluster agrees, and a cluster that serves
/// something else, or nothing, is named and changes nothing.
#[test]
fn auto_modes_gateway_controller_is_read_from_the_clusters_and_never_guessed() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("gen.yaml"),
        "version: 1\nname: shop\ndns: {zone: example.org, zoneId: Z1}\ningress: {controller: eks-auto, api: gateway}\nregions:\n  - {name: eu-west-1, cluster: west}\n  - {name: us-east-1, cluster: east}\napps:\n  - {name: cart, host: cart.example.org, image: img, health: {path: /carthealth}}\n",
    )
    .unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: ingress.api (gen.yaml:4): EKS Auto Mode's Gateway controller is not recorded in gen.lock"),
        "{err}"
    );
    assert!(
        err.contains("error: EKS Auto Mode's Gateway controller is not recorded in gen.lock: gen does not guess"),
        "{err}"
    );
    assert!(!d.path().join("deploy").exists(), "nothing is written");
    // validate says so, and passes: the spec itself is sound.
    let o = run_gen(d.path(), &["validate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("refuses to guess"), "{}", stderr(&o));

    let west = FakeKube::start(Default::default());
    let east = FakeKube::start(Default::default());
    for (kube, dns) in [(&west, NEW_W), (&east, NEW_E)] {
        GATEWAY.serve(kube, Some(dns));
    }
    let config = kubeconfig(d.path(), &west.url, &east.url);
    // Gateway API off in east: nothing of Auto Mode's is served there.
    auto_mode(
        &west,
        "v1",
        &[
            ("alb", "eks.amazonaws.com/gateway-alb", true),
            ("nlb", "eks.amazonaws.com/gateway-nlb", true),
        ],
    );
    let o = discover(d.path(), &config);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(
            "us-east-1 (east): EKS Auto Mode's Gateway controller: listing GatewayClasses"
        ),
        "{}",
        stderr(&o)
    );
    // West alone agreed with nothing against it: recorded.
    let lock = read(d.path(), "gen.lock");
    assert!(
        lock.contains("controllerName: eks.amazonaws.com/gateway-alb")
            && lock.contains("paramsApiVersion: gateway.eks.amazonaws.com/v1"),
        "{lock}"
    );
    // East on, but serving another version: a disagreement, the lock kept.
    auto_mode(
        &east,
        "v1beta1",
        &[("alb", "eks.amazonaws.com/gateway-alb", true)],
    );
    let o = discover(d.path(), &config);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("differs from"), "{}", stderr(&o));
    assert_eq!(read(d.path(), "gen.lock"), lock);
    // Both agree: recorded, reported, and the render uses what was read.
    auto_mode(
        &east,
        "v1",
        &[("alb", "eks.amazonaws.com/gateway-alb", true)],
    );
    let o = discover(d.path(), &config);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("EKS Auto Mode Gateway controller: eks.amazonaws.com/gateway-alb (parameters gateway.eks.amazonaws.com/v1)"),
        "{}",
        stdout(&o)
    );
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not recorded"), "{}", stderr(&o));
    let class = read(d.path(), "deploy/west/gateway-class/gateway-class.yaml");
    assert!(
        class.contains("controllerName: \"eks.amazonaws.com/gateway-alb\""),
        "{class}"
    );
    let gw = read(d.path(), "deploy/east/ingress/gateway.yaml");
    assert!(
        gw.contains("apiVersion: \"gateway.eks.amazonaws.com/v1\""),
        "{gw}"
    );
    // Only an NLB class Accepted: the ALB controller is not there to read.
    let lone = FakeKube::start(Default::default());
    GATEWAY.serve(&lone, Some(NEW_E));
    auto_mode(
        &lone,
        "v1",
        &[("nlb", "eks.amazonaws.com/gateway-nlb", true)],
    );
    let config = kubeconfig(d.path(), &west.url, &lone.url);
    let o = discover(d.path(), &config);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("no Accepted GatewayClass of EKS Auto Mode's ALB controller (eks.amazonaws.com/…alb…); the cluster has nlb (eks.amazonaws.com/gateway-nlb)"),
        "{}",
        stderr(&o)
    );
}
