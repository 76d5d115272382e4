//! Where every owned file lives. One place, so that writing, pruning and
//! describing a change all agree.
//!
//! ```text
//! clusters/<cluster>/gen-kustomizations.yaml   Flux Kustomizations (beside flux-system/, never in it)
//! deploy/<cluster>/infra/                      Namespace, IngressClassParams, IngressClass
//! deploy/<cluster>/gateway-class/              the GatewayClass, when an ALB is a Gateway
//! deploy/<cluster>/ingress/                    the shared ALB's Ingress or Gateway (one ALB)
//! deploy/<cluster>/ingress/<alb>/              each ALB's Ingress (several, `ingress.albs`)
//!   …/ingress.yaml | gateway.yaml              the ALB as an Ingress, or as a Gateway with its
//!                                              HTTPRoutes (both while it moves from one to the other)
//! deploy/<cluster>/apps/<app>/                 ServiceAccount, Deployment, Service (+ RBAC)
//! cloudformation/<stack>.yaml                  Route 53 health checks and records
//! ```
//! Each cluster's paths sit under its own `deploy/<cluster>/`, so no two
//! clusters' Flux paths overlap.

pub const DEPLOY_DIR: &str = "deploy";
pub const CLUSTERS_DIR: &str = "clusters";
pub const CFN_DIR: &str = "cloudformation";
pub const FLUX_FILE: &str = "gen-kustomizations.yaml";
/// A cluster's Argo CD Applications, in place of its Flux Kustomizations.
pub const ARGOCD_FILE: &str = "gen-applications.yaml";
pub const INFRA_FILE: &str = "infra.yaml";
pub const INGRESS_FILE: &str = "ingress.yaml";
pub const GATEWAY_FILE: &str = "gateway.yaml";
pub const APP_FILE: &str = "app.yaml";
pub const GATEWAY_CLASS_FILE: &str = "gateway-class.yaml";
pub const KUSTOMIZATION_FILE: &str = "kustomization.yaml";

pub fn flux_file(cluster: &str) -> String {
    cat!(CLUSTERS_DIR, "/", cluster, "/", FLUX_FILE)
}

pub fn argocd_file(cluster: &str) -> String {
    cat!(CLUSTERS_DIR, "/", cluster, "/", ARGOCD_FILE)
}

pub fn infra_dir(cluster: &str) -> String {
    cat!(DEPLOY_DIR, "/", cluster, "/infra")
}

pub fn ingress_dir(cluster: &str) -> String {
    cat!(DEPLOY_DIR, "/", cluster, "/ingress")
}

/// One ALB's own directory, when the spec lists several (`ingress.albs`).
pub fn alb_dir(cluster: &str, alb: &str) -> String {
    cat!(DEPLOY_DIR, "/", cluster, "/ingress/", alb)
}

/// The load balancer a Gateway makes for ALB `alb`: never the Ingress's
/// name, since load balancer names are unique per Region and the two live
/// side by side while an ALB moves from one API to the other.
pub fn gateway_lb_name(alb: &str) -> String {
    cat!(alb, "-gw")
}

/// Rules per HTTPRoute: `maxItems: 16` (`HTTPRoute` v1 `spec.rules`,
/// Gateway API v1.6.1 standard CRDs), and each health path needs its own
/// rule (its own backend), so the health paths fill one route per 16.
pub const HTTPROUTE_RULES: usize = 16;

/// The host-less HTTPRoutes of ALB `alb` holding its apps' health paths:
/// `<alb>-health`, then `<alb>-health-2`… (an HTTPRoute holds 16 rules).
pub fn health_route_name(alb: &str, chunk: usize) -> String {
    match chunk {
        0 => cat!(alb, "-health"),
        n => format!("{alb}-health-{}", n + 1),
    }
}

/// The GatewayClass of a cluster whose ALBs include a Gateway: its own
/// directory and Kustomization, so a cluster without the Gateway API's
/// CRDs blocks only the Gateways, never infra, an Ingress or an app.
pub fn gateway_class_dir(cluster: &str) -> String {
    cat!(DEPLOY_DIR, "/", cluster, "/gateway-class")
}

pub fn app_dir(cluster: &str, app: &str) -> String {
    cat!(DEPLOY_DIR, "/", cluster, "/apps/", app)
}

