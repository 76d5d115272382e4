//! The Gateway API controllers that make an ALB from a `Gateway`: their
//! GatewayClass `controllerName` and the API of their parameter objects
//! (`LoadBalancerConfiguration`, `TargetGroupConfiguration`), each with
//! where it is stated; for EKS Auto Mode, which states none, how gen reads
//! them from a cluster.

/// One controller's Gateway API facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayController {
    /// GatewayClass `spec.controllerName`.
    pub controller_name: &'static str,
    pub params_group: &'static str,
    pub params_api_version: &'static str,
    /// Where each value is stated.
    pub source: &'static str,
}

/// The self-managed AWS Load Balancer Controller, v3.5.0 and later.
pub const AWS_LBC: GatewayController = GatewayController {
    controller_name: "gateway.k8s.aws/alb",
    params_group: "gateway.k8s.aws",
    // v1 is served (and stored) from v3.5.0; v3.0 to v3.4 serve only v1beta1
    // with the same schema (`config/crd/gateway/gateway-crds.yaml`).
    params_api_version: "gateway.k8s.aws/v1",
    source: "AWS Load Balancer Controller, Gateway API guide, \"L7 Gateway\": \"`controllerName` set to `gateway.k8s.aws/alb`\"; \"Customization\": \"attaching the `LoadBalancerConfiguration` resource to either a `Gateway` or a `GatewayClass`\"; CRDs `config/crd/gateway/gateway-crds.yaml` (storage version v1)",
};

/// EKS Auto Mode's built-in Gateway API support (2026-10-28). The EKS user
/// guide page "Configure the Kubernetes Gateway API in EKS Auto Mode" states
/// "no separate controller to install or operate" and that "An Application
/// Load Balancer (ALB) serves L7 routes, and a Network Load Balancer (NLB)
/// serves L4 routes", but names neither its GatewayClass `controllerName`
/// nor the group of its parameter objects, and no public CRD gives them. So
/// gen reads both from the clusters (`gen discover`, `resolve::auto_gateway`)
/// and never guesses: its Ingress controller is `eks.amazonaws.com/alb`
/// (EKS user guide, "Create an IngressClass": "controller:
/// eks.amazonaws.com/alb"), so the Gateway controller gen accepts is one of
/// that domain whose name says `alb`, as a cluster reports it Accepted.
pub const EKS_AUTO_CONTROLLER_DOMAIN: &str = "eks.amazonaws.com/";

/// The kinds whose served group and version are the parameter API.
pub const PARAMS_KINDS: [&str; 2] = ["LoadBalancerConfiguration", "TargetGroupConfiguration"];
