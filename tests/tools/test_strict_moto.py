"""Self-test of strict_moto.py: for each rule, a wrong input is refused and the
right one accepted. Plain asserts; exit 0 on success.

Usage: .venv/bin/python tests/tools/test_strict_moto.py
It starts `python tests/tools/strict_moto.py -H 127.0.0.1 -p PORT` as a
subprocess (the same way the integration tests start moto_server).
"""
import json
import re
import os
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

HERE = Path(__file__).resolve().parent
RESULTS = {"passed": 0, "failed": 0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(HERE / "strict_moto.py"), "-H", "127.0.0.1",
                             "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                sys.exit("strict_moto.py did not start")
            time.sleep(0.1)


PROC, URL = start_server()
KW = dict(endpoint_url=URL, region_name="us-west-2", aws_access_key_id="AKIDTESTTESTTEST",
          aws_secret_access_key="test-secret")
R53 = boto3.client("route53", **KW)
CFN = boto3.client("cloudformation", **KW)


def check(name):
    def wrap(fn):
        try:
            fn()
            RESULTS["passed"] += 1
            print(f"ok   {name}")
        except Exception:
            RESULTS["failed"] += 1
            print(f"FAIL {name}")
            traceback.print_exc()
        return fn
    return wrap


def refused(fn, code, text):
    try:
        fn()
    except ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == code, f"expected {code}, got {err}"
        assert text.lower() in err["Message"].lower(), f"expected {text!r} in {err['Message']!r}"
        return err["Message"]
    raise AssertionError(f"expected {code} ({text}), but the call succeeded")


# --- Route 53 helpers ------------------------------------------------------

def zone(name):
    return R53.create_hosted_zone(Name=name, CallerReference=f"{name}-{time.time()}")[
        "HostedZone"]["Id"].split("/")[-1]


def rr(name, sid=None, ip="192.0.2.1", **policy):
    r = {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": ip}]}
    if sid:
        r["SetIdentifier"] = sid
    r.update(policy)
    return r


def batch(zone_id, *changes):
    return R53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": a, "ResourceRecordSet": r} for a, r in changes]})


def records(zone_id, name):
    out = R53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return [r for r in out if r["Name"].rstrip(".") == name.rstrip(".") and r["Type"] == "A"]


# --- CloudFormation helpers ------------------------------------------------

def stack_exists(name):
    try:
        s = CFN.describe_stacks(StackName=name)["Stacks"][0]
        return s["StackStatus"] != "REVIEW_IN_PROGRESS"
    except ClientError:
        return False


def change_set(stack, body, params=None):
    """CreateChangeSet (CREATE or UPDATE, as gen does) + DescribeChangeSet."""
    kind = "UPDATE" if stack_exists(stack) else "CREATE"
    out = CFN.create_change_set(
        StackName=stack, ChangeSetName=f"gen-{int(time.time() * 1000)}", TemplateBody=body,
        ChangeSetType=kind, Description="gen deploy",
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (params or {}).items()])
    return CFN.describe_change_set(ChangeSetName=out["Id"], StackName=stack)


def deploy(stack, body, params=None):
    d = change_set(stack, body, params)
    CFN.execute_change_set(ChangeSetName=d["ChangeSetId"], StackName=stack)
    return d


def changes(d):
    return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in d["Changes"]}


def physical(stack, logical):
    return CFN.describe_stack_resource(StackName=stack, LogicalResourceId=logical)[
        "StackResourceDetail"]["PhysicalResourceId"]


def outputs(stack):
    s = CFN.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in s.get("Outputs") or []}


def health_check(hc_id):
    return R53.get_health_check(HealthCheckId=hc_id)["HealthCheck"]


def hc_ids():
    return {h["Id"] for h in R53.list_health_checks()["HealthChecks"]}


REGIONS = ("eu-west-1", "us-east-1")


