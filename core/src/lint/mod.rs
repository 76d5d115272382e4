//! `lint`: design advice on a valid spec, read from the plan `model` made.
//! Each lint is one file: its code, what it warns of and why (with the AWS
//! document that says so), and its tests. A lint reads the plan's own
//! names, counts and settings, so its advice is about what gen will
//! render, never a second derivation of it.
//!
//! Lints only warn; a spec they warn about renders. Errors are `validate`'s.

mod all_regions_at_once;
mod arc_min_regions_on;
mod database_not_promoted;
pub(crate) mod database_without_switch;
mod dualstack_inbound_ipv4;
mod geolocation_no_failover;
mod health_check_quota;
mod inbound_cidrs;
mod internal_alb;
mod readiness_closed;
mod rollout;
mod rto;
mod shared_alb_target_health;
mod stack_quota;
mod switch_no_target_wait;
mod switch_scale_reverted;
mod tcp_check;
mod trigger_unattached;

use crate::diag::Diagnostic;
use std::collections::HashMap;

use crate::model::{HealthCheckPlan, Plan, Workload};
use crate::spec::checked::Spec;

/// One lint: a code that never changes meaning, a short name, and its check.
pub struct Lint {
    pub code: &'static str,
    pub name: &'static str,
    check: fn(&Context<'_>) -> Vec<Diagnostic>,
}

/// What a lint reads: the checked spec (for field paths) and its plan,
/// with the plan's checks and workloads indexed once, so every lint is
/// linear in the plan's size.
pub struct Context<'a> {
    pub spec: &'a Spec,
    pub plan: &'a Plan,
    /// Each app's health checks, one per Region it answers from.
    checks: HashMap<&'a str, Vec<&'a HealthCheckPlan>>,
    /// The workload of (app, Region).
    workloads: HashMap<(&'a str, &'a str), &'a Workload>,
}

impl<'a> Context<'a> {
    fn new(spec: &'a Spec, plan: &'a Plan) -> Context<'a> {
        let mut checks: HashMap<&str, Vec<&HealthCheckPlan>> = HashMap::new();
        for e in plan.stacks.iter().flat_map(|s| &s.entries) {
            checks
                .entry(&e.health_check.app)
                .or_default()
                .push(&e.health_check);
        }
        let workloads = plan
            .clusters
            .iter()
            .flat_map(|c| {
                c.workloads
                    .iter()
                    .map(move |w| ((w.app.as_str(), c.region.as_str()), w))
            })
            .collect();
        Context {
            spec,
            plan,
            checks,
            workloads,
        }
    }

    /// The app's health checks (none when it has no records).
    fn checks(&self, app: &str) -> &[&'a HealthCheckPlan] {
        self.checks.get(app).map_or(&[], Vec::as_slice)
    }

    fn workload(&self, app: &str, region: &str) -> Option<&'a Workload> {
        self.workloads.get(&(app, region)).copied()
    }

    /// The field of ALB `k` that sets `what` (`scheme`, `inboundCidrs`).
    fn alb_path(&self, k: usize, what: &str) -> String {
        self.spec.ingress.alb_field(k, what)
    }

    /// The `apps[i]` path of an app, for the diagnostic's line.
    fn app_path(&self, app: &str) -> String {
        let i = self
            .spec
            .apps
            .iter()
            .position(|a| a.name == app)
            .unwrap_or(0);
        format!("apps[{i}]")
    }
}

/// Every lint, in code order.
pub const LINTS: &[Lint] = &[
    internal_alb::LINT,
    inbound_cidrs::LINT,
    tcp_check::LINT,
    rto::LINT,
    shared_alb_target_health::LINT,
    health_check_quota::LINT,
    rollout::LINT,
    arc_min_regions_on::LINT,
    readiness_closed::LINT,
    switch_scale_reverted::LINT,
    switch_no_target_wait::LINT,
    all_regions_at_once::LINT,
    stack_quota::LINT,
    database_without_switch::LINT,
    database_not_promoted::LINT,
    geolocation_no_failover::LINT,
    dualstack_inbound_ipv4::LINT,
    trigger_unattached::LINT,
];

