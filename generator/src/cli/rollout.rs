//! `gen rollout`: take a commit to the Regions wave by wave. Gathers the
//! rollout branches as the remote holds them, decides the course from them
//! (`rollout::course`: no state but the refs), creates the branches a
//! first run lacks at the commits their clusters run, then follows the
//! course with `live::rollout` and shows one typed report as a table or
//! JSON. Exit code: 0 every wave done, 1 stopped by a gate, 3 interrupted
//! or unknown (running it again resumes).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Args;

use super::session::{Session, runtime};
use crate::diag::Hinted;
use crate::k8s;
use crate::live::rollout::{self as engine, Aws, Named, Outcome, Report, Run, Watch};
use crate::live::signals::Signals;
use crate::live::status::short;
use crate::output::remote::Remote;
use crate::printer::{Output, Printer};
use crate::rollout::{Action, course, starts};

#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// The commit to roll out.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    to: String,
    /// The remote whose rollout branches move.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// Show the waves and what would move; move nothing.
    #[arg(long)]
    dry_run: bool,
    /// Only create the rollout branches the remote lacks, at the commits their clusters run; move
    /// nothing else (before merging the commit that turns rollouts on).
    #[arg(long, conflicts_with = "dry_run")]
    prepare: bool,
    /// Leave a stopped wave's branches at the commit (to look at what failed).
    #[arg(long)]
    no_rollback: bool,
    /// How long each wave bakes, e.g. 90s or 20m [default: rollout.bakeMinutes].
    #[arg(long, value_name = "DURATION")]
    bake: Option<String>,
    /// How long a wave's clusters have to apply the commit [default: rollout.applyMinutes].
    #[arg(long, value_name = "DURATION")]
    apply: Option<String>,
    /// Seconds between two reads of the gates.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    every: u64,
    /// Skip the AWS gates (Route 53 health checks): gate on Flux alone.
    #[arg(long)]
    no_aws: bool,
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
}

