//! `gen.lock`: what `gen discover` found in the clusters, committed next to
//! the spec so that `gen render` needs no further input: each shared ALB's
//! DNS name in each Region, read from its Ingress's (or Gateway's) status,
//! which API that was, the name an ALB leaves while it moves between the
//! two, and the hosted zone's ID. Version 1 (one ALB per Region, unnamed)
//! is still read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::diag::HintContext;
use crate::spec::checked::Api;

pub const FILE: &str = "gen.lock";

/// The version `gen discover` writes.
pub const VERSION: u32 = 2;

/// In a version-1 lock the Region's one ALB has no name: it is the single
/// shared ALB of a spec without `ingress.albs`, whatever its name.
pub const UNNAMED: &str = "";

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    /// Region → its ALBs by name.
    #[serde(default)]
    pub regions: BTreeMap<String, LockedRegion>,
    /// The public hosted zone of `dns.zone`, by ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_zone: Option<LockedZone>,
    /// EKS Auto Mode's Gateway API controller as the clusters serve it,
    /// when the spec's Gateways are Auto Mode's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<LockedGateway>,
}

/// What `gen discover` read of EKS Auto Mode's Gateway API: no AWS page
/// gen could read states these names, so they are recorded from the
/// clusters, where every cluster agreed (`resolve::auto_gateway`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LockedGateway {
    /// The `spec.controllerName` of an Accepted GatewayClass of Auto Mode's
    /// ALB controller.
    pub controller_name: String,
    /// `group/version` serving LoadBalancerConfiguration and
    /// TargetGroupConfiguration (the group's preferred version).
    pub params_api_version: String,
    pub resolved_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LockedZone {
    /// With the trailing dot, as Route 53 names it.
    pub name: String,
    pub id: String,
    pub resolved_at: String,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LockedRegion {
    #[serde(default)]
    pub albs: BTreeMap<String, Locked>,
}

impl Lock {
    /// What the lock holds for `alb` in `region`; the unnamed ALB of a
    /// version-1 lock stands for the single shared ALB (`single`).
    pub fn alb(&self, region: &str, alb: &str, single: bool) -> Option<&Locked> {
        let r = self.regions.get(region)?;
        r.albs
            .get(alb)
            .or_else(|| single.then(|| r.albs.get(UNNAMED)).flatten())
    }
}

impl Lock {
    /// Record EKS Auto Mode's Gateway controller as read; unchanged, the
    /// record keeps when it was first read.
    pub fn record_gateway(
        &mut self,
        controller_name: &str,
        params_api_version: &str,
        now: impl FnOnce() -> String,
    ) {
        if self.gateway.as_ref().is_none_or(|l| {
            l.controller_name != controller_name || l.params_api_version != params_api_version
        }) {
            self.gateway = Some(LockedGateway {
                controller_name: controller_name.into(),
                params_api_version: params_api_version.into(),
                resolved_at: now(),
            });
        }
    }
}

/// The load balancer an ALB leaves, when `was` (what the lock held) came
/// from the other API than `api`, or already named one: the old object
/// stays rendered, and so serving, until `gen deploy` has moved the
/// records off it.
pub fn previous_of(was: Option<&Locked>, api: Api) -> Option<Previous> {
    let was = was?;
    if was.api != api {
        Some(Previous {
            api: was.api,
            alb_dns_name: was.alb_dns_name.clone(),
        })
    } else {
        was.previous.clone()
    }
}

/// Version 1: one unnamed ALB per Region.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LockV1 {
    #[allow(dead_code)]
    version: u32,
    #[serde(default)]
    regions: BTreeMap<String, Locked>,
    #[serde(default)]
    hosted_zone: Option<LockedZone>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Locked {
    pub alb_dns_name: String,
    pub alb_zone_id: String,
    /// When `gen discover` read it (RFC 3339, UTC).
    pub resolved_at: String,
    /// The API whose object reported `alb_dns_name` (absent: an Ingress).
    #[serde(default, skip_serializing_if = "is_ingress")]
    pub api: Api,
    /// The load balancer the ALB had under its other API, until `gen deploy`
    /// has moved every record and check off it: the object that made it
    /// stays rendered so long, and Flux prunes it after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Previous>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Previous {
    pub api: Api,
    pub alb_dns_name: String,
}

fn is_ingress(a: &Api) -> bool {
    *a == Api::Ingress
}

/// The lock file beside `spec`.
pub fn path_for(spec: &Path) -> PathBuf {
    spec.with_file_name(FILE)
}

/// A lock from its text; `name` says where it came from, for the error.
pub fn parse(text: &str, name: &str) -> Result<Lock> {
    let version = serde_yaml::from_str::<serde_yaml::Value>(text)
        .ok()
        .and_then(|v| v.get("version").and_then(serde_yaml::Value::as_u64));
    if version == Some(1) {
        let v1: LockV1 = serde_yaml::from_str(text).hint_context(|| {
            (
                format!("{name} is not a valid lock file"),
                "delete it and run `gen discover` again",
            )
        })?;
        return Ok(Lock {
            version: VERSION,
            regions: v1
                .regions
                .into_iter()
                .map(|(r, l)| {
                    (
                        r,
                        LockedRegion {
                            albs: BTreeMap::from([(UNNAMED.to_string(), l)]),
                        },
                    )
                })
                .collect(),
            hosted_zone: v1.hosted_zone,
            gateway: None,
        });
    }
    serde_yaml::from_str(text).hint_context(|| {
        (
            format!("{name} is not a valid lock file"),
            "delete it and run `gen discover` again",
        )
    })
}

/// The lock of a spec that has none: nothing discovered yet.
pub fn empty() -> Lock {
    Lock {
        version: VERSION,
        regions: BTreeMap::new(),
        hosted_zone: None,
        gateway: None,
    }
}

/// The lock's text: a header, then YAML with every value serialised (never
/// templated), in a stable order.
pub fn to_text(lock: &Lock) -> Result<String> {
    Ok(format!(
        "# Written by `gen discover`: what it read from the clusters. Commit it with the spec;\n# `gen render` uses what it holds (ALB DNS names, the hosted zone's ID, EKS Auto Mode's Gateway controller) where the spec does not give it.\n{}",
        serde_yaml::to_string(lock)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_one_lock_reads_as_the_single_albs() {
        let v1 = "version: 1\nregions:\n  eu-west-1:\n    albDnsName: a.eu-west-1.elb.amazonaws.com\n    albZoneId: Z32O12XQLNTSW2\n    resolvedAt: 2026-01-01T00:00:00Z\n";
        let lock = parse(v1, "gen.lock").unwrap();
        assert_eq!(lock.version, VERSION);
        let single = lock
            .alb("eu-west-1", "demoalb", true)
            .expect("the single ALB");
        assert_eq!(single.alb_dns_name, "a.eu-west-1.elb.amazonaws.com");
        // Not for a named ALB of several: which one it was is unknown.
        assert!(lock.alb("eu-west-1", "demoalb", false).is_none());
        // Written again, it is version 2 with the ALB's name, and reads back.
        let mut named = lock.clone();
        let l = named.regions.get_mut("eu-west-1").unwrap();
        let v = l.albs.remove(UNNAMED).unwrap();
        l.albs.insert("demoalb".into(), v);
        let text = to_text(&named).unwrap();
        assert!(
            text.contains("version: 2") && text.contains("demoalb:"),
            "{text}"
        );
        assert_eq!(parse(&text, "gen.lock").unwrap(), named);
        assert!(
            parse(
                "version: 2\nregions: {eu-west-1: {albDnsName: x}}\n",
                "gen.lock"
            )
            .is_err()
        );
    }
}
