//! `gen explain`: failover and failback times, costs and quotas, per app.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::session::Session;
use crate::explain;
use crate::facts::pricing;
use crate::printer::Output;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
}

pub(super) fn run(s: &Session, args: &ExplainArgs) -> Result<ExitCode> {
    let pr = s.settings.printer;
    let plan = &s.plan;
    let e = explain::explain(plan);
    if let Output::Json = args.output {
        pr.data(format_args!(
            "{}",
            serde_json::to_string_pretty(&e).unwrap_or_default()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 4]> = e
        .apps
        .iter()
        .map(|a| {
            [
                a.app.clone(),
                format!("{} s", a.failover_s),
                format!("{} s", a.failback_s),
                format!("${:.2}", a.monthly_usd),
            ]
        })
        .collect();
    pr.table(
        [
            "APP",
            "DNS FAILOVER (WORST)",
            "DNS FAILBACK (WORST)",
            "CHECKS / MONTH",
        ],
        &rows,
    );
    pr.data("");
    for a in &e.apps {
        pr.data(format_args!(
            "{}: failover {} = {} s; failback {} = {} s",
            a.app, a.failover_formula, a.failover_s, a.failback_formula, a.failback_s
        ));
        pr.data(format_args!("  each check: {}", a.cost_terms.join(" + ")));
        if a.clusters {
            pr.data(format_args!("  one cluster of a Region failing: its weighted record leaves within {} s, its share going to the Region's other clusters; the Region fails over when all of them fail", a.failover_s));
        }
        if a.arc {
            pr.data(format_args!("  by hand with ARC: turning a routing control Off takes effect within seconds, + {} s TTL + δ", crate::facts::route53::ALIAS_TTL_S));
        }
    }
    pr.data("");
    pr.data(format_args!("These are worst cases until Route 53's answers change and resolvers honour the TTL. Outside them: clients that keep a connection open to the failed Region's ALB (client_keep_alive.seconds, default {} s), and resolvers that ignore the TTL.", crate::facts::quotas::ALB_CLIENT_KEEP_ALIVE_S));
    pr.data(format_args!("δ: the delay from a check's status change to DNS answers, undocumented; an endpoint is healthy while more than {} % of Route 53's checkers see it healthy.", crate::facts::route53::HEALTHY_CHECKERS_PERCENT));
    if e.apps.iter().any(|a| a.arc) {
        pr.data("δc: with ARC the record's check is CALCULATED over the app's check and its routing control's; its status follows theirs one step later (undocumented).");
    } else if e.apps.iter().any(|a| a.clusters) {
        pr.data("δc: with several clusters in a Region its check is CALCULATED over theirs; its status follows theirs one step later (undocumented).");
    }
    pr.data(format_args!(
        "health checks: {} at about ${:.2}/month ({})",
        e.health_checks,
        e.health_checks_usd,
        pricing::HEALTH_CHECK_SOURCE
    ));
    if let Some((n, usd)) = e.alarms {
        pr.data(format_args!(
            "alarms: {n} CloudWatch alarms on the health checks (gen rollout's gates) at ${:.2}/month each, about ${usd:.2}/month ({})",
            pricing::ALARM_MONTHLY,
            pricing::ALARM_SOURCE
        ));
    }
    if let Some(arc) = e.arc_usd {
        pr.data(format_args!(
            "ARC: about ${arc:.0}/month ({}, {})",
            pricing::ARC_CLUSTER.source,
            pricing::ARC_CLUSTER.as_of
        ));
    }
    let c = &e.alb_cost;
    pr.data(format_args!(
        "ALBs: {} (each shared ALB in each Region{}) at ${}/hour each, about ${:.0}/month before LCUs, which follow traffic ({}; {})",
        c.albs,
        if e.albs.iter().any(|a| a.made_by.len() > 1) {
            "; two for one moving between Ingress and Gateway"
        } else {
            ""
        },
        c.usd_per_hour_each,
        c.monthly_usd,
        c.source,
        c.as_of
    ));
    pr.data("");
    let alb_rows: Vec<[String; 6]> = e
        .albs
        .iter()
        .map(|a| {
            [
                a.alb.clone(),
                a.region.clone(),
                a.made_by
                    .iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(" + "),
                a.apps.to_string(),
                format!("{} of {}", a.rules, a.rules_quota),
                format!("{} of {}", a.target_groups, a.target_groups_quota),
            ]
        })
        .collect();
    pr.table(
        [
            "ALB",
            "REGION",
            "MADE BY",
            "APPS",
            "LISTENER RULES",
            "TARGET GROUPS",
        ],
        &alb_rows,
    );
    if e.albs.iter().any(|a| a.certificates > 0) {
        for a in e.albs.iter().filter(|a| a.certificates > 0) {
            pr.data(format_args!(
                "{} in {}: {} certificates beside the default, of {}",
                a.alb, a.region, a.certificates, a.certificates_quota
            ));
        }
    }
    pr.data("");
    let quota_rows: Vec<[String; 3]> = e
        .quotas
        .iter()
        .map(|(what, n, max)| {
            [
                what.clone(),
                format!("{n} of {max}"),
                if n > max {
                    "over the default quota".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    pr.table(["QUOTA", "USED", ""], &quota_rows);
    for (i, sw) in e.switches.iter().enumerate() {
        if i == 0 {
            pr.data("");
            pr.data("Region switch plans (each switch runs its steps in order):");
        }
        pr.data(format_args!(
            "{} ({} <-> {}): {}; then DNS: {} s alias TTL + δ. Worst case, every block at its timeout: {} min{}",
            sw.plan,
            sw.regions[0],
            sw.regions[1],
            sw.steps
                .iter()
                .map(|(step, waits)| format!("{step}: {waits}"))
                .collect::<Vec<_>>()
                .join("; "),
            sw.dns_s,
            sw.worst_s.div_ceil(60),
            sw.objective_min
                .map(|m| format!(" (objective: {m} min)"))
                .unwrap_or_default()
        ));
        for d in &sw.data_loss {
            pr.data(format_args!(
                "  data loss, {} {}: graceful, {}; ungraceful, {} ({})",
                d.product, d.database, d.graceful, d.ungraceful, d.source
            ));
        }
    }
    if !e.switches.is_empty() {
        pr.data("Region switch: gen's pricing table holds no price for it; see aws.amazon.com/application-recovery-controller/pricing.");
        if e.switch_health_checks > 0 {
            pr.data(format_args!(
                "The plans make {} Route 53 health checks of their own (one per record and Region), counted in the quota above and not in the health checks' cost.",
                e.switch_health_checks
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