def dns_template(zone_id, policy="latency", interval=30, threshold=3, shape="group",
                 zone_key="HostedZoneId", arc=False, extra=""):
    """gen's DNS stack: a health check per region, one RecordSetGroup per app
    (shape="group") or, the old shape, one RecordSet per record."""
    lines = ['AWSTemplateFormatVersion: "2010-09-09"']
    if arc:
        lines += ["Parameters:"] + [f"  RoutingControlHealthCheck{k(r)}: {{Type: String}}"
                                    for r in REGIONS]
    lines.append("Resources:")
    for r in REGIONS:
        lines += [
            f"  HealthCheckApp1{k(r)}:",
            "    Type: AWS::Route53::HealthCheck",
            "    Properties:",
            f"      HealthCheckConfig: {{Type: HTTP, FullyQualifiedDomainName: demoalb-1.{r}.elb.amazonaws.com, "
            f"Port: 80, ResourcePath: /app1health, RequestInterval: {interval}, "
            f"FailureThreshold: {threshold}, MeasureLatency: false}}",
            f"      HealthCheckTags: [{{Key: Name, Value: demo-app1-{r}}}]",
        ]
        if arc:
            lines += [
                f"  CombinedHealthCheckApp1{k(r)}:",
                "    Type: AWS::Route53::HealthCheck",
                "    Properties:",
                f"      HealthCheckConfig: {{Type: CALCULATED, ChildHealthChecks: "
                f"[!Ref HealthCheckApp1{k(r)}, !Ref RoutingControlHealthCheck{k(r)}], HealthThreshold: 2}}",
            ]

    def record(r, i, indent):
        pol = {"latency": f"Region: {r}", "weighted": "Weight: 100",
               "failover": f"Failover: {'PRIMARY' if i == 0 else 'SECONDARY'}"}[policy]
        hc = f"CombinedHealthCheckApp1{k(r)}" if arc else f"HealthCheckApp1{k(r)}"
        p = " " * indent
        return [f"{p}Name: app1.example.com.", f"{p}Type: A", f"{p}SetIdentifier: {r}", f"{p}{pol}",
                f"{p}HealthCheckId: !Ref {hc}",
                f"{p}AliasTarget: {{DNSName: demoalb-1.{r}.elb.amazonaws.com, "
                "HostedZoneId: Z32O12XQLNTSW2, EvaluateTargetHealth: false}"]

    zone_line = f"{zone_key}: {zone_id}"
    if shape == "group":
        lines += ["  RecordsApp1:", "    Type: AWS::Route53::RecordSetGroup", "    Properties:",
                  f"      {zone_line}", "      RecordSets:"]
        for i, r in enumerate(REGIONS):
            rec = record(r, i, 10)
            rec[0] = "        - " + rec[0].strip()
            lines += rec
    else:
        for i, r in enumerate(REGIONS):
            lines += [f"  RecordApp1{k(r)}:", "    Type: AWS::Route53::RecordSet", "    Properties:",
                      f"      {zone_line}"] + record(r, i, 6)
    return "\n".join(lines) + "\n" + extra


def k(region):
    return "".join(p.capitalize() for p in region.split("-"))


def arc_template(cluster="shop", export=False, generation=""):
    """gen's ARC stack (us-west-2); `generation` suffixes the logical IDs of
    the RECOVERY_CONTROL checks, as gen does per cluster."""
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Resources:",
             "  Cluster:", "    Type: AWS::Route53RecoveryControl::Cluster",
             f"    Properties: {{Name: {cluster}}}",
             "  ControlPanel:", "    Type: AWS::Route53RecoveryControl::ControlPanel",
             "    Properties: {ClusterArn: !Ref Cluster, Name: shop-panel}"]
    prev = None
    for r in REGIONS:
        lines += [f"  RoutingControl{k(r)}:", "    Type: AWS::Route53RecoveryControl::RoutingControl"]
        if prev:
            lines.append(f"    DependsOn: RoutingControl{prev}")
        lines += [f"    Properties: {{ClusterArn: !Ref Cluster, ControlPanelArn: !Ref ControlPanel, "
                  f"Name: {r}}}"]
        prev = k(r)
    lines += ["  SafetyRule:", "    Type: AWS::Route53RecoveryControl::SafetyRule", "    Properties:",
              "      ControlPanelArn: !Ref ControlPanel", "      Name: at-least-one",
              "      RuleConfig: {Type: ATLEAST, Threshold: 1, Inverted: false}",
              "      AssertionRule:", "        WaitPeriodMs: 5000", "        AssertedControls:"]
    lines += [f"          - !Ref RoutingControl{k(r)}" for r in REGIONS]
    for r in REGIONS:
        lines += [f"  RoutingControlHealthCheck{k(r)}{generation}:", "    Type: AWS::Route53::HealthCheck",
                  "    Properties:",
                  f"      HealthCheckConfig: {{Type: RECOVERY_CONTROL, RoutingControlArn: !Ref RoutingControl{k(r)}}}"]
    lines.append("Outputs:")
    for r in REGIONS:
        lines += [f"  RoutingControlHealthCheck{k(r)}Id:",
                  f"    Value: !Ref RoutingControlHealthCheck{k(r)}{generation}"]
        if export:
            lines.append(f"    Export: {{Name: shop-arc-{k(r)}-health-check}}")
    return "\n".join(lines) + "\n"


# --- R53-1 .. R53-4 --------------------------------------------------------

Z = zone("example.com")


@check("R53-1 a batch that breaks a rule changes nothing")
def _():
    refused(lambda: batch(Z, ("CREATE", rr("all.example.com", "a", Weight=10)),
                          ("CREATE", rr("all.example.com", "b", Region="eu-west-1"))),
            "InvalidChangeBatch", "routing policies")
    assert records(Z, "all.example.com") == [], "the valid first change was applied"
    batch(Z, ("CREATE", rr("all.example.com", "a", Weight=10)),
          ("CREATE", rr("all.example.com", "b", Weight=20)))
    assert len(records(Z, "all.example.com")) == 2


