//! What each database's failover can lose, as AWS states it: the data-loss
//! exposure `gen explain` shows beside a Region switch's database step.

/// One engine's exposure: what a graceful and an ungraceful switch do, in
/// a few words and in AWS's, and where AWS says so.
pub struct Exposure {
    pub graceful_mode: &'static str,
    pub ungraceful_mode: &'static str,
    pub graceful: &'static str,
    pub ungraceful: &'static str,
    pub source: &'static str,
}

/// The exposure of `engine` (the spec's word: `aurora`, `documentdb`,
/// `rds`); `switchover`: an RDS database that switches over.
pub fn exposure(engine: &str, switchover: bool) -> Exposure {
    match (engine, switchover) {
        ("aurora", _) => Exposure {
            graceful_mode: "switchover (no data loss)",
            ungraceful_mode: "failover (loses writes not yet replicated)",
            graceful: "a switchover, RPO 0: \"Because this feature synchronizes secondary DB clusters with the primary before making any other changes, RPO is 0 (no data loss)\"",
            ungraceful: "a failover with AllowDataLoss: \"RPO is typically measured in seconds\", the writes not yet replicated (with Aurora PostgreSQL, rds.global_db_rpo sets an upper bound)",
            source: "ARC Developer Guide, \"Amazon Aurora Global Database execution block\"; Aurora User Guide, \"Using switchover or failover in Amazon Aurora Global Database\"",
        },
        ("documentdb", _) => Exposure {
            graceful_mode: "switchover (no data loss)",
            ungraceful_mode: "failover (loses writes not yet replicated)",
            graceful: "a switchover, RPO 0 (\"RPO is 0 (no data loss)\")",
            ungraceful: "a failover: \"The Recovery Point Objective (RPO) is typically measured in seconds, but this depends on the lag across the network at the time of the failure\"",
            source: "ARC Developer Guide, \"Amazon DocumentDB Global Cluster execution block\"; Amazon DocumentDB Developer Guide, \"Overview of Amazon DocumentDB global clusters\"",
        },
        ("rds", true) => Exposure {
            graceful_mode: "switchover (no data loss)",
            ungraceful_mode: "promotion (loses writes not yet replicated)",
            graceful: "a switchover (Oracle Data Guard): the standby becomes the primary, the primary a standby",
            ungraceful: "a promotion: \"This is faster but may result in data loss\", the replica lag at the failure",
            source: "ARC Developer Guide, \"Amazon RDS Switchover Read Replica execution block\"",
        },
        _ => Exposure {
            graceful_mode: "promotion (one way; loses writes not yet replicated)",
            ungraceful_mode: "promotion (one way; loses writes not yet replicated)",
            graceful: "a promotion, one way: the promoted instance \"will no longer replicate from the original primary\"; writes not yet applied to the replica are lost (RDS states no RPO: \"Replication lag can vary significantly\")",
            ungraceful: "the same promotion",
            source: "ARC Developer Guide, \"Amazon RDS Promote Read Replica execution block\"; RDS User Guide, \"Promoting a read replica to be a standalone DB instance\"",
        },
    }
}
