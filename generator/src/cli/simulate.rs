//! `gen simulate`: what Route 53 would answer for each host, before and
//! after a failure, read from the rendered templates on disk.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use serde::Serialize;

use super::session::Session;
use crate::diag::Hinted;
use crate::live;
use crate::printer::Output;
use crate::simulate::{self, Answer, Scenario, SwitchOrder, World};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// What fails: APP@REGION (one app's targets), alb:ALB@REGION (one
    /// shared ALB and every app it carries there), cluster:CLUSTER (one of
    /// a Region's several clusters) or REGION (all of it). Repeatable.
    #[arg(
        long = "down",
        value_name = "APP@REGION|alb:ALB@REGION|cluster:CLUSTER|REGION"
    )]
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
    /// A Region switch: each plan's workflow, step by step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    order: Vec<SwitchOrder>,
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
    let world = live::world::load_with_spec(&s.settings.root, &s.spec)?;
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
            scenario: s.to_string(),
            order: s
                .switched_to
                .as_ref()
                .map(|(to, plans)| world.switch_order(to, plans))
                .unwrap_or_default(),
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
                pr.table(["HOST", "BEFORE", "AFTER", "WHY"], &rows);
                for w in &o.order {
                    pr.data(format_args!(
                        "order, {} ({}): {}",
                        w.plan,
                        w.workflow,
                        w.line()
                    ));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn scenario(world: &World, args: &SimulateArgs) -> Result<Scenario> {
    let regions = world.regions();
    let mut s = Scenario::default();
    for d in &args.down {
        if let Some(c) = d.strip_prefix("cluster:") {
            let clusters: std::collections::BTreeSet<&String> =
                world.members.iter().map(|(_, c)| c).collect();
            if !clusters.contains(&c.to_string()) {
                bail!(Hinted::new(
                    format!("`{c}` in --down {d} is not a cluster of a Region with several"),
                    format!(
                        "clusters: {}",
                        clusters.into_iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                ));
            }
            s.clusters_down.insert(c.to_string());
            continue;
        }
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
