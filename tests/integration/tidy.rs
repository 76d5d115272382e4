//! Conventions as tests (rust-analyzer's `tidy`): what the code's structure
//! promises and a reviewer would otherwise have to remember.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::*;

/// Every file below `dir` whose extension is `ext`.
fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// The crates' sources, as (path inside its `src`, text).
fn sources() -> Vec<(String, String)> {
    sources_in(&["core/src", "generator/src"])
}

fn sources_in(dirs: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in dirs {
        let src = workspace().join(dir);
        let mut files = Vec::new();
        walk(&src, "rs", &mut files);
        files.sort();
        out.extend(files.into_iter().map(|f| {
            let rel = f
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, fs::read_to_string(&f).unwrap())
        }));
    }
    out
}

/// Only the printer writes to the terminal: data to stdout, the rest to
/// stderr, `--quiet` honoured everywhere.
#[test]
fn only_the_printer_writes_to_the_terminal() {
    let mut bad = Vec::new();
    let needles = [
        "io::stdout",
        "io::stderr",
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
    ];
    for (rel, text) in sources() {
        if rel == "printer.rs" {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|x| line.contains(x)) && !line.trim_start().starts_with("//") {
                bad.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "write through printer::Printer instead:\n{}",
        bad.join("\n")
    );
}

/// A hint is a value (`diag::Hinted`, a diagnostic's `hint`, a printer's
/// `*_hint`), never text glued into a message, so it always prints after
/// the error and its causes.
#[test]
fn no_hint_is_glued_into_a_message() {
    let mut bad = Vec::new();
    for (rel, text) in sources() {
        for (n, line) in text.lines().enumerate() {
            if line.contains(r"\n  hint:") && rel != "diag.rs" {
                bad.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "use diag::Hinted or a printer hint:\n{}",
        bad.join("\n")
    );
}

/// Templates hold no decisions: the model hands them finished values (a
/// description, an ARN, an output's name) and booleans for its choices, so
/// no template compares (`==`, `!=`) or builds a string (`~`). A comment
/// (`{# … #}`) may say anything.
#[test]
fn templates_compare_nothing_and_build_no_strings() {
    let root = workspace().join("templates");
    let mut files = Vec::new();
    walk(&root, "j2", &mut files);
    files.sort();
    assert!(files.len() >= 10, "{} templates found", files.len());
    let mut bad = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read_to_string(&f).unwrap();
        // The text with every comment blanked, its line breaks kept.
        let mut code = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{#") {
            code.push_str(&rest[..start]);
            let end = rest[start..]
                .find("#}")
                .map_or(rest.len(), |e| start + e + 2);
            code.extend(rest[start..end].chars().filter(|c| *c == '\n'));
            rest = &rest[end..];
        }
        code.push_str(rest);
        for (n, line) in code.lines().enumerate() {
            if ["==", "!=", "~"].iter().any(|x| line.contains(x)) {
                bad.push(format!("templates/{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "a template compares or builds a string: give the plan the finished value or a boolean instead:\n{}",
        bad.join("\n")
    );
}

/// The adapters speak their own API's language: no spec field names in
/// `k8s` or `aws` (their typed errors are mapped to hints in `cli::hints`).
#[test]
fn adapters_do_not_speak_the_spec() {
    let spec_words = [
        "kubeContext",
        "arc.clusterArn",
        "in the spec",
        "gen.yaml",
        "regions[",
    ];
    let mut bad = Vec::new();
    for (rel, text) in sources() {
        if !(rel.starts_with("k8s/") || rel.starts_with("aws/")) {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            let code = !line.trim_start().starts_with("//");
            if code && spec_words.iter().any(|w| line.contains(w)) {
                bad.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "adapters in spec terms:\n{}",
        bad.join("\n")
    );
}

/// Each lint is one file under `lint/` with its own code, listed once.
#[test]
fn every_lint_file_is_registered_with_a_code() {
    let all = sources();
    let registry = &all.iter().find(|(r, _)| r == "lint/mod.rs").unwrap().1;
    let mut codes = Vec::new();
    for (rel, text) in &all {
        let Some(name) = rel
            .strip_prefix("lint/")
            .and_then(|n| n.strip_suffix(".rs"))
        else {
            continue;
        };
        if name == "mod" {
            continue;
        }
        assert!(
            registry.contains(&format!("mod {name};")),
            "{rel} is not a module of lint"
        );
        assert!(
            registry.contains(&format!("{name}::LINT")),
            "{rel} is not in LINTS"
        );
        let code = text
            .split("code: \"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("{rel} has no code"));
        assert!(text.contains("#[cfg(test)]"), "{rel} has no tests");
        codes.push(code.to_string());
    }
    let n = codes.len();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), n, "a code is used twice");
    assert!(n >= 9, "{n} lints found");
}

/// ARCHITECTURE.md is a map a newcomer can trust: short enough to read
/// (product behaviour lives in `docs/`), every test it names exists, every
/// integration-test module and every lint's code is on it.
#[test]
fn architecture_names_tests_that_exist_and_every_test_module() {
    let doc = fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    assert!(
        doc.len() <= 20_000,
        "ARCHITECTURE.md is {} bytes: a map, at most 20,000 (move product behaviour to docs/)",
        doc.len()
    );
    for (rel, text) in sources_in(&["core/src"]) {
        if let Some(code) = rel
            .strip_prefix("lint/")
            .and_then(|_| text.split("code: \"").nth(1))
            .and_then(|r| r.split('"').next())
        {
            assert!(
                doc.contains(code),
                "ARCHITECTURE.md omits lint {code} ({rel})"
            );
        }
    }
    let code: String = sources_in(&["core/src", "generator/src", "tests/integration"])
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    let invariants = doc
        .split("## Invariants")
        .nth(1)
        .expect("an Invariants section");
    let mut missing = Vec::new();
    let mut named = 0;
    for quoted in invariants.split('`').skip(1).step_by(2) {
        let Some((_, name)) = quoted.rsplit_once("::") else {
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') || !name.contains('_') {
            continue;
        }
        named += 1;
        if !code.contains(&format!("fn {name}(")) {
            missing.push(quoted.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names tests that do not exist: {missing:?}"
    );
    assert!(named >= 25, "{named} tests named");
    for e in fs::read_dir(workspace().join("tests/integration"))
        .unwrap()
        .flatten()
    {
        let name = e
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if name != "main" {
            assert!(
                doc.contains(&format!("`{name}`")),
                "ARCHITECTURE.md omits tests/integration/{name}.rs"
            );
        }
    }
}

/// A command gathers, decides and views; what it shares with another
/// lives below it (`live`, the core). Each file of the commands' layer is
/// at most 500 lines, so one that grows is split or pushes down.
#[test]
fn every_command_file_is_at_most_500_lines() {
    let mut long = Vec::new();
    let mut read = 0;
    for (rel, text) in sources_in(&["generator/src"]) {
        if !rel.starts_with("cli/") {
            continue;
        }
        read += 1;
        let lines = text.lines().count();
        if lines > 500 {
            long.push(format!("{rel}: {lines} lines"));
        }
    }
    assert!(read >= 14, "{read} files read");
    assert!(
        long.is_empty(),
        "command files over 500 lines:\n{}",
        long.join("\n")
    );
}
