//! `gen.lock`: what `gen discover` found in the clusters, committed next to
//! the spec so that `gen render` needs no further input. Today: each
//! Region's ALB DNS name, read from the shared Ingress's status.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::diag::HintContext;

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
