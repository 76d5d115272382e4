//! `gen switch` against a scripted ARC Region switch data plane.
//!
//! No Region switch API is reachable here and moto has none. So a local
//! HTTP server speaks the protocol the AWS SDK calls it in (rpcv2Cbor:
//! `POST /service/ArcRegionSwitch/operation/<Op>`, CBOR bodies, timestamps
//! as tag 1), answers each plan only in its own Regions (read from the SigV4
//! credential scope, as a Region's endpoint would), and runs executions by
//! a script: steps that run and complete one read at a time, an approval
//! step that waits until ApprovePlanExecutionStep, a step that fails, a
//! wait that never ends, and a server that stops answering. The real `gen`
//! binary and the real SDK client talk to it over TCP.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use ciborium::Value as Cbor;
use serde_json::{Value as Json, json};

use crate::util::*;

const ACCOUNT: &str = "111122223333";
const NOW: i64 = 1_796_083_200; // 2026-12-01T00:00:00Z

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Script {
    Succeed,
    /// This step fails when it runs.
    FailAt(&'static str),
    /// The scale-up step runs for ever.
    Hang,
    /// After this many reads of an execution, connections close unanswered.
    Vanish(usize),
}

struct Exec {
    id: String,
    plan_arn: String,
    action: String,
    mode: String,
    region: String,
    steps: Vec<(String, String)>,
    state: String,
    events: Vec<Json>,
}

struct State {
    /// (name, regions, steps of its workflows).
    plans: Vec<(String, Vec<String>, Vec<String>)>,
    /// plan name → (evaluation state, warnings as (step, message)).
    evaluations: BTreeMap<String, (String, Vec<(String, String)>)>,
    script: Script,
    execs: Vec<Exec>,
    /// (operation, Region signed for, body).
    requests: Vec<(String, String, Json)>,
    reads: usize,
    /// (plan, Region) whose plan checks are unhealthy: taken out earlier.
    unhealthy: Vec<(String, String)>,
}

fn arn(name: &str) -> String {
    format!("arn:aws:arc-region-switch::{ACCOUNT}:plan/{name}:a1b2c3")
}

pub(crate) struct Fake {
    pub(crate) url: String,
    state: Arc<Mutex<State>>,
}

impl Fake {
    pub(crate) fn start(plans: &[(&str, &[&str], &[&str])], script: Script) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            plans: plans
                .iter()
                .map(|(n, r, s)| {
                    (
                        n.to_string(),
                        r.iter().map(|x| x.to_string()).collect(),
                        s.iter().map(|x| x.to_string()).collect(),
                    )
                })
                .collect(),
            evaluations: BTreeMap::new(),
            script,
            execs: Vec::new(),
            requests: Vec::new(),
            reads: 0,
            unhealthy: Vec::new(),
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &shared);
            }
        });
        Fake { url, state }
    }

    fn requests(&self, op: &str) -> Vec<(String, Json)> {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(o, _, _)| o == op)
            .map(|(_, r, b)| (r.clone(), b.clone()))
            .collect()
    }

    fn command(&self, dir: &std::path::Path, args: &[&str]) -> std::process::Command {
        let (mut cmd, home) = gen_command(dir);
        // The isolated home lives as long as the test's directory.
        std::mem::forget(home);
        cmd.args(args);
        fake_aws(&mut cmd, dir);
        // ARC's configuration API (read for the routing controls' states)
        // answers here too: with an error, so the controls count as On.
        cmd.env("AWS_ENDPOINT_URL_ARC_REGION_SWITCH", &self.url)
            .env(
                "AWS_ENDPOINT_URL_ROUTE53_RECOVERY_CONTROL_CONFIG",
                &self.url,
            )
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
        self.command(dir, args).output().unwrap()
    }
}

/// The Region a SigV4 signature was made for.
fn signed_region(authorization: &str) -> String {
    authorization
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split('/').nth(2))
        .unwrap_or("")
        .to_string()
}

fn to_json(v: Cbor) -> Json {
    match v {
        Cbor::Text(s) => Json::String(s),
        Cbor::Bool(b) => Json::Bool(b),
        Cbor::Integer(i) => json!(i128::from(i) as i64),
        Cbor::Float(f) => json!(f),
        Cbor::Array(a) => Json::Array(a.into_iter().map(to_json).collect()),
        Cbor::Map(m) => Json::Object(
            m.into_iter()
                .map(|(k, v)| (k.into_text().unwrap_or_default(), to_json(v)))
                .collect(),
        ),
        Cbor::Tag(_, inner) => to_json(*inner),
        _ => Json::Null,
    }
}

