//! `explain`: per app, how long failover and failback take at worst with its
//! health-check settings, what its checks cost, and the counts that meet
//! AWS quotas. Pure: computed from the plan.
//!
//! Failover, worst case (Route 53 Developer Guide, "How Route 53 determines
//! whether a health check is healthy"; ELB alias records have a fixed 60 s
//! TTL): the endpoint fails just after a check passed, then
//! `failureThreshold` checks must fail, each taking up to the interval plus
//! the 4 s connect and 2 s response timeouts; then resolvers may hold the
//! old answer for the TTL. Failback needs `failureThreshold` passing checks
//! (one interval each) and the TTL. δ, the delay from a status change to DNS
//! answers, is undocumented and not included.

use serde::Serialize;

use crate::facts::route53::{ALIAS_TTL_S, CHECK_TIMEOUT_S, failover_seconds};
use crate::facts::{pricing, quotas};
use crate::model::Plan;
use crate::spec::checked::{Api, Protocol};

#[derive(Debug, Serialize)]
pub struct AppTiming {
    pub app: String,
    pub interval_s: u32,
    pub failure_threshold: u32,
    pub failover_s: u32,
    pub failover_formula: String,
    pub failback_s: u32,
    pub failback_formula: String,
    pub monthly_usd: f64,
    pub cost_terms: Vec<String>,
    pub arc: bool,
    /// A Region of the app has several clusters (its check is CALCULATED).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub clusters: bool,
}

/// One shared ALB in one Region: what it spends of its quotas.
#[derive(Debug, Serialize)]
pub struct AlbUse {
    pub alb: String,
    pub region: String,
    /// What makes it there: `Ingress`, `Gateway`, or both while it moves.
    pub made_by: Vec<Api>,
    pub apps: usize,
    pub rules: usize,
    pub rules_quota: usize,
    pub target_groups: usize,
    pub target_groups_quota: usize,
    pub certificates: usize,
    pub certificates_quota: usize,
}

/// What the ALBs cost by the hour, before LCUs (which follow traffic).
#[derive(Debug, Serialize)]
pub struct AlbCost {
    pub albs: usize,
    pub usd_per_hour_each: f64,
    pub monthly_usd: f64,
    pub source: &'static str,
    pub as_of: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub apps: Vec<AppTiming>,
    pub health_checks: usize,
    pub health_checks_usd: f64,
    /// With a rollout: the CloudWatch alarms on the checks, and their cost.
    pub alarms: Option<(usize, f64)>,
    pub arc_usd: Option<f64>,
    /// Per ALB and Region, in spec order.
    pub albs: Vec<AlbUse>,
    pub alb_cost: AlbCost,
    pub quotas: Vec<(String, usize, usize)>,
    /// The Region switch plans, when on.
    pub switches: Vec<SwitchTiming>,
    /// The health checks those plans make in the account (without ARC).
    pub switch_health_checks: usize,
}

/// How long one Region switch plan's switch takes, from its steps.
#[derive(Debug, Serialize)]
pub struct SwitchTiming {
    pub plan: String,
    pub regions: [String; 2],
    /// (step, what it waits for): in workflow order.
    pub steps: Vec<(String, String)>,
    /// After the controls change, until resolvers see the new answers:
    /// the alias TTL (and δ, Route 53's own delay).
    pub dns_s: u32,
    /// Every block at its timeout, then the DNS tail.
    pub worst_s: u32,
    pub objective_min: Option<u32>,
    /// What each database step can lose, graceful and not.
    pub data_loss: Vec<DataLoss>,
}

/// One database step's data-loss exposure (`facts::databases`).
#[derive(Debug, Serialize)]
pub struct DataLoss {
    pub database: String,
    pub product: &'static str,
    pub graceful: &'static str,
    pub ungraceful: &'static str,
    pub source: &'static str,
}

