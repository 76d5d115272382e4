//! W016: an app keeps its state in a database, and no Region switch plan
//! promotes it.
//!
//! Route 53 fails the app's records over on their own; the database does
//! not follow. An Aurora global database's secondary clusters are
//! read-only until a switchover or failover makes one the writer ("Using
//! switchover or failover in Amazon Aurora Global Database", Aurora User
//! Guide), so the Region that takes the traffic serves errors on every
//! write until someone promotes it by hand. A Region switch plan runs that
//! promotion before it moves traffic.

use super::*;

pub(super) const LINT: Lint = Lint {
    code: "W016",
    name: "database-without-switch",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    if cx.plan.region_switch.is_some() {
        return Vec::new();
    }
    cx.spec
        .apps
        .iter()
        .filter_map(|a| {
            let d = a.database.as_ref()?;
            Some(
                Diagnostic::lint(
                    &format!("{}.database", cx.app_path(&a.name)),
                    format!(
                        "{} keeps its state in database {d}, and nothing promotes it: when Route 53 fails {} over, the other Region's member is still read-only",
                        a.name, a.name
                    ),
                )
                .hint("turn on regionSwitch: its plans make the database the writer in the Region taking traffic before they move it"),
            )
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::*;

    pub(crate) fn with_database(text: &str) -> String {
        text.replace(
            "health: {path: /webhealth}",
            "health: {path: /webhealth}\n    database: orders",
        ) + "databases:\n  orders: {engine: aurora, globalCluster: orders, members: {eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:cluster:o-eu', us-east-1: 'arn:aws:rds:us-east-1:111122223333:cluster:o-us'}}\n"
    }

    #[test]
    fn fires_on_a_database_without_region_switch() {
        let db = with_database(QUIET);
        let w = of("W016", &db);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("apps[0].database"), "{w:?}");
        let switched = db.replace("apps:", "regionSwitch: {enabled: true}\napps:");
        assert!(of("W016", &switched).is_empty());
        assert!(of("W016", QUIET).is_empty());
    }
}