@check("R53-2 one routing policy per name and type")
def _():
    batch(Z, ("CREATE", rr("lat.example.com", "eu", Region="eu-west-1")),
          ("CREATE", rr("lat.example.com", "us", Region="us-east-1")))
    refused(lambda: batch(Z, ("CREATE", rr("lat.example.com", "w", Weight=1))),
            "InvalidChangeBatch", "routing policies")
    refused(lambda: batch(Z, ("CREATE", rr("lat.example.com"))), "InvalidChangeBatch", "routing policies")
    # The same switch in ONE batch is fine: the resulting state is all weighted.
    batch(Z, ("DELETE", rr("lat.example.com", "eu", Region="eu-west-1")),
          ("DELETE", rr("lat.example.com", "us", Region="us-east-1")),
          ("CREATE", rr("lat.example.com", "eu", Weight=1)),
          ("CREATE", rr("lat.example.com", "us", Weight=2)))
    assert {r.get("Weight") for r in records(Z, "lat.example.com")} == {1, 2}


@check("R53-3 at most one PRIMARY and one SECONDARY")
def _():
    refused(lambda: batch(Z, ("CREATE", rr("fo.example.com", "a", Failover="PRIMARY")),
                          ("CREATE", rr("fo.example.com", "b", Failover="PRIMARY"))),
            "InvalidChangeBatch", "only one PRIMARY")
    batch(Z, ("CREATE", rr("fo.example.com", "a", Failover="PRIMARY")),
          ("CREATE", rr("fo.example.com", "b", Failover="SECONDARY")))
    assert len(records(Z, "fo.example.com")) == 2


@check("R53-4 CREATE of an existing record, DELETE of a missing or different one")
def _():
    batch(Z, ("CREATE", rr("one.example.com", "x", Weight=5)))
    refused(lambda: batch(Z, ("CREATE", rr("one.example.com", "x", Weight=7))),
            "InvalidChangeBatch", "already exists")
    refused(lambda: batch(Z, ("CREATE", rr("dup.example.com", "x", Weight=7)),
                          ("CREATE", rr("dup.example.com", "x", Weight=8))),
            "InvalidChangeBatch", "already exists")
    refused(lambda: batch(Z, ("DELETE", rr("one.example.com", "y", Weight=5))),
            "InvalidChangeBatch", "not found")
    refused(lambda: batch(Z, ("DELETE", rr("one.example.com", "x", Weight=6))),
            "InvalidChangeBatch", "do not match")
    # moto deleted every record with that SetIdentifier in the zone; only this one goes.
    batch(Z, ("CREATE", rr("two.example.com", "x", Weight=5)))
    batch(Z, ("DELETE", rr("one.example.com", "x", Weight=5)))
    assert records(Z, "one.example.com") == [] and len(records(Z, "two.example.com")) == 1
    batch(Z, ("UPSERT", rr("two.example.com", "x", Weight=9)))
    assert records(Z, "two.example.com")[0]["Weight"] == 9


# --- CloudFormation --------------------------------------------------------

EXPORTER = """Resources:
  Check:
    Type: AWS::Route53::HealthCheck
    Properties:
      HealthCheckConfig: {Type: HTTP, FullyQualifiedDomainName: x.example.com, Port: 80, ResourcePath: /%s}
Outputs:
  CheckId:
    Value: !Ref Check
    Export: {Name: shared-check-id}
%s"""

IMPORTER = """Resources:
  Calc:
    Type: AWS::Route53::HealthCheck
    Properties:
      HealthCheckConfig: {Type: CALCULATED, ChildHealthChecks: [!ImportValue %s], HealthThreshold: 1}
"""


@check("CFN-1 Fn::ImportValue of a missing export fails at CreateChangeSet")
def _():
    refused(lambda: change_set("importer", IMPORTER % "no-such-export"), "ValidationError",
            "No export named no-such-export found")
    assert not any(s["StackName"] == "importer" for s in CFN.list_stacks()["StackSummaries"]), \
        "a failed CreateChangeSet left a stack behind"
    refused(lambda: CFN.create_stack(StackName="importer2", TemplateBody=IMPORTER % "no-such-export"),
            "ValidationError", "No export named")
    deploy("exporter", EXPORTER % ("a", ""))
    deploy("importer", IMPORTER % "shared-check-id")
    check_id = outputs("exporter")["CheckId"]
    calc = health_check(physical("importer", "Calc"))
    assert calc["HealthCheckConfig"]["ChildHealthChecks"] == [check_id], calc


@check("CFN-2 an export in use cannot be changed, removed or deleted")
def _():
    no_export = EXPORTER.split("Outputs:")[0]
    refused(lambda: change_set("exporter", no_export), "ValidationError",
            "Export shared-check-id cannot be deleted as it is in use by importer")
    # RequestInterval is create-only: the check is replaced, so the value changes.
    refused(lambda: change_set("exporter", (EXPORTER % ("a", "")).replace(
        "ResourcePath: /a}", "ResourcePath: /a, RequestInterval: 10}")), "ValidationError",
        "Cannot update export shared-check-id as it is in use by importer")
    refused(lambda: CFN.delete_stack(StackName="exporter"), "ValidationError", "in use by importer")
    # Changing what keeps the value (an in-place update, another output) is fine.
    deploy("exporter", EXPORTER % ("b", "  Other: {Value: hello}\n"))
    assert outputs("exporter")["Other"] == "hello"
    CFN.delete_stack(StackName="importer")
    CFN.delete_stack(StackName="exporter")
    assert not stack_exists("exporter")


