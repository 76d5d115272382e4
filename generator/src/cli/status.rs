//! `gen status`: has every cluster applied this commit, and is every app
//! healthy in every Region? One table per side (clusters, apps), or JSON;
//! the exit code says whether everything is reconciled and healthy.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use super::arc::Output;
use super::{Settings, drill, print_table};
use crate::aws::{arc as arc_adapter, cfn::Cfn, route53::Route53};
use crate::k8s;
use crate::model::{self, Plan};
use crate::output::git;
use crate::spec::checked::{ArcCluster, Spec};
use crate::spec::lock;

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
struct ClusterRow {
    cluster: String,
    region: String,
    /// "reconciled", "behind", "failing", "unreachable", ...
    state: String,
    source_revision: Option<String>,
    detail: String,
}

#[derive(Debug, Serialize)]
struct AppRow {
    app: String,
    region: String,
    pods: String,
    ingress: String,
    health_check: String,
    routing_control: String,
    ok: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    head: Option<String>,
    clusters: Vec<ClusterRow>,
    apps: Vec<AppRow>,
    ok: bool,
}

pub fn run(settings: &Settings, spec: &Spec, args: &StatusArgs) -> Result<ExitCode> {
    let plan = model::plan(spec, &git::repo_prefix(&settings.root)?);
    let head = git::head_commit(&settings.root);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config = k8s::kubeconfig()?;
    if args.wait {
        let started = Instant::now();
        loop {
            let clusters = runtime.block_on(clusters(spec, &plan, &config, head.as_deref()));
            let pending: Vec<String> = clusters
                .iter()
                .filter(|c| c.state != "reconciled")
                .map(|c| format!("{} {}", c.cluster, c.state))
                .collect();
            if pending.is_empty() {
                break;
            }
            if clusters.iter().any(|c| c.state == "failing")
                || started.elapsed() > Duration::from_secs(args.timeout)
            {
                let why: Vec<String> = clusters
                    .iter()
                    .filter(|c| c.state != "reconciled")
                    .map(|c| format!("{} ({}): {}: {}", c.cluster, c.region, c.state, c.detail))
                    .collect();
                anyhow::bail!(
                    "not every cluster applied {}:\n  {}\n  hint: `flux get kustomizations` on those clusters shows why",
                    head.as_deref().unwrap_or("HEAD"),
                    why.join("\n  ")
                );
            }
            tell!(
                "waiting ({} s): {}",
                started.elapsed().as_secs(),
                pending.join(", ")
            );
            std::thread::sleep(Duration::from_secs(5));
        }
    }
    let report = runtime.block_on(async {
        let clusters = clusters(spec, &plan, &config, head.as_deref()).await;
        let apps = apps(settings, spec, &plan, &config, args.no_aws).await;
        let ok = clusters.iter().all(|c| c.state == "reconciled") && apps.iter().all(|a| a.ok);
        Report {
            head: head.clone(),
            clusters,
            apps,
            ok,
        }
    });
    match args.output {
        Output::Json => say!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        Output::Table => {
            let rows: Vec<[String; 4]> = report
                .clusters
                .iter()
                .map(|c| {
                    [
                        c.cluster.clone(),
                        c.region.clone(),
                        c.state.clone(),
                        c.detail.clone(),
                    ]
                })
                .collect();
            print_table(["CLUSTER", "REGION", "FLUX", "DETAIL"], &rows);
            say!();
            let rows: Vec<[String; 6]> = report
                .apps
                .iter()
                .map(|a| {
                    [
                        a.app.clone(),
                        a.region.clone(),
                        a.pods.clone(),
                        a.ingress.clone(),
                        a.health_check.clone(),
                        a.routing_control.clone(),
                    ]
                })
                .collect();
            print_table(
                [
                    "APP",
                    "REGION",
                    "PODS",
                    "INGRESS",
                    "HEALTH CHECK",
                    "ROUTING CONTROL",
                ],
                &rows,
            );
            say!();
            say!(
                "{}",
                if report.ok {
                    "everything is reconciled and healthy"
                } else {
                    "not everything is reconciled and healthy"
                }
            );
        }
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Flux state of every cluster: each gen Kustomization ready and at HEAD.
async fn clusters(
    spec: &Spec,
    plan: &Plan,
    config: &kube::config::Kubeconfig,
    head: Option<&str>,
) -> Vec<ClusterRow> {
    let mut out = Vec::new();
    for (r, c) in spec.regions.iter().zip(&plan.clusters) {
        let mut row = ClusterRow {
            cluster: r.cluster.clone(),
            region: r.name.clone(),
            state: String::new(),
            source_revision: None,
            detail: String::new(),
        };
        let client = match connect(config, &r.cluster, r.kube_context.as_deref()).await {
            Ok(c) => c,
            Err(e) => {
                row.state = "unreachable".into();
                row.detail = first_line(&e);
                out.push(row);
                continue;
            }
        };
        row.source_revision =
            k8s::source_revision(client.clone(), &spec.flux.namespace, &spec.flux.source)
                .await
                .ok()
                .flatten();
        let found = match k8s::kustomizations(client, &spec.flux.namespace).await {
            Ok(k) => k,
            Err(e) => {
                row.state = "unreachable".into();
                row.detail = first_line(&e);
                out.push(row);
                continue;
            }
        };
        let (mut missing, mut failing, mut behind, mut suspended) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut drills = Vec::new();
        for k in &c.kustomizations {
            match found.iter().find(|f| f.name == k.name) {
                None => missing.push(k.name.clone()),
                // Suspended by a drill that did not finish (killed, machine
                // lost): the record says what to restore.
                Some(f) if f.suspended && f.annotations.contains_key(drill::RECORD_ANNOTATION) => {
                    let text = &f.annotations[drill::RECORD_ANNOTATION];
                    drills.push(match drill::DrillRecord::parse(text) {
                        Some(r) => format!(
                            "{} in {} since {}: run `{}`",
                            r.app,
                            r.region,
                            r.started_at,
                            r.restore_command()
                        ),
                        None => format!("{}: an unreadable drill record: {text}", f.name),
                    });
                }
                Some(f) if f.suspended => suspended.push(f.name.clone()),
                Some(f) if f.ready == Some(false) => {
                    failing.push(format!("{}: {}", f.name, f.message))
                }
                Some(f) => {
                    let at_head = match (head, f.applied.as_deref()) {
                        (Some(h), Some(a)) => a.rsplit(':').next() == Some(h),
                        _ => false,
                    };
                    if !at_head || f.ready != Some(true) {
                        behind.push(format!(
                            "{} at {}",
                            f.name,
                            f.applied.as_deref().unwrap_or("nothing yet")
                        ));
                    }
                }
            }
        }
        (row.state, row.detail) = if !drills.is_empty() {
            ("drill interrupted".into(), drills.join("; "))
        } else if !failing.is_empty() {
            ("failing".into(), failing.join("; "))
        } else if !missing.is_empty() {
            (
                "missing".into(),
                format!("not on the cluster: {}", missing.join(", ")),
            )
        } else if !suspended.is_empty() {
            ("suspended".into(), suspended.join(", "))
        } else if !behind.is_empty() {
            ("behind".into(), behind.join(", "))
        } else {
            (
                "reconciled".into(),
                format!(
                    "{} Kustomizations at {}",
                    c.kustomizations.len(),
                    short(head.unwrap_or("HEAD"))
                ),
            )
        };
        out.push(row);
    }
    out
}

async fn connect(
    config: &kube::config::Kubeconfig,
    cluster: &str,
    explicit: Option<&str>,
) -> Result<kube::Client> {
    let context = k8s::context_for(config, cluster, explicit)?;
    k8s::client(config, &context).await
}

/// Per app and Region: pods, Ingress address against the lock, the Route 53
/// check's status, the routing control's state.
async fn apps(
    settings: &Settings,
    spec: &Spec,
    plan: &Plan,
    config: &kube::config::Kubeconfig,
    no_aws: bool,
) -> Vec<AppRow> {
    let locked = lock::read(&settings.spec).unwrap_or_default();
    let mut rows = Vec::new();
    let r53 = if no_aws {
        None
    } else {
        Some(Route53::new().await)
    };
    let cfn = if no_aws {
        None
    } else {
        Some(Cfn::new(&spec.stack_region).await)
    };
    let controls = match (&plan.arc, &spec.arc, no_aws) {
        (Some(p), Some(a), false) => {
            let which = match &a.cluster {
                ArcCluster::Existing(arn) => arc_adapter::ClusterRef::Arn(arn),
                ArcCluster::Create(n) => arc_adapter::ClusterRef::Name(n),
            };
            match arc_adapter::cluster(which).await {
                Ok(c) => c
                    .controls(&p.panel_name, &mut Vec::new())
                    .await
                    .map_err(|e| first_line(&e)),
                Err(e) => Err(first_line(&e)),
            }
        }
        _ => Ok(Vec::new()),
    };
    for (r, c) in spec.regions.iter().zip(&plan.clusters) {
        let client = connect(config, &r.cluster, r.kube_context.as_deref())
            .await
            .ok();
        let address = match &client {
            Some(cl) => k8s::ingress_address(cl.clone(), &spec.namespace, &spec.ingress.alb_name)
                .await
                .ok(),
            None => None,
        };
        let expected = r
            .alb_dns_name
            .clone()
            .or_else(|| locked.regions.get(&r.name).map(|l| l.alb_dns_name.clone()));
        let ingress = match (&address, &expected) {
            (Some(k8s::IngressAddress::Ready(h)), Some(e)) if h == e => "matches".to_string(),
            (Some(k8s::IngressAddress::Ready(h)), Some(_)) => format!("DRIFT: now {h}"),
            (Some(k8s::IngressAddress::Ready(_)), None) => "not in gen.lock".to_string(),
            (Some(k8s::IngressAddress::Pending), _) => "no address yet".to_string(),
            (Some(k8s::IngressAddress::Missing), _) => "missing".to_string(),
            (None, _) => "unknown".to_string(),
        };
        for w in &c.workloads {
            let (pods, pods_ok) = match &client {
                Some(cl) => match k8s::deployment(cl.clone(), &spec.namespace, &w.app).await {
                    Ok(Some((want, ready))) => (format!("{ready}/{want} ready"), ready >= want),
                    Ok(None) => ("missing".into(), false),
                    Err(e) => (first_line(&e), false),
                },
                None => ("unreachable".into(), false),
            };
            let entry = plan
                .stacks
                .iter()
                .flat_map(|s| s.entries.iter().map(move |e| (s, e)))
                .find(|(_, e)| e.record.app == w.app && e.record.region == r.name);
            let health_check = match (entry, &r53, &cfn) {
                (None, _, _) => "no record here".to_string(),
                (Some(_), None, _) | (Some(_), _, None) => "not checked (--no-aws)".to_string(),
                (Some((s, e)), Some(r53), Some(cfn)) => {
                    match cfn.physical_id(&s.name, &e.health_check.logical_id).await {
                        Ok(Some(id)) => match r53.status(&id).await {
                            Ok(st) => format!(
                                "{} {}/{} checkers",
                                if st.is_healthy() {
                                    "healthy"
                                } else {
                                    "UNHEALTHY"
                                },
                                st.healthy,
                                st.reporting
                            ),
                            Err(e) => first_line(&e),
                        },
                        Ok(None) => "not deployed".into(),
                        Err(e) => first_line(&e),
                    }
                }
            };
            let routing_control = match (&plan.arc, &controls) {
                (None, _) => "-".to_string(),
                (Some(p), Ok(states)) => match crate::model::arc::control_for(p, &w.app, &r.name) {
                    Some(ctl) => match states.iter().find(|s| s.name == ctl.name) {
                        Some(s) => {
                            if s.on {
                                "On".into()
                            } else {
                                "Off".into()
                            }
                        }
                        None if no_aws => "not checked (--no-aws)".into(),
                        None => "missing".into(),
                    },
                    None => "-".into(),
                },
                (Some(_), Err(e)) => e.clone(),
            };
            let ok = pods_ok
                && ingress == "matches"
                && (health_check.starts_with("healthy")
                    || health_check == "no record here"
                    || no_aws)
                && (routing_control == "On" || routing_control == "-" || no_aws);
            rows.push(AppRow {
                app: w.app.clone(),
                region: r.name.clone(),
                pods,
                ingress: ingress.clone(),
                health_check,
                routing_control,
                ok,
            });
        }
    }
    rows
}

fn first_line(e: &anyhow::Error) -> String {
    format!("{e:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(10)]
}
