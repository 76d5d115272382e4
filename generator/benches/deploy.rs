//! Benchmark: what `gen deploy` asks AWS, and how long it takes, for a
//! platform of 1,000 apps in 3 Regions (the render benchmark's spec, one
//! DNS stack per app), against the stricter moto server
//! (`tests/tools/strict_moto.py`) with a fixed delay before every AWS call
//! as AWS's latency would add: the first deploy, the same deploy again with
//! nothing changed, and a deploy after one app's check changed; each at the
//! default concurrency and one stack at a time (`--concurrency 1`), each
//! server fresh. The server counts every call by service and action.
//!
//! Run: `cargo bench -p generator --bench deploy` (after `scripts/test` has
//! installed the stricter moto into `.venv/`); add `-- --apps N`,
//! `-- --delay-ms D` (default 100), or `-- --no-serial` to skip the run one
//! stack at a time. Prints a table and each bar with its verdict:
//! - a deploy that changes nothing makes at most 50 AWS calls and no change set;
//! - a one-app change makes exactly one change set;
//! - the first deploy is at least 5x faster than one stack at a time.

// A benchmark reports on the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == flag)
            .map(|i| {
                args.get(i + 1)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{flag} N"))
            })
            .unwrap_or(default)
    };
    let apps = value("--apps", 1000) as usize;
    let delay = value("--delay-ms", 100);
    let serial = !args.iter().any(|a| a == "--no-serial");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python3");
    if !python.exists() {
        eprintln!("the stricter moto is not installed: run scripts/test once (it makes .venv/)");
        std::process::exit(1);
    }
    let regions = ["eu-west-1", "eu-central-1", "us-east-1"];
    println!(
        "gen deploy benchmark: {apps} apps x {} Regions ({apps} DNS stacks), every AWS call delayed {delay} ms",
        regions.len()
    );
    let (first, status) = deploys(&root, &python, apps, &regions, delay, &[]);
    let mut runs = vec![("default concurrency", first)];
    if serial {
        let one = &["--concurrency", "1"];
        runs.push((
            "one stack at a time",
            deploys(&root, &python, apps, &regions, delay, one).0,
        ));
    }

    println!(
        "{:<22} {:<28} {:>10} {:>9} {:>12} {:>9}",
        "", "deploy", "wall time", "AWS calls", "change sets", "in flight"
    );
    for (how, r) in &runs {
        for (what, m) in [
            ("first", &r[0]),
            ("again, nothing changed", &r[1]),
            ("one app's check changed", &r[2]),
        ] {
            println!(
                "{how:<22} {what:<28} {:>9.1}s {:>9} {:>12} {:>9}",
                m.wall.as_secs_f64(),
                m.calls,
                m.change_sets,
                m.in_flight
            );
        }
    }
    println!(
        "{:<22} {:<28} {:>9.1}s {:>9} {:>12} {:>9}",
        "",
        "gen status, AWS side",
        status.wall.as_secs_f64(),
        status.calls,
        "-",
        status.in_flight
    );
    println!("calls of gen status: {}", status.by_action);
    // What reading each check on its own costs (DescribeStackResource and
    // GetHealthCheckStatus per check, as gen status did): computed, not run.
    let checks = apps * regions.len();
    println!(
        "gen status one check at a time (computed: 2 calls a check): {} calls, at least {:.0}s at {delay} ms a call",
        2 * checks,
        (2 * checks) as f64 * delay as f64 / 1000.0
    );
    let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
    let r = &runs[0].1;
    println!(
        "no-op deploy: {} AWS calls (bar: at most 50), {} change sets (bar: none): {}",
        r[1].calls,
        r[1].change_sets,
        verdict(r[1].calls <= 50 && r[1].change_sets == 0)
    );
    println!(
        "one app's change: {} change set(s) (bar: exactly 1): {}",
        r[2].change_sets,
        verdict(r[2].change_sets == 1)
    );
    println!("calls of the first deploy: {}", r[0].by_action);
    if let Some((_, s)) = runs.get(1) {
        let speedup = s[0].wall.as_secs_f64() / r[0].wall.as_secs_f64();
        println!(
            "first deploy, one stack at a time / at the default concurrency: {speedup:.1}x (bar: at least 5x): {}",
            verdict(speedup >= 5.0)
        );
    }
}

/// One deploy's measure.
struct Measure {
    wall: Duration,
    calls: u64,
    change_sets: u64,
    in_flight: u64,
    by_action: String,
}

