//! Each decision of a deploy on the goldens' plans, with no server.

use super::*;
use crate::test_support::{plan_of, plan_with_lock, spec_of, spec_with_lock};

const EXAMPLE: &str = include_str!("../../../gitops-repo/gen.yaml");
/// Region switch with ARC: the plans take the routing controls' ARNs.
const SWITCH_ARC: &str = include_str!("../../../tests/golden/region-switch/gen.yaml");
/// Region switch without ARC: the DNS stacks take the plans' checks.
const SWITCH_DNS: &str = include_str!("../../../tests/golden/region-switch-dns/gen.yaml");
const MOVE: &str = include_str!("../../../tests/golden/gateway-move/gen.yaml");
const MOVE_LOCK: &str = include_str!("../../../tests/golden/gateway-move/gen.lock");

fn names(t: &[Target]) -> Vec<(&str, bool)> {
    t.iter().map(|t| (t.name.as_str(), t.first)).collect()
}

#[test]
fn dns_stacks_go_in_the_plan_s_order_and_their_alarms_wait_for_them() {
    let plan = plan_of(EXAMPLE);
    let t = targets(&plan);
    let dns: Vec<&str> = plan.stacks.iter().map(|s| s.name.as_str()).collect();
    let alarms: Vec<&str> = plan
        .rollout
        .as_ref()
        .unwrap()
        .alarm_stacks
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let want: Vec<&str> = dns.iter().chain(&alarms).copied().collect();
    assert_eq!(t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), want);
    assert!(t.iter().all(|t| !t.first && !t.arc));
    assert!(t[..dns.len()].iter().all(|t| t.inputs.is_empty()));
    // Each alarm stack takes its own DNS stack's check IDs, in us-east-1.
    let web = t.iter().find(|t| t.name == "demo-alarms-web").unwrap();
    assert_eq!(web.region, "us-east-1");
    assert!(
        web.inputs.iter().all(|i| i.stack == "demo-dns-web"),
        "{:?}",
        web.inputs
    );
    let p = producers(&plan);
    assert_eq!(p.len(), dns.len());
    // It waits while its DNS stack changes, and only then.
    assert!(waits(web, |s| s == "demo-dns-web"));
    assert!(!waits(web, |s| s == "demo-dns-app1"));
    // Without a rollout: the DNS stacks alone, taking nothing.
    let start = EXAMPLE.find("\nrollout:").unwrap();
    let end = EXAMPLE.find("\nhealthCheck:").unwrap();
    let plain = plan_of(&format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]));
    let t = targets(&plain);
    assert_eq!(t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), dns);
    assert!(t.iter().all(|t| t.inputs.is_empty()));
    assert!(producers(&plain).is_empty());
}

#[test]
fn with_arc_the_arc_stack_and_the_switch_role_go_first_and_the_plans_last() {
    let plan = plan_of(SWITCH_ARC);
    let t = targets(&plan);
    let n = names(&t);
    assert_eq!(n[0], ("shop-arc", true));
    assert!(t[0].arc);
    assert_eq!(n[1], ("shop-region-switch-role", true));
    // The access entries name the role; without health-check traffic they
    // are not needed before the DNS stacks.
    assert!(
        n[2..5]
            .iter()
            .all(|(s, first)| s.starts_with("shop-region-switch-access-") && !first)
    );
    assert_eq!(n.last(), Some(&("shop-region-switch", false)));
    // The plans take the routing controls' ARNs from the ARC stack.
    assert!(!t.last().unwrap().inputs.is_empty());
    let p = producers(&plan);
    assert!(p.iter().any(|(s, _)| s == "shop-arc"));
    assert!(p.iter().any(|(s, _)| s == "shop-region-switch"));
}

