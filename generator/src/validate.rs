//! `validate`: check a raw spec, apply defaults, and produce a [`Spec`] every
//! later stage can trust. Every problem is collected; nothing stops early.
//!
//! This module knows the rules of the spec, Kubernetes names and Route 53
//! limits. It does not know file layout, templates or logical IDs (those are
//! `model`'s), except for one cross-check: two names that `model` would map to
//! the same CloudFormation logical ID are rejected here, with the spec's words.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diagnostic;
use crate::facts::quotas;
use crate::facts::zones;
use crate::layout::{self, pascal};
use crate::spec::checked::*;
use crate::spec::{self, RawApp, RawHealth, RawHealthCheck, RawSpec, Scalar};

/// Health-check settings as written in one place, each checked; `bad` when
/// one of them could not be read.
#[derive(Debug, Default, Clone, Copy)]
struct HealthFields {
    protocol: Option<Protocol>,
    port: Option<u16>,
    interval: Option<u32>,
    failure_threshold: Option<u32>,
    measure_latency: Option<bool>,
    bad: bool,
}

/// Result of validation: the checked spec (when there is no error) and every
/// diagnostic, warnings included.
pub struct Outcome {
    pub spec: Option<Spec>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn validate(loaded: &spec::Loaded) -> Outcome {
    let mut v = Validator {
        out: loaded.problems.clone(),
    };
    let spec = v.spec(&loaded.raw);
    let mut diagnostics = v.out;
    for d in &mut diagnostics {
        if d.line.is_none() {
            d.line = loaded.lines.line(&d.path);
        }
    }
    let has_error = diagnostics.iter().any(Diagnostic::is_error);
    Outcome {
        spec: if has_error { None } else { spec },
        diagnostics,
    }
}

struct Validator {
    out: Vec<Diagnostic>,
}

/// Names of ARC resources: 1 to 64 of letters, digits, `-` and `_`.
fn arc_name_ok(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Pod fields an environment variable can take through the downward API.
const FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// Largest replica count accepted; a typo guard, not a Kubernetes limit.
const MAX_REPLICAS: u32 = 1000;

impl Validator {
    fn err(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.out.push(Diagnostic::new(path, message).hint(hint));
    }

    fn warn(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.out
            .push(Diagnostic::new(path, message).hint(hint).warning());
    }

    fn required<'a, T>(&mut self, path: &str, value: &'a Option<T>, what: &str) -> Option<&'a T> {
        if value.is_none() {
            self.err(path, "missing required field", what.to_string());
        }
        value.as_ref()
    }

    fn spec(&mut self, raw: &RawSpec) -> Option<Spec> {
        match (
            &raw.version,
            self.scalar("version", &raw.version, "allowed: 1"),
        ) {
            (None, _) => self.err("version", "missing required field", "add `version: 1`"),
            (_, Some(1)) | (_, None) => {}
            (_, Some(v)) => self.err("version", format!("unsupported version {v}"), "allowed: 1"),
        }
        let name = self
            .required(
                "name",
                &raw.name,
                "a DNS-1123 label that prefixes generated names, e.g. `demo`",
            )
            .cloned();
        if let Some(n) = &name {
            // A letter first: it starts CloudFormation stack names.
            if !is_dns1035_label(n) {
                self.err(
                    "name",
                    format!("`{}` is not a valid name", n.escape_debug()),
                    "allowed: 1 to 63 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit",
                );
            }
        }
        let namespace = raw.namespace.clone().or_else(|| name.clone());
        if let Some(ns) = &namespace {
            let p = if raw.namespace.is_some() {
                "namespace"
            } else {
                "name"
            };
            if raw.namespace.is_some() {
                self.dns_label(p, ns);
            }
            let flux_ns = raw
                .flux
                .as_ref()
                .and_then(|f| f.namespace.as_deref())
                .unwrap_or("flux-system");
            if [
                "default",
                "kube-system",
                "kube-public",
                "kube-node-lease",
                flux_ns,
            ]
            .contains(&ns.as_str())
            {
                self.err(
                    p,
                    format!("namespace `{ns}` is not the apps' own"),
                    "gen creates and prunes the apps' namespace: choose a namespace of their own (set `namespace`)",
                );
            }
        }

        let dns = raw.dns.as_ref();
        if dns.is_none() {
            self.err(
                "dns",
                "missing required field",
                "add `dns: {zone: example.com}`",
            );
        }
        let zone = dns.and_then(|d| {
            self.required(
                "dns.zone",
                &d.zone,
                "the public hosted zone, e.g. `example.com`",
            )
            .map(|z| z.trim_end_matches('.').to_string())
        });
        if let Some(z) = &zone {
            self.domain("dns.zone", z, false);
        }
        let zone_id = dns.and_then(|d| d.zone_id.clone());
        if let Some(id) = &zone_id {
            self.zone_id("dns.zoneId", id);
        }

        let ingress = self.ingress(raw, name.as_deref());
        let regions = self.regions(raw);
        let defaults = self.health_defaults(raw.health_check.as_ref());
        let flux = self.flux(raw);

        // Every Region the spec names, valid or not: an app that refers to a
        // Region with its own error should not get a second, misleading one.
        let mut region_names: Vec<String> = Vec::new();
        for n in raw.regions.iter().flatten().filter_map(|r| r.name.clone()) {
            if !region_names.contains(&n) {
                region_names.push(n);
            }
        }
        let apps = self.apps(raw, zone.as_deref(), &region_names, &defaults);

        let https = self.certificates(raw);
        if let Some(apps) = &apps {
            self.listeners(apps, https);
        }
        let arc = match (&raw.arc, &apps) {
            (Some(a), Some(apps)) => {
                self.arc(a, name.as_deref().unwrap_or(""), &region_names, apps)
            }
            _ => None,
        };
        let stack_region = self.stack_region(raw);
        if let (Some(name), Some(apps)) = (&name, &apps) {
            self.limits(name, apps, regions.len(), https);
        }
        if let (Some(ingress), Some(apps)) = (&ingress, &apps) {
            self.rollouts(ingress, apps, &region_names);
        }

        Some(Spec {
            name: name?,
            namespace: namespace?,
            zone: zone?,
            zone_id,
            stack_region,
            ingress: ingress?,
            regions,
            flux,
            arc,
            apps: apps?,
        })
    }

    /// The Route 53 stacks' Region: us-west-2 by default. With ARC they may
    /// live anywhere: `gen deploy` passes them the ARC stack's outputs as
    /// parameters (no `Fn::ImportValue`, which cannot cross Regions).
    fn stack_region(&mut self, raw: &RawSpec) -> String {
        let home = crate::facts::arc::ARC_HOME_REGION;
        let given = raw.dns.as_ref().and_then(|d| d.stack_region.clone());
        let region = given.clone().unwrap_or_else(|| home.to_string());
        if given.is_some() && !is_region_name(&region) {
            self.err(
                "dns.stackRegion",
                format!("`{}` is not an AWS Region name", region.escape_debug()),
                "allowed: a Region code such as us-west-2",
            );
        }
        region
    }

