//! `gen arc` against a scripted ARC endpoint.
//!
//! The moto server has no ARC APIs, and no real ARC cluster is reachable
//! here. So a local HTTP server speaks the two ARC protocols the way the AWS
//! SDK calls them: the configuration API (restJson1: DescribeCluster,
//! ListClusters) and the cluster data plane (awsJson1_0, target
//! `ToggleCustomerAPI.*`: ListRoutingControls, UpdateRoutingControlStates),
//! with a safety rule it enforces itself. The real `gen` binary and the real
//! SDK clients talk to it over TCP.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::util::*;

const CLUSTER_ARN: &str =
    "arn:aws:route53-recovery-control::111122223333:cluster/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const PANEL_ARN: &str =
    "arn:aws:route53-recovery-control::111122223333:controlpanel/abcdef0123456789";
const RULE_ARN: &str = "arn:aws:route53-recovery-control::111122223333:controlpanel/abcdef0123456789/safetyrule/fedcba9876543210";

#[derive(Default)]
struct State {
    /// name → (arn, on)
    controls: BTreeMap<String, (String, bool)>,
    /// (target or path, body) of every request received.
    requests: Vec<(String, String)>,
    /// Data-plane endpoints DescribeCluster returns, in order.
    endpoints: Vec<String>,
    cluster_name: String,
    /// The safety rule: at least this many controls On in each group, a
    /// group being the controls with the same key.
    min_on: usize,
    group_of: Option<fn(&str) -> String>,
}

struct Fake {
    url: String,
    state: Arc<Mutex<State>>,
}

impl Fake {
    fn start(controls: &[(&str, bool)], min_on: usize) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut st = State {
            min_on,
            cluster_name: "shop".into(),
            ..State::default()
        };
        for (i, (name, on)) in controls.iter().enumerate() {
            st.controls.insert(
                name.to_string(),
                (format!("{PANEL_ARN}/routingcontrol/{i:016x}"), *on),
            );
        }
        st.endpoints = vec![url.clone()];
        let state = Arc::new(Mutex::new(st));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &shared);
            }
        });
        Fake { url, state }
    }

    /// Put an endpoint that refuses connections before the working one.
    fn refuse_first(&self) -> String {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let dead = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        self.state.lock().unwrap().endpoints.insert(0, dead.clone());
        dead
    }

    fn requests(&self, target: &str) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(t, _)| t == target)
            .map(|(_, b)| b.clone())
            .collect()
    }

    fn on(&self, name: &str) -> bool {
        self.state.lock().unwrap().controls[name].1
    }

    /// Run `gen` in `dir` with credentials and endpoints pointing here.
    fn run(&self, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
        let (mut cmd, _home) = gen_command(dir);
        cmd.args(args);
        fake_aws(&mut cmd, dir);
        cmd.env(
            "AWS_ENDPOINT_URL_ROUTE53_RECOVERY_CONTROL_CONFIG",
            &self.url,
        )
        .output()
        .unwrap()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Some(req) = read_request(&stream) else {
        return;
    };
    let (status, reply) = answer(&req.method, &req.path, &req.target, &req.body, state);
    let content_type = if req.target.is_empty() {
        "application/json"
    } else {
        "application/x-amz-json-1.0"
    };
    respond(stream, status, content_type, &reply);
}

