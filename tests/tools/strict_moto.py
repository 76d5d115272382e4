"""A stricter moto server for gen's deploy tests: moto[server] 5.2.5 with patches.

Usage: python tests/tools/strict_moto.py -H 127.0.0.1 -p PORT   (same flags as moto_server)

moto is more lenient than AWS. The patches below make it refuse what AWS
refuses, so the integration tests see the faults AWS would report. Each rule
cites the AWS document that states it. In priority order:

R53-1  A ChangeResourceRecordSets batch is applied whole or not at all: the
       zone's state after the whole batch is validated first; a violation is an
       InvalidChangeBatch error (HTTP 400) and changes nothing.
R53-2  One routing policy per name and type (all latency, all weighted, all
       failover, ..., or one simple record without SetIdentifier).
R53-3  Failover: at most one PRIMARY and one SECONDARY per name and type.
R53-4  SetIdentifier unique per name and type; CREATE of an existing record
       fails; DELETE of a missing record, or with values that differ, fails.
R53-5  Geolocation: one record per location and name and type; ContinentCode
       one of AF, AN, AS, EU, OC, NA, SA and never beside CountryCode or
       SubdivisionCode; SubdivisionCode only with CountryCode US.
R53-6  Geoproximity records are kept (moto drops GeoProximityLocation): one of
       AWSRegion, Coordinates and LocalZoneGroup, Bias -99 to 99, one record
       per location and name and type; a policy of its own for R53-2.
CFN-1  Fn::ImportValue of a missing export fails at CreateChangeSet /
       CreateStack / UpdateStack ("No export named X found.").
CFN-2  An export that another stack imports cannot be changed or removed, and
       its stack cannot be deleted.
CFN-3  AWS::Route53::RecordSetGroup create/update/delete is ONE Route 53 change
       batch through the rules above; each AWS::Route53::RecordSet is its own
       batch. Added and changed resources are applied before removed ones are
       deleted (the cleanup phase), as CloudFormation does.
CFN-4  Replacement when a create-only property changes (new resource first,
       dependents re-pointed, old one deleted in cleanup); health checks are
       updated in place otherwise; DescribeChangeSet reports Replacement.
CFN-5  HostedZoneName that matches more than one hosted zone fails (and giving
       both HostedZoneName and HostedZoneId fails).
ARC-2  A RECOVERY_CONTROL health check is never updated in place (re-pointed
       at a new routing control): the update is refused.
ARC-1  AWS::Route53RecoveryControl::{Cluster,ControlPanel,RoutingControl,
       SafetyRule} are modelled minimally; health checks of Type
       RECOVERY_CONTROL (RoutingControlArn) and CALCULATED (ChildHealthChecks,
       HealthThreshold) keep their settings when created by CloudFormation.
RS-1   AWS::ARCRegionSwitch::Plan is modelled minimally: Ref is its ARN in
       the Region switch API's form; it runs nothing.
RS-2   A plan's triggers name its associated alarms and one of its Regions;
       its database blocks name members in its Regions; the RDS promote
       read replica block sits in active/passive plans only; on create and
       on update.
CW-1   AWS::CloudWatch::Alarm (which moto's CloudFormation lacks) makes the
       alarm in CloudWatch, Ref is its name; AlarmName changes replace it.
CW-2   A new alarm starts in INSUFFICIENT_DATA, not OK (PutMetricAlarm: "the
       alarm state is immediately set to INSUFFICIENT_DATA").
CW-3   An alarm's ComparisonOperator, Statistic, Period, EvaluationPeriods,
       TreatMissingData, AlarmName and AlarmActions keep to their documented
       values (AWS::CloudWatch::Alarm, PutMetricAlarm).
CW-4   DescribeAlarms over the Smithy RPC v2 CBOR protocol (which the AWS SDK
       for Rust's CloudWatch client speaks and moto does not), with at most
       100 AlarmNames ("Maximum number of 100 items").
CW-5   GetMetricData over the same protocol, for MetricStat queries of data
       put with PutMetricData: at most 500 queries ("A single GetMetricData call
       can include as many as 500 MetricDataQuery structures"), each Id starting with a lowercase
       letter ("The first character must be a lowercase letter"), EndTime
       after StartTime; one point per Period with data (CloudWatch API
       Reference, GetMetricData, MetricDataQuery).

CFN-7  UpdateTerminationProtection (which moto lacks) is kept per stack, and
       DeleteStack of a protected stack fails and changes nothing ("If a user
       attempts to delete a stack with termination protection enabled, the
       deletion fails and the stack, including its status, remains unchanged",
       CloudFormation User Guide, "Protect CloudFormation stacks from being
       deleted").
STS-1  AssumeRole is refused (AccessDenied) unless the role exists in its
       account and its trust policy lets the caller's account assume it, with
       the external ID its sts:ExternalId condition asks for (moto: "the role
       does not need to exist"); RoleSessionName is 2 to 64 of [\w+=,.@-].
CFN-8  DescribeStacks without a StackName lists every live stack, page by page
       (NextToken), each with its tags, parameters and outputs as its last
       executed change set left them (CloudFormation API Reference,
       DescribeStacks): gen deploy reads a Region's stacks that way.

Where moto refuses what AWS accepts:

CFN-6  CreateChangeSet of a stack whose template and parameters are unchanged
       is not an error: AWS creates the change set and fails it with the
       reason "The submitted information didn't contain changes. Submit
       different information to create a change set." (moto's own backend says
       so; its handler raised UpdateStack's "No updates are to be performed."
       for stacks with parameters before the backend ran).

Also fixed because the rules need them: stacks made by change sets get their
Outputs and Exports after ExecuteChangeSet (moto leaves them empty), and see
the region's exports; UpdateStack refreshes the region's exports; health
checks of a deleted resource or stack are deleted.

moto internals patched (check them on a moto upgrade):
  moto.route53.models: Route53Backend.change_resource_record_sets (replaced),
    HealthCheck.__init__/health_check_config/create_from_cloudformation_json/
    delete, RecordSet.create_from_cloudformation_json/delete,
    RecordSetGroup.create_from_cloudformation_json/delete
  moto.route53.responses: Route53.create_health_check (replaced)
  moto.cloudformation.parsing: parse_and_create_resource (wrapped),
    ResourceMap.update (replaced), get_model_map cache (cleared for ARC models)
  moto.cloudformation.responses: CloudFormationResponse.create_change_set (wrapped)
  moto.cloudwatch.models: Alarm.__init__ (wrapped), CloudWatchBackend.put_metric_alarm
    and delete_alarms (called for AWS::CloudWatch::Alarm)
  moto.cloudformation.models: ChangeSet.diff (replaced), CloudFormationBackend.
    create_stack/create_change_set/execute_change_set/update_stack (wrapped),
    delete_stack (replaced)
"""

import copy
import os
import traceback
import json
import re
import sys
import uuid
from typing import Any

from moto.cloudformation import models as cfm
from moto.cloudformation import parsing as cfp
from moto.cloudformation.exceptions import ExportNotFound, ValidationError
from moto.core.common_models import CloudFormationModel
from moto.route53 import models as r53m
from moto.route53 import responses as r53r
from moto.route53.exceptions import (
    DnsNameInvalidForZone,
    InvalidActionValue,
    InvalidInput,
    Route53ClientError,
)
from moto.route53.utils import validate_domain_name
from moto.utilities.utils import get_partition


def _r53(account_id: str, region_name: str) -> r53m.Route53Backend:
    return r53m.route53_backends[account_id][get_partition(region_name)]


# ---------------------------------------------------------------------------
# Route 53 change batches (R53-1 .. R53-4)
# ---------------------------------------------------------------------------


class InvalidChangeBatch(Route53ClientError):
    """Route 53's InvalidChangeBatch (HTTP 400), with its list of messages."""

    def __init__(self, messages: list[str]):
        super().__init__("InvalidChangeBatch", "; ".join(messages))
        self.messages = messages


def _norm_name(name: Any) -> str:
    return str(name or "").rstrip(".").lower()


def _key(rs: r53m.RecordSet) -> tuple:
    return (_norm_name(rs.name), rs.type, rs.set_identifier)


def _describe(rs: r53m.RecordSet) -> str:
    name = str(rs.name).rstrip(".") + "."
    sid = f", set-identifier='{rs.set_identifier}'" if rs.set_identifier else ""
    return f"resource record set [name='{name}', type='{rs.type}'{sid}]"


def _s(v: Any) -> str | None:
    return None if v is None else str(v).lower()


def _canon(rs: r53m.RecordSet) -> dict:
    """The values that must all match for a DELETE (R53-4)."""
    alias = rs.alias_target
    if alias:
        alias = (
            _norm_name(alias.get("DNSName")),
            alias.get("HostedZoneId"),
            _s(alias.get("EvaluateTargetHealth", False)),
        )
    records = [r["Value"] if isinstance(r, dict) else r for r in (rs.records or [])]
    return {
        "key": _key(rs),
        "ttl": _s(rs.ttl),
        "records": sorted(str(r) for r in records),
        "weight": _s(rs.weight),
        "region": rs.region,
        "failover": rs.failover,
        "health_check": rs.health_check_id,
        "alias": alias,
        "geo": json.dumps(rs.geo_location, sort_keys=True) if rs.geo_location else None,
        "geoproximity": json.dumps(_prox(rs), sort_keys=True) if _prox(rs) else None,
        "multi_value": _s(rs.multi_value_answer),
    }


def _prox(rs: r53m.RecordSet) -> dict | None:
    return getattr(rs, "geo_proximity_location", None)


_rs_init = r53m.RecordSet.__init__


def _rs_init_keeping_proximity(self, kwargs):
    """R53-6: moto's RecordSet drops GeoProximityLocation."""
    _rs_init(self, kwargs)
    self.geo_proximity_location = kwargs.get("GeoProximityLocation")


r53m.RecordSet.__init__ = _rs_init_keeping_proximity


