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
            let albs = self.region_albs(raw, i, r);
            let region_clusters = match &r.clusters {
                None => {
                    let cluster = self
                        .required(
                            &field(&p, "cluster"),
                            &r.cluster,
                            "the EKS cluster name; its Flux entry is clusters/<cluster>/",
                        )
                        .cloned();
                    let ok = cluster.as_ref().is_some_and(|c| {
                        self.cluster_name(&field(&p, "cluster"), c, &mut clusters)
                    });
                    let gitops = self.gitops(&p, r.gitops.as_deref());
                    cluster.filter(|_| ok).map(|name| {
                        vec![RegionCluster {
                            name,
                            weight: None,
                            albs,
                            kube_context: r.kube_context.clone(),
                            gitops,
                        }]
                    })
                }
                Some(list) => self.region_clusters(raw, &p, r, list, &albs, &mut clusters),
            };
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
            if let (Some(name), Some(clusters), Some(alb_zone_id)) =
                (name, region_clusters, zone_id)
            {
                out.push(Region {
                    name,
                    alb_zone_id,
                    clusters,
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

    /// Whether `c` is an EKS cluster name no other cluster has.
    fn cluster_name(&mut self, p: &str, c: &str, seen: &mut BTreeSet<String>) -> bool {
        let ok = !c.is_empty()
            && c.len() <= 100
            && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        if !ok {
            self.err(p, format!("`{c}` is not a valid EKS cluster name"), "allowed: 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit");
            return false;
        }
        if !seen.insert(c.to_ascii_lowercase()) {
            self.err(
                p,
                format!("cluster `{c}` is used by two Regions"),
                "each Region has its own cluster (names compared ignoring case, as they name directories), so Flux paths never overlap",
            );
            return false;
        }
        true
    }

    /// A Region's several clusters (`clusters`): each named, weighted, with
    /// its ALBs' DNS names (given: `gen discover` reads one cluster per
    /// Region), its context and engine; the Region's certificates are every
    /// cluster's. None when one of them is wrong.
    fn region_clusters(
        &mut self,
        raw: &RawSpec,
        p: &str,
        r: &spec::RawRegion,
        list: &[spec::RawRegionCluster],
        albs: &[RegionAlb],
        seen: &mut BTreeSet<String>,
    ) -> Option<Vec<RegionCluster>> {
        let mut ok = true;
        for (f, set) in [
            ("cluster", r.cluster.is_some()),
            ("albDnsName", r.alb_dns_name.is_some()),
            ("kubeContext", r.kube_context.is_some()),
            ("gitops", r.gitops.is_some()),
            (
                "albs",
                r.albs.iter().flatten().any(|(_, a)| a.dns_name.is_some()),
            ),
        ] {
            if set {
                ok = false;
                self.err(
                    &field(p, f),
                    "set beside clusters",
                    format!("give it for each cluster under {p}.clusters (certificates stay the Region's)"),
                );
            }
        }
        if list.len() < 2 {
            ok = false;
            self.err(
                &field(p, "clusters"),
                format!("{} cluster listed", list.len()),
                "list two or more clusters that share the Region by weight; a Region with one names it in `cluster`",
            );
        }
        let grouped = raw.ingress.as_ref().and_then(|g| g.albs.as_ref());
        let names: Vec<&str> = grouped
            .map(|l| l.iter().filter_map(|a| a.name.as_deref()).collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        // Logical IDs take the names' word form: two that read alike collide.
        let mut words = BTreeSet::new();
        for (j, c) in list.iter().enumerate() {
            let q = format!("{p}.clusters[{j}]");
            let name = self
                .required(&field(&q, "name"), &c.name, "the EKS cluster's name")
                .cloned();
            if let Some(n) = &name
                && !words.insert(pascal(n))
            {
                ok = false;
                self.err(
                    &field(&q, "name"),
                    format!("`{n}` reads like another cluster of the Region once `-` and `_` are dropped"),
                    "the health checks' logical IDs take that form: give the clusters names that differ in letters or digits",
                );
            }
            if c.weight.is_none() {
                self.err(
                    &field(&q, "weight"),
                    "missing required field",
                    "its share of the Region's traffic, 0 to 255",
                );
            }
            let weight = self.scalar(&field(&q, "weight"), &c.weight, "a weight from 0 to 255");
            let gitops = self.gitops(&q, c.gitops.as_deref());
            let mut own = albs.to_vec();
            let misplaced = match grouped {
                None => c.albs.is_some().then_some(("albs", "albDnsName")),
                Some(_) => c
                    .alb_dns_name
                    .is_some()
                    .then_some(("albDnsName", "albs.<name>.dnsName")),
            };
            if let Some((f, instead)) = misplaced {
                ok = false;
                self.err(
                    &field(&q, f),
                    "set for the other ALB layout",
                    format!(
                        "give {instead} here: with ingress.albs each ALB by name, else albDnsName"
                    ),
                );
            }
            if grouped.is_none() {
                match &c.alb_dns_name {
                    Some(d) => {
                        self.domain(&field(&q, "albDnsName"), d, false);
                        if let Some(x) = own.get_mut(0) {
                            x.dns_name = Some(d.clone());
                        }
                    }
                    None => {
                        ok = false;
                        self.err(
                            &field(&q, "albDnsName"),
                            "missing: the DNS name of this cluster's ALB",
                            "give it here: gen discover reads one cluster per Region",
                        );
                    }
                }
            } else {
                ok &= self.known_albs(&q, c.albs.as_ref(), &names);
                for (key, a) in c.albs.iter().flatten() {
                    if names.contains(&key.as_str()) && a.certificate_arns.is_some() {
                        ok = false;
                        self.err(&format!("{q}.albs.{key}.certificateArns"), "set on one cluster", format!("certificates are the Region's: give them under {p}.albs.{key}.certificateArns, for every cluster"));
                    }
                }
                for (k, n) in names.iter().enumerate() {
                    match c
                        .albs
                        .as_ref()
                        .and_then(|m| m.get(*n))
                        .and_then(|a| a.dns_name.as_ref())
                    {
                        Some(d) => {
                            self.domain(&format!("{q}.albs.{n}.dnsName"), d, false);
                            if let Some(x) = own.get_mut(k) {
                                x.dns_name = Some(d.clone());
                            }
                        }
                        None => {
                            ok = false;
                            self.err(
                                &format!("{q}.albs.{n}.dnsName"),
                                "missing: the DNS name of this cluster's ALB",
                                "give it here: gen discover reads one cluster per Region",
                            );
                        }
                    }
                }
            }
            match (name, weight) {
                (Some(n), Some(w)) if self.cluster_name(&field(&q, "name"), &n, seen) => {
                    out.push(RegionCluster {
                        name: n,
                        weight: Some(w),
                        albs: own,
                        kube_context: c.kube_context.clone(),
                        gitops,
                    })
                }
                _ => ok = false,
            }
        }
        if ok && out.iter().all(|c| c.weight == Some(0)) {
            ok = false;
            self.err(
                &field(p, "clusters"),
                "every cluster's weight is 0",
                "give at least one cluster a weight above 0",
            );
        }
        ok.then_some(out)
    }

    /// Whether every key of `given` (the `albs` of the object at `p`) is an
    /// ALB of `ingress.albs` (`names`); each other is an error.
    fn known_albs(
        &mut self,
        p: &str,
        given: Option<&BTreeMap<String, spec::RawRegionAlb>>,
        names: &[&str],
    ) -> bool {
        let mut ok = true;
        for key in given.into_iter().flat_map(|m| m.keys()) {
            if !names.contains(&key.as_str()) {
                ok = false;
                self.err(
                    &format!("{p}.albs.{key}"),
                    format!("no ALB named `{key}` in ingress.albs"),
                    format!("allowed: {}", names.join(", ")),
                );
            }
        }
        ok
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
        self.known_albs(&p, given, &names);
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

#[cfg(test)]
mod tests {
    use super::super::tests::errors;

    const TWO: &str = "version: 1\nname: t\ndns: {zone: example.com}\nregions:\n  - name: eu-west-1\n    clusters:\n      - {name: blue, weight: 100, albDnsName: b.eu-west-1.elb.amazonaws.com}\n      - {name: green, weight: 0, albDnsName: g.eu-west-1.elb.amazonaws.com, gitops: argocd}\n  - {name: us-east-1, cluster: east}\nargocd: {repoUrl: \"https://example.com/r.git\"}\napps:\n  - {name: a, host: a.example.com, image: i, replicas: 2, health: {path: /a}}\n";

    #[test]
    fn a_region_may_list_weighted_clusters() {
        assert!(errors(TWO).is_empty(), "{:?}", errors(TWO));
        let spec = crate::spec::load(TWO, "gen.yaml").expect("loads");
        let spec = super::super::validate(&spec).spec.expect("valid");
        let names: Vec<(&str, Option<u8>)> = spec.regions[0]
            .clusters
            .iter()
            .map(|c| (c.name.as_str(), c.weight))
            .collect();
        assert_eq!(names, [("blue", Some(100)), ("green", Some(0))]);
    }

    #[test]
    fn several_clusters_are_refused_beside_the_plans_that_gate_one_record() {
        for section in [
            "regionSwitch: {enabled: true}\n",
            "arc: {enabled: true, cluster: {name: t}}\n",
        ] {
            let e = errors(&TWO.replace("apps:\n", &format!("{section}apps:\n")));
            assert!(
                e.iter()
                    .any(|x| x.contains("regions[0].clusters") && x.contains("several clusters")),
                "{section}: {e:?}"
            );
        }
        // A cluster named twice, and a certificate on one cluster's ALB.
        let twice = TWO.replace("name: green", "name: east");
        assert!(
            errors(&twice)
                .iter()
                .any(|x| x.contains("cluster `east` is used by two Regions")),
            "{:?}",
            errors(&twice)
        );
    }
}
