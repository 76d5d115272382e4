//! Golden tests of `gen plan`: each case in `tests/plan/` is a pair of specs
//! (`base.yaml` committed, `head.yaml` in the work tree) and the expected
//! text and Markdown. GEN_BLESS=1 rewrites the expected files.

use std::fs;

use crate::util::*;

#[test]
fn plan_describes_each_pair_of_specs_as_expected() {
    let root = workspace().join("tests/plan");
    let mut cases: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("base.yaml").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 4, "{cases:?}");
    let mut failures = Vec::new();
    for case in cases {
        let d = tempfile::tempdir().unwrap();
        git(d.path(), &["init", "-q", "-b", "main"]);
        fs::copy(case.join("base.yaml"), d.path().join("gen.yaml")).unwrap();
        git(d.path(), &["add", "gen.yaml"]);
        git(d.path(), &["commit", "-q", "-m", "base"]);
        fs::copy(case.join("head.yaml"), d.path().join("gen.yaml")).unwrap();
        for (format, file) in [("text", "expected.txt"), ("markdown", "expected.md")] {
            let o = run_gen(d.path(), &["plan", "--base", "main", "--format", format]);
            assert!(o.status.success(), "{}: {}", case.display(), stderr(&o));
            let got = stdout(&o);
            let path = case.join(file);
            golden(&path, &got, &mut failures);
        }
    }
    assert!(
        failures.is_empty(),
        "plan output differs (GEN_BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}

#[test]
fn plan_against_a_revision_without_the_spec_shows_every_app_added() {
    let d = tempfile::tempdir().unwrap();
    git(d.path(), &["init", "-q", "-b", "main"]);
    fs::write(d.path().join("README.md"), "x\n").unwrap();
    git(d.path(), &["add", "README.md"]);
    git(d.path(), &["commit", "-q", "-m", "first"]);
    fs::write(d.path().join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();
    let o = run_gen(d.path(), &["plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "cart: added: cart.example.org answers from eu-west-1 (weighted, weight 100), us-east-1 (weighted, weight 0)\n\
         checkout: added: checkout.example.org answers from eu-west-1 (latency), us-east-1 (latency)\n"
    );
    let o = run_gen(d.path(), &["plan", "--base", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no revision `no-such-branch`"),
        "{}",
        stderr(&o)
    );
}
