//! W001: an internal ALB cannot be checked by Route 53.
//!
//! "Route 53 health checkers are outside the VPC" (CloudFormation User
//! Guide, `AWS::Route53::HealthCheck`, "Private Hosted Zones"): the public
//! checks gen renders cannot reach an internal ALB, so every check fails and
//! every record fails over. (Route 53's private endpoint checks, from a
//! health check source in the VPC, are not what gen renders.)

use super::*;
use crate::spec::checked::Scheme;

pub(super) const LINT: Lint = Lint {
    code: "W001",
    name: "internal-alb",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    cx.plan
        .ingress
        .albs
        .iter()
        .enumerate()
        .filter(|(_, a)| a.scheme == Scheme::Internal && !a.apps.is_empty())
        .map(|(k, a)| {
            Diagnostic::lint(
                &cx.alb_path(k, "scheme"),
                format!(
                    "internal ALB `{}` cannot be reached by Route 53 health checkers",
                    a.name
                ),
            )
            .hint("use internet-facing, or every check of its apps will report unhealthy")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_on_an_internal_alb_only() {
        let internal = QUIET.replace("dns:", "ingress: {scheme: internal}\ndns:");
        let w = of("W001", &internal);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("ingress.scheme"), "{w:?}");
        assert!(of("W001", QUIET).is_empty());
        // Of several ALBs, the internal one is named.
        let w = of("W001", &two_albs("scheme: internal"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("ingress.albs[1].scheme") && w[0].contains("`inner`"),
            "{w:?}"
        );
    }
}