@check("CFN-3 a RecordSetGroup switches policy in one batch; RecordSet resources fail half-way")
def _():
    z = zone("example.com")  # a second zone of that name: ID-addressed, as gen does
    deploy("dns-group", dns_template(z, "latency"))
    assert {r.get("Region") for r in records(z, "app1.example.com")} == set(REGIONS)
    d = deploy("dns-group", dns_template(z, "weighted"))
    assert changes(d)["RecordsApp1"]["Action"] == "Modify"
    got = records(z, "app1.example.com")
    assert [r.get("Weight") for r in got] == [100, 100] and not any("Region" in r for r in got), got
    # The old shape: one RecordSet per record, each its own batch.
    z2 = zone("example.com")
    deploy("dns-records", dns_template(z2, "latency", shape="records"))
    assert len(records(z2, "app1.example.com")) == 2
    refused(lambda: deploy("dns-records", dns_template(z2, "weighted", shape="records")),
            "ValidationError", "routing policies")
    events = CFN.describe_stack_events(StackName="dns-records")["StackEvents"]
    assert any(e["ResourceStatus"] == "UPDATE_FAILED" and e["LogicalResourceId"].startswith("RecordApp1")
               for e in events), events
    # A group is one batch on create too: two failover PRIMARYs fail the whole group.
    z3 = zone("example.com")
    bad = dns_template(z3, "failover").replace("Failover: SECONDARY", "Failover: PRIMARY")
    refused(lambda: deploy("dns-bad", bad), "ValidationError", "only one PRIMARY")
    assert records(z3, "app1.example.com") == []
    deploy("dns-failover", dns_template(z3, "failover"))
    assert {r["Failover"] for r in records(z3, "app1.example.com")} == {"PRIMARY", "SECONDARY"}
    CFN.delete_stack(StackName="dns-failover")
    assert records(z3, "app1.example.com") == [], "moto left the group's records behind"


@check("CFN-4 create-only changes replace (new first, refs re-pointed, old deleted); others in place")
def _():
    z = zone("example.com")
    deploy("dns-hc", dns_template(z, "latency"))
    old = physical("dns-hc", "HealthCheckApp1EuWest1")
    # In place: FailureThreshold is not create-only.
    d = change_set("dns-hc", dns_template(z, "latency", threshold=5))
    assert changes(d)["HealthCheckApp1EuWest1"]["Replacement"] == "False", changes(d)
    CFN.execute_change_set(ChangeSetName=d["ChangeSetId"], StackName="dns-hc")
    hc = health_check(old)
    assert hc["HealthCheckConfig"]["FailureThreshold"] == 5 and hc["HealthCheckVersion"] == 2, hc
    # Replacement: RequestInterval is create-only.
    d = change_set("dns-hc", dns_template(z, "latency", threshold=5, interval=10))
    c = changes(d)
    assert c["HealthCheckApp1EuWest1"]["Replacement"] == "True", c
    assert c["RecordsApp1"]["Action"] == "Modify", c
    CFN.execute_change_set(ChangeSetName=d["ChangeSetId"], StackName="dns-hc")
    new = physical("dns-hc", "HealthCheckApp1EuWest1")
    assert new != old and old not in hc_ids() and new in hc_ids()
    assert health_check(new)["HealthCheckConfig"]["RequestInterval"] == 10
    ids = {r["SetIdentifier"]: r.get("HealthCheckId") for r in records(z, "app1.example.com")}
    assert ids["eu-west-1"] == new, ids
    # HostedZoneId is create-only: the group is recreated in the new zone first.
    z_new = zone("example.com")
    d = change_set("dns-hc", dns_template(z_new, "latency", threshold=5, interval=10))
    assert changes(d)["RecordsApp1"]["Replacement"] == "True", changes(d)
    CFN.execute_change_set(ChangeSetName=d["ChangeSetId"], StackName="dns-hc")
    assert records(z, "app1.example.com") == [] and len(records(z_new, "app1.example.com")) == 2
    # moto reported no Replacement at all and applied no health-check update.


@check("CFN-5 HostedZoneName matching several zones fails; a unique one works")
def _():
    refused(lambda: deploy("dns-byname", dns_template("example.com.", zone_key="HostedZoneName")),
            "ValidationError", "more than one hosted zone")
    zone("example.org")
    body = dns_template("example.org.", zone_key="HostedZoneName").replace("example.com.", "example.org.")
    deploy("dns-byname2", body)
    assert outputs("dns-byname2") == {}
    assert CFN.describe_stacks(StackName="dns-byname2")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


