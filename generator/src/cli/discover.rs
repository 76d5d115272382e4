//! `gen discover`: read each shared ALB's Ingress from each Region's cluster
//! and record the ALB's DNS name in `gen.lock` (per Region and ALB), so
//! `gen render` can fill it in.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::session::{Session, runtime};
use crate::aws::route53::Route53;
use crate::diag::Hinted;
use crate::k8s::{self, IngressAddress};
use crate::live::clock::now_rfc3339;
use crate::output;
use crate::output::lock::read as read_lock;
use crate::spec::checked::Api;
use crate::spec::lock::{self, Locked, LockedZone, Previous};

/// One Region's outcome.
enum Found {
    Ready(String),
    Problem {
        state: State,
        detail: String,
        hint: Option<String>,
    },
}

/// A Region's state, as the table says it and as JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum State {
    Ready,
    NoContext,
    WrongRegion,
    Pending,
    Missing,
    Unreachable,
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            State::Ready => f.write_str("ready"),
            State::NoContext => f.write_str("no context"),
            State::WrongRegion => f.write_str("wrong Region"),
            State::Pending => f.write_str("pending"),
            State::Missing => f.write_str("missing"),
            State::Unreachable => f.write_str("unreachable"),
        }
    }
}

impl State {}

#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// Print a table and notes, or one JSON document.
    #[arg(long, value_enum, default_value = "table")]
    output: crate::printer::Output,
}

#[derive(Debug, Serialize)]
struct RegionReport<'a> {
    region: &'a str,
    cluster: &'a str,
    alb: &'a str,
    /// What makes the ALB, and so what was read: an Ingress or a Gateway.
    api: Api,
    context: &'a str,
    state: State,
    alb_dns_name: Option<&'a str>,
    detail: Option<&'a str>,
    hint: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    regions: Vec<RegionReport<'a>>,
    /// The public zone's ID when it was looked up (the spec gives none).
    hosted_zone_id: Option<&'a str>,
    hosted_zone_error: Option<String>,
    /// The lock file, and whether this run wrote it.
    lock: String,
    lock_written: bool,
}

