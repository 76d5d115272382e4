//! `ingress` and the shared ALBs: the controller, each ALB's name, scheme,
//! CIDRs and listeners, the certificates each Region gives it, the raised
//! quotas, each app's ALB, and that every health check finds a listener of
//! its own ALB.
//!
//! One shared ALB (`ingress.albName`, with `regions[].albDnsName` and
//! `regions[].certificateArn`) or several (`ingress.albs`, with
//! `regions[].albs.<name>`): the checked spec holds a list either way.

use super::format::is_cidr;
use super::*;
use crate::facts::arn::Arn;
use crate::spec::{RawAlb, RawQuotas};

impl Validator {
    pub(super) fn ingress(&mut self, raw: &RawSpec, name: Option<&str>) -> Option<Ingress> {
        let default = spec::RawIngress::default();
        let ing = raw.ingress.as_ref().unwrap_or(&default);
        let controller = match ing
            .controller
            .as_deref()
            .unwrap_or(defaults::INGRESS_CONTROLLER)
        {
            "eks-auto" => Some(Controller::EksAuto),
            "aws-lbc" => Some(Controller::AwsLbc),
            other => {
                self.err(
                    "ingress.controller",
                    format!("unknown controller `{other}`"),
                    "allowed: eks-auto (EKS Auto Mode), aws-lbc (self-managed AWS Load Balancer Controller)",
                );
                None
            }
        };
        let raw_scheme = ing
            .scheme
            .clone()
            .unwrap_or_else(|| defaults::INGRESS_SCHEME.into());
        let scheme = self.scheme("ingress.scheme", &raw_scheme);
        let api = self.api(
            "ingress.api",
            ing.api.as_deref().unwrap_or(defaults::INGRESS_API),
        );
        let class_name = ing
            .class_name
            .clone()
            .or_else(|| name.map(|n| format!("{n}-alb")));
        if let (Some(c), Some(_)) = (&ing.class_name, name) {
            self.dns_subdomain("ingress.className", c);
        }
        let inbound_cidrs = ing.inbound_cidrs.clone().unwrap_or_default();
        self.cidrs("ingress.inboundCidrs", &inbound_cidrs);
        let quotas = self.quotas(ing.quotas.as_ref());

        let regions = raw.regions.as_deref().unwrap_or_default();
        let (albs, grouped) = match &ing.albs {
            None => {
                let alb_name = ing.alb_name.clone().or_else(|| name.map(str::to_string));
                let path = if ing.alb_name.is_some() {
                    "ingress.albName"
                } else {
                    "name"
                };
                let alb = alb_name.filter(|a| {
                    self.alb_name(path, a, false)
                        && (api != Some(Api::Gateway) || self.gateway_lb_name(path, a))
                });
                let certs: Vec<(String, Vec<String>)> = regions
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        (
                            format!("regions[{i}].certificateArn"),
                            r.certificate_arn.iter().cloned().collect(),
                        )
                    })
                    .collect();
                let listeners = self.listeners_of(None, "ingress", regions, &certs);
                (
                    alb.zip(listeners).zip(api).zip(scheme).map(
                        |(((name, listeners), api), scheme)| {
                            vec![Alb {
                                name,
                                api,
                                scheme,
                                inbound_cidrs: inbound_cidrs.clone(),
                                listeners,
                            }]
                        },
                    ),
                    false,
                )
            }
            Some(list) => {
                if ing.alb_name.is_some() {
                    self.err(
                        "ingress.albName",
                        "set beside ingress.albs",
                        "name each shared ALB in ingress.albs and drop albName",
                    );
                }
                if list.is_empty() {
                    self.err(
                        "ingress.albs",
                        "no ALB given",
                        "list at least one ALB, e.g. `- {name: shared-a}`, or drop ingress.albs for one shared ALB named by albName",
                    );
                }
                let mut out = Some(Vec::new());
                // Compared as their logical-ID words too: `AlbDnsName<Alb><Region>`.
                let mut seen: BTreeMap<String, usize> = BTreeMap::new();
                for (k, a) in list.iter().enumerate() {
                    let alb = self.alb(k, a, api, &raw_scheme, &inbound_cidrs, regions);
                    if let Some(alb) = &alb
                        && let Some(j) = seen.insert(pascal(&alb.name), k)
                    {
                        self.err(
                            &format!("ingress.albs[{k}].name"),
                            format!(
                                "ALB `{}` is already listed at ingress.albs[{j}] (names that differ only in hyphens collide)",
                                alb.name
                            ),
                            "each shared ALB appears once",
                        );
                    }
                    match (alb, &mut out) {
                        (Some(alb), Some(v)) => v.push(alb),
                        _ => out = None,
                    }
                }
                (out, true)
            }
        };
        let albs = albs?;
        let default_alb = match &ing.default_alb {
            None => 0,
            Some(d) => match albs.iter().position(|a| a.name == *d) {
                Some(i) => i,
                None => {
                    self.err(
                        "ingress.defaultAlb",
                        format!("no ALB named `{d}`"),
                        format!("allowed: {}", names_of(&albs)),
                    );
                    return None;
                }
            },
        };
        if albs.is_empty() {
            return None;
        }
        Some(Ingress {
            controller: controller?,
            scheme: scheme?,
            class_name: class_name?,
            albs,
            grouped,
            default_alb,
            quotas: quotas?,
        })
    }

    fn api(&mut self, p: &str, api: &str) -> Option<Api> {
        let parsed = Api::parse(api);
        if parsed.is_none() {
            self.err(
                p,
                format!("unknown api `{}`", api.escape_debug()),
                "allowed: ingress (an Ingress makes the ALB), gateway (a Gateway API Gateway and HTTPRoutes make it)",
            );
        }
        parsed
    }

    fn scheme(&mut self, p: &str, scheme: &str) -> Option<Scheme> {
        let parsed = Scheme::parse(scheme);
        if parsed.is_none() {
            self.err(
                p,
                format!("unknown scheme `{scheme}`"),
                "allowed: internet-facing, internal",
            );
        }
        parsed
    }

    fn cidrs(&mut self, p: &str, cidrs: &[String]) -> bool {
        let mut ok = true;
        for (i, c) in cidrs.iter().enumerate() {
            if !is_cidr(c) {
                ok = false;
                self.err(
                    &format!("{p}[{i}]"),
                    format!("`{}` is not a CIDR", c.escape_debug()),
                    "allowed: an IPv4 or IPv6 CIDR such as 203.0.113.0/24",
                );
            }
        }
        ok
    }

    /// A Gateway's ALB is named `<alb>-gw`, which must fit AWS's 32
    /// characters too.
    fn gateway_lb_name(&mut self, path: &str, name: &str) -> bool {
        let lb = layout::gateway_lb_name(name);
        if lb.len() <= 32 {
            return true;
        }
        self.err(
            path,
            format!(
                "`{name}` is too long for a Gateway's ALB: its load balancer is named `{lb}` ({} characters)",
                lb.len()
            ),
            "allowed: at most 29 characters under api: gateway (gen adds `-gw`, so the Gateway's ALB never takes the name of the Ingress's it replaces)",
        );
        false
    }

    /// An ALB's name: AWS's rule for load balancer names; in `ingress.albs`
    /// also a DNS label, since it names a directory and a Flux Kustomization.
    fn alb_name(&mut self, path: &str, a: &str, label: bool) -> bool {
        let ok_chars = a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if a.is_empty() || a.len() > 32 || !ok_chars || a.starts_with('-') || a.ends_with('-') {
            self.err(
                path,
                format!(
                    "`{a}` is not a valid load balancer name ({} characters)",
                    a.chars().count()
                ),
                "allowed: 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen",
            );
            false
        } else if a.starts_with("internal-") {
            self.err(
                path,
                format!("`{a}` starts with `internal-`"),
                "AWS reserves that prefix; choose another name",
            );
            false
        } else if label && !is_dns1123_label(a) {
            self.err(
                path,
                format!("`{a}` has capital letters"),
                "allowed: lowercase letters, digits and hyphens (the name is also the ALB's directory and Flux Kustomization)",
            );
            false
        } else {
            true
        }
    }

    fn alb(
        &mut self,
        k: usize,
        a: &RawAlb,
        api: Option<Api>,
        scheme: &str,
        cidrs: &[String],
        regions: &[spec::RawRegion],
    ) -> Option<Alb> {
        let p = format!("ingress.albs[{k}]");
        let name = self
            .required(
                &format!("{p}.name"),
                &a.name,
                "the ALB's name, e.g. `shared-a`",
            )
            .cloned()
            .filter(|n| self.alb_name(&format!("{p}.name"), n, true));
        let api = match &a.api {
            Some(own) => self.api(&format!("{p}.api"), own),
            None => api,
        };
        let scheme = a.scheme.clone().unwrap_or_else(|| scheme.to_string());
        let scheme = self.scheme(&format!("{p}.scheme"), &scheme);
        let inbound_cidrs = a.inbound_cidrs.clone().unwrap_or_else(|| cidrs.to_vec());
        let cidrs_ok = self.cidrs(&format!("{p}.inboundCidrs"), &inbound_cidrs);
        let name = name?;
        if api == Some(Api::Gateway) && !self.gateway_lb_name(&format!("{p}.name"), &name) {
            return None;
        }
        let certs: Vec<(String, Vec<String>)> = regions
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    format!("regions[{i}].albs.{name}.certificateArns"),
                    r.albs
                        .as_ref()
                        .and_then(|m| m.get(&name))
                        .and_then(|ra| ra.certificate_arns.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        let listeners = self.listeners_of(a.listeners.as_deref(), &p, regions, &certs);
        cidrs_ok.then_some(Alb {
            name,
            api: api?,
            scheme: scheme?,
            inbound_cidrs,
            listeners: listeners?,
        })
    }

    /// An ALB's listeners: as listed, or HTTP:80 and (when every Region gives
    /// a certificate) HTTPS:443. `certs` is each Region's certificates, with
    /// the field that gives them. An HTTPS listener needs a certificate in
    /// every Region, from that Region (ACM certificates are regional).
    fn listeners_of(
        &mut self,
        listed: Option<&[String]>,
        p: &str,
        regions: &[spec::RawRegion],
        certs: &[(String, Vec<String>)],
    ) -> Option<Vec<Listener>> {
        for ((field, arns), r) in certs.iter().zip(regions) {
            let single = field.ends_with("certificateArn");
            for (j, arn) in arns.iter().enumerate() {
                let at = if single {
                    field.clone()
                } else {
                    format!("{field}[{j}]")
                };
                let parsed = Arn::parse(arn).filter(|a| {
                    a.service == "acm"
                        && !a.region.is_empty()
                        && a.has_account()
                        && a.resource.starts_with("certificate/")
                });
                let Some(parsed) = parsed else {
                    self.err(
                        &at,
                        format!("`{}` is not an ACM certificate ARN", arn.escape_debug()),
                        "allowed: arn:aws:acm:REGION:ACCOUNT:certificate/ID",
                    );
                    continue;
                };
                if let Some(name) = &r.name
                    && parsed.region != *name
                {
                    self.err(
                        &at,
                        format!("the certificate is in {}, the ALB in {name}", parsed.region),
                        "an ALB can only use an ACM certificate from its own Region",
                    );
                }
            }
        }
        let with = certs.iter().filter(|(_, a)| !a.is_empty()).count();
        if with > 0 && with < certs.len() {
            let (field, _) = certs
                .iter()
                .find(|(_, a)| a.is_empty())
                .expect("one Region without");
            self.err(
                field,
                "some Regions give this ALB a certificate and this one gives none",
                "give it a certificate in every Region (the ALB in each Region needs its own for HTTPS), or in none",
            );
        }
        let all = with > 0 && with == certs.len();
        let listeners = match listed {
            None => {
                let mut l = vec![Listener {
                    protocol: Protocol::Http,
                    port: 80,
                }];
                if all {
                    l.push(Listener {
                        protocol: Protocol::Https,
                        port: 443,
                    });
                }
                return Some(l);
            }
            Some(list) => list,
        };
        let mut out: Vec<Listener> = Vec::new();
        let mut ok = true;
        for (i, l) in listeners.iter().enumerate() {
            let at = format!("{p}.listeners[{i}]");
            let parsed = l.split_once(':').and_then(|(proto, port)| {
                let protocol = Protocol::parse(proto).filter(|p| *p != Protocol::Tcp)?;
                let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
                Some(Listener { protocol, port })
            });
            match parsed {
                None => {
                    ok = false;
                    self.err(
                        &at,
                        format!("`{}` is not a listener", l.escape_debug()),
                        "allowed: HTTP:PORT or HTTPS:PORT, e.g. HTTP:80, HTTPS:443",
                    )
                }
                Some(l) if out.iter().any(|o| o.port == l.port) => {
                    ok = false;
                    self.err(
                        &at,
                        format!("port {} is already a listener of this ALB", l.port),
                        "each listener has its own port",
                    )
                }
                Some(l) => out.push(l),
            }
        }
        if listeners.is_empty() {
            ok = false;
            self.err(
                &format!("{p}.listeners"),
                "no listener given",
                "list at least one, e.g. [HTTP:80] or [HTTP:80, HTTPS:443]",
            );
        }
        if listeners.len() > quotas::ALB_LISTENERS.default {
            self.err(
                &format!("{p}.listeners"),
                format!(
                    "{} listeners, over the {} of {}",
                    listeners.len(),
                    quotas::ALB_LISTENERS.name,
                    quotas::ALB_LISTENERS.default
                ),
                "list fewer listeners",
            );
        }
        let https = out.iter().any(|l| l.protocol == Protocol::Https);
        if https && !all && with == 0 {
            ok = false;
            self.err(
                &format!("{p}.listeners"),
                "an HTTPS listener and no certificate",
                "give the ALB a certificate in every Region (certificateArns), or list HTTP listeners only",
            );
        } else if !https && with > 0 {
            ok = false;
            self.err(
                &format!("{p}.listeners"),
                "certificates are given but no HTTPS listener is listed",
                "add HTTPS:443 to the listeners, or drop the certificates",
            );
        }
        ok.then_some(out)
    }

    fn quotas(&mut self, raw: Option<&RawQuotas>) -> Option<Quotas> {
        let default = RawQuotas::default();
        let q = raw.unwrap_or(&default);
        let mut one = |field: &str, v: &Option<Scalar<u32>>, quota: &quotas::AlbQuota| {
            let p = format!("ingress.quotas.{field}");
            match self.scalar(&p, v, "allowed: a whole number, the quota your account has") {
                None => Some(quota.default),
                Some(n) if (n as usize) < quota.default => {
                    self.err(
                        &p,
                        format!("{n} is below AWS's default of {}", quota.default),
                        format!(
                            "state a quota only when it is raised above the default ({})",
                            quota.name
                        ),
                    );
                    None
                }
                Some(n) => Some(n as usize),
            }
        };
        let rules = one("rulesPerAlb", &q.rules_per_alb, &quotas::ALB_RULES);
        let certs = one(
            "certificatesPerAlb",
            &q.certificates_per_alb,
            &quotas::ALB_CERTIFICATES,
        );
        let albs = one(
            "albsPerRegion",
            &q.albs_per_region,
            &quotas::ALBS_PER_REGION,
        );
        let tgs = one(
            "targetGroupsPerRegion",
            &q.target_groups_per_region,
            &quotas::TARGET_GROUPS_PER_REGION,
        );
        Some(Quotas {
            rules_per_alb: rules?,
            target_groups_per_alb: quotas::ALB_TARGET_GROUPS.default,
            certificates_per_alb: certs?,
            albs_per_region: albs?,
            target_groups_per_region: tgs?,
        })
    }

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

    /// Every health check must reach a listener of its app's ALB.
    pub(super) fn listeners(&mut self, apps: &[App], ingress: &Ingress) {
        for (i, a) in apps.iter().enumerate() {
            let h = &a.health;
            let alb = &ingress.albs[a.alb];
            let fits = alb.listeners.iter().any(|l| {
                l.port == h.port && (h.protocol == Protocol::Tcp || l.protocol == h.protocol)
            });
            if !fits {
                let listeners: Vec<String> = alb
                    .listeners
                    .iter()
                    .map(|l| format!("{}:{}", l.protocol.as_str(), l.port))
                    .collect();
                let https = alb.listeners.iter().any(|l| l.protocol == Protocol::Https);
                self.err(
                    &format!("apps[{i}].health"),
                    format!(
                        "the {} check on port {} finds no listener: ALB `{}` listens on {}",
                        h.protocol.as_str(),
                        h.port,
                        alb.name,
                        listeners.join(" and ")
                    ),
                    if https {
                        "use the protocol and port of one of its listeners"
                    } else if ingress.grouped {
                        "use HTTP on port 80, or give the ALB certificates in every Region for HTTPS on 443"
                    } else {
                        "use HTTP on port 80, or give every Region a certificateArn for HTTPS on 443"
                    },
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
}

fn names_of(albs: &[Alb]) -> String {
    albs.iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
