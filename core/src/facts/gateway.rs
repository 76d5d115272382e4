//! The Gateway API controllers that make an ALB from a `Gateway`: their
//! GatewayClass `controllerName` and the API of their parameter objects
//! (`LoadBalancerConfiguration`, `TargetGroupConfiguration`), each with
//! where it is stated, and whether a page gen could read states it.

/// One controller's Gateway API facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayController {
    /// GatewayClass `spec.controllerName`.
    pub controller_name: &'static str,
    pub params_group: &'static str,
    pub params_api_version: &'static str,
    /// Where each value is stated.
    pub source: &'static str,
    /// False where a value is inferred rather than read on an AWS page:
    /// `gen validate` then says so (W011).
    pub documented: bool,
}

/// The self-managed AWS Load Balancer Controller, v3.5.0 and later.
pub const AWS_LBC: GatewayController = GatewayController {
    controller_name: "gateway.k8s.aws/alb",
    params_group: "gateway.k8s.aws",
    // v1 is served (and stored) from v3.5.0; v3.0 to v3.4 serve only v1beta1
    // with the same schema (`config/crd/gateway/gateway-crds.yaml`).
    params_api_version: "gateway.k8s.aws/v1",
    source: "AWS Load Balancer Controller, Gateway API guide, \"L7 Gateway\": \"`controllerName` set to `gateway.k8s.aws/alb`\"; \"Customization\": \"attaching the `LoadBalancerConfiguration` resource to either a `Gateway` or a `GatewayClass`\"; CRDs `config/crd/gateway/gateway-crds.yaml` (storage version v1)",
    documented: true,
};

/// EKS Auto Mode's built-in Gateway API support (2026-10-28). The EKS user
/// guide page "Configure the Kubernetes Gateway API in EKS Auto Mode" states
/// "no separate controller to install or operate" and links its feature
/// table to the controller's "Feature comparison: ALB Gateways vs. standard
/// Gateway API". The controller name is stated only outside AWS ("Two
/// AWS-owned controllers: eks.amazonaws.com/gateway-alb (L7, ALB)…", DEV
/// Community, "EKS Auto Mode Now Speaks Gateway API"). The parameter group
/// is inferred: the managed policy AmazonEKSLoadBalancingPolicy allows the
/// tag keys `gateway.eks.amazonaws.com.alb/stack` and `…/resource`, as the
/// self-managed controller tags `gateway.k8s.aws.alb/stack` from its group
/// `gateway.k8s.aws`. No public CRD gives its schema.
pub const EKS_AUTO: GatewayController = GatewayController {
    controller_name: "eks.amazonaws.com/gateway-alb",
    params_group: "gateway.eks.amazonaws.com",
    params_api_version: "gateway.eks.amazonaws.com/v1",
    source: "EKS user guide, \"Configure the Kubernetes Gateway API in EKS Auto Mode\"; controller name from DEV Community \"EKS Auto Mode Now Speaks Gateway API\"; parameter group inferred from the tag keys of AmazonEKSLoadBalancingPolicy (`gateway.eks.amazonaws.com.alb/stack`)",
    documented: false,
};
