//! `gen plan`: what a change to the spec does to DNS, against a base
//! revision, as text or as Markdown for a pull-request comment.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::session::{Session, runtime};
use crate::layout::{self, Owner};
use crate::model::Plan;
use crate::{live, render, review, rollout};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The revision to compare with (a commit, branch or tag).
    #[arg(long, default_value = "HEAD", value_name = "REV")]
    base: String,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also create each stack's CloudFormation change set, show it, and delete it (needs AWS credentials).
    #[arg(long)]
    change_sets: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Format {
    Text,
    Markdown,
}

pub(super) fn run(s: &Session, args: &PlanArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let base_plan = s.base_plan(&args.base)?;
    let (changes, consequences) = review::review(base_plan.as_ref(), &s.plan);
    let passage = rollout::passage(
        base_plan.as_ref(),
        &s.plan,
        &changed_clusters(base_plan.as_ref(), &s.plan),
    );
    match args.format {
        Format::Text => pr.data_raw(format_args!(
            "{}{}{}",
            review::text(&changes),
            review::consequences_text(&consequences),
            passage.as_ref().map(|p| p.text()).unwrap_or_default()
        )),
        Format::Markdown => pr.data_raw(format_args!(
            "{}{}{}",
            review::markdown(&changes, &args.base),
            review::consequences_markdown(&consequences),
            passage.as_ref().map(|p| p.markdown()).unwrap_or_default()
        )),
    }
    if args.change_sets {
        pr.data("");
        let stacks = live::change_sets::checked_stacks(
            &s.settings.root,
            &s.settings.spec_name(),
            &s.spec,
            &s.plan,
        )?;
        runtime()?.block_on(live::change_sets::show(
            pr,
            stacks,
            &s.plan,
            &s.spec.stack_region,
            live::change_sets::Options::default(),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The clusters whose rendered files differ between the two plans (every
/// cluster when there is no base), from the files' fingerprints.
fn changed_clusters(base: Option<&Plan>, head: &Plan) -> Vec<String> {
    let prints = |p: &Plan| -> std::collections::HashMap<String, render::Fingerprint> {
        p.files
            .iter()
            .map(|f| f.path.clone())
            .zip(render::fingerprints(p, "gen.yaml", b""))
            .collect()
    };
    let head_prints = prints(head);
    let base_prints = base.map(prints).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for path in head_prints.keys().chain(base_prints.keys()) {
        if head_prints.get(path) == base_prints.get(path) {
            continue;
        }
        if let Owner::App { cluster, .. } | Owner::Cluster { cluster } = layout::owner_of(path)
            && !out.contains(&cluster)
        {
            out.push(cluster);
        }
    }
    out
}
