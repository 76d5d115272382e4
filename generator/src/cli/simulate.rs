//! `gen simulate`: what Route 53 would answer for each host, before and
//! after a failure, read from the rendered templates on disk.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Deserialize as _;
use serde::Serialize;

use super::Output;
use super::Session;
use super::{Settings, print_table};
use crate::diag::HintContext;
use crate::diag::Hinted;
use crate::layout;
use crate::simulate::{self, Answer, Scenario, World};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// What fails: APP@REGION (one app's targets), alb:ALB@REGION (one
    /// shared ALB and every app it carries there) or REGION (all of it).
    /// Repeatable.
    #[arg(long = "down", value_name = "APP@REGION|alb:ALB@REGION|REGION")]
    down: Vec<String>,
    /// A Region whose routing controls are turned Off. Repeatable.
    #[arg(long = "arc-off", value_name = "REGION")]
    arc_off: Vec<String>,
    /// Run the Region switch plans that hold REGION to move traffic there:
    /// the routing controls their traffic steps set.
    #[arg(long = "switch-to", value_name = "REGION")]
    switch_to: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
}

#[derive(Serialize)]
struct Outcome<'a> {
    scenario: String,
    hosts: Vec<HostOutcome<'a>>,
}

#[derive(Serialize)]
struct HostOutcome<'a> {
    host: &'a str,
    before: Answer,
    after: Answer,
    moved: bool,
}

pub(super) fn run(s: &Session, args: &SimulateArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let world = load_with_spec(s)?;
    let scenarios = if args.down.is_empty() && args.arc_off.is_empty() && args.switch_to.is_none() {
        simulate::default_scenarios(&world)
    } else {
        vec![scenario(&world, args)?]
    };
    let hosts = world.hosts();
    let calm = Scenario::default();
    let outcomes: Vec<Outcome<'_>> = scenarios
        .iter()
        .map(|s| Outcome {
            scenario: s.describe(),
            hosts: hosts
                .iter()
                .map(|h| {
                    let (before, after) = (world.answer(h, &calm), world.answer(h, s));
                    HostOutcome {
                        host: h,
                        moved: before.regions != after.regions,
                        before,
                        after,
                    }
                })
                .collect(),
        })
        .collect();
    match args.output {
        Output::Json => pr.data(format_args!(
            "{}",
            serde_json::to_string_pretty(&outcomes).unwrap_or_default()
        )),
        Output::Table => {
            for (i, o) in outcomes.iter().enumerate() {
                if i > 0 {
                    pr.data("");
                }
                pr.data(format_args!("scenario: {}", o.scenario));
                let rows: Vec<[String; 4]> = o
                    .hosts
                    .iter()
                    .map(|h| {
                        [
                            h.host.to_string(),
                            h.before.short(),
                            format!(
                                "{}{}",
                                h.after.short(),
                                if h.moved { "  (moved)" } else { "" }
                            ),
                            h.after.rule.clone(),
                        ]
                    })
                    .collect();
                print_table(pr, ["HOST", "BEFORE", "AFTER", "WHY"], &rows);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn scenario(world: &World, args: &SimulateArgs) -> Result<Scenario> {
    let regions = world.regions();
    let mut s = Scenario::default();
    for d in &args.down {
        match d.split_once('@') {
            Some((alb, region)) if alb.starts_with("alb:") => {
                let alb = &alb["alb:".len()..];
                if !regions.iter().any(|r| r == region) {
                    bail!(Hinted::new(
                        format!("`{region}` in --down {d} is not a Region of the rendered records"),
                        format!("Regions: {}", regions.join(", "))
                    ));
                }
                let albs = world.albs();
                if !albs.iter().any(|a| a == alb) {
                    bail!(Hinted::new(
                        format!(
                            "`{alb}` in --down {d} is not a shared ALB of the rendered Ingresses"
                        ),
                        format!("ALBs: {}", albs.join(", "))
                    ));
                }
                s.albs_down.insert((alb.to_string(), region.to_string()));
            }
            Some((app, region)) => {
                if !regions.iter().any(|r| r == region) {
                    bail!(Hinted::new(
                        format!("`{region}` in --down {d} is not a Region of the rendered records"),
                        format!("Regions: {}", regions.join(", "))
                    ));
                }
                if !world.apps_in(region).iter().any(|a| a == app) {
                    bail!(Hinted::new(
                        format!("`{app}` in --down {d} is not an app on the ALB in {region}"),
                        format!("apps: {}", world.apps_in(region).join(", "))
                    ));
                }
                s.apps_down.insert((app.to_string(), region.to_string()));
            }
            None if regions.contains(d) => {
                s.regions_down.insert(d.clone());
            }
            None => bail!(Hinted::new(
                format!("`{d}` is neither APP@REGION nor a Region of the rendered records"),
                format!("Regions: {}", regions.join(", "))
            )),
        }
    }
    for r in &args.arc_off {
        if !regions.contains(r) {
            bail!(Hinted::new(
                format!("`{r}` in --arc-off is not a Region of the rendered records"),
                format!("Regions: {}", regions.join(", "))
            ));
        }
        s.arc_off.insert(r.clone());
    }
    if let Some(to) = &args.switch_to {
        let Some((plans, off)) = world.switch_to(to) else {
            bail!(Hinted::new(
                format!("no rendered Region switch plan holds `{to}`"),
                if world.switches.is_empty() {
                    "turn on regionSwitch in the spec and render".to_string()
                } else {
                    let mut rs: Vec<&str> = world
                        .switches
                        .iter()
                        .flat_map(|p| p.regions.iter().map(String::as_str))
                        .collect();
                    rs.sort_unstable();
                    rs.dedup();
                    format!("Regions of the plans: {}", rs.join(", "))
                }
            ));
        };
        s.controls_off.extend(off);
        s.switched_to = Some((to.clone(), plans));
    }
    Ok(s)
}

/// The world on disk, with every Region and app of the spec in it: each is
/// a failure worth asking about, also where no record routes (a Region only
/// failover apps skip).
pub(crate) fn load_with_spec(s: &Session) -> Result<World> {
    let mut world = load(&s.settings)?;
    for r in &s.spec.regions {
        if !world.regions().contains(&r.name) {
            world.include_region(&r.name, s.spec.apps.iter().map(|a| a.name.clone()));
        }
    }
    Ok(world)
}

/// The rendered templates and the Ingress health routes, from disk.
pub(crate) fn load(settings: &Settings) -> Result<World> {
    let root = &settings.root;
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
fn subdirs(dir: &std::path::Path) -> Vec<String> {
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
pub(crate) fn load_plan(plan: &crate::model::Plan, spec_name: &str) -> Result<World> {
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