/// JSON to CBOR, with the timestamp members as epoch seconds under tag 1
/// ("timestamp … tag 1", Smithy RPC v2 CBOR protocol).
fn to_cbor(key: &str, v: &Json) -> Cbor {
    const TIMES: [&str; 6] = [
        "startTime",
        "endTime",
        "updatedAt",
        "lastEvaluationTime",
        "warningUpdatedTime",
        "timestamp",
    ];
    match v {
        Json::Number(n) if TIMES.contains(&key) => {
            Cbor::Tag(1, Box::new(Cbor::Integer(n.as_i64().unwrap().into())))
        }
        Json::Number(n) => Cbor::Integer(n.as_i64().unwrap().into()),
        Json::String(s) => Cbor::Text(s.clone()),
        Json::Bool(b) => Cbor::Bool(*b),
        Json::Array(a) => Cbor::Array(a.iter().map(|x| to_cbor(key, x)).collect()),
        Json::Object(m) => Cbor::Map(
            m.iter()
                .map(|(k, x)| (Cbor::Text(k.clone()), to_cbor(k, x)))
                .collect(),
        ),
        Json::Null => Cbor::Null,
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    use std::io::Write;
    let Some(req) = read_request(&stream) else {
        return;
    };
    let op = req
        .path
        .strip_prefix("/service/ArcRegionSwitch/operation/")
        .unwrap_or("")
        .to_string();
    let body = if req.raw.is_empty() {
        json!({})
    } else {
        to_json(ciborium::de::from_reader(req.raw.as_slice()).unwrap())
    };
    let region = signed_region(&req.authorization);
    let Some((status, reply)) = answer(&op, &region, &body, state) else {
        // Gone: the connection closes with no answer.
        return;
    };
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&to_cbor("", &reply), &mut bytes).unwrap();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/cbor\r\nsmithy-protocol: rpc-v2-cbor\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bytes.len()
    );
    let _ = stream.write_all(&bytes);
}

fn not_found(what: &str) -> Option<(&'static str, Json)> {
    Some((
        "400 Bad Request",
        json!({"__type": "ResourceNotFoundException", "message": what}),
    ))
}

