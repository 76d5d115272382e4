"""Validate custom resources against their CRD's openAPIV3Schema, strictly.

Usage: check_crds.py CRD_DIR FILE...

Kubernetes silently prunes unknown fields of custom resources, so a misspelt
field in a Flux Kustomization would be lost without an error. This check
closes every object schema (`additionalProperties: false` wherever the schema
lists `properties` and does not preserve unknown fields), then validates each
document whose apiVersion and kind a CRD in CRD_DIR defines. Documents of
other kinds are left to kubernetes-validate. Exits 1 on any error.
"""
import copy
import glob
import os
import sys

import jsonschema
import yaml


def closed(schema):
    schema = copy.deepcopy(schema)

    def walk(s):
        if not isinstance(s, dict):
            return
        if "properties" in s and not s.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in s:
            s["additionalProperties"] = False
        for key in ("properties", "patternProperties", "definitions"):
            for sub in (s.get(key) or {}).values():
                walk(sub)
        for key in ("items", "additionalProperties", "not"):
            walk(s.get(key))
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in s.get(key) or []:
                walk(sub)

    walk(schema)
    return schema


def load_crds(crd_dir):
    schemas = {}
    for path in sorted(glob.glob(os.path.join(crd_dir, "*.yaml"))):
        with open(path) as f:
            for crd in yaml.safe_load_all(f):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group = crd["spec"]["group"]
                kind = crd["spec"]["names"]["kind"]
                for v in crd["spec"]["versions"]:
                    schema = v.get("schema", {}).get("openAPIV3Schema")
                    if schema:
                        schemas[(f"{group}/{v['name']}", kind)] = closed(schema)
    return schemas


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    schemas = load_crds(sys.argv[1])
    errors = checked = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            docs = list(yaml.safe_load_all(f))
        for i, doc in enumerate(docs):
            if not doc:
                continue
            key = (doc.get("apiVersion"), doc.get("kind"))
            schema = schemas.get(key)
            if schema is None:
                continue
            checked += 1
            print(f"checked {key[1]} {key[0]} {doc.get('metadata', {}).get('name')}")
            validator = jsonschema.Draft7Validator(schema)
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
                where = ".".join(str(p) for p in err.path) or "(root)"
                print(f"ERROR {path} document {i} ({key[1]} {doc.get('metadata', {}).get('name')}): {where}: {err.message}")
                errors += 1
    print(f"check_crds: {checked} custom resources checked, {errors} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
