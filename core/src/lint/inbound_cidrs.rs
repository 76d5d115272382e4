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
    let mut out = Vec::new();
    for (k, a) in cx.spec.ingress.albs.iter().enumerate() {
        let cidrs = &a.inbound_cidrs;
        if cidrs.is_empty() || cidrs.iter().any(|c| c == "0.0.0.0/0") {
            continue;
        }
        out.push(Diagnostic::lint(&cx.alb_path(k, "inboundCidrs"),
            format!("ALB `{}` accepts only these CIDRs, and Route 53's health checkers connect from their own ranges", a.name),
        )
        .hint("add the ROUTE53_HEALTHCHECKS ranges of AWS's ip-ranges.json for every checker Region, or every check (and so every record) turns unhealthy"));
    }
    out
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
        let w = of("W002", &two_albs("inboundCidrs: [203.0.113.0/24]"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("ingress.albs[1].inboundCidrs"), "{w:?}");
    }
}
