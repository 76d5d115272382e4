//! Route 53's health-check timing and its checkers' verdict.
//!
//! Route 53 Developer Guide, "How Route 53 determines whether a health check
//! is healthy": a checker waits 4 s to connect and 2 s for a response; an
//! endpoint is healthy while more than 18 % of the checkers that report see
//! it healthy. ELB alias records have a fixed 60 s TTL.

/// Route 53 publishes its health-check metrics (`AWS/Route53`
/// `HealthCheckStatus`, "1 indicates healthy, and 0 indicates unhealthy",
/// sent "at one-minute intervals") in US East (N. Virginia) only: "Route 53
/// metrics are not available if you select any other region" (Route 53
/// Developer Guide, "Monitoring health checks using CloudWatch" and
/// "Metrics and dimensions for Route 53 health checks"). An alarm on them
/// lives there.
pub const METRICS_REGION: &str = "us-east-1";

/// Seconds a failing check can take: 4 s to connect plus 2 s for a response.
pub const CHECK_TIMEOUT_S: u32 = 6;
/// TTL of alias records to an ELB load balancer.
pub const ALIAS_TTL_S: u32 = 60;
/// An endpoint is healthy while more than this share (percent) of the
/// reporting checkers see it healthy.
pub const HEALTHY_CHECKERS_PERCENT: usize = 18;

/// Worst-case seconds from an app failing to every resolver answering
/// elsewhere: `threshold` failed checks, each up to the interval plus the
/// timeouts, then the TTL (δ, the delay to DNS answers, is undocumented).
pub fn failover_seconds(interval: u32, threshold: u32) -> u32 {
    threshold * (interval + CHECK_TIMEOUT_S) + ALIAS_TTL_S
}

/// Worst-case seconds Route 53 takes to see an endpoint fail, before the TTL.
pub fn detection_seconds(interval: u32, threshold: u32) -> u32 {
    threshold * (interval + CHECK_TIMEOUT_S)
}

/// Whether `healthy` of `reporting` checkers make an endpoint healthy.
pub fn healthy(healthy: usize, reporting: usize) -> bool {
    reporting > 0 && healthy * 100 > reporting * HEALTHY_CHECKERS_PERCENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_case_failover_matches_the_documented_formula() {
        // The brief's figures: defaults 30 s × 3 → 168 s; 10 s × 1 → 76 s (both + δ).
        assert_eq!(failover_seconds(30, 3), 168);
        assert_eq!(failover_seconds(10, 1), 76);
        assert_eq!(detection_seconds(30, 3), 108);
        assert!(healthy(1, 5) && !healthy(0, 5) && !healthy(0, 0));
        assert!(!healthy(18, 100) && healthy(19, 100));
    }
}