fn answer(
    op: &str,
    region: &str,
    body: &Json,
    state: &Mutex<State>,
) -> Option<(&'static str, Json)> {
    let mut st = state.lock().unwrap();
    st.requests
        .push((op.to_string(), region.to_string(), body.clone()));
    let field = |k: &str| body[k].as_str().unwrap_or("").to_string();
    match op {
        "ListPlansInRegion" => {
            let plans: Vec<Json> = st
                .plans
                .iter()
                .filter(|(_, regions, _)| regions.iter().any(|r| r == region))
                .map(|(name, regions, _)| {
                    let running = st
                        .execs
                        .iter()
                        .find(|e| e.plan_arn == arn(name) && e.state == "inProgress");
                    let mut p = json!({
                        "arn": arn(name), "owner": ACCOUNT, "name": name,
                        "regions": regions, "recoveryApproach": "activeActive",
                        "version": "3", "updatedAt": NOW,
                    });
                    if let Some(e) = running {
                        p["activePlanExecution"] = json!(e.id);
                    }
                    p
                })
                .collect();
            Some(("200 OK", json!({"plans": plans})))
        }
        "GetPlanEvaluationStatus" => {
            let name = st
                .plans
                .iter()
                .find(|(n, _, _)| arn(n) == field("planArn"))
                .map(|(n, _, _)| n.clone())?;
            let (state_, warnings) = st
                .evaluations
                .get(&name)
                .cloned()
                .unwrap_or(("passed".into(), Vec::new()));
            let warnings: Vec<Json> = warnings
                .iter()
                .map(|(step, message)| {
                    json!({"version": "3", "stepName": step, "warningStatus": "active",
                           "warningUpdatedTime": NOW, "warningMessage": message,
                           "resourceArn": format!("arn:aws:eks:{region}:{ACCOUNT}:cluster/south")})
                })
                .collect();
            Some((
                "200 OK",
                json!({"planArn": field("planArn"), "lastEvaluationTime": NOW,
                       "lastEvaluatedVersion": "3", "region": region,
                       "evaluationState": state_, "warnings": warnings}),
            ))
        }
        "ListPlanExecutions" => {
            let items: Vec<Json> = st
                .execs
                .iter()
                .rev()
                .filter(|e| e.plan_arn == field("planArn"))
                .map(|e| {
                    json!({"planArn": e.plan_arn, "executionId": e.id, "startTime": NOW,
                           "mode": e.mode, "executionState": e.state,
                           "executionAction": e.action, "executionRegion": e.region})
                })
                .collect();
            Some(("200 OK", json!({"items": items})))
        }
        "StartPlanExecution" => {
            let plan_arn = field("planArn");
            let Some((_, regions, steps)) = st
                .plans
                .iter()
                .find(|(n, _, _)| arn(n) == plan_arn)
                .cloned()
            else {
                return not_found(&plan_arn);
            };
            // Executions run in one of the plan's own Regions.
            if !regions.iter().any(|r| r == region) {
                return Some((
                    "400 Bad Request",
                    json!({"__type": "IllegalArgumentException", "message": format!("plan is not in {region}")}),
                ));
            }
            let id = format!("exec{:04}", st.execs.len() + 1);
            st.execs.push(Exec {
                id: id.clone(),
                plan_arn: plan_arn.clone(),
                action: field("action"),
                mode: field("mode"),
                region: region.to_string(),
                steps: steps
                    .iter()
                    .map(|s| (s.clone(), "notStarted".into()))
                    .collect(),
                state: "inProgress".into(),
                events: Vec::new(),
            });
            Some((
                "200 OK",
                json!({"executionId": id, "plan": plan_arn, "planVersion": "3"}),
            ))
        }
        "GetPlanExecution" => {
            st.reads += 1;
            let script = st.script;
            if let Script::Vanish(after) = script
                && st.reads > after
            {
                return None;
            }
            let id = field("executionId");
            let Some(e) = st.execs.iter_mut().find(|e| e.id == id) else {
                return not_found(&id);
            };
            advance(e, script);
            let steps: Vec<Json> = e
                .steps
                .iter()
                .map(|(n, s)| json!({"name": n, "status": s, "startTime": NOW}))
                .collect();
            Some((
                "200 OK",
                json!({"planArn": e.plan_arn, "executionId": e.id, "startTime": NOW,
                       "mode": e.mode, "executionState": e.state, "executionAction": e.action,
                       "executionRegion": e.region, "stepStates": steps}),
            ))
        }
        "ApprovePlanExecutionStep" => {
            let (id, step) = (field("executionId"), field("stepName"));
            let Some(e) = st.execs.iter_mut().find(|e| e.id == id) else {
                return not_found(&id);
            };
            match e.steps.iter_mut().find(|(n, _)| *n == step) {
                Some(s) if s.1 == "pendingApproval" && body["approval"] == "approve" => {
                    s.1 = "completed".into();
                    e.state = "inProgress".into();
                    Some(("200 OK", json!({})))
                }
                _ => Some((
                    "400 Bad Request",
                    json!({"__type": "IllegalStateException", "message": format!("step {step} is not pending approval")}),
                )),
            }
        }
        "ListRoute53HealthChecks" => {
            // The plan's checks of one record, one per Region of the plan;
            // the very first answer lists them without IDs yet.
            st.reads += 1;
            let record = field("recordName");
            let first = st.reads == 1;
            let checks: Vec<Json> = st
                .plans
                .iter()
                .find(|(n, _, _)| {
                    body["arn"]
                        .as_str()
                        .is_some_and(|a| a.contains(&format!("plan/{n}:")))
                })
                .map(|(_, regions, _)| regions.clone())
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    let mut c = json!({"hostedZoneId": "Z1", "recordName": record, "region": r, "status": "healthy"});
                    if !first {
                        let id = format!("rs-{}-{}", record.trim_end_matches('.').replace('.', "-"), r);
                        c["healthCheckId"] = json!(id);
                    }
                    c
                })
                .collect();
            Some(("200 OK", json!({"healthChecks": checks})))
        }
        "ListRoute53HealthChecksInRegion" => {
            let plan = st
                .plans
                .iter()
                .find(|(n, _, _)| arn(n) == field("arn"))
                .cloned();
            let mut checks: Vec<Json> = Vec::new();
            for (n, regions, _) in plan.iter() {
                for r in regions {
                    let out = st.unhealthy.iter().any(|(p, x)| p == n && x == r);
                    checks.push(
                        json!({"hostedZoneId": "Z1", "recordName": "a.example.com.", "region": r,
                           "healthCheckId": format!("hc-{r}"),
                           "status": if out { "unhealthy" } else { "healthy" }}),
                    );
                }
            }
            Some(("200 OK", json!({"healthChecks": checks})))
        }
        "ListPlanExecutionEvents" => {
            let id = field("executionId");
            let e = st.execs.iter().find(|e| e.id == id)?;
            Some(("200 OK", json!({"items": e.events})))
        }
        _ => Some((
            "400 Bad Request",
            json!({"__type": "UnknownOperationException", "message": op}),
        )),
    }
}

/// One read's worth of progress: the first unfinished step moves on.
fn advance(e: &mut Exec, script: Script) {
    if e.state != "inProgress" {
        return;
    }
    let Some(i) = e.steps.iter().position(|(_, s)| s != "completed") else {
        e.state = "completed".into();
        return;
    };
    let (name, status) = e.steps[i].clone();
    let next = match status.as_str() {
        "notStarted" => "running",
        "running" if name == "approve" => {
            e.state = "pendingManualApproval".into();
            "pendingApproval"
        }
        "running" if matches!(script, Script::FailAt(s) if s == name) => {
            e.state = "failed".into();
            e.events.push(json!({
                "eventId": format!("ev{}", e.events.len() + 1), "type": "stepFailed",
                "stepName": name, "timestamp": NOW,
                "error": "Deployment shop/pay in cluster south did not reach 2 ready replicas in 60 minutes"
            }));
            "failed"
        }
        "running" if script == Script::Hang && name == "scale-up" => "running",
        "running" => "completed",
        other => other,
    }
    .to_string();
    e.steps[i].1 = next;
    if e.steps.iter().all(|(_, s)| s == "completed") {
        e.state = "completed".into();
    }
}

