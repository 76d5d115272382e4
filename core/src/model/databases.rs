//! The database steps of the Region switch plans: each database of a pair's
//! apps with a member in both Regions is promoted in the Region taking
//! traffic, after the apps scale up and before traffic moves, so that the
//! apps arriving there find a writer.
//!
//! - Aurora global database and DocumentDB global cluster: `Behavior:
//!   switchoverOnly` "Calls `SwitchoverGlobalCluster` for a zero-data-loss
//!   switchover during graceful execution", and `Ungraceful: failover`
//!   "calls FailoverGlobalCluster with AllowDataLoss set to true and might
//!   cause data loss" (ARC Region switch API Reference,
//!   GlobalAuroraConfiguration, GlobalAuroraUngraceful; the same for
//!   DocumentDbConfiguration).
//! - RDS with `switchover` (Oracle 19c and later): the switchover read
//!   replica block, graceful `SwitchoverReadReplica`, ungraceful "with the
//!   `promoteReadReplica` behavior, Region switch promotes the read replica
//!   directly" (ARC Developer Guide, "Amazon RDS Switchover Read Replica
//!   execution block").
//! - RDS otherwise: the promote read replica block, which "promotes the read
//!   replica in the Region that you're activating to become an independent
//!   database instance" and "only supports active/passive plans" (ARC
//!   Developer Guide, "Amazon RDS Promote Read Replica execution block").
//!
//! The execution role's statements per block follow the ARC Developer
//! Guide's "Execution block permissions" samples, scoped to the plans'
//! resources.

use serde::Serialize;

use crate::facts::databases::{Exposure, exposure};
use crate::spec::checked::{Database, DbEngine, Spec};

/// One database's block in a pair's workflows.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct DbStep {
    /// The step's name (`database-<name>`).
    pub step: String,
    pub database: String,
    pub engine: DbEngine,
    pub description: String,
    /// `ExecutionBlockType`.
    pub block: &'static str,
    /// The key of its `ExecutionBlockConfiguration`.
    pub config: &'static str,
    /// Aurora and DocumentDB: the graceful behaviour (`switchoverOnly`).
    pub behavior: Option<&'static str>,
    /// What an ungraceful execution does instead, when the block takes one.
    pub ungraceful: Option<&'static str>,
    pub global_cluster: Option<String>,
    /// Its members in the pair's Regions, in the pair's order: (Region, ARN).
    pub members: Vec<(String, String)>,
    pub timeout_minutes: u32,
}

impl DbStep {
    /// What the step can lose, graceful and not (`facts::databases`).
    pub fn exposure(&self) -> Exposure {
        exposure(
            self.engine.as_str(),
            self.block == "RdsSwitchoverReadReplica",
        )
    }

    /// What the step does in a graceful and in an ungraceful execution.
    pub fn modes(&self) -> (&'static str, &'static str) {
        let e = self.exposure();
        (e.graceful_mode, e.ungraceful_mode)
    }

    /// Both modes in one phrase: `a switchover (…) when graceful, a
    /// failover (…) when not`, or the one thing it does either way.
    pub fn effect(&self) -> String {
        let (graceful, ungraceful) = self.modes();
        if graceful == ungraceful {
            graceful.to_string()
        } else {
            format!("a {graceful} when graceful, a {ungraceful} when not")
        }
    }
}

/// The database steps of the pair `regions` of `apps`, in name order.
pub fn steps(
    spec: &Spec,
    regions: &[String; 2],
    apps: &[&crate::spec::checked::App],
    active_passive: bool,
) -> Vec<DbStep> {
    let mut out: Vec<DbStep> = Vec::new();
    for d in &spec.databases {
        if !apps.iter().any(|a| a.database.as_ref() == Some(&d.name)) {
            continue;
        }
        let members: Vec<(String, String)> = regions
            .iter()
            .filter_map(|r| Some((r.clone(), d.member(r)?.to_string())))
            .collect();
        // A member on one side only: nothing to promote into (lint W017).
        if members.len() < 2 {
            continue;
        }
        // The promote block takes active/passive plans only (lint W017).
        if d.engine == DbEngine::Rds && !d.switchover && !active_passive {
            continue;
        }
        out.push(step(d, members));
    }
    out
}

