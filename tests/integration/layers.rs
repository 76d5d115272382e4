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
    ("simulate", &[]),
    ("k8s", &[]),
    // Adapters at the edge: their APIs and AWS's facts.
    ("aws", &["facts"]),
    // The pipeline, in order.
    ("spec", &["diag"]),
    ("validate", &["spec", "diag", "facts", "layout"]),
    ("resolve", &["spec", "diag"]),
    ("model", &["spec", "layout", "facts"]),
    ("lint", &["model", "spec", "facts", "diag"]),
    ("explain", &["model", "spec", "facts"]),
    ("review", &["model", "spec", "facts"]),
    ("render", &["model", "facts", "diag"]),
    ("output", &["layout", "render", "diag"]),
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
    let src = workspace().join("generator/src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut seen = BTreeSet::new();
    let mut bad = Vec::new();
    for f in &all {
        let rel = f
            .strip_prefix(&src)
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