/// On a fresh server: the first deploy, the same again, and one after one
/// app's check changed, each with `extra` arguments; then `gen status` with
/// every check reporting healthy to CloudWatch and the clusters unreachable
/// (its AWS side).
fn deploys(
    root: &Path,
    python: &Path,
    apps: usize,
    regions: &[&str],
    delay: u64,
    extra: &[&str],
) -> (Vec<Measure>, Measure) {
    let server = Server::start(root, python, delay);
    let zone = server.zone(root, python, "example.com");
    let dir = tempfile::tempdir().expect("tempdir");
    let text = common::spec(apps, regions, &zone);
    std::fs::write(dir.path().join("gen.yaml"), &text).expect("write spec");
    render(dir.path());
    let mut out = vec![
        server.deploy(dir.path(), extra),
        server.deploy(dir.path(), extra),
    ];
    let changed = text.replace("health: {path: /app0health}", "health: {path: /app0ready}");
    assert_ne!(changed, text, "the change applies");
    std::fs::write(dir.path().join("gen.yaml"), &changed).expect("write spec");
    render(dir.path());
    out.push(server.deploy(dir.path(), extra));
    let o = Command::new(python)
        .arg(root.join("tests/tools/moto_r53.py"))
        .args([&server.url, "health-all", "1"])
        .output()
        .expect("moto_r53.py");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let config = dir.path().join("kubeconfig");
    let mut k = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for i in 0..regions.len() {
        k.push_str(&format!(
            "- name: cluster{i}\n  cluster: {{server: \"http://127.0.0.1:9\"}}\n"
        ));
    }
    k.push_str("contexts:\n");
    for i in 0..regions.len() {
        k.push_str(&format!(
            "- name: cluster{i}\n  context: {{cluster: cluster{i}, user: t}}\n"
        ));
    }
    k.push_str("current-context: cluster0\nusers:\n- name: t\n  user: {token: t}\n");
    std::fs::write(&config, k).expect("kubeconfig");
    let args = ["status", "--output", "json"];
    let status = server.run(dir.path(), &args, &[("KUBECONFIG", &config)], false);
    (out, status)
}

fn render(dir: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("render")
        .current_dir(dir)
        .output()
        .expect("gen render");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The stricter moto, answering after `delay` ms.
struct Server {
    url: String,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(root: &Path, python: &Path, delay: u64) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(python)
            .arg(root.join("tests/tools/strict_moto.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("STRICT_MOTO_DELAY_MS", delay.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the stricter moto");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Server {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    fn zone(&self, root: &Path, python: &Path, name: &str) -> String {
        let o = Command::new(python)
            .arg(root.join("tests/tools/moto_r53.py"))
            .args([&self.url, "create-zone", name])
            .output()
            .expect("moto_r53.py");
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .trim_start_matches("/hostedzone/")
            .to_string()
    }

    fn deploy(&self, dir: &Path, extra: &[&str]) -> Measure {
        let args: Vec<&str> = ["deploy", "--yes"].iter().chain(extra).copied().collect();
        self.run(dir, &args, &[], true)
    }

    /// Run gen with `args` against this server, its calls counted.
    fn run(&self, dir: &Path, args: &[&str], env: &[(&str, &Path)], must_succeed: bool) -> Measure {
        self.get("/_gen/calls/reset");
        let home = tempfile::tempdir().expect("tempdir");
        let start = Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_gen"))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(dir)
            .env("HOME", home.path())
            .env("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTEST")
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .env("AWS_REGION", "us-west-2")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("no-aws-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .env("AWS_ENDPOINT_URL", &self.url)
            .stdin(Stdio::null())
            .output()
            .expect("gen");
        let wall = start.elapsed();
        assert!(
            o.status.success() || !must_succeed,
            "gen {args:?} failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let calls = self.get("/_gen/calls");
        let n = |key: &str| calls[key].as_u64().unwrap_or(0);
        let mut by: Vec<(String, u64)> = calls["calls"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default();
        by.sort();
        Measure {
            wall,
            calls: n("total"),
            change_sets: calls["calls"]["cloudformation:CreateChangeSet"]
                .as_u64()
                .unwrap_or(0),
            in_flight: n("most_in_flight"),
            by_action: by
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn get(&self, path: &str) -> serde_json::Value {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut c = TcpStream::connect(addr).expect("moto");
        write!(
            c,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("request");
        let mut reply = String::new();
        c.read_to_string(&mut reply).expect("reply");
        let body = reply.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
    }
}
