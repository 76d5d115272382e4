"""Validate YAML specs against a JSON Schema (draft 2020-12).

Usage: check_schema.py SCHEMA.json SPEC.yaml...
Prints each error; exits 1 if any spec does not validate.
"""
import json
import sys

import jsonschema
import yaml


def main():
    schema = json.load(open(sys.argv[1]))
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        for err in validator.iter_errors(yaml.safe_load(open(path))):
            where = ".".join(str(p) for p in err.path) or "(root)"
            print(f"{path}: {where}: {err.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
