//! ARC Region switch plans (`regionSwitch`): the model's pairs and
//! workflows, and `gen deploy` of their stacks in order against the stricter
//! moto. moto does not implement `AWS::ARCRegionSwitch::Plan` nor
//! `AWS::EKS::AccessEntry` and creates them as nothing; their templates are
//! checked by cfn-lint and, inside every execution block, by the registry
//! schemas (`validators`).

use crate::util::*;

fn spec(zone: &str) -> String {
    std::fs::read_to_string(workspace().join("tests/golden/region-switch-failover/gen.yaml"))
        .unwrap()
        .replace("Z0123456789EXAMPLE", zone)
}

/// The role first (the access entries name it), then each Region's access
/// entry, the Route 53 stacks, and the plans, which take the routing
/// controls' ARNs from the ARC stack: all in one `gen deploy`; then nothing
/// is left to do.
#[test]
fn the_region_switch_stacks_deploy_in_order_after_arc() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.com");
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), spec(&zone)).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    let at = |s: &str| {
        out.find(&format!("{s}: CREATE_COMPLETE"))
            .unwrap_or_else(|| panic!("{s} not created:\n{out}"))
    };
    let role = at("bank-region-switch-role");
    let access = at("bank-region-switch-access-eu-west-1");
    let plans = at("bank-region-switch");
    // The access entries and plans name the role; the plans take the
    // routing controls' ARNs. The ARC stack and the role run at once.
    assert!(
        role < access && access < plans && at("bank-arc") < plans,
        "{out}"
    );
    // The plans took the routing controls' ARNs from the ARC stack.
    assert!(
        out.contains(
            "then, once bank-arc is deployed: bank-dns-ledger, bank-dns-teller, bank-region-switch"
        ),
        "{out}"
    );
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("nothing to deploy"), "{}", stdout(&o));

    // Region switch off: its stacks go, the plans before the role; ARC stays.
    std::fs::write(
        d.path().join("gen.yaml"),
        spec(&zone).replace(
            "  enabled: true\n  scalePercent",
            "  enabled: false\n  scalePercent",
        ),
    )
    .unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    let deleted = |s: &str| {
        out.find(&format!("{s}: deleted"))
            .unwrap_or_else(|| panic!("{s} not deleted:\n{out}"))
    };
    assert!(
        out.contains("bank-region-switch (us-west-2): DELETE (Region switch is off in the spec"),
        "{out}"
    );
    let plans = deleted("bank-region-switch");
    let access = deleted("bank-region-switch-access-eu-central-1");
    let role = deleted("bank-region-switch-role");
    assert!(plans < access && access < role, "{out}");
    for s in [
        "bank-region-switch",
        "bank-region-switch-role",
        "bank-region-switch-access-eu-west-1",
    ] {
        assert!(moto.stacks_named(s).is_empty(), "{s} is left");
    }
    assert!(!moto.stacks_named("bank-arc").is_empty());
}

/// The plans with a database step, associated alarms, a trigger and a
/// report deploy against the stricter moto, which checks each plan as
/// Region switch would take it (RS-2: triggers on the plan's own alarms
/// and Regions, database members in its Regions, RDS promotion in an
/// active/passive plan only).
#[test]
fn plans_with_databases_alarms_and_triggers_deploy() {
    let moto = crate::deploy::Moto::start();
    let zone = moto.zone("example.com");
    let d = tempfile::tempdir().unwrap();
    let text = spec(&zone)
        .replace(
            "  rtoMinutes: 15\n",
            "  rtoMinutes: 15\n  alarms:\n    ledger-errors: {alarmArn: 'arn:aws:cloudwatch:eu-central-1:111122223333:alarm:ledger-errors', type: trigger}\n  triggers:\n    - {targetRegion: eu-west-1, conditions: [{alarm: ledger-errors, state: red}]}\n  report: {bucketPath: 's3://bank-switch-reports/plans'}\ndatabases:\n  ledger: {engine: rds, members: {eu-central-1: 'arn:aws:rds:eu-central-1:111122223333:db:ledger-fra', eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:db:ledger-dub'}}\n  accounts: {engine: aurora, globalCluster: accounts, members: {eu-central-1: 'arn:aws:rds:eu-central-1:111122223333:cluster:acc-fra', eu-west-1: 'arn:aws:rds:eu-west-1:111122223333:cluster:acc-dub'}}\n",
        )
        .replace(
            "    routing: failover\n",
            "    routing: failover\n    database: ledger\n",
        )
        .replace(
            "secondary: eu-west-1}}\n",
            "secondary: eu-west-1}}\n    database: accounts\n",
        );
    assert!(
        text.contains("database: ledger") && text.contains("database: accounts"),
        "{text}"
    );
    std::fs::write(d.path().join("gen.yaml"), &text).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plans =
        std::fs::read_to_string(d.path().join("cloudformation/bank-region-switch.yaml")).unwrap();
    for block in [
        "RdsPromoteReadReplica",
        "AuroraGlobalDatabase",
        "AssociatedAlarms",
        "Triggers",
        "ReportConfiguration",
    ] {
        assert!(plans.contains(block), "{block}");
    }
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.contains("bank-region-switch: CREATE_COMPLETE"), "{out}");
    // A trigger on an alarm of the wrong type never reaches AWS: refused
    // by validate, naming the field.
    std::fs::write(
        d.path().join("gen.yaml"),
        text.replace("type: trigger", "type: applicationHealth"),
    )
    .unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("regionSwitch.triggers[0].conditions[0].alarm"),
        "{}",
        stderr(&o)
    );
}
