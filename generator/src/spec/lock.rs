//! `gen.lock`: what `gen discover` found in the clusters, committed next to
//! the spec so that `gen render` needs no further input. Today: each
//! Region's ALB DNS name, read from the shared Ingress's status.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::spec::checked::Spec;

pub const FILE: &str = "gen.lock";

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    #[serde(default)]
    pub regions: BTreeMap<String, Locked>,
    /// The public hosted zone of `dns.zone`, by ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_zone: Option<LockedZone>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LockedZone {
    /// With the trailing dot, as Route 53 names it.
    pub name: String,
    pub id: String,
    pub resolved_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Locked {
    pub alb_dns_name: String,
    pub alb_zone_id: String,
    /// When `gen discover` read it (RFC 3339, UTC).
    pub resolved_at: String,
}

/// The lock file beside `spec`.
pub fn path_for(spec: &Path) -> PathBuf {
    spec.with_file_name(FILE)
}

/// The lock beside `spec`, or an empty one when there is none.
pub fn read(spec: &Path) -> Result<Lock> {
    let path = path_for(spec);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(empty()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// A lock from its text; `name` says where it came from, for the error.
pub fn parse(text: &str, name: &str) -> Result<Lock> {
    serde_yaml::from_str(text).with_context(|| {
        format!("{name} is not a valid lock file\n  hint: delete it and run `gen discover` again")
    })
}

/// The lock of a spec that has none: nothing discovered yet.
pub fn empty() -> Lock {
    Lock {
        version: 1,
        regions: BTreeMap::new(),
        hosted_zone: None,
    }
}

/// The lock's text: a header, then YAML with every value serialised (never
/// templated), in a stable order.
pub fn to_text(lock: &Lock) -> Result<String> {
    Ok(format!(
        "# Written by `gen discover`: what it read from the clusters. Commit it with the spec;\n# `gen render` uses these ALB DNS names (and the hosted zone's ID) where the spec does not give them.\n{}",
        serde_yaml::to_string(lock)?
    ))
}

/// Fill the ALB DNS names the spec leaves out from the lock. The spec wins
/// where both give one; a disagreement is worth a warning.
pub fn apply(spec: &mut Spec, lock: &Lock) -> Vec<Diagnostic> {
    let mut notes = Vec::new();
    // Only the zone of this spec's name: a lock written before the zone
    // changed must not point the records at the old one.
    if let Some(z) = &lock.hosted_zone
        && z.name
            .trim_end_matches('.')
            .eq_ignore_ascii_case(spec.zone.trim_end_matches('.'))
    {
        match &spec.zone_id {
            None => spec.zone_id = Some(z.id.clone()),
            Some(given) if *given != z.id => notes.push(
                Diagnostic::new(
                    "dns.zoneId",
                    format!(
                        "`{given}` differs from `{}`, the public zone {} that gen discover found in {FILE}",
                        z.id, spec.zone
                    ),
                )
                .hint("the spec wins; drop dns.zoneId from the spec to use the discovered zone")
                .warning(),
            ),
            Some(_) => {}
        }
    }
    for (i, r) in spec.regions.iter_mut().enumerate() {
        let Some(l) = lock.regions.get(&r.name) else {
            continue;
        };
        match &r.alb_dns_name {
            None => r.alb_dns_name = Some(l.alb_dns_name.clone()),
            Some(given) if *given != l.alb_dns_name => notes.push(
                Diagnostic::new(
                    &format!("regions[{i}].albDnsName"),
                    format!(
                        "`{given}` differs from `{}` that gen discover found in {FILE}",
                        l.alb_dns_name
                    ),
                )
                .hint(
                    "the spec wins; drop albDnsName from the spec to use what the cluster reports",
                )
                .warning(),
            ),
            Some(_) => {}
        }
    }
    notes
}
