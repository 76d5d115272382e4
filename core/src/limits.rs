//! `limits`: the AWS quotas a plan must fit to deploy, counted on the plan
//! itself (the rules, target groups and certificates each ALB's Ingress
//! will get in each Region), so the count is what `render` writes. Errors:
//! a spec over a quota renders nothing, and the error names the ALB and its
//! apps. The quotas are `facts::quotas`' defaults, or raised ones the spec
//! states under `ingress.quotas` (`spec::checked::Quotas`).

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::facts::quotas::{
    ALB_CERTIFICATES, ALB_RULES, ALB_TARGET_GROUPS, ALB_TARGETS, ALBS_PER_REGION, AlbQuota,
    STACK_OUTPUTS, TARGET_GROUPS_PER_REGION, TEMPLATE_PARAMETERS,
};
use crate::model::Plan;
use crate::spec::checked::Spec;

/// How far over a quota, and where.
struct Over<'a> {
    quota: &'static AlbQuota,
    most: usize,
    limit: usize,
    regions: Vec<&'a str>,
}

/// Every quota the plan is over, once per ALB and quota (with the Regions).
pub fn check(spec: &Spec, plan: &Plan) -> Vec<Diagnostic> {
    let q = &spec.ingress.quotas;
    // (ALB index, or None for the Region's own quotas; quota name) → how far over.
    let mut over: BTreeMap<(Option<usize>, &'static str), Over<'_>> = BTreeMap::new();
    let mut add = |alb: Option<usize>, quota: &'static AlbQuota, n: usize, limit: usize, region| {
        if n > limit {
            let e = over.entry((alb, quota.name)).or_insert(Over {
                quota,
                most: 0,
                limit,
                regions: Vec::new(),
            });
            e.most = e.most.max(n);
            e.regions.push(region);
        }
    };
    // Per Region, over its clusters (a Region may have several).
    let mut per_region: Vec<(&str, usize, usize)> = Vec::new();
    for c in &plan.clusters {
        // While an ALB moves from one API to the other, both objects have
        // a load balancer with its own target groups.
        let mut groups = 0;
        let mut lbs = 0;
        // Each Service's pods in this cluster (the app's Deployment).
        let replicas: std::collections::HashMap<&str, usize> = c
            .workloads
            .iter()
            .map(|w| (w.app.as_str(), w.replicas as usize))
            .collect();
        for i in &c.ingresses {
            lbs += i.objects.len();
            let alb = &plan.ingress.albs[i.alb];
            add(
                Some(i.alb),
                &ALB_RULES,
                i.rules(alb),
                q.rules_per_alb,
                &c.region,
            );
            // Each object's load balancer has its own target groups.
            let per_object: Vec<usize> =
                i.objects.iter().map(|api| i.target_groups(*api)).collect();
            let tgs = per_object.iter().copied().max().unwrap_or(0);
            groups += per_object.iter().sum::<usize>();
            add(
                Some(i.alb),
                &ALB_TARGET_GROUPS,
                tgs,
                q.target_groups_per_alb,
                &c.region,
            );
            // IP targets: each pod of a Service, once per target group
            // routing to it (a Gateway's app has two).
            let replicas = |service: &str| replicas.get(service).copied().unwrap_or(0);
            let targets = i
                .objects
                .iter()
                .map(|api| {
                    i.target_group_services(*api)
                        .into_iter()
                        .map(replicas)
                        .sum::<usize>()
                })
                .max()
                .unwrap_or(0);
            add(
                Some(i.alb),
                &ALB_TARGETS,
                targets,
                q.targets_per_alb,
                &c.region,
            );
            add(
                Some(i.alb),
                &ALB_CERTIFICATES,
                i.extra_certificates,
                q.certificates_per_alb,
                &c.region,
            );
        }
        match per_region.iter_mut().find(|(r, _, _)| *r == c.region) {
            Some(x) => {
                x.1 += lbs;
                x.2 += groups;
            }
            None => per_region.push((&c.region, lbs, groups)),
        }
    }
    for (region, lbs, groups) in per_region {
        add(None, &ALBS_PER_REGION, lbs, q.albs_per_region, region);
        add(
            None,
            &TARGET_GROUPS_PER_REGION,
            groups,
            q.target_groups_per_region,
            region,
        );
    }
    let mut out: Vec<Diagnostic> = over
        .into_iter()
        .map(|((alb, _), o)| diagnostic(spec, plan, alb, &o))
        .collect();
    // An alarm stack takes one parameter per check of its DNS stack, which
    // outputs each check's ID beside its template digest.
    for a in plan.rollout.iter().flat_map(|r| &r.alarm_stacks) {
        if a.inputs.len() > TEMPLATE_PARAMETERS.min(STACK_OUTPUTS - 1) {
            let group = a.name.rsplit_once("-alarms-").map_or("", |(_, g)| g);
            let i = spec.apps.iter().position(|x| x.stack == group).unwrap_or(0);
            out.push(
                Diagnostic::new(
                    &format!("apps[{i}].stack"),
                    format!(
                        "stack {} would take {} health-check IDs, and a template declares at most {TEMPLATE_PARAMETERS} parameters and {STACK_OUTPUTS} outputs, one of them gen's digest (CloudFormation quotas)",
                        a.name,
                        a.inputs.len()
                    ),
                )
                .hint(format!("split stack group `{group}` (apps[].stack): each group gets its own DNS and alarm stacks")),
            );
        }
    }
    out
}

