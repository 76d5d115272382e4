//! `gen discover`: read each ALB's Ingress or Gateway (and EKS Auto Mode's
//! Gateway controller) from each Region's cluster into `gen.lock`, so `gen
//! render` can fill in ALB DNS names and never guesses Auto Mode's names.

use anyhow::Result;
use serde::Serialize;
use std::process::ExitCode;

use super::session::{Session, runtime};
use crate::aws::route53::Route53;
use crate::diag::Hinted;
use crate::k8s::{self, IngressAddress};
use crate::live::clock::now_rfc3339;
use crate::live::gateway::{auto_mode_controller, routed_gateway, within};
use crate::output;
use crate::output::lock::read as read_lock;
use crate::resolve::{self, Unread};
use crate::spec::checked::{Api, AutoGateway, Controller};
use crate::spec::lock::{self, Locked, LockedZone};

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

/// What one Region's cluster serves of EKS Auto Mode's Gateway API.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GatewayReport<'a> {
    region: &'a str,
    cluster: &'a str,
    controller_name: Option<&'a str>,
    params_api_version: Option<&'a str>,
    detail: Option<&'a str>,
    hint: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    regions: Vec<RegionReport<'a>>,
    /// EKS Auto Mode's Gateway controller per Region, when the spec's
    /// Gateways are Auto Mode's.
    auto_gateway: Vec<GatewayReport<'a>>,
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
    // EKS Auto Mode's Gateway controller, read from each cluster (Region
    // index, what it serves), when the spec's Gateways are Auto Mode's.
    let auto_mode =
        spec.ingress.controller == Controller::EksAuto && s.plan.ingress.gateway_class.is_some();
    let mut served: Vec<(usize, Result<AutoGateway, Unread>)> = Vec::new();
    for (i, r) in spec.regions.iter().enumerate() {
        let context = match k8s::context_for(&config, r.cluster(), r.kube_context()) {
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
        if auto_mode {
            let read = match &client {
                Ok(client) => runtime.block_on(within(auto_mode_controller(client.clone()))),
                Err(e) => Err(anyhow::anyhow!("{e:#}")),
            };
            served.push((
                i,
                read.unwrap_or_else(|e| {
                    Err(Unread {
                        detail: format!("{e:#}"),
                        hint: super::hints::hints_of(&e)
                            .into_iter()
                            .next()
                            .unwrap_or_default(),
                    })
                }),
            ));
        }
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
                cluster: r.cluster(),
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
            let r53 = Route53::new(crate::live::dns_role(&s.plan).as_ref()).await;
            let zones = r53.public_zones(&spec.zone).await?;
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
    // Auto Mode's Gateway controller: recorded where every cluster read
    // agrees; the record goes when the spec has no Auto Mode Gateway.
    let gateway_reports: Vec<GatewayReport> = served
        .iter()
        .map(|(i, read)| {
            let r = &spec.regions[*i];
            let (ok, bad) = (read.as_ref().ok(), read.as_ref().err());
            GatewayReport {
                region: &r.name,
                cluster: r.cluster(),
                controller_name: ok.map(|g| g.controller_name.as_str()),
                params_api_version: ok.map(|g| g.params_api_version.as_str()),
                detail: bad.map(|u| u.detail.as_str()),
                hint: bad.map(|u| u.hint.as_str()).filter(|h| !h.is_empty()),
            }
        })
        .collect();
    if !auto_mode {
        lock_now.gateway = None;
    }
    let (agreed, problems) = resolve::agreed(served.iter().map(|(_, r)| r));
    for (k, u) in problems {
        let r = &spec.regions[served[k].0];
        let cluster = r.cluster();
        all_ready = false;
        details.push((
            format!(
                "{} ({cluster}): EKS Auto Mode's Gateway controller: {}",
                r.name, u.detail
            ),
            Some(u.hint).filter(|h| !h.is_empty()),
        ));
    }
    if let Some(g) = agreed {
        lock_now.record_gateway(&g.controller_name, &g.params_api_version, now_rfc3339);
    }
    if !json && let Some(g) = agreed {
        pr.data(format_args!(
            "EKS Auto Mode Gateway controller: {} (parameters {})",
            g.controller_name, g.params_api_version
        ));
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
                        previous: lock::previous_of(was.as_ref(), api),
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
                    format!("{} ({}), ALB {alb}: {state}: {detail}", r.name, r.cluster()),
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
            auto_gateway: gateway_reports,
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
