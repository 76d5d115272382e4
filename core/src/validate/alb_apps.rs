//! Each app on its ALB (the one it names, or the default), and what a
//! Gateway's HTTPRoutes cannot hold.

use super::*;

impl Validator {
    /// Each app's ALB: the one it names, or the default.
    pub(super) fn app_albs(&mut self, raw: &RawSpec, ingress: &Ingress, apps: &mut [App]) {
        let mut unknown = false;
        for (i, (a, app)) in raw.apps.iter().flatten().zip(apps.iter_mut()).enumerate() {
            app.alb = match &a.alb {
                None => ingress.default_alb,
                Some(n) => match ingress.alb_index(n) {
                    Some(k) => k,
                    None => {
                        unknown = true;
                        self.err(
                            &format!("apps[{i}].alb"),
                            format!("no ALB named `{n}`"),
                            format!(
                                "allowed: {}{}",
                                names_of(&ingress.albs),
                                if ingress.grouped {
                                    ""
                                } else {
                                    " (list several in ingress.albs)"
                                }
                            ),
                        );
                        ingress.default_alb
                    }
                },
            };
            app.record_types = self.record_types(i, a, app.alb, ingress);
        }
        // An ALB without apps would be an Ingress without rules: say so
        // rather than render a load balancer that serves nothing.
        for (k, alb) in ingress.albs.iter().enumerate() {
            if ingress.grouped && !unknown && !apps.is_empty() && !apps.iter().any(|a| a.alb == k) {
                self.err(
                    &format!("ingress.albs[{k}]"),
                    format!("ALB `{}` carries no app", alb.name),
                    "give it apps (apps[].alb), or remove it from ingress.albs",
                );
            }
        }
    }
}

impl Validator {
    /// What an HTTPRoute cannot hold. JSON Schema checks of the CRD skip
    /// its CEL rules, so they are enforced here: each path match "must not
    /// contain '//'", "'/./'", "'/../'", and "must not end with '/..'" or
    /// "'/.'" (`HTTPRoute` v1, `spec.rules[].matches[].path`,
    /// x-kubernetes-validations, Gateway API v1.6.1 standard CRDs). A
    /// Gateway's load balancer name must also be free: no ALB may be named
    /// like another's `-gw`.
    pub(super) fn gateway_routes(&mut self, apps: &[App], ingress: &Ingress) {
        for (i, a) in apps.iter().enumerate() {
            let alb = &ingress.albs[a.alb];
            if alb.api != Api::Gateway {
                continue;
            }
            let path = &a.health.path;
            let bad = ["//", "/./", "/../"]
                .into_iter()
                .find(|s| path.contains(s))
                .map(|s| format!("contains `{s}`"))
                .or_else(|| {
                    ["/..", "/."]
                        .into_iter()
                        .find(|s| path.ends_with(s))
                        .map(|s| format!("ends with `{s}`"))
                });
            if let Some(why) = bad {
                self.err(
                    &format!("apps[{i}].health.path"),
                    format!(
                        "`{path}` {why}, which an HTTPRoute path match refuses (ALB `{}` is made by a Gateway)",
                        alb.name
                    ),
                    "use a plain path such as /app1health (no empty, `.` or `..` segments)",
                );
            }
        }
        // Each app's HTTPRoute is named after it, beside the ALB's health
        // routes: an app may not take one of their names.
        // All of them share the namespace, whichever Gateway they attach to.
        let health_routes: Vec<(String, &str)> = ingress
            .albs
            .iter()
            .enumerate()
            .filter(|(_, alb)| alb.api == Api::Gateway)
            .flat_map(|(k, alb)| {
                let on_alb = apps.iter().filter(|o| o.alb == k).count();
                (0..on_alb.div_ceil(layout::HTTPROUTE_RULES))
                    .map(move |n| (layout::health_route_name(&alb.name, n), alb.name.as_str()))
            })
            .collect();
        for (i, a) in apps.iter().enumerate() {
            if ingress.albs[a.alb].api != Api::Gateway {
                continue;
            }
            if let Some((_, alb)) = health_routes.iter().find(|(r, _)| *r == a.name) {
                self.err(
                    &format!("apps[{i}].name"),
                    format!(
                        "`{}` is the name of the host-less HTTPRoute of ALB `{alb}`, which holds its apps' health paths",
                        a.name
                    ),
                    "rename the app: its own HTTPRoute is named after it",
                );
            }
        }
        for (k, alb) in ingress.albs.iter().enumerate() {
            if alb.api != Api::Gateway {
                continue;
            }
            let lb = layout::gateway_lb_name(&alb.name);
            if let Some(j) = ingress.albs.iter().position(|o| o.name == lb) {
                self.err(
                    &format!("ingress.albs[{j}].name"),
                    format!(
                        "`{lb}` is the load balancer name of the Gateway of ingress.albs[{k}] (`{}`)",
                        alb.name
                    ),
                    "rename one: load balancer names are unique in a Region",
                );
            }
        }
    }

    /// `apps[].recordTypes`: `A`, and `AAAA` only on a dual-stack ALB (an
    /// IPv4 ALB's DNS name has no IPv6 address for the alias to answer:
    /// Route 53 API Reference, AliasTarget, "the value that applies to the
    /// record type, A or AAAA"). Default: both on a dual-stack ALB.
    fn record_types(
        &mut self,
        i: usize,
        a: &spec::RawApp,
        k: usize,
        ingress: &Ingress,
    ) -> Vec<&'static str> {
        let alb = &ingress.albs[k];
        let dual = alb.ip_address_type == IpAddressType::Dualstack;
        let Some(list) = &a.record_types else {
            return if dual { vec!["A", "AAAA"] } else { vec!["A"] };
        };
        let p = format!("apps[{i}].recordTypes");
        let mut out = Vec::new();
        for (j, t) in list.iter().enumerate() {
            match t.as_str() {
                "A" if !out.contains(&"A") => out.push("A"),
                "AAAA" if !dual => self.err(
                    &format!("{p}[{j}]"),
                    format!("AAAA on ALB `{}`, which is IPv4 only", alb.name),
                    format!(
                        "set {} to dualstack, or leave AAAA out",
                        ingress.alb_field(k, "ipAddressType")
                    ),
                ),
                "AAAA" if !out.contains(&"AAAA") => out.push("AAAA"),
                "A" | "AAAA" => self.err(
                    &format!("{p}[{j}]"),
                    format!("{t} given twice"),
                    "give each type once",
                ),
                other => self.err(
                    &format!("{p}[{j}]"),
                    format!("unknown record type `{}`", other.escape_debug()),
                    "allowed: A, AAAA",
                ),
            }
        }
        if !out.contains(&"A") {
            self.err(
                &p,
                "no A record",
                "keep A: the app's health check and its IPv4 clients use it",
            );
        }
        out.sort_unstable();
        out
    }
}

pub(super) fn names_of(albs: &[Alb]) -> String {
    albs.iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
