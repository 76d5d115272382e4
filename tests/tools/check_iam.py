"""Lint an IAM policy against IAM's own action, resource and condition data.

Usage: check_iam.py POLICY

IAM accepts a policy that names a condition key an action never carries, or
an ARN of a type the action is not authorized against, and then simply never
matches it: the statement grants nothing and the caller is denied at run time.
This check catches that before deploy, with parliament (its bundled
iam_definition.json is the Service Authorization Reference as data).

It fails (exit 1, one line per finding) on:

- every parliament finding. Those that matter here are UNKNOWN_PREFIX,
  UNKNOWN_ACTION, UNKNOWN_CONDITION_FOR_ACTION (a condition key IAM does not
  define for the action), RESOURCE_MISMATCH (no resource of a required type
  for an action, or no "*" for an action that has no resource type),
  INVALID_ARN, RESOURCE_STAR, RESOURCE_EFFECTIVELY_STAR, MISMATCHED_TYPE*,
  UNKNOWN_OPERATOR, MALFORMED*, DUPLICATE_SID, INVALID_SID, INVALID_VERSION,
  NO_VERSION and EXCEPTION; none is ignored.
- STAR_WITH_RESOURCE_TYPE: an Allow statement with Resource "*" holds an
  action for which IAM defines a resource type, required or optional
  (parliament's RESOURCE_STAR looks at required types only). "*" is for
  actions with no resource type, and for the calls in STAR_WHEN_UNNAMED, in
  a statement of their own: made without naming a resource, they are
  authorized on none of their resource type.
- RESOURCE_TYPE_MISMATCH: an action with resource types, none of which any
  resource of its statement matches (covers actions whose types are all
  optional, which RESOURCE_MISMATCH skips).
- UNUSED_RESOURCE: a resource ARN that matches no resource type of any action
  in its statement: it grants nothing, and reads as if it scoped something.
- UNSUPPORTED: NotAction, NotResource or NotPrincipal, which these rules
  cannot reason about.

It always ends with "check_iam: N statements, M actions, K findings
(parliament VERSION)"; exit 0 only when K is 0.
"""
import json
import sys
import warnings

# parliament imports pkg_resources, which warns that it is deprecated.
warnings.filterwarnings("ignore", category=UserWarning, module="parliament")
warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
warnings.filterwarnings("ignore", category=DeprecationWarning)

import parliament  # noqa: E402
from parliament import analyze_policy_string, expand_action  # noqa: E402
from parliament.statement import get_arn_format, get_privilege_info  # noqa: E402


def as_list(v):
    return v if isinstance(v, list) else [v]


def resource_types(service, action):
    """The action's resource types as (name, required, arn_format), empty names dropped."""
    info = get_privilege_info(service, action)
    out = []
    for rt in info["resource_types"]:
        name = rt["resource_type"]
        if not name:
            continue
        fmt = get_arn_format(name, info["service_resources"])
        out.append((name.rstrip("*"), name.endswith("*"), fmt))
    return out


# Calls made without naming a resource, which a resource ARN cannot grant.
# DescribeStacks: "If you don't pass a parameter to StackName, the API
# returns a response that describes all resources in the account", and the
# page denies that case with NotResource "arn:aws:cloudformation:*:*:stack/*/*"
# (CloudFormation API Reference, DescribeStacks): it is not on a stack ARN.
STAR_WHEN_UNNAMED = {"cloudformation:DescribeStacks"}


def own_checks(policy):
    """The checks parliament does not make. Returns a list of message strings."""
    findings = []
    statements = as_list(policy.get("Statement", []))
    for i, stmt in enumerate(statements):
        where = "statement {} ({})".format(i, stmt.get("Sid", "no Sid"))
        for key in ("NotAction", "NotResource", "NotPrincipal"):
            if key in stmt:
                findings.append("UNSUPPORTED: {}: {} is not checked".format(where, key))
        if stmt.get("Effect") != "Allow" or "Action" not in stmt or "Resource" not in stmt:
            continue
        resources = as_list(stmt["Resource"])
        star = "*" in resources
        arns = [r for r in resources if r != "*"]
        used = set()
        for action in as_list(stmt["Action"]):
            try:
                expanded = expand_action(action)
            except Exception:
                continue  # parliament reports UNKNOWN_ACTION / UNKNOWN_PREFIX
            for a in expanded:
                name = "{}:{}".format(a["service"], a["action"])
                types = resource_types(a["service"], a["action"])
                if not types:
                    continue
                alone = all(
                    "{}:{}".format(x["service"], x["action"]) in STAR_WHEN_UNNAMED
                    for act in as_list(stmt["Action"]) for x in expand_action(act))
                if star and not (name in STAR_WHEN_UNNAMED and alone and not arns):
                    findings.append(
                        "STAR_WITH_RESOURCE_TYPE: {}: {} has resource types {} but is granted on \"*\"".format(
                            where, name, [t for t, _, _ in types]
                        )
                    )
                matched = False
                for t, _, fmt in types:
                    for arn in arns:
                        if parliament.is_arn_strictly_valid(t, fmt, arn):
                            matched = True
                            used.add(arn)
                if arns and not matched:
                    findings.append(
                        "RESOURCE_TYPE_MISMATCH: {}: no resource matches a type of {} ({})".format(
                            where, name, ", ".join("{} {}".format(t, f) for t, _, f in types)
                        )
                    )
        for arn in arns:
            if arn not in used:
                findings.append(
                    "UNUSED_RESOURCE: {}: {} matches no resource type of the statement's actions".format(
                        where, arn
                    )
                )
    return findings


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = argv[1]
    with open(path) as f:
        text = f.read()
    findings = []
    result = analyze_policy_string(text, filepath=path, ignore_private_auditors=True)
    for f in result.findings:
        line = f.location.get("line") if isinstance(f.location, dict) else None
        at = " (line {})".format(line) if line else ""
        findings.append("{}{}: {}".format(f.issue, at, f.detail))
    try:
        policy = json.loads(text)
    except ValueError:
        policy = None  # parliament reports MALFORMED_JSON
    actions = set()
    statements = []
    if isinstance(policy, dict):
        statements = as_list(policy.get("Statement", []))
        findings.extend(own_checks(policy))
        for s in statements:
            actions.update(as_list(s.get("Action", [])))
    for line in findings:
        print("{}: {}".format(path, line))
    print(
        "check_iam: {} statements, {} actions, {} findings (parliament {})".format(
            len(statements), len(actions), len(findings), parliament.__version__
        )
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
