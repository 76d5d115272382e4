//! What the commands share when they act on AWS and the clusters, below
//! every command: each function takes plain values (a plan, paths,
//! clients, the printer), never a command's flags or its session.
//!
//! - `change_sets`: the stacks as the repository holds them, their change
//!   sets made, reviewed, executed, and deleted when not executed;
//! - `switch`: the Region switch engine (start, follow, approve) and each
//!   plan's state;
//! - `rollout`: a commit taken wave by wave, its gates, its report;
//! - `drill`: an app's drill, and the record it leaves on the cluster;
//! - `gateway`: a Gateway's address once its routes hold, and EKS Auto
//!   Mode's Gateway controller, as `gen discover` reads them;
//! - `status`: each cluster's Flux or Argo CD, ALB, route and app, read and typed;
//! - `world`: what `gen simulate` answers from, read back from rendered files;
//! - `base`: a base revision's plan;
//! - `arc`, `checks`: the spec's ARC cluster; Route 53 checks and waiting on them;
//! - `signals`, `clock`: SIGINT/SIGTERM/SIGHUP and typed answers; time and deadlines.

pub(crate) mod arc;
pub(crate) mod base;
pub(crate) mod change_sets;
pub(crate) mod checks;
pub(crate) mod clock;
pub(crate) mod drill;
pub(crate) mod gateway;
pub(crate) mod rollout;
pub(crate) mod signals;
pub(crate) mod status;
pub(crate) mod switch;
pub(crate) mod world;

/// What applies gen's directories on cluster `c` (Flux or Argo CD), and
/// the namespace of its objects.
pub(crate) fn gitops<'a>(
    spec: &'a crate::spec::checked::Spec,
    c: &'a crate::model::ClusterPlan,
) -> (crate::k8s::Engine, &'a str) {
    match &c.argocd {
        Some(a) => (crate::k8s::Engine::ArgoCd, &a.namespace),
        None => (crate::k8s::Engine::Flux, &spec.flux.namespace),
    }
}

/// The role gen assumes for the spec's account `name`; None for the
/// credentials' own.
pub(crate) fn role(
    accounts: &[crate::spec::checked::Account],
    name: Option<&str>,
) -> Option<crate::aws::Role> {
    let name = name?;
    accounts.iter().find(|a| a.name == name).map(role_of)
}

/// The role gen assumes in account `a`.
pub(crate) fn role_of(a: &crate::spec::checked::Account) -> crate::aws::Role {
    crate::aws::Role {
        arn: a.role_arn.clone(),
        external_id: a.external_id.clone(),
    }
}

/// The role of the DNS account: the zone, checks, ARC, alarms and Region
/// switch plans.
pub(crate) fn dns_role(plan: &crate::model::Plan) -> Option<crate::aws::Role> {
    role(&plan.accounts, plan.dns_account.as_deref())
}

/// The accounts a command reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The DNS account and every cluster's (a deploy, a rollout).
    Every,
    /// The DNS account alone: a failover's commands (switch, arc, drill)
    /// need no other, so no other account's STS or role can stop them.
    Dns,
}

/// Assume the roles of the accounts a command reaches now, one STS call
/// each in `region` (a Region of the roles' partition: the stacks'), so a
/// role that cannot be assumed stops the command before it changes
/// anything, naming the account and the role.
pub(crate) async fn assume(
    plan: &crate::model::Plan,
    region: &str,
    reach: Reach,
) -> anyhow::Result<()> {
    let mut names: Vec<&str> = plan.dns_account.iter().map(String::as_str).collect();
    if reach == Reach::Every {
        names.extend(plan.clusters.iter().filter_map(|c| c.account.as_deref()));
    }
    names.sort();
    names.dedup();
    for a in plan
        .accounts
        .iter()
        .filter(|a| names.contains(&a.name.as_str()))
    {
        if let Err(e) = crate::aws::assume(&role_of(a), region).await {
            anyhow::bail!(crate::diag::Hinted::new(
                format!("account `{}` ({}): {e}", a.name, a.id),
                format!(
                    "the role's trust policy must let these credentials assume it{}; infra/iam/ holds the policies gen's roles need",
                    if a.external_id.is_some() {
                        " with the external ID accounts.NAME.externalId gives"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// Every cluster of the plan, with its Region.
pub(crate) fn clusters<'a>(
    spec: &'a crate::spec::checked::Spec,
    plan: &'a crate::model::Plan,
) -> impl Iterator<
    Item = (
        &'a crate::spec::checked::Region,
        &'a crate::model::ClusterPlan,
    ),
> {
    plan.clusters.iter().filter_map(move |c| {
        spec.regions
            .iter()
            .find(|r| r.name == c.region)
            .map(|r| (r, c))
    })
}