pub(super) fn run(s: &Session, args: &DiscoverArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let json = matches!(args.output, crate::printer::Output::Json);
    let (settings, spec) = (&s.settings, &s.spec);
    let config = k8s::kubeconfig()?;
    let runtime = runtime()?;
    let mut details = Vec::new();
    // (Region, ALB, context, what was found), in spec order.
    let mut found: Vec<(usize, usize, String, Found)> = Vec::new();
    let albs: Vec<usize> = (0..s.plan.ingress.albs.len())
        .filter(|k| !s.plan.ingress.albs[*k].apps.is_empty())
        .collect();
    for (i, r) in spec.regions.iter().enumerate() {
        let context = match k8s::context_for(&config, &r.cluster, r.kube_context.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                for &k in &albs {
                    found.push((
                        i,
                        k,
                        "-".into(),
                        Found::Problem {
                            state: State::NoContext,
                            detail: e.to_string(),
                            hint: super::hints::hint_for(&e),
                        },
                    ));
                }
                continue;
            }
        };
        let ns = spec.namespace.clone();
        let client = runtime.block_on(k8s::client(&config, &context));
        for &k in &albs {
            let alb = &s.plan.ingress.albs[k];
            let name = alb.name.clone();
            // The address, and what keeps a Gateway's from being trusted yet.
            let result = match (&client, alb.api) {
                (Ok(client), Api::Ingress) => runtime
                    .block_on(within(k8s::ingress_address(client.clone(), &ns, &name)))
                    .map(|a| (a, None)),
                (Ok(client), Api::Gateway) => runtime.block_on(within(routed_gateway(
                    client.clone(),
                    &ns,
                    &name,
                    &s.plan.clusters[i],
                    k,
                ))),
                (Err(e), _) => Err(anyhow::anyhow!("{e:#}")),
            };
            let flux_name = &alb.kustomization;
            let kind = alb.api;
            let f = match result {
                Ok((_, Some(why))) => Found::Problem {
                    state: State::Pending,
                    detail: format!("Gateway {ns}/{name} is Programmed, but {why}"),
                    hint: Some(format!(
                        "records keep aiming at what gen.lock holds until every route of the ALB is Accepted with its references resolved; `kubectl --context {context} -n {ns} describe httproute` says why"
                    )),
                },
                Ok((IngressAddress::Ready(h), None))
                    if !h.ends_with(&format!(".{}.elb.amazonaws.com", r.name)) =>
                {
                    Found::Problem {
                        state: State::WrongRegion,
                        detail: format!(
                            "context `{context}` reports `{h}`, which is not an ALB in {}",
                            r.name
                        ),
                        hint: Some(
                            "check that the context is this Region's cluster (set kubeContext)"
                                .into(),
                        ),
                    }
                }
                Ok((IngressAddress::Ready(h), None)) => Found::Ready(h),
                Ok((IngressAddress::Pending, None)) if alb.api == Api::Ingress => Found::Problem {
                    state: State::Pending,
                    detail: format!("Ingress {ns}/{name} has no address yet"),
                    hint: Some(format!(
                        "the load balancer controller creates the ALB within minutes; check `kubectl --context {context} -n {ns} describe ingress {name}` for its events, and that the IngressClass `{}` exists",
                        alb.class_name
                    )),
                },
                Ok((IngressAddress::Pending, None)) => Found::Problem {
                    state: State::Pending,
                    detail: format!("Gateway {ns}/{name} is not Programmed yet"),
                    hint: Some(format!(
                        "the controller creates the ALB within minutes; check `kubectl --context {context} -n {ns} describe gateway {name}`, and that the GatewayClass `{}` is Accepted",
                        s.plan
                            .ingress
                            .gateway_class
                            .as_ref()
                            .map(|g| g.name.as_str())
                            .unwrap_or_default()
                    )),
                },
                Ok((IngressAddress::NotProgrammed(why), None)) => Found::Problem {
                    state: State::Pending,
                    detail: format!("Gateway {ns}/{name} is not Programmed: {why}"),
                    hint: Some(format!(
                        "records keep aiming at what gen.lock holds; run gen discover again once `kubectl --context {context} -n {ns} get gateway {name}` shows PROGRAMMED True"
                    )),
                },
                Ok((IngressAddress::Missing, None)) => Found::Problem {
                    state: State::Missing,
                    detail: format!("there is no {kind} {ns}/{name}"),
                    hint: Some(format!(
                        "has Flux applied it? `flux --context {context} get kustomizations` should show {flux_name} ready"
                    )),
                },
                Err(e) => Found::Problem {
                    state: State::Unreachable,
                    detail: format!("{e:#}"),
                    hint: super::hints::hints_of(&e).into_iter().next(),
                },
            };
            found.push((i, k, context.clone(), f));
        }
    }
    let regions: Vec<RegionReport> = found
        .iter()
        .map(|(i, k, context, f)| {
            let r = &spec.regions[*i];
            let (state, alb, detail, hint) = match f {
                Found::Ready(h) => (State::Ready, Some(h.as_str()), None, None),
                Found::Problem {
                    state,
                    detail,
                    hint,
                } => (*state, None, Some(detail.as_str()), hint.as_deref()),
            };
            RegionReport {
                region: &r.name,
                cluster: &r.cluster,
                alb: &s.plan.ingress.albs[*k].name,
                api: s.plan.ingress.albs[*k].api,
                context,
                state,
                alb_dns_name: alb,
                detail,
                hint,
            }
        })
        .collect();
    if !json {
        let rows: Vec<[String; 5]> = regions
            .iter()
            .map(|r| {
                [
                    r.region.to_string(),
                    r.cluster.to_string(),
                    r.alb.to_string(),
                    r.context.to_string(),
                    r.alb_dns_name
                        .map_or_else(|| r.state.to_string(), str::to_string),
                ]
            })
            .collect();
        pr.table(
            ["REGION", "CLUSTER", "ALB", "CONTEXT", "ALB DNS NAME"],
            &rows,
        );
    }

    // The hosted zone's ID, unless the spec gives it: records name their
    // zone by ID, never by a name a private zone shares. One the lock gave
    // (applied to `spec` already) is looked up again, as ALB names are.
    let mut lock_now = read_lock(&settings.spec)?;
    let before = lock_now.clone();
    let from_lock = before
        .hosted_zone
        .as_ref()
        .is_some_and(|z| spec.zone_id.as_deref() == Some(z.id.as_str()));
    let zone = (spec.zone_id.is_none() || from_lock).then(|| {
        runtime.block_on(async {
            let zones = Route53::new().await.public_zones(&spec.zone).await?;
            match zones.as_slice() {
                [id] => Ok(id.clone()),
                [] => Err(anyhow::anyhow!(Hinted::new(
                    format!("no public hosted zone named {} in this account", spec.zone),
                    "create it, or set dns.zoneId in the spec"
                ))),
                many => Err(anyhow::anyhow!(Hinted::new(
                    format!(
                        "{} public hosted zones are named {} ({})",
                        many.len(),
                        spec.zone,
                        many.join(", ")
                    ),
                    "set dns.zoneId in the spec to the one the records belong in"
                ))),
            }
        })
    });
    match &zone {
        _ if json => {}
        Some(Ok(id)) => pr.data(format_args!("hosted zone {}: {id}", spec.zone)),
        Some(Err(_)) => pr.data(format_args!("hosted zone {}: not found", spec.zone)),
        None => {}
    }
    let hosted_zone_id = match &zone {
        Some(Ok(id)) => Some(id.clone()),
        _ => None,
    };
    let hosted_zone_error = match &zone {
        Some(Err(e)) => Some(format!("{e:#}")),
        _ => None,
    };

    let mut all_ready = true;
    match zone {
        Some(Ok(id)) => {
            let name = format!("{}.", spec.zone.trim_end_matches('.'));
            if lock_now
                .hosted_zone
                .as_ref()
                .is_none_or(|z| z.id != id || z.name != name)
            {
                lock_now.hosted_zone = Some(LockedZone {
                    name,
                    id,
                    resolved_at: now_rfc3339(),
                });
            }
        }
        Some(Err(e)) => {
            all_ready = false;
            details.push((
                format!("dns.zoneId: {e:#}"),
                super::hints::hints_of(&e).into_iter().next(),
            ));
        }
        None => {}
    }
    // Only the spec's Regions and ALBs stay: a removed ALB (or a version-1
    // lock's unnamed one, once its ALB is found by name) leaves the lock.
    lock_now
        .regions
        .retain(|r, _| spec.regions.iter().any(|x| x.name == *r));
    for l in lock_now.regions.values_mut() {
        l.albs.retain(|a, _| {
            albs.iter().any(|k| s.plan.ingress.albs[*k].name == *a) || a == lock::UNNAMED
        });
    }
    for (i, k, _, f) in &found {
        let r = &spec.regions[*i];
        let alb = &s.plan.ingress.albs[*k].name;
        match f {
            Found::Ready(h) => {
                let api = s.plan.ingress.albs[*k].api;
                let region = lock_now.regions.entry(r.name.clone()).or_default();
                let was = region
                    .albs
                    .get(alb)
                    .or_else(|| {
                        (!spec.ingress.grouped)
                            .then(|| region.albs.get(lock::UNNAMED))
                            .flatten()
                    })
                    .cloned();
                region.albs.remove(lock::UNNAMED);
                let keep = was.as_ref().is_some_and(|l| {
                    l.alb_dns_name == *h && l.alb_zone_id == r.alb_zone_id && l.api == api
                });
                // Unchanged, it stays as it was, under the ALB's name (a
                // version-1 lock's unnamed entry moves there).
                let entry = match was {
                    Some(was) if keep => was,
                    _ => Locked {
                        alb_dns_name: h.clone(),
                        alb_zone_id: r.alb_zone_id.clone(),
                        resolved_at: now_rfc3339(),
                        api,
                        previous: moved_from(was.as_ref(), api),
                    },
                };
                region.albs.insert(alb.clone(), entry);
            }
            Found::Problem {
                state,
                detail,
                hint,
            } => {
                all_ready = false;
                details.push((
                    format!("{} ({}), ALB {alb}: {}: {detail}", r.name, r.cluster, state),
                    hint.clone(),
                ));
            }
        }
    }
    for (d, hint) in details.iter().filter(|_| !json) {
        match hint {
            Some(h) => pr.warn_hint(d, h),
            None => pr.warn(d),
        }
    }
    let path = lock::path_for(&settings.spec);
    let written = lock_now != before;
    if written {
        lock_now.version = lock::VERSION;
        output::write_atomic(&path, lock::to_text(&lock_now)?.as_bytes())?;
    }
    if json {
        let report = Report {
            regions,
            hosted_zone_id: hosted_zone_id.as_deref(),
            hosted_zone_error,
            lock: path.display().to_string(),
            lock_written: written,
        };
        pr.data(serde_json::to_string_pretty(&report).unwrap_or_default());
    } else if written {
        pr.data(format_args!(
            "wrote {}: run `gen render` to use it, and commit both",
            path.display()
        ));
    } else if path.exists() {
        pr.data(format_args!("{} is up to date", path.display()));
    } else {
        pr.data(format_args!(
            "nothing resolved yet: {} not written",
            path.display()
        ));
    }
    Ok(if all_ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The load balancer the ALB leaves, when `was` (what the lock held) came
/// from the other API, or already named one: the old object stays
/// rendered, and so serving, until `gen deploy` has moved the records.
fn moved_from(was: Option<&Locked>, api: Api) -> Option<Previous> {
    let was = was?;
    if was.api != api {
        Some(Previous {
            api: was.api,
            alb_dns_name: was.alb_dns_name.clone(),
        })
    } else {
        was.previous.clone()
    }
}

/// An answer within 30 s, or an error that says there was none.
async fn within<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within 30 s"))?
}

