//! `gen.lock`: what `gen discover` found in the clusters, committed next to
//! the spec so that `gen render` needs no further input. Today: each
//! Region's ALB DNS name, read from the shared Ingress's status.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::validate::Spec;

pub const FILE: &str = "gen.lock";

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    #[serde(default)]
    pub regions: BTreeMap<String, Locked>,
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
    }
}

/// The lock's text: a header, then YAML with every value serialised (never
/// templated), in a stable order.
pub fn to_text(lock: &Lock) -> Result<String> {
    Ok(format!(
        "# Written by `gen discover`: what it read from the clusters. Commit it with the spec;\n# `gen render` uses these ALB DNS names for Regions whose albDnsName the spec does not give.\n{}",
        serde_yaml::to_string(lock)?
    ))
}

/// Fill the ALB DNS names the spec leaves out from the lock. The spec wins
/// where both give one; a disagreement is worth a warning.
pub fn apply(spec: &mut Spec, lock: &Lock) -> Vec<Diagnostic> {
    let mut notes = Vec::new();
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
