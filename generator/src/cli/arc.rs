//! `gen arc status | on | off`: the operator's hand on the failover switch.
//! Which controls exist, and their names, come from the plan; their state
//! comes from the cluster through `aws::arc`.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::session::{Session, Settings, runtime};
use crate::aws::arc::{self as adapter, ClusterRef, ControlState, UpdateError};
use crate::diag::Hinted;
use crate::live;
use crate::model::arc::{ArcPlan, ControlPlan};
use crate::printer::{Output, Printer};
use crate::spec::checked::{ArcCluster, ArcScope, Spec};

#[derive(Debug, Subcommand)]
pub enum ArcCommand {
    /// Show the state of every routing control.
    Status {
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Turn routing controls On (traffic may go to those Regions again).
    On(Switch),
    /// Turn routing controls Off (traffic moves away from those Regions).
    Off(Switch),
}

#[derive(Debug, Args)]
pub struct Switch {
    /// A Region whose controls to switch (repeatable; `on` defaults to all).
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Only this app's controls (repeatable; with `arc.scope: app`).
    #[arg(long = "app", value_name = "APP")]
    apps: Vec<String>,
    /// Show what would change and send nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    control: &'a str,
    region: &'a str,
    app: Option<&'a str>,
    /// "On", "Off", or "missing" when the control is not deployed.
    state: &'static str,
    arn: Option<&'a str>,
}

pub(super) fn run(s: &Session, cmd: &ArcCommand) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let (settings, spec) = (&s.settings, &s.spec);
    let Some(arc) = &spec.arc else {
        bail!(Hinted::new(
            "ARC is not enabled in this spec",
            "add `arc: {{enabled: true, ...}}` (see docs/arc.md), render and deploy it first"
        ));
    };
    let plan = crate::model::arc::plan(spec, arc);
    let which = match &arc.cluster {
        ArcCluster::Existing(a) => ClusterRef::Arn(a),
        ArcCluster::Create(n) => ClusterRef::Name(n),
    };
    // Selection errors need no network: check them first.
    let selected = match cmd {
        ArcCommand::Status { .. } => Vec::new(),
        ArcCommand::On(s) => select(&plan, spec, arc.scope, s, true)?,
        ArcCommand::Off(s) => select(&plan, spec, arc.scope, s, false)?,
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        live::assume(&s.plan, &spec.stack_region, live::Reach::Dns).await?;
        let cluster = adapter::cluster(
            which,
            live::role(&spec.accounts, spec.dns_account.as_deref()).as_ref(),
        )
        .await?;
        let mut skipped = Vec::new();
        let states = cluster.controls(&plan.panel_name, &mut skipped).await?;
        report_skipped(pr, &skipped);
        skipped.clear();
        match cmd {
            ArcCommand::Status { output } => {
                status(pr, &plan, &states, *output);
                Ok(ExitCode::SUCCESS)
            }
            ArcCommand::On(s) | ArcCommand::Off(s) => {
                let on = matches!(cmd, ArcCommand::On(_));
                switch(
                    pr,
                    settings,
                    &plan,
                    &cluster,
                    &states,
                    &selected,
                    on,
                    s.dry_run,
                    &mut skipped,
                )
                .await
            }
        }
    })
}

/// The planned controls a switch names, after checking its flags.
fn select<'a>(
    plan: &'a ArcPlan,
    spec: &Spec,
    scope: ArcScope,
    s: &Switch,
    on: bool,
) -> Result<Vec<&'a ControlPlan>> {
    let regions: Vec<&str> = spec.regions.iter().map(|r| r.name.as_str()).collect();
    for r in &s.regions {
        if !regions.contains(&r.as_str()) {
            bail!(Hinted::new(
                format!("`{r}` is not a Region of this spec"),
                format!("allowed: {}", regions.join(", "))
            ));
        }
    }
    if !s.apps.is_empty() && scope == ArcScope::Region {
        bail!(Hinted::new(
            "the routing controls are per Region (arc.scope: region), so --app cannot pick one app's",
            "drop --app to switch the whole Region, or set arc.scope: app"
        ));
    }
    let covered: Vec<&str> = plan
        .controls
        .iter()
        .filter_map(|c| c.app.as_deref())
        .collect();
    for a in &s.apps {
        if !covered.contains(&a.as_str()) {
            bail!(Hinted::new(
                format!("app `{a}` has no routing controls"),
                format!("apps with controls: {}", dedup(&covered).join(", "))
            ));
        }
    }
    if !on && s.regions.is_empty() {
        bail!(Hinted::new(
            "name the Region(s) to turn off with --region",
            "turning every Region off would take the apps out of DNS (and a safety rule forbids it)"
        ));
    }
    Ok(plan
        .controls
        .iter()
        .filter(|c| s.regions.is_empty() || s.regions.contains(&c.region))
        .filter(|c| s.apps.is_empty() || c.app.as_ref().is_some_and(|a| s.apps.contains(a)))
        .collect())
}

fn dedup<'a>(v: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x);
        }
    }
    out
}

fn state_of<'a>(states: &'a [ControlState], name: &str) -> Option<&'a ControlState> {
    states.iter().find(|s| s.name == name)
}

