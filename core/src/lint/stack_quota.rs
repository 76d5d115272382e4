//! W015: more CloudFormation stacks in a Region than the account's default
//! quota ("Stacks": 2000 per account and Region, `facts::quotas`).
//!
//! Counted from the plan (`Plan::stacks_by_region`): a DNS stack per stack
//! group, with a rollout an alarm stack per DNS stack, the ARC stack and
//! Region switch's. Stacks of anything else in the account count too, so
//! this is the least the account needs.

use super::*;
use crate::facts::quotas::STACKS_PER_REGION;

pub(super) const LINT: Lint = Lint {
    code: "W015",
    name: "stack-quota",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    over(cx, STACKS_PER_REGION)
}

fn over(cx: &Context<'_>, quota: usize) -> Vec<Diagnostic> {
    cx.plan
        .stacks_by_region()
        .into_iter()
        .filter(|(_, n)| *n > quota)
        .map(|(region, n)| {
            let groups = cx.plan.stacks.len();
            Diagnostic::lint(
                "apps",
                format!(
                    "{n} CloudFormation stacks in {region} ({groups} DNS stack groups{}); the default quota is {quota} per account and Region",
                    if cx.plan.rollout.is_some() { ", each with its alarm stack" } else { "" }
                ),
            )
            .hint("put apps into shared stack groups (apps[].stack: the apps of a group share one stack), or ask AWS for a higher \"Stacks\" quota in that Region")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    fn warnings_at(text: &str, quota: usize) -> Vec<String> {
        let spec = crate::test_support::spec_of(text);
        let plan = crate::model::plan(&spec, "");
        over(&Context::new(&spec, &plan), quota)
            .iter()
            .map(|d| d.display("gen.yaml").to_string())
            .collect()
    }

    #[test]
    fn counts_the_dns_and_alarm_stacks_of_each_region_against_the_quota() {
        // Ten apps, one stack each, and their alarm stacks in us-east-1.
        let text = apps(10);
        assert!(warnings_at(&text, 10).is_empty());
        let w = warnings_at(&text, 9);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].contains("10 CloudFormation stacks in us-east-1"),
            "{w:?}"
        );
        assert!(
            w[1].contains("10 CloudFormation stacks in us-west-2"),
            "{w:?}"
        );
        // Grouped into one stack group: one DNS and one alarm stack.
        let grouped = text.replace("image: img,", "image: img, stack: all,");
        assert!(warnings_at(&grouped, 1).is_empty());
        // The real quota is far off for the quiet spec.
        assert!(of("W015", &text).is_empty());
    }
}
