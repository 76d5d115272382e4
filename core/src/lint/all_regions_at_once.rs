//! W014: a spec of two or more Regions without a `rollout` section.
//!
//! Every cluster's Flux then follows the same branch, so a commit reaches
//! every Region within one sync interval: a bad image or a broken probe
//! fails an app in all its Regions together, and its failover has nowhere
//! to go. Amazon deploys Region by Region with a bake time watched by
//! alarms (the Amazon Builders' Library, "Automating safe, hands-off
//! deployments"); `gen rollout` does so from the `rollout` section.

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W014",
    name: "all-regions-at-once",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let regions = cx.spec.regions.len();
    if cx.plan.rollout.is_some() || regions < 2 {
        return Vec::new();
    }
    vec![
        Diagnostic::lint(
            "regions",
            format!(
                "every commit reaches all {regions} Regions at once: their clusters' Flux follows one branch, so a bad change fails each app in every Region together"
            ),
        )
        .hint("add a `rollout` section (`rollout: {source: {url: ...}}`) and run `gen rollout` after a merge: each wave of Regions gets the change after the one before it stayed healthy (docs/rollout.md)"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{QUIET, warnings};

    const ROLLOUT: &str = "rollout: {source: {url: ssh://git@example.org/fleet.git}}\n";

    #[test]
    fn two_regions_without_a_rollout_are_warned_about() {
        let text = QUIET.replace(ROLLOUT, "");
        assert!(!text.contains("rollout"), "{text}");
        let w = warnings(&text);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("W014") && w[0].contains("all 2 Regions at once"),
            "{w:?}"
        );
    }

    #[test]
    fn one_region_needs_no_waves() {
        let text = QUIET.replace(ROLLOUT, "").replace(
            "  - {name: us-east-1, cluster: c2, albDnsName: a.us-east-1.elb.amazonaws.com}\n",
            "",
        );
        assert!(
            !text.contains("us-east-1") && !text.contains("rollout"),
            "{text}"
        );
        assert_eq!(warnings(&text), Vec::<String>::new());
    }
}
