//! The document's own fields: `version`, `name`, `namespace`, `dns` and
//! `flux`.

use super::format::{is_dns1035_label, is_go_duration, is_region_name};
use super::*;

/// The fields every other section refers to, each `None` when missing or
/// wrong (its error is already reported).
pub(super) struct Header {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub zone: Option<String>,
    pub zone_id: Option<String>,
}

impl Validator {
    /// `version`, `name`, `namespace` and `dns`.
    pub(super) fn header(&mut self, raw: &RawSpec) -> Header {
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
                .unwrap_or(defaults::FLUX_NAMESPACE);
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
        Header {
            name,
            namespace,
            zone,
            zone_id,
        }
    }

    /// The Route 53 stacks' Region: us-west-2 by default. With ARC they may
    /// live anywhere: `gen deploy` passes them the ARC stack's outputs as
    /// parameters (no `Fn::ImportValue`, which cannot cross Regions).
    pub(super) fn stack_region(&mut self, raw: &RawSpec) -> String {
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

    pub(super) fn flux(&mut self, raw: &RawSpec) -> Flux {
        let default = spec::RawFlux::default();
        let f = raw.flux.as_ref().unwrap_or(&default);
        let source = f
            .source
            .clone()
            .unwrap_or_else(|| defaults::FLUX_SOURCE.into());
        let namespace = f
            .namespace
            .clone()
            .unwrap_or_else(|| defaults::FLUX_NAMESPACE.into());
        let interval = f
            .interval
            .clone()
            .unwrap_or_else(|| defaults::FLUX_INTERVAL.into());
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
}
