//! Each shared ALB's listeners (as listed, or HTTP and HTTPS from the
//! certificates each Region gives it), and that every app's health check
//! finds a listener of its own ALB.

use super::*;
use crate::facts::arn::Arn;

impl Validator {
    /// An ALB's listeners: as listed, or HTTP:80 and (when every Region gives
    /// a certificate) HTTPS:443. `certs` is each Region's certificates, with
    /// the field that gives them. An HTTPS listener needs a certificate in
    /// every Region, from that Region (ACM certificates are regional).
    pub(super) fn listeners_of(
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
                &field(p, "listeners"),
                "no listener given",
                "list at least one, e.g. [HTTP:80] or [HTTP:80, HTTPS:443]",
            );
        }
        if listeners.len() > quotas::ALB_LISTENERS.default {
            self.err(
                &field(p, "listeners"),
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
                &field(p, "listeners"),
                "an HTTPS listener and no certificate",
                "give the ALB a certificate in every Region (certificateArns), or list HTTP listeners only",
            );
        } else if !https && with > 0 {
            ok = false;
            self.err(
                &field(p, "listeners"),
                "certificates are given but no HTTPS listener is listed",
                "add HTTPS:443 to the listeners, or drop the certificates",
            );
        }
        ok.then_some(out)
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
