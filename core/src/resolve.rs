//! `resolve`: fill what the checked spec leaves out from what `gen discover`
//! found (`gen.lock`), before planning. The spec wins where both give a
//! value; a disagreement is worth a warning.

use crate::diag::Diagnostic;
use crate::facts::gateway::{AWS_LBC, EKS_AUTO_CONTROLLER_DOMAIN, PARAMS_KINDS};
use crate::spec::checked::{Api, AutoGateway, Controller, Spec};
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
        let region = r.name.clone();
        for (alb, ra) in spec.ingress.albs.iter().zip(r.single_mut().albs.iter_mut()) {
            let Some(l) = lock.alb(&region, &alb.name, single) else {
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
    notes.extend(auto_gateway_of(spec, lock));
    notes
}

/// EKS Auto Mode's Gateway controller from the lock, when the spec's
/// Gateways are Auto Mode's; without it, a warning that `render` will
/// refuse (it never guesses names no AWS page states).
fn auto_gateway_of(spec: &mut Spec, lock: &Lock) -> Option<Diagnostic> {
    if spec.ingress.controller != Controller::EksAuto {
        return None;
    }
    if let Some(g) = &lock.gateway {
        spec.ingress.auto_gateway = Some(AutoGateway {
            controller_name: g.controller_name.clone(),
            params_api_version: g.params_api_version.clone(),
        });
        return None;
    }
    let k = spec.ingress.albs.iter().position(|a| a.api == Api::Gateway);
    let kept = spec
        .regions
        .iter()
        .flat_map(|r| &r.clusters)
        .any(|c| c.albs.iter().any(|x| x.kept == Some(Api::Gateway)));
    let field = match k {
        Some(k) => spec.ingress.alb_field(k, "api"),
        None if kept => "ingress.controller".to_string(),
        None => return None,
    };
    Some(
        Diagnostic::new(
            &field,
            format!(
                "EKS Auto Mode's Gateway controller is not recorded in {FILE}: no AWS page states its GatewayClass controllerName or the API of its LoadBalancerConfiguration, so gen render refuses to guess them"
            ),
        )
        .hint("turn on the Gateway API of the clusters' load balancing (elasticLoadBalancing.gatewayApi), apply a GatewayClass of Auto Mode's ALB controller, then run `gen discover`: it reads both from the clusters into gen.lock")
        .warning(),
    )
}

/// A GatewayClass as a cluster reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRead {
    pub name: String,
    pub controller_name: String,
    /// Its `Accepted` condition is True: a controller of that name runs.
    pub accepted: bool,
}

/// A kind a cluster serves, in its group's preferred version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub group: String,
    pub version: String,
    pub kind: String,
}

/// Why a cluster's Auto Mode Gateway controller could not be read, and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub detail: String,
    pub hint: String,
}