def _policy(rs: r53m.RecordSet) -> str:
    if _prox(rs):
        return "geoproximity"
    if rs.region:
        return "latency"
    if rs.weight is not None:
        return "weighted"
    if rs.failover:
        return "failover"
    if rs.geo_location:
        return "geolocation"
    if rs.multi_value_answer is not None and rs.set_identifier:
        return "multivalue"
    if rs.set_identifier:
        return "other-with-set-identifier"
    return "simple"


def check_one_policy_per_name_and_type(group: list[r53m.RecordSet]) -> list[str]:
    """R53-2. Route 53 API Reference, ResourceRecordSet, Region: "You can't
    create non-latency resource record sets that have the same values for the
    Name and Type elements as latency resource record sets."; Weight: "You
    can't create non-weighted resource record sets that have the same values for
    the Name and Type elements as weighted resource record sets."; Failover:
    "You can't create non-failover resource record sets that have the same
    values for the Name and Type elements as failover resource record sets."
    A simple record (no SetIdentifier) is alone under its name and type
    (ResourceRecordSet, SetIdentifier: "Resource record sets that have a routing
    policy other than simple: An identifier that differentiates among multiple
    resource record sets that have the same combination of name and type")."""
    policies = sorted({_policy(r) for r in group})
    if len(group) < 2 or (len(policies) == 1 and policies != ["simple"]):
        return []
    first = group[0]
    name = str(first.name).rstrip(".") + "."
    if len(policies) == 1:
        return [f"RRSet of type {first.type} with DNS name {name} already exists "
                "without a SetIdentifier; a simple record must be the only one "
                "with its name and type"]
    return [f"RRSets with DNS name {name} and type {first.type} cannot mix routing "
            f"policies ({', '.join(policies)}): all records with the same name "
            "and type must use the same routing policy"]


def check_failover_pair(group: list[r53m.RecordSet]) -> list[str]:
    """R53-3. Route 53 API Reference, ResourceRecordSet, Failover: "To configure
    failover, you add the Failover element to two resource record sets. For one
    resource record set, you specify PRIMARY as the value for Failover; for the
    other resource record set, you specify SECONDARY." """
    errors = []
    for role in ("PRIMARY", "SECONDARY"):
        n = sum(1 for r in group if r.failover == role)
        if n > 1:
            first = group[0]
            errors.append(f"RRSet with DNS name {str(first.name).rstrip('.')}. and "
                          f"type {first.type} has {n} {role} failover records; "
                          f"only one {role} is allowed")
    return errors


CONTINENTS = {"AF", "AN", "AS", "EU", "OC", "NA", "SA"}


def check_geolocation(group: list[r53m.RecordSet]) -> list[str]:
    """R53-5. Route 53 API Reference, GeoLocation: ContinentCode "Valid values:
    AF | AN | AS | EU | OC | NA | SA"; "Specifying ContinentCode with either
    CountryCode or SubdivisionCode returns an InvalidInput error";
    SubdivisionCode: "If you specify subdivisioncode, you must also specify US
    for CountryCode" (AWS::Route53::RecordSetGroup GeoLocation); ResourceRecordSet,
    GeoLocation: "You cannot create two geolocation resource record sets that
    specify the same geographic location." """
    errors, seen = [], set()
    for r in group:
        g = r.geo_location
        if not g:
            continue
        cont, country, sub = g.get("ContinentCode"), g.get("CountryCode"), g.get("SubdivisionCode")
        if cont and (country or sub):
            errors.append(f"ContinentCode beside CountryCode or SubdivisionCode in {_describe(r)}")
        if cont and cont not in CONTINENTS:
            errors.append(f"Value '{cont}' at 'continentCode' failed to satisfy constraint in {_describe(r)}")
        if sub and country != "US":
            errors.append(f"SubdivisionCode without CountryCode US in {_describe(r)}")
        key = (cont, country, sub)
        if key in seen:
            errors.append(f"Two geolocation records for the same location {key} in {_describe(r)}")
        seen.add(key)
    return errors


def check_geoproximity(group: list[r53m.RecordSet]) -> list[str]:
    """R53-6. AWS::Route53::RecordSet GeoProximityLocation: "Only one of
    LocalZoneGroup, Coordinates, or AWSRegion is allowed per request at a time";
    Bias "Minimum: -99, Maximum: 99"; Route 53 Developer Guide, "Values specific
    for geoproximity records": "You also can't create two geoproximity resource
    record sets that specify the same location for the same record name and
    record type." """
    errors, seen = [], set()
    for r in group:
        g = _prox(r)
        if not g:
            continue
        given = [k for k in ("AWSRegion", "Coordinates", "LocalZoneGroup") if g.get(k)]
        if len(given) != 1:
            errors.append(f"GeoProximityLocation needs exactly one of AWSRegion, Coordinates, "
                          f"LocalZoneGroup in {_describe(r)}")
        bias = int(g.get("Bias", 0))
        if not -99 <= bias <= 99:
            errors.append(f"Bias {bias} is outside -99 to 99 in {_describe(r)}")
        key = json.dumps({k: g.get(k) for k in given}, sort_keys=True)
        if key in seen:
            errors.append(f"Two geoproximity records for the same location in {_describe(r)}")
        seen.add(key)
    return errors


def check_unique_set_identifiers(group: list[r53m.RecordSet]) -> list[str]:
    """R53-4 (state). Route 53 API Reference, ResourceRecordSet, SetIdentifier:
    "An identifier that differentiates among multiple resource record sets that
    have the same combination of name and type". Must be unique per name+type."""
    seen, errors = set(), []
    for r in group:
        if r.set_identifier in seen and r.set_identifier:
            errors.append(f"Duplicate SetIdentifier {r.set_identifier} for {_describe(r)}")
        seen.add(r.set_identifier)
    return errors


def apply_change(rrsets: list, action: str, new: r53m.RecordSet) -> str | None:
    """R53-4 (changes) on the working copy; returns an error or None.
    Route 53 API Reference, Change, Action: "CREATE: Creates a resource record
    set that has the specified values." / "DELETE: Deletes an existing resource
    record set that has the specified values."; ChangeResourceRecordSets: "To
    delete a resource record set, you must specify all the same values that you
    specified when you created it." """
    idx = next((i for i, r in enumerate(rrsets) if _key(r) == _key(new)), None)
    if action == "CREATE":
        if idx is not None:
            return f"Tried to create {_describe(new)} but it already exists"
        rrsets.append(new)
    elif action == "DELETE":
        if idx is None:
            return f"Tried to delete {_describe(new)} but it was not found"
        if _canon(rrsets[idx]) != _canon(new):
            return (f"Tried to delete {_describe(new)} but the values provided "
                    "do not match the current values")
        del rrsets[idx]
    elif action == "UPSERT":
        if idx is None:
            rrsets.append(new)
        else:
            rrsets[idx] = new
    else:
        raise InvalidActionValue(action)
    return None


def apply_batch(zone: r53m.FakeZone, changes: list[tuple[str, dict]]) -> None:
    """R53-1. Route 53 API Reference, ChangeResourceRecordSets: "Change batches
    are considered transactional changes. Route 53 validates the changes in the
    request and then either makes all or none of the changes in the change batch
    request." Works on a copy of the zone; assigns it only when all is valid."""
    rrsets = list(zone.rrsets)
    errors, touched = [], set()
    for action, rr in changes:
        rr = dict(rr)
        if not str(rr.get("Name", "")).endswith("."):
            rr["Name"] = f"{rr.get('Name', '')}."
        if not _norm_name(rr["Name"]).endswith(_norm_name(zone.name)):
            raise DnsNameInvalidForZone(name=rr["Name"], zone_name=zone.name)
        new = r53m.RecordSet(rr)
        touched.add(_key(new)[:2])
        err = apply_change(rrsets, action, new)
        if err:
            errors.append(err)
    for name_type in sorted(touched, key=str):
        group = [r for r in rrsets if _key(r)[:2] == name_type]
        for check in (check_one_policy_per_name_and_type, check_failover_pair,
                      check_unique_set_identifiers, check_geolocation, check_geoproximity):
            errors += check(group)
    if errors:
        raise InvalidChangeBatch(errors)
    zone.rrsets = rrsets


def _api_rr(record_set: dict) -> dict:
    rr = dict(record_set)
    if "ResourceRecords" in rr:
        rr["ResourceRecords"] = [x["Value"] if isinstance(x, dict) else x
                                 for x in rr["ResourceRecords"]]
    return rr


def change_resource_record_sets(self: r53m.Route53Backend, zoneid: str,
                                change_list: list[dict]) -> None:
    """Replaces moto's Route53Backend.change_resource_record_sets (R53-1..4)."""
    the_zone = self.get_hosted_zone(zoneid)
    changes = []
    for value in change_list:
        rrset = value["ResourceRecordSet"]
        validate_domain_name(rrset["Name"], code="InvalidChangeBatch")
        if value["Action"] not in ("CREATE", "UPSERT", "DELETE"):
            raise InvalidActionValue(value["Action"])
        has_records = "TTL" in rrset and rrset.get("ResourceRecords")
        if not rrset.get("AliasTarget") and not has_records:
            raise InvalidInput(
                "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
                "ResourceRecords], or TrafficPolicyInstanceId], but found none in Change "
                f"with [Action={value['Action']}, Name={rrset['Name']}, Type={rrset['Type']}, "
                f"SetIdentifier={rrset.get('SetIdentifier', 'null')}]")
        changes.append((value["Action"], _api_rr(rrset)))
    apply_batch(the_zone, changes)
    for value in change_list:
        the_zone.rr_changes.append(copy.deepcopy(value))


r53m.Route53Backend.change_resource_record_sets = change_resource_record_sets


# ---------------------------------------------------------------------------
# CloudFormation: Route 53 resources (CFN-3, CFN-5)
# ---------------------------------------------------------------------------

RR_KEYS = ("Name", "Type", "TTL", "ResourceRecords", "SetIdentifier", "Weight", "Region",
           "HealthCheckId", "AliasTarget", "Failover", "GeoLocation", "MultiValueAnswer",
           "CidrRoutingConfig", "GeoProximityLocation")