#[test]
fn without_arc_the_plans_go_first_because_the_records_take_their_checks() {
    let plan = plan_of(SWITCH_DNS);
    let t = targets(&plan);
    let n = names(&t);
    let pos = |s: &str| n.iter().position(|(x, _)| *x == s).unwrap();
    assert!(pos("store-region-switch-role") < pos("store-region-switch-access-eu-west-1"));
    assert!(pos("store-region-switch-access-eu-west-1") < pos("store-region-switch"));
    assert!(pos("store-region-switch") < pos("store-dns-web"));
    assert!(
        n.iter()
            .filter(|(s, _)| s.contains("region-switch"))
            .all(|(_, f)| *f)
    );
    assert!(
        n.iter()
            .filter(|(s, _)| s.contains("-dns-"))
            .all(|(_, f)| !f)
    );
    // Some DNS stack takes a plan's check: the second phase when the plans change.
    let (first, then): (Vec<Target>, Vec<Target>) = t.into_iter().partition(|t| t.first);
    assert!(!first.is_empty());
    let (now, deferred) = defer(then.clone(), |t| t, true);
    assert!(!deferred.is_empty() && deferred.iter().all(|t| !t.inputs.is_empty()));
    assert!(now.iter().all(|t| t.inputs.is_empty()));
    assert_eq!(waited_for(&deferred), vec!["store-region-switch"]);
    // Nothing of the first phase changes: all in one phase.
    let (now, deferred) = defer(then.clone(), |t| t, false);
    assert!(deferred.is_empty());
    assert_eq!(now.len(), then.len());
}

#[test]
fn a_stack_of_another_spec_is_refused_by_name_and_the_rest_are_kept() {
    let plan = plan_of(SWITCH_ARC);
    let all = targets(&plan);
    let e = only(all.clone(), |t| t, &["nope".into()]).unwrap_err();
    assert!(e.to_string().contains("no stack `nope`"), "{e}");
    let hint = e.downcast_ref::<crate::diag::Hinted>().unwrap().hint();
    assert!(hint.contains("shop-arc"), "{hint}");
    let one = only(all.clone(), |t| t, &["shop-arc".into()]).unwrap();
    assert_eq!(names(&one), vec![("shop-arc", true)]);
    assert_eq!(only(all.clone(), |t| t, &[]).unwrap().len(), all.len());
    // Deploying the ARC stack alone leaves out every stack that takes its outputs.
    let left = left_out(&plan, &one);
    assert!(left.iter().any(|s| s == "shop-region-switch"), "{left:?}");
    assert!(left_out(&plan, &all).is_empty());
    assert!(refuse_arc_alone(&["shop-arc"], &left).is_err());
    assert!(refuse_arc_alone(&[], &left).is_ok());
    assert!(refuse_arc_alone(&["shop-arc"], &[]).is_ok());
}

fn plan_change(action: ChangeAction, replacement: Option<Replacement>) -> StackReview {
    let resource_type = "AWS::ARCRegionSwitch::Plan";
    StackReview {
        stack: "s-region-switch".into(),
        region: "eu-west-1".into(),
        account: None,
        state: StackState::Changes {
            new_stack: false,
            why: unchanged::Why::Template,
            changes: vec![ChangeReview {
                action,
                logical_id: "PlanEuWest1UsEast1".into(),
                resource_type: resource_type.into(),
                verdict: Verdict::of(resource_type, replacement),
            }],
        },
    }
}

#[test]
fn a_replaced_plan_and_a_removed_plan_still_carried_are_refused() {
    let replaced = [plan_change(ChangeAction::Modify, Some(Replacement::True))];
    let e = refuse_plan_changes(&replaced, &[]).unwrap_err();
    assert!(e.to_string().contains("would be replaced"), "{e}");
    let removed = [plan_change(ChangeAction::Remove, None)];
    assert_eq!(removed_plans(&removed), vec!["PlanEuWest1UsEast1"]);
    let e = refuse_plan_changes(&removed, &["PlanEuWest1UsEast1".into()]).unwrap_err();
    assert!(
        e.to_string().contains("still carry its health checks"),
        "{e}"
    );
    // Removed and no record carries its checks; changed in place: fine.
    assert!(refuse_plan_changes(&removed, &[]).is_ok());
    let modified = [plan_change(ChangeAction::Modify, Some(Replacement::False))];
    assert!(refuse_plan_changes(&modified, &[]).is_ok());
    assert!(removed_plans(&modified).is_empty());
}

