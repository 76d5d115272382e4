//! W009: an app's own safety rule keeps fewer Regions On than
//! `minRegionsOn` asks.
//!
//! A rule over an app's own Regions keeps `minRegionsOn` of them On, but
//! never all: an app with records in only that many Regions could then never
//! be moved (`spec::checked::rule_threshold`). Read from the plan's rules:
//! the threshold each app's rule really has.

use super::*;
use crate::model::arc::{ArcPlan, SafetyRulePlan};

pub(super) const LINT: Lint = Lint {
    code: "W009",
    name: "arc-min-regions-on",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (Some(arc), Some(spec_arc)) = (&cx.plan.arc, &cx.spec.arc) else {
        return Vec::new();
    };
    let min_on = spec_arc.min_on;
    let mut out = Vec::new();
    for app in &spec_arc.apps {
        let Some((rule, n)) = own_rule(arc, cx, app) else {
            continue;
        };
        if rule.threshold >= min_on {
            continue;
        }
        out.push(
            Diagnostic::lint("arc.safetyRules.minRegionsOn",
                format!(
                    "app {app} has records in {n} Regions only: its own safety rule keeps {} of them On, not {min_on}",
                    rule.threshold
                ),
            )
            .hint("a rule of all its Regions On would forbid ever moving it; lower minRegionsOn, or give the app a record in more Regions"),
        );
    }
    out
}

/// The rule that guards `app`'s own Regions, and how many they are: its own
/// rule with scope `app`; with scope `region`, the rule over exactly the
/// Regions where the app has records (none when that is every Region: the
/// panel-wide rule, which keeps `minRegionsOn`).
fn own_rule<'a>(
    arc: &'a ArcPlan,
    cx: &Context<'_>,
    app: &str,
) -> Option<(&'a SafetyRulePlan, usize)> {
    let region_of = |id: &String| {
        arc.controls
            .iter()
            .find(|c| &c.logical_id == id)
            .map(|c| c.region.as_str())
    };
    let regions_of = |rule: &SafetyRulePlan| -> Vec<&str> {
        let mut rs: Vec<&str> = rule.controls.iter().filter_map(region_of).collect();
        rs.sort_unstable();
        rs.dedup();
        rs
    };
    let spec_app = cx.spec.apps.iter().find(|a| a.name == app)?;
    let mut own: Vec<&str> = cx
        .spec
        .regions
        .iter()
        .map(|r| r.name.as_str())
        .filter(|r| spec_app.routing.answers_in(r))
        .collect();
    own.sort_unstable();
    if own.len() == cx.spec.regions.len() {
        return None;
    }
    arc.rules
        .iter()
        .find(|r| {
            let controls_own = r.controls.iter().all(|id| {
                arc.controls
                    .iter()
                    .any(|c| &c.logical_id == id && c.app.as_deref().is_none_or(|a| a == app))
            });
            controls_own && regions_of(r) == own
        })
        .map(|r| (r, own.len()))
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    const THREE: &str = "version: 1
name: shop
dns: {zone: example.org, zoneId: Z1}
arc: {enabled: true, cluster: {name: shop}, safetyRules: {minRegionsOn: 2}SCOPE}
regions:
  - {name: eu-west-1, cluster: c1, albDnsName: a.eu-west-1.elb.amazonaws.com}
  - {name: us-east-1, cluster: c2, albDnsName: a.us-east-1.elb.amazonaws.com}
  - {name: us-west-2, cluster: c3, albDnsName: a.us-west-2.elb.amazonaws.com}
apps:
  - {name: web, host: web.example.org, image: i, replicas: 2, health: {path: /web}}
  - {name: pay, host: pay.example.org, image: i, replicas: 2, health: {path: /pay}, routing: {failover: {primary: eu-west-1, secondary: us-east-1}}}
  - {name: cart, host: cart.example.org, image: i, replicas: 2, health: {path: /cart}, routing: {failover: {primary: us-east-1, secondary: eu-west-1}}}
";

    #[test]
    fn fires_for_each_app_whose_own_rule_keeps_fewer() {
        for scope in ["", ", scope: app"] {
            let text = THREE.replace("SCOPE", scope);
            let w = of("W009", &text);
            assert_eq!(w.len(), 2, "{scope}: {w:?}");
            assert!(
                w[0].contains("app pay has records in 2 Regions only: its own safety rule keeps 1 of them On, not 2"),
                "{w:?}"
            );
            assert!(w[1].contains("app cart"), "{w:?}");
        }
        // minRegionsOn 1: every rule keeps what was asked.
        let one = THREE
            .replace("SCOPE", "")
            .replace("minRegionsOn: 2", "minRegionsOn: 1");
        assert!(of("W009", &one).is_empty());
    }
}