def _rr_from_cfn(props: dict) -> dict:
    return {k: props[k] for k in RR_KEYS if k in props}


def zone_for(account_id: str, region_name: str, props: dict) -> r53m.FakeZone:
    """CFN-5. CloudFormation User Guide, AWS::Route53::RecordSetGroup (and
    RecordSet), HostedZoneName: "If AWS CloudFormation can't find a hosted zone
    with a matching domain name, or if there is more than one hosted zone with
    the specified domain name, AWS CloudFormation will not create the stack.
    Specify either HostedZoneName or HostedZoneId, but not both. If you have
    multiple hosted zones with the same domain name, you must specify the hosted
    zone using HostedZoneId." """
    backend = _r53(account_id, region_name)
    name, zone_id = props.get("HostedZoneName"), props.get("HostedZoneId")
    if name and zone_id:
        raise ValidationError(message="Specify either HostedZoneName or HostedZoneId, but not both")
    if not name:
        return backend.get_hosted_zone(zone_id or "")
    matches = [z for z in backend.zones.values() if _norm_name(z.name) == _norm_name(name)]
    if len(matches) > 1:
        raise ValidationError(message=(
            f"There is more than one hosted zone named {name} "
            f"({', '.join(sorted(z.resource_id for z in matches))}); "
            "specify the hosted zone using HostedZoneId"))
    if not matches:
        raise ValidationError(message=f"No hosted zone found with name {name}")
    return matches[0]


def recordset_create(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
    """CFN-3: one AWS::Route53::RecordSet is one change batch of one CREATE."""
    props = cloudformation_json["Properties"]
    zone = zone_for(account_id, region_name, props)
    rr = _rr_from_cfn(props)
    apply_batch(zone, [("CREATE", rr)])
    obj = next(r for r in zone.rrsets if _key(r) == _key(r53m.RecordSet(rr)))
    obj._strict_rr, obj._strict_zone = rr, zone.resource_id
    return obj


def recordset_update(old, old_json, new_json, name, account_id, region_name):
    """CFN-3: an update of one RecordSet resource is one batch: DELETE the old
    record, CREATE the new one (so policy switches spread over several RecordSet
    resources fail half-way under R53-2, as on AWS: aws/aws-cdk#26754)."""
    props = new_json["Properties"]
    zone = zone_for(account_id, region_name, props)
    rr = _rr_from_cfn(props)
    apply_batch(zone, [("DELETE", old._strict_rr), ("CREATE", rr)])
    obj = next(r for r in zone.rrsets if _key(r) == _key(r53m.RecordSet(rr)))
    obj._strict_rr, obj._strict_zone = rr, zone.resource_id
    return obj


def recordset_delete(self, account_id, region):
    rr = getattr(self, "_strict_rr", None)
    if rr is None:
        return
    zone = _r53(account_id, region).zones.get(self._strict_zone)
    if zone and any(_key(r) == _key(self) for r in zone.rrsets):
        apply_batch(zone, [("DELETE", rr)])


def group_create(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
    """CFN-3: a RecordSetGroup is created as ONE batch of CREATEs."""
    props = cloudformation_json["Properties"]
    zone = zone_for(account_id, region_name, props)
    rrs = [_rr_from_cfn(r) for r in props.get("RecordSets", [])]
    apply_batch(zone, [("CREATE", rr) for rr in rrs])
    return r53m.RecordSetGroup(region_name, zone.resource_id, rrs)


def group_update(old, old_json, new_json, name, account_id, region_name):
    """CFN-3: a RecordSetGroup update is ONE batch: DELETE the old records that
    are gone or changed, CREATE the new or changed ones, leave the rest."""
    zone = zone_for(account_id, region_name, new_json["Properties"])

    def keyed(rrs):
        out = {}
        for rr in rrs:
            rs = r53m.RecordSet(rr)
            out[_key(rs)] = (rr, _canon(rs))
        return out

    before = keyed(old.record_sets)
    new_rrs = [_rr_from_cfn(r) for r in new_json["Properties"].get("RecordSets", [])]
    after = keyed(new_rrs)
    changes = [("DELETE", rr) for k, (rr, c) in before.items()
               if k not in after or after[k][1] != c]
    changes += [("CREATE", rr) for k, (rr, c) in after.items()
                if k not in before or before[k][1] != c]
    apply_batch(zone, changes)
    old.record_sets = new_rrs
    return old


def group_delete(self, account_id, region):
    """CFN-3: a RecordSetGroup is deleted as ONE batch of DELETEs (moto left
    the records behind)."""
    zone = _r53(account_id, region).zones.get(self.hosted_zone_id)
    if zone is None:
        return
    present = {_key(r) for r in zone.rrsets}
    rrs = [rr for rr in self.record_sets if _key(r53m.RecordSet(rr)) in present]
    apply_batch(zone, [("DELETE", rr) for rr in rrs])


r53m.RecordSet.create_from_cloudformation_json = classmethod(recordset_create)
r53m.RecordSet.delete = recordset_delete
r53m.RecordSetGroup.create_from_cloudformation_json = classmethod(group_create)
r53m.RecordSetGroup.delete = group_delete


# ---------------------------------------------------------------------------
# Health checks (CFN-4 in-place updates, ARC-1 RECOVERY_CONTROL / CALCULATED)
# ---------------------------------------------------------------------------

_orig_hc_init = r53m.HealthCheck.__init__


def _hc_init(self, health_check_id, caller_reference, health_check_args):
    _orig_hc_init(self, health_check_id, caller_reference, health_check_args)
    self.routing_control_arn = health_check_args.get("routing_control_arn")
    self.insufficient_data_health_status = health_check_args.get("insufficient_data_health_status")


def _hc_config(self) -> dict:
    """ARC-1. Route 53 API Reference, HealthCheckConfig: RoutingControlArn
    "The Amazon Resource Name (ARN) for the Route 53 Application Recovery
    Controller routing control."; RECOVERY_CONTROL checks have no endpoint."""
    config = {
        "Type": self.type_, "ResourcePath": self.resource_path,
        "FullyQualifiedDomainName": self.fqdn, "SearchString": self.search_string,
        "Inverted": self.inverted, "Disabled": self.disabled,
        "ChildHealthChecks": self.children, "EnableSNI": self.enable_sni,
        "Regions": self.regions,
    }
    if self.type_ == "CALCULATED":
        config["HealthThreshold"] = self.health_threshold
    elif self.type_ == "RECOVERY_CONTROL":
        config = {"Type": self.type_, "RoutingControlArn": self.routing_control_arn,
                  "Inverted": self.inverted, "Disabled": self.disabled}
    else:
        config.update(IPAddress=self.ip_address, Port=self.port,
                      RequestInterval=self.request_interval,
                      FailureThreshold=self.failure_threshold,
                      MeasureLatency=self.measure_latency)
    if self.insufficient_data_health_status:
        config["InsufficientDataHealthStatus"] = self.insufficient_data_health_status
    return config


def _hc_args(config: dict) -> dict:
    return {
        "ip_address": config.get("IPAddress"), "port": config.get("Port"),
        "type": config["Type"], "resource_path": config.get("ResourcePath"),
        "fqdn": config.get("FullyQualifiedDomainName"),
        "search_string": config.get("SearchString"),
        "request_interval": config.get("RequestInterval"),
        "failure_threshold": config.get("FailureThreshold"),
        "health_threshold": config.get("HealthThreshold"),
        "measure_latency": config.get("MeasureLatency"),
        "inverted": config.get("Inverted"), "disabled": config.get("Disabled"),
        "enable_sni": config.get("EnableSNI"),
        "children": config.get("ChildHealthChecks", []),
        "regions": config.get("Regions", []),
        "routing_control_arn": config.get("RoutingControlArn"),
        "insufficient_data_health_status": config.get("InsufficientDataHealthStatus"),
    }


def _bool(v):
    return v if not isinstance(v, str) else v.lower() == "true"


def _set_hc_tags(backend, hc_id, tags):
    backend.resource_tags[hc_id] = {t["Key"]: t["Value"] for t in tags or []}


def hc_create(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
    """ARC-1: all of HealthCheckConfig is kept (moto dropped ChildHealthChecks,
    HealthThreshold, RoutingControlArn, MeasureLatency, ...), and the tags."""
    props = cloudformation_json["Properties"]
    args = _hc_args(props["HealthCheckConfig"])
    for k in ("measure_latency", "inverted", "disabled", "enable_sni"):
        args[k] = _bool(args[k])
    backend = _r53(account_id, region_name)
    hc = backend.create_health_check(caller_reference=resource_name, health_check_args=args)
    _set_hc_tags(backend, hc.id, props.get("HealthCheckTags"))
    return hc


def hc_update(old, old_json, new_json, name, account_id, region_name):
    """CFN-4: changes to properties that are not create-only are applied in
    place (moto applied none): same Id, new values, version + 1.

    ARC-2: a RECOVERY_CONTROL check cannot be re-pointed at another routing
    control. UpdateHealthCheck refuses any update of that type ("Update is not
    supported for this health check type", hashicorp/terraform-provider-aws
    #44247), and CloudFormation's in-place update of RoutingControlArn does not
    reach the check (aws-cloudformation/cloudformation-coverage-roadmap#2028:
    "changeset is successfully deployed but the actual resource does not
    reflect the update"). Refused here, so a template that relies on it fails."""
    props = new_json["Properties"]
    old_config = (old_json or {}).get("Properties", {}).get("HealthCheckConfig", {})
    if old_config.get("Type") == "RECOVERY_CONTROL" and (
            old_config != props["HealthCheckConfig"]):
        raise InvalidInput("Update is not supported for this health check type")
    fresh = r53m.HealthCheck(old.id, old.caller_reference, _hc_args(props["HealthCheckConfig"]))
    fresh.set_children(props["HealthCheckConfig"].get("ChildHealthChecks", []))
    fresh.set_regions(props["HealthCheckConfig"].get("Regions", []))
    for k in ("measure_latency", "inverted", "disabled", "enable_sni"):
        setattr(fresh, k, bool(_bool(getattr(fresh, k))))
    version = old.health_check_version + 1
    old.__dict__.update(fresh.__dict__)
    old.health_check_version = version
    _set_hc_tags(_r53(account_id, region_name), old.id, props.get("HealthCheckTags"))
    return old


def hc_delete(self, account_id, region):
    backend = _r53(account_id, region)
    backend.delete_health_check(self.id)
    backend.resource_tags.pop(self.id, None)


def create_health_check_response(self):
    """Route53.create_health_check, also passing RoutingControlArn (ARC-1)."""
    config = self._get_param("HealthCheckConfig")
    health_check = self.backend.create_health_check(
        self._get_param("CallerReference"), _hc_args(config))
    return r53r.ActionResult({"HealthCheck": health_check})


r53m.HealthCheck.__init__ = _hc_init
r53m.HealthCheck.health_check_config = property(_hc_config)
r53m.HealthCheck.create_from_cloudformation_json = classmethod(hc_create)
r53m.HealthCheck.delete = hc_delete
r53r.Route53.create_health_check = create_health_check_response


# ---------------------------------------------------------------------------
# ARC-1: Route 53 Application Recovery Controller resource types
# ---------------------------------------------------------------------------

ARC: dict[str, "ArcResource"] = {}  # ARN -> resource, all accounts and regions


class ArcResource:
    """A minimal ARC control-config resource: an ARN, its properties, a status.
    CloudFormation User Guide, AWS::Route53RecoveryControl::* "Return values":
    Ref returns the ARN (ClusterArn, ControlPanelArn, RoutingControlArn,
    SafetyRuleArn)."""

    TYPE = ""
    ARN_ATTR = ""

    def __init__(self, arn: str, props: dict):
        self.arn, self.props, self.status = arn, props, "DEPLOYED"
        ARC[arn] = self

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in (cls.ARN_ATTR, "Status") or attr in cls.EXTRA_ATTRS

    EXTRA_ATTRS: tuple = ()

    def get_cfn_attribute(self, attr: str) -> Any:
        if attr == self.ARN_ATTR:
            return self.arn
        if attr == "Status":
            return self.status
        return self.extra_attribute(attr)

    def extra_attribute(self, attr: str) -> Any:
        raise cfp.UnformattedGetAttTemplateException()

    def delete(self, account_id: str, region: str) -> None:
        ARC.pop(self.arn, None)


def _arc_prefix(account_id: str) -> str:
    return f"arn:aws:route53-recovery-control::{account_id}:"


class ArcCluster(ArcResource, CloudFormationModel):
    __module__ = "moto.route53recoverycontrol.strict_moto"  # moto files models by module
    TYPE, ARN_ATTR = "AWS::Route53RecoveryControl::Cluster", "ClusterArn"
    EXTRA_ATTRS = ("ClusterEndpoints",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json,
                                        account_id, region_name, **kw):
        return cls(f"{_arc_prefix(account_id)}cluster/{uuid.uuid4()}",
                   cloudformation_json["Properties"])

    def extra_attribute(self, attr):
        return [{"Endpoint": f"https://host-{i}.example.com/v1", "Region": r}
                for i, r in enumerate(("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1",
                                       "ap-southeast-2"))]


class ArcControlPanel(ArcResource, CloudFormationModel):
    __module__ = "moto.route53recoverycontrol.strict_moto"  # moto files models by module
    TYPE, ARN_ATTR = "AWS::Route53RecoveryControl::ControlPanel", "ControlPanelArn"
    EXTRA_ATTRS = ("DefaultControlPanel", "RoutingControlCount")

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json,
                                        account_id, region_name, **kw):
        props = cloudformation_json["Properties"]
        if props.get("ClusterArn") not in ARC:
            raise ValidationError(message=f"Resource not found: cluster {props.get('ClusterArn')}")
        return cls(f"{_arc_prefix(account_id)}controlpanel/{uuid.uuid4().hex}", props)

    def extra_attribute(self, attr):
        if attr == "DefaultControlPanel":
            return False
        return sum(1 for r in ARC.values()
                   if isinstance(r, ArcRoutingControl) and r.props.get("ControlPanelArn") == self.arn)


class ArcRoutingControl(ArcResource, CloudFormationModel):
    __module__ = "moto.route53recoverycontrol.strict_moto"  # moto files models by module
    TYPE, ARN_ATTR = "AWS::Route53RecoveryControl::RoutingControl", "RoutingControlArn"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json,
                                        account_id, region_name, **kw):
        props = cloudformation_json["Properties"]
        panel = props.get("ControlPanelArn")
        if panel is None:
            # CloudFormation User Guide, AWS::Route53RecoveryControl::RoutingControl,
            # ControlPanelArn: "If you don't specify ControlPanelArn, the routing control
            # is added to the default control panel" -- one per cluster, made here.
            panel = f"{props.get('ClusterArn')}-default-control-panel"
        elif panel not in ARC:
            raise ValidationError(message=f"Resource not found: control panel {panel}")
        return cls(f"{panel}/routingcontrol/{uuid.uuid4().hex[:16]}", props)


class ArcSafetyRule(ArcResource, CloudFormationModel):
    __module__ = "moto.route53recoverycontrol.strict_moto"  # moto files models by module
    TYPE, ARN_ATTR = "AWS::Route53RecoveryControl::SafetyRule", "SafetyRuleArn"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json,
                                        account_id, region_name, **kw):
        props = cloudformation_json["Properties"]
        panel = props.get("ControlPanelArn") or f"{_arc_prefix(account_id)}controlpanel/unknown"
        return cls(f"{panel}/safetyrule/{uuid.uuid4().hex[:16]}", props)


