//! `ingress` and the shared ALBs: the controller, each ALB's name, API,
//! scheme and CIDRs, and the raised quotas. Each ALB's listeners are
//! checked in `listeners.rs`, each app's ALB in `alb_apps.rs`.
//!
//! One shared ALB (`ingress.albName`, with `regions[].albDnsName` and
//! `regions[].certificateArn`) or several (`ingress.albs`, with
//! `regions[].albs.<name>`): the checked spec holds a list either way.

use super::alb_apps::names_of;
use super::format::is_cidr;
use super::*;
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
        // An unknown scheme is an error, so no checked spec comes of it; a
        // stand-in lets the rest of the section still be checked.
        let scheme = self
            .scheme("ingress.scheme", &raw_scheme)
            .unwrap_or(Scheme::InternetFacing);
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
        let raw_ip = ing
            .ip_address_type
            .clone()
            .unwrap_or_else(|| defaults::INGRESS_IP_ADDRESS_TYPE.into());
        let ip_address_type = self
            .ip_address_type("ingress.ipAddressType", &raw_ip)
            .unwrap_or(IpAddressType::Ipv4);
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
                    alb.zip(listeners).zip(api).map(|((name, listeners), api)| {
                        vec![Alb {
                            name,
                            api,
                            scheme,
                            ip_address_type,
                            inbound_cidrs: inbound_cidrs.clone(),
                            listeners,
                        }]
                    }),
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
                    let alb = self.alb(k, a, api, (&raw_scheme, &raw_ip), &inbound_cidrs, regions);
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
            scheme,
            class_name: class_name?,
            albs,
            grouped,
            default_alb,
            quotas: quotas?,
            auto_gateway: None,
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

    /// `ipv4` or `dualstack`. The controllers also take
    /// `dualstack-without-public-ipv4`, whose ALB has no public IPv4
    /// address for Route 53's checkers to reach: not offered.
    fn ip_address_type(&mut self, p: &str, v: &str) -> Option<IpAddressType> {
        let parsed = IpAddressType::parse(v);
        if parsed.is_none() {
            self.err(
                p,
                format!("unknown IP address type `{}`", v.escape_debug()),
                "allowed: ipv4, dualstack (IPv4 and IPv6; the apps get AAAA records)",
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
        (scheme, ip): (&str, &str),
        cidrs: &[String],
        regions: &[spec::RawRegion],
    ) -> Option<Alb> {
        let p = format!("ingress.albs[{k}]");
        let name = self
            .required(
                &field(&p, "name"),
                &a.name,
                "the ALB's name, e.g. `shared-a`",
            )
            .cloned()
            .filter(|n| self.alb_name(&field(&p, "name"), n, true));
        let api = match &a.api {
            Some(own) => self.api(&field(&p, "api"), own),
            None => api,
        };
        let scheme = a.scheme.clone().unwrap_or_else(|| scheme.to_string());
        let scheme = self.scheme(&field(&p, "scheme"), &scheme);
        let ip = a.ip_address_type.clone().unwrap_or_else(|| ip.to_string());
        let ip_address_type = self.ip_address_type(&field(&p, "ipAddressType"), &ip);
        let inbound_cidrs = a.inbound_cidrs.clone().unwrap_or_else(|| cidrs.to_vec());
        let cidrs_ok = self.cidrs(&field(&p, "inboundCidrs"), &inbound_cidrs);
        let name = name?;
        if api == Some(Api::Gateway) && !self.gateway_lb_name(&field(&p, "name"), &name) {
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
            ip_address_type: ip_address_type?,
            inbound_cidrs,
            listeners: listeners?,
        })
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
        let targets = one("targetsPerAlb", &q.targets_per_alb, &quotas::ALB_TARGETS);
        Some(Quotas {
            targets_per_alb: targets?,
            rules_per_alb: rules?,
            target_groups_per_alb: quotas::ALB_TARGET_GROUPS.default,
            certificates_per_alb: certs?,
            albs_per_region: albs?,
            target_groups_per_region: tgs?,
        })
    }
}
