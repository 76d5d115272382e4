//! `apps[].rbac`: the Role or ClusterRole an app's service account gets.

use super::*;

impl Validator {
    pub(super) fn rbac(&mut self, p: &str, r: &spec::RawRbac) -> Option<Rbac> {
        let cluster_scope = match r.scope.as_deref() {
            None | Some("namespace") => false,
            Some("cluster") => true,
            Some(other) => {
                self.err(
                    &field(p, "scope"),
                    format!("unknown scope `{other}`"),
                    "allowed: namespace (Role), cluster (ClusterRole)",
                );
                return None;
            }
        };
        let Some(raw_rules) = r.rules.as_ref().filter(|r| !r.is_empty()) else {
            self.err(&field(p, "rules"), "no rule given", "list rules as `{apiGroups: [\"\"], resources: [nodes], verbs: [get, list]}`, or drop `rbac`");
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
                    &field(&rp, "resources"),
                    "no resource given",
                    "e.g. `resources: [configmaps]`",
                );
            }
            if verbs.is_empty() {
                self.err(
                    &field(&rp, "verbs"),
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
}