/// A Gateway's address, trusted only once it is Programmed and every
/// HTTPRoute of the ALB in this cluster (each app's, and the host-less
/// health routes Route 53's checks reach) is Accepted with its references
/// resolved: recorded sooner, the records and checks could move to an ALB
/// that does not route to the apps.
async fn routed_gateway(
    client: kube::Client,
    ns: &str,
    name: &str,
    cluster: &crate::model::ClusterPlan,
    alb: usize,
) -> Result<(IngressAddress, Option<String>)> {
    let (address, _) = k8s::gateway_address(client.clone(), ns, name).await?;
    if !matches!(address, IngressAddress::Ready(_)) {
        return Ok((address, None));
    }
    let Some(i) = cluster.ingresses.iter().find(|i| i.alb == alb) else {
        return Ok((address, None));
    };
    for (route, _) in i.http_routes() {
        let why = match k8s::http_route(client.clone(), ns, route, name).await? {
            None => format!("HTTPRoute {ns}/{route} is missing"),
            Some(cs) if !k8s::all_true(&cs, k8s::ROUTE_READY) => format!(
                "HTTPRoute {ns}/{route}: {}",
                k8s::conditions_label(&cs, k8s::ROUTE_READY)
            ),
            Some(_) => continue,
        };
        return Ok((address, Some(why)));
    }
    Ok((address, None))
}