fn diagnostic(spec: &Spec, plan: &Plan, alb: Option<usize>, o: &Over<'_>) -> Diagnostic {
    let (quota, most, limit, regions) = (o.quota, o.most, o.limit, &o.regions);
    let what = quota.counts;
    let raised = limit != quota.default;
    let limit_words = if raised {
        format!("the quota this spec states is {limit}")
    } else {
        format!("the quota is {limit}")
    };
    let ask = match quota.field {
        Some(field) if quota.adjustable => format!(
            "ask AWS for a higher \"{}\" quota in {} and state it as ingress.quotas.{field}",
            quota.name,
            regions.join(", ")
        ),
        _ => format!("\"{}\" cannot be raised", quota.name),
    };
    match alb {
        Some(k) => {
            let a = &plan.ingress.albs[k];
            let shown: Vec<&str> = a.apps.iter().take(8).map(String::as_str).collect();
            let more = match a.apps.len().saturating_sub(shown.len()) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            let path = if spec.ingress.grouped {
                format!("ingress.albs[{k}]")
            } else if quota.name == ALB_CERTIFICATES.name {
                "regions".to_string()
            } else {
                "apps".to_string()
            };
            let fix = if quota.name == ALB_CERTIFICATES.name {
                "list fewer certificates for it".to_string()
            } else if spec.ingress.grouped {
                "move some of its apps to another ALB (apps[].alb), or add one to ingress.albs"
                    .to_string()
            } else {
                "list several ALBs in ingress.albs and give some apps another (apps[].alb)"
                    .to_string()
            };
            Diagnostic::new(
                &path,
                format!(
                    "ALB `{}` needs {most} {what} in {}; {limit_words} (\"{}\"). Its {} apps: {}{more}",
                    a.name,
                    regions.join(", "),
                    quota.name,
                    a.apps.len(),
                    shown.join(", "),
                ),
            )
            .hint(format!("{fix}; or {ask}"))
        }
        None => Diagnostic::new(
            if spec.ingress.grouped {
                "ingress.albs"
            } else {
                "apps"
            },
            format!(
                "the spec needs {most} {what} in {}; {limit_words} (\"{}\")",
                regions.join(", "),
                quota.name
            ),
        )
        .hint(if quota.name == ALBS_PER_REGION.name {
            format!("put more apps on each ALB; or {ask}")
        } else {
            ask
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::spec_of;

    /// `n` apps over the ALBs `albs` (app i on ALB i % albs), in two Regions.
    fn spec(n: usize, albs: usize, ingress_extra: &str) -> String {
        let names: Vec<String> = (0..albs).map(|k| format!("{{name: alb{k}}}")).collect();
        let mut s = format!(
            "version: 1\nname: t\ndns: {{zone: example.com, zoneId: Z1}}\ningress:\n  albs: [{}]\n{ingress_extra}regions:\n  - {{name: eu-west-1, cluster: a}}\n  - {{name: us-east-1, cluster: b}}\napps:\n",
            names.join(", ")
        );
        for i in 0..n {
            s.push_str(&format!(
                "  - {{name: a{i}, host: a{i}.example.com, image: img, health: {{path: /a{i}}}, alb: alb{}}}\n",
                i % albs
            ));
        }
        s
    }

    fn errors(text: &str) -> Vec<String> {
        let spec = spec_of(text);
        let plan = crate::model::plan(&spec, "");
        check(&spec, &plan)
            .iter()
            .map(|d| d.display("gen.yaml").to_string())
            .collect()
    }

    #[test]
    fn a_gateway_gives_each_app_two_target_groups_an_ingress_one() {
        use crate::spec::checked::Api;
        let text = spec(3, 1, "");
        let plan = crate::model::plan(&spec_of(&text), "");
        let i = &plan.clusters[0].ingresses[0];
        assert_eq!(i.target_groups(Api::Ingress), 3);
        let gw = text.replace("{name: alb0}", "{name: alb0, api: gateway}");
        let plan = crate::model::plan(&spec_of(&gw), "");
        let i = &plan.clusters[0].ingresses[0];
        assert_eq!(i.objects, [Api::Gateway]);
        // Its own HTTPRoute and the health route: two per app.
        assert_eq!(i.target_groups(Api::Gateway), 6);
        // 51 apps with the rule quota raised: an Ingress's 51 target groups
        // fit the 100, a Gateway's 102 do not.
        let raised = spec(51, 1, "  quotas: {rulesPerAlb: 200}\n");
        assert!(errors(&raised).is_empty(), "{:?}", errors(&raised));
        let e = errors(&raised.replace("{name: alb0}", "{name: alb0, api: gateway}"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("102 target groups"), "{e:?}");
    }

    #[test]
    fn each_pod_is_a_target_once_per_target_group() {
        // 30 apps of 20 pods on one ALB: 600 targets behind an Ingress,
        // 1,200 behind a Gateway (two target groups an app), over the 1,000.
        let text = spec(30, 1, "").replace("image: img,", "image: img, replicas: 20,");
        assert!(errors(&text).is_empty(), "{:?}", errors(&text));
        let gw = text.replace("{name: alb0}", "{name: alb0, api: gateway}");
        let e = errors(&gw);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("needs 1200 targets (pods, once per target group)")
                && e[0].contains("Targets per Application Load Balancer"),
            "{e:?}"
        );
        let raised = gw.replace("ingress:\n", "ingress:\n  quotas: {targetsPerAlb: 1500}\n");
        assert!(errors(&raised).is_empty(), "{:?}", errors(&raised));
    }

    #[test]
    fn an_alarm_stack_over_the_template_parameters_is_named_with_its_group() {
        // 101 apps in one stack group, two Regions: 202 checks for one
        // alarm stack (on two ALBs, under their rule quota).
        let text = spec(101, 3, "")
            .replace("image: img,", "image: img, stack: all,")
            .replace(
                "apps:\n",
                "rollout: {source: {url: ssh://git@example.com/r.git}}\napps:\n",
            );
        let e = errors(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("t-alarms-all would take 202 health-check IDs")
                && e[0].contains("split stack group `all`"),
            "{e:?}"
        );
        // Without the rollout, no alarm stack: nothing to say.
        let plain = text.replace(
            "rollout: {source: {url: ssh://git@example.com/r.git}}\n",
            "",
        );
        assert!(errors(&plain).is_empty(), "{:?}", errors(&plain));
    }

    #[test]
    fn an_alb_over_its_rules_is_named_with_its_apps() {
        // 50 apps: 100 rules (host and health rule each), the quota exactly.
        assert_eq!(errors(&spec(50, 1, "")), Vec::<String>::new());
        let e = errors(&spec(51, 1, ""));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("ingress.albs[0]")
                && e[0].contains("ALB `alb0` needs 102 listener rules in eu-west-1, us-east-1")
                && e[0].contains("Its 51 apps: a0, a1")
                && e[0].contains("and 43 more"),
            "{e:?}"
        );
        // Over two ALBs, 51 apps fit.
        assert_eq!(errors(&spec(51, 2, "")), Vec::<String>::new());
        // A raised quota the spec states is honoured, and named when over.
        let raised = "  quotas: {rulesPerAlb: 200}\n";
        assert_eq!(errors(&spec(100, 1, raised)), Vec::<String>::new());
        let e = errors(&spec(101, 1, raised));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("the quota this spec states is 200"), "{e:?}");
    }

    #[test]
    fn target_groups_per_alb_cannot_be_raised() {
        let raised = "  quotas: {rulesPerAlb: 1000}\n";
        let e = errors(&spec(101, 1, raised));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("needs 101 target groups")
                && e[0].contains("cannot be raised")
                && e[0].contains("move some of its apps to another ALB"),
            "{e:?}"
        );
    }

    #[test]
    fn regions_count_their_albs_and_target_groups() {
        let e = errors(&spec(51, 51, ""));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("needs 51 ALBs") && e[0].contains("albsPerRegion"),
            "{e:?}"
        );
        assert_eq!(
            errors(&spec(51, 51, "  quotas: {albsPerRegion: 60}\n")),
            Vec::<String>::new()
        );
        let many = "  quotas: {albsPerRegion: 100, rulesPerAlb: 200}\n";
        let e = errors(&spec(3001, 31, many));
        assert!(
            e.iter()
                .any(|e| e.contains("needs 3001 target groups in eu-west-1, us-east-1")),
            "{e:?}"
        );
    }

    /// An ALB moving to a Gateway has two load balancers in a Region until
    /// the move is done: both count.
    #[test]
    fn an_alb_between_two_apis_counts_twice_in_its_region() {
        let text = spec(50, 50, "  api: gateway\n");
        let spec = spec_of(&text);
        let none = check(&spec, &crate::model::plan(&spec, ""));
        assert!(none.is_empty(), "{none:?}");
        let spec = crate::test_support::spec_with_lock(
            &text,
            "version: 2\nregions:\n  eu-west-1:\n    albs:\n      alb0:\n        albDnsName: old.eu-west-1.elb.amazonaws.com\n        albZoneId: Z32O12XQLNTSW2\n        resolvedAt: 2026-12-01T00:00:00Z\n",
        );
        let e: Vec<String> = check(&spec, &crate::model::plan(&spec, ""))
            .iter()
            .map(|d| d.display("gen.yaml").to_string())
            .collect();
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("needs 51 ALBs in eu-west-1"), "{e:?}");
    }

    #[test]
    fn certificates_beside_the_default_count() {
        let certs = |n: usize, region: &str| {
            let list: Vec<String> = (0..n)
                .map(|i| format!("arn:aws:acm:{region}:123456789012:certificate/c{i}"))
                .collect();
            format!("{{alb0: {{certificateArns: [{}]}}}}", list.join(", "))
        };
        let text = |n: usize| {
            spec(2, 1, "")
                .replace(
                    "cluster: a}",
                    &format!("cluster: a, albs: {}}}", certs(n, "eu-west-1")),
                )
                .replace(
                    "cluster: b}",
                    &format!("cluster: b, albs: {}}}", certs(1, "us-east-1")),
                )
        };
        assert_eq!(errors(&text(26)), Vec::<String>::new());
        let e = errors(&text(27));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("needs 26 certificates beside the default one in eu-west-1"),
            "{e:?}"
        );
    }
}