pub fn explain(plan: &Plan) -> Explanation {
    let mut apps: Vec<AppTiming> = Vec::new();
    let mut checks = 0;
    let mut total = 0.0;
    for s in &plan.stacks {
        for e in &s.entries {
            let hc = &e.health_check;
            let mut cost = pricing::HEALTH_CHECK_BASE;
            let mut terms = vec![format!("${:.2} base", pricing::HEALTH_CHECK_BASE)];
            for (on, what) in [
                (hc.protocol == Protocol::Https, "HTTPS"),
                (hc.interval == 10, "10 s interval"),
                (hc.measure_latency, "latency measurement"),
            ] {
                if on {
                    cost += pricing::HEALTH_CHECK_FEATURE;
                    terms.push(format!("${:.2} {what}", pricing::HEALTH_CHECK_FEATURE));
                }
            }
            checks += 1;
            // Several clusters: an endpoint check each, and the Region's
            // calculated check over them.
            if !e.members.is_empty() {
                let n = e.members.len();
                cost = cost * n as f64 + pricing::HEALTH_CHECK_OTHER;
                terms = vec![
                    format!("{n} clusters × ({})", terms.join(" + ")),
                    format!("${:.2} calculated check", pricing::HEALTH_CHECK_OTHER),
                ];
                checks += n;
            }
            if e.combined.is_some() {
                cost += pricing::HEALTH_CHECK_OTHER;
                terms.push(format!(
                    "${:.2} calculated check",
                    pricing::HEALTH_CHECK_OTHER
                ));
                checks += 1;
            }
            total += cost;
            let calculated = if e.combined.is_some() || !e.members.is_empty() {
                " + δc"
            } else {
                ""
            };
            match apps.iter_mut().find(|a| a.app == hc.app) {
                Some(a) => {
                    a.monthly_usd += cost;
                    a.clusters |= !e.members.is_empty();
                }
                // With ARC the record's check is CALCULATED over the app's:
                // one more status to change before the answer does (δc).
                None => apps.push(AppTiming {
                    app: hc.app.clone(),
                    interval_s: hc.interval,
                    failure_threshold: hc.failure_threshold,
                    failover_s: failover_seconds(hc.interval, hc.failure_threshold),
                    failover_formula: format!(
                        "{} × ({} s interval + {CHECK_TIMEOUT_S} s timeouts) + {ALIAS_TTL_S} s TTL + δ{}",
                        hc.failure_threshold,
                        hc.interval,
                        calculated
                    ),
                    failback_s: hc.failure_threshold * hc.interval + ALIAS_TTL_S,
                    failback_formula: format!(
                        "{} × {} s interval + {ALIAS_TTL_S} s TTL + δ{}",
                        hc.failure_threshold,
                        hc.interval,
                        calculated
                    ),
                    monthly_usd: cost,
                    cost_terms: terms.iter().map(|t| format!("{t} per check")).collect(),
                    arc: e.combined.as_ref().is_some_and(|c| c.control.is_some()),
                    clusters: !e.members.is_empty(),
                }),
            }
        }
    }
    let mut quotas = Vec::new();
    let mut arc_usd = None;
    // Region switch's own checks count against the quota; gen's table has
    // no price for them (nor for the plans).
    let switch_checks = plan
        .region_switch
        .as_ref()
        .map_or(0, |sw| sw.health_checks());
    checks += switch_checks;
    if let Some(arc) = &plan.arc {
        checks += arc.controls.len();
        total += arc.controls.len() as f64 * pricing::HEALTH_CHECK_OTHER;
        arc_usd = Some(
            pricing::ARC_CLUSTER.per_month(1)
                + arc.readiness.as_ref().map_or(0.0, |r| {
                    pricing::ARC_READINESS_CHECK.per_month(r.sets.len())
                }),
        );
        quotas.push((
            "routing controls per control panel".to_string(),
            arc.controls.len(),
            quotas::ARC_ROUTING_CONTROLS,
        ));
        quotas.push((
            "safety rules per control panel".to_string(),
            arc.rules.len(),
            quotas::ARC_SAFETY_RULES,
        ));
    }
    quotas.insert(
        0,
        (
            "Route 53 health checks per account".to_string(),
            checks,
            quotas::HEALTH_CHECKS,
        ),
    );
    let alarm_stacks = plan.rollout.as_ref().map(|r| &r.alarm_stacks);
    let alarms = alarm_stacks.map(|a| {
        let n: usize = a.iter().map(|s| s.alarms.len()).sum();
        (n, n as f64 * pricing::ALARM_MONTHLY)
    });
    if let Some(biggest) = alarm_stacks.and_then(|a| a.iter().max_by_key(|s| s.inputs.len())) {
        quotas.push((
            format!("parameters in the largest alarm stack ({})", biggest.name),
            biggest.inputs.len(),
            quotas::TEMPLATE_PARAMETERS,
        ));
    }
    if let Some((region, n)) = plan
        .stacks_by_region()
        .into_iter()
        .max_by_key(|(r, n)| (*n, std::cmp::Reverse(*r)))
    {
        quotas.push((
            format!("CloudFormation stacks in {region}"),
            n,
            quotas::STACKS_PER_REGION,
        ));
    }
    if let Some(biggest) = plan.stacks.iter().max_by_key(|s| s.resource_count()) {
        quotas.push((
            format!("resources in the largest stack ({})", biggest.name),
            biggest.resource_count(),
            quotas::STACK_RESOURCES,
        ));
    }
    apps.sort_by(|a, b| a.app.cmp(&b.app));
    let q = &plan.ingress.quotas;
    let mut albs = Vec::new();
    for k in 0..plan.ingress.albs.len() {
        for c in &plan.clusters {
            for i in c.ingresses.iter().filter(|i| i.alb == k) {
                let alb = &plan.ingress.albs[k];
                albs.push(AlbUse {
                    alb: alb.name.clone(),
                    region: c.region.clone(),
                    made_by: i.objects.clone(),
                    apps: i.host_rules.len(),
                    rules: i.rules(alb),
                    rules_quota: q.rules_per_alb,
                    target_groups: i.objects.iter().map(|api| i.target_groups(*api)).sum(),
                    target_groups_quota: q.target_groups_per_alb,
                    certificates: i.extra_certificates,
                    certificates_quota: q.certificates_per_alb,
                });
            }
        }
    }
    // While an ALB moves between APIs, each object has its own load balancer.
    // Summed over a Region's clusters (it may have several).
    let mut by_region: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for c in &plan.clusters {
        *by_region.entry(&c.region).or_default() +=
            c.ingresses.iter().map(|i| i.objects.len()).sum::<usize>();
    }
    let per_region = by_region.values().copied().max().unwrap_or(0);
    quotas.push(("ALBs per Region".to_string(), per_region, q.albs_per_region));
    let load_balancers: usize = albs.iter().map(|a| a.made_by.len()).sum();
    let alb_cost = AlbCost {
        albs: load_balancers,
        usd_per_hour_each: pricing::ALB.usd_per_hour,
        monthly_usd: pricing::ALB.per_month(load_balancers),
        source: pricing::ALB.source,
        as_of: pricing::ALB.as_of,
    };
    let timeout = crate::facts::arc::REGION_SWITCH_BLOCK_TIMEOUT_MIN;
    let switches = plan
        .region_switch
        .iter()
        .flat_map(|sw| &sw.plans)
        .map(|p| {
            // The workflow that moves the writer, when one does: the longest.
            let w = p
                .workflows
                .iter()
                .find(|w| w.databases && !p.databases.is_empty())
                .unwrap_or(&p.workflows[0]);
            let mut steps = Vec::new();
            let mut worst_min = 0;
            if let Some(role) = &w.approval_role {
                steps.push((
                    "approve".to_string(),
                    format!("someone with {role} approves (at most {timeout} min)"),
                ));
                worst_min += timeout;
            }
            steps.push((
                "scale-up".to_string(),
                format!(
                    "{} Deployment(s) reach {} % of the other Region's replicas and are ready (at most {timeout} min)",
                    p.apps.len(),
                    w.scale_percent
                ),
            ));
            worst_min += timeout;
            let databases = if w.databases { &p.databases[..] } else { &[] };
            if !databases.is_empty() {
                // Several run as one parallel block: the slowest bounds it.
                worst_min += databases.iter().map(|d| d.timeout_minutes).max().unwrap_or(0);
                for d in databases {
                    steps.push((
                        d.step.clone(),
                        format!(
                            "the {} {} becomes the writer where traffic goes: {} (at most {} min)",
                            d.engine.product(),
                            d.database,
                            d.effect(),
                            d.timeout_minutes
                        ),
                    ));
                }
            }
            steps.push((
                "traffic".to_string(),
                if p.records.is_empty() {
                    "one routing control update; the records' checks follow it at once".to_string()
                } else {
                    format!(
                        "the health check block sets the plan's checks of {} record(s); the records' calculated checks follow at once (modelled)",
                        p.records.len()
                    )
                },
            ));
            worst_min += timeout;
            SwitchTiming {
                plan: p.name.clone(),
                regions: p.regions.clone(),
                steps,
                dns_s: ALIAS_TTL_S,
                worst_s: worst_min * 60 + ALIAS_TTL_S,
                objective_min: p.rto_minutes,
                data_loss: databases
                    .iter()
                    .map(|d| {
                        let e = d.exposure();
                        DataLoss {
                            database: d.database.clone(),
                            product: d.engine.product(),
                            graceful: e.graceful,
                            ungraceful: e.ungraceful,
                            source: e.source,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Explanation {
        switch_health_checks: switch_checks,
        switches,
        apps,
        health_checks: checks,
        health_checks_usd: total,
        alarms,
        arc_usd,
        albs,
        alb_cost,
        quotas,
    }
}
