//! The life of an installation: a chain of spec changes, each rendered and
//! deployed with one `gen deploy --yes` against the stricter moto
//! (`tests/tools/strict_moto.py`: Route 53's batch rules, CloudFormation's
//! replacements, exports and imports), and each checked against the live
//! records and health checks it should leave. A change that AWS would refuse
//! fails here as it would there.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::deploy::Moto;
use crate::util::*;

/// The spec of this chain: `cart` with `routing` and `health`, in `regions`,
/// plus `extra` (more apps, an `arc:` section).
fn spec(regions: &[&str], routing: &str, health: &str, extra: &str) -> String {
    let mut s = String::from("version: 1\nname: shop\ndns: {zone: example.org}\nregions:\n");
    for (i, r) in regions.iter().enumerate() {
        s.push_str(&format!(
            "  - {{name: {r}, cluster: c{i}, albDnsName: shop-{i}.{r}.elb.amazonaws.com}}\n"
        ));
    }
    s.push_str(&format!(
        "apps:\n  - {{name: cart, host: cart.example.org, image: img, health: {{path: /carthealth{health}}}, routing: {routing}}}\n{extra}"
    ));
    s
}

const THREE: [&str; 3] = ["eu-west-1", "us-east-1", "ap-southeast-2"];

struct Live {
    /// (name, set identifier) → record.
    records: BTreeMap<(String, String), Value>,
    /// ID → health check configuration.
    checks: BTreeMap<String, Value>,
}

impl Live {
    fn read(moto: &Moto) -> Live {
        let dump = moto.py("dump", "example.org");
        Live {
            records: dump["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        (
                            r["Name"].as_str().unwrap().to_string(),
                            r["SetIdentifier"].as_str().unwrap_or_default().to_string(),
                        ),
                        r.clone(),
                    )
                })
                .collect(),
            checks: dump["health_checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["Id"].as_str().unwrap().to_string(), c.clone()))
                .collect(),
        }
    }

    fn cart(&self) -> Vec<(&str, &Value)> {
        self.records
            .iter()
            .filter(|((n, _), _)| n == "cart.example.org.")
            .map(|((_, s), r)| (s.as_str(), r))
            .collect()
    }

    /// How many records `name` has.
    fn records_of(&self, name: &str) -> usize {
        self.records.keys().filter(|(n, _)| n == name).count()
    }

    /// The health check a record uses.
    fn check_of(&self, r: &Value) -> &Value {
        let id = r["HealthCheckId"]
            .as_str()
            .expect("every record has a check");
        self.checks
            .get(id)
            .unwrap_or_else(|| panic!("record uses {id}, which does not exist"))
    }
}