fn answer(
    method: &str,
    path: &str,
    target: &str,
    body: &str,
    state: &Mutex<State>,
) -> (&'static str, String) {
    let mut st = state.lock().unwrap();
    st.requests.push((
        if target.is_empty() {
            format!("{method} {}", path.split('?').next().unwrap_or(""))
        } else {
            target.to_string()
        },
        body.to_string(),
    ));
    let cluster = |st: &State| {
        let endpoints: Vec<serde_json::Value> = st
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let region = ["eu-west-1", "us-east-1", "us-west-2"][i % 3];
                serde_json::json!({"Endpoint": e, "Region": region})
            })
            .collect();
        serde_json::json!({"ClusterArn": CLUSTER_ARN, "Name": st.cluster_name, "Status": "DEPLOYED", "ClusterEndpoints": endpoints})
    };
    match (method, target) {
        ("GET", "") if path.starts_with("/cluster/") => (
            "200 OK",
            serde_json::json!({"Cluster": cluster(&st)}).to_string(),
        ),
        ("GET", "") if path.starts_with("/cluster") => (
            "200 OK",
            serde_json::json!({"Clusters": [cluster(&st)]}).to_string(),
        ),
        (_, "ToggleCustomerAPI.ListRoutingControls") => {
            let list: Vec<serde_json::Value> = st
                .controls
                .iter()
                .map(|(name, (arn, on))| {
                    serde_json::json!({
                        "ControlPanelArn": PANEL_ARN, "ControlPanelName": "shop",
                        "RoutingControlArn": arn, "RoutingControlName": name,
                        "RoutingControlState": if *on { "On" } else { "Off" }, "Owner": "111122223333"
                    })
                })
                .collect();
            (
                "200 OK",
                serde_json::json!({"RoutingControls": list}).to_string(),
            )
        }
        (_, "ToggleCustomerAPI.UpdateRoutingControlStates") => {
            let req: serde_json::Value = serde_json::from_str(body).unwrap();
            let entries = req["UpdateRoutingControlStateEntries"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if entries.len() > 10 {
                return ("400 Bad Request", serde_json::json!({"__type": "ServiceLimitExceededException", "message": "too many", "limitCode": "x", "serviceCode": "y"}).to_string());
            }
            let mut next = st.controls.clone();
            for e in &entries {
                let arn = e["RoutingControlArn"].as_str().unwrap();
                let on = e["RoutingControlState"] == "On";
                let Some(c) = next.values_mut().find(|(a, _)| a == arn) else {
                    return ("400 Bad Request", serde_json::json!({"__type": "ResourceNotFoundException", "message": arn, "resourceId": arn, "resourceType": "RoutingControl"}).to_string());
                };
                c.1 = on;
            }
            let group_of = st.group_of.unwrap_or(|_| String::new());
            let mut on_per_group: BTreeMap<String, usize> = BTreeMap::new();
            for (name, (_, on)) in &next {
                *on_per_group.entry(group_of(name)).or_default() += usize::from(*on);
            }
            if on_per_group.values().any(|n| *n < st.min_on) {
                let message = format!(
                    "Cannot update routing control states: the request violates safety rule {RULE_ARN}"
                );
                return ("409 Conflict", serde_json::json!({"__type": "ConflictException", "message": message, "resourceId": RULE_ARN, "resourceType": "SafetyRule"}).to_string());
            }
            st.controls = next;
            ("200 OK", "{}".to_string())
        }
        _ => (
            "404 Not Found",
            serde_json::json!({"message": "unknown operation"}).to_string(),
        ),
    }
}

fn spec(arc: &str, apps: usize) -> String {
    let mut s = format!(
        "version: 1\nname: shop\ndns: {{zone: example.org}}\nregions:\n  - {{name: eu-west-1, cluster: west, albDnsName: a.eu-west-1.elb.amazonaws.com}}\n  - {{name: us-east-1, cluster: east, albDnsName: b.us-east-1.elb.amazonaws.com}}\narc:\n{arc}apps:\n"
    );
    for i in 0..apps {
        s.push_str(&format!("  - {{name: app{i}, host: app{i}.example.org, image: img, health: {{path: /app{i}}}}}\n"));
    }
    s
}

fn region_spec() -> String {
    spec(
        &format!("  enabled: true\n  clusterArn: {CLUSTER_ARN}\n  scope: region\n"),
        2,
    )
}

fn repo(spec: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), spec).unwrap();
    d
}

