//! Golden tests: the committed example (`gitops-repo/`) and the cases in
//! `tests/golden/*/` are repositories rendered by `gen`; each must be exactly
//! what `gen render` produces now. Set GEN_BLESS=1 to re-render the golden
//! cases after an intended change (then review the diff).

use std::path::PathBuf;

use crate::util::*;

pub fn golden_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![workspace().join("gitops-repo")];
    let mut cases: Vec<PathBuf> = std::fs::read_dir(workspace().join("tests/golden"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("gen.yaml").exists())
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    dirs.extend(cases);
    dirs
}

#[test]
fn committed_renders_are_up_to_date() {
    let bless = std::env::var_os("GEN_BLESS").is_some();
    let dirs = golden_dirs();
    assert!(
        dirs.len() >= 3,
        "the example and at least two golden cases: {dirs:?}"
    );
    let mut stale = Vec::new();
    for dir in dirs {
        let args: &[&str] = if bless {
            &["render", "--no-commit"]
        } else {
            &["render", "--check"]
        };
        let o = run_gen(&dir, args);
        if !o.status.success() {
            stale.push(format!("{}:\n{}{}", dir.display(), stdout(&o), stderr(&o)));
        }
    }
    assert!(
        stale.is_empty(),
        "stale renders (run `gen render` there, or GEN_BLESS=1 for tests/golden):\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_example_covers_the_three_seed_patterns() {
    let dir = workspace().join("gitops-repo/cloudformation");
    let all: String = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(
        all.contains("Weight: 100") && all.contains("Weight: 0\n"),
        "weighted 100/0 active-passive"
    );
    assert!(
        all.contains("Region: \"eu-west-1\"") && all.contains("Region: \"eu-central-1\""),
        "latency routing"
    );
    assert!(
        all.contains("Failover: \"PRIMARY\"") && all.contains("Failover: \"SECONDARY\""),
        "failover primary/secondary"
    );
    assert!(
        !all.contains("EvaluateTargetHealth: true"),
        "per-app checks, not the ALB-wide cascade"
    );
}
