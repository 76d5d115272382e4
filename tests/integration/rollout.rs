//! `gen rollout` against real Git and scripted clusters: a bare local
//! repository is the remote; each cluster is the scripted Kubernetes API of
//! the status tests, whose Kustomizations move to a commit when its
//! Region's rollout branch on the remote moves there (as Flux's source and
//! kustomize controllers would), and fail on a commit the test calls bad.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::status::{FakeKube, WEST_ALB, cluster, kubeconfig};
use crate::util::*;

const ROLLOUT: &str = "rollout:\n  source: {url: \"ssh://git@example.org/fleet.git\"}\n  waves: [[us-east-1], [eu-west-1]]\napps:\n";

/// A rendered repository whose spec rolls out (us-east-1 first), pushed to
/// a bare remote; the clusters run its first commit from `main`.
struct Fleet {
    dir: tempfile::TempDir,
    remote: PathBuf,
    west: FakeKube,
    east: FakeKube,
    config: PathBuf,
    /// Commits the clusters fail on (Ready False after applying):
    /// `COMMIT` everywhere, `COMMIT@REGION` in one Region.
    bad: Arc<Mutex<Vec<String>>>,
    /// While set, the clusters apply nothing new.
    frozen: Arc<AtomicBool>,
    first: String,
}

impl Fleet {
    fn new() -> Fleet {
        Fleet::in_zone(None)
    }

    /// With the hosted zone `zone` recorded in gen.lock (for a deploy).
    fn in_zone(zone: Option<&str>) -> Fleet {
        Fleet::with(zone, false)
    }

