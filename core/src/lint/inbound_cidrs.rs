//! W002: inbound CIDRs that leave out Route 53's health checkers.
//!
//! The checkers connect from the `ROUTE53_HEALTHCHECKS` ranges of AWS's
//! ip-ranges.json ("IP address ranges of Amazon Route 53 servers", Route 53
//! Developer Guide); an ALB that accepts only other CIDRs fails every check.

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W002",
    name: "inbound-cidrs",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let cidrs = &cx.spec.ingress.inbound_cidrs;
    if cidrs.is_empty() || cidrs.iter().any(|c| c == "0.0.0.0/0") {
        return Vec::new();
    }
    vec![Diagnostic::lint("ingress.inboundCidrs",
        "the ALB accepts only these CIDRs, and Route 53's health checkers connect from their own ranges",
    )
    .hint("add the ROUTE53_HEALTHCHECKS ranges of AWS's ip-ranges.json for every checker Region, or every check (and so every record) turns unhealthy")]
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_unless_anywhere_is_allowed() {
        let narrow = QUIET.replace("dns:", "ingress: {inboundCidrs: [203.0.113.0/24]}\ndns:");
        assert_eq!(of("W002", &narrow).len(), 1);
        let open = QUIET.replace(
            "dns:",
            "ingress: {inboundCidrs: [203.0.113.0/24, 0.0.0.0/0]}\ndns:",
        );
        assert!(of("W002", &open).is_empty());
    }
}
