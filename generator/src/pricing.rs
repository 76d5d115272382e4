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

impl HourlyPrice {
    pub fn per_month(&self, count: usize) -> f64 {
        self.usd_per_hour * HOURS_PER_MONTH * count as f64
    }
}
