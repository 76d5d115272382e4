//! No command writes or prints credentials: every command runs with fake
//! credentials whose secret is a unique marker, against the moto server
//! (and unreachable clusters), and neither their output, nor the rendered
//! files, nor anything gen committed may contain it.

use std::process::Command;

use crate::deploy::Moto;
use crate::util::*;

const SECRET: &str = "gen-test-secret-0f9e8d7c6b5a";
const KEY_ID: &str = "AKIDGENSECRETSCAN01";

#[test]
fn no_command_prints_or_writes_the_credentials() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = tempfile::tempdir().unwrap();
    lock_zone(d.path(), &zone);
    let text = resolved_spec("") + "arc:\n  enabled: false\n";
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    std::fs::write(
        d.path().join("kubeconfig"),
        "apiVersion: v1\nkind: Config\nclusters:\n- name: west\n  cluster: {server: \"http://127.0.0.1:9\"}\ncontexts:\n- name: west\n  context: {cluster: west, user: t}\ncurrent-context: west\nusers:\n- name: t\n  user: {token: t}\n",
    )
    .unwrap();
    let commands: &[&[&str]] = &[
        &["validate"],
        &["render"],
        &["render", "--check"],
        &["plan"],
        &["plan", "--change-sets"],
        &["explain"],
        &["simulate"],
        &["schema"],
        &["deploy", "--dry-run"],
        &["deploy", "--yes"],
        &["status"],
        &["discover"],
        &[
            "drill",
            "--app",
            "cart",
            "--region",
            "eu-west-1",
            "--dry-run",
        ],
        &["arc", "status"],
    ];
    let mut seen = String::new();
    for args in commands {
        let (mut cmd, _home) = moto.gen_cmd(d.path(), args);
        let o = cmd
            .env("AWS_ACCESS_KEY_ID", KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("KUBECONFIG", d.path().join("kubeconfig"))
            .output()
            .unwrap();
        seen.push_str(&format!(
            "$ gen {}\n{}{}",
            args.join(" "),
            stdout(&o),
            stderr(&o)
        ));
    }
    assert!(
        seen.contains("$ gen deploy --yes") && seen.contains("CREATE_COMPLETE"),
        "the commands really ran:\n{seen}"
    );
    for needle in [SECRET, KEY_ID] {
        assert!(
            !seen.contains(needle),
            "a command printed {needle}:\n{seen}"
        );
        for f in files(d.path()) {
            let content = std::fs::read(d.path().join(&f)).unwrap();
            assert!(
                !String::from_utf8_lossy(&content).contains(needle),
                "{f} holds {needle}"
            );
        }
        let history = Command::new("git")
            .args(["log", "-p", "--all"])
            .current_dir(d.path())
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&history.stdout).contains(needle),
            "a commit holds {needle}"
        );
    }
    let committed = git(d.path(), &["log", "--name-only", "--format="]);
    for f in committed.lines().filter(|l| !l.is_empty()) {
        assert!(
            f == "gen.yaml"
                || f == "gen.lock"
                || f.starts_with("deploy/")
                || f.starts_with("clusters/")
                || f.starts_with("cloudformation/"),
            "gen committed {f}"
        );
    }
}