@check("ARC-1 ARC stack deploys; RECOVERY_CONTROL and CALCULATED checks keep their settings")
def _():
    bad = arc_template().replace("ClusterArn: !Ref Cluster, Name: shop-panel",
                                 "ClusterArn: arn:aws:route53-recovery-control::123456789012:cluster/nope, Name: p")
    refused(lambda: deploy("arc-bad", bad), "ValidationError", "not found")
    deploy("shop-arc", arc_template())
    out = outputs("shop-arc")
    assert set(out) == {f"RoutingControlHealthCheck{k(r)}Id" for r in REGIONS}, out
    cluster = physical("shop-arc", "Cluster")
    assert cluster.startswith("arn:aws:route53-recovery-control::123456789012:cluster/"), cluster
    rc = physical("shop-arc", "RoutingControlEuWest1")
    assert rc.startswith(physical("shop-arc", "ControlPanel") + "/routingcontrol/"), rc
    hc = health_check(out["RoutingControlHealthCheckEuWest1Id"])["HealthCheckConfig"]
    assert hc["Type"] == "RECOVERY_CONTROL" and hc["RoutingControlArn"] == rc, hc
    z = zone("example.net")
    body = dns_template(z, arc=True).replace("app1.example.com.", "app1.example.net.")
    deploy("shop-dns", body, {f"RoutingControlHealthCheck{k(r)}": out[f"RoutingControlHealthCheck{k(r)}Id"]
                              for r in REGIONS})
    calc = health_check(physical("shop-dns", "CombinedHealthCheckApp1EuWest1"))["HealthCheckConfig"]
    assert calc["Type"] == "CALCULATED" and calc["HealthThreshold"] == 2, calc
    assert calc["ChildHealthChecks"] == [physical("shop-dns", "HealthCheckApp1EuWest1"),
                                         out["RoutingControlHealthCheckEuWest1Id"]], calc
    listed = {h["Id"]: h for h in R53.list_health_checks()["HealthChecks"]}
    assert listed[out["RoutingControlHealthCheckEuWest1Id"]]["HealthCheckConfig"]["RoutingControlArn"] == rc
    # Cluster Name is create-only: the cluster is replaced and its ARN changes.
    d = change_set("shop-arc", arc_template(cluster="shop2"))
    c = changes(d)
    assert c["Cluster"]["Replacement"] == "True" and c["ControlPanel"]["Replacement"] == "Conditional", c
    CFN.delete_change_set(ChangeSetName=d["ChangeSetId"], StackName="shop-arc")


@check("ARC-2 a RECOVERY_CONTROL check cannot be re-pointed; a new logical ID replaces it")
def _():
    deploy("arc2", arc_template())
    rc = physical("arc2", "RoutingControlEuWest1")
    # The same checks re-pointed at the new cluster's controls: refused.
    d = change_set("arc2", arc_template(cluster="shop2"))
    refused(lambda: CFN.execute_change_set(ChangeSetName=d["ChangeSetId"], StackName="arc2"),
            "ValidationError", "Update is not supported for this health check type")
    # New checks (new logical IDs) for the new controls: accepted.
    CFN.delete_stack(StackName="arc2")
    deploy("arc2", arc_template())
    old = outputs("arc2")
    deploy("arc2", arc_template(cluster="shop2", generation="G2"))
    new = outputs("arc2")
    rc2 = physical("arc2", "RoutingControlEuWest1")
    assert rc2 != rc
    assert new["RoutingControlHealthCheckEuWest1Id"] != old["RoutingControlHealthCheckEuWest1Id"]
    hc = health_check(new["RoutingControlHealthCheckEuWest1Id"])["HealthCheckConfig"]
    assert hc["RoutingControlArn"] == rc2, hc


@check("CFN-6: an unchanged stack with parameters gets a FAILED change set, not an error")
def _():
    body = json.dumps({"Parameters": {"P": {"Type": "String"}},
                       "Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
    deploy("cfn6", body, {"P": "a"})
    d = change_set("cfn6", body, {"P": "a"})
    assert d["Status"] == "FAILED", d
    assert "didn't contain changes" in d["StatusReason"], d
    d = change_set("cfn6", body, {"P": "b"})
    assert d["Status"] == "CREATE_COMPLETE", d


@check("CFN-7: a stack with termination protection is not deleted")
def _():
    body = json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
    deploy("cfn7", body)
    CFN.update_termination_protection(StackName="cfn7", EnableTerminationProtection=True)
    assert CFN.describe_stacks(StackName="cfn7")["Stacks"][0]["EnableTerminationProtection"]
    refused(lambda: CFN.delete_stack(StackName="cfn7"), "ValidationError",
            "cannot be deleted while TerminationProtection is enabled")
    assert stack_exists("cfn7")
    CFN.update_termination_protection(StackName="cfn7", EnableTerminationProtection=False)
    CFN.delete_stack(StackName="cfn7")
    assert not stack_exists("cfn7")


@check("CFN-8: DescribeStacks without a name pages through every stack with its outputs")
def _():
    def body(v):
        return json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}},
                           "Outputs": {"Digest": {"Value": v}}})
    names = [f"cfn8-{i}" for i in range(60)]
    for n in names:
        deploy(n, body("one"))
    deploy("cfn8-0", body("two"))
    seen, token, pages = {}, None, 0
    while True:
        page = CFN.describe_stacks(**({"NextToken": token} if token else {}))
        pages += 1
        for st in page["Stacks"]:
            seen[st["StackName"]] = {o["OutputKey"]: o["OutputValue"] for o in st.get("Outputs", [])}
        token = page.get("NextToken")
        if not token:
            break
    assert pages >= 2, pages
    assert all(n in seen for n in names), sorted(seen)
    assert seen["cfn8-0"] == {"Digest": "two"} and seen["cfn8-1"] == {"Digest": "one"}, seen["cfn8-0"]


