//! W020: a Region switch trigger no plan carries.
//!
//! A trigger runs a workflow of its plan; gen attaches each to the plans
//! that hold its Region and have its workflow. An active/passive plan has
//! activation workflows only ("a minimum of two workflows" is for
//! active/active: ARC Developer Guide, "Create Region switch plan
//! workflows"), so a `deactivate` trigger, or one on a Region no plan
//! holds, would start nothing.

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W020",
    name: "trigger-unattached",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (Some(rs), Some(sw)) = (&cx.spec.region_switch, &cx.plan.region_switch) else {
        return Vec::new();
    };
    rs.triggers
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            !sw.plans.iter().any(|p| {
                p.triggers
                    .iter()
                    .any(|x| x.action == t.action && x.target_region == t.target_region)
            })
        })
        .map(|(i, t)| {
            Diagnostic::lint(
                &format!("regionSwitch.triggers[{i}]"),
                format!(
                    "no plan carries this trigger: none holds {} with a workflow that can {} it",
                    t.target_region, t.action
                ),
            )
            .hint("an active/passive plan (failover apps with one primary) has activation workflows only: use action activate, or a Region the plans hold")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_on_a_deactivation_trigger_of_an_active_passive_plan() {
        let rs = "regionSwitch:\n  enabled: true\n  scalePercent: 100\n  alarms: {e: {alarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:e', type: trigger}}\n  triggers: [{targetRegion: us-east-1, action: deactivate, conditions: [{alarm: e, state: red}]}]\n";
        let failover = QUIET
            .replace("apps:", &format!("{rs}apps:"))
            .replace(
                "health: {path: /webhealth}",
                "health: {path: /webhealth}\n    routing: failover",
            )
            .replace(
                "health: {path: /checkouthealth}",
                "health: {path: /checkouthealth}\n    routing: failover",
            );
        let w = of("W020", &failover);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("regionSwitch.triggers[0]"), "{w:?}");
        // Latency apps: an active/active plan, which has a deactivation.
        assert!(of("W020", &QUIET.replace("apps:", &format!("{rs}apps:"))).is_empty());
    }
}
