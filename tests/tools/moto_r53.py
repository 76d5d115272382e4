"""Read and seed the moto server for gen's deploy tests, with boto3.

Usage: moto_r53.py ENDPOINT create-zone NAME
       moto_r53.py ENDPOINT create-private-zone NAME  a private zone (split horizon)
       moto_r53.py ENDPOINT dump ZONE_NAME        records and health checks, as JSON
       moto_r53.py ENDPOINT stacks PREFIX          [{name, status}] in us-west-2
       moto_r53.py ENDPOINT change-sets STACK      a stack's change sets not yet executed
       moto_r53.py ENDPOINT outputs STACK          a stack's outputs, {key: value}
       moto_r53.py ENDPOINT alarms PREFIX          us-east-1's alarms: [{name, state, check}]
       moto_r53.py ENDPOINT set-weight NAME|SET|W  an edit in the console: record NAME's weight
       moto_r53.py ENDPOINT alarm-state NAME=STATE set a us-east-1 alarm's state
       moto_r53.py ENDPOINT health ID=0|1[,...]    a HealthCheckStatus point a minute ago, as Route 53
                                                   sends it to us-east-1's CloudWatch
       moto_r53.py ENDPOINT health-all 0|1         the same for every check a us-west-2 stack outputs
       moto_r53.py ENDPOINT edit-check ID=PATH     an edit in the console: a health check's ResourcePath
       moto_r53.py ENDPOINT strip-digest STACK     an update outside gen: the stack's template
                                                   without gen's digest output
       moto_r53.py ENDPOINT create-role NAME|TRUSTED|EXTERNAL_ID
                                                   an IAM role that account TRUSTED may assume (with
                                                   EXTERNAL_ID when not empty)
       moto_r53.py ENDPOINT stacks-in REGION       [{name, status}] of every stack in REGION

With MOTO_ACCOUNT set, every call acts in that account (moto's
x-moto-account-id header) instead of the credentials' own (123456789012).
"""
import json
import os
import sys

import boto3
import boto3.session