    /// A rollout that can fail an app over: in ip mode the target group can
    /// hold only initial and draining targets while pods are replaced (the
    /// load balancer controller's "Pod readiness gate" page: "this results in
    /// service outage"). The self-managed controller's readiness gate (gen
    /// labels the namespace for it) holds the old pod until the new one is
    /// healthy; EKS Auto Mode documents no such gate, so there one replica
    /// leaves no healthy target for the time a new one takes to turn healthy,
    /// and a Route 53 check that fails within it moves the app.
    fn rollouts(&mut self, ingress: &Ingress, apps: &[App], regions: &[String]) {
        if ingress.controller != Controller::EksAuto {
            return;
        }
        let healthy = quotas::TARGET_HEALTHY_SECONDS;
        for (i, a) in apps.iter().enumerate() {
            let detection = a.health.failure_threshold * a.health.interval;
            let single: Vec<&str> = regions
                .iter()
                .filter(|r| {
                    a.overrides
                        .get(*r)
                        .and_then(|o| o.replicas)
                        .unwrap_or(a.replicas)
                        == 1
                })
                .map(String::as_str)
                .collect();
            if single.is_empty() || detection > healthy {
                continue;
            }
            self.warn(
                &format!("apps[{i}].replicas"),
                format!(
                    "a rollout of {} can fail it over: with one replica in {} the ALB has no healthy target until the new pod's target turns healthy (at least {healthy} s), and its Route 53 check fails after {} × {} s = {detection} s",
                    a.name,
                    single.join(", "),
                    a.health.failure_threshold,
                    a.health.interval
                ),
                format!("run 2 or more replicas, or make the check slower than {healthy} s (health.failureThreshold × health.interval); EKS Auto Mode documents no pod readiness gate, which aws-lbc has"),
            );
        }
    }

