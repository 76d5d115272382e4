//! W003: a TCP check sees the shared ALB, not the app.
//!
//! A TCP check only opens a connection ("Route 53 tries to establish a TCP
//! connection", Route 53 Developer Guide, "How Amazon Route 53 determines
//! whether a health check is healthy"); on a shared ALB the listener
//! answers whatever the app's state, so the app never fails over.

use super::*;
use crate::spec::checked::Protocol;

pub(super) const LINT: Lint = Lint {
    code: "W003",
    name: "tcp-check",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for e in cx.plan.stacks.iter().flat_map(|s| &s.entries) {
        let h = &e.health_check;
        if h.protocol != Protocol::Tcp || seen.contains(&&h.app) {
            continue;
        }
        seen.push(&h.app);
        out.push(
            Diagnostic::lint(
                &format!("{}.health.protocol", cx.app_path(&h.app)),
                "a TCP check only sees the shared ALB's listener, not this app",
            )
            .hint("use HTTP or HTTPS so the check follows the app's health path"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_once_per_app_with_a_tcp_check() {
        let tcp = QUIET.replace(
            "health: {path: /checkouthealth}",
            "health: {path: /checkouthealth, protocol: TCP}",
        );
        let w = of("W003", &tcp);
        assert_eq!(w.len(), 1, "one app, two Regions: {w:?}");
        assert!(w[0].contains("apps[1].health.protocol"), "{w:?}");
        assert!(of("W003", QUIET).is_empty());
    }
}
