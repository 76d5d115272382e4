//! Several AWS accounts: the DNS account (zone, checks, Region switch plans)
//! and a Region's workload account (its access entries), each reached by
//! assuming its role from the standard credential chain, against the
//! stricter moto, which keeps each account's resources apart and refuses a
//! role that does not exist or does not trust the caller (STS-1).

use std::process::Stdio;

use crate::deploy::Moto;
use crate::switch::{BANK_STEPS, Fake, Script};
use crate::util::*;

const DNS: &str = "111111111111";
const WORKLOAD: &str = "222222222222";
/// The account of the tests' credentials (moto's default).
const OWN: &str = "123456789012";

/// `shop` with the zone and plans in the DNS account, eu-west-1's cluster
/// in the workload account, and Region switch on (each Region's access
/// entries are a stack in its own account).
fn spec(workload_role: &str) -> String {
    resolved_spec("")
        .replace("  zone: example.org\n", "  zone: example.org\n  account: network\n")
        .replace("    cluster: west\n", "    cluster: west\n    account: prod-eu\n")
        .replace(
            "apps:\n",
            &format!(
                "accounts:\n  network: {{roleArn: \"arn:aws:iam::{DNS}:role/gen-dns\", externalId: \"gen-2026\"}}\n  prod-eu: {{roleArn: \"{workload_role}\"}}\nregionSwitch: {{enabled: true}}\napps:\n"
            ),
        )
}

/// A moto whose DNS account holds the zone, with gen's roles in both
/// accounts, and a rendered repository of `text`.
fn setup(text: &str) -> (Moto, tempfile::TempDir) {
    let moto = Moto::start();
    moto.py_in(Some(DNS), "create-role", &format!("gen-dns|{OWN}|gen-2026"));
    moto.py_in(Some(WORKLOAD), "create-role", &format!("gen|{OWN}|"));
    let zone = moto.py_in(Some(DNS), "create-zone", "example.org");
    let zone = zone.as_str().unwrap().trim_start_matches("/hostedzone/");
    let d = tempfile::tempdir().unwrap();
    lock_zone(d.path(), zone);
    std::fs::write(d.path().join("gen.yaml"), text).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    (moto, d)
}

fn names(moto: &Moto, account: Option<&str>, region: &str) -> Vec<String> {
    moto.py_in(account, "stacks-in", region)
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] != "DELETE_COMPLETE")
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

/// `gen deploy --yes`, with a scripted Region switch data plane (moto has
/// none) for the plan's health checks the records take.
fn deploy(moto: &Moto, fake: &Fake, dir: &std::path::Path) -> std::process::Output {
    let (mut cmd, _home) = moto.gen_cmd(dir, &["deploy", "--yes"]);
    cmd.env("AWS_ENDPOINT_URL_ARC_REGION_SWITCH", &fake.url)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The spec with both accounts' roles, deployed once, with the scripted
/// Region switch data plane it needs; the deploy's output.
fn deployed() -> (Moto, Fake, tempfile::TempDir, std::process::Output) {
    let (moto, d) = setup(&spec(&format!("arn:aws:iam::{WORKLOAD}:role/gen")));
    let fake = Fake::start(
        &[(
            "shop-eu-west-1-us-east-1",
            &["eu-west-1", "us-east-1"],
            BANK_STEPS,
        )],
        Script::Succeed,
    );
    let o = deploy(&moto, &fake, d.path());
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    (moto, fake, d, o)
}

#[test]
fn each_stack_deploys_in_its_account_through_its_role() {
    let (moto, fake, d, o) = deployed();
    let out = stdout(&o);
    assert!(
        out.contains("shop-dns-cart (us-west-2, account network): new stack"),
        "{out}"
    );
    assert!(
        out.contains("(eu-west-1, account prod-eu): new stack"),
        "{out}"
    );
    let dns = names(&moto, Some(DNS), "us-west-2");
    assert!(
        dns.contains(&"shop-dns-cart".to_string())
            && dns.iter().any(|n| n.starts_with("shop-region-switch")),
        "{dns:?}"
    );
    let workload = names(&moto, Some(WORKLOAD), "eu-west-1");
    assert_eq!(workload.len(), 1, "{workload:?}");
    assert!(workload[0].contains("eu-west-1"), "{workload:?}");
    assert!(
        names(&moto, Some(DNS), "eu-west-1").is_empty(),
        "eu-west-1's access entries are not the DNS account's"
    );
    // us-east-1 names no account: it is the DNS account's, and nothing is
    // in the credentials' own.
    assert_eq!(
        names(&moto, Some(DNS), "us-east-1"),
        ["shop-region-switch-access-us-east-1"]
    );
    for region in ["us-west-2", "eu-west-1", "us-east-1"] {
        assert!(
            names(&moto, None, region).is_empty(),
            "nothing in the credentials' own account ({region})"
        );
    }
    // The second deploy finds every stack where the first put it.
    let o = deploy(&moto, &fake, d.path());
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains("new stack"), "{}", stdout(&o));
}

#[test]
fn a_role_that_cannot_be_assumed_is_named_and_nothing_changes() {
    // No role `gen` in account 333333333333.
    let (moto, d) = setup(&spec("arn:aws:iam::333333333333:role/gen"));
    let o = moto.run(d.path(), &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("account `prod-eu` (333333333333)")
            && err.contains("cannot assume role arn:aws:iam::333333333333:role/gen"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    for (account, region) in [(Some(DNS), "us-west-2"), (None, "us-west-2")] {
        assert!(names(&moto, account, region).is_empty(), "{account:?}");
    }
}

/// `gen status` reads the zone, the stacks' check IDs and the checks in
/// the DNS account: the records it finds are the deployed ones, as
/// rendered (in the credentials' own account there is no zone at all).
#[test]
fn status_reads_the_dns_account() {
    let (moto, fake, d, _) = deployed();
    std::fs::write(
        d.path().join("kubeconfig"),
        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
    )
    .unwrap();
    let (mut cmd, _home) = moto.gen_cmd(d.path(), &["status", "--output", "json"]);
    let o = cmd
        .env("AWS_ENDPOINT_URL_ARC_REGION_SWITCH", &fake.url)
        .env("KUBECONFIG", d.path().join("kubeconfig"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    assert_eq!(v["records"]["state"], "as_rendered", "{v}");
    assert!(v["records"]["records"].as_u64() > Some(0), "{v}");
    let checks: Vec<&str> = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["health_check"]["state"].as_str().unwrap_or_default())
        .collect();
    assert!(
        !checks.is_empty() && checks.iter().all(|s| *s != "error" && *s != "not_deployed"),
        "{checks:?} {v}"
    );
}