fn step(d: &Database, members: Vec<(String, String)>) -> DbStep {
    let (block, config, behavior, ungraceful) = match d.engine {
        DbEngine::Aurora => (
            "AuroraGlobalDatabase",
            "GlobalAuroraConfig",
            Some("switchoverOnly"),
            Some("failover"),
        ),
        DbEngine::DocumentDb => (
            "DocumentDb",
            "DocumentDbConfig",
            Some("switchoverOnly"),
            Some("failover"),
        ),
        DbEngine::Rds if d.switchover => (
            "RdsSwitchoverReadReplica",
            "RdsSwitchoverReadReplicaConfig",
            None,
            Some("promoteReadReplica"),
        ),
        DbEngine::Rds => (
            "RdsPromoteReadReplica",
            "RdsPromoteReadReplicaConfig",
            None,
            None,
        ),
    };
    let mut s = DbStep {
        step: format!("database-{}", d.name),
        database: d.name.clone(),
        engine: d.engine,
        description: String::new(),
        block,
        config,
        behavior,
        ungraceful,
        global_cluster: d.global_cluster.clone(),
        members,
        timeout_minutes: d.timeout_minutes,
    };
    s.description = format!(
        "Make the {} {} the writer in the Region taking traffic: {}",
        d.engine.product(),
        d.name,
        s.effect()
    );
    s
}

/// The execution role's statements for the plans' database steps.
#[derive(Debug, Default, Serialize, Hash)]
pub struct DbPermissions {
    /// Aurora and DocumentDB: the global clusters' ARNs.
    pub global_clusters: Vec<String>,
    /// Their member clusters' ARNs.
    pub clusters: Vec<String>,
    /// RDS DB instances the promote block promotes.
    pub promoted: Vec<String>,
    /// RDS DB instances the switchover block switches over.
    pub switched: Vec<String>,
}

impl DbPermissions {
    pub fn of(steps: &[&DbStep]) -> DbPermissions {
        let mut p = DbPermissions::default();
        for s in steps {
            let arns = s.members.iter().map(|(_, a)| a.clone());
            match (s.engine, s.ungraceful) {
                (DbEngine::Aurora | DbEngine::DocumentDb, _) => {
                    if let (Some(g), Some((_, first))) = (&s.global_cluster, s.members.first()) {
                        p.global_clusters.push(global_cluster_arn(first, g));
                    }
                    p.clusters.extend(arns);
                }
                (DbEngine::Rds, Some(_)) => p.switched.extend(arns),
                (DbEngine::Rds, None) => p.promoted.extend(arns),
            }
        }
        for v in [
            &mut p.global_clusters,
            &mut p.clusters,
            &mut p.promoted,
            &mut p.switched,
        ] {
            v.sort();
            v.dedup();
        }
        p
    }
}

/// A global cluster's ARN, `arn:PARTITION:rds::ACCOUNT:global-cluster:ID`
/// (Service Authorization Reference, Amazon RDS, resource type
/// `global-cluster`), in the partition and account of its member `member`.
fn global_cluster_arn(member: &str, id: &str) -> String {
    let mut parts = member.split(':');
    let partition = parts.nth(1).unwrap_or("aws");
    let account = parts.nth(2).unwrap_or_default();
    format!("arn:{partition}:rds::{account}:global-cluster:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::plan_of;

    const SPEC: &str = "version: 1\nname: t\ndns: {zone: example.com, zoneId: Z1}\nregions:\n  - {name: eu-west-1, cluster: a, albDnsName: a.eu-west-1.elb.amazonaws.com}\n  - {name: us-east-1, cluster: b, albDnsName: b.us-east-1.elb.amazonaws.com}\nregionSwitch: {enabled: true}\ndatabases:\n  orders: {engine: aurora, globalCluster: g, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:cluster:a', us-east-1: 'arn:aws:rds:us-east-1:111122223333:cluster:b'}}\napps:\n  - {name: web, host: web.example.com, image: i, health: {path: /w}, database: orders, routing: failover}\n";

    #[test]
    fn a_workflow_that_moves_the_writer_promotes_after_scale_up_and_before_traffic() {
        let plan = plan_of(SPEC);
        let sw = plan.region_switch.as_ref().unwrap();
        let p = &sw.plans[0];
        for w in &p.workflows {
            let names: Vec<String> = w
                .steps(p, "us-east-1")
                .into_iter()
                .map(|s| s.name)
                .collect();
            assert_eq!(names, ["scale-up", "database-orders", "traffic"]);
        }
        // Active/active: only the deactivation moves the writer.
        let plan = plan_of(&SPEC.replace(", routing: failover", ""));
        let p = &plan.region_switch.as_ref().unwrap().plans[0];
        let with: Vec<bool> = p
            .workflows
            .iter()
            .map(|w| {
                w.steps(p, "us-east-1")
                    .iter()
                    .any(|s| s.block == "AuroraGlobalDatabase")
            })
            .collect();
        assert_eq!(with, [false, true], "activate, deactivate");
    }

    #[test]
    fn a_global_cluster_arn_takes_its_members_partition_and_account() {
        assert_eq!(
            global_cluster_arn("arn:aws-cn:rds:cn-north-1:111122223333:cluster:a", "g"),
            "arn:aws-cn:rds::111122223333:global-cluster:g"
        );
    }
}
