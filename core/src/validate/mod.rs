//! `validate`: check a raw spec, apply defaults, and produce a [`Spec`] every
//! later stage can trust. Every problem is collected; nothing stops early.
//!
//! One file per section of the spec (document, ingress, regions, health,
//! routing, apps and their containers, rbac, arc), one for the names gen
//! derives and must fit their limits, one for the format checks they share.
//! Literal defaults come from `spec::defaults`, the table the JSON Schema
//! shows. Design advice on a valid spec is not here: it is `lint`'s, which
//! reads the plan.
//!
//! This module knows the rules of the spec, Kubernetes names and AWS limits.
//! It does not know file layout, templates or logical IDs (those are
//! `model`'s), except through `layout`'s name constructors: two names that
//! would collide, or one over its limit, are rejected here with the spec's
//! words.

mod accounts;
mod alb_apps;
mod apps;
mod arc;
mod argocd;
mod container;
mod databases;
mod document;
mod format;
mod geo_routing;
mod health;
mod ingress;
mod listeners;
mod names;
mod rbac;
mod region_switch;
mod regions;
mod rollout;
mod routing;

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diagnostic;
use crate::facts::quotas;
use crate::facts::zones;
use crate::layout::{self, pascal};
use crate::spec::checked::*;
use crate::spec::defaults;
use crate::spec::{self, RawApp, RawHealth, RawHealthCheck, RawSpec, Scalar};

pub use format::is_dns1123_label;

/// Result of validation: the checked spec (when there is no error) and every
/// diagnostic.
pub struct Outcome {
    pub spec: Option<Spec>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn validate(loaded: &spec::Loaded<'_>) -> Outcome {
    let mut v = Validator {
        out: loaded.problems.clone(),
    };
    let spec = v.spec(&loaded.raw);
    let mut diagnostics = v.out;
    loaded.lines.locate(&mut diagnostics);
    let has_error = diagnostics.iter().any(Diagnostic::is_error);
    Outcome {
        spec: if has_error { None } else { spec },
        diagnostics,
    }
}

struct Validator {
    out: Vec<Diagnostic>,
}

/// The path of field `f` of the object at `p` (`apps[3]` and `health`:
/// `apps[3].health`). Made for every field of every app, so without the
/// formatting machinery.
fn field(p: &str, f: &str) -> String {
    [p, ".", f].concat()
}

impl Validator {
    fn err(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.out.push(Diagnostic::new(path, message).hint(hint));
    }

    fn required<'a, T>(&mut self, path: &str, value: &'a Option<T>, what: &str) -> Option<&'a T> {
        if value.is_none() {
            self.err(path, "missing required field", what.to_string());
        }
        value.as_ref()
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

    /// The sections in dependency order: each later one reads what the
    /// earlier ones produced (the Regions, the apps).
    fn spec(&mut self, raw: &RawSpec) -> Option<Spec> {
        let header = self.header(raw);
        let ingress = self.ingress(raw, header.name.as_deref());
        let regions = self.regions(raw);
        let accounts = self.accounts(raw);
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
        let mut apps = self.apps(raw, header.zone.as_deref(), &region_names, &defaults);
        if let (Some(ingress), Some(apps)) = (&ingress, &mut apps) {
            self.app_albs(raw, ingress, apps);
            self.listeners(apps, ingress);
            self.gateway_routes(apps, ingress);
        }
        let arc = match (&raw.arc, &apps) {
            (Some(a), Some(apps)) => {
                self.arc(a, header.name.as_deref().unwrap_or(""), &region_names, apps)
            }
            _ => None,
        };
        let region_switch = match (&raw.region_switch, &apps) {
            (Some(r), Some(apps)) => self.region_switch(
                r,
                header.name.as_deref().unwrap_or(""),
                &region_names,
                apps,
                arc.as_ref(),
            ),
            _ => None,
        };
        let plans_account = raw
            .dns
            .as_ref()
            .and_then(|d| d.account.as_ref())
            .and_then(|n| accounts.iter().find(|a| &a.name == n))
            .map(|a| a.id.clone());
        let databases = self.databases(raw, &region_names, plans_account.as_deref());
        if let Some(apps) = &apps {
            self.app_databases(raw, apps);
        }
        let rollout = raw
            .rollout
            .as_ref()
            .and_then(|r| self.rollout(r, header.name.as_deref().unwrap_or(""), &region_names));
        let argocd = self.argocd(
            raw,
            regions
                .iter()
                .flat_map(|r| &r.clusters)
                .any(|c| c.gitops == GitOps::ArgoCd),
            raw.rollout
                .as_ref()
                .and_then(|r| r.source.as_ref())
                .and_then(|s| s.url.as_deref()),
        );
        if region_switch.is_some() {
            self.switch_accounts(raw, header.name.as_deref().unwrap_or(""), &accounts);
        }
        // A Region with several clusters names `<region>.<host>` for each
        // app: it must be a name no app has, and a DNS name.
        for r in regions.iter().filter(|r| r.clusters.len() > 1) {
            for a in apps.iter().flatten() {
                let name = layout::clusters_record(&r.name, &a.host);
                let name = name.trim_end_matches('.');
                if let Some(j) = apps.iter().flatten().position(|b| b.host == name) {
                    self.err(
                        &format!("apps[{j}].host"),
                        format!(
                            "`{name}` is the name of {}'s clusters' records of app {}",
                            r.name, a.name
                        ),
                        "give the app another host",
                    );
                }
                if name.len() > 253 {
                    let i = apps
                        .iter()
                        .flatten()
                        .position(|b| b.name == a.name)
                        .unwrap_or(0);
                    self.err(
                        &format!("apps[{i}].host"),
                        format!(
                            "`{name}`, the record of {}'s clusters, is longer than 253 characters",
                            r.name
                        ),
                        "shorten the host",
                    );
                }
            }
        }
        for (i, r) in regions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.clusters.len() > 1)
        {
            for (section, set) in [
                ("arc", arc.is_some()),
                ("regionSwitch", region_switch.is_some()),
            ] {
                if set {
                    self.err(
                        &format!("regions[{i}].clusters"),
                        format!("several clusters in {} beside {section}", r.name),
                        format!("{section}'s routing controls and plans gate one record per app and Region; give {} one cluster while {section} is on", r.name),
                    );
                }
            }
        }
        let stack_region = self.stack_region(raw);
        if let (Some(name), Some(apps)) = (&header.name, &apps) {
            self.names(name, apps);
        }