/// Every lint's warnings on a plan, in code order. Lines are the caller's to
/// fill (it has the spec's line map).
pub fn lint(spec: &Spec, plan: &Plan) -> Vec<Diagnostic> {
    let cx = Context::new(spec, plan);
    LINTS
        .iter()
        .flat_map(|l| {
            let mut out = (l.check)(&cx);
            for d in &mut out {
                d.code = Some(l.code);
            }
            out
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A spec of two Regions and two apps that no lint warns about; each
    /// lint's tests edit it to trigger exactly that lint.
    pub(crate) const QUIET: &str = "version: 1
name: shop
dns: {zone: example.org, zoneId: Z1}
regions:
  - {name: eu-west-1, cluster: c1, albDnsName: a.eu-west-1.elb.amazonaws.com}
  - {name: us-east-1, cluster: c2, albDnsName: a.us-east-1.elb.amazonaws.com}
rollout: {source: {url: ssh://git@example.org/fleet.git}}
apps:
  - name: web
    host: web.example.org
    image: nginx:1.27
    replicas: 2
    health: {path: /webhealth}
  - name: checkout
    host: checkout.example.org
    image: nginx:1.27
    replicas: 2
    health: {path: /checkouthealth}
";

    /// The quiet spec's Regions with `n` apps of two replicas each.
    pub(crate) fn apps(n: usize) -> String {
        let mut text = QUIET[..QUIET.find("apps:").unwrap()].to_string();
        text.push_str("apps:\n");
        for i in 0..n {
            text.push_str(&format!(
                "  - {{name: a{i}, host: a{i}.example.org, image: img, replicas: 2, health: {{path: /a{i}}}}}\n"
            ));
        }
        text
    }

    /// The quiet spec on two ALBs: `web` on `outer` (the default), `checkout`
    /// on `inner`, which takes the fields `inner` (a flow mapping's body).
    pub(crate) fn two_albs(inner: &str) -> String {
        let inner = inner.trim_start_matches('{').trim_end_matches('}');
        let sep = if inner.is_empty() { "" } else { ", " };
        QUIET
            .replace(
                "dns:",
                &format!("ingress:\n  albs: [{{name: outer}}, {{name: inner{sep}{inner}}}]\ndns:"),
            )
            .replace(
                "albDnsName: a.eu-west-1.elb.amazonaws.com}",
                "albs: {outer: {dnsName: o.eu-west-1.elb.amazonaws.com}, inner: {dnsName: i.eu-west-1.elb.amazonaws.com}}}",
            )
            .replace(
                "albDnsName: a.us-east-1.elb.amazonaws.com}",
                "albs: {outer: {dnsName: o.us-east-1.elb.amazonaws.com}, inner: {dnsName: i.us-east-1.elb.amazonaws.com}}}",
            )
            .replace(
                "health: {path: /checkouthealth}",
                "health: {path: /checkouthealth}\n    alb: inner",
            )
    }

    #[test]
    fn the_quiet_spec_on_two_albs_triggers_no_lint() {
        assert_eq!(warnings(&two_albs("")), Vec::<String>::new());
    }

    /// The warnings of a spec text, as `gen validate` shows them.
    pub(crate) fn warnings(text: &str) -> Vec<String> {
        let spec = crate::test_support::spec_of(text);
        let plan = crate::model::plan(&spec, "");
        lint(&spec, &plan)
            .iter()
            .map(|d| d.display("gen.yaml").to_string())
            .collect()
    }

    /// The warnings of one code.
    pub(crate) fn of(code: &str, text: &str) -> Vec<String> {
        warnings(text)
            .into_iter()
            .filter(|w| w.starts_with(&format!("warning[{code}]")))
            .collect()
    }

    #[test]
    fn the_quiet_spec_triggers_no_lint() {
        assert_eq!(warnings(QUIET), Vec::<String>::new());
    }

    #[test]
    fn codes_are_unique_and_in_order() {
        let codes: Vec<&str> = LINTS.iter().map(|l| l.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }
}
