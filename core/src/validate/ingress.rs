//! `ingress` and the shared ALB's listeners: the controller, the ALB's name
//! and scheme, its certificates (from `regions[].certificateArn`), and that
//! every health check finds a listener.

use super::format::is_cidr;
use super::*;
use crate::facts::arn::Arn;

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
        let alb_name = ing.alb_name.clone().or_else(|| name.map(str::to_string));
        if let Some(a) = &alb_name {
            let path = if ing.alb_name.is_some() {
                "ingress.albName"
            } else {
                "name"
            };
            let ok_chars = a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if a.is_empty() || a.len() > 32 || !ok_chars || a.starts_with('-') || a.ends_with('-') {
                self.err(
                    path,
                    format!("`{a}` is not a valid load balancer name ({} characters)", a.chars().count()),
                    "allowed: 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen (set ingress.albName)",
                );
            } else if a.starts_with("internal-") {
                self.err(
                    path,
                    format!("`{a}` starts with `internal-`"),
                    "AWS reserves that prefix; choose another ingress.albName",
                );
            }
        }
        let scheme = ing
            .scheme
            .clone()
            .unwrap_or_else(|| defaults::INGRESS_SCHEME.into());
        if scheme != "internet-facing" && scheme != "internal" {
            self.err(
                "ingress.scheme",
                format!("unknown scheme `{scheme}`"),
                "allowed: internet-facing, internal",
            );
        }
        let class_name = ing
            .class_name
            .clone()
            .or_else(|| name.map(|n| format!("{n}-alb")));
        if let (Some(c), Some(_)) = (&ing.class_name, name) {
            self.dns_subdomain("ingress.className", c);
        }
        let inbound_cidrs = ing.inbound_cidrs.clone().unwrap_or_default();
        for (i, c) in inbound_cidrs.iter().enumerate() {
            if !is_cidr(c) {
                self.err(
                    &format!("ingress.inboundCidrs[{i}]"),
                    format!("`{}` is not a CIDR", c.escape_debug()),
                    "allowed: an IPv4 or IPv6 CIDR such as 203.0.113.0/24",
                );
            }
        }
        Some(Ingress {
            controller: controller?,
            alb_name: alb_name?,
            scheme,
            class_name: class_name?,
            inbound_cidrs,
        })
    }

    /// Whether the ALB gets an HTTPS:443 listener: only when every Region
    /// names a certificate from its own Region (ACM certificates are regional).
    pub(super) fn certificates(&mut self, raw: &RawSpec) -> bool {
        let regions = raw.regions.as_deref().unwrap_or_default();
        let with = regions
            .iter()
            .filter(|r| r.certificate_arn.is_some())
            .count();
        for (i, r) in regions.iter().enumerate() {
            let (Some(arn), Some(name)) = (&r.certificate_arn, &r.name) else {
                continue;
            };
            let parsed = Arn::parse(arn).filter(|a| {
                a.service == "acm"
                    && !a.region.is_empty()
                    && a.has_account()
                    && a.resource.starts_with("certificate/")
            });
            let Some(parsed) = parsed else {
                self.err(
                    &format!("regions[{i}].certificateArn"),
                    format!("`{}` is not an ACM certificate ARN", arn.escape_debug()),
                    "allowed: arn:aws:acm:REGION:ACCOUNT:certificate/ID",
                );
                continue;
            };
            if parsed.region != name {
                self.err(
                    &format!("regions[{i}].certificateArn"),
                    format!("the certificate is in {}, the ALB in {name}", parsed.region),
                    "an ALB can only use an ACM certificate from its own Region",
                );
            }
        }
        if with > 0 && with < regions.len() {
            let i = regions
                .iter()
                .position(|r| r.certificate_arn.is_none())
                .unwrap_or(0);
            self.err(
                &format!("regions[{i}].certificateArn"),
                "some Regions have a certificate and this one has none",
                "give every Region a certificateArn (the shared ALB in each Region needs its own for HTTPS), or none",
            );
        }
        with > 0 && with == regions.len()
    }

    /// Every health check must reach a listener of the shared ALB:
    /// HTTP:80 always, HTTPS:443 only with certificates.
    pub(super) fn listeners(&mut self, apps: &[App], https: bool) {
        for (i, a) in apps.iter().enumerate() {
            let h = &a.health;
            let fits = match h.protocol {
                Protocol::Http => h.port == 80,
                Protocol::Https => https && h.port == 443,
                Protocol::Tcp => h.port == 80 || (https && h.port == 443),
            };
            if !fits {
                let listeners = if https {
                    "HTTP:80 and HTTPS:443"
                } else {
                    "HTTP:80 only"
                };
                self.err(
                    &format!("apps[{i}].health"),
                    format!("the {} check on port {} finds no listener: the shared ALB listens on {listeners}", h.protocol.as_str(), h.port),
                    if https { "use HTTP on port 80 or HTTPS on port 443" } else { "use HTTP on port 80, or give every Region a certificateArn for HTTPS on 443" },
                );
            }
        }
    }
}