#[test]
fn a_plan_is_carried_when_a_kept_stack_takes_one_of_its_checks() {
    let plan = plan_of(SWITCH_DNS);
    let sw = plan.region_switch.as_ref().unwrap();
    let id = sw.plans[0].logical_id.as_str();
    // The parameters the plan's records take, as the model names them.
    let params: Vec<String> = plan
        .stacks
        .iter()
        .flat_map(|s| s.inputs.iter())
        .filter(|i| i.health_check.is_some())
        .map(|i| i.parameter.clone())
        .collect();
    assert!(!params.is_empty());
    assert_eq!(
        carried(&[id], std::slice::from_ref(&params)),
        vec![id.to_string()]
    );
    assert!(carried(&[id], &[vec!["HostedZoneId".into()]]).is_empty());
    assert!(carried(&["PlanOther"], &[params]).is_empty());
}

#[test]
fn orphans_are_stacks_of_this_spec_it_no_longer_renders() {
    let spec = spec_of(EXAMPLE);
    let plan = plan_of(EXAMPLE);
    let o = Orphans::of(&spec, &plan);
    assert_eq!(o.dns_prefix, "demo-dns-");
    assert!(o.arc.is_some(), "ARC is off in the example");
    let wanted: Vec<String> = targets(&plan).into_iter().map(|t| t.name).collect();
    let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let found = Found {
        dns: vec!["demo-dns-web".into(), "demo-dns-gone".into()],
        alarms: vec!["demo-alarms-web".into(), "demo-alarms-gone".into()],
        switch: vec!["demo-region-switch".into()],
        arc: Some(true),
    };
    let d = orphans(&o, &wanted, &found);
    let got: Vec<(&str, DeletionReason)> = d.iter().map(|d| (d.stack.as_str(), d.reason)).collect();
    assert_eq!(
        got,
        vec![
            ("demo-dns-gone", DeletionReason::AppsLeft),
            ("demo-alarms-gone", DeletionReason::AlarmsLeft),
            ("demo-region-switch", DeletionReason::SwitchLeft),
            ("demo-arc", DeletionReason::ArcOff),
        ]
    );
    assert_eq!(o.alarms_prefix, "demo-alarms-");
    assert_eq!(d[1].region, "us-east-1");
    assert!(d[3].detail.as_deref().unwrap().contains("a month"));
    // An ARC cluster that is not gen's stays; nothing found, nothing deleted.
    let d = orphans(
        &o,
        &wanted,
        &Found {
            arc: Some(false),
            ..Found::default()
        },
    );
    assert!(d[0].detail.as_deref().unwrap().contains("not gen's"));
    assert!(orphans(&o, &wanted, &Found::default()).is_empty());
}

#[test]
fn with_switch_on_its_stacks_are_wanted_and_arc_is_not_an_orphan() {
    let spec = spec_of(SWITCH_ARC);
    let plan = plan_of(SWITCH_ARC);
    let o = Orphans::of(&spec, &plan);
    assert!(o.arc.is_none());
    let wanted: Vec<String> = targets(&plan).into_iter().map(|t| t.name).collect();
    let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
    assert!(o.switch_unwanted(&wanted).is_empty());
    // The plans go before the role they run as.
    assert_eq!(o.switch.first().unwrap().0, "shop-region-switch");
    assert_eq!(o.switch.last().unwrap().0, "shop-region-switch-role");
}

