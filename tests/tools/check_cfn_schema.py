"""Validate resources of CloudFormation templates against their registry schemas, deeply.

Usage: check_cfn_schema.py TYPE[,TYPE...] FILE...

cfn-lint knows `AWS::ARCRegionSwitch::Plan` but does not look inside its
`ExecutionBlockConfiguration` (a oneOf), so a misspelt field of an execution
block passes it. This check validates each resource of the given types
whole, with jsonschema, against the registry schema cfn-lint ships (the
us-east-1 provider's): `!Sub` strings have their pseudo parameters filled in,
`!Ref` and `!GetAtt` become placeholder strings, read-only properties are
dropped. Exits 1 on any error.
"""
import json
import os
import re
import sys

import cfnlint
import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    pass


PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": "123456789012", "AWS::Region": "us-east-1"}


def sub(loader, node):
    text = loader.construct_scalar(node)
    return re.sub(r"\$\{([^}]+)\}", lambda m: PSEUDO.get(m.group(1), "x"), text)


for tag in ("!Ref", "!GetAtt", "!ImportValue"):
    Loader.add_constructor(tag, lambda loader, node: "placeholder")
Loader.add_constructor("!Sub", sub)


def schema_for(kind):
    data = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas")
    with open(os.path.join(data, "providers", "us-east-1.json")) as f:
        digest = json.load(f)[kind]
    with open(os.path.join(data, "resources", f"{digest}.json")) as f:
        schema = json.load(f)
    for ro in schema.get("readOnlyProperties", []):
        schema["properties"].pop(ro.split("/")[-1], None)
    schema["additionalProperties"] = False
    return schema


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    kinds = sys.argv[1].split(",")
    schemas = {k: schema_for(k) for k in kinds}
    errors = checked = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            template = yaml.load(f, Loader=Loader)
        for name, res in (template.get("Resources") or {}).items():
            schema = schemas.get(res.get("Type"))
            if schema is None:
                continue
            checked += 1
            v = jsonschema.Draft7Validator(schema)
            for err in sorted(v.iter_errors(res.get("Properties") or {}), key=lambda e: list(e.path)):
                where = ".".join(str(p) for p in err.path) or "(root)"
                # A oneOf names every branch; the useful part is the deepest cause.
                best = jsonschema.exceptions.best_match([err])
                print(f"ERROR {path} {name} ({res['Type']}): {where}: {best.message}")
                errors += 1
    print(f"check_cfn_schema: {checked} resources checked, {errors} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
