//! The request rates gen's AWS calls keep to, each with the page AWS states
//! it on, and the concurrency a deploy chooses against them.

/// Route 53 Developer Guide, "Throttling for Amazon Route 53 API requests":
/// a token bucket per account for "All Amazon Route 53 API operations
/// combined" with a maximum capacity (burst) of 50 and a refill rate of 10
/// per second. (Older pages, and re:Post's "How can I avoid Route 53 API
/// throttling errors?", say "five requests per second per AWS account".)
pub const ROUTE53_BURST: u32 = 50;
pub const ROUTE53_PER_SECOND: u32 = 10;

/// The same page: `CreateHealthCheck` has its own bucket, 50 burst, refilled
/// at 0.5 per second. CloudFormation calls it for every new
/// `AWS::Route53::HealthCheck`, so past the first 50 a first deploy creates
/// at most one check every 2 s, whatever its concurrency.
pub const CREATE_HEALTH_CHECK_BURST: u32 = 50;
pub const CREATE_HEALTH_CHECK_EVERY_S: u32 = 2;

/// CloudFormation publishes no request rates: "Rate exceeded" errors come
/// when "the API calls to an AWS service exceed the maximum allowed API
/// requests", and the advice is exponential backoff (re:Post Knowledge
/// Center, "How do I prevent 'Rate exceeded' errors in CloudFormation?").
/// gen retries in the SDK's adaptive mode.
///
/// Stacks a deploy makes change sets for, or executes, at once. Each
/// running stack costs gen two CloudFormation calls per poll (at most one
/// poll in 5 s once it runs a while), and CloudFormation's own Route 53
/// calls for it. Eight new DNS stacks of three Regions create 24 health
/// checks at once, within `CREATE_HEALTH_CHECK_BURST`, and their change
/// batches stay well within `ROUTE53_BURST`; `--concurrency` chooses
/// otherwise.
pub const DEPLOY_CONCURRENCY: usize = 8;

/// CloudWatch API Reference, GetMetricData, MetricDataQueries: "A single
/// GetMetricData call can include as many as 500 MetricDataQuery
/// structures."
pub const METRIC_QUERIES_PER_REQUEST: usize = 500;