/// EKS Auto Mode's Gateway controller as one cluster serves it: the
/// controller of its Accepted GatewayClasses in Auto Mode's domain whose
/// name says `alb` (the other is its NLB's), and the one group besides the
/// self-managed controller's that serves both parameter kinds
/// (`facts::gateway`). Anything else (none, or several) is said, never
/// chosen.
pub fn auto_gateway(classes: &[ClassRead], served: &[Served]) -> Result<AutoGateway, Unread> {
    let mut apis: Vec<String> = served
        .iter()
        .filter(|s| s.kind == PARAMS_KINDS[0] && s.group != AWS_LBC.params_group)
        .filter(|s| {
            served
                .iter()
                .any(|t| t.kind == PARAMS_KINDS[1] && t.group == s.group && t.version == s.version)
        })
        .map(|s| format!("{}/{}", s.group, s.version))
        .collect();
    apis.sort();
    apis.dedup();
    let params_api_version = match apis.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(Unread {
                detail: format!(
                    "the cluster serves no {} and {} outside {}",
                    PARAMS_KINDS[0], PARAMS_KINDS[1], AWS_LBC.params_group
                ),
                hint: "turn on the Gateway API of the cluster's load balancing (elasticLoadBalancing.gatewayApi, EKS Auto Mode); `kubectl api-resources | grep -i configuration` shows what it serves".into(),
            });
        }
        many => {
            return Err(Unread {
                detail: format!(
                    "several groups serve {} and {}: {}",
                    PARAMS_KINDS[0],
                    PARAMS_KINDS[1],
                    many.join(", ")
                ),
                hint:
                    "gen cannot tell which is Auto Mode's; remove the CRDs the cluster does not use"
                        .into(),
            });
        }
    };
    let mut names: Vec<&str> = classes
        .iter()
        .filter(|c| c.accepted)
        .map(|c| c.controller_name.as_str())
        .filter(|n| {
            n.strip_prefix(EKS_AUTO_CONTROLLER_DOMAIN)
                .is_some_and(|rest| rest.contains("alb"))
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    let controller_name = match names.as_slice() {
        [one] => one.to_string(),
        [] => {
            let seen: Vec<String> = classes
                .iter()
                .map(|c| {
                    format!(
                        "{} ({}{})",
                        c.name,
                        c.controller_name,
                        if c.accepted { "" } else { ", not Accepted" }
                    )
                })
                .collect();
            return Err(Unread {
                detail: format!(
                    "no Accepted GatewayClass of EKS Auto Mode's ALB controller ({EKS_AUTO_CONTROLLER_DOMAIN}…alb…); the cluster has {}",
                    if seen.is_empty() {
                        "none".to_string()
                    } else {
                        seen.join(", ")
                    }
                ),
                hint: "apply the GatewayClass of the EKS user guide's \"Configure the Kubernetes Gateway API in EKS Auto Mode\", then run gen discover again once `kubectl get gatewayclass` shows it ACCEPTED True".into(),
            });
        }
        many => {
            return Err(Unread {
                detail: format!(
                    "Accepted GatewayClasses name several Auto Mode ALB controllers: {}",
                    many.join(", ")
                ),
                hint: "gen cannot tell which serves ALBs; delete the GatewayClasses of the others"
                    .into(),
            });
        }
    };
    Ok(AutoGateway {
        controller_name,
        params_api_version,
    })
}

/// What the clusters' reads (in Region order) come to: the controller they
/// all show, when every one that was read agrees, and each Region that
/// could not be read or disagrees (by index) with why and what to do.
/// One that disagrees records nothing: the lock keeps what it held.
pub fn agreed<'a>(
    reads: impl IntoIterator<Item = &'a Result<AutoGateway, Unread>>,
) -> (Option<&'a AutoGateway>, Vec<(usize, Unread)>) {
    let mut agreed: Option<&AutoGateway> = None;
    let mut problems = Vec::new();
    for (i, read) in reads.into_iter().enumerate() {
        match read {
            Err(u) => problems.push((i, u.clone())),
            Ok(g) if agreed.is_none_or(|a| a == g) => agreed = agreed.or(Some(g)),
            Ok(g) => {
                let a = agreed.take().unwrap_or(g);
                problems.push((
                    i,
                    Unread {
                        detail: format!(
                            "{} with {} differs from {} with {} of an earlier Region; gen.lock keeps what it held",
                            g.controller_name, g.params_api_version, a.controller_name, a.params_api_version
                        ),
                        hint: "make the clusters serve the same Gateway API (the same Auto Mode setting and GatewayClass), then run gen discover again".into(),
                    },
                ));
                return (None, problems);
            }
        }
    }
    (agreed, problems)
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
        let ra = &spec.regions[0].single().albs[0];
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

    fn class(name: &str, controller: &str, accepted: bool) -> ClassRead {
        ClassRead {
            name: name.into(),
            controller_name: controller.into(),
            accepted,
        }
    }

    fn served(group: &str, version: &str, kinds: &[&str]) -> Vec<Served> {
        kinds
            .iter()
            .map(|k| Served {
                group: group.into(),
                version: version.into(),
                kind: k.to_string(),
            })
            .collect()
    }

    #[test]
    fn auto_modes_gateway_controller_is_read_only_where_the_cluster_is_unambiguous() {
        let classes = [
            class("alb", "eks.amazonaws.com/gateway-alb", true),
            class("nlb", "eks.amazonaws.com/gateway-nlb", true),
            // The self-managed controller's, and one nothing runs.
            class("lbc", "gateway.k8s.aws/alb", true),
            class("old", "eks.amazonaws.com/other-alb", false),
        ];
        let both = PARAMS_KINDS;
        let mut api = served("gateway.k8s.aws", "v1", &both);
        api.extend(served("gateway.eks.amazonaws.com", "v1", &both));
        assert_eq!(
            auto_gateway(&classes, &api),
            Ok(AutoGateway {
                controller_name: "eks.amazonaws.com/gateway-alb".into(),
                params_api_version: "gateway.eks.amazonaws.com/v1".into(),
            })
        );
        // Gateway API off: only the self-managed controller's kinds.
        let off = auto_gateway(&classes, &served("gateway.k8s.aws", "v1", &both)).unwrap_err();
        assert!(off.detail.contains("serves no"), "{off:?}");
        assert!(
            off.hint.contains("elasticLoadBalancing.gatewayApi"),
            "{off:?}"
        );
        // One kind alone is not the parameter API.
        let half = served("gateway.eks.amazonaws.com", "v1", &both[..1]);
        assert!(auto_gateway(&classes, &half).is_err());
        // Two groups: not chosen.
        let mut two = api.clone();
        two.extend(served("eks.amazonaws.com", "v1", &both));
        let e = auto_gateway(&classes, &two).unwrap_err();
        assert!(e.detail.contains("several groups"), "{e:?}");
        // No Accepted class of Auto Mode's ALB controller: the classes seen are named.
        let e = auto_gateway(&classes[1..], &api).unwrap_err();
        assert!(
            e.detail
                .contains("old (eks.amazonaws.com/other-alb, not Accepted)"),
            "{e:?}"
        );
        // Two ALB controllers Accepted: not chosen.
        let mut more = classes.to_vec();
        more.push(class("beta", "eks.amazonaws.com/gateway-alb-beta", true));
        assert!(auto_gateway(&more, &api).is_err());
    }

    #[test]
    fn the_clusters_must_agree_for_anything_to_be_recorded() {
        let g = |v: &str| AutoGateway {
            controller_name: "eks.amazonaws.com/gateway-alb".into(),
            params_api_version: format!("gateway.eks.amazonaws.com/{v}"),
        };
        let unread = Unread {
            detail: "unreachable".into(),
            hint: String::new(),
        };
        let reads = [Ok(g("v1")), Err(unread.clone()), Ok(g("v1"))];
        let (a, problems) = agreed(&reads);
        assert_eq!(a, Some(&g("v1")));
        assert_eq!(problems, [(1, unread.clone())]);
        let two = [Ok(g("v1")), Ok(g("v1beta1"))];
        let (a, problems) = agreed(&two);
        assert_eq!(a, None);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].1.detail.contains("differs from"),
            "{problems:?}"
        );
        assert_eq!(agreed(&[Err(unread)]).0, None);
    }

    #[test]
    fn an_auto_mode_gateway_takes_its_controller_from_the_lock_or_is_warned_of() {
        let auto = SPEC.replace("{api: gateway}", "{api: gateway, controller: eks-auto}");
        let recorded = crate::spec::lock::parse(
            "version: 2\ngateway:\n  controllerName: eks.amazonaws.com/gateway-alb\n  paramsApiVersion: gateway.eks.amazonaws.com/v1\n  resolvedAt: 2026-12-01T00:00:00Z\n",
            "gen.lock",
        )
        .unwrap();
        let mut spec = crate::test_support::spec_of(&auto);
        assert!(apply(&mut spec, &recorded).is_empty());
        assert_eq!(
            spec.ingress.auto_gateway.map(|g| g.params_api_version),
            Some("gateway.eks.amazonaws.com/v1".into())
        );
        let mut spec = crate::test_support::spec_of(&auto);
        let w = apply(&mut spec, &crate::spec::lock::empty());
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].path, "ingress.api");
        assert!(w[0].message.contains("refuses to guess"), "{w:?}");
        assert!(spec.ingress.auto_gateway.is_none());
        // The self-managed controller's names are documented: no lock needed.
        let lbc = SPEC.replace("{api: gateway}", "{api: gateway, controller: aws-lbc}");
        let mut spec = crate::test_support::spec_of(&lbc);
        assert!(apply(&mut spec, &recorded).is_empty());
        assert!(spec.ingress.auto_gateway.is_none());
    }
}
