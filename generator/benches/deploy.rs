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

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
#[path = "common/moto.rs"]
mod moto;

use moto::StrictMoto;

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
        .args([server.url(), "health-all", "1"])
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

/// The stricter moto, answering after a delay.
struct Server(StrictMoto);

impl Server {
    fn start(root: &Path, python: &Path, delay: u64) -> Server {
        Server(StrictMoto::start(root, python, delay))
    }

    fn url(&self) -> &str {
        &self.0.url
    }

    fn zone(&self, root: &Path, python: &Path, name: &str) -> String {
        let o = Command::new(python)
            .arg(root.join("tests/tools/moto_r53.py"))
            .args([self.url(), "create-zone", name])
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
        self.0.reset_calls();
        let home = tempfile::tempdir().expect("tempdir");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gen"));
        cmd.args(args).current_dir(dir).env("HOME", home.path());
        moto::fake_aws(&mut cmd, dir);
        cmd.envs(env.iter().copied())
            .env("AWS_ENDPOINT_URL", self.url())
            .stdin(Stdio::null());
        let start = Instant::now();
        let o = cmd.output().expect("gen");
        let wall = start.elapsed();
        assert!(
            o.status.success() || !must_succeed,
            "gen {args:?} failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let calls = self.0.calls();
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
            change_sets: moto::count(&calls, "cloudformation:CreateChangeSet"),
            in_flight: n("most_in_flight"),
            by_action: by
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}
