//! The pipeline is a layered DAG: each module of `generator/src` may use only
//! the modules its row allows. The test reads every `crate::` path in the
//! source (plain, in `use` lists, nested braces) and fails on an edge the
//! table does not allow, so a back-edge fails CI instead of growing unseen.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::util::*;

/// Module → the modules it may use. A command (`cli::deploy`) may use what
/// lies below the commands, never another command; only `cli` itself (the
/// arguments and the dispatch) reaches every command.
const ALLOWED: &[(&str, &[&str])] = &[
    // Leaves: they know nothing of gen.
    ("diag", &[]),
    ("facts", &[]),
    ("layout", &[]),
    ("par", &[]),
    ("simulate", &["facts"]),
    ("k8s", &[]),
    ("printer", &[]),
    // Adapters at the edge: their APIs and AWS's facts.
    ("aws", &["facts"]),
    // The pipeline, in order.
    ("spec", &["diag", "facts"]),
    ("validate", &["spec", "diag", "facts", "layout"]),
    ("resolve", &["spec", "diag", "facts"]),
    ("model", &["spec", "layout", "facts"]),
    ("limits", &["model", "spec", "facts", "diag"]),
    ("lint", &["model", "spec", "facts", "diag"]),
    // The one entry into the core: load → validate → resolve → model → limits → lint.
    (
        "pipeline",
        &[
            "spec", "validate", "resolve", "model", "limits", "lint", "diag",
        ],
    ),
    ("explain", &["model", "spec", "facts"]),
    ("review", &["model", "spec", "facts"]),
    ("report", &["simulate"]),
    ("deploy", &["model", "spec", "layout", "facts", "diag"]),
    ("rollout", &["model"]),
    ("drift", &["model"]),
    ("render", &["model", "layout", "facts", "diag", "par"]),
    ("output", &["layout", "render", "diag", "par", "spec"]),
    // What the commands share when they act on AWS and the clusters.
    (
        "live",
        &[
            "aws", "k8s", "output", "printer", "pipeline", "resolve", "deploy", "rollout", "drift",
            "model", "spec", "render", "simulate", "layout", "facts", "diag",
        ],
    ),
    // The commands' own ground: hints in the spec's terms, the session.
    ("cli::hints", &["aws", "k8s", "diag"]),
    (
        "cli::session",
        &[
            "cli::hints",
            "live",
            "printer",
            "output",
            "pipeline",
            "model",
            "spec",
            "diag",
        ],
    ),
    // The commands: each gathers, decides and views, from what lies below.
    ("cli::init", COMMAND),
    ("cli::render_cmd", COMMAND),
    ("cli::plan", COMMAND),
    ("cli::simulate", COMMAND),
    ("cli::explain", COMMAND),
    ("cli::report", COMMAND),
    ("cli::discover", COMMAND),
    ("cli::deploy", COMMAND),
    ("cli::rollout", COMMAND),
    ("cli::status", COMMAND),
    ("cli::drill", COMMAND),
    ("cli::arc", COMMAND),
    ("cli::switch", COMMAND),
    // The arguments and the dispatch.
    (
        "cli",
        &[
            "cli::session",
            "cli::hints",
            "printer",
            "spec",
            "cli::init",
            "cli::render_cmd",
            "cli::plan",
            "cli::simulate",
            "cli::explain",
            "cli::report",
            "cli::discover",
            "cli::deploy",
            "cli::rollout",
            "cli::status",
            "cli::drill",
            "cli::arc",
            "cli::switch",
        ],
    ),
];

/// What any command may use: everything below the commands, no command.
const COMMAND: &[&str] = &[
    "cli::session",
    "cli::hints",
    "live",
    "printer",
    "pipeline",
    "resolve",
    "aws",
    "k8s",
    "output",
    "deploy",
    "rollout",
    "drift",
    "explain",
    "review",
    "report",
    "simulate",
    "render",
    "model",
    "spec",
    "layout",
    "facts",
    "diag",
];

/// The modules named by `crate::` paths in `src` (a command's as
/// `cli::<command>`), and by `super::` paths resolved from `module`, the
/// file's own module path (`["cli", "deploy"]`). Unit tests are not read
/// (`use super::*` there is the file itself).
fn uses(src: &str, module: &[&str]) -> BTreeSet<String> {
    let src = src.split("#[cfg(test)]\nmod tests").next().unwrap_or(src);
    let mut out = BTreeSet::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", module[..module.len().saturating_sub(1)].to_vec()),
    ] {
        for (i, _) in src.match_indices(prefix) {
            // `super::` inside a longer path (`super::super::`) is read from its start.
            if prefix == "super::" && src[..i].ends_with("super::") {
                continue;
            }
            let rest = &src[i + prefix.len()..];
            for path in paths(rest) {
                if let Some(m) = module_of(&base, &path) {
                    out.insert(m);
                }
            }
        }
    }
    out.remove("");
    out
}

/// The paths a `use` or expression names from `rest` on: one, or each of a
/// `{a, b::c, d::{e, f}}` list's items.
fn paths(rest: &str) -> Vec<Vec<String>> {
    let Some(list) = rest.strip_prefix('{') else {
        return vec![segments(rest)];
    };
    let mut out = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in list.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(segments(&item));
                item.clear();
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    out.push(segments(&item));
    out
}

/// `a::b::c…` → ["a", "b", …] (stopping at anything that is not a name).
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.trim().split("::") {
        let name = head(part);
        if name.is_empty() {
            break;
        }
        let whole = name.len() == part.trim().len();
        out.push(name);
        if !whole {
            break;
        }
    }
    out
}

