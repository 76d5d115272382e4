//! W017: an app can take traffic in a Region where no switch makes its
//! database the writer: its database has no member there, or (RDS without
//! switchover) the pair's plan is active/active, and the promote read
//! replica block "only supports active/passive plans" (ARC Developer Guide,
//! "Amazon RDS Promote Read Replica execution block").

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W017",
    name: "database-not-promoted",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for a in &cx.spec.apps {
        let Some(d) = a
            .database
            .as_ref()
            .and_then(|n| cx.spec.databases.iter().find(|d| &d.name == n))
        else {
            continue;
        };
        let path = format!("{}.database", cx.app_path(&a.name));
        for r in cx
            .spec
            .regions
            .iter()
            .filter(|r| cx.plan.entry(&a.name, &r.name).is_some())
        {
            if d.member(&r.name).is_none() {
                out.push(
                    Diagnostic::lint(
                        &path,
                        format!(
                            "{} answers from {}, where database {} has no member: traffic that fails over there finds no database",
                            a.name, r.name, d.name
                        ),
                    )
                    .hint(format!(
                        "add the database's member in {} under databases.{}.members, or give {} no record there (its routing)",
                        r.name, d.name, a.name
                    )),
                );
            }
        }
        for p in cx.plan.region_switch.iter().flat_map(|sw| &sw.plans) {
            let holds = p.apps.contains(&a.name) && p.regions.iter().all(|r| d.member(r).is_some());
            if holds && !p.databases.iter().any(|s| s.database == d.name) {
                out.push(
                    Diagnostic::lint(
                        &path,
                        format!(
                            "plan {} moves {} without promoting database {}: RDS's promote read replica block takes active/passive plans only, and this pair's plan is active/active",
                            p.name, a.name, d.name
                        ),
                    )
                    .hint("route the pair's apps with failover and one primary (an active/passive plan), or set switchover: true on an Oracle database"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::database_without_switch::tests::with_database;
    use super::super::tests::*;

    #[test]
    fn fires_on_a_region_without_a_member() {
        let db = with_database(QUIET).replace("apps:", "regionSwitch: {enabled: true}\napps:");
        assert!(of("W017", &db).is_empty(), "{:?}", of("W017", &db));
        // A third Region the app answers from, without a member.
        let third = db.replace(
            "  - {name: us-east-1,",
            "  - {name: ap-south-1, cluster: c3, albDnsName: a.ap-south-1.elb.amazonaws.com}\n  - {name: us-east-1,",
        );
        let w = of("W017", &third);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("answers from ap-south-1"), "{w:?}");
    }

    #[test]
    fn fires_on_an_rds_database_in_an_active_active_plan() {
        let rds = with_database(QUIET)
            .replace("apps:", "regionSwitch: {enabled: true}\napps:")
            .replace("engine: aurora, globalCluster: orders,", "engine: rds,")
            .replace(":cluster:o-", ":db:o-");
        // Latency apps: an active/active plan.
        let w = of("W017", &rds);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("active/passive plans only"), "{w:?}");
        let switchover = rds.replace("engine: rds,", "engine: rds, switchover: true,");
        assert!(of("W017", &switchover).is_empty());
    }
}