fn status(pr: Printer, plan: &ArcPlan, states: &[ControlState], output: Output) {
    let rows: Vec<Row<'_>> = plan
        .controls
        .iter()
        .map(|c| {
            let s = state_of(states, &c.name);
            Row {
                control: &c.name,
                region: &c.region,
                app: c.app.as_deref(),
                state: match s {
                    Some(s) if s.on => "On",
                    Some(_) => "Off",
                    None => "missing",
                },
                arn: s.map(|s| s.arn.as_str()),
            }
        })
        .collect();
    match output {
        Output::Json => pr.data(format_args!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        )),
        Output::Table => {
            let table: Vec<[String; 4]> = rows
                .iter()
                .map(|r| {
                    [
                        r.control.to_string(),
                        r.region.to_string(),
                        r.app.unwrap_or("(all)").to_string(),
                        r.state.to_string(),
                    ]
                })
                .collect();
            pr.table(["CONTROL", "REGION", "APP", "STATE"], &table);
            if rows.iter().any(|r| r.state == "missing") {
                pr.note(format_args!("controls marked missing are not on control panel `{}`: deploy the ARC stack ({})", plan.panel_name, plan.stack));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn switch(
    pr: Printer,
    settings: &Settings,
    plan: &ArcPlan,
    cluster: &adapter::Cluster,
    states: &[ControlState],
    selected: &[&ControlPlan],
    on: bool,
    dry_run: bool,
    skipped: &mut Vec<String>,
) -> Result<ExitCode> {
    let (from, to) = if on { ("Off", "On") } else { ("On", "Off") };
    let mut changes: Vec<(&ControlPlan, &ControlState)> = Vec::new();
    for c in selected {
        let Some(s) = state_of(states, &c.name) else {
            bail!(Hinted::new(
                format!(
                    "routing control `{}` is not on control panel `{}`",
                    c.name, plan.panel_name
                ),
                format!("deploy the ARC stack ({}) first", plan.stack)
            ));
        };
        if s.on != on {
            changes.push((c, s));
        }
    }
    if changes.is_empty() {
        pr.data(format_args!(
            "nothing to change: the {} selected routing controls are already {to}",
            selected.len()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let table: Vec<[String; 4]> = changes
        .iter()
        .map(|(c, _)| {
            [
                c.name.clone(),
                c.region.clone(),
                c.app.clone().unwrap_or_else(|| "(all)".into()),
                format!("{from} -> {to}"),
            ]
        })
        .collect();
    pr.table(["CONTROL", "REGION", "APP", "CHANGE"], &table);
    let calls = changes
        .len()
        .div_ceil(crate::facts::quotas::ARC_CONTROLS_PER_UPDATE);
    if dry_run {
        pr.data(format_args!("dry run: nothing sent ({} controls would change in {calls} UpdateRoutingControlStates calls)", changes.len()));
        answers(pr, settings, states, &changes, on);
        return Ok(ExitCode::SUCCESS);
    }
    let arns: Vec<String> = changes.iter().map(|(_, s)| s.arn.clone()).collect();
    let result = cluster.set(&arns, on, skipped).await;
    report_skipped(pr, skipped);
    match result {
        Ok(calls) => {
            pr.data(format_args!(
                "turned {to} {} routing controls in {calls} UpdateRoutingControlStates calls",
                changes.len()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Err(UpdateError::Rejected(message)) => {
            let rules: Vec<String> = plan
                .rules
                .iter()
                .map(|r| {
                    let names: Vec<&str> = r
                        .controls
                        .iter()
                        .filter_map(|id| {
                            plan.controls
                                .iter()
                                .find(|c| &c.logical_id == id)
                                .map(|c| c.name.as_str())
                        })
                        .collect();
                    format!(
                        "`{}`: at least {} of {} stay On",
                        r.name,
                        r.threshold,
                        names.join(", ")
                    )
                })
                .collect();
            bail!(Hinted::new(
                format!("ARC rejected the change: {message}"),
                format!(
                    "this spec's safety rules: {}; turn another Region On first, or change fewer controls",
                    rules.join("; ")
                )
            ))
        }
        Err(UpdateError::Other(e)) => Err(e),
    }
}

/// What `gen simulate` answers for the live states and for the states after
/// the switch: an Off control does not beat fail-open.
fn answers(
    pr: Printer,
    settings: &Settings,
    states: &[ControlState],
    changes: &[(&ControlPlan, &ControlState)],
    on: bool,
) {
    let world = match live::world::load(&settings.root) {
        Ok(w) => w,
        Err(e) => {
            pr.note(format_args!("no simulated answers: {e:#}"));
            return;
        }
    };
    let now = crate::simulate::Scenario {
        controls_off: states
            .iter()
            .filter(|s| !s.on)
            .map(|s| s.name.clone())
            .collect(),
        ..Default::default()
    };
    let mut after = now.clone();
    for (c, _) in changes {
        if on {
            after.controls_off.remove(&c.name);
        } else {
            after.controls_off.insert(c.name.clone());
        }
    }
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut open = false;
    for h in world.hosts() {
        let (b, a) = (world.answer(&h, &now), world.answer(&h, &after));
        // Fail-open that the switch brings about.
        open |= a.fails_open() && !b.fails_open();
        rows.push([
            h.clone(),
            b.short(),
            if a.regions == b.regions {
                a.short()
            } else {
                format!("{}  (moved)", a.short())
            },
            a.rule,
        ]);
    }
    pr.data("");
    pr.data("what Route 53 answers (gen simulate, from the rendered templates):");
    pr.table(["HOST", "NOW", "AFTER", "WHY"], &rows);
    if open {
        pr.note("Off does not win over fail-open: when every record of a host is unhealthy, Route 53 answers with all of them, the Off Region's too (and a failover primary when both are unhealthy)");
    }
}

fn report_skipped(pr: Printer, skipped: &[String]) {
    for s in skipped {
        pr.note(format_args!("endpoint skipped: {s}"));
    }
}