pub(super) fn run(s: &Session, args: &RolloutArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let (spec, plan) = (&s.spec, &s.plan);
    let (Some(rp), Some(rs)) = (&plan.rollout, &spec.rollout) else {
        bail!(Hinted::new(
            "the spec has no `rollout` section: every cluster follows one branch",
            "add `rollout: {source: {url: ...}}` (docs/rollout.md), render, and merge it"
        ));
    };
    let bake = match &args.bake {
        Some(d) => duration("--bake", d)?,
        None => Duration::from_secs(u64::from(rp.bake_minutes) * 60),
    };
    let apply = match &args.apply {
        Some(d) => duration("--apply", d)?,
        None => Duration::from_secs(u64::from(rp.apply_minutes) * 60),
    };
    let remote = Remote::open(&s.settings.root, &args.remote)?;
    let target = remote.resolve(&args.to)?;
    // A dry run in a clone without the remote shows a first run.
    let heads = if args.dry_run && !remote.exists() {
        pr.warn(format_args!(
            "the repository has no remote `{}`: every rollout branch is shown as new",
            args.remote
        ));
        BTreeMap::new()
    } else {
        remote.branches(&rs.branch_prefix)?
    };
    let mut course = course(rp, &heads, &target);
    if args.dry_run {
        let report = engine::dry_run(&course);
        if course.missing().next().is_some() {
            pr.note("a branch the remote lacks is first created at the commit its clusters run");
        }
        view(pr, args.output, &report);
        return Ok(ExitCode::SUCCESS);
    }
    if course.finished() && !args.prepare {
        pr.note(format_args!("every wave is at {} already", short(&target)));
        view(pr, args.output, &engine::dry_run(&course));
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = runtime()?;
    let config = k8s::kubeconfig()?;
    let alarms: Vec<Named> = rp
        .alarms
        .iter()
        .filter_map(|a| Named::of_arn(a, &s.plan.accounts))
        .collect();
    let aws = if args.no_aws || args.prepare {
        None
    } else {
        runtime.block_on(crate::live::assume(
            &s.plan,
            &spec.stack_region,
            crate::live::Reach::Every,
        ))?;
        let mut places = vec![(
            crate::facts::route53::METRICS_REGION.to_string(),
            s.plan.dns_account.clone(),
        )];
        places.extend(alarms.iter().map(|a| (a.region.clone(), a.account.clone())));
        let aws = runtime.block_on(Aws::new(&s.plan, &spec.stack_region, &places));
        let unknown = runtime.block_on(engine::unknown_alarms(&aws, &alarms))?;
        if !unknown.is_empty() {
            let names: Vec<String> = unknown
                .iter()
                .map(|a| format!("{} ({})", a.name, a.region))
                .collect();
            bail!(Hinted::new(
                format!(
                    "CloudWatch has no alarm {}: it would gate nothing",
                    names.join(", ")
                ),
                "fix rollout.alarms (each an alarm's ARN), or create the alarm first"
            ));
        }
        Some(aws)
    };
    let missing: Vec<String> = course.missing().map(|b| b.region.clone()).collect();
    if !missing.is_empty() {
        let regions: Vec<&str> = missing.iter().map(String::as_str).collect();
        let running = runtime.block_on(engine::running(spec, plan, &config, &regions));
        let found = match starts(&course, &running) {
            Ok(found) => found,
            Err(unknown) => bail!(Hinted::new(
                format!(
                    "cannot tell which commit the clusters of {} run, so their rollout branches cannot start there",
                    unknown.join(", ")
                ),
                "each cluster's gen Kustomizations must be reachable and agree on one revision (`gen status`)"
            )),
        };
        let at: BTreeMap<String, String> = found.into_iter().map(|(b, c)| (b.branch, c)).collect();
        engine::create(pr, &remote, &at)?;
        let heads = remote.branches(&rs.branch_prefix)?;
        course = crate::rollout::course(rp, &heads, &target);
    }
    if args.prepare {
        if missing.is_empty() {
            pr.note("every rollout branch exists already");
        }
        view(pr, args.output, &engine::dry_run(&course));
        return Ok(ExitCode::SUCCESS);
    }
    let moving = course
        .waves
        .iter()
        .filter(|w| w.action != Action::Done)
        .count();
    pr.note(format_args!(
        "rolling {} out: {} of {} waves to watch, each baking {}",
        short(&target),
        moving,
        course.waves.len(),
        crate::live::clock::minutes(bake.as_secs())
    ));
    let engine = Run {
        pr,
        spec,
        plan,
        config: &config,
        remote: &remote,
        aws: aws.as_ref(),
        alarms,
        watch: Watch {
            apply,
            bake,
            every: Duration::from_secs(args.every.max(1)),
            rollback: !args.no_rollback,
        },
    };
    let report = runtime.block_on(async {
        let mut signals = Signals::new()?;
        anyhow::Ok(engine.run(&course, &mut signals).await)
    })?;
    view(pr, args.output, &report);
    if let Some(e) = &report.error {
        pr.error(e);
    }
    match report.outcome {
        Outcome::Done => pr.note(format_args!("every wave runs {}", short(&target))),
        Outcome::Stopped => pr.note_hint(
            "stopped by a gate: later waves never saw the commit",
            "fix the change and merge again, then run `gen rollout` (docs/rollout.md, \"When a gate stops a rollout\")",
        ),
        Outcome::Interrupted => pr.note_hint(
            "interrupted: each branch is either where it was or at the commit",
            "run `gen rollout` again to resume from where the branches stand",
        ),
        Outcome::DryRun => {}
    }
    Ok(ExitCode::from(report.outcome.exit_code()))
}

/// `90s`, `20m`, `1h`, or a bare number of minutes.
fn duration(flag: &str, text: &str) -> Result<Duration> {
    let t = text.trim();
    let (n, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "m"),
    };
    let n: u64 = n.parse().map_err(|_| {
        Hinted::new(
            format!("{flag} `{text}` is not a duration"),
            "allowed: a whole number with s, m or h, e.g. 90s or 20m",
        )
    })?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => bail!(Hinted::new(
            format!("{flag} `{text}` is not a duration"),
            "allowed: a whole number with s, m or h, e.g. 90s or 20m",
        )),
    };
    Ok(Duration::from_secs(secs))
}

fn view(pr: Printer, output: Output, report: &Report) {
    if output == Output::Json {
        pr.data(serde_json::to_string_pretty(report).unwrap_or_default());
        return;
    }
    let rows: Vec<[String; 5]> = report
        .waves
        .iter()
        .flat_map(|w| {
            w.branches.iter().enumerate().map(move |(k, b)| {
                [
                    if k == 0 {
                        w.number.to_string()
                    } else {
                        String::new()
                    },
                    b.region.clone(),
                    b.branch.clone(),
                    match (&b.before, &b.now) {
                        (None, _) => "(new)".to_string(),
                        (Some(x), Some(y)) if x != y => format!("{} → {}", short(x), short(y)),
                        (Some(x), _) => short(x).to_string(),
                    },
                    if k == 0 {
                        w.result.to_string()
                    } else {
                        String::new()
                    },
                ]
            })
        })
        .collect();
    pr.data(format_args!("rollout of {}", short(&report.target)));
    pr.table(["WAVE", "REGION", "BRANCH", "COMMIT", "RESULT"], &rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bake_durations_take_a_unit() {
        assert_eq!(duration("--bake", "90s").unwrap(), Duration::from_secs(90));
        assert_eq!(
            duration("--bake", "20m").unwrap(),
            Duration::from_secs(1200)
        );
        assert_eq!(duration("--bake", "2").unwrap(), Duration::from_secs(120));
        assert!(duration("--bake", "2d").is_err());
        assert!(duration("--bake", "soon").is_err());
    }
}
