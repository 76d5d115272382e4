//! `gen status`: has every cluster applied this commit, and is every app
//! healthy in every Region? One table per side (clusters, apps), or JSON;
//! the exit code says whether everything is reconciled and healthy.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::session::{Session, runtime};
use crate::k8s;
use crate::live::rollout::WavesNow;
use crate::live::status::{
    AlbRow, AppRow, ClusterRow, FluxState, RecordsState, RouteRow, apps, clusters_in, short,
};
use crate::live::switch::{PlanStatus, view_plans};
use crate::live::{self};
use crate::output::git;
use crate::printer::Output;
use crate::spec::checked::Api;

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
    /// Wait until every cluster has applied HEAD (Flux reconciled), then report.
    #[arg(long)]
    wait: bool,
    /// With --wait: give up after this many seconds.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    timeout: u64,
    /// Skip the AWS side (Route 53 health checks, routing controls).
    #[arg(long)]
    no_aws: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    head: Option<String>,
    /// With a rollout: each wave's branch and commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    rollout: Option<WavesNow>,
    clusters: Vec<ClusterRow>,
    albs: Vec<AlbRow>,
    /// The HTTPRoutes of every Gateway.
    routes: Vec<RouteRow>,
    apps: Vec<AppRow>,
    /// The Region switch plans, their evaluation and warnings (when on,
    /// and the AWS side is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    switch_plans: Option<Vec<PlanStatus>>,
    /// The hosted zone's records against the rendered ones (with AWS).
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<RecordsState>,
    ok: bool,
}

pub(super) fn run(s: &Session, args: &StatusArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let (settings, spec) = (&s.settings, &s.spec);
    let plan = &s.plan;
    let head = git::head_commit(&settings.root);
    let runtime = runtime()?;
    let config = k8s::kubeconfig()?;
    // With a rollout each Region runs its branch's commit, not HEAD.
    let waves = match &spec.rollout {
        Some(r) => WavesNow::read(&settings.root, plan, &r.branch_prefix, head.as_deref())
            .unwrap_or_else(|e| {
                pr.warn(format_args!(
                    "the rollout branches could not be read: {e:#}"
                ));
                None
            }),
        None => None,
    };
    let head_of = |region: &str| {
        waves
            .as_ref()
            .and_then(|w| w.commit_of(region))
            .or(head.as_deref())
    };
    if args.wait {
        runtime.block_on(live::status::wait_applied(
            pr,
            spec,
            plan,
            &config,
            head_of,
            Duration::from_secs(args.timeout),
        ))?;
    }
    let mut report = runtime.block_on(async {
        let clusters = clusters_in(spec, plan, &config, head_of, |_| true).await;
        let (albs, routes, apps, ids) =
            apps(&settings.spec, spec, plan, &config, args.no_aws).await;
        let switch_plans = match (&plan.region_switch, args.no_aws) {
            (Some(sw), false) => Some(
                live::switch::status(sw, live::dns_role(plan).as_ref())
                    .await
                    .plans,
            ),
            _ => None,
        };
        let records = if args.no_aws {
            None
        } else {
            let r53 = crate::aws::route53::Route53::new(live::dns_role(plan).as_ref()).await;
            Some(live::status::records(&r53, plan, spec.zone_id.as_deref(), &ids).await)
        };
        let ok = clusters.iter().all(|c| c.state == FluxState::Reconciled)
            && albs.iter().all(|a| a.ingress.ok())
            && routes.iter().all(|r| r.state.ok())
            && apps.iter().all(|a| a.ok)
            && switch_plans.iter().flatten().all(PlanStatus::ok)
            && records.as_ref().is_none_or(RecordsState::ok);
        Report {
            head: head.clone(),
            rollout: None,
            clusters,
            albs,
            routes,
            apps,
            switch_plans,
            records,
            ok,
        }
    });
    report.rollout = waves;
    match args.output {
        Output::Json => pr.data(format_args!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        )),
        Output::Table => {
            let rows: Vec<[String; 4]> = report
                .clusters
                .iter()
                .map(|c| {
                    [
                        c.cluster.clone(),
                        c.region.clone(),
                        c.state.to_string(),
                        c.detail.clone(),
                    ]
                })
                .collect();
            pr.table(["CLUSTER", "REGION", "FLUX", "DETAIL"], &rows);
            pr.data("");
            if let Some(w) = &report.rollout {
                let rows: Vec<[String; 4]> = w
                    .waves
                    .iter()
                    .map(|x| {
                        [
                            x.number.to_string(),
                            x.region.clone(),
                            x.branch.clone(),
                            x.commit.as_deref().map_or("(none yet)", short).to_string(),
                        ]
                    })
                    .collect();
                pr.table(["WAVE", "REGION", "BRANCH", "COMMIT"], &rows);
                pr.data(w.summary(report.head.as_deref()));
                pr.data("");
            }
            let rows: Vec<[String; 5]> = report
                .albs
                .iter()
                .map(|a| {
                    [
                        a.alb.clone(),
                        a.region.clone(),
                        a.api.to_string(),
                        a.ingress.to_string(),
                        if a.api == Api::Gateway {
                            k8s::conditions_label(&a.conditions, &["Accepted", "Programmed"])
                        } else {
                            "-".into()
                        },
                    ]
                })
                .collect();
            pr.table(["ALB", "REGION", "API", "ADDRESS", "CONDITIONS"], &rows);
            pr.data("");
            if !report.routes.is_empty() {
                let rows: Vec<[String; 4]> = report
                    .routes
                    .iter()
                    .map(|r| {
                        [
                            r.route.clone(),
                            r.alb.clone(),
                            r.region.clone(),
                            r.state.to_string(),
                        ]
                    })
                    .collect();
                pr.table(["HTTPROUTE", "ALB", "REGION", "CONDITIONS"], &rows);
                pr.data("");
            }
            let rows: Vec<[String; 7]> = report
                .apps
                .iter()
                .map(|a| {
                    [
                        a.app.clone(),
                        a.region.clone(),
                        a.alb.clone(),
                        a.pods.to_string(),
                        a.ingress.to_string(),
                        a.health_check.to_string(),
                        a.routing_control.to_string(),
                    ]
                })
                .collect();
            pr.table(
                [
                    "APP",
                    "REGION",
                    "ALB",
                    "PODS",
                    "INGRESS",
                    "HEALTH CHECK",
                    "ROUTING CONTROL",
                ],
                &rows,
            );
            pr.data("");
            if let Some(plans) = &report.switch_plans {
                view_plans(pr, plans);
                pr.data("");
            }
            match &report.records {
                Some(RecordsState::AsRendered { records, checks }) => {
                    pr.data(format_args!(
                        "records: all {records} in the zone as rendered; health checks: all {checks} deployed as rendered"
                    ));
                    pr.data("");
                }
                Some(RecordsState::Drift { drift }) => {
                    let rows: Vec<[String; 1]> = drift.iter().map(|d| [d.to_string()]).collect();
                    pr.table(
                        ["DRIFT OF RECORDS AND CHECKS (edited outside gen: `gen deploy` does not see it)"],
                        &rows,
                    );
                    pr.data("");
                }
                Some(RecordsState::NotRead { why }) => {
                    pr.data(format_args!("records: not read ({why})"));
                    pr.data("");
                }
                Some(RecordsState::ZoneUnknown) | None => {}
            }
            pr.data(format_args!(
                "{}",
                if report.ok {
                    "everything is reconciled and healthy"
                } else {
                    "not everything is reconciled and healthy"
                }
            ));
        }
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
