//! `arc`: the ARC cluster, scope, covered apps, safety rules and readiness,
//! against ARC's per-panel quotas.

use super::format::{allowed_regions, arc_name_ok};
use super::*;
use crate::facts::arn::Arn;

impl Validator {
    pub(super) fn arc(
        &mut self,
        raw: &spec::RawArc,
        name: &str,
        regions: &[String],
        apps: &[App],
    ) -> Option<Arc> {
        let enabled = self.scalar("arc.enabled", &raw.enabled, "allowed: true or false");
        if !enabled.unwrap_or(defaults::ARC_ENABLED) {
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
                let ok = Arn::parse(arn).is_some_and(|a| {
                    a.service == "route53-recovery-control"
                        && a.has_account()
                        && a.resource.strip_prefix("cluster/").is_some_and(|id| {
                            !id.is_empty()
                                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        })
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
        let scope = match raw.scope.as_deref().unwrap_or(defaults::ARC_SCOPE) {
            "region" => Some(ArcScope::Region),
            "app" => Some(ArcScope::App),
            other => {
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
            .unwrap_or(defaults::ARC_MIN_REGIONS_ON);
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
        let readiness = raw
            .readiness
            .as_ref()
            .and_then(|r| self.readiness(r, regions));
        Some(Arc {
            cluster: cluster?,
            scope: scope?,
            apps: covered,
            min_on,
            readiness,
        })
    }

    /// `arc.readiness`: the resources checked per Region, when enabled.
    pub(super) fn readiness(
        &mut self,
        r: &spec::RawReadiness,
        regions: &[String],
    ) -> Option<BTreeMap<String, Vec<String>>> {
        let enabled = self.scalar(
            "arc.readiness.enabled",
            &r.enabled,
            "allowed: true or false",
        );
        if !enabled.unwrap_or(defaults::ARC_READINESS_ENABLED) {
            return None;
        }
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
        Some(resources)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::errors;

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
