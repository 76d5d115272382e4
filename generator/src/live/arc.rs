//! The spec's ARC cluster, reached once the same way by every command that
//! reads or sets routing controls (`gen arc`, `gen drill --arc`,
//! `gen status`, `gen switch`): the spec names it by ARN or by the name gen
//! created it with.

use anyhow::{Context, Result};

use crate::aws::arc::{self as adapter, Cluster, ClusterRef, UpdateError};
use crate::model::arc::ArcPlan;
use crate::spec::checked::{ArcCluster, Spec};

/// Connect to the cluster the spec names.
pub(crate) async fn connect(c: &ArcCluster, role: Option<&crate::aws::Role>) -> Result<Cluster> {
    adapter::cluster(
        match c {
            ArcCluster::Existing(arn) => ClusterRef::Arn(arn),
            ArcCluster::Create(name) => ClusterRef::Name(name),
        },
        role,
    )
    .await
}

/// The ARC cluster and the ARN of the routing control gating `app` in
/// `region`, as deployed.
pub(crate) async fn control(
    spec: &Spec,
    plan: Option<&ArcPlan>,
    app: &str,
    region: &str,
) -> Result<(Cluster, String)> {
    let (Some(p), Some(a)) = (plan, &spec.arc) else {
        anyhow::bail!("ARC is not enabled in this spec")
    };
    let control = crate::model::arc::control_for(p, app, region)
        .context("no routing control gates this app there")?;
    let role = super::role(&spec.accounts, spec.dns_account.as_deref());
    let cluster = connect(&a.cluster, role.as_ref()).await?;
    let states = cluster.controls(&p.panel_name, &mut Vec::new()).await?;
    let arn = states
        .iter()
        .find(|s| s.name == control.name)
        .map(|s| s.arn.clone())
        .with_context(|| format!("routing control {} is not deployed", control.name))?;
    Ok((cluster, arn))
}

/// Set one routing control, an ARC refusal said as such.
pub(crate) async fn set(cluster: &Cluster, arn: &str, on: bool) -> Result<()> {
    cluster
        .set(std::slice::from_ref(&arn.to_string()), on, &mut Vec::new())
        .await
        .map(|_| ())
        .map_err(|e| match e {
            UpdateError::Rejected(m) => anyhow::anyhow!("ARC rejected the change: {m}"),
            UpdateError::Other(e) => e,
        })
}
