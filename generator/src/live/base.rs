//! A base revision's plan: the spec and `gen.lock` as committed at a Git
//! revision, compiled by this gen through the core's one entry. `gen plan`
//! and `gen report --base` compare against it.

use std::path::Path;

use anyhow::Result;

use crate::diag::Diagnostic;
use crate::model::Plan;
use crate::output::git;
use crate::pipeline;
use crate::printer::Printer;
use crate::spec::lock;

/// The plan of the spec at `spec` as it was at `rev` (with the lock
/// committed beside it): `None` when the spec did not exist there. `name`
/// is the spec's name in messages, `prefix` its directory in the work tree.
pub(crate) fn plan_at(
    pr: Printer,
    root: &Path,
    spec: &Path,
    name: &str,
    prefix: &str,
    rev: &str,
) -> Result<Option<Plan>> {
    let Some(bytes) = git::read_at(root, rev, spec)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let name = format!("{name} at {rev}");
    // The base as it rendered then: with the lock committed beside it.
    let locked = match git::read_at(root, rev, &lock::path_for(spec))? {
        Some(bytes) => {
            let lock_name = format!("{} at {rev}", lock::FILE);
            // A past revision cannot be mended: compare as if it had no lock.
            lock::parse(&String::from_utf8_lossy(&bytes), &lock_name).unwrap_or_else(|_| {
                pr.warn_hint(
                    format_args!(
                        "{lock_name} is not a valid lock file, so the base is compared without it"
                    ),
                    "ALB names that came from it show as changed",
                );
                lock::empty()
            })
        }
        None => lock::empty(),
    };
    // Its warnings were worth saying when the base was rendered, not now.
    match pipeline::compile(&text, &name, &locked, prefix) {
        Ok(c) => Ok(Some(c.plan)),
        Err(d) => Err(invalid(&name, &d)),
    }
}

fn invalid(name: &str, d: &[Diagnostic]) -> anyhow::Error {
    let first = d
        .iter()
        .find(|d| d.is_error())
        .map(|d| d.display(name).to_string())
        .unwrap_or_default();
    anyhow::anyhow!(
        "the spec at the base revision does not validate, so there is nothing to compare with\n  {first}"
    )
}