class RegionSwitchPlan(ArcResource, CloudFormationModel):
    """RS-1: moto has no Region switch. A plan is kept with its ARN, which is
    what Ref returns (CloudFormation User Guide, AWS::ARCRegionSwitch::Plan,
    "Return values": Ref "returns the ARN"), in the API's form
    arn:aws:arc-region-switch::ACCOUNT:plan/NAME:SUFFIX (Region switch API
    reference, StartPlanExecution, planArn pattern). Its workflows run
    nowhere: gen's tests script the Region switch API themselves."""
    __module__ = "moto.route53recoverycontrol.strict_moto"  # moto files models by module
    TYPE, ARN_ATTR = "AWS::ARCRegionSwitch::Plan", "Arn"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json,
                                        account_id, region_name, **kw):
        props = cloudformation_json["Properties"]
        problems = plan_problems(props)
        if problems:
            raise ValidationError(message="; ".join(problems))
        return cls(f"arn:aws:arc-region-switch::{account_id}:plan/{props['Name']}:"
                   f"{uuid.uuid4().hex[:6]}", props)


DB_BLOCKS = {"GlobalAuroraConfig", "DocumentDbConfig", "RdsPromoteReadReplicaConfig",
             "RdsSwitchoverReadReplicaConfig"}


def _steps(steps):
    for st in steps or []:
        yield st
        inner = (st.get("ExecutionBlockConfiguration") or {}).get("ParallelConfig")
        if inner:
            yield from _steps(inner.get("Steps"))


def plan_problems(props: dict) -> list[str]:
    """RS-2. Region switch API Reference, TriggerCondition: "associatedAlarmName:
    The name of the CloudWatch alarm associated with the condition" (an alarm of
    the plan's associatedAlarms); Trigger, targetRegion: "The AWS Region for a
    trigger" (one of the plan's two); the database blocks act on the plan's
    Regions; "This block only supports active/passive plans" (ARC Developer
    Guide, "Amazon RDS Promote Read Replica execution block")."""
    out = []
    regions = set(props.get("Regions") or [])
    alarms = set((props.get("AssociatedAlarms") or {}).keys())
    for t in props.get("Triggers") or []:
        if t.get("TargetRegion") not in regions:
            out.append(f"trigger TargetRegion {t.get('TargetRegion')!r} is not a Region of the plan")
        for c in t.get("Conditions") or []:
            if c.get("AssociatedAlarmName") not in alarms:
                out.append(f"trigger condition names {c.get('AssociatedAlarmName')!r}, "
                           "which is not an associated alarm of the plan")
    for w in props.get("Workflows") or []:
        for st in _steps(w.get("Steps")):
            cfg = st.get("ExecutionBlockConfiguration") or {}
            for key in DB_BLOCKS & set(cfg):
                block = cfg[key]
                arns = list(block.get("DatabaseClusterArns") or []) + \
                    list((block.get("DbInstanceArnMap") or {}).values())
                for arn in arns:
                    if str(arn).split(":")[3:4] and str(arn).split(":")[3] not in regions:
                        out.append(f"{key} names {arn}, outside the plan's Regions")
                for r in (block.get("DbInstanceArnMap") or {}):
                    if r not in regions:
                        out.append(f"{key} maps Region {r}, not one of the plan's")
                if key == "RdsPromoteReadReplicaConfig" and \
                        props.get("RecoveryApproach") != "activePassive":
                    out.append("the RDS promote read replica block only supports "
                               "active/passive plans")
    return out


# ---------------------------------------------------------------------------
# CW-1..3: CloudWatch alarms made by CloudFormation, as CloudWatch keeps them
# ---------------------------------------------------------------------------

from moto.cloudwatch import models as cwm  # noqa: E402

# PutMetricAlarm, ComparisonOperator: "Valid Values: GreaterThanOrEqualToThreshold |
# GreaterThanThreshold | LessThanThreshold | LessThanOrEqualToThreshold |
# LessThanLowerOrGreaterThanUpperThreshold | LessThanLowerThreshold | GreaterThanUpperThreshold".
CW_OPERATORS = {"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
                "LessThanLowerThreshold", "GreaterThanUpperThreshold"}
