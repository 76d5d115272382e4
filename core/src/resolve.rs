//! `resolve`: fill what the checked spec leaves out from what `gen discover`
//! found (`gen.lock`), before planning. The spec wins where both give a
//! value; a disagreement is worth a warning.

use crate::diag::Diagnostic;
use crate::spec::checked::Spec;
use crate::spec::lock::{FILE, Lock};

/// Fill each ALB's DNS name the spec leaves out (per Region) from the lock. The spec wins
/// where both give one; a disagreement is worth a warning.
pub fn apply(spec: &mut Spec, lock: &Lock) -> Vec<Diagnostic> {
    let mut notes = Vec::new();
    // Only the zone of this spec's name: a lock written before the zone
    // changed must not point the records at the old one.
    if let Some(z) = &lock.hosted_zone
        && z.name
            .trim_end_matches('.')
            .eq_ignore_ascii_case(spec.zone.trim_end_matches('.'))
    {
        match &spec.zone_id {
            None => spec.zone_id = Some(z.id.clone()),
            Some(given) if *given != z.id => notes.push(
                Diagnostic::new(
                    "dns.zoneId",
                    format!(
                        "`{given}` differs from `{}`, the public zone {} that gen discover found in {FILE}",
                        z.id, spec.zone
                    ),
                )
                .hint("the spec wins; drop dns.zoneId from the spec to use the discovered zone")
                .warning(),
            ),
            Some(_) => {}
        }
    }
    let single = !spec.ingress.grouped;
    for (i, r) in spec.regions.iter_mut().enumerate() {
        for (alb, ra) in spec.ingress.albs.iter().zip(r.albs.iter_mut()) {
            let Some(l) = lock.alb(&r.name, &alb.name, single) else {
                continue;
            };
            let field = if single {
                format!("regions[{i}].albDnsName")
            } else {
                format!("regions[{i}].albs.{}.dnsName", alb.name)
            };
            // What the records aim at, and which API's object made it: the
            // lock's name (from `l.api`'s object), or the name it says the
            // ALB left (from the other's). The old object stays while
            // anything may still aim at it.
            let old = l.previous.as_ref().map(|p| p.api).filter(|a| *a != alb.api);
            let keep = if l.api != alb.api { Some(l.api) } else { old };
            match &ra.dns_name {
                None => {
                    ra.dns_name = Some(l.alb_dns_name.clone());
                    ra.kept = keep;
                }
                Some(given) if *given == l.alb_dns_name => ra.kept = keep,
                Some(given) => {
                    // Pinned to the name the ALB is leaving: its object stays.
                    if l.previous
                        .as_ref()
                        .is_some_and(|p| p.alb_dns_name == *given && p.api != alb.api)
                    {
                        ra.kept = old;
                    }
                    notes.push(
                        Diagnostic::new(
                            &field,
                            format!(
                                "`{given}` differs from `{}` that gen discover found in {FILE} for ALB {}",
                                l.alb_dns_name, alb.name
                            ),
                        )
                        .hint("the spec wins; drop it from the spec to use what the cluster reports")
                        .warning(),
                    );
                }
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::checked::Api;

    const SPEC: &str = "version: 1\nname: t\ndns: {zone: example.com, zoneId: Z1}\ningress: {api: gateway}\nregions:\n  - {name: eu-west-1, cluster: a}\napps:\n  - {name: x, host: x.example.com, image: i, health: {path: /x}}\n";
    const OLD: &str = "t-1.eu-west-1.elb.amazonaws.com";
    const NEW: &str = "t-gw-2.eu-west-1.elb.amazonaws.com";

    fn lock(api: &str, dns: &str, previous: Option<(&str, &str)>) -> Lock {
        let previous = previous
            .map(|(a, d)| format!("        previous: {{api: {a}, albDnsName: {d}}}\n"))
            .unwrap_or_default();
        crate::spec::lock::parse(
            &format!("version: 2\nregions:\n  eu-west-1:\n    albs:\n      t:\n        albDnsName: {dns}\n        albZoneId: Z32O12XQLNTSW2\n        resolvedAt: 2026-12-01T00:00:00Z\n        api: {api}\n{previous}"),
            "gen.lock",
        )
        .unwrap()
    }

    /// (the name the records aim at, the old object kept) for `stated` in
    /// the spec and `lock`.
    fn resolved(stated: Option<&str>, lock: &Lock) -> (Option<String>, Option<Api>) {
        let text = match stated {
            Some(d) => SPEC.replace("cluster: a}", &format!("cluster: a, albDnsName: {d}}}")),
            None => SPEC.to_string(),
        };
        let mut spec = crate::test_support::spec_of(&text);
        apply(&mut spec, lock);
        let ra = &spec.regions[0].albs[0];
        (ra.dns_name.clone(), ra.kept)
    }

    #[test]
    fn the_object_an_alb_leaves_stays_while_the_records_may_aim_at_it() {
        // Before discover finds the Gateway: the Ingress's name, the Ingress kept.
        let before = lock("ingress", OLD, None);
        assert_eq!(
            resolved(None, &before),
            (Some(OLD.into()), Some(Api::Ingress))
        );
        // The spec stating the same name changes nothing.
        assert_eq!(
            resolved(Some(OLD), &before),
            (Some(OLD.into()), Some(Api::Ingress))
        );
        // Discovered: the Gateway's name, the Ingress kept until deploy forgets it.
        let moving = lock("gateway", NEW, Some(("ingress", OLD)));
        assert_eq!(
            resolved(None, &moving),
            (Some(NEW.into()), Some(Api::Ingress))
        );
        // Pinned back to the Ingress's name mid-move: the Ingress stays.
        assert_eq!(
            resolved(Some(OLD), &moving),
            (Some(OLD.into()), Some(Api::Ingress))
        );
        // Done: nothing kept.
        let done = lock("gateway", NEW, None);
        assert_eq!(resolved(None, &done), (Some(NEW.into()), None));
        // A name of the spec's own that the lock does not know: the spec's
        // business, nothing kept.
        let other = "t-9.eu-west-1.elb.amazonaws.com";
        assert_eq!(resolved(Some(other), &moving), (Some(other.into()), None));
    }
}
