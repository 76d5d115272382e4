//! The pipeline is a layered DAG: each module of `generator/src` may use only
//! the modules its row allows. The test reads every `crate::` path in the
//! source (plain, in `use` lists, nested braces) and fails on an edge the
//! table does not allow, so a back-edge fails CI instead of growing unseen.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::util::*;

/// Module → the modules it may use. `cli` (the commands) and the unit tests'
/// helpers may use any; everything else only what lies below it.
const ALLOWED: &[(&str, &[&str])] = &[
    // Leaves: they know nothing of gen.
    ("diag", &[]),
    ("facts", &[]),
    ("layout", &[]),
    ("par", &[]),
    ("simulate", &[]),
    ("k8s", &[]),
    // Adapters at the edge: their APIs and AWS's facts.
    ("aws", &["facts"]),
    // The pipeline, in order.
    ("spec", &["diag", "facts"]),
    ("validate", &["spec", "diag", "facts", "layout"]),
    ("resolve", &["spec", "diag"]),
    ("model", &["spec", "layout", "facts"]),
    ("limits", &["model", "spec", "facts", "diag"]),
    ("lint", &["model", "spec", "facts", "diag"]),
    ("explain", &["model", "spec", "facts"]),
    ("review", &["model", "spec", "facts"]),
    ("report", &["simulate"]),
    ("render", &["model", "facts", "diag", "par"]),
    ("output", &["layout", "render", "diag", "par"]),
];

/// Top-level modules named by `crate::` paths in `src`.
fn uses(src: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in src.match_indices("crate::") {
        let rest = &src[i + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the names at the top level.
            let mut depth = 0;
            let mut item = String::new();
            for c in list.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(head(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            out.insert(head(&item));
        } else {
            out.insert(head(rest));
        }
    }
    out.remove("");
    out
}

fn head(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
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
        let module = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        if matches!(module.as_str(), "lib" | "main" | "cli" | "test_support") {
            continue;
        }
        let Some(ok) = allowed.get(module.as_str()) else {
            bad.push(format!(
                "{rel}: module `{module}` has no row in the layer table"
            ));
            continue;
        };
        seen.insert(module.clone());
        for used in uses(&fs::read_to_string(f).unwrap()) {
            // The unit tests' helpers are compiled for tests only.
            if used != module && used != "test_support" && !ok.contains(&used.as_str()) {
                bad.push(format!("{rel}: `{module}` may not use `{used}`"));
            }
        }
    }
    assert!(bad.is_empty(), "layer violations:\n{}", bad.join("\n"));
    assert!(seen.len() >= 12, "the scan read the modules: {seen:?}");
}

#[test]
fn the_scan_sees_every_form_of_path() {
    let got = uses("use crate::a::b;\nuse crate::{c, d::e, f::{g, h}};\nlet x = crate::i::j(1);\n");
    let want: BTreeSet<String> = ["a", "c", "d", "f", "i"].map(String::from).into();
    assert_eq!(got, want);
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