# AWS::CloudWatch::Alarm, Statistic: "Allowed values: Average | Maximum | Minimum | SampleCount | Sum".
CW_STATISTICS = {"Average", "Maximum", "Minimum", "SampleCount", "Sum"}
# TreatMissingData: "Valid values are breaching, notBreaching, ignore, and missing."
CW_MISSING = {"breaching", "notBreaching", "ignore", "missing"}


def alarm_problems(props: dict) -> list[str]:
    """CW-3. AWS::CloudWatch::Alarm: Period "Valid values are 10, 30, 60, and any
    multiple of 60"; EvaluationPeriods "Minimum: 1"; AlarmName "Minimum: 1,
    Maximum: 255"; AlarmActions "Maximum: 5"."""
    out = []
    if props.get("ComparisonOperator") not in CW_OPERATORS:
        out.append(f"ComparisonOperator {props.get('ComparisonOperator')!r} is not valid")
    if "Statistic" in props and props["Statistic"] not in CW_STATISTICS:
        out.append(f"Statistic {props['Statistic']!r} is not valid")
    period = int(props.get("Period", 60))
    if period not in (10, 30) and (period <= 0 or period % 60):
        out.append(f"Period {period} is not 10, 30 or a multiple of 60")
    if int(props.get("EvaluationPeriods", 0)) < 1:
        out.append("EvaluationPeriods must be at least 1")
    if props.get("TreatMissingData", "missing") not in CW_MISSING:
        out.append(f"TreatMissingData {props.get('TreatMissingData')!r} is not valid")
    name = props.get("AlarmName")
    if name is not None and not 1 <= len(name) <= 255:
        out.append("AlarmName must have 1 to 255 characters")
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        if len(props.get(key) or []) > 5:
            out.append(f"{key} holds at most 5 actions")
    return out


def _put_alarm(account_id: str, region_name: str, name: str, props: dict) -> None:
    problems = alarm_problems(props)
    if problems:
        raise ValidationError(message="; ".join(problems))
    cwm.cloudwatch_backends[account_id][region_name].put_metric_alarm(
        name=name, namespace=props.get("Namespace"), metric_name=props.get("MetricName"),
        comparison_operator=props["ComparisonOperator"],
        evaluation_periods=int(props["EvaluationPeriods"]), period=int(props.get("Period", 60)),
        threshold=float(props.get("Threshold", 0)), statistic=props.get("Statistic"),
        description=props.get("AlarmDescription"),
        dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in props.get("Dimensions") or []],
        alarm_actions=props.get("AlarmActions") or [], ok_actions=props.get("OKActions"),
        insufficient_data_actions=props.get("InsufficientDataActions"),
        treat_missing_data=props.get("TreatMissingData"))


class CloudWatchAlarm(CloudFormationModel):
    """CW-1. CloudFormation User Guide, AWS::CloudWatch::Alarm, "Return values":
    Ref "returns the alarm name"; Fn::GetAtt Arn its ARN."""
    __module__ = "moto.cloudwatch.strict_moto"  # moto files models by module
    TYPE = "AWS::CloudWatch::Alarm"

    def __init__(self, account_id: str, region_name: str, name: str):
        self.account_id, self.region_name, self.name = account_id, region_name, name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attr: str) -> Any:
        if attr == "Arn":
            return cwm.cloudwatch_backends[self.account_id][self.region_name].alarms[self.name].alarm_arn
        raise cfp.UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json,
                                        account_id, region_name, **kw):
        props = cloudformation_json["Properties"]
        name = props.get("AlarmName") or resource_name
        _put_alarm(account_id, region_name, name, props)
        return cls(account_id, region_name, name)

    def delete(self, account_id: str, region: str) -> None:
        cwm.cloudwatch_backends[self.account_id][self.region_name].delete_alarms([self.name])


def alarm_update(old, old_json, new_json, name, account_id, region_name):
    """CW-1: an update keeps the alarm's state (PutMetricAlarm: "When you update an
    existing alarm, its state is left unchanged")."""
    backend = cwm.cloudwatch_backends[old.account_id][old.region_name]
    state = backend.alarms[old.name].state_value
    _put_alarm(old.account_id, old.region_name, old.name, new_json["Properties"])
    backend.alarms[old.name].state_value = state
    return old


_alarm_init = cwm.Alarm.__init__


def alarm_init(self, *args, **kwargs):
    """CW-2: PutMetricAlarm, "When this operation creates an alarm, the alarm
    state is immediately set to INSUFFICIENT_DATA". """
    _alarm_init(self, *args, **kwargs)
    self.state_value = "INSUFFICIENT_DATA"


cwm.Alarm.__init__ = alarm_init


def arc_update(old, old_json, new_json, name, account_id, region_name):
    """CFN-4 for ARC: properties that are not create-only are updated in place;
    a Region switch plan's are checked as on create (RS-2)."""
    if isinstance(old, RegionSwitchPlan):
        problems = plan_problems(new_json["Properties"])
        if problems:
            raise ValidationError(message="; ".join(problems))
    old.props = new_json["Properties"]
    return old


cfp.get_model_map.cache_clear()
cfp.get_model_list.cache_clear()
cfp.get_name_type_map.cache_clear()


# ---------------------------------------------------------------------------
# CloudFormation updates: order, replacement, cleanup (CFN-3, CFN-4)
# ---------------------------------------------------------------------------

# Types whose updates are modelled here: type -> in-place update function.
STRICT_UPDATERS = {
    "AWS::Route53::HealthCheck": hc_update,
    "AWS::Route53::RecordSet": recordset_update,
    "AWS::Route53::RecordSetGroup": group_update,
    ArcCluster.TYPE: arc_update,
    ArcControlPanel.TYPE: arc_update,
    ArcRoutingControl.TYPE: arc_update,
    ArcSafetyRule.TYPE: arc_update,
    RegionSwitchPlan.TYPE: arc_update,
    CloudWatchAlarm.TYPE: alarm_update,
}

# Create-only properties (path under Properties) per the CloudFormation registry
# schemas (cfn-lint's data/schemas/resources, "createOnlyProperties"); used when
# cfn-lint's copy cannot be read.
CREATE_ONLY = {
    "AWS::Route53::HealthCheck": [("HealthCheckConfig", "Type"),
                                  ("HealthCheckConfig", "MeasureLatency"),
                                  ("HealthCheckConfig", "RequestInterval")],
    "AWS::Route53::RecordSet": [("HostedZoneName",), ("HostedZoneId",)],
    "AWS::Route53::RecordSetGroup": [("HostedZoneName",), ("HostedZoneId",)],
    ArcCluster.TYPE: [("Name",), ("Tags",)],
    ArcControlPanel.TYPE: [("ClusterArn",), ("Tags",)],
    ArcRoutingControl.TYPE: [("ControlPanelArn",), ("ClusterArn",)],
    ArcSafetyRule.TYPE: [],
    RegionSwitchPlan.TYPE: [("Name",), ("PrimaryRegion",), ("RecoveryApproach",), ("Regions",)],
    # AlarmName: "Update requires: Replacement".
    CloudWatchAlarm.TYPE: [("AlarmName",)],
}
_schema_cache: dict[str, list] = {}


def create_only_paths(resource_type: str) -> list[tuple]:
    """CFN-4. CloudFormation User Guide, "Update behaviors of stack resources",
    Replacement: "AWS CloudFormation recreates the resource during an update,
    which also generates a new physical ID." Which properties: the registry
    schema's createOnlyProperties."""
    if resource_type in CREATE_ONLY:
        return CREATE_ONLY[resource_type]
    if resource_type not in _schema_cache:
        paths: list[tuple] = []
        try:
            import cfnlint.data.schemas as schemas
            from pathlib import Path
            base = Path(schemas.__file__).parent
            index = json.loads((base / "providers" / "us-east-1.json").read_text())
            schema = json.loads((base / "resources" / f"{index[resource_type]}.json").read_text())
            for p in schema.get("createOnlyProperties", []):
                parts = p.split("/")[2:]
                paths.append(tuple(parts))
        except Exception:
            pass
        _schema_cache[resource_type] = paths
    return _schema_cache[resource_type]


def _get(props: Any, path: tuple) -> Any:
    for part in path:
        if not isinstance(props, dict):
            return None
        props = props.get(part)
    return props


def refs(node: Any) -> set[str]:
    """Logical names a template node references (Ref, GetAtt, Sub)."""
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str):
                out.add(v)
            elif k == "Fn::GetAtt":
                out.add(v.split(".")[0] if isinstance(v, str) else v[0])
            elif k == "Fn::Sub":
                text = v if isinstance(v, str) else v[0]
                out |= {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                if not isinstance(v, str):
                    out |= refs(v[1])
            else:
                out |= refs(v)
    elif isinstance(node, list):
        for v in node:
            out |= refs(v)
    return out


def dependency_order(resources: dict) -> list[str]:
    """Resources with their dependencies (Ref, GetAtt, Sub, DependsOn) first."""
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name):
        if name in done or name in visiting or name not in resources:
            return
        visiting.add(name)
        deps = resources[name].get("DependsOn", [])
        deps = [deps] if isinstance(deps, str) else deps
        for d in sorted(refs(resources[name]) | set(deps)):
            visit(d)
        visiting.discard(name)
        done.append(name)

    for n in resources:
        visit(n)
    return done


def _annotate(e: Exception, logical_id: str) -> Exception:
    if not hasattr(e, "strict_logical_id"):
        e.strict_logical_id = logical_id
    return e


_orig_parse_and_create = cfp.parse_and_create_resource


def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
    """Wraps moto's: remembers the resolved properties (to diff at update) and
    which resource failed."""
    resolved = None
    try:
        tup = cfp.parse_resource_and_generate_name(
            logical_id, copy.deepcopy(resource_json), resources_map)
        resolved = tup[1] if tup else None
        res = _orig_parse_and_create(logical_id, resource_json, resources_map,
                                     account_id, region_name)
    except Exception as e:
        raise _annotate(e, logical_id)
    if res is not None:
        resources_map.__dict__.setdefault("_strict_resolved", {})[logical_id] = resolved
    return res


