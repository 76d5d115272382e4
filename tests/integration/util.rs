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

/// A spec of `n` apps (`a0`, `a1`, …) in two Regions, spread over shared
/// ALBs of 40 apps each (one ALB holds at most 50: two rules per app).
pub fn spread_spec(n: usize) -> String {
    let albs: Vec<String> = (0..n.div_ceil(40))
        .map(|k| format!("{{name: g{k}}}"))
        .collect();
    let mut s = format!(
        "version: 1\nname: shop\ndns: {{zone: example.org}}\ningress:\n  albs: [{}]\nregions:\n  - {{name: eu-west-1, cluster: west}}\n  - {{name: us-east-1, cluster: east}}\napps:\n",
        albs.join(", ")
    );
    for i in 0..n {
        s.push_str(&format!(
            "  - {{name: a{i}, host: a{i}.example.org, image: img, health: {{path: /a{i}}}, alb: g{}}}\n",
            i / 40
        ));
    }
    s
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

/// Run a tool: whether it succeeded, and what it printed (stdout, then stderr).
pub fn run_tool(cmd: &mut Command) -> (bool, String) {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

/// Record hosted zone `id` for `spec`'s zone in `dir/gen.lock`, as `gen
/// discover` does, so the records name their zone by ID.
pub fn lock_zone(dir: &Path, id: &str) {
    std::fs::write(
        dir.join("gen.lock"),
        format!("version: 1\nhostedZone:\n  name: example.org.\n  id: {id}\n  resolvedAt: 2026-12-01T00:00:00Z\n"),
    )
    .unwrap();
}

/// The us-east-1 ALB of `spec`, which leaves it unresolved.
pub const EAST_ALB: &str = "shop-2.us-east-1.elb.amazonaws.com";

/// `spec`, with the us-east-1 ALB resolved too: templates that deploy as they are.
pub fn resolved_spec(extra_apps: &str) -> String {
    spec(extra_apps).replace(
        "    cluster: east\n",
        &format!("    cluster: east\n    albDnsName: {EAST_ALB}\n"),
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

/// One HTTP/1.1 request read off a test server's connection.
pub struct Request {
    pub method: String,
    /// Without the query string.
    pub path: String,
    /// The `X-Amz-Target` header (AWS JSON protocols), or empty.
    pub target: String,
    /// The `Authorization` header (SigV4: its credential scope names the
    /// Region the client signed for), or empty.
    pub authorization: String,
    pub body: String,
    /// The body as sent (binary protocols: CBOR).
    pub raw: Vec<u8>,
}

/// Read a request (request line, headers, body by Content-Length); None
/// when the client went away.
pub fn read_request(stream: &std::net::TcpStream) -> Option<Request> {
    use std::io::{BufRead, BufReader, Read};
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts
        .next()
        .unwrap_or("")
        .split('?')
        .next()
        .unwrap_or("")
        .to_string();
    let (mut length, mut target, mut authorization) = (0, String::new(), String::new());
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or(("", ""));
        match k.to_ascii_lowercase().as_str() {
            "content-length" => length = v.trim().parse().unwrap_or(0),
            "x-amz-target" => target = v.trim().to_string(),
            "authorization" => authorization = v.trim().to_string(),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        target,
        authorization,
        body: String::from_utf8_lossy(&body).into_owned(),
        raw: body,
    })
}

/// Answer and close the connection.
pub fn respond(mut stream: std::net::TcpStream, status: &str, content_type: &str, body: &str) {
    use std::io::Write;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Test credentials for the AWS SDK, and no trace of the machine's own AWS
/// configuration (profile, config files, instance metadata).
pub fn fake_aws(cmd: &mut Command, dir: &Path) {
    crate::strict_moto::fake_aws(cmd, dir);
}

/// Compare `got` with the golden file at `path`, or (with GEN_BLESS=1)
/// rewrite the file; a difference is added to `failures` as a unified diff.
pub fn golden(path: &Path, got: &str, failures: &mut Vec<String>) {
    if std::env::var_os("GEN_BLESS").is_some() {
        std::fs::write(path, got).expect("write golden file");
        return;
    }
    let want = std::fs::read_to_string(path).unwrap_or_default();
    if want != got {
        let diff = similar::TextDiff::from_lines(want.as_str(), got)
            .unified_diff()
            .header(&path.display().to_string(), "now")
            .to_string();
        failures.push(diff);
    }
}

/// A rendered container's `env` as (name, value) pairs, in order.
pub fn env_pairs(container: &serde_yaml::Value) -> Vec<(String, String)> {
    container["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
