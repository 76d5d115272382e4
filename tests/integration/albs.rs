//! Several shared ALBs (`tests/golden/multi-alb`): an app's ALB is what its
//! Ingress rules, health checks and alias records follow, so moving one app
//! is a change of its files and its checks only, and adding an app moves
//! none; and a render after a change writes and commits only what changed.

use std::fs;
use std::path::Path;

use crate::util::*;

fn committed_paths(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = git(dir, &["show", "--name-only", "--format=", "HEAD"])
        .lines()
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

fn repo_of_golden() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let spec = fs::read_to_string(workspace().join("tests/golden/multi-alb/gen.yaml")).unwrap();
    fs::write(d.path().join("gen.yaml"), spec).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    d
}

#[test]
fn moving_an_app_changes_exactly_its_files_and_its_checks() {
    let d = repo_of_golden();
    let spec = fs::read_to_string(d.path().join("gen.yaml")).unwrap();
    let moved = spec.replacen(
        "    alb: platform-public\n    replicas: 2\n    health: {path: /searchhealth}",
        "    alb: platform-teams\n    replicas: 2\n    health: {path: /searchhealth}",
        1,
    );
    assert_ne!(moved, spec);
    fs::write(d.path().join("gen.yaml"), &moved).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        committed_paths(d.path()),
        [
            "cloudformation/platform-dns-search.yaml",
            "deploy/east/ingress/platform-public/ingress.yaml",
            "deploy/east/ingress/platform-teams/ingress.yaml",
            "deploy/west/ingress/platform-public/ingress.yaml",
            "deploy/west/ingress/platform-teams/ingress.yaml",
            "gen.yaml",
        ]
    );
    // In its stack, the checks and aliases now aim at the other ALB (a
    // literal name in eu-west-1, a parameter where its DNS name is not
    // known), and the resources keep their logical IDs.
    let at = |rev: &str| -> serde_yaml::Value {
        let text = git(
            d.path(),
            &[
                "show",
                &format!("{rev}:cloudformation/platform-dns-search.yaml"),
            ],
        );
        serde_yaml::from_str(&text).unwrap()
    };
    let (before, after) = (at("HEAD~1"), at("HEAD"));
    let ids = |v: &serde_yaml::Value| -> Vec<String> {
        v["Resources"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&before), ids(&after));
    let fqdn = |v: &serde_yaml::Value, id: &str| {
        serde_yaml::to_string(
            &v["Resources"][id]["Properties"]["HealthCheckConfig"]["FullyQualifiedDomainName"],
        )
        .unwrap()
    };
    assert!(fqdn(&before, "HealthCheckSearchEuWest1").contains("platform-public-1"));
    assert!(fqdn(&after, "HealthCheckSearchEuWest1").contains("platform-teams-1"));
    assert!(fqdn(&after, "HealthCheckSearchUsEast1").contains("AlbDnsNamePlatformTeamsUsEast1"));
    // The app's rules left one Ingress for the other.
    let west = |alb: &str| {
        fs::read_to_string(
            d.path()
                .join(format!("deploy/west/ingress/{alb}/ingress.yaml")),
        )
        .unwrap()
    };
    assert!(!west("platform-public").contains("search.example.com"));
    assert!(west("platform-teams").contains("search.example.com"));
}

#[test]
fn adding_an_app_moves_no_other_app() {
    let d = repo_of_golden();
    let spec = fs::read_to_string(d.path().join("gen.yaml")).unwrap();
    let added = format!(
        "{spec}  - name: audit\n    host: audit.example.com\n    image: registry.example.com/audit:1.0\n    replicas: 2\n    health: {{path: /audithealth}}\n"
    );
    fs::write(d.path().join("gen.yaml"), &added).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let touched = committed_paths(d.path());
    // Its own files, and the default ALB's Ingress (which now routes it).
    assert!(
        touched.iter().all(|p| p.contains("/audit/")
            || p.contains("platform-dns-audit")
            || p.contains("/ingress/platform-teams/")
            || p == "gen.yaml"
            || p.ends_with("gen-kustomizations.yaml")),
        "{touched:#?}"
    );
    assert!(
        !touched
            .iter()
            .any(|p| p.contains("platform-public") || p.contains("platform-dns-shop")),
        "{touched:#?}"
    );
}

/// The last run's state lets the next skip what did not change, but never
/// a file that did: a hand edit, a deleted file, a file added among gen's.
#[test]
fn the_state_of_the_last_render_never_hides_a_change() {
    let d = repo_of_golden();
    let root = d.path();
    let again = run_gen(root, &["render"]);
    assert!(
        stdout(&again).contains("0 written, 0 removed"),
        "{}",
        stdout(&again)
    );
    assert!(
        stdout(&again).contains("nothing to commit"),
        "{}",
        stdout(&again)
    );
    // A hand edit of an owned file, committed so it is not "uncommitted work".
    let app = root.join("deploy/west/apps/shop/app.yaml");
    let text = fs::read_to_string(&app).unwrap();
    fs::write(&app, text.replace("replicas: 2", "replicas: 9")).unwrap();
    git(root, &["commit", "-qam", "hand edit"]);
    let o = run_gen(root, &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("1 written"), "{}", stdout(&o));
    assert_eq!(fs::read_to_string(&app).unwrap(), text);
    // A deleted owned file comes back.
    fs::remove_file(&app).unwrap();
    let o = run_gen(root, &["render"]);
    assert!(stdout(&o).contains("1 written"), "{}", stdout(&o));
    assert!(app.exists());
    // A file with gen's header added among gen's is pruned.
    let stray = root.join("deploy/west/apps/shop/stray.yaml");
    fs::copy(
        root.join("deploy/west/apps/shop/kustomization.yaml"),
        &stray,
    )
    .unwrap();
    let o = run_gen(root, &["render"]);
    assert!(stdout(&o).contains("1 removed"), "{}", stdout(&o));
    assert!(!stray.exists());
    // HEAD moved by hand: the next run compares with it, and is up to date.
    git(root, &["commit", "-q", "--allow-empty", "-m", "elsewhere"]);
    let o = run_gen(root, &["render"]);
    assert!(
        stdout(&o).contains("0 written, 0 removed"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("nothing to commit"), "{}", stdout(&o));
    let check = run_gen(root, &["render", "--check"]);
    assert!(check.status.success(), "{}", stdout(&check));
}