const SHOP_STEPS: &[&str] = &["approve", "scale-up", "traffic"];
pub(crate) const BANK_STEPS: &[&str] = &["scale-up", "traffic"];

fn shop_plans() -> Vec<(
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
)> {
    vec![
        (
            "shop-eu-west-1-us-east-1",
            &["eu-west-1", "us-east-1"],
            SHOP_STEPS,
        ),
        (
            "shop-eu-west-1-ap-southeast-2",
            &["eu-west-1", "ap-southeast-2"],
            SHOP_STEPS,
        ),
        (
            "shop-us-east-1-ap-southeast-2",
            &["us-east-1", "ap-southeast-2"],
            SHOP_STEPS,
        ),
    ]
}

fn bank_plans() -> Vec<(
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
)> {
    vec![(
        "bank-eu-central-1-eu-west-1",
        &["eu-central-1", "eu-west-1"],
        BANK_STEPS,
    )]
}

fn repo(golden: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace().join(format!("tests/golden/{golden}/gen.yaml")),
        d.path().join("gen.yaml"),
    )
    .unwrap();
    d
}

#[test]
fn switch_status_shows_each_plans_evaluation_its_warnings_and_what_is_missing() {
    // The third plan is not deployed; the second has a warning.
    let fake = Fake::start(&shop_plans()[..2], Script::Succeed);
    fake.state.lock().unwrap().evaluations.insert(
        "shop-eu-west-1-ap-southeast-2".into(),
        (
            "actionRequired".into(),
            vec![(
                "scale-up".into(),
                "The execution role cannot access cluster south".into(),
            )],
        ),
    );
    let d = repo("region-switch");
    let o = fake.run(d.path(), &["switch", "status"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    let line = |plan: &str| {
        out.lines()
            .find(|l| l.starts_with(plan))
            .unwrap_or_else(|| panic!("no row for {plan}:\n{out}"))
            .to_string()
    };
    assert!(
        line("shop-eu-west-1-us-east-1 ").contains("passed at 2026-12-01T00:00:00Z"),
        "{out}"
    );
    assert!(
        line("shop-eu-west-1-us-east-1 ").contains("never executed"),
        "{out}"
    );
    assert!(
        line("shop-eu-west-1-ap-southeast-2 ").contains("actionRequired"),
        "{out}"
    );
    assert!(
        out.contains("  shop-eu-west-1-ap-southeast-2: warning in step scale-up on arn:aws:eks:eu-west-1:111122223333:cluster/south: The execution role cannot access cluster south"),
        "{out}"
    );
    assert!(
        line("shop-us-east-1-ap-southeast-2 ")
            .contains("not deployed (ListPlansInRegion in us-east-1 does not list it)"),
        "{out}"
    );
    // Every call went to a Region's data plane; each Region was listed once.
    let listed: Vec<String> = fake
        .requests("ListPlansInRegion")
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(listed, ["eu-west-1", "us-east-1", "ap-southeast-2"]);

    // The same report as JSON.
    let o = fake.run(d.path(), &["switch", "status", "--output", "json"]);
    let v: Json = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["plans"][1]["evaluation"]["state"], "actionRequired");
    assert_eq!(
        v["plans"][1]["evaluation"]["warnings"][0]["message"],
        "The execution role cannot access cluster south"
    );
    assert!(
        v["plans"][2]["problem"]
            .as_str()
            .unwrap()
            .contains("not deployed")
    );

    // Everything deployed and passed: exit 0.
    let fake = Fake::start(&shop_plans(), Script::Succeed);
    let o = fake.run(d.path(), &["switch", "status"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn practice_runs_every_plan_that_holds_the_region_and_approves_when_told() {
    let fake = Fake::start(&shop_plans(), Script::Succeed);
    let d = repo("region-switch");
    let o = fake.run(
        d.path(),
        &[
            "switch",
            "practice",
            "--to",
            "ap-southeast-2",
            "--approve",
            "--poll",
            "0",
        ],
    );
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(o.status.success(), "{out}{err}");
    // Active/active: each pair with ap-southeast-2 deactivates its other
    // Region, started and followed in ap-southeast-2, gracefully.
    let started: Vec<(String, String, String, String, String)> = fake
        .requests("StartPlanExecution")
        .into_iter()
        .map(|(r, b)| {
            let f = |k: &str| b[k].as_str().unwrap().to_string();
            (r, f("planArn"), f("action"), f("targetRegion"), f("mode"))
        })
        .collect();
    assert_eq!(
        started,
        [
            (
                "ap-southeast-2".into(),
                arn("shop-eu-west-1-ap-southeast-2"),
                "deactivate".into(),
                "eu-west-1".into(),
                "graceful".into()
            ),
            (
                "ap-southeast-2".into(),
                arn("shop-us-east-1-ap-southeast-2"),
                "deactivate".into(),
                "us-east-1".into(),
                "graceful".into()
            ),
        ]
    );
    assert!(
        fake.requests("GetPlanExecution")
            .iter()
            .all(|(r, _)| r == "ap-southeast-2")
    );
    // Each execution's approval step was approved once, by gen.
    let approved: Vec<(String, String)> = fake
        .requests("ApprovePlanExecutionStep")
        .into_iter()
        .map(|(_, b)| {
            (
                b["executionId"].as_str().unwrap().to_string(),
                b["stepName"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        approved,
        [
            ("exec0001".into(), "approve".into()),
            ("exec0002".into(), "approve".into())
        ]
    );
    // Progress, step by step, on stderr; the outcome on stdout.
    for want in [
        "started shop-eu-west-1-ap-southeast-2: deactivate eu-west-1 (graceful), execution exec0001 in ap-southeast-2",
        "shop-eu-west-1-ap-southeast-2  approve    pendingApproval",
        "shop-eu-west-1-ap-southeast-2  approve    approved",
        "shop-us-east-1-ap-southeast-2  scale-up   running",
        "shop-us-east-1-ap-southeast-2  traffic    completed",
    ] {
        assert!(err.contains(want), "no `{want}` in:\n{err}");
    }
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("shop-")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(
        rows.iter()
            .all(|r| r.ends_with("succeeded") && r.contains("(objective 5m)")),
        "{out}"
    );

    // JSON: the same report.
    let fake = Fake::start(&shop_plans(), Script::Succeed);
    let o = fake.run(
        d.path(),
        &[
            "switch",
            "practice",
            "--to",
            "eu-west-1",
            "--plan",
            "shop-eu-west-1-us-east-1",
            "--approve",
            "--poll",
            "0",
            "--output",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Json = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["executions"].as_array().unwrap().len(), 1);
    assert_eq!(v["executions"][0]["target"], "us-east-1");
    assert_eq!(v["executions"][0]["outcome"]["kind"], "succeeded");
}

#[test]
fn recover_reports_the_failed_step_and_exits_non_zero() {
    let fake = Fake::start(&bank_plans(), Script::FailAt("scale-up"));
    let d = repo("region-switch-failover");
    let o = fake.run(
        d.path(),
        &["switch", "recover", "--to", "eu-west-1", "--poll", "0"],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    // Active/passive: activate the target, ungracefully, from it.
    let (region, body) = &fake.requests("StartPlanExecution")[0];
    assert_eq!(region, "eu-west-1");
    assert_eq!(body["action"], "activate");
    assert_eq!(body["targetRegion"], "eu-west-1");
    assert_eq!(body["mode"], "ungraceful");
    assert!(out.contains("failed (failed)"), "{out}");
    assert!(
        out.contains("  bank-eu-central-1-eu-west-1: step scale-up: Deployment shop/pay in cluster south did not reach 2 ready replicas in 60 minutes"),
        "{out}"
    );
}

#[test]
fn an_interrupted_wait_leaves_the_execution_running_and_says_how_to_watch_it() {
    let d = repo("region-switch-failover");
    // The data plane stops answering mid-execution.
    let fake = Fake::start(&bank_plans(), Script::Vanish(2));
    let o = fake.run(
        d.path(),
        &["switch", "practice", "--to", "eu-west-1", "--poll", "0"],
    );
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(3), "{out}{err}");
    assert!(out.contains("still running: gen lost contact with it: GetPlanExecution (ARC Region switch, eu-west-1)"), "{out}");
    assert!(
        err.contains("execution exec0001 of bank-eu-central-1-eu-west-1 goes on in AWS"),
        "{err}"
    );
    assert!(
        err.contains("hint: watch it with `gen switch status`"),
        "{err}"
    );

    // A wait that outlasts --timeout.
    let fake = Fake::start(&bank_plans(), Script::Hang);
    let o = fake.run(
        d.path(),
        &[
            "switch",
            "practice",
            "--to",
            "eu-west-1",
            "--poll",
            "0",
            "--timeout",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("still running: gen stopped following it after 0 min"));

    // Ctrl-C stops the wait, never the execution.
    let fake = Fake::start(&bank_plans(), Script::Hang);
    let child = fake
        .command(
            d.path(),
            &["switch", "practice", "--to", "eu-west-1", "--poll", "1"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while fake.requests("GetPlanExecution").len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "gen never followed the execution"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("still running: gen stopped following it (SIGINT)"),
        "{}",
        stdout(&o)
    );
    let ops: Vec<String> = fake
        .state
        .lock()
        .unwrap()
        .requests
        .iter()
        .map(|(o, _, _)| o.clone())
        .collect();
    assert!(
        !ops.iter()
            .any(|o| o.starts_with("Cancel") || o.starts_with("Update")),
        "{ops:?}"
    );
}

#[test]
fn a_switch_refuses_what_it_cannot_run_and_a_dry_run_sends_nothing() {
    let d = repo("region-switch");
    let fake = Fake::start(&shop_plans(), Script::Succeed);
    // Not a Region of the spec; a plan that is not the spec's.
    let o = fake.run(d.path(), &["switch", "practice", "--to", "mars-1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`mars-1` is not a Region of this spec"),
        "{}",
        stderr(&o)
    );
    let o = fake.run(
        d.path(),
        &["switch", "practice", "--to", "eu-west-1", "--plan", "other"],
    );
    assert!(
        stderr(&o).contains("`other` is not a Region switch plan of this spec"),
        "{}",
        stderr(&o)
    );
    assert!(fake.state.lock().unwrap().requests.is_empty());

    // A plan that is not deployed: nothing starts.
    let fake = Fake::start(&shop_plans()[..1], Script::Succeed);
    let o = fake.run(d.path(), &["switch", "practice", "--to", "ap-southeast-2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Region switch plan `shop-eu-west-1-ap-southeast-2` is not deployed"),
        "{}",
        stderr(&o)
    );
    assert!(fake.requests("StartPlanExecution").is_empty());

    // A dry run: the plans, their steps, and DNS after; no request.
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fake = Fake::start(&shop_plans(), Script::Succeed);
    let o = fake.run(
        d.path(),
        &["switch", "practice", "--to", "ap-southeast-2", "--dry-run"],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(fake.state.lock().unwrap().requests.is_empty());
    for want in [
        "plan shop-eu-west-1-ap-southeast-2: deactivate eu-west-1 (graceful), started in ap-southeast-2",
        "plan shop-us-east-1-ap-southeast-2: deactivate us-east-1 (graceful), started in ap-southeast-2",
        "approve   ManualApproval      waits for an approval by arn:aws:iam::111122223333:role/oncall",
        "dry run: nothing sent (2 executions would start)",
    ] {
        assert!(out.contains(want), "no `{want}` in:\n{out}");
    }
    let cart = out
        .lines()
        .find(|l| l.starts_with("cart.example.com"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(cart.contains("ap-southeast-2  (moved)"), "{cart}");

    // No Region switch in the spec.
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("gen.yaml"), resolved_spec("")).unwrap();
    let o = fake.run(plain.path(), &["switch", "status"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Region switch is not enabled in this spec"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn gen_status_shows_the_plans_evaluation_warnings() {
    let fake = Fake::start(&bank_plans(), Script::Succeed);
    fake.state.lock().unwrap().evaluations.insert(
        "bank-eu-central-1-eu-west-1".into(),
        (
            "actionRequired".into(),
            vec![(
                "scale-up".into(),
                "Deployment bank/ledger has 0 ready replicas".into(),
            )],
        ),
    );
    let d = repo("region-switch-failover");
    assert!(run_gen(d.path(), &["render"]).status.success());
    // No cluster answers and every other AWS call fails fast here: the
    // switch section is read on its own.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let config = crate::status::kubeconfig(d.path(), &nowhere, &nowhere);
    let mut cmd = fake.command(d.path(), &["status", "--output", "json"]);
    let o = cmd
        .env("KUBECONFIG", &config)
        .env("AWS_ENDPOINT_URL", &nowhere)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Json = serde_json::from_slice(&o.stdout).unwrap();
    let plan = &v["switch_plans"][0];
    assert_eq!(plan["plan"], "bank-eu-central-1-eu-west-1");
    assert_eq!(plan["evaluation"]["state"], "actionRequired");
    assert_eq!(
        plan["evaluation"]["warnings"][0]["message"],
        "Deployment bank/ledger has 0 ready replicas"
    );
    let o = fake
        .command(d.path(), &["status"])
        .env("KUBECONFIG", &config)
        .env("AWS_ENDPOINT_URL", &nowhere)
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        out.contains("  bank-eu-central-1-eu-west-1: warning in step scale-up on arn:aws:eks:eu-central-1:111122223333:cluster/south: Deployment bank/ledger has 0 ready replicas"),
        "{out}"
    );
    // --no-aws reads no plan.
    let o = fake
        .command(d.path(), &["status", "--no-aws", "--output", "json"])
        .env("KUBECONFIG", &config)
        .output()
        .unwrap();
    let v: Json = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("switch_plans").is_none(), "{v}");
}

#[test]
fn a_switch_drill_runs_the_plans_there_and_back_and_stays_when_the_way_there_fails() {
    let d = repo("region-switch-failover");
    let fake = Fake::start(&bank_plans(), Script::Succeed);
    let o = fake.run(
        d.path(),
        &["drill", "--switch-to", "eu-west-1", "--dry-run"],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(
        out.contains(
            "1. run bank-eu-central-1-eu-west-1: activate eu-west-1 (graceful), from eu-west-1"
        ),
        "{out}"
    );
    assert!(out.contains("3. then run bank-eu-central-1-eu-west-1: activate eu-central-1 (graceful), from eu-central-1"), "{out}");
    assert!(fake.state.lock().unwrap().requests.is_empty());

    let o = fake.run(
        d.path(),
        &["drill", "--switch-to", "eu-west-1", "--poll", "0"],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    let started: Vec<(String, String, String)> = fake
        .requests("StartPlanExecution")
        .into_iter()
        .map(|(r, b)| {
            (
                r,
                b["targetRegion"].as_str().unwrap().to_string(),
                b["mode"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        started,
        [
            ("eu-west-1".into(), "eu-west-1".into(), "graceful".into()),
            (
                "eu-central-1".into(),
                "eu-central-1".into(),
                "graceful".into()
            ),
        ]
    );
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("bank-")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(
        rows.iter()
            .all(|r| r.contains("(objective 15m)") && r.ends_with("succeeded")),
        "{out}"
    );

    // The way there fails: gen stays, says so, and exits non-zero.
    let fake = Fake::start(&bank_plans(), Script::FailAt("traffic"));
    let o = fake.run(
        d.path(),
        &["drill", "--switch-to", "eu-west-1", "--poll", "0"],
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(fake.requests("StartPlanExecution").len(), 1);
    assert!(stderr(&o).contains("not switching back"), "{}", stderr(&o));
}

/// Without ARC the plans go first, then the DNS stacks, whose records'
/// calculated checks take the plans' health checks (their IDs read from
/// Region switch, waiting while a plan has none yet); a re-deploy finds
/// nothing to do, and turning Region switch off takes the checks out of
/// the records before the plans go.
#[test]
fn without_arc_the_records_carry_the_plans_health_checks_deployed_in_order() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.com");
    let text = std::fs::read_to_string(workspace().join("tests/golden/region-switch-dns/gen.yaml"))
        .unwrap()
        .replace("Z0123456789EXAMPLE", &zone);
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), &text).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    // The stricter moto gives each plan an ARN that holds its name.
    let fake = Fake::start(
        &[
            (
                "store-eu-west-1-us-east-1",
                &["eu-west-1", "us-east-1"],
                BANK_STEPS,
            ),
            (
                "store-us-east-1-ap-southeast-2",
                &["us-east-1", "ap-southeast-2"],
                BANK_STEPS,
            ),
        ],
        Script::Succeed,
    );
    let deploy = |args: &[&str]| {
        let (mut cmd, _home) = moto.gen_cmd(d.path(), args);
        cmd.env("AWS_ENDPOINT_URL_ARC_REGION_SWITCH", &fake.url)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let o = deploy(&["deploy", "--yes"]);
    let out = stdout(&o);
    assert!(
        o.status.success(),
        "{}\n{:?}",
        stderr(&o),
        fake.state.lock().unwrap().requests
    );
    let at = |s: &str| {
        out.find(&format!("{s}: CREATE_COMPLETE"))
            .unwrap_or_else(|| panic!("{s} not created:\n{out}"))
    };
    assert!(at("store-region-switch-role") < at("store-region-switch-access-eu-west-1"));
    assert!(
        at("store-region-switch-access-us-east-1") < at("store-region-switch"),
        "{out}"
    );
    assert!(at("store-region-switch") < at("store-dns-web"), "{out}");
    assert!(
        out.contains("then, once store-region-switch is deployed: store-dns-api, store-dns-pay, store-dns-web"),
        "{out}"
    );
    // Each gated record's check ID came from Region switch: web and pay in
    // eu-west-1 (their primary), api in us-east-1.
    let asked: Vec<String> = fake
        .requests("ListRoute53HealthChecks")
        .into_iter()
        .map(|(r, b)| format!("{r} {}", b["recordName"].as_str().unwrap()))
        .collect();
    assert!(asked.len() >= 4, "{asked:?}");
    assert!(
        asked.iter().all(|a| a.starts_with("us-east-1 ")),
        "the control plane: {asked:?}"
    );
    let dump = moto.py("dump", "example.com");
    let text = dump.to_string();
    for id in [
        "rs-web-example-com-eu-west-1",
        "rs-pay-example-com-eu-west-1",
        "rs-api-example-com-us-east-1",
    ] {
        assert!(
            text.contains(id),
            "no calculated check with child {id}: {text}"
        );
    }
    assert!(
        !text.contains("rs-web-example-com-us-east-1"),
        "the secondary is not gated: {text}"
    );

    // The hundredth deploy: nothing to do.
    let o = deploy(&["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("nothing to deploy"), "{}", stdout(&o));

    // A change CloudFormation cannot make to a named plan (api's primary
    // moves, so its pair's primary does), and a plan removed while a kept
    // stack's records carry its checks (api moves to the other pair):
    // refused before anything runs, with the two-deploy way round.
    let spec = std::fs::read_to_string(d.path().join("gen.yaml")).unwrap();
    for (changed, why) in [
        (
            spec.replace(
                "{failover: {primary: us-east-1, secondary: ap-southeast-2}}",
                "{failover: {primary: ap-southeast-2, secondary: us-east-1}}",
            ),
            "Region switch plan PlanUsEast1ApSoutheast2 in stack store-region-switch would be replaced",
        ),
        (
            spec.replace(
                "{failover: {primary: us-east-1, secondary: ap-southeast-2}}",
                "{failover: {primary: eu-west-1, secondary: us-east-1}}",
            ),
            "Region switch plan PlanUsEast1ApSoutheast2 in stack store-region-switch would be removed while the records still carry its health checks",
        ),
    ] {
        assert_ne!(changed, spec);
        std::fs::write(d.path().join("gen.yaml"), &changed).unwrap();
        assert!(run_gen(d.path(), &["render"]).status.success());
        let o = deploy(&["deploy", "--yes"]);
        assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
        assert!(stderr(&o).contains("make it two deploys"), "{}", stderr(&o));
        assert!(!stdout(&o).contains("UPDATE_COMPLETE"), "{}", stdout(&o));
    }
    std::fs::write(d.path().join("gen.yaml"), &spec).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());

    // Region switch off: the records drop the plans' checks, then the
    // plans go.
    std::fs::write(
        d.path().join("gen.yaml"),
        std::fs::read_to_string(d.path().join("gen.yaml"))
            .unwrap()
            .replace(
                "regionSwitch:\n  enabled: true",
                "regionSwitch:\n  enabled: false",
            ),
    )
    .unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let o = deploy(&["deploy", "--yes"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    let updated = out
        .find("store-dns-web: UPDATE_COMPLETE")
        .unwrap_or_else(|| panic!("{out}"));
    let deleted = out
        .find("store-region-switch: deleted")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(updated < deleted, "{out}");
    for s in ["store-dns-api", "store-dns-pay"] {
        let at = out
            .find(&format!("{s}: UPDATE_COMPLETE"))
            .unwrap_or_else(|| panic!("{s} not updated: {out}"));
        assert!(at < deleted, "{out}");
    }
    // No record carries a plan's check any more.
    let text = moto.py("dump", "example.com").to_string();
    assert!(!text.contains("rs-"), "{text}");
}

/// An active/active switch takes the other Region out; when an earlier
/// switch took the target out of a plan, it first brings it back (its
/// activation, from the target), and only then takes the other out.
#[test]
fn a_switch_to_a_region_taken_out_earlier_brings_it_back_first() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("gen.yaml"),
        "version: 1\nname: duo\ndns: {zone: example.com, zoneId: Z0123456789EXAMPLE}\nregions:\n  - {name: eu-west-1, cluster: west, albDnsName: a.eu-west-1.elb.amazonaws.com}\n  - {name: us-east-1, cluster: east, albDnsName: b.us-east-1.elb.amazonaws.com}\nregionSwitch: {enabled: true}\napps:\n  - {name: web, host: web.example.com, image: img, replicas: 2, health: {path: /webh}}\n",
    )
    .unwrap();
    let plans = [(
        "duo-eu-west-1-us-east-1",
        &["eu-west-1", "us-east-1"][..],
        BANK_STEPS,
    )];
    let started = |fake: &Fake| -> Vec<(String, String, String)> {
        fake.requests("StartPlanExecution")
            .into_iter()
            .map(|(r, b)| {
                (
                    r,
                    b["action"].as_str().unwrap().to_string(),
                    b["targetRegion"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // Both Regions in: only the other goes out.
    let fake = Fake::start(&plans, Script::Succeed);
    let o = fake.run(
        d.path(),
        &["switch", "practice", "--to", "us-east-1", "--poll", "0"],
    );
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        started(&fake),
        [("us-east-1".into(), "deactivate".into(), "eu-west-1".into())]
    );
    // us-east-1 was taken out: it comes back, then eu-west-1 goes out.
    let fake = Fake::start(&plans, Script::Succeed);
    fake.state
        .lock()
        .unwrap()
        .unhealthy
        .push(("duo-eu-west-1-us-east-1".into(), "us-east-1".into()));
    let o = fake.run(
        d.path(),
        &["switch", "practice", "--to", "us-east-1", "--poll", "0"],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert_eq!(
        started(&fake),
        [
            ("us-east-1".into(), "activate".into(), "us-east-1".into()),
            ("us-east-1".into(), "deactivate".into(), "eu-west-1".into()),
        ]
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("duo-")).count(),
        2,
        "{out}"
    );
    // The way back fails: the other Region stays in.
    let fake = Fake::start(&plans, Script::FailAt("traffic"));
    fake.state
        .lock()
        .unwrap()
        .unhealthy
        .push(("duo-eu-west-1-us-east-1".into(), "us-east-1".into()));
    let o = fake.run(
        d.path(),
        &["switch", "recover", "--to", "us-east-1", "--poll", "0"],
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(started(&fake).len(), 1);
    assert!(
        stderr(&o).contains("not taking the other Regions out"),
        "{}",
        stderr(&o)
    );
}