cfp.parse_and_create_resource = parse_and_create_resource


def _replacement_needed(rtype: str, old: dict, new: dict) -> bool:
    op, np_ = (old or {}).get("Properties", {}), new.get("Properties", {})
    return any(_get(op, p) != _get(np_, p) for p in create_only_paths(rtype))


def resource_map_update(self, template: dict, parameters: dict | None = None) -> None:
    """Replaces moto's ResourceMap.update. CloudFormation User Guide, "Update
    behaviors of stack resources", Replacement: "AWS CloudFormation creates the
    new resource first, changes references from other dependent resources to
    point to the new resource, and then deletes the old resource." Resources
    are added and updated in dependency order, every resource whose resolved
    properties changed (also through a Ref to a replaced resource) is updated,
    and removed or replaced resources are deleted last (cleanup)."""
    diff = self.build_resource_diff(template, parameters)
    old_json_map = self._resource_json_map
    resolved = self.__dict__.setdefault("_strict_resolved", {})
    self._template = template
    # The new template's parameters only: a parameter the update drops must
    # not be looked up in it (moto kept the old ones).
    self.input_parameters = dict(parameters or {})
    self.load_mapping()
    self.load_parameters()
    self.load_conditions()
    self._resource_json_map = template["Resources"]
    cleanup: list[tuple[Any, dict, str]] = []

    for name in dependency_order(template["Resources"]):
        if name not in old_json_map or name not in self._parsed_resources:
            _ = self[name]  # creates it (moto's lazy map)
            continue
        new_json = template["Resources"][name]
        rtype = new_json["Type"]
        try:
            tup = cfp.parse_resource_and_generate_name(name, copy.deepcopy(new_json), self)
            if not tup:
                continue
            cls, new_resolved, physical_name = tup
            old_resolved = resolved.get(name)
            if new_resolved == old_resolved:
                continue
            old_obj = self._parsed_resources[name]
            if rtype in STRICT_UPDATERS:
                if _replacement_needed(rtype, old_resolved, new_resolved):
                    new_obj = cls.create_from_cloudformation_json(
                        physical_name, new_resolved, self._account_id, self._region_name)
                    cleanup.append((old_obj, old_resolved, name))
                else:
                    new_obj = STRICT_UPDATERS[rtype](old_obj, old_resolved, new_resolved,
                                                     physical_name, self._account_id,
                                                     self._region_name)
            else:
                new_obj = cfp.parse_and_update_resource(
                    name, new_json, self, self._account_id, self._region_name) or old_obj
        except Exception as e:
            raise _annotate(e, name)
        new_obj.cf_resource_type = rtype
        new_obj.logical_resource_id = name
        self._parsed_resources[name] = new_obj
        resolved[name] = new_resolved

    # Cleanup: removed resources in reverse dependency order, then replaced ones.
    for name in reversed(dependency_order(old_json_map)):
        if name in diff["Remove"] and name in self._parsed_resources:
            try:
                self._delete_resource(self._parsed_resources.pop(name), old_json_map[name])
            except Exception as e:
                raise _annotate(e, name)
            resolved.pop(name, None)
    for old_obj, old_resolved, name in reversed(cleanup):
        try:
            self._delete_resource(old_obj, old_resolved)
        except Exception as e:
            raise _annotate(e, name)


cfp.ResourceMap.update = resource_map_update


# ---------------------------------------------------------------------------
# Change sets: what DescribeChangeSet reports (CFN-4)
# ---------------------------------------------------------------------------

UNKNOWN = object()


def _static(node: Any, params: dict, stack: cfm.Stack, changed: set) -> Any:
    """A template value known before the update, or UNKNOWN."""
    if isinstance(node, list):
        vals = [_static(v, params, stack, changed) for v in node]
        return UNKNOWN if any(v is UNKNOWN for v in vals) else vals
    if not isinstance(node, dict):
        return node
    if "Ref" in node:
        name = node["Ref"]
        if name in params:
            return params[name]
        parsed = stack.resource_map._parsed_resources
        if name in changed or name not in parsed:
            return UNKNOWN
        return getattr(parsed[name], "physical_resource_id", parsed[name])
    if "Fn::Join" in node:
        parts = _static(node["Fn::Join"][1], params, stack, changed)
        return UNKNOWN if parts is UNKNOWN else node["Fn::Join"][0].join(map(str, parts))
    if "Fn::Sub" in node and isinstance(node["Fn::Sub"], str):
        text = node["Fn::Sub"]
        for m in re.findall(r"\$\{([^!}][^}]*)\}", text):
            v = _static({"Ref": m}, params, stack, changed) if "." not in m else UNKNOWN
            if v is UNKNOWN:
                return UNKNOWN
            text = text.replace("${" + m + "}", str(v))
        return text
    if any(k.startswith("Fn::") for k in node):
        return UNKNOWN
    vals = {k: _static(v, params, stack, changed) for k, v in node.items()}
    return UNKNOWN if any(v is UNKNOWN for v in vals.values()) else vals


def _params(stack: cfm.Stack, template: dict, given: dict) -> tuple[dict, dict]:
    pseudo = {k: v for k, v in stack.resource_map._parsed_resources.items()
              if k.startswith("AWS::")}
    old = dict(pseudo, **stack.resource_map.resolved_parameters)
    new = dict(pseudo)
    for k, p in (template.get("Parameters") or {}).items():
        if "Default" in p:
            new[k] = p["Default"]
    new.update(given or {})
    return old, new


def plan(stack: cfm.Stack, template: dict, given_params: dict) -> dict[str, tuple[str, str | None]]:
    """logical id -> (Action, Replacement) as CloudFormation would report them:
    Modify also for resources whose Ref points at a replaced resource."""
    old_res = stack.resource_map._resource_json_map or {}
    new_res = template.get("Resources") or {}
    old_p, new_p = _params(stack, template, given_params)
    changed = {k for k in set(old_p) | set(new_p) if str(old_p.get(k)) != str(new_p.get(k))}
    changed |= set(new_res) - set(old_res)
    replacement: dict[str, str] = {}
    again = True
    while again:
        again = False
        for name in set(new_res) & set(old_res):
            if name in replacement:
                continue
            verdict = None
            for path in create_only_paths(new_res[name]["Type"]):
                ov = _get(old_res[name].get("Properties", {}), path)
                nv = _get(new_res[name].get("Properties", {}), path)
                if ov == nv and not (refs(nv) & changed):
                    continue
                so = _static(ov, old_p, stack, set())
                sn = _static(nv, new_p, stack, changed)
                if so is UNKNOWN or sn is UNKNOWN:
                    verdict = verdict or "Conditional"
                elif so != sn:
                    verdict = "True"
                    break
            if verdict:
                replacement[name] = verdict
                changed.add(name)
                again = True
    out: dict[str, tuple[str, str | None]] = {}
    for name in new_res:
        if name not in old_res:
            out[name] = ("Add", None)
        elif name in replacement:
            out[name] = ("Modify", replacement[name])
        elif new_res[name] != old_res[name] or refs(new_res[name]) & changed:
            out[name] = ("Modify", "False")
    for name in old_res:
        if name not in new_res:
            out[name] = ("Remove", None)
    return out


def change_set_diff(self: cfm.ChangeSet) -> list:
    """Replaces moto's ChangeSet.diff: adds Replacement (CFN-4) and lists the
    resources a replacement re-points. CloudFormation API Reference,
    ResourceChange, Replacement: "For the Modify action, indicates whether AWS
    CloudFormation will replace the resource by creating a new one and deleting
    the old one." """
    changes = []
    parsed = self.stack.resource_map._parsed_resources
    new_res = self.template_dict.get("Resources") or {}
    old_res = self.stack.resource_map._resource_json_map or {}
    for name, (action, repl) in plan(self.stack, self.template_dict, self.parameters).items():
        rtype = (new_res.get(name) or old_res.get(name))["Type"]
        change = cfm.Change(action=action, logical_resource_id=name, resource_type=rtype)
        if action != "Add" and name in parsed:
            change.physical_resource_id = getattr(parsed[name], "physical_resource_id", None)
        if repl:
            change.replacement = repl
        changes.append(change)
    return changes


cfm.ChangeSet.diff = change_set_diff


# ---------------------------------------------------------------------------
# Exports and imports (CFN-1, CFN-2)
# ---------------------------------------------------------------------------


def import_names(node: Any, subs: dict) -> set[str]:
    """The export names a template imports, where they are known statically."""
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Fn::ImportValue":
                if isinstance(v, str):
                    out.add(v)
                elif isinstance(v, dict) and isinstance(v.get("Fn::Sub"), str):
                    text = v["Fn::Sub"]
                    for m in re.findall(r"\$\{([^!}][^}]*)\}", text):
                        if m in subs:
                            text = text.replace("${" + m + "}", str(subs[m]))
                    if "${" not in text:
                        out.add(text)
            else:
                out |= import_names(v, subs)
    elif isinstance(node, list):
        for v in node:
            out |= import_names(v, subs)
    return out


def _subs(backend, stack_name: str, template: dict, params: dict) -> dict:
    subs = {"AWS::Region": backend.region_name, "AWS::AccountId": backend.account_id,
            "AWS::StackName": stack_name, "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com"}
    for k, p in (template.get("Parameters") or {}).items():
        if "Default" in p:
            subs[k] = p["Default"]
    subs.update(params or {})
    return subs


def check_imports_exist(backend, stack_name: str, template: dict, params: dict) -> None:
    """CFN-1. CloudFormation User Guide, Fn::ImportValue: "The intrinsic
    function Fn::ImportValue returns the value of an output exported by another
    stack."; AWS refuses CreateChangeSet/CreateStack/UpdateStack with
    ValidationError "No export named X found." (moto failed only at execute)."""
    for name in sorted(import_names(template.get("Resources"), _subs(backend, stack_name, template, params))
                       | import_names(template.get("Outputs"), _subs(backend, stack_name, template, params))):
        if name not in backend.exports:
            raise ExportNotFound(name)