@check("calls are counted by service and action, and the count resets")
def _():
    import urllib.request
    urllib.request.urlopen(URL + "/_gen/calls/reset").read()
    CFN.describe_stacks()
    R53.list_hosted_zones()
    got = json.loads(urllib.request.urlopen(URL + "/_gen/calls").read())
    assert got["calls"] == {"cloudformation:DescribeStacks": 1,
                            "route53:GET /2013-04-01/hostedzone": 1}, got
    assert got["total"] == 2, got


@check("R53-5: geolocation records: one per location, continent codes alone, US states only")
def _():
    z = zone("geo5.example.com")
    geo = lambda sid, **g: rr("g.geo5.example.com", sid, GeoLocation=g)
    batch(z, ("CREATE", geo("eu", ContinentCode="EU")), ("CREATE", geo("d", CountryCode="*")),
          ("CREATE", geo("ca", CountryCode="US", SubdivisionCode="CA")))
    refused(lambda: batch(z, ("CREATE", geo("eu2", ContinentCode="EU"))),
            "InvalidChangeBatch", "same location")
    refused(lambda: batch(z, ("CREATE", geo("x", ContinentCode="EU", CountryCode="DE"))),
            "InvalidChangeBatch", "ContinentCode beside CountryCode")
    refused(lambda: batch(z, ("CREATE", geo("y", ContinentCode="XX"))),
            "InvalidChangeBatch", "continentCode")
    refused(lambda: batch(z, ("CREATE", geo("q", CountryCode="CA", SubdivisionCode="QC"))),
            "InvalidChangeBatch", "SubdivisionCode without CountryCode US")
    assert len(records(z, "g.geo5.example.com.")) == 3


@check("R53-6: geoproximity records are kept, with one location each and a bias in range")
def _():
    z = zone("geo6.example.com")
    gp = lambda sid, **g: rr("p.geo6.example.com", sid, GeoProximityLocation=g)
    batch(z, ("CREATE", gp("a", AWSRegion="eu-west-1", Bias=10)),
          ("CREATE", gp("b", AWSRegion="us-east-1")))
    got = records(z, "p.geo6.example.com.")
    assert len(got) == 2, got
    refused(lambda: batch(z, ("CREATE", gp("c", AWSRegion="eu-central-1", Bias=100))),
            "InvalidChangeBatch", "outside -99 to 99")
    refused(lambda: batch(z, ("CREATE", gp("d", AWSRegion="eu-west-1"))),
            "InvalidChangeBatch", "same location")
    refused(lambda: batch(z, ("CREATE", rr("p.geo6.example.com", "e", Weight=1))),
            "InvalidChangeBatch", "cannot mix routing policies")


@check("RS-2: a plan's triggers name its alarms and Regions; RDS promotion is active/passive only")
def _():
    def body(trigger_alarm="a1", approach="activePassive"):
        block = {"Name": "db", "ExecutionBlockType": "RdsPromoteReadReplica",
                 "ExecutionBlockConfiguration": {"RdsPromoteReadReplicaConfig": {
                     "DbInstanceArnMap": {"eu-west-1": "arn:aws:rds:eu-west-1:1:db:x",
                                          "us-east-1": "arn:aws:rds:us-east-1:1:db:y"}}}}
        return json.dumps({"Resources": {"P": {"Type": "AWS::ARCRegionSwitch::Plan", "Properties": {
            "Name": "rs2", "ExecutionRole": "arn:aws:iam::1:role/r",
            "Regions": ["eu-west-1", "us-east-1"], "RecoveryApproach": approach,
            "AssociatedAlarms": {"a1": {"AlarmType": "trigger", "ResourceIdentifier": "arn"}},
            "Triggers": [{"Action": "activate", "TargetRegion": "us-east-1",
                          "MinDelayMinutesBetweenExecutions": 60,
                          "Conditions": [{"AssociatedAlarmName": trigger_alarm, "Condition": "red"}]}],
            "Workflows": [{"WorkflowTargetAction": "activate", "WorkflowTargetRegion": "us-east-1",
                           "Steps": [{"Name": "p", "ExecutionBlockType": "Parallel",
                                      "ExecutionBlockConfiguration": {"ParallelConfig": {
                                          "Steps": [block]}}}]}]}}}})
    deploy("rs2", body())
    refused(lambda: deploy("rs2b", body(trigger_alarm="nope")), "ValidationError",
            "not an associated alarm")
    refused(lambda: deploy("rs2c", body(approach="activeActive")), "ValidationError",
            "active/passive plans")
    # An update is checked too, and a good one keeps the plan's ARN.
    arn = physical("rs2", "P")
    refused(lambda: deploy("rs2", body(trigger_alarm="nope")), "ValidationError",
            "not an associated alarm")
    deploy("rs2", body().replace('"Condition": "red"', '"Condition": "green"'))
    assert physical("rs2", "P") == arn


