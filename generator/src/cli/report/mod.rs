//! `gen report`: the failover picture a reviewer reads at a glance. One
//! self-contained HTML page (no script, font or image from anywhere, so it
//! opens offline from a CI artifact), or compact Markdown for a pull-request
//! comment, both views of the same typed data: the answer matrix
//! (`report::matrix`, from `gen simulate`'s world and scenarios) and
//! `gen explain`'s timings, costs and quota use. Every value is escaped for
//! the format it lands in.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::session::Session;
use crate::explain::{self, Explanation};
use crate::live;
use crate::report::Matrix;
use crate::review;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Html,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long, value_enum, default_value = "html")]
    format: Format,
    /// Where to write it [default: gen-report.html for HTML; Markdown goes to stdout].
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Compare with the spec at this revision (a commit, branch or tag), as
    /// `gen plan` does: mark every answer that differs, and list the DNS
    /// changes. Markdown then shows only the hosts whose answers differ.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Which failures each host is asked about: every scenario (`full`: an
    /// app's failure is a column, so cells grow with the square of the
    /// apps), or each host's own app, ALB and Region (`compact`, which
    /// loses nothing: another app's failure never moves a host's answer).
    /// `auto`: full up to 20 apps.
    #[arg(long, value_enum, default_value = "auto")]
    matrix: MatrixKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum MatrixKind {
    Auto,
    Full,
    Compact,
}

/// Everything the page shows, gathered once.
pub(super) struct Report<'a> {
    pub name: &'a str,
    pub matrix: Matrix,
    pub explanation: Explanation,
    /// Per app: its `rto` in seconds, when stated.
    pub rto: Vec<(String, Option<u32>)>,
    pub base: Option<Base>,
    /// With a rollout: each wave's Regions, and whether the order is gen's.
    pub rollout: Option<(Vec<Vec<String>>, bool)>,
}

/// What changes against a base revision, as `gen plan` computes it.
pub(super) struct Base {
    pub rev: String,
    pub changes: Vec<review::Change>,
    pub consequences: Vec<review::Consequence>,
}

mod markdown;
mod page;

use markdown::markdown;
use page::html;

pub(super) fn run(s: &Session, args: &ReportArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let world = live::world::load_with_spec(&s.settings.root, &s.spec)?;
    let full = match args.matrix {
        MatrixKind::Full => true,
        MatrixKind::Compact => false,
        MatrixKind::Auto => s.spec.apps.len() <= crate::report::FULL_UP_TO_APPS,
    };
    let columns = if full {
        crate::report::full(&world)
    } else {
        crate::report::compact(&world)
    };
    let mut matrix = crate::report::matrix(&world, &columns);
    let base = match &args.base {
        None => None,
        Some(rev) => {
            let base_plan = s.base_plan(rev)?;
            let base_world = match &base_plan {
                Some(p) => live::world::load_plan(p, &s.settings.spec_name())?,
                None => crate::simulate::World::default(),
            };
            crate::report::against(&mut matrix, &columns, &base_world);
            let (changes, consequences) = review::review(base_plan.as_ref(), &s.plan);
            Some(Base {
                rev: rev.clone(),
                changes,
                consequences,
            })
        }
    };
    let report = Report {
        name: &s.spec.name,
        matrix,
        explanation: explain::explain(&s.plan),
        rto: s
            .spec
            .apps
            .iter()
            .map(|a| (a.name.clone(), a.rto))
            .collect(),
        base,
        rollout: s.plan.rollout.as_ref().map(|r| {
            (
                r.waves
                    .iter()
                    .map(|w| w.regions.iter().map(|x| x.region.clone()).collect())
                    .collect(),
                r.derived,
            )
        }),
    };
    let (text, default) = match args.format {
        Format::Html => (html(&report), Some(PathBuf::from("gen-report.html"))),
        Format::Markdown => (markdown(&report), None),
    };
    match args.out.clone().or(default) {
        Some(path) => {
            let cwd = std::env::current_dir().context("reading the current directory")?;
            let path = cwd.join(path);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            pr.data(format_args!(
                "wrote {} ({} hosts, {} scenarios)",
                path.display(),
                report.matrix.rows.len(),
                report.matrix.scenarios.len()
            ));
        }
        None => pr.data_raw(text),
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use crate::live::world::load_plan;
    use crate::report::{Column, compact, full, matrix};
    use crate::simulate::World;

    fn world(text: &str) -> World {
        let lock = crate::spec::lock::parse("version: 2\n", "gen.lock").expect("a lock");
        let plan = crate::pipeline::compile(text, "gen.yaml", &lock, "")
            .expect("compiles")
            .plan;
        load_plan(&plan, "gen.yaml").expect("a world")
    }

    /// Every cell of the full matrix whose failure touches neither a host's
    /// app nor its ALB answers as the calm does, and every compact cell as
    /// the full matrix's cell of the same failure: nothing is lost.
    #[test]
    fn the_compact_matrix_loses_nothing() {
        for text in [
            include_str!("../../../../gitops-repo/gen.yaml"),
            include_str!("../../../../gitops-repo/variants/arc/gen.yaml"),
            include_str!("../../../../tests/golden/multi-alb/gen.yaml"),
            include_str!("../../../../tests/golden/region-switch/gen.yaml"),
            include_str!("../../../../tests/golden/blue-green/gen.yaml"),
        ] {
            let w = world(text);
            let (fc, cc) = (full(&w), compact(&w));
            let (fm, cm) = (matrix(&w, &fc), matrix(&w, &cc));
            let mut compared = 0;
            for (frow, crow) in fm.rows.iter().zip(&cm.rows) {
                assert_eq!(frow.host, crow.host);
                let app = frow.app.as_deref();
                for (col, cell) in fc.iter().zip(&frow.cells) {
                    let Column::Fixed(s) = col else {
                        panic!("the full matrix asks fixed scenarios")
                    };
                    let own = app.is_some_and(|a| {
                        w.regions().iter().any(|r| {
                            s.apps_down.contains(&(a.to_string(), r.clone()))
                                || w.app_alb.get(a).is_some_and(|alb| {
                                    s.albs_down.contains(&(alb.clone(), r.clone()))
                                })
                        })
                    });
                    if !own
                        && s.regions_down.is_empty()
                        && (!s.apps_down.is_empty() || !s.albs_down.is_empty())
                    {
                        assert_eq!(cell.regions, frow.calm, "{}: {s}", frow.host);
                    }
                    if let Some(i) = cc
                        .iter()
                        .position(|c| c.scenario(&w, app).as_ref() == Some(s))
                    {
                        assert_eq!(crow.cells[i].regions, cell.regions, "{}: {s}", frow.host);
                        compared += 1;
                    }
                }
            }
            assert!(compared > 0);
        }
    }
}