def importers(backend, export_name: str, exporter_id: str) -> list[str]:
    out = []
    for st in backend.stacks.values():
        if st.stack_id == exporter_id or not st.template_dict:
            continue
        subs = _subs(backend, st.name, st.template_dict, st.resource_map.input_parameters)
        if export_name in import_names(st.template_dict, subs):
            out.append(st.name)
    return sorted(out)


def check_exports_kept(backend, stack: cfm.Stack, template: dict, params: dict) -> None:
    """CFN-2. CloudFormation User Guide, Fn::ImportValue: "You can't modify or
    remove an output value that is referenced by another stack." AWS:
    "Cannot update export X as it is in use by Y" / "Export X cannot be deleted
    as it is in use by Y"."""
    old_outputs = (stack.template_dict or {}).get("Outputs") or {}
    new_outputs = template.get("Outputs") or {}
    old_p, new_p = _params(stack, template, params)
    p = plan(stack, template, params)
    changed = {k for k in set(old_p) | set(new_p) if str(old_p.get(k)) != str(new_p.get(k))}
    changed |= {n for n, (a, r) in p.items() if a in ("Add", "Remove") or r in ("True", "Conditional")}
    new_by_name = {}
    for key, out in new_outputs.items():
        if out.get("Export"):
            name = _static(out["Export"].get("Name"), new_p, stack, changed)
            new_by_name[name] = out.get("Value")
    for export in stack.exports:
        users = importers(backend, export.name, stack.stack_id)
        if not users:
            continue
        if export.name not in new_by_name:
            raise ValidationError(message=(
                f"Export {export.name} cannot be deleted as it is in use by {', '.join(users)}"))
        old_expr = next((o.get("Value") for o in old_outputs.values() if o.get("Export")
                         and _static(o["Export"].get("Name"), old_p, stack, set()) == export.name),
                        UNKNOWN)
        new_expr = new_by_name[export.name]
        if old_expr == new_expr and not (refs(new_expr) & changed):
            continue  # same expression over unchanged inputs: same value
        new_value = _static(new_expr, new_p, stack, changed)
        if new_value is UNKNOWN or str(new_value) != str(export.value):
            raise ValidationError(message=(
                f"Cannot update export {export.name} as it is in use by {', '.join(users)}"))


def refresh_exports(backend, stack: cfm.Stack) -> None:
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        backend.exports.pop(name)
    for export in stack.exports:
        other = backend.exports.get(export.name)
        if other is not None and other.exporting_stack_id != stack.stack_id:
            raise ValidationError(message="Export names must be unique across a given region")
        backend.exports[export.name] = export


_orig_create_stack = cfm.CloudFormationBackend.create_stack
_orig_create_change_set = cfm.CloudFormationBackend.create_change_set
_orig_execute_change_set = cfm.CloudFormationBackend.execute_change_set
_orig_update_stack = cfm.CloudFormationBackend.update_stack


def create_stack(self, name, template, parameters, *args, **kwargs):
    check_imports_exist(self, name, cfm.Stack.parse_template(template), parameters)
    return _orig_create_stack(self, name, template, parameters, *args, **kwargs)


def create_change_set(self, stack_name, change_set_name, template, parameters, description,
                      change_set_type, *args, **kwargs):
    tpl = cfm.Stack.parse_template(template)
    check_imports_exist(self, stack_name, tpl, parameters)
    if change_set_type == "UPDATE":
        stack = next((s for s in self.stacks.values() if s.name == stack_name), None)
        if stack is not None:
            check_exports_kept(self, stack, tpl, parameters)
    cs_id, stack_id = _orig_create_change_set(
        self, stack_name, change_set_name, template, parameters, description,
        change_set_type, *args, **kwargs)
    stack = self.stacks[stack_id]
    # moto gives a change set's new stack no view of the region's exports.
    stack.cross_stack_resources = self.exports
    stack.resource_map.cross_stack_resources = self.exports
    return cs_id, stack_id


def _find_change_set(self, change_set_name):
    if change_set_name in self.change_sets:
        return self.change_sets[change_set_name]
    return next((c for c in self.change_sets.values() if c.change_set_name == change_set_name), None)


def execute_change_set(self, change_set_name, stack_name=None):
    """Wraps moto's: after success the stack gets its template, Outputs and
    Exports (moto left a change set's stack without them); a failure is
    recorded as <ACTION>_FAILED events and stack status, then reported."""
    cs = _find_change_set(self, change_set_name)
    if cs is None:
        raise ValidationError(stack_name)
    stack = self.stacks[cs.stack_id]
    kind = "CREATE" if cs.change_set_type == "CREATE" else "UPDATE"
    try:
        _orig_execute_change_set(self, change_set_name, stack_name)
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        refresh_exports(self, stack)
    except Exception as e:
        if os.environ.get("STRICT_MOTO_DEBUG"):
            traceback.print_exc()
        logical = getattr(e, "strict_logical_id", stack.name)
        message = getattr(e, "message", None) or str(e)
        code = getattr(e, "code", type(e).__name__)
        reason = f"Resource handler returned message: \"{message}\" (Code: {code})"
        rtype = (cs.template_dict.get("Resources", {}).get(logical) or {}).get("Type", "")
        event = cfm.Event(stack.stack_id, stack.name, logical, "", rtype,
                          f"{kind}_FAILED", reason, None)
        stack.events.append(event)
        stack._add_stack_event(f"{kind}_FAILED", resource_status_reason=(
            f"The following resource(s) failed to {kind.lower()}: [{logical}]."))
        stack.status = f"{kind}_FAILED"
        cs.execution_status = "EXECUTE_FAILED"
        raise ValidationError(message=f"{logical} {kind}_FAILED: {reason}")


def update_stack(self, name, template, role_arn, parameters, tags):
    stack = self.get_stack(name)
    tpl = cfm.Stack.parse_template(template)
    given = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
    check_imports_exist(self, stack.name, tpl, given)
    check_exports_kept(self, stack, tpl, given)
    stack = _orig_update_stack(self, name, template, role_arn, parameters, tags)
    refresh_exports(self, stack)
    return stack


def delete_stack(self, name_or_stack_id):
    """Replaces moto's: refuses while another stack imports an export (CFN-2:
    Fn::ImportValue: "You can't delete a stack if another stack references one
    of its outputs.")."""
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None:
        return
    if stack.enable_termination_protection:
        raise ValidationError(message=(
            f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled"))
    for export in stack.exports:
        users = importers(self, export.name, stack.stack_id)
        if users:
            raise ValidationError(message=(
                f"Export {export.name} cannot be deleted as it is in use by {', '.join(users)}"))
    self.stacks.pop(stack.stack_id)
    stack.delete()
    self.deleted_stacks[stack.stack_id] = stack
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        self.exports.pop(name)


cfm.CloudFormationBackend.create_stack = create_stack
cfm.CloudFormationBackend.create_change_set = create_change_set
cfm.CloudFormationBackend.execute_change_set = execute_change_set
cfm.CloudFormationBackend.update_stack = update_stack
cfm.CloudFormationBackend.delete_stack = delete_stack


def update_termination_protection(self):
    """CFN-7: moto has no UpdateTerminationProtection; AWS keeps the flag."""
    name = self._get_param("StackName")
    stacks = self.cloudformation_backend.describe_stacks(name)
    stacks[0].enable_termination_protection = self._get_param(
        "EnableTerminationProtection") in (True, "true", "True")
    from moto.core.responses import ActionResult
    return ActionResult({"StackId": stacks[0].stack_id})


# CFN-6: UpdateStack's no-change refusal is not CreateChangeSet's.
from moto.cloudformation import responses as cfr  # noqa: E402

cfr.CloudFormationResponse.update_termination_protection = update_termination_protection
_create_change_set_response = cfr.CloudFormationResponse.create_change_set


def create_change_set_response(self):
    self._validate_different_update = lambda *a, **kw: None
    try:
        return _create_change_set_response(self)
    finally:
        del self._validate_different_update


cfr.CloudFormationResponse.create_change_set = create_change_set_response


# ---------------------------------------------------------------------------
# STS-1: AssumeRole of a role that exists and trusts the caller
# ---------------------------------------------------------------------------
# moto lets any role be assumed ("the role does not need to exist"). AWS
# refuses with AccessDenied unless the role exists and its trust policy
# allows the caller, with the external ID the policy's `sts:ExternalId`
# condition asks for (STS API Reference, AssumeRole: "To assume a role from
# a different account, your Amazon Web Services account must be trusted by
# the role. The trust relationship is defined in the role's trust policy";
# the same error whether or not the role exists). RoleSessionName: 2 to 64
# of [\w+=,.@-] (AssumeRole, RoleSessionName: "alphanumeric characters with
# no spaces ... +=,.@-", length 2 to 64). Modelled: Allow statements whose Principal
# names the caller's account (ID or root ARN) or "*", and a StringEquals
# sts:ExternalId condition; nothing else of the policy language.

from moto.core.exceptions import ServiceException  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.sts import models as stsm  # noqa: E402


class AccessDenied(ServiceException):
    code = "AccessDenied"


_SESSION = re.compile(r"^[\w+=,.@-]{2,64}$")


def _principals(statement: dict) -> list[str]:
    p = statement.get("Principal", {})
    if p == "*":
        return ["*"]
    aws = p.get("AWS", []) if isinstance(p, dict) else []
    return [aws] if isinstance(aws, str) else list(aws)


def trust_allows(policy: dict, caller: str, external_id: str | None) -> bool:
    """Whether `policy` lets account `caller` assume the role with `external_id`."""
    for st in policy.get("Statement", []):
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if st.get("Effect") != "Allow" or not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        if not any(p == "*" or p == caller or re.fullmatch(rf"arn:aws[\w-]*:iam::{caller}:(root|role/.+|user/.+)", p)
                   for p in _principals(st)):
            continue
        want = st.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
        if want is not None and external_id not in ([want] if isinstance(want, str) else want):
            continue
        return True
    return False


_assume_role = stsm.STSBackend.assume_role


def assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id):
    if not _SESSION.match(role_session_name or ""):
        raise AccessDenied("ValidationError", f"RoleSessionName {role_session_name!r} must be 2 to 64 of [\\w+=,.@-]")
    m = re.fullmatch(r"arn:aws[\w-]*:iam::(\d{12}):role/(?:.*/)?([^/]+)", role_arn or "")
    denied = AccessDenied(
        f"User: arn:aws:iam::{self.account_id}:user/moto is not authorized to perform: "
        f"sts:AssumeRole on resource: {role_arn}")
    if not m:
        raise denied
    iam = iam_backends[m.group(1)]["global"]
    role = next((r for r in iam.roles.values() if r.name == m.group(2)), None)
    if role is None:
        raise denied
    doc = role.assume_role_policy_document
    doc = json.loads(doc) if isinstance(doc, str) else doc
    if not trust_allows(doc, self.account_id, external_id):
        raise denied
    return _assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id)


