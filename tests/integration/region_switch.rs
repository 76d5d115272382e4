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