    /// `argocd`: the west cluster syncs with Argo CD.
    fn with(zone: Option<&str>, argocd: bool) -> Fleet {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        if let Some(id) = zone {
            lock_zone(d, id);
        }
        let mut text = resolved_spec("").replace("apps:\n", ROLLOUT);
        if argocd {
            text = text.replace(
                "    cluster: west\n",
                "    cluster: west\n    gitops: argocd\n",
            );
        }
        std::fs::write(d.join("gen.yaml"), text).unwrap();
        let o = run_gen(d, &["render"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let remote = d.join("remote.git");
        git(d, &["init", "-q", "--bare", remote.to_str().unwrap()]);
        git(d, &["remote", "add", "origin", remote.to_str().unwrap()]);
        git(d, &["push", "-q", "origin", "HEAD:refs/heads/main"]);
        let first = head(d);
        let west = FakeKube::start(if argocd {
            crate::status::argocd_cluster(&first, None)
        } else {
            cluster(&first, WEST_ALB, 2)
        });
        let east = FakeKube::start(cluster(&first, EAST_ALB, 2));
        let config = kubeconfig(d, &west.url, &east.url);
        let fleet = Fleet {
            dir,
            remote,
            west,
            east,
            config,
            bad: Arc::default(),
            frozen: Arc::default(),
            first,
        };
        fleet.reconcile("eu-west-1", &fleet.west);
        fleet.reconcile("us-east-1", &fleet.east);
        fleet
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Flux on one cluster: follow the Region's branch on the remote.
    fn reconcile(&self, region: &str, kube: &FakeKube) {
        let (remote, routes) = (self.remote.clone(), kube.routes.clone());
        let (bad, frozen) = (self.bad.clone(), self.frozen.clone());
        let branch = format!("rollout/shop/{region}");
        let region = region.to_string();
        std::thread::spawn(move || {
            let mut applied = String::new();
            loop {
                std::thread::sleep(std::time::Duration::from_millis(50));
                if frozen.load(Ordering::SeqCst) {
                    continue;
                }
                let Some(at) = branch_at(&remote, &branch) else {
                    continue;
                };
                if at == applied {
                    continue;
                }
                let failing = {
                    let bad = bad.lock().unwrap();
                    bad.contains(&at) || bad.contains(&format!("{at}@{region}"))
                };
                set_applied(&routes, &format!("{branch}@sha1:{at}"), !failing);
                applied = at;
            }
        });
    }

    /// Change the spec, render, commit and push `main`: the new HEAD.
    fn change(&self, replicas: u32) -> String {
        let path = self.dir().join("gen.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = match text.find("    replicas:") {
            Some(i) => {
                let end = text[i..].find('\n').unwrap() + i;
                format!("{}    replicas: {replicas}{}", &text[..i], &text[end..])
            }
            None => text.replace(
                "    health: {path: /carthealth}\n",
                &format!("    health: {{path: /carthealth}}\n    replicas: {replicas}\n"),
            ),
        };
        std::fs::write(&path, text).unwrap();
        let o = run_gen(self.dir(), &["render"]);
        assert!(o.status.success(), "{}", stderr(&o));
        git(
            self.dir(),
            &["push", "-q", "origin", "HEAD:refs/heads/main"],
        );
        head(self.dir())
    }

    fn rollout(&self, args: &[&str]) -> std::process::Output {
        let (mut cmd, _home) = gen_command(self.dir());
        cmd.arg("rollout")
            .args(["--no-aws", "--every", "1"])
            .args(args)
            .env("KUBECONFIG", &self.config)
            .output()
            .unwrap()
    }

    /// A Kustomization `name` on every cluster, as flux-system applies a new
    /// app's from the merged branch: failing on the commit the cluster runs
    /// ("kustomization path not found") until its wave's branch holds the app.
    fn add_kustomization(&self, name: &str) {
        for kube in [&self.west, &self.east] {
            let mut routes = kube.routes.lock().unwrap();
            for v in routes.values_mut() {
                if let Some(items) = v.get_mut("items").and_then(Value::as_array_mut) {
                    let mut k = items[0].clone();
                    let running = k["status"]["lastAppliedRevision"].clone();
                    k["metadata"]["name"] = json!(name);
                    k["status"] = json!({
                        "lastAttemptedRevision": running,
                        "conditions": [{"type": "Ready", "status": "False", "reason": "ArtifactFailed",
                                        "message": "kustomization path not found: stat /tmp/kustomization-1/deploy/x/apps/checkout: no such file or directory"}]
                    });
                    items.push(k);
                }
            }
        }
    }

    /// Add the checkout app to the spec, render, commit and push.
    fn add_checkout(&self) -> String {
        let path = self.dir().join("gen.yaml");
        let text = std::fs::read_to_string(&path).unwrap() + CHECKOUT_APP;
        std::fs::write(&path, text).unwrap();
        let o = run_gen(self.dir(), &["render"]);
        assert!(o.status.success(), "{}", stderr(&o));
        git(
            self.dir(),
            &["push", "-q", "origin", "HEAD:refs/heads/main"],
        );
        self.add_kustomization("shop-app-checkout");
        head(self.dir())
    }

    /// `gen rollout` with its AWS gates read from `moto`.
    fn rollout_aws(&self, moto: &crate::deploy::Moto, args: &[&str]) -> std::process::Output {
        let (mut cmd, _home) = moto.gen_cmd(self.dir(), &["rollout", "--every", "1"]);
        cmd.args(args)
            .env("KUBECONFIG", &self.config)
            .output()
            .unwrap()
    }

    fn at(&self, region: &str) -> Option<String> {
        branch_at(&self.remote, &format!("rollout/shop/{region}"))
    }
}

fn head(d: &Path) -> String {
    git(d, &["rev-parse", "HEAD"]).trim().to_string()
}

fn branch_at(remote: &Path, branch: &str) -> Option<String> {
    let o = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(remote)
        .args([
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/heads/{branch}"),
        ])
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// Every Kustomization of the scripted cluster tries `revision`: applied
/// and Ready, or failed (Flux then keeps the revision it applied last);
/// every Application syncs its commit, Healthy or Degraded.
fn set_applied(routes: &crate::status::Routes, revision: &str, ready: bool) {
    let mut routes = routes.lock().unwrap();
    for v in routes.values_mut() {
        let Some(items) = v.get_mut("items").and_then(Value::as_array_mut) else {
            continue;
        };
        for k in items {
            if k["kind"] == "Application" {
                let commit = revision.rsplit(':').next().unwrap();
                k["status"] = json!({
                    "sync": {"status": "Synced", "revision": commit},
                    "health": if ready { json!({"status": "Healthy"}) } else { json!({"status": "Degraded", "message": "Deployment \"cart\" exceeded its progress deadline"}) },
                    "operationState": {"phase": "Succeeded", "syncResult": {"revision": commit}},
                });
                continue;
            }
            let applied = if ready {
                json!(revision)
            } else {
                k["status"]["lastAppliedRevision"].clone()
            };
            k["status"] = json!({
                "lastAppliedRevision": applied,
                "lastAttemptedRevision": revision,
                "conditions": [if ready {
                    json!({"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": format!("Applied revision: {revision}")})
                } else {
                    json!({"type": "Ready", "status": "False", "reason": "HealthCheckFailed", "message": "timeout waiting for: [Deployment/shop/cart status: 'InProgress']"})
                }]
            });
        }
    }
}

fn report(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)))
}

fn results(r: &Value) -> Vec<String> {
    r["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["result"]["state"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_wave_goes_green_in_order_from_branches_created_where_the_clusters_run() {
    let f = Fleet::new();
    let target = f.change(2);
    // A dry run moves nothing and says what would.
    let o = f.rollout(&["--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("rollout/shop/us-east-1") && out.contains("would move"),
        "{out}"
    );
    assert_eq!(f.at("us-east-1"), None);
    let o = f.rollout(&["--bake", "1s", "--output", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = report(&o);
    assert_eq!(results(&r), ["baked", "baked"]);
    // Created at the commit the clusters ran, then moved.
    assert_eq!(r["waves"][0]["branches"][0]["before"], f.first.as_str());
    assert_eq!(f.at("us-east-1").as_deref(), Some(target.as_str()));
    assert_eq!(f.at("eu-west-1").as_deref(), Some(target.as_str()));
    let err = stderr(&o);
    assert!(
        err.find("wave 1 (us-east-1): moving").unwrap()
            < err.find("wave 2 (eu-west-1): moving").unwrap(),
        "{err}"
    );
    // Each cluster's Flux was asked to fetch at once.
    for kube in [&f.west, &f.east] {
        let patch = kube.routes.lock().unwrap().get("PATCH /apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/shop-rollout").cloned();
        let patch = patch.expect("a reconcile request");
        assert!(
            patch["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].is_string(),
            "{patch}"
        );
    }
    // Again: nothing to do.
    let o = f.rollout(&["--bake", "1s"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("every wave is at"), "{}", stderr(&o));
}

/// A Region whose cluster syncs with Argo CD follows its branch through
/// its Applications' targetRevision: the rollout moves the branch, asks
/// Argo CD to refresh each Application, and waits until they are Synced
/// at the commit and Healthy; a Degraded one is a red gate.
#[test]
fn a_wave_on_argo_cd_moves_its_applications_branch_and_gates_on_their_health() {
    let f = Fleet::with(None, true);
    let apps =
        std::fs::read_to_string(f.dir().join("clusters/west/gen-applications.yaml")).unwrap();
    assert!(
        apps.contains("targetRevision: \"rollout/shop/eu-west-1\"")
            && apps.contains("repoURL: \"ssh://git@example.org/fleet.git\""),
        "{apps}"
    );
    let target = f.change(2);
    let o = f.rollout(&["--bake", "1s", "--output", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(results(&report(&o)), ["baked", "baked"]);
    assert_eq!(f.at("eu-west-1").as_deref(), Some(target.as_str()));
    let patch = f
        .west
        .routes
        .lock()
        .unwrap()
        .get("PATCH /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop-app-cart")
        .cloned()
        .expect("a refresh request");
    assert_eq!(
        patch["metadata"]["annotations"]["argocd.argoproj.io/refresh"], "normal",
        "{patch}"
    );
    // A commit Argo CD syncs but cannot make healthy stops its wave.
    let bad = f.change(3);
    f.bad.lock().unwrap().push(format!("{bad}@eu-west-1"));
    let o = f.rollout(&["--bake", "1s", "--output", "json"]);
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("exceeded its progress deadline"), "{out}");
}

#[test]
fn prepare_creates_the_branches_where_the_clusters_run_and_moves_nothing_else() {
    let f = Fleet::new();
    f.change(2);
    let o = f.rollout(&["--prepare"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // At the commit the clusters ran, not at HEAD.
    assert_eq!(f.at("us-east-1").as_deref(), Some(f.first.as_str()));
    assert_eq!(f.at("eu-west-1").as_deref(), Some(f.first.as_str()));
    let o = f.rollout(&["--prepare"]);
    assert!(
        stderr(&o).contains("every rollout branch exists already"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_red_gate_in_the_first_wave_moves_it_back_and_the_second_never_moves() {
    let f = Fleet::new();
    let good = f.change(2);
    assert_eq!(f.rollout(&["--bake", "1s"]).status.code(), Some(0));
    let bad = f.change(3);
    f.bad.lock().unwrap().push(bad.clone());
    let o = f.rollout(&["--bake", "1s", "--output", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = report(&o);
    assert_eq!(results(&r), ["stopped", "not_reached"]);
    assert_eq!(r["waves"][0]["result"]["red"]["gate"], "flux");
    assert_eq!(r["waves"][0]["result"]["moved_back"], true);
    assert_eq!(f.at("us-east-1").as_deref(), Some(good.as_str()));
    assert_eq!(f.at("eu-west-1").as_deref(), Some(good.as_str()));
    // --no-rollback leaves the wave at the commit.
    let o = f.rollout(&["--bake", "1s", "--no-rollback"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(f.at("us-east-1").as_deref(), Some(bad.as_str()));
    assert_eq!(f.at("eu-west-1").as_deref(), Some(good.as_str()));
}

#[test]
fn status_shows_each_waves_commit_and_a_rollout_under_way() {
    let f = Fleet::new();
    let good = f.change(2);
    assert_eq!(f.rollout(&["--bake", "1s"]).status.code(), Some(0));
    let status = |f: &Fleet| {
        let (mut cmd, _home) = gen_command(f.dir());
        let o = cmd
            .args(["status", "--no-aws", "--output", "json"])
            .env("KUBECONFIG", &f.config)
            .output()
            .unwrap();
        report(&o)
    };
    let r = status(&f);
    assert_eq!(r["rollout"]["at_head"], true, "{r}");
    assert_eq!(r["rollout"]["under_way"], false, "{r}");
    // Stopped in the second wave with its branch moved back: the first
    // wave runs HEAD, the second the commit before, each reconciled.
    let next = f.change(3);
    // us-east-1 (wave 1) applies the commit fine; eu-west-1 fails on it.
    f.bad.lock().unwrap().push(format!("{next}@eu-west-1"));
    let o = f.rollout(&["--bake", "1s"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let r = status(&f);
    assert_eq!(r["rollout"]["under_way"], true, "{r}");
    let commits: Vec<&str> = r["rollout"]["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["commit"].as_str().unwrap())
        .collect();
    assert_eq!(commits, [next.as_str(), good.as_str()]);
    for c in r["clusters"].as_array().unwrap() {
        assert_eq!(c["state"], "reconciled", "{c}");
    }
    let (mut cmd, _home) = gen_command(f.dir());
    let o = cmd
        .args(["status", "--no-aws"])
        .env("KUBECONFIG", &f.config)
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("a rollout is under way (or stopped)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_wave_whose_cluster_never_applies_is_stopped_by_name() {
    let f = Fleet::new();
    let good = f.change(2);
    assert_eq!(f.rollout(&["--bake", "1s"]).status.code(), Some(0));
    f.frozen.store(true, Ordering::SeqCst);
    f.change(3);
    let o = f.rollout(&["--bake", "1s", "--apply", "3s"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("applied in time") && err.contains("east (us-east-1)"),
        "{err}"
    );
    assert_eq!(f.at("us-east-1").as_deref(), Some(good.as_str()));
}

#[test]
fn sigterm_in_the_bake_leaves_the_branches_and_a_second_run_resumes() {
    let f = Fleet::new();
    f.change(2);
    assert_eq!(f.rollout(&["--bake", "1s"]).status.code(), Some(0));
    let target = f.change(3);
    let (mut cmd, _home) = gen_command(f.dir());
    let child = cmd
        .args(["rollout", "--no-aws", "--every", "1", "--bake", "60s"])
        .env("KUBECONFIG", &f.config)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first wave bakes, then stop it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while f.at("us-east-1").as_deref() != Some(target.as_str()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the first wave never moved"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    crate::drill::kill(&child, libc::SIGTERM);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("SIGTERM"), "{}", stderr(&o));
    assert_eq!(f.at("us-east-1").as_deref(), Some(target.as_str()));
    assert_ne!(f.at("eu-west-1").as_deref(), Some(target.as_str()));
    // Resumed: the first wave is watched again, then the second moves.
    let o = f.rollout(&["--bake", "1s", "--output", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("watched again"), "{}", stderr(&o));
    assert_eq!(f.at("eu-west-1").as_deref(), Some(target.as_str()));
}

/// `git daemon` serving `base`, pushes allowed (libgit2 runs no hooks on
/// a remote it reaches as a path; a Git server does), killed when dropped.
struct Daemon(std::process::Child, u16);

impl Daemon {
    fn serve(base: &Path) -> Daemon {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("git")
            .arg("daemon")
            .arg(format!("--base-path={}", base.display()))
            .args([
                "--export-all",
                "--enable=receive-pack",
                "--reuseaddr",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={port}"))
            .arg(base)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "git daemon did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Daemon(child, port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_push_the_remote_refuses_moves_nothing_and_says_why() {
    let f = Fleet::new();
    f.change(2);
    assert_eq!(f.rollout(&["--bake", "1s"]).status.code(), Some(0));
    let before: BTreeMap<&str, Option<String>> = [
        ("us-east-1", f.at("us-east-1")),
        ("eu-west-1", f.at("eu-west-1")),
    ]
    .into();
    let hook = f.remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nwhile read old new name; do case $name in refs/heads/rollout/*) echo 'rollout branches are frozen' >&2; exit 1;; esac; done\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let daemon = Daemon::serve(f.dir());
    let url = format!("git://127.0.0.1:{}/remote.git", daemon.1);
    git(f.dir(), &["remote", "set-url", "origin", &url]);
    f.change(3);
    let o = f.rollout(&["--bake", "1s"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("refused rollout/shop/us-east-1") && err.contains("pre-receive hook declined"),
        "{err}"
    );
    let after: BTreeMap<&str, Option<String>> = [
        ("us-east-1", f.at("us-east-1")),
        ("eu-west-1", f.at("eu-west-1")),
    ]
    .into();
    assert_eq!(before, after);
    drop(daemon);
}

#[test]
fn alarms_deploy_after_their_checks_and_a_firing_one_stops_the_wave() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.org");
    let f = Fleet::in_zone(Some(&zone));
    // The DNS stack first; its alarm stack takes the checks' IDs after it ran.
    let o = moto.run(f.dir(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let alarms = moto.py("alarms", "shop-");
    let alarms = alarms.as_array().unwrap();
    assert_eq!(alarms.len(), 2, "{alarms:?}");
    let outputs = moto.py("outputs", "shop-dns-cart");
    for a in alarms {
        assert_eq!(a["state"], "INSUFFICIENT_DATA", "{a}");
        let region = if a["name"] == "shop-cart-us-east-1-health" {
            "UsEast1"
        } else {
            "EuWest1"
        };
        assert_eq!(
            a["check"],
            outputs[format!("HealthCheckCart{region}Id")],
            "{a} {outputs}"
        );
    }
    let o = moto.run(f.dir(), &["deploy", "--yes"]);
    assert!(
        stdout(&o).contains("nothing to deploy"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    // New alarms (no data yet) are not red: the rollout goes through.
    let good = f.change(2);
    let o = f.rollout_aws(&moto, &["--bake", "1s"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The first wave's app alarm fires: it stops there and moves back.
    moto.py("alarm-state", "shop-cart-us-east-1-health=ALARM");
    f.change(3);
    let o = f.rollout_aws(&moto, &["--bake", "1s", "--output", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = report(&o);
    assert_eq!(
        r["waves"][0]["result"]["red"]["gate"], "health_check",
        "{r}"
    );
    assert!(
        r["waves"][0]["result"]["red"]["why"]
            .as_str()
            .unwrap()
            .contains("shop-cart-us-east-1-health"),
        "{r}"
    );
    assert_eq!(f.at("us-east-1").as_deref(), Some(good.as_str()));
    assert_eq!(f.at("eu-west-1").as_deref(), Some(good.as_str()));
}

#[test]
fn dns_follows_the_clusters_a_new_apps_records_wait_for_its_waves() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.org");
    let f = Fleet::in_zone(Some(&zone));
    // Before the first rollout no branch exists: nothing is held back.
    let o = moto.run(f.dir(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(f.rollout(&["--bake", "1s"]).status.code(), Some(0));
    f.add_checkout();
    let o = moto.run(f.dir(), &["deploy", "--yes"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("shop-dns-checkout (checkout in eu-west-1, wave 2)")
            && err.contains("shop-dns-checkout (checkout in us-east-1, wave 1)")
            && err.contains("run `gen rollout` first"),
        "{err}"
    );
    assert!(moto.stacks_named("shop-dns-checkout").is_empty());
    // The first wave brings it to us-east-1; the second never applies.
    f.frozen.store(true, Ordering::SeqCst);
    let east = f.east.routes.clone();
    let remote = f.remote.clone();
    std::thread::spawn(move || {
        // us-east-1's cluster applies; eu-west-1's stays frozen.
        for _ in 0..200 {
            if let Some(at) = branch_at(&remote, "rollout/shop/us-east-1") {
                set_applied(&east, &format!("rollout/shop/us-east-1@sha1:{at}"), true);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    let o = f.rollout(&["--bake", "1s", "--apply", "3s"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = moto.run(f.dir(), &["deploy", "--yes"]);
    let err = stderr(&o);
    assert!(
        !o.status.success()
            && err.contains("checkout in eu-west-1, wave 2")
            && !err.contains("us-east-1, wave 1"),
        "{err}"
    );
    // Every wave done: the records follow.
    f.frozen.store(false, Ordering::SeqCst);
    assert_eq!(f.rollout(&["--bake", "1s"]).status.code(), Some(0));
    let o = moto.run(f.dir(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(moto.stacks_named("shop-dns-checkout").len(), 1);
}

#[test]
fn a_spec_alarm_cloudwatch_lacks_is_refused_before_anything_moves() {
    let moto = crate::deploy::Moto::start();
    let f = Fleet::new();
    let path = f.dir().join("gen.yaml");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "  waves:",
        "  alarms: [\"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx\"]\n  waves:",
    );
    std::fs::write(&path, text).unwrap();
    assert!(run_gen(f.dir(), &["render"]).status.success());
    let o = f.rollout_aws(&moto, &["--bake", "1s"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no alarm checkout-5xx (eu-west-1)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(f.at("us-east-1"), None);
}

#[test]
fn a_spec_without_a_rollout_is_refused_with_the_way_to_one() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), resolved_spec("")).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let o = run_gen(d.path(), &["rollout", "--dry-run"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no `rollout` section"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_report_shows_the_rollout_order_beside_the_matrix() {
    let f = Fleet::new();
    let o = run_gen(f.dir(), &["report", "--format", "markdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Rollout order (rollout.waves): 1. us-east-1 → 2. eu-west-1."),
        "{}",
        stdout(&o)
    );
    let o = run_gen(f.dir(), &["report", "--out", "r.html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(f.dir().join("r.html")).unwrap();
    let order = &page[page.find("id=\"rollout\"").expect("a rollout section")..];
    assert!(
        order.find("us-east-1").unwrap() < order.find("eu-west-1").unwrap(),
        "{order}"
    );
    assert!(page.find("id=\"matrix\"").unwrap() < page.find("id=\"rollout\"").unwrap());
}
