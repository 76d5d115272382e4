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
            match &ra.dns_name {
                None => {
                    ra.dns_name = Some(l.alb_dns_name.clone());
                    // The records keep aiming at what the lock found until
                    // `gen discover` finds the new API's load balancer; the
                    // old object stays while anything may still aim at it.
                    ra.kept = if l.api != alb.api {
                        Some(l.api)
                    } else {
                        l.previous.as_ref().map(|p| p.api).filter(|a| *a != alb.api)
                    };
                }
                Some(given) if *given != l.alb_dns_name => notes.push(
                    Diagnostic::new(
                        &field,
                        format!(
                            "`{given}` differs from `{}` that gen discover found in {FILE} for ALB {}",
                            l.alb_dns_name, alb.name
                        ),
                    )
                    .hint("the spec wins; drop it from the spec to use what the cluster reports")
                    .warning(),
                ),
                Some(_) => {}
            }
        }
    }
    notes
}
