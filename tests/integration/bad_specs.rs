//! The corpus of bad specs in `tests/bad-specs/`: each file says, in
//! `# expect: ...` lines, what `gen validate` must print about it, and its
//! whole output is pinned beside it (`<name>.out`, GEN_BLESS=1 rewrites it),
//! so a spurious extra error fails too.

use std::fs;

use crate::util::*;

#[test]
fn every_bad_spec_is_rejected_with_its_expected_messages() {
    let dir = workspace().join("tests/bad-specs");
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 20,
        "the corpus holds at least 20 bad specs, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let text = fs::read_to_string(case).unwrap();
        let expects: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if expects.is_empty() {
            failures.push(format!("{name}: no `# expect:` line"));
            continue;
        }
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("gen.yaml"), &text).unwrap();
        for cmd in ["validate", "render"] {
            let o = run_gen(d.path(), &[cmd]);
            let err = stderr(&o);
            if cmd == "validate" {
                golden(&case.with_extension("out"), &err, &mut failures);
            }
            if o.status.code() != Some(1) {
                failures.push(format!(
                    "{name}: `gen {cmd}` exited {:?}, want 1\n{err}",
                    o.status.code()
                ));
            }
            if err.contains("panicked") {
                failures.push(format!("{name}: `gen {cmd}` panicked\n{err}"));
            }
            for e in &expects {
                if !err.contains(e) {
                    failures.push(format!(
                        "{name}: `gen {cmd}` did not print {e:?}; it printed:\n{err}"
                    ));
                }
            }
            assert_eq!(
                files(d.path()),
                ["gen.yaml"],
                "{name}: `gen {cmd}` wrote files"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
