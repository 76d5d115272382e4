//! The field's own validators on everything `gen` renders (the committed
//! example and the golden cases): cfn-lint for CloudFormation,
//! `kubernetes-validate --strict` for core Kubernetes kinds, the CRD schemas
//! (closed to unknown fields) for Flux and IngressClassParams, and
//! `kubectl kustomize` for every Flux path. Each check also runs once on a
//! deliberately broken input, to show it can fail.
//!
//! EKS Auto Mode's IngressClassParams (eks.amazonaws.com/v1) has no public
//! CRD, so it is checked by neither; the aws-lbc shape is checked by its CRD.
//! The same holds under Gateway API: the GatewayClass, Gateway and HTTPRoutes
//! of both controllers are checked by the Gateway API v1 CRDs, and the
//! self-managed controller's LoadBalancerConfiguration and
//! TargetGroupConfiguration by its own; EKS Auto Mode's parameter objects
//! (`gateway.eks.amazonaws.com/v1`, modelled) have no public CRD, so nothing
//! checks them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::examples::golden_dirs;
use crate::util::*;

fn rendered(ext_dir: &str, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in golden_dirs() {
        for f in files(&dir) {
            if f.starts_with(ext_dir) && f.ends_with(".yaml") && keep(Path::new(&f)) {
                out.push(dir.join(f));
            }
        }
    }
    out
}

fn cfn_lint(files: &[PathBuf]) -> (bool, String) {
    run_tool(Command::new(tool("cfn-lint")).arg("--").args(files))
}

#[test]
fn cfn_lint_passes_every_rendered_template() {
    let files = rendered("cloudformation/", |_| true);
    assert!(files.len() >= 6, "{files:?}");
    let (ok, out) = cfn_lint(&files);
    assert!(ok, "cfn-lint:\n{out}");
}

#[test]
fn cfn_lint_rejects_a_broken_template() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("broken.yaml");
    // A dangling !Ref and a misspelt property, as a template bug would make them.
    std::fs::write(
        &f,
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  R:\n    Type: AWS::Route53::RecordSet\n    Properties:\n      HostedZoneName: example.com.\n      Name: a.example.com.\n      Type: A\n      SetIdentifier: x\n      Wieght: 1\n      HealthCheckId: !Ref Missing\n      AliasTarget: {DNSName: x, HostedZoneId: Z}\n",
    )
    .unwrap();
    let (ok, out) = cfn_lint(&[f]);
    assert!(!ok, "cfn-lint accepted a broken template:\n{out}");
    assert!(out.contains("E3002") && out.contains("E1020"), "{out}");
}

/// The resource types cfn-lint checks only at their top level (it does not
/// look inside the Region switch plan's execution blocks), validated whole
/// against the registry schemas it ships (`tests/tools/check_cfn_schema.py`).
const DEEP_TYPES: &str = "AWS::ARCRegionSwitch::Plan,AWS::EKS::AccessEntry,AWS::IAM::Role";

fn check_cfn_schema(files: &[PathBuf]) -> (bool, String) {
    run_tool(
        Command::new(tool("python3"))
            .arg(workspace().join("tests/tools/check_cfn_schema.py"))
            .arg(DEEP_TYPES)
            .args(files),
    )
}

#[test]
fn region_switch_plans_match_their_registry_schema_inside_every_block() {
    let files = rendered("cloudformation/", |p| {
        p.to_string_lossy().contains("region-switch")
    });
    assert!(files.len() >= 5, "{files:?}");
    let (ok, out) = check_cfn_schema(&files);
    assert!(ok, "{out}");
    assert!(!out.contains("check_cfn_schema: 0 resources"), "{out}");
}

#[test]
fn the_deep_schema_check_rejects_a_misspelt_execution_block_field() {
    let good = workspace()
        .join("tests/golden/region-switch-failover/cloudformation/bank-region-switch.yaml");
    let text = std::fs::read_to_string(good).unwrap();
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("plan.yaml");
    std::fs::write(&f, text.replacen("TargetPercent:", "TargetPercen:", 1)).unwrap();
    // cfn-lint does not see it; the deep check does.
    let (lint_ok, lint) = cfn_lint(std::slice::from_ref(&f));
    let (ok, out) = check_cfn_schema(&[f]);
    assert!(
        !ok && out.contains("'TargetPercen' was unexpected"),
        "{out}"
    );
    assert!(
        lint_ok,
        "cfn-lint now looks inside execution blocks; the deep check may be dropped: {lint}"
    );
}

fn kubernetes_validate(files: &[PathBuf]) -> (bool, String) {
    run_tool(
        Command::new(tool("kubernetes-validate"))
            .arg("--strict")
            .args(files),
    )
}

#[test]
fn kubernetes_validate_strict_passes_every_core_object() {
    let files = rendered("deploy/", |p| {
        p.file_name().is_some_and(|n| n != "kustomization.yaml")
    });
    assert!(files.len() >= 10, "{files:?}");
    let (ok, out) = kubernetes_validate(&files);
    assert!(ok, "kubernetes-validate:\n{out}");
    assert!(out.contains("passed for resource deployment/"), "{out}");
}

