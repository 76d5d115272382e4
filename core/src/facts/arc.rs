//! Route 53 Application Recovery Controller facts.

/// The ARC configuration API (clusters, control panels, routing controls,
/// safety rules) and readiness live in us-west-2 (ARC Developer Guide,
/// "Regions and endpoints": the control plane's Region is US West (Oregon)).
pub const ARC_HOME_REGION: &str = "us-west-2";

/// The readiness resource-set type of a resource ARN, and a short name for it.
pub fn readiness_type(arn: &str) -> Option<(&'static str, &'static str)> {
    let a = super::arn::Arn::parse(arn)?;
    match (a.service, a.resource) {
        ("elasticloadbalancing", r) if r.starts_with("loadbalancer/") => {
            Some(("AWS::ElasticLoadBalancingV2::LoadBalancer", "load-balancer"))
        }
        ("autoscaling", r) if r.starts_with("autoScalingGroup:") => {
            Some(("AWS::AutoScaling::AutoScalingGroup", "auto-scaling-group"))
        }
        ("ec2", r) if r.starts_with("vpc/") => Some(("AWS::EC2::VPC", "vpc")),
        ("dynamodb", r) if r.starts_with("table/") => {
            Some(("AWS::DynamoDB::Table", "dynamodb-table"))
        }
        _ => None,
    }
}

/// How long a Region switch execution block waits before it fails, unless
/// the plan says otherwise: `TimeoutMinutes` "default": 60 on the manual
/// approval, EKS resource scaling and ARC routing control blocks
/// (`AWS::ARCRegionSwitch::Plan` registry schema, as cfn-lint ships it).
pub const REGION_SWITCH_BLOCK_TIMEOUT_MIN: u32 = 60;