fn deploy(moto: &Moto, d: &Path, text: &str, step: &str) -> String {
    std::fs::write(d.join("gen.yaml"), text).unwrap();
    let o = run_gen(d, &["render"]);
    assert!(o.status.success(), "{step}: render: {}", stderr(&o));
    let o = moto.run(d, &["deploy", "--yes"]);
    assert!(
        o.status.success(),
        "{step}: deploy:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

fn roles(live: &Live) -> Vec<(String, String)> {
    live.cart()
        .iter()
        .map(|(s, r)| {
            (
                s.to_string(),
                r["Failover"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

/// Deploy `cart` failing over from `primary` to `secondary`, and check that
/// exactly those two records hold those roles.
fn failover(moto: &Moto, d: &Path, primary: &str, secondary: &str, step: &str) {
    let routing = format!("{{failover: {{primary: {primary}, secondary: {secondary}}}}}");
    deploy(moto, d, &spec(&THREE, &routing, "", ""), step);
    let mut want = vec![
        (primary.to_string(), "PRIMARY".to_string()),
        (secondary.to_string(), "SECONDARY".to_string()),
    ];
    want.sort();
    assert_eq!(roles(&Live::read(moto)), want, "{step}");
}

/// Each of cart's records uses a CALCULATED check over its own check and
/// the check of its routing control, as the ARC stack's outputs name it
/// (`app` is the control key's app part: "" with scope region).
fn gated(live: &Live, outputs: &Value, app: &str) {
    assert_eq!(live.cart().len(), 2, "both Regions' records");
    for (s, r) in live.cart() {
        let c = live.check_of(r);
        assert_eq!(c["Type"], "CALCULATED", "{s}");
        assert_eq!(c["HealthThreshold"], 2, "{s}");
        let region = if s == "eu-west-1" {
            "EuWest1"
        } else {
            "UsEast1"
        };
        let id = format!("RoutingControlHealthCheck{app}{region}Id");
        let control = outputs[&id]
            .as_str()
            .unwrap_or_else(|| panic!("no {id}: {outputs}"));
        let kids = c["ChildHealthChecks"].to_string();
        assert!(kids.contains(control), "{s}: {kids} lacks {control}");
    }
}

#[test]
fn every_spec_change_deploys_in_one_gen_deploy() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = tempfile::tempdir().unwrap();
    let d = d.path();

    // 0. No zone ID yet: refused, naming the field. Then gen.lock has it.
    std::fs::write(d.join("gen.yaml"), spec(&THREE, "latency", "", "")).unwrap();
    assert!(run_gen(d, &["render"]).status.success());
    let o = moto.run(d, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("(dns.zoneId)"), "{}", stderr(&o));
    lock_zone(d, &zone);

    // 1. latency in three Regions.
    deploy(&moto, d, &spec(&THREE, "latency", "", ""), "latency");
    let live = Live::read(&moto);
    assert_eq!(live.cart().len(), 3);
    assert!(
        live.cart()
            .iter()
            .all(|(s, r)| r["Region"] == *s && r.get("Weight").is_none())
    );
    let first_check = live.cart()[0].1["HealthCheckId"].clone();

    // 2. latency -> weighted: one batch, or Route 53 refuses the mix.
    deploy(
        &moto,
        d,
        &spec(
            &THREE,
            "{weighted: {eu-west-1: 100, us-east-1: 0, ap-southeast-2: 0}}",
            "",
            "",
        ),
        "weighted",
    );
    let live = Live::read(&moto);
    let weights: BTreeMap<&str, u64> = live
        .cart()
        .iter()
        .map(|(s, r)| (*s, r["Weight"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        weights,
        BTreeMap::from([("ap-southeast-2", 0), ("eu-west-1", 100), ("us-east-1", 0)])
    );
    assert!(live.cart().iter().all(|(_, r)| r.get("Region").is_none()));
    assert_eq!(
        live.cart()[0].1["HealthCheckId"],
        first_check,
        "the checks stay"
    );

    // 3. weighted -> failover: two records; the third Region's goes.
    failover(&moto, d, "eu-west-1", "us-east-1", "failover");
    assert_eq!(
        Live::read(&moto).checks.len(),
        2,
        "the ap-southeast-2 check is deleted"
    );

    // 4. The failover swap: PRIMARY and SECONDARY trade places in one batch.
    failover(&moto, d, "us-east-1", "eu-west-1", "swap");

    // 5. And back to latency.
    deploy(&moto, d, &spec(&THREE, "latency", "", ""), "latency again");
    assert_eq!(Live::read(&moto).cart().len(), 3);

    // 6. A check's interval, then its latency measurement, change: Route 53
    // replaces the check (new ID) and the records follow it.
    let before: Vec<String> = Live::read(&moto).checks.keys().cloned().collect();
    let out = deploy(
        &moto,
        d,
        &spec(&THREE, "latency", ", interval: 10", ""),
        "interval",
    );
    assert!(
        out.contains("YES: new ID"),
        "the change set shows the replacement:\n{out}"
    );
    let live = Live::read(&moto);
    for (_, r) in live.cart() {
        let c = live.check_of(r);
        assert_eq!(c["RequestInterval"], 10);
        assert!(
            !before.contains(&c["Id"].as_str().unwrap().to_string()),
            "a new check"
        );
    }
    assert_eq!(live.checks.len(), 3, "the replaced checks are deleted");
    deploy(
        &moto,
        d,
        &spec(
            &THREE,
            "latency",
            ", interval: 10, measureLatency: true",
            "",
        ),
        "latency measurement",
    );
    let live = Live::read(&moto);
    assert!(
        live.cart()
            .iter()
            .all(|(_, r)| live.check_of(r)["MeasureLatency"] == true)
    );

    // 7. An app comes and goes: its stack is created, then deleted.
    let health = ", interval: 10, measureLatency: true";
    let checkout =
        "  - {name: checkout, host: checkout.example.org, image: img, health: {path: /co}}\n";
    deploy(
        &moto,
        d,
        &spec(&THREE, "latency", health, checkout),
        "app added",
    );
    assert_eq!(Live::read(&moto).records_of("checkout.example.org."), 3);
    let out = deploy(
        &moto,
        d,
        &spec(&THREE, "latency", health, ""),
        "app removed",
    );
    assert!(out.contains("shop-dns-checkout: deleted"), "{out}");
    assert_eq!(Live::read(&moto).records_of("checkout.example.org."), 0);

    // 8. A Region leaves the spec: its record and check go.
    let two = &THREE[..2];
    deploy(
        &moto,
        d,
        &spec(two, "latency", health, ""),
        "Region removed",
    );
    let live = Live::read(&moto);
    assert_eq!(
        live.cart().iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        ["eu-west-1", "us-east-1"]
    );

    // 9. ARC on, in one deploy: the ARC stack first, then the records' stack
    // with its outputs; each record's check is CALCULATED over the app's
    // check and its routing control's.
    let arc = "arc:\n  enabled: true\n  cluster: {name: shop}\n";
    // The ARC stack alone would leave the records on checks it replaces.
    std::fs::write(d.join("gen.yaml"), spec(two, "latency", health, arc)).unwrap();
    assert!(run_gen(d, &["render"]).status.success());
    let o = moto.run(d, &["deploy", "--yes", "--stack", "shop-arc"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("deploying shop-arc without shop-dns-cart"),
        "{}",
        stderr(&o)
    );
    assert_eq!(moto.py("change-sets", "shop-arc"), serde_json::json!([]));
    let out = deploy(&moto, d, &spec(two, "latency", health, arc), "ARC on");
    assert!(out.contains("once shop-arc is deployed"), "{out}");
    let outputs = moto.py("outputs", "shop-arc");
    gated(&Live::read(&moto), &outputs, "");

    // 10. ARC's cluster changes: a replace-only field, so a new panel and new
    // routing controls; their health checks cannot be re-pointed, so they are
    // new too, and the records follow them in the same deploy.
    let arc_renamed = "arc:\n  enabled: true\n  cluster: {name: shop2}\n";
    deploy(
        &moto,
        d,
        &spec(two, "latency", health, arc_renamed),
        "ARC cluster renamed",
    );
    let renamed = moto.py("outputs", "shop-arc");
    for key in ["EuWest1", "UsEast1"] {
        let id = format!("RoutingControlHealthCheck{key}Id");
        assert_ne!(
            renamed[&id], outputs[&id],
            "{key}: a new check for the new control"
        );
    }
    gated(&Live::read(&moto), &renamed, "");
    let live = Live::read(&moto);
    for key in ["EuWest1", "UsEast1"] {
        let check = &live.checks[renamed[format!("RoutingControlHealthCheck{key}Id")]
            .as_str()
            .unwrap()];
        assert_eq!(
            check["RoutingControlArn"],
            renamed[format!("RoutingControl{key}Arn")],
            "{key}"
        );
    }

    // 11. And its scope: a routing control per app and Region.
    let arc2 = "arc:\n  enabled: true\n  cluster: {name: shop2}\n  scope: app\n";
    deploy(&moto, d, &spec(two, "latency", health, arc2), "ARC changed");
    let outputs2 = moto.py("outputs", "shop-arc");
    assert!(
        outputs2
            .get("RoutingControlHealthCheckCartEuWest1Id")
            .is_some(),
        "{outputs2}"
    );
    gated(&Live::read(&moto), &outputs2, "Cart");

    // 12. ARC off: the records' checks are the app's own again, and the ARC
    // stack (its cluster billed by the hour) is deleted.
    let out = deploy(&moto, d, &spec(two, "latency", health, ""), "ARC off");
    assert!(
        out.contains("shop-arc (us-west-2): DELETE") && out.contains("shop-arc: deleted"),
        "{out}"
    );
    let live = Live::read(&moto);
    assert_eq!(live.cart().len(), 2);
    assert!(
        live.cart()
            .iter()
            .all(|(_, r)| live.check_of(r)["Type"] == "HTTP")
    );
    assert!(moto.stacks_named("shop-arc").is_empty());

    // And the hundredth deploy finds nothing to do.
    let o = moto.run(d, &["deploy", "--yes"]);
    assert!(stdout(&o).contains("nothing to deploy"), "{}", stdout(&o));
}

/// `cart` in eu-west-1 on the clusters `clusters` (name, weight), and in
/// us-east-1 on one: a blue/green cluster upgrade's steps.
fn blue_green(clusters: &[(&str, u8)]) -> String {
    let eu = match clusters {
        [(one, _)] => format!(
            "  - {{name: eu-west-1, cluster: {one}, albDnsName: {one}.eu-west-1.elb.amazonaws.com}}\n"
        ),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|(c, w)| {
                    format!(
                        "{{name: {c}, weight: {w}, albDnsName: {c}.eu-west-1.elb.amazonaws.com}}"
                    )
                })
                .collect();
            format!("  - {{name: eu-west-1, clusters: [{}]}}\n", list.join(", "))
        }
    };
    format!(
        "version: 1\nname: shop\ndns: {{zone: example.org}}\nregions:\n{eu}  - {{name: us-east-1, cluster: east, albDnsName: east.us-east-1.elb.amazonaws.com}}\napps:\n  - {{name: cart, host: cart.example.org, image: img, health: {{path: /carthealth}}, routing: {{failover: {{primary: eu-west-1}}}}}}\n"
    )
}

/// A blue/green cluster upgrade, each step one `gen deploy`: the green
/// cluster joins at weight 0, takes the traffic by a weight change, and
/// the blue one leaves; the Region's record aliases the weighted pair while
/// there are two, and its check is healthy while one cluster's is.
#[test]
fn a_blue_green_cluster_upgrade_deploys_each_step_in_one_gen_deploy() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    lock_zone(d, &zone);
    deploy(&moto, d, &blue_green(&[("blue", 0)]), "blue alone");
    let pair = "eu-west-1.cart.example.org.";

    deploy(
        &moto,
        d,
        &blue_green(&[("blue", 100), ("green", 0)]),
        "green joins",
    );
    let live = Live::read(&moto);
    assert_eq!(live.records_of(pair), 2);
    let eu = &live.records[&("cart.example.org.".to_string(), "eu-west-1".to_string())];
    assert_eq!(eu["AliasTarget"]["DNSName"].as_str(), Some(pair), "{eu}");
    let calc = live.check_of(eu);
    assert_eq!(calc["Type"], "CALCULATED", "{calc}");
    assert_eq!(
        calc["ChildHealthChecks"].as_array().map(Vec::len),
        Some(2),
        "{calc}"
    );
    for (c, w) in [("blue", 100), ("green", 0)] {
        let r = &live.records[&(pair.to_string(), c.to_string())];
        assert_eq!(r["Weight"], w, "{r}");
        let check = live.check_of(r);
        assert_eq!(
            check["FullyQualifiedDomainName"],
            format!("{c}.eu-west-1.elb.amazonaws.com"),
            "{check}"
        );
    }

    deploy(
        &moto,
        d,
        &blue_green(&[("blue", 0), ("green", 100)]),
        "traffic moves",
    );
    let live = Live::read(&moto);
    assert_eq!(
        live.records[&(pair.to_string(), "green".to_string())]["Weight"],
        100
    );
    assert_eq!(
        live.records[&(pair.to_string(), "blue".to_string())]["Weight"],
        0
    );

    deploy(&moto, d, &blue_green(&[("green", 0)]), "blue leaves");
    let live = Live::read(&moto);
    assert_eq!(live.records_of(pair), 0, "the pair is gone");
    let eu = &live.records[&("cart.example.org.".to_string(), "eu-west-1".to_string())];
    assert_eq!(
        eu["AliasTarget"]["DNSName"]
            .as_str()
            .map(|s| s.trim_end_matches('.')),
        Some("green.eu-west-1.elb.amazonaws.com"),
        "{eu}"
    );
    assert_eq!(live.check_of(eu)["Type"], "HTTP");
    assert_eq!(live.checks.len(), 2, "one check per Region again");
}

/// A switch to geographic routing and back, and AAAA records beside the A
/// records of a dual-stack ALB: each one gen deploy, each host's records one
/// Route 53 batch, which the stricter moto refuses to apply half (R53-2:
/// no mix of policies under a name and type; R53-5, R53-6: one record per
/// location).
#[test]
fn geographic_routing_and_aaaa_records_deploy_in_one_gen_deploy_each() {
    let moto = Moto::start();
    let zone = moto.zone("example.org");
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    std::fs::write(d.join("gen.yaml"), spec(&THREE, "latency", "", "")).unwrap();
    assert!(run_gen(d, &["render"]).status.success());
    lock_zone(d, &zone);
    deploy(&moto, d, &spec(&THREE, "latency", "", ""), "latency");
    // cart's records of every type, as (type, set identifier, record).
    let cart = || -> Vec<(String, String, Value)> {
        let mut out: Vec<(String, String, Value)> = moto.py("dump", "example.org")["all_records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["Name"] == "cart.example.org.")
            .map(|r| {
                (
                    r["Type"].as_str().unwrap().to_string(),
                    r["SetIdentifier"].as_str().unwrap_or_default().to_string(),
                    r.clone(),
                )
            })
            .collect();
        out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out
    };
    let geo = "{geolocation: {eu-west-1: {continents: [EU, AF]}, us-east-1: {continents: [NA, SA], default: true}, ap-southeast-2: {continents: [OC]}}}";
    deploy(
        &moto,
        d,
        &spec(&THREE, geo, "", ""),
        "latency -> geolocation",
    );
    let live = cart();
    let sets: Vec<&str> = live.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(
        sets,
        [
            "ap-southeast-2-continent-OC",
            "eu-west-1-continent-AF",
            "eu-west-1-continent-EU",
            "us-east-1-continent-NA",
            "us-east-1-continent-SA",
            "us-east-1-default"
        ]
    );
    assert!(live.iter().all(|(_, _, r)| r.get("Region").is_none()));
    let prox = "{geoproximity: {eu-west-1: 0, us-east-1: 20, ap-southeast-2: 0}}";
    deploy(
        &moto,
        d,
        &spec(&THREE, prox, "", ""),
        "geolocation -> geoproximity",
    );
    let live = cart();
    assert_eq!(live.len(), 3, "{live:?}");
    assert!(live.iter().all(|(_, _, r)| r.get("GeoLocation").is_none()));
    deploy(
        &moto,
        d,
        &spec(&THREE, "latency", "", ""),
        "geoproximity -> latency",
    );
    assert_eq!(cart().len(), 3);
    // A dual-stack ALB: AAAA beside each A, the same set identifiers and checks.
    let dual = "ingress: {ipAddressType: dualstack}\n";
    deploy(&moto, d, &spec(&THREE, "latency", "", dual), "dual-stack");
    let live = cart();
    let types: Vec<&str> = live.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(types, ["A", "A", "A", "AAAA", "AAAA", "AAAA"]);
    for (_, set, r) in live.iter().filter(|(t, _, _)| t == "AAAA") {
        let a = live
            .iter()
            .find(|(t, s, _)| t == "A" && s == set)
            .map(|(_, _, r)| r)
            .unwrap();
        assert_eq!(r["HealthCheckId"], a["HealthCheckId"], "{set}");
        assert_eq!(r["Region"], a["Region"], "{set}");
    }
}