#[test]
fn kubernetes_validate_rejects_an_unknown_field() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("svc.yaml");
    std::fs::write(&f, "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: 80\n  selectr: {a: b}\n").unwrap();
    let (ok, out) = kubernetes_validate(&[f]);
    assert!(!ok, "kubernetes-validate accepted an unknown field:\n{out}");
}

/// The CRD schemas beside the checkout. Outside CI their absence skips the
/// checks; in CI (where they are always beside the clone) it fails.
fn crd_dir() -> Option<PathBuf> {
    let d = workspace().join("../shared/schemas/crds");
    if !d.exists() && std::env::var_os("CI").is_some() {
        panic!("{} is missing in CI", d.display());
    }
    d.exists().then_some(d)
}

fn check_crds(files: &[PathBuf]) -> (bool, String) {
    let crds = crd_dir().expect("crd dir");
    run_tool(
        Command::new(tool("python3"))
            .arg(workspace().join("tests/tools/check_crds.py"))
            .arg(crds)
            .args(files),
    )
}

#[test]
fn custom_resources_match_their_crd_schemas() {
    let Some(_) = crd_dir() else {
        eprintln!("skipped: ../shared/schemas/crds is not beside this checkout");
        return;
    };
    let mut files = rendered("clusters/", |_| true);
    files.extend(rendered("deploy/", |p| {
        p.ends_with("infra/infra.yaml")
            || p.ends_with("gateway.yaml")
            || p.ends_with("gateway-class.yaml")
    }));
    let (ok, out) = check_crds(&files);
    assert!(ok, "{out}");
    // Every Gateway API kind gen renders, of both controllers, and Argo CD's
    // Application, was checked.
    for kind in [
        "Application",
        "GatewayClass",
        "Gateway",
        "HTTPRoute",
        "LoadBalancerConfiguration",
        "TargetGroupConfiguration",
    ] {
        assert!(
            out.contains(&format!("checked {kind} ")),
            "{kind} unchecked:\n{out}"
        );
    }
    assert!(
        !out.contains("checked LoadBalancerConfiguration gateway.eks.amazonaws.com"),
        "Auto Mode's parameter objects have no public CRD: {out}"
    );
    // Flux Kustomizations in every case, and the aws-lbc IngressClassParams of a golden case.
    let checked: usize = out
        .rsplit("check_crds: ")
        .next()
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(checked >= 20, "{out}");
}