#[test]
fn status_shows_every_control_as_a_table_and_as_json() {
    let fake = Fake::start(&[("shop-eu-west-1", true), ("shop-us-east-1", false)], 1);
    let d = repo(&region_spec());
    let o = fake.run(d.path(), &["arc", "status"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["CONTROL", "REGION", "APP", "STATE"], "{out}");
    assert_eq!(
        lines[1],
        ["shop-eu-west-1", "eu-west-1", "(all)", "On"],
        "{out}"
    );
    assert_eq!(
        lines[2],
        ["shop-us-east-1", "us-east-1", "(all)", "Off"],
        "{out}"
    );

    let o = fake.run(d.path(), &["arc", "status", "--output", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rows[1]["control"], "shop-us-east-1");
    assert_eq!(rows[1]["state"], "Off");
    assert!(
        rows[0]["arn"]
            .as_str()
            .unwrap()
            .contains("/routingcontrol/")
    );
    assert!(
        fake.requests("ToggleCustomerAPI.UpdateRoutingControlStates")
            .is_empty(),
        "status changes nothing"
    );
}

#[test]
fn an_endpoint_that_refuses_is_skipped_for_the_next() {
    let fake = Fake::start(&[("shop-eu-west-1", true), ("shop-us-east-1", false)], 1);
    let dead = fake.refuse_first();
    let d = repo(&region_spec());
    let o = fake.run(d.path(), &["arc", "on", "--region", "us-east-1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("endpoint skipped: ListRoutingControls on {dead}")),
        "{}",
        stderr(&o)
    );
    assert!(fake.on("shop-us-east-1"));
    assert_eq!(
        fake.requests("ToggleCustomerAPI.UpdateRoutingControlStates")
            .len(),
        1
    );
    assert!(
        stdout(&o).contains("turned On 1 routing controls in 1 UpdateRoutingControlStates calls"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn more_than_ten_controls_go_in_batches_of_ten() {
    let mut controls = Vec::new();
    let names: Vec<String> = (0..6)
        .flat_map(|i| ["eu-west-1", "us-east-1"].map(|r| format!("shop-app{i}-{r}")))
        .collect();
    for n in &names {
        controls.push((n.as_str(), false));
    }
    let fake = Fake::start(&controls, 0);
    let d = repo(&spec(
        &format!("  enabled: true\n  clusterArn: {CLUSTER_ARN}\n  scope: app\n"),
        6,
    ));
    let o = fake.run(d.path(), &["arc", "on"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let calls = fake.requests("ToggleCustomerAPI.UpdateRoutingControlStates");
    let sizes: Vec<usize> = calls
        .iter()
        .map(|b| serde_json::from_str::<serde_json::Value>(b).unwrap()["UpdateRoutingControlStateEntries"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [10, 2]);
    assert!(names.iter().all(|n| fake.on(n)));
}

#[test]
fn a_safety_rule_rejection_is_named() {
    let fake = Fake::start(&[("shop-eu-west-1", true), ("shop-us-east-1", true)], 1);
    let d = repo(&region_spec());
    let o = fake.run(
        d.path(),
        &[
            "arc",
            "off",
            "--region",
            "eu-west-1",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("ARC rejected the change: ConflictException"),
        "{err}"
    );
    assert!(err.contains(RULE_ARN), "the rule ARC named: {err}");
    assert!(
        err.contains("`shop-min-regions-on`: at least 1 of shop-eu-west-1, shop-us-east-1 stay On"),
        "{err}"
    );
    assert!(
        fake.on("shop-eu-west-1") && fake.on("shop-us-east-1"),
        "nothing changed"
    );
    // One Region off is allowed.
    let o = fake.run(d.path(), &["arc", "off", "--region", "eu-west-1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!fake.on("shop-eu-west-1"));
}

#[test]
fn dry_run_shows_the_change_and_sends_nothing() {
    let fake = Fake::start(&[("shop-eu-west-1", true), ("shop-us-east-1", true)], 1);
    let d = repo(&region_spec());
    let o = fake.run(
        d.path(),
        &["arc", "off", "--region", "eu-west-1", "--dry-run"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("shop-eu-west-1") && out.contains("On -> Off"),
        "{out}"
    );
    assert!(
        out.contains(
            "dry run: nothing sent (1 controls would change in 1 UpdateRoutingControlStates calls)"
        ),
        "{out}"
    );
    assert!(
        fake.requests("ToggleCustomerAPI.UpdateRoutingControlStates")
            .is_empty()
    );
    assert!(fake.on("shop-eu-west-1"));
    assert!(
        out.contains("no simulated answers") || !out.contains("what Route 53 answers"),
        "nothing rendered yet: {out}"
    );

    // Rendered, the dry run shows what Route 53 would answer after it.
    let zoned = region_spec().replace(
        "{zone: example.org}",
        "{zone: example.org, zoneId: Z0EXAMPLE}",
    );
    std::fs::write(d.path().join("gen.yaml"), zoned).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let o = fake.run(
        d.path(),
        &["arc", "off", "--region", "eu-west-1", "--dry-run"],
    );
    let out = stdout(&o);
    assert!(out.contains("what Route 53 answers"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("app0.example.org") && l.contains("us-east-1  (moved)")),
        "{out}"
    );
    assert!(!stderr(&o).contains("fail-open"), "{}", stderr(&o));

    // With the other Region already Off, Off loses to fail-open: say so.
    let fake = Fake::start(&[("shop-eu-west-1", true), ("shop-us-east-1", false)], 1);
    let o = fake.run(
        d.path(),
        &["arc", "off", "--region", "eu-west-1", "--dry-run"],
    );
    let out = stdout(&o);
    assert!(out.contains("R3 all unhealthy: fails open"), "{out}");
    assert!(
        stderr(&o).contains("Off does not win over fail-open"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_cluster_gen_created_is_found_by_name() {
    let fake = Fake::start(&[("shop-eu-west-1", false), ("shop-us-east-1", false)], 1);
    let d = repo(&spec("  enabled: true\n  cluster: {name: shop}\n", 2));
    let o = fake.run(d.path(), &["arc", "on"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fake.requests("GET /cluster").len(), 1, "ListClusters");
    assert!(fake.on("shop-eu-west-1") && fake.on("shop-us-east-1"));
}

#[test]
fn switch_flags_are_checked_before_any_call() {
    let fake = Fake::start(&[], 1);
    let d = repo(&region_spec());
    for (args, want) in [
        (
            &["arc", "off"][..],
            "name the Region(s) to turn off with --region",
        ),
        (
            &["arc", "off", "--region", "eu-west-1", "--app", "app0"],
            "the routing controls are per Region",
        ),
        (
            &["arc", "on", "--region", "eu-north-1"],
            "`eu-north-1` is not a Region of this spec",
        ),
    ] {
        let o = fake.run(d.path(), args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
    assert!(
        fake.state.lock().unwrap().requests.is_empty(),
        "no request was sent"
    );
    let d = repo(&spec("  enabled: false\n", 2));
    let o = fake.run(d.path(), &["arc", "status"]);
    assert!(
        stderr(&o).contains("ARC is not enabled in this spec"),
        "{}",
        stderr(&o)
    );
}