        Some(Spec {
            name: header.name?,
            namespace: header.namespace?,
            zone: header.zone?,
            zone_id: header.zone_id,
            stack_region,
            accounts,
            dns_account: raw.dns.as_ref().and_then(|d| d.account.clone()),
            ingress: ingress?,
            regions,
            flux,
            argocd,
            arc,
            region_switch,
            rollout,
            databases,
            apps: apps?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::format::*;
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
    pub(super) fn errors(text: &str) -> Vec<String> {
        let loaded = crate::spec::load(text, "gen.yaml").expect("loads");
        validate(&loaded)
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.display("gen.yaml").to_string())
            .collect()
    }

    const MINIMAL: &str = "version: 1\nname: t\ndns: {zone: example.com}\nregions:\n  - {name: eu-west-1, cluster: c1}\n  - {name: eu-central-1, cluster: c2}\narc: {enabled: true, cluster: {name: t}}\nrollout: {source: {url: ssh://git@example.com/r.git}}\nhealthCheck: {}\napps:\n  - {name: a, host: a.example.com, image: i, health: {path: /a}, rbac: {rules: [{resources: [pods], verbs: [get]}]}}\n";

    /// Writing out every default of the table gives the same checked spec as
    /// leaving them out: the table is what `validate` applies.
    #[test]
    fn the_defaults_table_is_what_validate_applies() {
        use serde_yaml::Value;
        let implicit = crate::spec::load(MINIMAL, "gen.yaml").expect("loads");
        let implicit = validate(&implicit).spec.expect("valid");
        let mut doc: Value = serde_yaml::from_str(MINIMAL).unwrap();
        fn set(v: &mut Value, path: &[&str], lit: &Value) {
            let Some((first, rest)) = path.split_first() else {
                return;
            };
            let (key, list) = match first.strip_suffix("[]") {
                Some(k) => (k, true),
                None => (*first, false),
            };
            let Value::Mapping(m) = v else {
                panic!("not a mapping at {key}")
            };
            if rest.is_empty() {
                assert!(
                    m.get(key).is_none(),
                    "{key} is already set in the test spec"
                );
                m.insert(key.into(), lit.clone());
                return;
            }
            let child = m
                .entry(key.into())
                .or_insert_with(|| Value::Mapping(Default::default()));
            if list {
                for item in child.as_sequence_mut().expect("a list") {
                    set(item, rest, lit);
                }
            } else {
                set(child, rest, lit);
            }
        }
        for (field, lit) in defaults::TABLE {
            let path: Vec<&str> = field.split('.').collect();
            let lit: Value = serde_yaml::to_value(lit.to_json()).unwrap();
            // ARC is on in the test spec; its table default (off) is not written.
            if *field == "arc.enabled" {
                continue;
            }
            set(&mut doc, &path, &lit);
        }
        let text = serde_yaml::to_string(&doc).unwrap();
        let explicit = crate::spec::load(&text, "gen.yaml").expect("loads");
        let outcome = validate(&explicit);
        let explicit = outcome.spec.unwrap_or_else(|| {
            panic!("{:?}", outcome.diagnostics);
        });
        assert_eq!(format!("{implicit:?}"), format!("{explicit:?}"));
        // And a default changed by hand is seen (the comparison can fail).
        let other = text.replace("replicas: 1", "replicas: 2");
        assert_ne!(other, text);
        let other = validate(&crate::spec::load(&other, "gen.yaml").unwrap())
            .spec
            .unwrap();
        assert_ne!(format!("{implicit:?}"), format!("{other:?}"));
    }
}
