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
         checkout: added: checkout.example.org answers from eu-west-1 (latency), us-east-1 (latency)\n\
         \n\
         gen deploy:\n  \
         refused: the hosted zone's ID is not known: gen deploy refuses (records name their zone by ID) (hint: set dns.zoneId, or run `gen discover` to record it in gen.lock)\n  \
         refused: the ALB DNS name in us-east-1 is not known: gen deploy refuses (hint: set regions[1].albDnsName, or run `gen discover`)\n"
    );
    let o = run_gen(d.path(), &["plan", "--base", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no revision `no-such-branch`"),
        "{}",
        stderr(&o)
    );
}

/// A lock as `gen discover` writes it, with the us-east-1 ALB at `dns`.
fn lock_with_east(dns: &str) -> String {
    format!(
        "version: 1\nregions:\n  us-east-1:\n    albDnsName: {dns}\n    albZoneId: Z35SXDOTRQ7X7K\n    resolvedAt: 2026-01-01T00:00:00Z\n"
    )
}

#[test]
fn plan_compares_with_the_lock_committed_at_the_base() {
    // us-east-1's ALB comes from gen.lock; the base is read with its own lock.
    let d = tempfile::tempdir().unwrap();
    git(d.path(), &["init", "-q", "-b", "main"]);
    fs::write(d.path().join("gen.yaml"), spec("")).unwrap();
    fs::write(d.path().join("gen.lock"), lock_with_east(EAST_ALB)).unwrap();
    git(d.path(), &["add", "gen.yaml", "gen.lock"]);
    git(d.path(), &["commit", "-q", "-m", "base"]);
    let o = run_gen(d.path(), &["plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("no change in DNS behaviour\n"),
        "{}",
        stdout(&o)
    );

    // A new ALB found by discover is a change a reviewer must see.
    fs::write(
        d.path().join("gen.lock"),
        lock_with_east("shop-3.us-east-1.elb.amazonaws.com"),
    )
    .unwrap();
    let o = run_gen(d.path(), &["plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(EAST_ALB) && stdout(&o).contains("shop-3.us-east-1"),
        "{}",
        stdout(&o)
    );

    // A lock deleted since the base: the base still had the ALB, the head has a parameter.
    fs::remove_file(d.path().join("gen.lock")).unwrap();
    let o = run_gen(d.path(), &["plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(EAST_ALB) && stdout(&o).contains("parameter AlbDnsNameUsEast1"),
        "{}",
        stdout(&o)
    );

    // A broken lock at the base cannot be mended there: a warning, and the base without it.
    fs::write(d.path().join("gen.lock"), "version: [1\n").unwrap();
    git(d.path(), &["add", "gen.lock"]);
    git(d.path(), &["commit", "-q", "-m", "broken lock"]);
    fs::write(d.path().join("gen.lock"), lock_with_east(EAST_ALB)).unwrap();
    let o = run_gen(d.path(), &["plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gen.lock at HEAD is not a valid lock file"),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("parameter AlbDnsNameUsEast1 -> shop-2"),
        "{}",
        stdout(&o)
    );
}
