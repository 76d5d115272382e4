//! W004: the health-check settings cannot fail over within the app's `rto`.
//!
//! The worst case is `facts::route53::failover_seconds` (its sources are
//! there): the checks' detection time plus the alias record's TTL.

use super::*;
use crate::facts::route53::{ALIAS_TTL_S, CHECK_TIMEOUT_S, failover_seconds};

pub(super) const LINT: Lint = Lint {
    code: "W004",
    name: "rto",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let fastest = failover_seconds(10, 1);
    for app in &cx.spec.apps {
        let Some(rto) = app.rto else { continue };
        // The slowest of the app's checks in the plan.
        let Some(h) = cx
            .checks(&app.name)
            .iter()
            .max_by_key(|h| failover_seconds(h.interval, h.failure_threshold))
        else {
            continue;
        };
        let worst = failover_seconds(h.interval, h.failure_threshold);
        if worst <= rto {
            continue;
        }
        out.push(
            Diagnostic::lint(&format!("{}.rto", cx.app_path(&app.name)),
                format!(
                    "worst-case failover is {worst} s ({} × ({} s + {CHECK_TIMEOUT_S} s) + {ALIAS_TTL_S} s TTL), over the rto of {rto} s",
                    h.failure_threshold, h.interval
                ),
            )
            .hint(if fastest <= rto {
                format!("lower health.interval to 10 and health.failureThreshold (1 gives {fastest} s), or raise rto")
            } else {
                format!("no health-check setting fails over faster than {fastest} s (plus DNS propagation): raise rto, or use ARC to move traffic by hand")
            }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    fn with(health: &str) -> String {
        QUIET.replace("health: {path: /checkouthealth}", health)
    }

    #[test]
    fn fires_when_the_settings_are_slower_than_the_rto() {
        let slow = of(
            "W004",
            &with("health: {path: /checkouthealth}\n    rto: 120"),
        );
        assert_eq!(slow.len(), 1, "{slow:?}");
        assert!(
            slow[0].contains("apps[1].rto")
                && slow[0].contains("worst-case failover is 168 s (3 × (30 s + 6 s) + 60 s TTL)"),
            "{slow:?}"
        );
        let never = of(
            "W004",
            &with("health: {path: /checkouthealth}\n    rto: 60"),
        );
        assert!(never[0].contains("faster than 76 s"), "{never:?}");
        let fast =
            with("health: {path: /checkouthealth, interval: 10, failureThreshold: 1}\n    rto: 90");
        assert!(of("W004", &fast).is_empty());
    }
}
