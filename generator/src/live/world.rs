//! The world `gen simulate` answers from, read back from rendered files:
//! each stack's template and each cluster's Ingress or Gateway, from disk
//! (what the repository holds, hand edits and all) or rendered in memory (a
//! base revision's plan). `gen simulate`, `report`, `arc` and `switch` read
//! it here.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize as _;

use crate::diag::HintContext;
use crate::layout;
use crate::model::Plan;
use crate::simulate::{self, World};
use crate::spec::checked::Spec;

/// The world on disk, with every Region and app of the spec in it: each is
/// a failure worth asking about, also where no record routes (a Region only
/// failover apps skip).
pub(crate) fn load_with_spec(root: &Path, spec: &Spec) -> Result<World> {
    let mut world = load(root)?;
    for r in &spec.regions {
        if !world.regions().contains(&r.name) {
            world.include_region(&r.name, spec.apps.iter().map(|a| a.name.clone()));
        }
    }
    Ok(world)
}

/// The rendered templates and the Ingress health routes, from disk.
pub(crate) fn load(root: &Path) -> Result<World> {
    let dir = root.join(layout::CFN_DIR);
    let mut dirs = vec![layout::CFN_DIR.to_string()];
    std::fs::read_dir(&dir).hint_context(|| {
        (
            format!("reading {}", dir.display()),
            "run `gen render` first",
        )
    })?;
    // Each cluster's ingress directory and the ALBs' below it: nothing else
    // of `deploy/` (the apps' directories) is read.
    for cluster in subdirs(&root.join(layout::DEPLOY_DIR)) {
        let ingress = format!("{}/{cluster}/ingress", layout::DEPLOY_DIR);
        dirs.extend(
            subdirs(&root.join(&ingress))
                .into_iter()
                .map(|alb| format!("{ingress}/{alb}")),
        );
        dirs.push(ingress);
    }
    let mut files = Vec::new();
    for d in dirs {
        for e in std::fs::read_dir(root.join(&d))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rel = format!("{d}/{}", e.file_name().to_string_lossy());
            if e.file_type().is_ok_and(|t| t.is_file()) && read_by_world(&rel) {
                let text = std::fs::read_to_string(e.path())
                    .with_context(|| format!("reading {}", e.path().display()))?;
                files.push((rel, text));
            }
        }
    }
    world_of(&files)
}

/// The names of the directories in `dir` (none if it cannot be read).
fn subdirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The rendered files a `World` is read from: each stack's template, and
/// each cluster's Ingress or Gateway (one shared ALB's, or each ALB's in its
/// own directory; both while an ALB moves from one API to the other).
fn read_by_world(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let front = |f: &str| f == layout::INGRESS_FILE || f == layout::GATEWAY_FILE;
    match parts.as_slice() {
        [d, f] => *d == layout::CFN_DIR && f.ends_with(".yaml"),
        [d, _, i, f] | [d, _, i, _, f] => *d == layout::DEPLOY_DIR && *i == "ingress" && front(f),
        _ => false,
    }
}

/// The world of a plan, rendered in memory (a base revision's, which is not
/// on disk).
pub(crate) fn load_plan(plan: &Plan, spec_name: &str) -> Result<World> {
    let files: Vec<(String, String)> = crate::render::render(plan, spec_name)?
        .into_iter()
        .filter(|r| read_by_world(&r.path))
        .map(|r| (r.path, r.text))
        .collect();
    world_of(&files)
}

/// A world from rendered files, as (path, text), templates in path order.
fn world_of(files: &[(String, String)]) -> Result<World> {
    let mut templates = Vec::new();
    let mut routes: BTreeMap<String, String> = BTreeMap::new();
    let mut app_alb: BTreeMap<String, String> = BTreeMap::new();
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, text) in sorted {
        if path.starts_with(&format!("{}/", layout::CFN_DIR)) {
            let v: serde_yaml::Value =
                serde_yaml::from_str(text).with_context(|| format!("parsing {path}"))?;
            let file = path.rsplit('/').next().unwrap_or_default().to_string();
            templates.push((file, v));
        } else {
            for doc in serde_yaml::Deserializer::from_str(text) {
                let v = serde_yaml::Value::deserialize(doc)
                    .with_context(|| format!("parsing {path}"))?;
                simulate::health_routes(&v, &mut routes, &mut app_alb);
            }
        }
    }
    simulate::world(&templates, &routes, &app_alb)
        .map_err(|e| anyhow::anyhow!("reading the rendered templates: {e}"))
}
