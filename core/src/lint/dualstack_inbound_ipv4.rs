//! W019: a dual-stack ALB whose `inboundCidrs` hold no IPv6 range.
//!
//! Its apps get AAAA records, so IPv6 clients are sent to it, and the
//! controller opens the ALB's security group to the CIDRs given only
//! ("inbound-cidrs … defaults to 0.0.0.0/0 and ::/0 if ip-address-type is
//! dualstack", AWS Load Balancer Controller, Ingress annotations): an
//! IPv4-only list refuses every IPv6 client the AAAA records invite.

use super::*;
use crate::spec::checked::IpAddressType;

pub(super) const LINT: Lint = Lint {
    code: "W019",
    name: "dualstack-inbound-ipv4",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let ing = &cx.spec.ingress;
    ing.albs
        .iter()
        .enumerate()
        .filter(|(_, a)| a.ip_address_type == IpAddressType::Dualstack)
        .filter(|(_, a)| !a.inbound_cidrs.is_empty() && !a.inbound_cidrs.iter().any(|c| c.contains(':')))
        .filter(|(k, _)| {
            cx.spec
                .apps
                .iter()
                .any(|app| app.alb == *k && app.record_types.contains(&"AAAA"))
        })
        .map(|(k, a)| {
            Diagnostic::lint(
                &cx.alb_path(k, "inboundCidrs"),
                format!(
                    "ALB {} is dual-stack and its apps have AAAA records, but it accepts IPv4 ranges only: IPv6 clients are refused",
                    a.name
                ),
            )
            .hint("add the IPv6 ranges to accept (`::/0` for anywhere), or give its apps recordTypes: [A]")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_on_ipv4_ranges_of_a_dual_stack_alb_with_aaaa_records() {
        let dual = QUIET.replace(
            "dns:",
            "ingress: {ipAddressType: dualstack, inboundCidrs: [203.0.113.0/24]}\ndns:",
        );
        let w = of("W019", &dual);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("ingress.inboundCidrs"), "{w:?}");
        assert!(
            of(
                "W019",
                &dual.replace("203.0.113.0/24]", "203.0.113.0/24, '2001:db8::/32']")
            )
            .is_empty()
        );
        assert!(of("W019", QUIET).is_empty());
    }
}