def main():
    endpoint, cmd, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    kw = dict(endpoint_url=endpoint, region_name="us-west-2",
              aws_access_key_id="AKIDTESTTESTTEST", aws_secret_access_key="test-secret")
    account = os.environ.get("MOTO_ACCOUNT")
    if account:
        session = boto3.session.Session()
        session.events.register("before-send.*.*", lambda request, **_: request.headers.__setitem__(
            "x-moto-account-id", account))
        boto3.DEFAULT_SESSION = session
    r53 = boto3.client("route53", **kw)
    cfn = boto3.client("cloudformation", **kw)
    if cmd == "create-zone":
        print(r53.create_hosted_zone(Name=arg, CallerReference=arg)["HostedZone"]["Id"])
    elif cmd == "create-private-zone":
        print(r53.create_hosted_zone(
            Name=arg, CallerReference=arg + "-private",
            VPC={"VPCRegion": "us-west-2", "VPCId": "vpc-12345678"},
            HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"])
    elif cmd == "dump":
        zone = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == arg.rstrip(".") + "."][0]
        records = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        checks = r53.list_health_checks()["HealthChecks"]
        print(json.dumps({
            "records": [r for r in records if r["Type"] == "A"],
            "all_records": records,
            "health_checks": [dict(c["HealthCheckConfig"], Id=c["Id"]) for c in checks],
        }, default=str))
    elif cmd == "create-role":
        name, trusted, external = arg.split("|")
        statement = {"Effect": "Allow", "Action": "sts:AssumeRole",
                     "Principal": {"AWS": f"arn:aws:iam::{trusted}:root"}}
        if external:
            statement["Condition"] = {"StringEquals": {"sts:ExternalId": external}}
        iam = boto3.client("iam", **kw)
        print(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [statement]}))["Role"]["Arn"])
    elif cmd == "stacks-in":
        summaries = boto3.client("cloudformation", **dict(kw, region_name=arg)).list_stacks()["StackSummaries"]
        print(json.dumps([{"name": s["StackName"], "status": s["StackStatus"]} for s in summaries]))
    elif cmd == "stacks":
        summaries = cfn.list_stacks()["StackSummaries"]
        print(json.dumps([{"name": s["StackName"], "status": s["StackStatus"]}
                          for s in summaries if s["StackName"].startswith(arg)]))
    elif cmd == "change-sets":
        try:
            sets = cfn.list_change_sets(StackName=arg)["Summaries"]
        except cfn.exceptions.ClientError:
            sets = []
        # Only change sets still waiting to be executed (moto, unlike AWS,
        # also keeps the executed ones).
        print(json.dumps([s["ChangeSetName"] for s in sets if s.get("ExecutionStatus") == "AVAILABLE"]))
    elif cmd == "health":
        import datetime as dt
        cw = boto3.client("cloudwatch", **dict(kw, region_name="us-east-1"))
        at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=60)
        cw.put_metric_data(Namespace="AWS/Route53", MetricData=[
            {"MetricName": "HealthCheckStatus", "Timestamp": at, "Value": float(v),
             "Dimensions": [{"Name": "HealthCheckId", "Value": k}]}
            for k, v in (pair.split("=") for pair in arg.split(","))])
        print("null")
    elif cmd == "health-all":
        import datetime as dt
        import re
        cw = boto3.client("cloudwatch", **dict(kw, region_name="us-east-1"))
        at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=60)
        ids = [o["OutputValue"]
               for page in cfn.get_paginator("describe_stacks").paginate()
               for st in page["Stacks"] for o in st.get("Outputs", [])
               if re.fullmatch(r"HealthCheck\w*Id", o["OutputKey"])]
        # PutMetricData: "MetricData ... Maximum number of 1000 items".
        for i in range(0, len(ids), 1000):
            cw.put_metric_data(Namespace="AWS/Route53", MetricData=[
                {"MetricName": "HealthCheckStatus", "Timestamp": at, "Value": float(arg),
                 "Dimensions": [{"Name": "HealthCheckId", "Value": c}]} for c in ids[i:i + 1000]])
        print(len(ids))
    elif cmd == "edit-check":
        check, path = arg.split("=", 1)
        r53.update_health_check(HealthCheckId=check, ResourcePath=path)
        print(json.dumps(r53.get_health_check(HealthCheckId=check)["HealthCheck"]
                         ["HealthCheckConfig"].get("ResourcePath")))
    elif cmd == "strip-digest":
        body = cfn.get_template(StackName=arg)["TemplateBody"]
        lines = body.splitlines(keepends=True)
        at = next(i for i, l in enumerate(lines) if l.startswith("  GenTemplateDigest:"))
        del lines[at:at + 3]
        stack = cfn.describe_stacks(StackName=arg)["Stacks"][0]
        cfn.update_stack(StackName=arg, TemplateBody="".join(lines), Tags=stack.get("Tags", []),
                         Parameters=[{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
                                     for p in stack.get("Parameters", [])])
        print(json.dumps(cfn.describe_stacks(StackName=arg)["Stacks"][0]["StackStatus"]))
    elif cmd == "outputs":
        stack = cfn.describe_stacks(StackName=arg)["Stacks"][0]
        print(json.dumps({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}))
    elif cmd == "alarms":
        cw = boto3.client("cloudwatch", **dict(kw, region_name="us-east-1"))
        alarms = cw.describe_alarms(AlarmNamePrefix=arg)["MetricAlarms"]
        print(json.dumps([{"name": a["AlarmName"], "state": a["StateValue"],
                           "check": a["Dimensions"][0]["Value"] if a["Dimensions"] else None}
                          for a in alarms]))
    elif cmd == "set-weight":
        name, sid, weight = arg.split("|")
        zone = [z for z in r53.list_hosted_zones()["HostedZones"]
                if name.endswith("." + z["Name"].rstrip(".")) or name.rstrip(".") + "." == z["Name"]][0]
        records = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        rec = [r for r in records if r["Name"] == name.rstrip(".") + "." and r.get("SetIdentifier") == sid][0]
        rec["Weight"] = int(weight)
        r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={
            "Changes": [{"Action": "UPSERT", "ResourceRecordSet": rec}]})
        print(json.dumps(name))
    elif cmd == "alarm-state":
        cw = boto3.client("cloudwatch", **dict(kw, region_name="us-east-1"))
        name, state = arg.split("=")
        cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="set by a test")
        print(json.dumps(name))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
