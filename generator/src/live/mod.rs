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
