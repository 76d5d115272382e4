//! W011: EKS Auto Mode's Gateway parameter objects are modelled, not read.
//!
//! The EKS user guide page "Configure the Kubernetes Gateway API in EKS
//! Auto Mode" states that Auto Mode serves Gateway API "with no separate
//! controller to install or operate", but the parts of it gen could read
//! name neither the GatewayClass `controllerName` nor the group of its
//! load-balancer and target-group parameter objects, and no public CRD
//! gives their schema. gen renders them after `facts::gateway::EKS_AUTO`
//! (the controller's own shapes, in the group Auto Mode's tag keys imply):
//! worth checking against the cluster before production.

use super::*;
use crate::facts::gateway::EKS_AUTO;
use crate::spec::checked::Api;

pub(super) const LINT: Lint = Lint {
    code: "W011",
    name: "auto-gateway-modelled",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let Some(gc) = &cx.plan.ingress.gateway_class else {
        return Vec::new();
    };
    if EKS_AUTO.documented || gc.controller != EKS_AUTO.controller_name {
        return Vec::new();
    }
    let k = cx
        .plan
        .ingress
        .albs
        .iter()
        .position(|a| a.api == Api::Gateway)
        .unwrap_or(0);
    vec![
        Diagnostic::lint(
            &cx.alb_path(k, "api"),
            format!(
                "EKS Auto Mode's Gateway objects are modelled: GatewayClass controller `{}`, LoadBalancerConfiguration and TargetGroupConfiguration in `{}`, which no page gen could read states and no public CRD checks",
                EKS_AUTO.controller_name, EKS_AUTO.params_api_version
            ),
        )
        .hint("before production, compare them with `kubectl get gatewayclass -o yaml` and `kubectl api-resources | grep gateway` on an Auto Mode cluster, or use api: ingress (documented) for now"),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_on_an_auto_mode_gateway_only() {
        let gateway = QUIET.replace("dns:", "ingress: {api: gateway}\ndns:");
        let w = of("W011", &gateway);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("eks.amazonaws.com/gateway-alb"), "{w:?}");
        assert!(of("W011", QUIET).is_empty(), "an Ingress is documented");
        let lbc = QUIET.replace("dns:", "ingress: {api: gateway, controller: aws-lbc}\ndns:");
        assert!(
            of("W011", &lbc).is_empty(),
            "the controller's own are documented"
        );
    }
}