fn head(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The layer-table module a path names from `base` (the module it is
/// resolved from): `cli::<command>` for a command, else the top module.
fn module_of(base: &[&str], path: &[String]) -> Option<String> {
    let full: Vec<&str> = base
        .iter()
        .copied()
        .chain(path.iter().map(String::as_str))
        .collect();
    let top = *full.first()?;
    if top == "cli" {
        return Some(match full.get(1) {
            Some(sub) if CLI_FILES.with(|f| f.borrow().contains(*sub)) => format!("cli::{sub}"),
            _ => "cli".to_string(),
        });
    }
    Some(top.to_string())
}

thread_local! {
    /// The submodules of `cli` (its files and directories), read once.
    static CLI_FILES: std::cell::RefCell<BTreeSet<String>> = std::cell::RefCell::new({
        let mut out = BTreeSet::new();
        for e in fs::read_dir(workspace().join("generator/src/cli")).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().trim_end_matches(".rs").to_string();
            if name != "mod" {
                out.insert(name);
            }
        }
        out
    });
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    // The core crate and the generator crate: the generator re-exports the
    // core's modules under their own names, so `crate::model` means the
    // same module on both sides and one table covers both.
    let mut all = Vec::new();
    for dir in ["core/src", "generator/src"] {
        let src = workspace().join(dir);
        let mut files_of = Vec::new();
        files(&src, &mut files_of);
        all.extend(files_of.into_iter().map(|f| (src.clone(), f)));
    }
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut seen = BTreeSet::new();
    let mut bad = Vec::new();
    for (src, f) in &all {
        let rel = f
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let parts: Vec<&str> = rel.trim_end_matches(".rs").split('/').collect();
        // The file's module path: `cli/report/mod.rs` is `cli::report`.
        let path: Vec<&str> = parts.iter().copied().filter(|p| *p != "mod").collect();
        let module = match path.as_slice() {
            ["cli", sub, ..] => format!("cli::{sub}"),
            [top, ..] => top.to_string(),
            [] => continue,
        };
        if matches!(module.as_str(), "lib" | "main" | "test_support") {
            continue;
        }
        let Some(ok) = allowed.get(module.as_str()) else {
            bad.push(format!(
                "{rel}: module `{module}` has no row in the layer table"
            ));
            continue;
        };
        seen.insert(module.clone());
        for used in uses(&fs::read_to_string(f).unwrap(), &path) {
            // The unit tests' helpers are compiled for tests only.
            if used != module && used != "test_support" && !ok.contains(&used.as_str()) {
                bad.push(format!("{rel}: `{module}` may not use `{used}`"));
            }
        }
    }
    assert!(bad.is_empty(), "layer violations:\n{}", bad.join("\n"));
    // Every row names a module that exists: the table is the whole map.
    let unseen: Vec<&&str> = allowed.keys().filter(|m| !seen.contains(**m)).collect();
    assert!(unseen.is_empty(), "rows for no module: {unseen:?}");
}

#[test]
fn the_scan_sees_every_form_of_path() {
    let got = uses(
        "use crate::a::b;\nuse crate::{c, d::e, f::{g, h}};\nlet x = crate::i::j(1);\n",
        &["z"],
    );
    let want: BTreeSet<String> = ["a", "c", "d", "f", "i"].map(String::from).into();
    assert_eq!(got, want);
    // A command's `super::` and `crate::cli::` paths name the command they reach.
    let got = uses(
        "use super::session::Session;\nuse super::{deploy, Printer};\nlet r = crate::cli::switch::run;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        &["cli", "drill"],
    );
    let want: BTreeSet<String> = ["cli::session", "cli::deploy", "cli", "cli::switch"]
        .map(String::from)
        .into();
    assert_eq!(got, want);
    // A file of a command's own directory reaches its command, not `cli`.
    let got = uses("use super::{Base, Report};\n", &["cli", "report", "page"]);
    assert_eq!(got, ["cli::report".to_string()].into());
}

/// A command that imports another fails: the table holds no such edge.
#[test]
fn no_command_may_use_another() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let commands: Vec<&str> = ALLOWED
        .iter()
        .map(|(m, _)| *m)
        .filter(|m| m.starts_with("cli::") && !matches!(*m, "cli::session" | "cli::hints"))
        .collect();
    assert!(commands.len() >= 12, "{commands:?}");
    for c in &commands {
        for other in &commands {
            assert!(
                !allowed[c].contains(other),
                "`{c}` may use the command `{other}`"
            );
        }
        // And nothing below the commands reaches one.
        for (m, ok) in ALLOWED.iter().filter(|(m, _)| *m != "cli") {
            assert!(!ok.contains(c), "`{m}` may use the command `{c}`");
        }
    }
}

/// The core crate reaches no network: no async runtime, HTTP stack, AWS SDK,
/// Kubernetes client or Git library is among its dependencies, direct or
/// not (read from `cargo tree`, so a new dependency that pulls one in fails).
#[test]
fn the_core_depends_on_no_client() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "gen-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let crates: BTreeSet<&str> = tree.lines().filter_map(|l| l.split(' ').next()).collect();
    assert!(
        crates.contains("minijinja"),
        "the tree was read: {crates:?}"
    );
    let forbidden: Vec<&&str> = crates
        .iter()
        .filter(|c| {
            [
                "tokio",
                "hyper",
                "reqwest",
                "kube",
                "git2",
                "libgit2-sys",
                "rustls",
            ]
            .contains(c)
                || c.starts_with("aws-")
        })
        .collect();
    assert!(forbidden.is_empty(), "the core depends on {forbidden:?}");
}
