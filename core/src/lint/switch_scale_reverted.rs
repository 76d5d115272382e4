//! W012: a Region switch scale-up that Flux undoes.
//!
//! The plans' EKS resource scaling block patches the Deployments' scale in
//! the Region taking traffic ("Region switch scales … relative to the
//! capacity in the Region that is being deactivated", ARC Developer Guide,
//! "EKS resource scaling execution block"). Those Deployments are also
//! applied by Flux, which "detects and corrects drift" of the objects it
//! applies at every reconciliation (Flux, kustomize-controller: "drift
//! detection and correction"), replicas included. Where an app has fewer
//! replicas in one Region of a pair than in the other, the block's
//! scale-up lasts only until Flux's next reconcile (`flux.interval`).

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W012",
    name: "switch-scale-reverted",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let Some(sw) = &cx.plan.region_switch else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for p in &sw.plans {
        for app in &p.apps {
            let [a, b] = &p.regions;
            let (Some(wa), Some(wb)) = (cx.workload(app, a), cx.workload(app, b)) else {
                continue;
            };
            if wa.replicas == wb.replicas || seen.contains(&app.as_str()) {
                continue;
            }
            seen.push(app);
            let (small, big) = if wa.replicas < wb.replicas {
                ((a, wa), (b, wb))
            } else {
                ((b, wb), (a, wa))
            };
            out.push(
                Diagnostic::lint(
                    &cx.app_path(app),
                    format!(
                        "app `{app}` runs {} replicas in {} and {} in {}: a Region switch scales {} up, and Flux sets it back to {} at its next reconcile (every {})",
                        small.1.replicas, small.0, big.1.replicas, big.0, small.0, small.1.replicas, cx.spec.flux.interval
                    ),
                )
                .hint(format!(
                    "after a switch to {}, raise its replicas there in the spec (apps[].regions.{}.replicas) and render, or run the same replicas in both Regions",
                    small.0, small.0
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_when_a_pair_runs_an_app_unevenly() {
        let rs = QUIET.replace(
            "apps:",
            "arc: {enabled: true, cluster: {name: shop}}\nregionSwitch: {enabled: true}\napps:",
        );
        assert!(of("W012", &rs).is_empty(), "the same replicas everywhere");
        assert!(of("W012", QUIET).is_empty());
        let uneven = rs.replacen(
            "    health: {path: /webhealth}",
            "    regions: {us-east-1: {replicas: 3}}\n    health: {path: /webhealth}",
            1,
        );
        let w = of("W012", &uneven);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("and Flux sets it back"), "{w:?}");
    }
}
