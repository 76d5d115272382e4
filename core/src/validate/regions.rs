//! `regions`: each Region's name, cluster, zone ID, and each shared ALB's
//! address and certificates there.

use super::format::is_region_name;
use super::*;

impl Validator {
    pub(super) fn regions(&mut self, raw: &RawSpec) -> Vec<Region> {
        let Some(list) = &raw.regions else {
            self.err(
                "regions",
                "missing required field",
                "list the Regions, e.g. `- {name: eu-west-1, cluster: cluster1}`",
            );
            return Vec::new();
        };
        if list.is_empty() {
            self.err(
                "regions",
                "no Region given",
                "list at least one Region (two or more for failover)",
            );
        }
        let mut seen = BTreeSet::new();
        let mut clusters = BTreeSet::new();
        let mut out = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let p = format!("regions[{i}]");
            let name = self
                .required(
                    &field(&p, "name"),
                    &r.name,
                    "an AWS Region name, e.g. `eu-west-1`",
                )
                .cloned();
            if let Some(n) = &name {
                if !is_region_name(n) {
                    self.err(
                        &field(&p, "name"),
                        format!("`{n}` is not an AWS Region name"),
                        "allowed: a Region code such as eu-west-1 or us-east-1",
                    );
                } else if !seen.insert(n.clone()) {
                    self.err(
                        &field(&p, "name"),
                        format!("Region `{n}` is listed twice"),
                        "each Region appears once in `regions`",
                    );
                }
            }
            let cluster = self
                .required(
                    &field(&p, "cluster"),
                    &r.cluster,
                    "the EKS cluster name; its Flux entry is clusters/<cluster>/",
                )
                .cloned();
            if let Some(c) = &cluster {
                let ok = !c.is_empty()
                    && c.len() <= 100
                    && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
                    && c.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
                if !ok {
                    self.err(&field(&p, "cluster"), format!("`{c}` is not a valid EKS cluster name"), "allowed: 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit");
                } else if !clusters.insert(c.to_ascii_lowercase()) {
                    self.err(
                        &field(&p, "cluster"),
                        format!("cluster `{c}` is used by two Regions"),
                        "each Region has its own cluster (names compared ignoring case, as they name directories), so Flux paths never overlap",
                    );
                }
            }
            let albs = self.region_albs(raw, i, r);
            let gitops = self.gitops(&p, r.gitops.as_deref());
            let zone_id = match (&r.alb_zone_id, &name) {
                (Some(z), _) => {
                    self.zone_id(&field(&p, "albZoneId"), z);
                    Some(z.clone())
                }
                (None, Some(n)) if is_region_name(n) => match zones::alb_zone_id(n) {
                    Some(z) => Some(z.to_string()),
                    None => {
                        self.err(
                            &field(&p, "albZoneId"),
                            format!("no built-in ALB hosted zone ID for Region `{n}`"),
                            format!("set regions[{i}].albZoneId to the Region's ALB canonical hosted zone ID (AWS General Reference, Elastic Load Balancing endpoints)"),
                        );
                        None
                    }
                },
                _ => None,
            };
            if let (Some(name), Some(cluster), Some(alb_zone_id)) = (name, cluster, zone_id) {
                out.push(Region {
                    name,
                    alb_zone_id,
                    clusters: vec![RegionCluster {
                        name: cluster,
                        weight: None,
                        albs,
                        kube_context: r.kube_context.clone(),
                        gitops,
                    }],
                    // A Region names its account, or is the DNS account's.
                    account: r
                        .account
                        .clone()
                        .or_else(|| raw.dns.as_ref().and_then(|d| d.account.clone())),
                });
            }
        }
        out
    }

    /// The Region's side of each shared ALB, in the order of `ingress.albs`
    /// (or the one of `ingress.albName`). Certificates are checked with the
    /// ALB's listeners (`ingress`).
    fn region_albs(&mut self, raw: &RawSpec, i: usize, r: &spec::RawRegion) -> Vec<RegionAlb> {
        let p = format!("regions[{i}]");
        let Some(list) = raw.ingress.as_ref().and_then(|g| g.albs.as_ref()) else {
            if r.albs.is_some() {
                self.err(
                    &field(&p, "albs"),
                    "set without ingress.albs",
                    "with one shared ALB give albDnsName and certificateArn here; or list the ALBs in ingress.albs",
                );
            }
            if let Some(d) = &r.alb_dns_name {
                self.domain(&field(&p, "albDnsName"), d, false);
            }
            return vec![RegionAlb {
                dns_name: r.alb_dns_name.clone(),
                kept: None,
                certificate_arns: r.certificate_arn.iter().cloned().collect(),
            }];
        };
        for (field, set) in [
            ("albDnsName", r.alb_dns_name.is_some()),
            ("certificateArn", r.certificate_arn.is_some()),
        ] {
            if set {
                self.err(
                    &format!("{p}.{field}"),
                    "set beside ingress.albs",
                    format!("give each ALB's dnsName and certificateArns under {p}.albs.<name>"),
                );
            }
        }
        let names: Vec<&str> = list.iter().filter_map(|a| a.name.as_deref()).collect();
        let given = r.albs.as_ref();
        for key in given.into_iter().flat_map(|m| m.keys()) {
            if !names.contains(&key.as_str()) {
                self.err(
                    &format!("{p}.albs.{key}"),
                    format!("no ALB named `{key}` in ingress.albs"),
                    format!("allowed: {}", names.join(", ")),
                );
            }
        }
        names
            .iter()
            .map(|n| {
                let ra = given.and_then(|m| m.get(*n));
                let dns_name = ra.and_then(|a| a.dns_name.clone());
                if let Some(d) = &dns_name {
                    self.domain(&format!("{p}.albs.{n}.dnsName"), d, false);
                }
                RegionAlb {
                    dns_name,
                    kept: None,
                    certificate_arns: ra
                        .and_then(|a| a.certificate_arns.clone())
                        .unwrap_or_default(),
                }
            })
            .collect()
    }
}