pub fn stack_name(spec_name: &str, group: &str) -> String {
    cat!(spec_name, "-dns-", group)
}

/// The ARC stack (control panel, routing controls, safety rules; readiness),
/// homed in us-west-2 where the ARC configuration API lives.
pub fn arc_stack_name(spec_name: &str) -> String {
    cat!(spec_name, "-arc")
}

/// The Region switch plan that moves traffic between Regions `a` and `b`
/// (in spec order): `AWS::ARCRegionSwitch::Plan` takes exactly two.
pub fn region_switch_plan_name(spec_name: &str, a: &str, b: &str) -> String {
    cat!(spec_name, "-", a, "-", b)
}

/// The stack of the Region switch plans (and their execution role's
/// policy); and in each Region, the stack of its cluster's access entry.
pub fn region_switch_stack_name(spec_name: &str) -> String {
    cat!(spec_name, "-region-switch")
}

pub fn region_switch_role_stack_name(spec_name: &str) -> String {
    cat!(spec_name, "-region-switch-role")
}

pub fn region_switch_access_stack_name(spec_name: &str, region: &str) -> String {
    cat!(spec_name, "-region-switch-access-", region)
}

/// The plans' execution role (named, so the access entries of every
/// Region's stack can name it).
pub fn region_switch_role_name(spec_name: &str) -> String {
    cat!(spec_name, "-region-switch")
}

/// The record a Region's record aliases when the Region has several
/// clusters: their weighted records, `<region>.<host>.` in the app's zone.
pub fn clusters_record(region: &str, host: &str) -> String {
    cat!(region, ".", host, ".")
}

/// The role in a Region's account that the plans' execution role assumes
/// to scale its cluster, when that account is not the plans'.
pub fn region_switch_cross_role_name(spec_name: &str, region: &str) -> String {
    cat!(spec_name, "-region-switch-", region)
}

/// The Flux `GitRepository` gen's Kustomizations read from when the spec
/// has a `rollout` section: it follows the Region's rollout branch.
pub fn rollout_source(spec_name: &str) -> String {
    flux_name(spec_name, "rollout")
}

/// The rollout branch prefix when the spec gives none.
pub fn rollout_branch_prefix(spec_name: &str) -> String {
    cat!("rollout/", spec_name, "/")
}

/// The stack of the CloudWatch alarms on DNS stack group `group`'s health
/// checks (in us-east-1, where their metrics are).
pub fn alarm_stack_name(spec_name: &str, group: &str) -> String {
    cat!(spec_name, "-alarms-", group)
}

/// The branch a Region's clusters follow, which only `gen rollout` moves.
pub fn rollout_branch(prefix: &str, region: &str) -> String {
    cat!(prefix, region)
}

/// A routing control: per Region, or per app and Region.
pub fn routing_control_name(spec_name: &str, app: Option<&str>, region: &str) -> String {
    match app {
        Some(app) => cat!(spec_name, "-", app, "-", region),
        None => cat!(spec_name, "-", region),
    }
}

pub fn stack_file(stack: &str) -> String {
    cat!(CFN_DIR, "/", stack, ".yaml")
}

pub fn flux_name(spec_name: &str, part: &str) -> String {
    cat!(spec_name, "-", part)
}

/// The Flux Kustomization that applies one app's directory on a cluster
/// (a drill suspends it).
pub fn app_kustomization(spec_name: &str, app: &str) -> String {
    flux_name(spec_name, &cat!("app-", app))
}

/// The logical ID of the calculated check that gates an app's record in a
/// Region on its own check and on a routing control or Region switch plan.
pub fn combined_check_id(app: &str, region: &str) -> String {
    cat!("CombinedHealthCheck", pascal(app), pascal(region))
}

const SWITCH_CHECK: &str = "SwitchCheck";

/// The DNS stack's parameter that takes the ID of the health check Region
/// switch plan `plan_id` (its logical ID) made for an app's record in a
/// Region.
pub fn switch_check_parameter(app: &str, region: &str, plan_id: &str) -> String {
    cat!(SWITCH_CHECK, pascal(app), pascal(region), plan_id)
}