stsm.STSBackend.assume_role = assume_role


# ---------------------------------------------------------------------------
# CW-4: CloudWatch's Smithy RPC v2 CBOR protocol, for DescribeAlarms
# ---------------------------------------------------------------------------

import cbor2  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.iam.models import get_account_id_from  # noqa: E402
from moto.moto_server import werkzeug_app as wapp  # noqa: E402

CW_CBOR = re.compile(r"^/service/GraniteServiceVersion20100801/operation/(\w+)$")


def _cbor_reply(start_response, status: str, body: dict):
    data = cbor2.dumps(body)
    start_response(status, [("Content-Type", "application/cbor"),
                            ("smithy-protocol", "rpc-v2-cbor"),
                            ("Content-Length", str(len(data)))])
    return [data]


def _alarm_cbor(a) -> dict:
    out = {"AlarmName": a.name, "AlarmArn": a.alarm_arn, "StateValue": a.state_value,
           "StateReason": a.state_reason, "ActionsEnabled": a.actions_enabled,
           "AlarmActions": list(a.alarm_actions), "OKActions": list(a.ok_actions),
           "Dimensions": [{"Name": d.name, "Value": d.value} for d in a.dimensions],
           "ComparisonOperator": a.comparison_operator,
           "EvaluationPeriods": a.evaluation_periods}
    for key, value in (("Namespace", a.namespace), ("MetricName", a.metric_name),
                       ("Statistic", a.statistic), ("Period", a.period),
                       ("Threshold", a.threshold), ("AlarmDescription", a.description),
                       ("TreatMissingData", a.treat_missing_data)):
        if value is not None:
            out[key] = value
    return out


def _epoch(t) -> float:
    """A timestamp as CBOR (tag 1), moto (naive UTC) or ISO text has it."""
    import datetime as dt
    if isinstance(t, (int, float)):
        return float(t)
    if isinstance(t, str):
        t = dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.timestamp()


_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")


def get_metric_data(start_response, backend, req):
    """CW-5. GetMetricData's MetricStat queries over CBOR, answered from the
    data PutMetricData stored; Minimum, Maximum, Average, Sum, SampleCount."""
    def bad(message):
        return _cbor_reply(start_response, "400 Bad Request",
                           {"__type": "ValidationError", "message": message})
    queries = req.get("MetricDataQueries") or []
    if len(queries) > 500:
        return bad("The collection MetricDataQueries must not have a size greater than 500.")
    for q in queries:
        if not _ID.match(q.get("Id", "")):
            return bad(f"Invalid metric data query Id {q.get('Id')!r}: the first character "
                       "must be a lowercase letter, and only letters, numbers and _ follow")
    start, end = _epoch(req["StartTime"]), _epoch(req["EndTime"])
    if end <= start:
        return bad("The parameter EndTime must be greater than StartTime.")
    index: dict = {}
    for md in backend.get_all_metrics():
        dims = tuple(sorted((d.name, d.value) for d in md.dimensions))
        index.setdefault((md.namespace, md.name, dims), []).append(
            (_epoch(md.timestamp), float(md.value)))
    results = []
    for q in queries:
        stat = q["MetricStat"]
        m = stat["Metric"]
        dims = tuple(sorted((d["Name"], d["Value"]) for d in m.get("Dimensions", [])))
        period = int(stat["Period"])
        buckets: dict = {}
        for t, v in index.get((m["Namespace"], m["MetricName"], dims), []):
            if start <= t < end:
                buckets.setdefault(start + ((t - start) // period) * period, []).append(v)
        fn = {"Minimum": min, "Maximum": max, "Sum": sum, "SampleCount": len,
              "Average": lambda xs: sum(xs) / len(xs)}[stat["Stat"]]
        order = sorted(buckets, reverse=req.get("ScanBy", "TimestampDescending") != "TimestampAscending")
        results.append({"Id": q["Id"], "Label": m["MetricName"], "StatusCode": "Complete",
                        "Timestamps": [cbor2.CBORTag(1, t) for t in order],
                        "Values": [float(fn(buckets[t])) for t in order]})
    return _cbor_reply(start_response, "200 OK", {"MetricDataResults": results, "Messages": []})


def cloudwatch_cbor(environ, start_response):
    """CW-4. Smithy RPC v2 CBOR: POST /service/{service}/operation/{operation},
    a CBOR body, errors by `__type`. DescribeAlarms, AlarmNames: "Array Members:
    Maximum number of 100 items" (CloudWatch API Reference)."""
    op = CW_CBOR.match(environ.get("PATH_INFO", "")).group(1)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    req = cbor2.loads(raw) if raw else {}
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", auth)
    region = scope.group(1) if scope else "us-east-1"
    # The signer's account, as moto's own protocols find it: an assumed
    # role's keys act in the role's account.
    key = re.search(r"Credential=([^/]+)/", auth)
    account = get_account_id_from(key.group(1)) if key else DEFAULT_ACCOUNT_ID
    backend = cwm.cloudwatch_backends[account][region]
    if op == "GetMetricData":
        return get_metric_data(start_response, backend, req)
    if op != "DescribeAlarms":
        return _cbor_reply(start_response, "400 Bad Request", {
            "__type": "UnknownOperationException", "message": f"{op} is not modelled"})
    names = req.get("AlarmNames")
    if names is not None and len(names) > 100:
        return _cbor_reply(start_response, "400 Bad Request", {
            "__type": "ValidationError",
            "message": "1 validation error detected: Value at 'alarmNames' failed to satisfy "
                       "constraint: Member must have length less than or equal to 100"})
    if names is not None:
        alarms = backend.get_alarms_by_alarm_names(names)
    elif req.get("AlarmNamePrefix"):
        alarms = backend.get_alarms_by_alarm_name_prefix(req["AlarmNamePrefix"])
    else:
        alarms = backend.describe_alarms()
    types = req.get("AlarmTypes") or ["MetricAlarm"]
    metric = [_alarm_cbor(a) for a in alarms if not a.rule] if "MetricAlarm" in types else []
    return _cbor_reply(start_response, "200 OK", {"MetricAlarms": metric, "CompositeAlarms": []})


# ---------------------------------------------------------------------------
# Counting calls (not a rule: what the tests and the deploy benchmark measure)
# ---------------------------------------------------------------------------
# GET /_gen/calls answers {"calls": {"service:Action": n}, "total": n,
# "most_in_flight": n}; POST /_gen/calls/reset zeroes them. With
# STRICT_MOTO_DELAY_MS set, every AWS call waits that long first (the
# benchmark's stand-in for AWS's latency); calls still overlap, the server
# is threaded.

import io  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from urllib.parse import parse_qs  # noqa: E402

_calls: dict[str, int] = {}
_flight = {"now": 0, "most": 0}
_calls_lock = threading.Lock()
_DELAY_S = float(os.environ.get("STRICT_MOTO_DELAY_MS", "0") or 0) / 1000.0
_R53_ID = re.compile(r"/(hostedzone|healthcheck|change|healthcheckcount)/[^/]+")


def call_name(environ) -> tuple[str, bytes]:
    """The call's `service:Action` and the body it carried (read here)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/",
                      environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else "?"
    path = environ.get("PATH_INFO", "")
    target = environ.get("HTTP_X_AMZ_TARGET")
    cbor = CW_CBOR.match(path)
    if target:
        action = target.rsplit(".", 1)[-1]
    elif cbor:
        action = cbor.group(1)
    else:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        form = parse_qs(raw.decode("utf-8", "replace")) if raw[:1] != b"<" else {}
        found = (form.get("Action") or query.get("Action") or [None])[0]
        action = found or f"{environ.get('REQUEST_METHOD')} {_R53_ID.sub(lambda m: '/' + m.group(1) + '/{id}', path)}"
    return f"{service}:{action}", raw


def _json_reply(start_response, body: dict):
    data = json.dumps(body, sort_keys=True).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


_dispatch = wapp.DomainDispatcherApplication.__call__


def dispatch(self, environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/_gen/calls":
        with _calls_lock:
            return _json_reply(start_response, {"calls": dict(_calls),
                                                "total": sum(_calls.values()),
                                                "most_in_flight": _flight["most"]})
    if path == "/_gen/calls/reset":
        with _calls_lock:
            _calls.clear()
            _flight["most"] = _flight["now"]
        return _json_reply(start_response, {})
    name, raw = call_name(environ)
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))
    with _calls_lock:
        _calls[name] = _calls.get(name, 0) + 1
        _flight["now"] += 1
        _flight["most"] = max(_flight["most"], _flight["now"])
    try:
        if _DELAY_S:
            time.sleep(_DELAY_S)
        if environ.get("REQUEST_METHOD") == "POST" and CW_CBOR.match(path):
            return cloudwatch_cbor(environ, start_response)
        return _dispatch(self, environ, start_response)
    finally:
        with _calls_lock:
            _flight["now"] -= 1


wapp.DomainDispatcherApplication.__call__ = dispatch


def main(argv: list[str] | None = None) -> None:
    from moto.server import main as moto_main
    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
