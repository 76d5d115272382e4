//! `gen init` (a starter spec from flags and the kubeconfig's EKS contexts,
//! each cluster's IngressClasses read through a scripted API server) and
//! `gen completions`.

use std::collections::BTreeMap;

use serde_json::json;

use crate::status::FakeKube;
use crate::util::*;

fn init(
    dir: &std::path::Path,
    config: Option<&std::path::Path>,
    args: &[&str],
) -> std::process::Output {
    let (mut cmd, _home) = gen_command(dir);
    cmd.arg("init").args(args);
    match config {
        Some(c) => cmd.env("KUBECONFIG", c),
        None => cmd.env("KUBECONFIG", dir.join("no-kubeconfig")),
    };
    cmd.output().unwrap()
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites_one() {
    let d = tempfile::tempdir().unwrap();
    let o = init(
        d.path(),
        None,
        &["--regions", "eu-west-1,us-east-1", "--zone", "example.org"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(d.path().join("gen.yaml")).unwrap();
    assert!(
        text.starts_with("# yaml-language-server: $schema=./gen.schema.json\n"),
        "{text}"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("gen.schema.json")).unwrap())
            .unwrap();
    assert!(schema["properties"].get("regions").is_some());
    let o = run_gen(d.path(), &["validate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("valid: 1 apps in 2 Regions"),
        "{}",
        stdout(&o)
    );

    // Never over an existing spec.
    std::fs::write(d.path().join("gen.yaml"), "# mine\n").unwrap();
    let o = init(d.path(), None, &["--regions", "eu-west-1,us-east-1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("gen init never overwrites a spec"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("gen.yaml")).unwrap(),
        "# mine\n"
    );

    // Bad input: said with the field, and nothing is written.
    let e = tempfile::tempdir().unwrap();
    let o = init(
        e.path(),
        None,
        &["--regions", "eu-west-1,mars", "--zone", "not a zone"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`mars` is not an AWS Region name"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("dns.zone"), "{}", stderr(&o));
    assert!(files(e.path()).is_empty(), "{:?}", files(e.path()));
    let o = init(e.path(), None, &["--regions", "eu-west-1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("two Regions or more"), "{}", stderr(&o));
}

#[test]
fn init_learns_regions_clusters_and_ingress_classes_from_the_kubeconfig() {
    let classes = |items: serde_json::Value| {
        BTreeMap::from([(
            "/apis/networking.k8s.io/v1/ingressclasses".to_string(),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClassList", "metadata": {}, "items": items}),
        )])
    };
    let class = |name: &str, controller: &str| {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
               "metadata": {"name": name}, "spec": {"controller": controller}})
    };
    // One name tries to break out of its comment.
    let west = FakeKube::start(classes(json!([
        class("alb", "ingress.k8s.aws/alb"),
        class("evil\napps: []", "ingress.k8s.aws/alb")
    ])));
    let east = FakeKube::start(classes(json!([class("alb", "ingress.k8s.aws/alb")])));
    let d = tempfile::tempdir().unwrap();
    let config = d.path().join("kubeconfig");
    let arn = |r: &str, n: &str| format!("arn:aws:eks:{r}:111122223333:cluster/{n}");
    std::fs::write(
        &config,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {w}\n  cluster: {{server: \"{}\"}}\n- name: {e}\n  cluster: {{server: \"{}\"}}\n- name: kind\n  cluster: {{server: \"http://127.0.0.1:1\"}}\ncontexts:\n- name: {w}\n  context: {{cluster: {w}, user: t}}\n- name: ops@east-prod.us-east-1.eksctl.io\n  context: {{cluster: {e}, user: t}}\n- name: kind-dev\n  context: {{cluster: kind, user: t}}\ncurrent-context: {w}\nusers:\n- name: t\n  user: {{token: t}}\n",
            west.url,
            east.url,
            w = arn("eu-west-1", "west-prod"),
            e = arn("us-east-1", "east-prod"),
        ),
    )
    .unwrap();
    let spec_dir = d.path().join("repo");
    std::fs::create_dir(&spec_dir).unwrap();
    let o = init(
        &spec_dir,
        Some(&config),
        &["--zone", "example.org", "--name", "store"],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    let text = std::fs::read_to_string(spec_dir.join("gen.yaml")).unwrap();
    for want in [
        "  - name: \"eu-west-1\"\n    cluster: \"west-prod\"\n    kubeContext: \"arn:aws:eks:eu-west-1:111122223333:cluster/west-prod\"\n",
        "  - name: \"us-east-1\"\n    cluster: \"east-prod\"\n    kubeContext: \"ops@east-prod.us-east-1.eksctl.io\"\n",
        "ingress:\n  controller: \"aws-lbc\"",
        "    # IngressClasses offered: alb (ingress.k8s.aws/alb), evil apps: [] (ingress.k8s.aws/alb)\n",
    ] {
        assert!(text.contains(want), "no `{want}` in:\n{text}");
    }
    // The kind cluster is no EKS context: not a Region.
    assert!(!text.contains("kind"), "{text}");
    assert!(out.contains("eu-west-1: cluster west-prod"), "{out}");
    let o = run_gen(&spec_dir, &["validate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 apps in 2 Regions"),
        "the injected name stays a comment: {}",
        stdout(&o)
    );
}

#[test]
fn completions_come_from_the_command_line_definition() {
    let d = tempfile::tempdir().unwrap();
    let bash = run_gen(d.path(), &["completions", "bash"]);
    assert!(bash.status.success(), "{}", stderr(&bash));
    let script = stdout(&bash);
    for sub in ["render", "deploy", "switch", "init", "completions", "drill"] {
        assert!(script.contains(sub), "bash completion lacks {sub}");
    }
    let f = d.path().join("gen.bash");
    std::fs::write(&f, &script).unwrap();
    let (ok, out) = run_tool(std::process::Command::new("bash").arg("-n").arg(&f));
    assert!(ok, "bash -n: {out}");
    let zsh = stdout(&run_gen(d.path(), &["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef gen"), "{zsh}");
    let fish = stdout(&run_gen(d.path(), &["completions", "fish"]));
    assert!(fish.contains("complete -c gen"), "{fish}");
    let o = run_gen(d.path(), &["completions", "tcsh"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("possible values"), "{}", stderr(&o));
}