/// Whether `parameter` takes a check of the plan with logical ID `plan_id`
/// (read back from a deployed stack, whose apps may have left the spec).
pub fn is_switch_check_parameter_of(parameter: &str, plan_id: &str) -> bool {
    parameter
        .strip_prefix(SWITCH_CHECK)
        .is_some_and(|rest| rest.ends_with(plan_id))
}

/// What a path belongs to, for describing changes (also of pruned files,
/// which are no longer in any plan).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// An app's workload in a cluster.
    App {
        cluster: String,
        app: String,
    },
    /// Cluster-wide files: infra, ingress, Flux Kustomizations.
    Cluster {
        cluster: String,
    },
    Stack {
        stack: String,
    },
    Other,
}

pub fn owner_of(path: &str) -> Owner {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [DEPLOY_DIR, cluster, "apps", app, ..] => Owner::App {
            cluster: cluster.to_string(),
            app: app.to_string(),
        },
        [DEPLOY_DIR, cluster, ..] | [CLUSTERS_DIR, cluster, ..] => Owner::Cluster {
            cluster: cluster.to_string(),
        },
        [CFN_DIR, file] => Owner::Stack {
            stack: file.trim_end_matches(".yaml").to_string(),
        },
        _ => Owner::Other,
    }
}

/// Is `path` (relative, `/`-separated) one `gen` may own? Only these are ever
/// written or pruned; `clusters/<cluster>/flux-system/` never is.
pub fn may_own(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [CLUSTERS_DIR, _, FLUX_FILE | ARGOCD_FILE] => true,
        [DEPLOY_DIR, _, ..] => true,
        [CFN_DIR, file] => file.ends_with(".yaml"),
        _ => false,
    }
}

/// `eu-west-1` → `EuWest1`: the word form of a name inside logical IDs.
pub fn pascal(s: &str) -> String {
    // One string, no allocation per part: this runs for every app and Region.
    let mut out = String::with_capacity(s.len());
    for p in s.split(['-', '_', '.']).filter(|p| !p.is_empty()) {
        let mut c = p.chars();
        if let Some(f) = c.next() {
            out.push(f.to_ascii_uppercase());
            out.push_str(c.as_str());
        }
    }
    out
}

/// The output every rendered CloudFormation template carries: the digest
/// of the template without it (`render::template_digest`), which
/// `gen deploy` compares with the deployed stack's (`deploy::unchanged`).
pub const DIGEST_OUTPUT: &str = "GenTemplateDigest";

/// The output of a DNS stack that holds health check `logical_id`'s ID.
pub fn check_output(logical_id: &str) -> String {
    cat!(logical_id, "Id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_check_parameter_is_known_by_its_plan_alone() {
        let p = switch_check_parameter("web-api", "eu-west-1", "PlanEuWest1UsEast1");
        assert_eq!(p, "SwitchCheckWebApiEuWest1PlanEuWest1UsEast1");
        // Read back from a deployed stack whose app may have left the spec.
        assert!(is_switch_check_parameter_of(&p, "PlanEuWest1UsEast1"));
        assert!(!is_switch_check_parameter_of(&p, "PlanEuWest1ApSoutheast2"));
        assert!(!is_switch_check_parameter_of(
            "HostedZoneId",
            "PlanEuWest1UsEast1"
        ));
        assert_eq!(
            combined_check_id("web-api", "eu-west-1"),
            "CombinedHealthCheckWebApiEuWest1"
        );
        assert_eq!(app_kustomization("demo", "web"), "demo-app-web");
    }

    #[test]
    fn owners_and_ownable_paths() {
        assert_eq!(
            owner_of("deploy/c1/apps/app1/app.yaml"),
            Owner::App {
                cluster: "c1".into(),
                app: "app1".into()
            }
        );
        assert_eq!(
            owner_of("cloudformation/demo-dns-app1.yaml"),
            Owner::Stack {
                stack: "demo-dns-app1".into()
            }
        );
        assert!(may_own("clusters/c1/gen-kustomizations.yaml"));
        assert!(!may_own("clusters/c1/flux-system/gotk-sync.yaml"));
        assert!(!may_own("clusters/c1/other.yaml"));
        assert!(!may_own("gen.yaml"));
    }
}
