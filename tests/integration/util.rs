//! Shared helpers: temporary repositories and running `gen`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn gen_bin() -> &'static str {
    env!("CARGO_BIN_EXE_gen")
}

/// The workspace root (where README.md and gitops-repo/ are).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Run `gen` with `args` in `dir`, with Git identity and config isolated
/// from the machine's, so results do not depend on who runs the tests.
pub fn run_gen(dir: &Path, args: &[&str]) -> Output {
    let (mut cmd, _home) = gen_command(dir);
    cmd.args(args).output().expect("running gen")
}

/// `gen` ready to run in `dir` with an isolated HOME; keep the returned
/// directory alive until the command has finished.
pub fn gen_command(dir: &Path) -> (Command, tempfile::TempDir) {
    let home = isolated_home();
    let mut cmd = Command::new(gen_bin());
    cmd.current_dir(dir)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    (cmd, home)
}

/// A HOME with a Git identity, so commits are reproducible in tests.
fn isolated_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join(".gitconfig"),
        "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
    )
    .expect("gitconfig");
    home
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run the git command line in `dir` (the reference the tests compare against).
pub fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test User")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test User")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("running git");
    assert!(
        o.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every file under `root` (relative paths, sorted), skipping `.git`.
pub fn files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_name() == ".git" {
            continue;
        }
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// A small valid spec; `extra_apps` appends more apps to it.
pub fn spec(extra_apps: &str) -> String {
    format!(
        r#"version: 1
name: shop
dns:
  zone: example.org
regions:
  - name: eu-west-1
    cluster: west
    albDnsName: shop-1.eu-west-1.elb.amazonaws.com
  - name: us-east-1
    cluster: east
apps:
  - name: cart
    host: cart.example.org
    image: registry.example.org/cart:1.0
    health: {{path: /carthealth}}
    routing: {{weighted: {{eu-west-1: 100, us-east-1: 0}}}}
{extra_apps}"#
    )
}

pub const CHECKOUT_APP: &str = r#"  - name: checkout
    host: checkout.example.org
    image: registry.example.org/checkout:2.1
    env: {MODE: live}
    health: {path: /checkouthealth}
"#;

/// The validator tools: from the venv `scripts/test` makes, else PATH.
pub fn tool(name: &str) -> PathBuf {
    let venv = workspace().join(".venv/bin").join(name);
    if venv.exists() {
        return venv;
    }
    if let Some(p) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.exists())
    }) {
        return p;
    }
    panic!("{name} not found: run `scripts/test`, which installs the validators into .venv/");
}