#[test]
fn an_alb_that_moved_is_left_once_the_records_use_its_new_name() {
    let spec = spec_with_lock(MOVE, MOVE_LOCK);
    let plan = plan_with_lock(MOVE, MOVE_LOCK);
    let lock = crate::spec::lock::parse(MOVE_LOCK, "gen.lock").unwrap();
    let left = left_albs(&spec, &plan, &lock);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(
        (left[0].region.as_str(), left[0].alb.as_str()),
        ("eu-west-1", "big")
    );
    assert!(!left[0].checks.is_empty());
    // Without `previous`, nothing has left anything.
    let mut none = lock.clone();
    for r in none.regions.values_mut() {
        for a in r.albs.values_mut() {
            a.previous = None;
        }
    }
    assert!(left_albs(&spec, &plan, &none).is_empty());
}

#[test]
fn an_unresolved_alb_or_zone_is_refused_before_any_change_set() {
    let spec = spec_of(EXAMPLE);
    let plan = plan_of(EXAMPLE);
    assert!(ready(&spec, &plan, "gen.yaml").is_ok());
    let no_zone = EXAMPLE.replacen("  zoneId: Z0123456789EXAMPLE\n", "", 1);
    let e = ready(&spec_of(&no_zone), &plan_of(&no_zone), "gen.yaml").unwrap_err();
    assert!(e.to_string().contains("dns.zoneId"), "{e}");
    let no_alb = EXAMPLE.replacen(
        "    albDnsName: demoalb-1234567890.eu-west-1.elb.amazonaws.com\n",
        "",
        1,
    );
    let e = ready(&spec_of(&no_alb), &plan_of(&no_alb), "gen.yaml").unwrap_err();
    assert!(e.to_string().contains("not resolved for ALB"), "{e}");
}

#[test]
fn verdicts_follow_cloudformation_s_replacement() {
    use Replacement::*;
    assert_eq!(
        Verdict::of("AWS::Route53::HealthCheck", Some(True)),
        Verdict::NewCheckId
    );
    assert_eq!(
        Verdict::of("AWS::Route53::RecordSet", Some(True)),
        Verdict::Replaced
    );
    assert_eq!(
        Verdict::of("AWS::Route53::RecordSet", Some(Conditional)),
        Verdict::Conditional
    );
    assert_eq!(
        Verdict::of("AWS::Route53::RecordSet", Some(False)),
        Verdict::InPlace
    );
    assert_eq!(
        Verdict::of("AWS::Route53::RecordSet", None),
        Verdict::InPlace
    );
    assert!(Verdict::NewCheckId.replaces() && !Verdict::Conditional.replaces());
    assert_eq!(
        serde_json::to_string(&ChangeAction::Remove).unwrap(),
        "\"Remove\""
    );
    assert_eq!(ChangeAction::Other(String::new()).to_string(), "");
}

#[test]
fn an_input_takes_its_producer_s_output_or_is_refused_until_it_has_run() {
    let plan = plan_of(SWITCH_ARC);
    let t = targets(&plan);
    let sw = t.last().unwrap();
    let input = &sw.inputs[0];
    let outputs = vec![(input.output.clone(), "arn:aws:x".to_string())];
    assert_eq!(take_output(&sw.name, input, &outputs).unwrap(), "arn:aws:x");
    let e = take_output(&sw.name, input, &[]).unwrap_err();
    assert!(e.to_string().contains("has no output"), "{e}");
    let hint = e.downcast_ref::<crate::diag::Hinted>().unwrap().hint();
    assert!(
        hint.contains(&format!("deploy {} first", input.stack)),
        "{hint}"
    );
}

#[test]
fn a_producer_in_the_middle_of_an_operation_is_refused_as_a_source_of_outputs() {
    assert!(outputs_ready("t", "p", &Producer::Deployed).unwrap());
    assert!(!outputs_ready("t", "p", &Producer::NotDeployed).unwrap());
    let e = outputs_ready("t", "p", &Producer::Unsettled("UPDATE_IN_PROGRESS".into())).unwrap_err();
    assert_eq!(
        e.to_string(),
        "stack p is UPDATE_IN_PROGRESS, so t cannot take its outputs"
    );
}