@check("RS-1: a Region switch plan's Ref is its ARN, in the API's form, kept on update")
def _():
    def body(desc):
        return json.dumps({
            "Resources": {"P": {"Type": "AWS::ARCRegionSwitch::Plan", "Properties": {
                "Name": "shop-a-b", "Description": desc, "ExecutionRole": "arn:aws:iam::1:role/r",
                "Regions": ["eu-west-1", "us-east-1"], "RecoveryApproach": "activeActive",
                "Workflows": []}}},
            "Outputs": {"Arn": {"Value": {"Ref": "P"}}}})
    deploy("rs1", body("one"))
    arn = outputs("rs1")["Arn"]
    assert re.fullmatch(r"arn:aws:arc-region-switch::[0-9]{12}:plan/shop-a-b:[a-z0-9]{6}", arn), arn
    deploy("rs1", body("two"))
    assert outputs("rs1")["Arn"] == arn, outputs("rs1")


def alarm_template(period=60, statistic="Minimum", name="cw1"):
    return json.dumps({
        "Parameters": {"Check": {"Type": "String"}},
        "Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": name, "Namespace": "AWS/Route53", "MetricName": "HealthCheckStatus",
            "Dimensions": [{"Name": "HealthCheckId", "Value": {"Ref": "Check"}}],
            "Statistic": statistic, "Period": period, "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "missing"}}},
        "Outputs": {"Name": {"Value": {"Ref": "A"}}}})


@check("CW-1: an alarm made by CloudFormation is CloudWatch's, Ref its name, gone with its stack")
def _():
    cw = boto3.client("cloudwatch", **KW)
    deploy("cw1", alarm_template(), {"Check": "abc"})
    assert outputs("cw1")["Name"] == "cw1", outputs("cw1")
    alarm = cw.describe_alarms(AlarmNames=["cw1"])["MetricAlarms"][0]
    assert alarm["Dimensions"] == [{"Name": "HealthCheckId", "Value": "abc"}], alarm
    CFN.delete_stack(StackName="cw1")
    assert not cw.describe_alarms(AlarmNames=["cw1"])["MetricAlarms"]