    fn arc(
        &mut self,
        raw: &spec::RawArc,
        name: &str,
        regions: &[String],
        apps: &[App],
    ) -> Option<Arc> {
        if self.scalar("arc.enabled", &raw.enabled, "allowed: true or false") != Some(true) {
            return None;
        }
        let cluster = match (
            &raw.cluster_arn,
            raw.cluster.as_ref().and_then(|c| c.name.as_ref()),
        ) {
            (Some(_), Some(_)) => {
                self.err("arc.cluster", "both `clusterArn` and `cluster` are given", "give one: an existing cluster's ARN, or `cluster: {name: ...}` for gen to create one");
                None
            }
            (None, None) => {
                self.err("arc", "no ARC cluster given", "set `clusterArn` (an existing cluster) or `cluster: {name: ...}` (gen creates one; clusters are billed per hour)");
                None
            }
            (Some(arn), None) => {
                let parts: Vec<&str> = arn.splitn(6, ':').collect();
                let ok = parts.len() == 6
                    && parts[0] == "arn"
                    && parts[1].starts_with("aws")
                    && parts[2] == "route53-recovery-control"
                    && parts[4].len() == 12
                    && parts[4].chars().all(|c| c.is_ascii_digit())
                    && parts[5].strip_prefix("cluster/").is_some_and(|id| {
                        !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                if !ok {
                    self.err(
                        "arc.clusterArn",
                        format!("`{}` is not an ARC cluster ARN", arn.escape_debug()),
                        "allowed: arn:aws:route53-recovery-control::ACCOUNT:cluster/ID",
                    );
                    None
                } else {
                    Some(ArcCluster::Existing(arn.clone()))
                }
            }
            (None, Some(n)) => {
                if arc_name_ok(n) {
                    Some(ArcCluster::Create(n.clone()))
                } else {
                    self.err(
                        "arc.cluster.name",
                        format!("`{}` is not a valid ARC cluster name", n.escape_debug()),
                        "allowed: 1 to 64 letters, digits, `-` and `_`",
                    );
                    None
                }
            }
        };
        let scope = match raw.scope.as_deref() {
            None | Some("region") => Some(ArcScope::Region),
            Some("app") => Some(ArcScope::App),
            Some(other) => {
                self.err("arc.scope", format!("unknown scope `{other}`"), "allowed: region (one routing control per Region), app (one per app per Region)");
                None
            }
        };
        let covered: Vec<String> = match &raw.apps {
            None => apps.iter().map(|a| a.name.clone()).collect(),
            Some(list) => {
                for (i, a) in list.iter().enumerate() {
                    if !apps.iter().any(|x| &x.name == a) {
                        self.err(
                            &format!("arc.apps[{i}]"),
                            format!("`{a}` is not an app of this spec"),
                            format!(
                                "allowed: {}",
                                apps.iter()
                                    .map(|a| a.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                    }
                }
                list.clone()
            }
        };
        if regions.len() < 2 {
            self.err(
                "arc",
                "ARC needs two Regions or more",
                "routing controls move traffic between Regions; add a Region",
            );
        }
        let min_on = self
            .scalar(
                "arc.safetyRules.minRegionsOn",
                &raw.safety_rules
                    .as_ref()
                    .and_then(|r| r.min_regions_on.clone()),
                "allowed: a whole number",
            )
            .unwrap_or(1);
        if min_on < 1 || (regions.len() >= 2 && min_on as usize >= regions.len()) {
            self.err(
                "arc.safetyRules.minRegionsOn",
                format!("{min_on} cannot be kept with {} Regions", regions.len()),
                format!("allowed: 1 to {} (at least one Region on, and at least one that can be turned off)", regions.len().saturating_sub(1).max(1)),
            );
        }
        // The Regions where each covered app has records: controls exist
        // only there (model::arc).
        let own: Vec<(&str, Vec<&String>)> = apps
            .iter()
            .filter(|a| covered.contains(&a.name))
            .map(|a| {
                let rs = regions.iter().filter(|r| a.routing.answers_in(r)).collect();
                (a.name.as_str(), rs)
            })
            .collect();
        // A rule over an app's own Regions keeps `minRegionsOn` of them On,
        // but never all: an app with records in only that many Regions could
        // then never be moved, so its rule keeps one fewer.
        for (app, rs) in &own {
            let n = rs.len();
            if n >= 2 && n < regions.len() && min_on as usize >= n {
                self.warn(
                    "arc.safetyRules.minRegionsOn",
                    format!(
                        "app {app} has records in {n} Regions only: its own safety rule keeps {} of them On, not {min_on}",
                        rule_threshold(min_on, n)
                    ),
                    "a rule of all its Regions On would forbid ever moving it; lower minRegionsOn, or give the app a record in more Regions",
                );
            }
        }
        // Everything lives in gen's one control panel. Scope `app`: a rule per
        // app, a control per app and Region it answers from. Scope `region`:
        // a rule over all, and one per other set of Regions apps use.
        let (rules_max, controls_max) = (quotas::ARC_SAFETY_RULES, quotas::ARC_ROUTING_CONTROLS);
        if scope == Some(ArcScope::App) && covered.len() > rules_max {
            self.err("arc.scope", format!("scope `app` needs {} safety rules, one per app", covered.len()), format!("ARC allows {rules_max} per control panel: use scope `region`, or list at most {rules_max} apps in arc.apps"));
        }
        if scope == Some(ArcScope::Region) {
            let mut sets: Vec<&Vec<&String>> = Vec::new();
            for (_, rs) in &own {
                if rs.len() < regions.len() && !sets.contains(&rs) {
                    sets.push(rs);
                }
            }
            if 1 + sets.len() > rules_max {
                self.err("arc.scope", format!("{} safety rules: one over every Region, and one for each of {} sets of Regions that apps answer from", 1 + sets.len(), sets.len()), format!("ARC allows {rules_max} per control panel: use fewer distinct failover pairs among the covered apps, or cover fewer apps in arc.apps"));
            }
        }
        let controls: usize = own.iter().map(|(_, rs)| rs.len()).sum();
        if scope == Some(ArcScope::App) && controls > controls_max {
            self.err("arc.scope", format!("{controls} routing controls, one per app and Region"), format!("ARC allows {controls_max} per control panel: use scope `region`, or list at most {} apps in arc.apps", controls_max / regions.len().max(1)));
        }
        for (i, r) in regions.iter().enumerate() {
            let longest = match scope {
                Some(ArcScope::App) => covered
                    .iter()
                    .map(|a| layout::routing_control_name(name, Some(a), r))
                    .max_by_key(String::len),
                _ => Some(layout::routing_control_name(name, None, r)),
            };
            if let Some(n) = longest.filter(|n| !arc_name_ok(n)) {
                self.err(
                    &format!("regions[{i}].name"),
                    format!("the routing control name `{n}` is longer than 64 characters"),
                    "shorten `name` (or the app names, with scope `app`)",
                );
            }
        }
        let readiness = match &raw.readiness {
            Some(r)
                if self.scalar(
                    "arc.readiness.enabled",
                    &r.enabled,
                    "allowed: true or false",
                ) == Some(true) =>
            {
                let resources = r.resources.clone().unwrap_or_default();
                if resources.is_empty() {
                    self.err("arc.readiness.resources", "no resources given", "list the resources to check per Region, e.g. `{eu-west-1: [arn:aws:elasticloadbalancing:...]}`");
                }
                for (region, arns) in &resources {
                    if !regions.contains(region) {
                        self.err(
                            &format!("arc.readiness.resources.{region}"),
                            format!("`{region}` is not a Region of this spec"),
                            allowed_regions(regions),
                        );
                    }
                    for (j, arn) in arns.iter().enumerate() {
                        if crate::facts::arc::readiness_type(arn).is_none() {
                            self.err(
                                &format!("arc.readiness.resources.{region}[{j}]"),
                                format!("`{}` is not the ARN of a resource readiness checks support here", arn.escape_debug()),
                                "allowed: ARNs of an ALB or NLB, an Auto Scaling group, a VPC or a DynamoDB table",
                            );
                        }
                    }
                }
                // gen makes one resource set per kind of resource, and a set has a size limit.
                let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
                for arn in resources.values().flatten() {
                    if let Some((kind, _)) = crate::facts::arc::readiness_type(arn) {
                        *per_kind.entry(kind).or_default() += 1;
                    }
                }
                for (kind, n) in per_kind
                    .into_iter()
                    .filter(|(_, n)| *n > quotas::READINESS_SET_RESOURCES)
                {
                    self.err(
                        "arc.readiness.resources",
                        format!("{n} resources of type {kind}"),
                        format!(
                            "a readiness resource set holds at most {}; list fewer",
                            quotas::READINESS_SET_RESOURCES
                        ),
                    );
                }
                self.warn(
                    "arc.readiness.enabled",
                    "ARC readiness checks are closed to new AWS customers",
                    "on an account that has never used them, the ARC stack fails to create: leave readiness off there",
                );
                Some(resources)
            }
            _ => None,
        };
        Some(Arc {
            cluster: cluster?,
            scope: scope?,
            apps: covered,
            min_on,
            readiness,
        })
    }

    fn ingress(&mut self, raw: &RawSpec, name: Option<&str>) -> Option<Ingress> {
        let default = spec::RawIngress::default();
        let ing = raw.ingress.as_ref().unwrap_or(&default);
        let controller = match ing.controller.as_deref() {
            None | Some("eks-auto") => Some(Controller::EksAuto),
            Some("aws-lbc") => Some(Controller::AwsLbc),
            Some(other) => {
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
            .unwrap_or_else(|| "internet-facing".into());
        if scheme != "internet-facing" && scheme != "internal" {
            self.err(
                "ingress.scheme",
                format!("unknown scheme `{scheme}`"),
                "allowed: internet-facing, internal",
            );
        } else if scheme == "internal" {
            self.warn(
                "ingress.scheme",
                "an internal ALB cannot be reached by Route 53 health checkers",
                "use internet-facing, or every check of this spec will report unhealthy",
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
        if !inbound_cidrs.is_empty() && !inbound_cidrs.iter().any(|c| c == "0.0.0.0/0") {
            self.warn(
                "ingress.inboundCidrs",
                "the ALB accepts only these CIDRs, and Route 53's health checkers connect from their own ranges",
                "add the ROUTE53_HEALTHCHECKS ranges of AWS's ip-ranges.json for every checker Region, or every check (and so every record) turns unhealthy",
            );
        }
        Some(Ingress {
            controller: controller?,
            alb_name: alb_name?,
            scheme,
            class_name: class_name?,
            inbound_cidrs,
        })
    }

    fn regions(&mut self, raw: &RawSpec) -> Vec<Region> {
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
                    &format!("{p}.name"),
                    &r.name,
                    "an AWS Region name, e.g. `eu-west-1`",
                )
                .cloned();
            if let Some(n) = &name {
                if !is_region_name(n) {
                    self.err(
                        &format!("{p}.name"),
                        format!("`{n}` is not an AWS Region name"),
                        "allowed: a Region code such as eu-west-1 or us-east-1",
                    );
                } else if !seen.insert(n.clone()) {
                    self.err(
                        &format!("{p}.name"),
                        format!("Region `{n}` is listed twice"),
                        "each Region appears once in `regions`",
                    );
                }
            }
            let cluster = self
                .required(
                    &format!("{p}.cluster"),
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
                    self.err(&format!("{p}.cluster"), format!("`{c}` is not a valid EKS cluster name"), "allowed: 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit");
                } else if !clusters.insert(c.to_ascii_lowercase()) {
                    self.err(
                        &format!("{p}.cluster"),
                        format!("cluster `{c}` is used by two Regions"),
                        "each Region has its own cluster (names compared ignoring case, as they name directories), so Flux paths never overlap",
                    );
                }
            }
            if let Some(d) = &r.alb_dns_name {
                self.domain(&format!("{p}.albDnsName"), d, false);
            }
            let zone_id = match (&r.alb_zone_id, &name) {
                (Some(z), _) => {
                    self.zone_id(&format!("{p}.albZoneId"), z);
                    Some(z.clone())
                }
                (None, Some(n)) if is_region_name(n) => match zones::alb_zone_id(n) {
                    Some(z) => Some(z.to_string()),
                    None => {
                        self.err(
                            &format!("{p}.albZoneId"),
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
                    cluster,
                    alb_dns_name: r.alb_dns_name.clone(),
                    alb_zone_id,
                    certificate_arn: r.certificate_arn.clone(),
                    kube_context: r.kube_context.clone(),
                });
            }
        }
        out
    }

    fn health_defaults(&mut self, raw: Option<&RawHealthCheck>) -> HealthFields {
        let d = raw.cloned().unwrap_or_default();
        let h = RawHealth {
            path: None,
            protocol: d.protocol,
            port: d.port,
            interval: d.interval,
            failure_threshold: d.failure_threshold,
            measure_latency: d.measure_latency,
        };
        self.health_fields("healthCheck", &h)
    }

    /// Checks the fields shared by `healthCheck` and `apps[].health`.
    fn health_fields(&mut self, p: &str, h: &RawHealth) -> HealthFields {
        let mut f = HealthFields::default();
        f.protocol = match h.protocol.as_deref() {
            None => None,
            Some("HTTP") => Some(Protocol::Http),
            Some("HTTPS") => Some(Protocol::Https),
            Some("TCP") => Some(Protocol::Tcp),
            Some(other) => {
                self.err(
                    &format!("{p}.protocol"),
                    format!("unknown protocol `{other}`"),
                    "allowed: HTTP, HTTPS, TCP",
                );
                f.bad = true;
                None
            }
        };
        f.port = self.scalar(
            &format!("{p}.port"),
            &h.port,
            "allowed: a port number, 1 to 65535",
        );
        if f.port == Some(0) {
            self.err(
                &format!("{p}.port"),
                "port 0 is not a port",
                "allowed: 1 to 65535",
            );
        }
        f.interval = self.scalar(
            &format!("{p}.interval"),
            &h.interval,
            "allowed: 10 or 30 (seconds)",
        );
        if let Some(i) = f.interval
            && i != 10
            && i != 30
        {
            self.err(
                &format!("{p}.interval"),
                format!("interval {i} is not one Route 53 offers"),
                "allowed: 10 or 30 (seconds)",
            );
        }
        f.failure_threshold = self.scalar(
            &format!("{p}.failureThreshold"),
            &h.failure_threshold,
            "allowed: 1 to 10",
        );
        if let Some(t) = f.failure_threshold
            && !(1..=10).contains(&t)
        {
            self.err(
                &format!("{p}.failureThreshold"),
                format!("failure threshold {t} is out of range"),
                "allowed: 1 to 10",
            );
        }
        f.measure_latency = self.scalar(
            &format!("{p}.measureLatency"),
            &h.measure_latency,
            "allowed: true or false",
        );
        f
    }

    /// A number or boolean field: its value, or None (reporting a value of
    /// the wrong type).
    fn scalar<T: Copy>(&mut self, p: &str, v: &Option<Scalar<T>>, allowed: &str) -> Option<T> {
        match v {
            None => None,
            Some(Scalar::Ok(t)) => Some(*t),
            Some(Scalar::Wrong(message)) => {
                // serde says "invalid type: string \"x\", expected u16"; the
                // hint says what is allowed in the spec's own terms.
                let message = message.split(", expected").next().unwrap_or(message);
                self.err(p, message.to_string(), allowed.to_string());
                None
            }
        }
    }

    fn flux(&mut self, raw: &RawSpec) -> Flux {
        let default = spec::RawFlux::default();
        let f = raw.flux.as_ref().unwrap_or(&default);
        let source = f.source.clone().unwrap_or_else(|| "flux-system".into());
        let namespace = f.namespace.clone().unwrap_or_else(|| "flux-system".into());
        let interval = f.interval.clone().unwrap_or_else(|| "10m".into());
        if f.source.is_some() {
            self.dns_subdomain("flux.source", &source);
        }
        if f.namespace.is_some() {
            self.dns_label("flux.namespace", &namespace);
        }
        if !is_go_duration(&interval) {
            self.err(
                "flux.interval",
                format!("`{interval}` is not a duration"),
                "allowed: a Go duration such as 1m, 10m or 1h30m",
            );
        }
        Flux {
            source,
            namespace,
            interval,
        }
    }

    fn apps(
        &mut self,
        raw: &RawSpec,
        zone: Option<&str>,
        regions: &[String],
        defaults: &HealthFields,
    ) -> Option<Vec<App>> {
        let Some(list) = &raw.apps else {
            self.err(
                "apps",
                "missing required field",
                "list the apps, each with name, host, image and health.path",
            );
            return None;
        };
        if list.is_empty() {
            self.err("apps", "no app given", "list at least one app");
        }
        let mut out = Vec::new();
        let mut ok = true;
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let mut hosts: BTreeMap<String, usize> = BTreeMap::new();
        let mut paths: BTreeMap<String, usize> = BTreeMap::new();
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        for (i, a) in list.iter().enumerate() {
            let p = format!("apps[{i}]");
            if let Some(n) = &a.name {
                if let Some(j) = names.insert(n.clone(), i) {
                    self.err(
                        &format!("{p}.name"),
                        format!("app `{n}` is already defined at apps[{j}]"),
                        "app names are unique",
                    );
                } else if is_dns1035_label(n) {
                    // Logical IDs drop hyphens; two names that differ only there would collide.
                    if let Some(j) = ids.insert(pascal(n), i) {
                        self.err(
                            &format!("{p}.name"),
                            format!(
                                "app `{n}` maps to the same CloudFormation logical IDs as apps[{j}]"
                            ),
                            "rename one of them: names that differ only in hyphens collide",
                        );
                    }
                }
            }
            if let Some(h) = &a.host
                && let Some(j) = hosts.insert(h.trim_end_matches('.').to_string(), i)
            {
                self.err(
                    &format!("{p}.host"),
                    format!("host `{h}` is already used by apps[{j}]"),
                    "each app has its own host name",
                );
            }
            if let Some(path) = a.health.as_ref().and_then(|h| h.path.clone())
                && let Some(j) = paths.insert(path.clone(), i)
            {
                self.err(
                        &format!("{p}.health.path"),
                        format!("health path `{path}` is already used by apps[{j}]"),
                        "apps share one ALB, whose host-less rule sends each health path to one app: give every app its own path, e.g. /<app>health",
                    );
            }
            match self.app(&p, a, zone, regions, defaults) {
                Some(app) => out.push(app),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn app(
        &mut self,
        p: &str,
        a: &RawApp,
        zone: Option<&str>,
        regions: &[String],
        defaults: &HealthFields,
    ) -> Option<App> {
        let name = self
            .required(
                &format!("{p}.name"),
                &a.name,
                "a DNS-1035 label, e.g. `app1`",
            )
            .cloned();
        if let Some(n) = &name
            && !is_dns1035_label(n)
        {
            self.err(&format!("{p}.name"), format!("`{n}` is not a valid app name"), "allowed: 1 to 63 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit (it names the Deployment, Service and files)");
        }
        let host = self
            .required(
                &format!("{p}.host"),
                &a.host,
                "the app's DNS name inside dns.zone",
            )
            .map(|h| h.trim_end_matches('.').to_string());
        if let (Some(h), Some(z)) = (&host, zone)
            && self.domain(&format!("{p}.host"), h, true)
            && h != z
            && !h.ends_with(&format!(".{z}"))
        {
            self.err(
                &format!("{p}.host"),
                format!("`{h}` is not inside the hosted zone `{z}`"),
                format!("allowed: `{z}` or a name ending in `.{z}`"),
            );
        }
        let image = self
            .required(
                &format!("{p}.image"),
                &a.image,
                "a container image reference, e.g. `nginx:1.27`",
            )
            .cloned();
        if let Some(i) = &image {
            self.image(&format!("{p}.image"), i);
        }
        let port = self
            .scalar(
                &format!("{p}.port"),
                &a.port,
                "allowed: a port number, 1 to 65535",
            )
            .unwrap_or(80);
        if port == 0 {
            self.err(
                &format!("{p}.port"),
                "port 0 is not a port",
                "allowed: 1 to 65535",
            );
        }
        let replicas = self
            .scalar(
                &format!("{p}.replicas"),
                &a.replicas,
                "allowed: a whole number",
            )
            .unwrap_or(1);
        self.replicas(&format!("{p}.replicas"), replicas);
        let env = a.env.clone().unwrap_or_default();
        self.env(&format!("{p}.env"), &env);
        let field_env = a.field_env.clone().unwrap_or_default();
        self.env(&format!("{p}.fieldEnv"), &field_env);
        for (k, path) in &field_env {
            if env.contains_key(k) {
                self.err(
                    &format!("{p}.fieldEnv.{k}"),
                    format!("`{k}` is also set in env"),
                    "set each variable in env or in fieldEnv, not both",
                );
            }
            if !FIELD_PATHS.contains(&path.as_str()) {
                self.err(
                    &format!("{p}.fieldEnv.{k}"),
                    format!(
                        "`{}` is not a pod field the downward API offers",
                        path.escape_debug()
                    ),
                    format!("allowed: {}", FIELD_PATHS.join(", ")),
                );
            }
        }

        let health = self.health(p, a, defaults);
        let routing = self.routing(p, a.routing.as_ref(), regions);
        let stack = a.stack.clone().or_else(|| name.clone());
        if let Some(s) = &a.stack
            && !is_dns1035_label(s)
        {
            self.err(
                &format!("{p}.stack"),
                format!("`{s}` is not a valid stack group"),
                "allowed: lowercase letters, digits and hyphens, starting with a letter",
            );
        }
        let res = a.resources.clone().unwrap_or_default();
        let requests = self.quantities(
            &format!("{p}.resources.requests"),
            res.requests.as_ref(),
            "100m",
            "128Mi",
        );
        let limits = self.quantities(
            &format!("{p}.resources.limits"),
            res.limits.as_ref(),
            "500m",
            "256Mi",
        );
        let sec = a.security.clone().unwrap_or_default();
        let non_root = self
            .scalar(
                &format!("{p}.security.runAsNonRoot"),
                &sec.run_as_non_root,
                "allowed: true or false",
            )
            .unwrap_or(true);
        let user = self.scalar(
            &format!("{p}.security.runAsUser"),
            &sec.run_as_user,
            "allowed: a user ID, 1 to 4294967295",
        );
        if !non_root && user.is_some() {
            self.err(
                &format!("{p}.security.runAsUser"),
                "a user ID with runAsNonRoot: false",
                "runAsNonRoot: false runs the image's own user; drop runAsUser, or drop runAsNonRoot to run as this user",
            );
        }
        let run_as_user = non_root.then(|| user.unwrap_or(65532));
        let read_only_root_filesystem = self
            .scalar(
                &format!("{p}.security.readOnlyRootFilesystem"),
                &sec.read_only_root_filesystem,
                "allowed: true or false",
            )
            .unwrap_or(true);
        let rto = self.scalar(
            &format!("{p}.rto"),
            &a.rto,
            "allowed: a whole number of seconds",
        );
        let evaluate_target_health = self
            .scalar(
                &format!("{p}.evaluateTargetHealth"),
                &a.evaluate_target_health,
                "allowed: true or false",
            )
            .unwrap_or(false);
        if run_as_user == Some(0) {
            self.err(
                &format!("{p}.security.runAsUser"),
                "user 0 is root",
                "pods run as non-root: allowed 1 to 4294967295 (default 65532)",
            );
        }
        let rbac = a
            .rbac
            .as_ref()
            .and_then(|r| self.rbac(&format!("{p}.rbac"), r));

        let mut overrides = BTreeMap::new();
        for (region, o) in a.regions.iter().flatten() {
            let op = format!("{p}.regions.{region}");
            if !regions.contains(region) {
                self.err(
                    &op,
                    format!("`{region}` is not a Region of this spec"),
                    allowed_regions(regions),
                );
                continue;
            }
            let env = o.env.clone().unwrap_or_default();
            self.env(&format!("{op}.env"), &env);
            let replicas = self.scalar(
                &format!("{op}.replicas"),
                &o.replicas,
                "allowed: a whole number",
            );
            if let Some(r) = replicas {
                self.replicas(&format!("{op}.replicas"), r);
            }
            if let Some(i) = &o.image {
                self.image(&format!("{op}.image"), i);
            }
            overrides.insert(
                region.clone(),
                RegionOverride {
                    env,
                    replicas,
                    image: o.image.clone(),
                },
            );
        }
        if let (Some(rto), Some(h)) = (rto, &health) {
            let worst = crate::facts::route53::failover_seconds(h.interval, h.failure_threshold);
            if worst > rto {
                let fastest = crate::facts::route53::failover_seconds(10, 1);
                self.warn(
                    &format!("{p}.rto"),
                    format!(
                        "worst-case failover is {worst} s ({} × ({} s + {} s) + {} s TTL), over the rto of {rto} s",
                        h.failure_threshold, h.interval, crate::facts::route53::CHECK_TIMEOUT_S, crate::facts::route53::ALIAS_TTL_S
                    ),
                    if fastest <= rto {
                        "lower health.interval to 10 and health.failureThreshold (1 gives 76 s), or raise rto".to_string()
                    } else {
                        format!("no health-check setting fails over faster than {fastest} s (plus DNS propagation): raise rto, or use ARC to move traffic by hand")
                    },
                );
            }
        }
        Some(App {
            name: name?,
            host: host?,
            image: image?,
            port,
            replicas,
            env,
            field_env,
            health: health?,
            routing: routing?,
            evaluate_target_health,
            stack: stack?,
            requests: requests?,
            limits: limits?,
            run_as_user,
            read_only_root_filesystem,
            rbac: match (&a.rbac, rbac) {
                (Some(_), None) => return None,
                (_, r) => r,
            },
            overrides,
        })
    }

    /// Whether the ALB gets an HTTPS:443 listener: only when every Region
    /// names a certificate from its own Region (ACM certificates are regional).
    fn certificates(&mut self, raw: &RawSpec) -> bool {
        let regions = raw.regions.as_deref().unwrap_or_default();
        let with = regions
            .iter()
            .filter(|r| r.certificate_arn.is_some())
            .count();
        for (i, r) in regions.iter().enumerate() {
            let (Some(arn), Some(name)) = (&r.certificate_arn, &r.name) else {
                continue;
            };
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let ok = parts.len() == 6
                && parts[0] == "arn"
                && parts[1].starts_with("aws")
                && parts[2] == "acm"
                && parts[4].len() == 12
                && parts[4].chars().all(|c| c.is_ascii_digit())
                && parts[5].starts_with("certificate/")
                && arn.chars().all(|c| c.is_ascii_graphic());
            if !ok {
                self.err(
                    &format!("regions[{i}].certificateArn"),
                    format!("`{}` is not an ACM certificate ARN", arn.escape_debug()),
                    "allowed: arn:aws:acm:REGION:ACCOUNT:certificate/ID",
                );
            } else if parts[3] != name {
                self.err(
                    &format!("regions[{i}].certificateArn"),
                    format!("the certificate is in {}, the ALB in {name}", parts[3]),
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
    fn listeners(&mut self, apps: &[App], https: bool) {
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

    fn health(&mut self, p: &str, a: &RawApp, d: &HealthFields) -> Option<HealthCheck> {
        let Some(h) = &a.health else {
            self.err(
                &format!("{p}.health"),
                "missing required field",
                "add `health: {path: /<app>health}`: the path Route 53 checks on the shared ALB",
            );
            return None;
        };
        let hp = format!("{p}.health");
        let path = self
            .required(
                &format!("{hp}.path"),
                &h.path,
                "the app's health path, e.g. /app1health",
            )
            .cloned();
        if let Some(path) = &path {
            // What both an ALB exact path rule and a Route 53 ResourcePath accept.
            let ok = path.starts_with('/')
                && path.len() <= 128
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-.$~@:+".contains(c));
            if !ok {
                self.err(
                    &format!("{hp}.path"),
                    format!("`{}` is not a valid health path", path.escape_debug()),
                    "allowed: a path starting with `/`, at most 128 characters of letters, digits and / _ - . $ ~ @ : + (an ALB path rule's limits)",
                );
            }
        }
        let own = self.health_fields(&hp, h);
        if own.bad {
            return None;
        }
        let protocol = own.protocol.or(d.protocol).unwrap_or(Protocol::Http);
        if protocol == Protocol::Tcp {
            self.warn(
                &format!("{hp}.protocol"),
                "a TCP check only sees the shared ALB's listener, not this app",
                "use HTTP or HTTPS so the check follows the app's health path",
            );
        }
        Some(HealthCheck {
            path: path?,
            protocol,
            port: own
                .port
                .or(d.port)
                .unwrap_or(if protocol == Protocol::Https { 443 } else { 80 }),
            interval: own.interval.or(d.interval).unwrap_or(30),
            failure_threshold: own.failure_threshold.or(d.failure_threshold).unwrap_or(3),
            measure_latency: own.measure_latency.or(d.measure_latency).unwrap_or(false),
        })
    }

    fn routing(
        &mut self,
        p: &str,
        raw: Option<&serde_yaml::Value>,
        regions: &[String],
    ) -> Option<Routing> {
        use serde_yaml::Value;
        let rp = format!("{p}.routing");
        const ALLOWED: &str = "allowed: `latency`, `{weighted: {REGION: WEIGHT, ...}}`, `failover` or `{failover: {primary: REGION}}`";
        let Some(raw) = raw else {
            return Some(Routing::Latency);
        };
        match raw {
            Value::String(s) if s == "latency" => Some(Routing::Latency),
            Value::String(s) if s == "failover" => {
                self.failover(&format!("{rp}.failover"), &Value::Null, regions)
            }
            Value::String(s) if s == "weighted" => {
                self.err(&rp, "`weighted` needs a weight per Region", ALLOWED);
                None
            }
            Value::Mapping(m) if m.len() > 1 => {
                let names: Vec<String> = m.keys().map(yaml_inline).collect();
                self.err(
                    &rp,
                    format!("{} routing policies given ({})", m.len(), names.join(", ")),
                    "give exactly one policy per app",
                );
                None
            }
            Value::Mapping(m) if m.len() == 1 => {
                let (k, v) = m.iter().next()?;
                match k.as_str() {
                    Some("weighted") => self.weighted(&format!("{rp}.weighted"), v, regions),
                    Some("failover") => self.failover(&format!("{rp}.failover"), v, regions),
                    Some("latency") if v.is_null() => Some(Routing::Latency),
                    _ => {
                        self.err(
                            &rp,
                            format!("unknown routing policy `{}`", yaml_inline(k)),
                            ALLOWED,
                        );
                        None
                    }
                }
            }
            other => {
                self.err(
                    &rp,
                    format!("unknown routing policy `{}`", yaml_inline(other)),
                    ALLOWED,
                );
                None
            }
        }
    }

    fn weighted(&mut self, p: &str, v: &serde_yaml::Value, regions: &[String]) -> Option<Routing> {
        let Some(m) = v.as_mapping() else {
            self.err(
                p,
                "weights must be a map of Region to weight",
                "e.g. `{weighted: {eu-west-1: 100, eu-central-1: 0}}`",
            );
            return None;
        };
        let mut weights = BTreeMap::new();
        let mut ok = true;
        for (k, w) in m {
            let Some(region) = k.as_str() else {
                self.err(
                    p,
                    format!("`{}` is not a Region name", yaml_inline(k)),
                    allowed_regions(regions),
                );
                ok = false;
                continue;
            };
            let wp = format!("{p}.{region}");
            if !regions.iter().any(|r| r == region) {
                self.err(
                    &wp,
                    format!("`{region}` is not a Region of this spec"),
                    allowed_regions(regions),
                );
                ok = false;
            }
            match w.as_i64() {
                Some(n) if (0..=255).contains(&n) => {
                    weights.insert(region.to_string(), n as u8);
                }
                None => {
                    self.err(
                        &wp,
                        format!("weight `{}` is not an integer", yaml_inline(w)),
                        "allowed: an integer from 0 to 255, unquoted",
                    );
                    ok = false;
                }
                Some(_) => {
                    self.err(
                        &wp,
                        format!("weight `{}` is out of range", yaml_inline(w)),
                        "allowed: an integer from 0 to 255 (0 keeps the record as a standby)",
                    );
                    ok = false;
                }
            }
        }
        for r in regions {
            if !m.contains_key(r.as_str()) {
                self.err(p, format!("no weight for Region `{r}`"), "give every Region a weight from 0 to 255 (0 = standby, used only when the others are unhealthy)");
                ok = false;
            }
        }
        if ok && !weights.is_empty() && weights.values().all(|w| *w == 0) {
            self.err(p, "every weight is 0", "give at least one Region a weight above 0: with all at 0 Route 53 spreads traffic evenly and the weights mean nothing");
            ok = false;
        }
        ok.then_some(Routing::Weighted(weights))
    }

    /// `failover`, `{failover: {}}` or `{failover: {primary: R, secondary: R}}`;
    /// the primary defaults to the first Region, the secondary to the next.
    fn failover(&mut self, p: &str, v: &serde_yaml::Value, regions: &[String]) -> Option<Routing> {
        let empty = serde_yaml::Mapping::new();
        let m = match v {
            serde_yaml::Value::Null => &empty,
            serde_yaml::Value::Mapping(m) => m,
            _ => {
                self.err(
                    p,
                    "failover takes `{primary: REGION, secondary: REGION}`",
                    "e.g. `{failover: {primary: eu-west-1}}`; both are optional",
                );
                return None;
            }
        };
        for k in m.keys() {
            if !matches!(k.as_str(), Some("primary" | "secondary")) {
                self.err(
                    &format!("{p}.{}", yaml_inline(k)),
                    format!("unknown field `{}`", yaml_inline(k)),
                    "allowed here: primary, secondary",
                );
            }
        }
        if regions.len() < 2 {
            self.err(
                p,
                "failover routing needs two Regions",
                "add a second Region, or use `latency` routing",
            );
            return None;
        }
        let mut pick = |field: &str| -> Option<Option<String>> {
            match m.get(field) {
                None => Some(None),
                Some(serde_yaml::Value::String(s)) if regions.contains(s) => Some(Some(s.clone())),
                Some(other) => {
                    self.err(
                        &format!("{p}.{field}"),
                        format!("`{}` is not a Region of this spec", yaml_inline(other)),
                        allowed_regions(regions),
                    );
                    None
                }
            }
        };
        let primary = pick("primary")?;
        let secondary = pick("secondary")?;
        let primary = primary.unwrap_or_else(|| regions[0].clone());
        let secondary = match secondary {
            Some(s) if s == primary => {
                self.err(
                    &format!("{p}.secondary"),
                    "the secondary is the primary",
                    "choose another Region for the secondary",
                );
                return None;
            }
            Some(s) => s,
            // The first other Region in spec order; Route 53 allows one secondary.
            None => regions.iter().find(|r| **r != primary)?.clone(),
        };
        Some(Routing::Failover { primary, secondary })
    }

    fn quantities(
        &mut self,
        p: &str,
        q: Option<&spec::RawQuantities>,
        cpu: &str,
        memory: &str,
    ) -> Option<Quantities> {
        let cpu = q
            .and_then(|q| q.cpu.clone())
            .unwrap_or_else(|| cpu.to_string());
        let memory = q
            .and_then(|q| q.memory.clone())
            .unwrap_or_else(|| memory.to_string());
        let mut ok = true;
        for (f, v) in [("cpu", &cpu), ("memory", &memory)] {
            if !is_quantity(v) {
                self.err(
                    &format!("{p}.{f}"),
                    format!("`{}` is not a Kubernetes quantity", v.escape_debug()),
                    "allowed: a number with an optional suffix, e.g. 250m, 0.5, 128Mi, 1Gi",
                );
                ok = false;
            }
        }
        ok.then_some(Quantities { cpu, memory })
    }

    fn rbac(&mut self, p: &str, r: &spec::RawRbac) -> Option<Rbac> {
        let cluster_scope = match r.scope.as_deref() {
            None | Some("namespace") => false,
            Some("cluster") => true,
            Some(other) => {
                self.err(
                    &format!("{p}.scope"),
                    format!("unknown scope `{other}`"),
                    "allowed: namespace (Role), cluster (ClusterRole)",
                );
                return None;
            }
        };
        let Some(raw_rules) = r.rules.as_ref().filter(|r| !r.is_empty()) else {
            self.err(&format!("{p}.rules"), "no rule given", "list rules as `{apiGroups: [\"\"], resources: [nodes], verbs: [get, list]}`, or drop `rbac`");
            return None;
        };
        let mut rules = Vec::new();
        for (i, rule) in raw_rules.iter().enumerate() {
            let rp = format!("{p}.rules[{i}]");
            let api_groups = rule
                .api_groups
                .clone()
                .unwrap_or_else(|| vec![String::new()]);
            let resources = rule.resources.clone().unwrap_or_default();
            let verbs = rule.verbs.clone().unwrap_or_default();
            if resources.is_empty() {
                self.err(
                    &format!("{rp}.resources"),
                    "no resource given",
                    "e.g. `resources: [configmaps]`",
                );
            }
            if verbs.is_empty() {
                self.err(
                    &format!("{rp}.verbs"),
                    "no verb given",
                    "e.g. `verbs: [get, list, watch]`",
                );
            }
            for (f, list) in [
                ("apiGroups", &api_groups),
                ("resources", &resources),
                ("verbs", &verbs),
            ] {
                for s in list {
                    if !s
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-._/*".contains(c))
                    {
                        self.err(
                            &format!("{rp}.{f}"),
                            format!("`{}` is not a valid entry", s.escape_debug()),
                            "allowed: letters, digits and - . _ / *",
                        );
                    }
                }
            }
            rules.push(Rule {
                api_groups,
                resources,
                verbs,
            });
        }
        Some(Rbac {
            cluster_scope,
            rules,
        })
    }

    /// CloudFormation template limits, checked per stack group before render.
    /// (Byte size is checked again on the rendered text by `render`.)
    /// Names `gen` derives from the spec must fit their limits (checked
    /// here, against `layout`'s naming, so the error names the spec field),
    /// and a few quotas are worth a warning before deploying.
    fn limits(&mut self, name: &str, apps: &[App], regions: usize, https: bool) {
        if apps.len() > 1 {
            for (i, a) in apps
                .iter()
                .enumerate()
                .filter(|(_, a)| a.evaluate_target_health)
            {
                self.warn(
                    &format!("apps[{i}].evaluateTargetHealth"),
                    format!("`{}` evaluates the health of the ALB it shares with {} other apps", a.name, apps.len() - 1),
                    "the ALB counts as unhealthy when any app on it has no healthy target, so one app failing moves this one too (`gen simulate` shows it); leave it false: the app's own check already guards its record",
                );
            }
        }
        let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, a) in apps.iter().enumerate() {
            groups.entry(&a.stack).or_insert(i);
            // Flux writes the Kustomization's name into a label (63 characters at most).
            let flux = layout::flux_name(name, &format!("app-{}", a.name));
            if flux.len() > 63 {
                self.err(
                    &format!("apps[{i}].name"),
                    format!("the Flux Kustomization name `{flux}` is longer than 63 characters"),
                    "shorten `name` or the app's name: Flux puts this name in a label on every object it applies",
                );
            }
        }
        for (stack, i) in groups {
            let full = layout::stack_name(name, stack);
            if full.len() > 128 {
                self.err(
                    &format!("apps[{i}].stack"),
                    format!("stack name `{full}` is longer than 128 characters"),
                    "shorten `name` or the stack group",
                );
            }
        }
        // One host rule and one health rule per app, on each listener.
        let rules = apps.len() * 2 * if https { 2 } else { 1 };
        let (rules_max, checks_max) = (quotas::ALB_RULES, quotas::HEALTH_CHECKS);
        if rules > rules_max {
            self.warn(
                "apps",
                format!("the shared ALB needs {rules} listener rules; the default quota is {rules_max} per ALB"),
                "ask for a higher \"Rules per Application Load Balancer\" quota in each Region before deploying",
            );
        }
        let checks = apps.len() * regions;
        if checks > checks_max {
            self.warn(
                "apps",
                format!(
                    "{checks} Route 53 health checks; the default quota is {checks_max} per account"
                ),
                "ask AWS for a higher Route 53 health check quota before deploying",
            );
        }
    }

    fn replicas(&mut self, p: &str, r: u32) {
        if r > MAX_REPLICAS {
            self.err(
                p,
                format!("{r} replicas"),
                format!("allowed: 0 to {MAX_REPLICAS}"),
            );
        }
    }

    fn env(&mut self, p: &str, env: &BTreeMap<String, String>) {
        for k in env.keys() {
            let ok = !k.is_empty()
                && !k.starts_with(|c: char| c.is_ascii_digit())
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
            if !ok {
                self.err(
                    &format!("{p}.{k}"),
                    format!(
                        "`{}` is not a valid environment variable name",
                        k.escape_debug()
                    ),
                    "allowed: letters, digits, `-`, `.` and `_`, not starting with a digit",
                );
            }
        }
    }

    fn image(&mut self, p: &str, i: &str) {
        let ok = !i.is_empty()
            && i.len() <= 512
            && i.chars()
                .all(|c| c.is_ascii_alphanumeric() || "./_:@-".contains(c))
            && !i.starts_with(['-', '.', ':', '@']);
        if !ok {
            self.err(p, format!("`{}` is not a container image reference", i.escape_debug()), "allowed: [registry/]repository[:tag][@digest] with letters, digits and . / _ : @ -");
        }
    }

    fn dns_label(&mut self, p: &str, s: &str) {
        if !is_dns1123_label(s) {
            self.err(p, format!("`{}` is not a DNS-1123 label", s.escape_debug()), "allowed: 1 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit");
        }
    }

    fn dns_subdomain(&mut self, p: &str, s: &str) {
        let ok = !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label);
        if !ok {
            self.err(
                p,
                format!("`{}` is not a DNS-1123 subdomain", s.escape_debug()),
                "allowed: lowercase letters, digits, `-` and `.`, at most 253 characters",
            );
        }
    }

    fn zone_id(&mut self, p: &str, s: &str) {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            self.err(
                p,
                format!("`{}` is not a Route 53 hosted zone ID", s.escape_debug()),
                "allowed: up to 32 uppercase letters and digits, e.g. Z32O12XQLNTSW2",
            );
        }
    }

    /// A lowercase DNS name; `wildcard` allows a leading `*.`. Returns validity.
    fn domain(&mut self, p: &str, s: &str, wildcard: bool) -> bool {
        let body = if wildcard {
            s.strip_prefix("*.").unwrap_or(s)
        } else {
            s
        };
        let ok = !body.is_empty()
            && s.len() <= 253
            && body.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if !ok {
            self.err(p, format!("`{}` is not a valid DNS name", s.escape_debug()), "allowed: lowercase labels of letters, digits and hyphens separated by dots, at most 253 characters");
        }
        ok
    }
}

pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// The hint listing a spec's Regions.
fn allowed_regions(regions: &[String]) -> String {
    if regions.is_empty() {
        "the spec lists no Regions yet (see `regions`)".into()
    } else {
        format!("allowed: {}", regions.join(", "))
    }
}

fn is_region_name(s: &str) -> bool {
    // e.g. eu-west-1, us-gov-west-1, ap-southeast-7
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.len() <= 4
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
        && parts[0].len() == 2
}

fn is_cidr(s: &str) -> bool {
    let Some((ip, bits)) = s.split_once('/') else {
        return false;
    };
    match (ip.parse::<std::net::IpAddr>(), bits.parse::<u8>()) {
        (Ok(std::net::IpAddr::V4(_)), Ok(b)) => b <= 32,
        (Ok(std::net::IpAddr::V6(_)), Ok(b)) => b <= 128,
        _ => false,
    }
}

fn is_go_duration(s: &str) -> bool {
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 || rest[..digits].parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "h", "m", "s"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

fn is_quantity(s: &str) -> bool {
    let num_end = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(num_end);
    !num.is_empty()
        && num.parse::<f64>().is_ok()
        && [
            "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
        ]
        .contains(&suffix)
}

fn yaml_inline(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.escape_debug().to_string(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .replace('\n', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert!(is_region_name("eu-west-1"));
        assert!(is_region_name("us-gov-west-1"));
        assert!(!is_region_name("eu-west"));
        assert!(!is_region_name("EU-west-1"));
        assert!(is_go_duration("1h30m"));
        assert!(is_go_duration("10m"));
        assert!(!is_go_duration("10"));
        assert!(!is_go_duration("m"));
        assert!(is_quantity("100m"));
        assert!(is_quantity("1.5Gi"));
        assert!(!is_quantity("1 Gi"));
        assert!(!is_quantity("Gi"));
        assert_eq!(pascal("eu-west-1"), "EuWest1");
        assert_eq!(pascal("a-b1"), pascal("a-b-1"));
    }

    /// Errors of a spec text.
    fn errors(text: &str) -> Vec<String> {
        let loaded = crate::spec::load(text, "gen.yaml").expect("loads");
        validate(&loaded)
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.display("gen.yaml").to_string())
            .collect()
    }

    #[test]
    fn a_region_scope_panel_counts_a_rule_per_set_of_regions_apps_use() {
        let regions = [
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "eu-central-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
        ];
        let mut text = "version: 1\nname: t\ndns: {zone: example.com, zoneId: Z1}\narc: {enabled: true, cluster: {name: t}}\nregions:\n".to_string();
        for (i, r) in regions.iter().enumerate() {
            text.push_str(&format!(
                "  - {{name: {r}, cluster: c{i}, albDnsName: a{i}.elb.amazonaws.com}}\n"
            ));
        }
        text.push_str("apps:\n");
        // Every pair of the seven Regions as one app's failover pair: 21 sets.
        let mut n = 0;
        for (i, p) in regions.iter().enumerate() {
            for s in &regions[i + 1..] {
                text.push_str(&format!("  - {{name: a{n}, host: a{n}.example.com, image: i, health: {{path: /a{n}}}, routing: {{failover: {{primary: {p}, secondary: {s}}}}}}}\n"));
                n += 1;
            }
        }
        let errs = errors(&text);
        assert!(
            errs.iter().any(|e| e
                .contains("22 safety rules: one over every Region, and one for each of 21 sets")),
            "{errs:?}"
        );
        // Nineteen pairs (13 lines before the apps) fit beside the panel-wide rule.
        let fewer: String = text
            .lines()
            .take(13 + 19)
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(errors(&fewer).is_empty(), "{:?}", errors(&fewer));
    }
}