#[test]
fn crd_check_rejects_a_misspelt_gateway_field() {
    let Some(_) = crd_dir() else {
        eprintln!("skipped: ../shared/schemas/crds is not beside this checkout");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("g.yaml");
    // `hostname` for `hostnames`, and a listener configuration's misspelt certificate.
    std::fs::write(&f, "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: x, namespace: y}\nspec:\n  parentRefs: [{name: g}]\n  hostname: [a.example.com]\n---\napiVersion: gateway.k8s.aws/v1\nkind: LoadBalancerConfiguration\nmetadata: {name: x, namespace: y}\nspec:\n  listenerConfigurations:\n    - {protocolPort: \"HTTPS:443\", defaultCertficate: arn}\n").unwrap();
    let (ok, out) = check_crds(&[f]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("hostname") && out.contains("defaultCertficate"),
        "{out}"
    );
}

#[test]
fn crd_check_rejects_a_misspelt_flux_field() {
    let Some(_) = crd_dir() else {
        eprintln!("skipped: ../shared/schemas/crds is not beside this checkout");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("k.yaml");
    std::fs::write(&f, "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x, namespace: flux-system}\nspec:\n  interval: 10m\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n  dependOn: [{name: y}]\n").unwrap();
    let (ok, out) = check_crds(&[f]);
    assert!(!ok, "{out}");
    assert!(out.contains("dependOn"), "{out}");
}

#[test]
fn crd_check_rejects_a_misspelt_argocd_field() {
    let Some(_) = crd_dir() else {
        eprintln!("skipped: ../shared/schemas/crds is not beside this checkout");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("a.yaml");
    // `repoUrl` for `repoURL`, and `selfheal` for `selfHeal`.
    std::fs::write(&f, "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x, namespace: argocd}\nspec:\n  project: default\n  source: {repoURL: \"https://e.com/r.git\", repoUrl: x, path: p}\n  destination: {name: in-cluster}\n  syncPolicy: {automated: {prune: true, selfheal: true}}\n").unwrap();
    let (ok, out) = check_crds(&[f]);
    assert!(!ok, "{out}");
    assert!(out.contains("repoUrl") && out.contains("selfheal"), "{out}");
}

/// Every `spec.path` of the Flux Kustomizations and Argo CD Applications
/// in `clusters/*/` (Argo CD's without Flux's `./`).
fn flux_paths(repo: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in files(repo) {
        if !(f.starts_with("clusters/") && f.ends_with(".yaml")) || f.contains("/flux-system/") {
            continue;
        }
        let cluster = f.split('/').nth(1).unwrap().to_string();
        let text = std::fs::read_to_string(repo.join(&f)).unwrap();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let v: serde_yaml::Value = serde::Deserialize::deserialize(doc).unwrap();
            let path = match v["kind"].as_str() {
                Some("Kustomization") => v["spec"]["path"].as_str(),
                Some("Application") => v["spec"]["source"]["path"].as_str(),
                _ => None,
            };
            if let Some(p) = path {
                let p = p.trim_start_matches("./");
                out.push((cluster.clone(), format!("./{p}")));
            }
        }
    }
    out
}

/// The work tree that holds `dir`, or `dir` itself outside Git.
fn git_toplevel(dir: &Path) -> PathBuf {
    let o = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .output()
        .expect("git");
    if o.status.success() {
        PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
    } else {
        dir.to_path_buf()
    }
}

fn kustomize(dir: &Path) -> (bool, String) {
    run_tool(Command::new("kubectl").arg("kustomize").arg(dir))
}

#[test]
fn kubectl_kustomize_builds_every_flux_path() {
    let mut built = 0;
    for repo in golden_dirs() {
        let paths = flux_paths(&repo);
        assert!(!paths.is_empty(), "{}", repo.display());
        for (cluster, path) in &paths {
            // Flux resolves paths from the Git repository's root.
            let dir = git_toplevel(&repo).join(path.trim_start_matches("./"));
            let (ok, out) = kustomize(&dir);
            assert!(ok, "kubectl kustomize {}:\n{out}", dir.display());
            built += 1;
            // Paths of different clusters never overlap.
            for (other, p) in &paths {
                if other != cluster {
                    assert!(
                        !p.starts_with(path.as_str()) && !path.starts_with(p.as_str()),
                        "{cluster} {path} overlaps {other} {p}"
                    );
                }
            }
        }
        // What Flux itself builds for clusters/<cluster>/: it generates a
        // kustomization.yaml of the directory's manifests (Argo CD's
        // directory source reads them as they are).
        for cluster in paths
            .iter()
            .map(|(c, _)| c)
            .collect::<std::collections::BTreeSet<_>>()
        {
            let t = tempfile::tempdir().unwrap();
            let entry = repo.join("clusters").join(cluster);
            let name = ["gen-kustomizations.yaml", "gen-applications.yaml"]
                .into_iter()
                .find(|n| entry.join(n).exists())
                .expect("a Flux or Argo CD entry");
            let src = entry.join(name);
            std::fs::copy(&src, t.path().join(name)).unwrap();
            std::fs::write(
                t.path().join("kustomization.yaml"),
                format!("resources: [{name}]\n"),
            )
            .unwrap();
            let (ok, out) = kustomize(t.path());
            assert!(
                ok,
                "kubectl kustomize (Flux entry of {cluster}) {}:\n{out}",
                src.display()
            );
        }
    }
    assert!(built >= 10);
}

#[test]
fn kubectl_kustomize_rejects_a_missing_resource() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("kustomization.yaml"),
        "resources: [missing.yaml]\n",
    )
    .unwrap();
    let (ok, out) = kustomize(d.path());
    assert!(!ok, "{out}");
}

fn checkov(target: &Path) -> (bool, String) {
    let bin = workspace().join(".venv-checkov/bin/checkov");
    let bin = if bin.exists() { bin } else { tool("checkov") };
    let o = Command::new(bin)
        .args(["--skip-download", "--config-file"])
        .arg(workspace().join("infra/checkov.yaml"))
        .args(["-o", "json", "-d"])
        .arg(target)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let reports: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("checkov output: {e}\n{out}"));
    let reports = if reports.is_array() {
        reports.as_array().unwrap().clone()
    } else {
        vec![reports]
    };
    let failed: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r["results"]["failed_checks"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|f| format!("{} {} {}", f["check_id"], f["resource"], f["file_path"]))
        .collect();
    (failed.is_empty(), failed.join("\n"))
}

#[test]
fn checkov_reports_no_failed_check_on_the_rendered_example() {
    for dir in ["gitops-repo", "tests/golden"] {
        let (ok, failed) = checkov(&workspace().join(dir));
        assert!(ok, "checkov failed checks in {dir}:\n{failed}");
    }
}

#[test]
fn checkov_fails_a_privileged_pod() {
    // Not a hidden directory: checkov skips those.
    let d = tempfile::Builder::new()
        .prefix("checkov-")
        .tempdir()
        .unwrap();
    std::fs::write(
        d.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: x}\nspec:\n  containers:\n    - name: x\n      image: x:1\n      securityContext: {privileged: true}\n",
    )
    .unwrap();
    let (ok, failed) = checkov(d.path());
    assert!(!ok && failed.contains("CKV_K8S_16"), "{failed}");
}