@check("CW-2: a new alarm starts INSUFFICIENT_DATA and keeps its state on update")
def _():
    cw = boto3.client("cloudwatch", **KW)
    deploy("cw2", alarm_template(name="cw2"), {"Check": "abc"})
    assert cw.describe_alarms(AlarmNames=["cw2"])["MetricAlarms"][0]["StateValue"] == \
        "INSUFFICIENT_DATA"
    cw.put_metric_alarm(AlarmName="cw2-direct", Namespace="AWS/Route53",
                        MetricName="HealthCheckStatus", Statistic="Minimum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold")
    assert cw.describe_alarms(AlarmNames=["cw2-direct"])["MetricAlarms"][0]["StateValue"] == \
        "INSUFFICIENT_DATA"
    cw.set_alarm_state(AlarmName="cw2", StateValue="ALARM", StateReason="test")
    deploy("cw2", alarm_template(name="cw2"), {"Check": "def"})
    alarm = cw.describe_alarms(AlarmNames=["cw2"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM" and alarm["Dimensions"][0]["Value"] == "def", alarm


@check("CW-3: an alarm's period and statistic keep to their documented values")
def _():
    refused(lambda: deploy("cw3a", alarm_template(period=45, name="cw3a"), {"Check": "x"}),
            "ValidationError", "Period 45")
    refused(lambda: deploy("cw3b", alarm_template(statistic="Median", name="cw3b"),
                           {"Check": "x"}), "ValidationError", "Statistic")
    deploy("cw3c", alarm_template(period=120, name="cw3c"), {"Check": "x"})


@check("CW-4: DescribeAlarms speaks Smithy RPC v2 CBOR, and refuses more than 100 names")
def _():
    import cbor2
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import urllib.request
    cw = boto3.client("cloudwatch", **dict(KW, region_name="eu-west-1"))
    cw.put_metric_alarm(AlarmName="cw4", Namespace="AWS/Route53", MetricName="HealthCheckStatus",
                        Statistic="Minimum", Period=60, EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="LessThanThreshold")
    cw.set_alarm_state(AlarmName="cw4", StateValue="ALARM", StateReason="test")

    def call(body):
        url = URL + "/service/GraniteServiceVersion20100801/operation/DescribeAlarms"
        req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=cbor2.dumps(body),
                                             headers={"Content-Type": "application/cbor",
                                                      "smithy-protocol": "rpc-v2-cbor"})
        creds = botocore.credentials.Credentials("AKIDTESTTESTTEST", "test-secret")
        botocore.auth.SigV4Auth(creds, "monitoring", "eu-west-1").add_auth(req)
        r = urllib.request.Request(url, data=req.body, headers=dict(req.headers), method="POST")
        try:
            with urllib.request.urlopen(r) as resp:
                return resp.status, cbor2.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, cbor2.loads(e.read())

    status, out = call({"AlarmNames": ["cw4", "missing"]})
    assert status == 200, out
    assert [(a["AlarmName"], a["StateValue"]) for a in out["MetricAlarms"]] == [("cw4", "ALARM")], out
    status, out = call({"AlarmNames": [f"a{i}" for i in range(101)]})
    assert status == 400 and out["__type"] == "ValidationError", out


@check("CW-5: GetMetricData speaks CBOR, answers from PutMetricData, refuses 501 queries")
def _():
    import datetime as dt
    import urllib.request
    cbor2 = __import__("cbor2")
    cw = boto3.client("cloudwatch", **dict(KW, region_name="us-east-1"))
    now = time.time()
    cw.put_metric_data(Namespace="AWS/Route53", MetricData=[
        {"MetricName": "HealthCheckStatus", "Value": v, "Timestamp": dt.datetime.fromtimestamp(t, dt.timezone.utc),
         "Dimensions": [{"Name": "HealthCheckId", "Value": "hc-1"}]}
        for t, v in ((now - 150, 1.0), (now - 90, 0.0))])

    def query(i, check="hc-1"):
        return {"Id": i, "ReturnData": True, "MetricStat": {"Period": 60, "Stat": "Minimum", "Metric": {
            "Namespace": "AWS/Route53", "MetricName": "HealthCheckStatus",
            "Dimensions": [{"Name": "HealthCheckId", "Value": check}]}}}

    def call(queries):
        body = cbor2.dumps({"MetricDataQueries": queries, "StartTime": cbor2.CBORTag(1, now - 600),
                            "EndTime": cbor2.CBORTag(1, now), "ScanBy": "TimestampDescending"})
        req = urllib.request.Request(
            URL + "/service/GraniteServiceVersion20100801/operation/GetMetricData", data=body,
            method="POST", headers={"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor",
                                    "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/monitoring/aws4_request"})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, cbor2.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, cbor2.loads(e.read())

    status, out = call([query("c0"), query("c1", "hc-none")])
    assert status == 200, out
    first, none = out["MetricDataResults"]
    assert first["Values"] == [0.0, 1.0] and len(first["Timestamps"]) == 2, first
    assert none["Values"] == [], none
    status, out = call([query(f"c{i}") for i in range(501)])
    assert status == 400 and out["__type"] == "ValidationError", out
    status, out = call([query("C0")])
    assert status == 400 and "lowercase" in out["message"], out


@check("STS-1: AssumeRole needs a role that exists and trusts the caller, with its external ID")
def _():
    sts = boto3.client("sts", **KW)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Condition": {"StringEquals": {"sts:ExternalId": "gen-2026"}}}]}
    target = "arn:aws:iam::222222222222:role/gen"
    # No such role in account 222222222222 yet (moto would hand out keys).
    refused(lambda: sts.assume_role(RoleArn=target, RoleSessionName="gen", ExternalId="gen-2026"),
            "AccessDenied", "not authorized to perform: sts:AssumeRole")
    # Made in that account (moto's account header reaches its IAM).
    iam2 = boto3.client("iam", **KW)
    iam2.meta.events.register("before-send.iam.*", lambda request, **kw: request.headers.__setitem__("x-moto-account-id", "222222222222"))
    iam2.create_role(RoleName="gen", AssumeRolePolicyDocument=json.dumps(trust))
    refused(lambda: sts.assume_role(RoleArn=target, RoleSessionName="gen"),
            "AccessDenied", "sts:AssumeRole")
    refused(lambda: sts.assume_role(RoleArn=target, RoleSessionName="gen", ExternalId="other"),
            "AccessDenied", "sts:AssumeRole")
    out = sts.assume_role(RoleArn=target, RoleSessionName="gen", ExternalId="gen-2026")
    assert out["AssumedRoleUser"]["Arn"].startswith("arn:aws:sts::222222222222:assumed-role/gen/"), out
    # The keys it hands out act in that account.
    creds = out["Credentials"]
    them = boto3.client("sts", endpoint_url=URL, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                      aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    assert them.get_caller_identity()["Account"] == "222222222222"


@check("moto_r53.py still reads the state")
def _():
    out = subprocess.run([sys.executable, str(HERE / "moto_r53.py"), URL, "dump", "example.org"],
                         capture_output=True, text=True, check=True).stdout
    assert "app1.example.org" in out, out


PROC.terminate()
PROC.wait(timeout=10)
print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
sys.exit(1 if RESULTS["failed"] else 0)
