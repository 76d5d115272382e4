//! `databases` and each app's `database`: what the Region switch plans
//! promote before they move traffic. The shapes follow the plan's execution
//! blocks (`AWS::ARCRegionSwitch::Plan`, `GlobalAuroraConfiguration` and
//! `DocumentDbConfiguration`: `GlobalClusterIdentifier`
//! `^[A-Za-z][0-9A-Za-z-:._]*$` and `DatabaseClusterArns` of
//! `arn:…:rds:REGION:ACCOUNT:cluster:NAME`; `RdsDbInstanceArnMap`: Region →
//! `arn:…:rds:REGION:ACCOUNT:db:NAME`, NAME
//! `[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*`; `TimeoutMinutes` "minimum": 1,
//! "default": 60). DocumentDB's clusters have RDS ARNs: its API is RDS's.

use super::format::allowed_regions;
use super::*;
use crate::facts::arn::Arn;

/// `TimeoutMinutes`: at least 1; a week at most, as the plans' objective.
const TIMEOUT_MINUTES: std::ops::RangeInclusive<u32> = 1..=10_080;

impl Validator {
    /// The databases, in name order, each member in a Region of the spec.
    /// `plans_account`: the ID of `dns.account`, the plans' account, when
    /// the spec names one.
    pub(super) fn databases(
        &mut self,
        raw: &RawSpec,
        regions: &[String],
        plans_account: Option<&str>,
    ) -> Vec<Database> {
        let mut out = Vec::new();
        for (name, d) in raw.databases.iter().flatten() {
            let p = format!("databases.{name}");
            let mut ok = true;
            if !is_dns1123_label(name) {
                ok = false;
                self.err(
                    &p,
                    format!("`{}` is not a database name gen takes", name.escape_debug()),
                    "allowed: 1 to 63 lowercase letters, digits and hyphens, e.g. `orders`",
                );
            }
            let engine = self
                .required(
                    &field(&p, "engine"),
                    &d.engine,
                    "allowed: aurora, documentdb or rds",
                )
                .and_then(|e| {
                    let parsed = DbEngine::parse(e);
                    if parsed.is_none() {
                        self.err(
                            &field(&p, "engine"),
                            format!("unknown engine `{}`", e.escape_debug()),
                            "allowed: aurora (an Aurora global database), documentdb (a DocumentDB global cluster) or rds (an RDS DB instance with cross-Region read replicas)",
                        );
                    }
                    parsed
                });
            let global_cluster = d.global_cluster.clone();
            match (engine, &global_cluster) {
                (Some(e), None) if e.clustered() => {
                    ok = false;
                    self.err(
                        &field(&p, "globalCluster"),
                        "missing required field",
                        format!("the {}'s identifier", e.product()),
                    );
                }
                (Some(DbEngine::Rds), Some(_)) => {
                    ok = false;
                    self.err(
                        &field(&p, "globalCluster"),
                        "an RDS DB instance and its read replicas have no global cluster",
                        "leave globalCluster out, or use engine aurora or documentdb",
                    );
                }
                (_, Some(g)) if !is_global_cluster_id(g) => {
                    ok = false;
                    self.err(
                        &field(&p, "globalCluster"),
                        format!("`{}` is not a global cluster identifier", g.escape_debug()),
                        "allowed: 1 to 255 letters, digits and -:._, starting with a letter",
                    );
                }
                _ => {}
            }
            let members = d.members.clone().unwrap_or_default();
            if d.members.is_none() {
                ok = false;
                self.err(
                    &field(&p, "members"),
                    "missing required field",
                    "Region → its member's ARN, in at least two Regions",
                );
            } else if members.len() < 2 {
                ok = false;
                self.err(
                    &field(&p, "members"),
                    format!("{} member: nothing to fail over to", members.len()),
                    "give its member in at least two Regions",
                );
            }
            for (region, arn) in &members {
                let mp = format!("{p}.members.{region}");
                if !regions.iter().any(|r| r == region) {
                    ok = false;
                    self.err(
                        &mp,
                        format!("`{region}` is not a Region of this spec"),
                        allowed_regions(regions),
                    );
                }
                // The blocks reach another account only through a
                // CrossAccountRole, which gen does not make yet.
                if let (Some(a), Some(plans)) = (Arn::parse(arn), plans_account)
                    && a.has_account()
                    && a.account != plans
                {
                    ok = false;
                    self.err(
                        &mp,
                        format!(
                            "in account {}, not the plans' ({plans}, of dns.account)",
                            a.account
                        ),
                        "keep the database in the plans' account: gen does not yet make the cross-account role a database step needs",
                    );
                }
                if let Some(e) = engine
                    && !is_member(e, region, arn)
                {
                    ok = false;
                    let (kind, example) = if e.clustered() {
                        ("DB cluster", "cluster:NAME")
                    } else {
                        ("DB instance", "db:NAME")
                    };
                    self.err(
                        &mp,
                        format!(
                            "`{}` is not the ARN of a {kind} in {region}",
                            arn.escape_debug()
                        ),
                        format!("allowed: arn:aws:rds:{region}:ACCOUNT:{example}"),
                    );
                }
            }
            let switchover = self
                .scalar(
                    &field(&p, "switchover"),
                    &d.switchover,
                    "allowed: true or false",
                )
                .unwrap_or(false);
            if switchover && engine.is_some_and(DbEngine::clustered) {
                ok = false;
                self.err(
                    &field(&p, "switchover"),
                    "a global cluster always switches over when graceful",
                    "leave switchover out; it chooses the RDS switchover block (Oracle 19c and later)",
                );
            }
            // One account for all members: the role names the global
            // cluster in the first's.
            let accounts: std::collections::BTreeSet<&str> = members
                .values()
                .filter_map(|a| Arn::parse(a).map(|x| x.account))
                .collect();
            if accounts.len() > 1 {
                ok = false;
                self.err(
                    &field(&p, "members"),
                    format!(
                        "members in {} accounts ({})",
                        accounts.len(),
                        accounts.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                    "keep a database's members in one account, the plans': gen does not yet make the cross-account role a database step needs",
                );
            }
            let timeout = self
                .scalar(
                    &field(&p, "timeoutMinutes"),
                    &d.timeout_minutes,
                    "allowed: whole minutes, 1 to 10080",
                )
                .unwrap_or(crate::facts::arc::REGION_SWITCH_BLOCK_TIMEOUT_MIN);
            if !TIMEOUT_MINUTES.contains(&timeout) {
                ok = false;
                self.err(
                    &field(&p, "timeoutMinutes"),
                    format!("{timeout} minutes is outside what a plan's step takes"),
                    "allowed: 1 to 10080",
                );
            }
            if let (true, Some(engine)) = (ok, engine) {
                out.push(Database {
                    name: name.clone(),
                    engine,
                    global_cluster,
                    members,
                    switchover,
                    timeout_minutes: timeout,
                });
            }
        }
        out
    }

    /// Each app's `database` names one of `databases`; a database no app
    /// names is a warning.
    pub(super) fn app_databases(&mut self, raw: &RawSpec, apps: &[App]) {
        let known: Vec<&String> = raw.databases.iter().flatten().map(|(n, _)| n).collect();
        for (i, a) in apps.iter().enumerate() {
            if let Some(d) = &a.database
                && !known.contains(&d)
            {
                self.err(
                    &format!("apps[{i}].database"),
                    format!("no database named `{}` in databases", d.escape_debug()),
                    if known.is_empty() {
                        "declare it under databases with its member in each Region".to_string()
                    } else {
                        format!(
                            "allowed: {}",
                            known
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                );
            }
        }
        for n in known {
            if !apps.iter().any(|a| a.database.as_ref() == Some(n)) {
                self.out.push(
                    Diagnostic::new(
                        &format!("databases.{n}"),
                        format!("no app names database `{n}`"),
                    )
                    .hint("set apps[].database on the apps that keep their state in it; until then no plan promotes it")
                    .warning(),
                );
            }
        }
    }
}

/// `GlobalClusterIdentifier`: `^[A-Za-z][0-9A-Za-z-:._]*$`, at most 255.
fn is_global_cluster_id(s: &str) -> bool {
    s.len() <= 255
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '_'))
}

/// An RDS ARN of a DB cluster (`clustered`) or DB instance in `region`.
fn is_member(engine: DbEngine, region: &str, arn: &str) -> bool {
    let Some(a) = Arn::parse(arn) else {
        return false;
    };
    if a.service != "rds" || a.region != region || !a.has_account() {
        return false;
    }
    match (engine.clustered(), a.resource.split_once(':')) {
        // `[a-zA-Z0-9][a-zA-Z0-9-_]{0,99}` (DocumentDbConfiguration).
        (true, Some(("cluster", n))) => {
            n.len() <= 100
                && n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
        // `[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*` (RdsDbInstanceArnMap).
        (false, Some(("db", n))) => {
            n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && n.split('-')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::errors;

    const BASE: &str = "version: 1\nname: t\ndns: {zone: example.com}\nregions:\n  - {name: eu-west-1, cluster: c1}\n  - {name: us-east-1, cluster: c2}\napps:\n  - {name: a, host: a.example.com, image: i, health: {path: /a}, database: orders}\n";

    fn with(db: &str) -> Vec<String> {
        errors(&format!("{BASE}databases:\n  orders: {db}\n"))
    }

    #[test]
    fn a_good_database_of_each_engine_passes() {
        assert!(with("{engine: aurora, globalCluster: orders, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:cluster:orders-eu', us-east-1: 'arn:aws:rds:us-east-1:111122223333:cluster:orders-us'}}").is_empty());
        assert!(with("{engine: rds, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:db:orders-eu', us-east-1: 'arn:aws:rds:us-east-1:111122223333:db:orders-us'}}").is_empty());
    }

    #[test]
    fn a_member_in_a_region_the_spec_lacks_is_refused_naming_it() {
        let e = with(
            "{engine: documentdb, globalCluster: g, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:cluster:o', ap-south-1: 'arn:aws:rds:ap-south-1:111122223333:cluster:o'}}",
        );
        assert!(
            e.iter()
                .any(|x| x.contains("databases.orders.members.ap-south-1")
                    && x.contains("not a Region of this spec")),
            "{e:?}"
        );
    }

    #[test]
    fn wrong_shapes_are_refused() {
        // A DB instance ARN for Aurora, a member ARN of another Region.
        let e = with(
            "{engine: aurora, globalCluster: g, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:db:o', us-east-1: 'arn:aws:rds:eu-west-1:111122223333:cluster:o'}}",
        );
        assert_eq!(
            e.iter()
                .filter(|x| x.contains("is not the ARN of a DB cluster"))
                .count(),
            2,
            "{e:?}"
        );
        let e = with(
            "{engine: aurora, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:cluster:o', us-east-1: 'arn:aws:rds:us-east-1:111122223333:cluster:o'}}",
        );
        assert!(
            e.iter()
                .any(|x| x.contains("databases.orders.globalCluster")),
            "{e:?}"
        );
        let e = with(
            "{engine: rds, globalCluster: g, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:db:o'}}",
        );
        assert!(e.iter().any(|x| x.contains("no global cluster")), "{e:?}");
        assert!(
            e.iter().any(|x| x.contains("nothing to fail over to")),
            "{e:?}"
        );
        let e = with("{engine: oracle, members: {}}");
        assert!(
            e.iter().any(|x| x.contains("unknown engine `oracle`")),
            "{e:?}"
        );
    }

    #[test]
    fn a_member_in_another_account_than_the_plans_is_refused() {
        let db = "{engine: aurora, globalCluster: g, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:cluster:o', us-east-1: 'arn:aws:rds:us-east-1:444455556666:cluster:o'}}";
        let text = format!("{BASE}databases:\n  orders: {db}\n").replace(
            "dns: {zone: example.com}",
            "dns: {zone: example.com, account: net}\naccounts:\n  net: {roleArn: 'arn:aws:iam::111122223333:role/gen'}",
        );
        let e = errors(&text);
        assert!(
            e.iter()
                .any(|x| x.contains("databases.orders.members.us-east-1")
                    && x.contains("not the plans'")),
            "{e:?}"
        );
        // Without dns.account the plans' account is not known here, but
        // members in two accounts are refused all the same.
        let e = with(db);
        assert!(
            e.iter().any(|x| x.contains("members in 2 accounts")),
            "{e:?}"
        );
    }

    #[test]
    fn an_app_naming_an_unknown_database_is_refused() {
        let e = errors(BASE);
        assert!(
            e.iter().any(|x| x.contains("apps[0].database") && x.contains("no database named `orders`")),
            "{e:?}"
        );
    }
}
