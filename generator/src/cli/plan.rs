//! `gen plan`: what a change to the spec does to DNS, against a base
//! revision, as text or as Markdown for a pull-request comment.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::Session;
use crate::output::git;
use crate::review;
use crate::{model, spec, validate};

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
    let base_plan = base_plan(s, &args.base)?;
    let (changes, consequences) = review::review(base_plan.as_ref(), &s.plan);
    match args.format {
        Format::Text => pr.data_raw(format_args!(
            "{}{}",
            review::text(&changes),
            review::consequences_text(&consequences)
        )),
        Format::Markdown => pr.data_raw(format_args!(
            "{}{}",
            review::markdown(&changes, &args.base),
            review::consequences_markdown(&consequences)
        )),
    }
    if args.change_sets {
        pr.data("");
        super::deploy::show_change_sets(s)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The plan of the spec as it was at `rev` (with the lock committed beside
/// it), planned by this gen: `None` when the spec did not exist there.
pub(super) fn base_plan(s: &Session, rev: &str) -> Result<Option<model::Plan>> {
    let pr = s.settings.printer;
    let (settings, prefix) = (&s.settings, &s.prefix);
    Ok(match git::read_at(&settings.root, rev, &settings.spec)? {
        None => None,
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let name = format!("{} at {}", settings.spec_name(), rev);
            let loaded = spec::load(&text, &name).map_err(|d| invalid(&name, &d))?;
            let outcome = validate::validate(&loaded);
            let Some(mut base) = outcome.spec else {
                return Err(invalid(&name, &outcome.diagnostics));
            };
            // The base as it rendered then: with the lock committed beside it.
            let lock_path = spec::lock::path_for(&settings.spec);
            let lock = match git::read_at(&settings.root, rev, &lock_path)? {
                Some(bytes) => {
                    let name = format!("{} at {}", spec::lock::FILE, rev);
                    // A past revision cannot be mended: compare as if it had no lock.
                    spec::lock::parse(&String::from_utf8_lossy(&bytes), &name).unwrap_or_else(|_| {
                        pr.warn_hint(format_args!("{name} is not a valid lock file, so the base is compared without it"), "ALB names that came from it show as changed");
                        spec::lock::empty()
                    })
                }
                None => spec::lock::empty(),
            };
            // Disagreements with the spec were worth a warning when the base was rendered.
            let _ = crate::resolve::apply(&mut base, &lock);
            Some(model::plan(&base, prefix))
        }
    })
}

fn invalid(name: &str, d: &[crate::diag::Diagnostic]) -> anyhow::Error {
    let first = d
        .iter()
        .find(|d| d.is_error())
        .map(|d| d.display(name).to_string())
        .unwrap_or_default();
    anyhow::anyhow!(
        "the spec at the base revision does not validate, so there is nothing to compare with\n  {first}"
    )
}
