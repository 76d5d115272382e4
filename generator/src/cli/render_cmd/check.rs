//! `gen render --check`: compare only, a diff and exit 1 when anything
//! differs. Files are compared a run at a time, then the differing ones
//! rendered again for their diff, a run at a time: a check holds no more
//! texts than a render does.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::session::Settings;
use crate::output;
use crate::printer::Printer;
use crate::{model, render};

/// `render --check`: compare only; a diff and exit 1 when anything differs.
pub(super) fn run(
    pr: Printer,
    settings: &Settings,
    plan: &model::Plan,
    spec_name: &str,
    paths: &[&str],
    planned: &crate::output::state::PathSet<'_>,
) -> Result<ExitCode> {
    // `paths` are the plan's files in order: an index into one is an index
    // into the other.
    let render = |which: &[usize]| render::render_files(plan, spec_name, which);
    let scan = output::scan(
        &settings.root,
        paths,
        planned,
        None,
        &render,
        &|k| render::may_refuse(plan, k),
        false,
    )?;
    // A file that is not gen's, or a link, at a rendered path: say so plainly.
    output::guard(&scan.changes, &Default::default(), true)?;
    if scan.differ.is_empty() && scan.changes.prunes.is_empty() {
        pr.data(format_args!(
            "up to date: {} files match {}",
            paths.len(),
            spec_name
        ));
        return Ok(ExitCode::SUCCESS);
    }
    output::diff_rendered(&settings.root, &scan.differ, &render, &mut |diff| {
        pr.data_raw(format_args!("{diff}"))
    })?;
    for (path, old) in &scan.changes.prunes {
        pr.data_raw(format_args!("{}", output::prune_diff(path, old)));
    }
    pr.error_hint(
        format_args!(
            "{} is not up to date: {} files to write, {} to remove",
            settings.root.display(),
            scan.differ.len(),
            scan.changes.prunes.len()
        ),
        "run `gen render` and commit the result",
    );
    Ok(ExitCode::FAILURE)
}
