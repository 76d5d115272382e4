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

/// Where Region switch's control plane is: "The control plane for Region
/// switch is located in US East (N. Virginia) Region (us-east-1) and is
/// meant to only be used for service management" (ARC Developer Guide,
/// "Data and control planes for Region switch").
pub const REGION_SWITCH_CONTROL_PLANE_REGION: &str = "us-east-1";

/// How long `gen deploy` waits for a new plan's health checks to have IDs.
/// AWS states no time; modelled, and said so in docs/arc.md.
pub const REGION_SWITCH_HEALTH_CHECK_WAIT_S: u64 = 300;
