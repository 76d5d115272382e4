//! Prices, as data with their source and date, so a user sees what an
//! option costs before deploying it. Update the figures here when AWS
//! changes them.

pub struct HourlyPrice {
    pub usd_per_hour: f64,
    pub source: &'static str,
    pub as_of: &'static str,
}

/// Hours in an average month (365 × 24 / 12), as AWS bills.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One Route 53 Application Recovery Controller cluster, billed per hour
/// whether or not its routing controls are used.
pub const ARC_CLUSTER: HourlyPrice = HourlyPrice {
    usd_per_hour: 2.50,
    source: "aws.amazon.com/application-recovery-controller/pricing",
    as_of: "list price as quoted in 2026; check the page",
};

/// One ARC readiness check.
pub const ARC_READINESS_CHECK: HourlyPrice = HourlyPrice {
    usd_per_hour: 0.045,
    source: "aws.amazon.com/application-recovery-controller/pricing",
    as_of: "list price as quoted in 2026; check the page",
};

/// One Application Load Balancer-hour (or partial hour), before LCUs,
/// which follow traffic and are not priced here.
pub const ALB: HourlyPrice = HourlyPrice {
    usd_per_hour: 0.0225,
    source: "aws.amazon.com/elasticloadbalancing/pricing (Application Load Balancer, US East (N. Virginia))",
    as_of: "list price as quoted in 2026; other Regions differ, check the page",
};

impl HourlyPrice {
    pub fn per_month(&self, count: usize) -> f64 {
        self.usd_per_hour * HOURS_PER_MONTH * count as f64
    }
}

/// One standard-resolution CloudWatch alarm (one metric), per month.
pub const ALARM_MONTHLY: f64 = 0.10;
pub const ALARM_SOURCE: &str = "aws.amazon.com/cloudwatch/pricing (alarms, standard resolution, per alarm metric), list price as quoted in 2026; check the page";

/// Route 53 health checks, per check per month, for AWS endpoints.
/// Source: aws.amazon.com/route53/pricing ("Health checks"), list prices.
pub const HEALTH_CHECK_BASE: f64 = 0.50;
/// Each optional feature of a check (HTTPS, fast 10 s interval, latency
/// measurement, string matching), per check per month.
pub const HEALTH_CHECK_FEATURE: f64 = 1.00;
/// CALCULATED and RECOVERY_CONTROL checks are counted as basic checks here;
/// the pricing page does not list them apart (check it before relying on this).
pub const HEALTH_CHECK_OTHER: f64 = 0.50;
pub const HEALTH_CHECK_SOURCE: &str =
    "aws.amazon.com/route53/pricing, list prices as quoted in 2026";
