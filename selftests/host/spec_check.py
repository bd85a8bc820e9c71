#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check Documentation/netlink/specs/cohort.yaml against the genetlink-c
schema from the kernel source, and check that every name and value it
defines agrees with uapi/linux/cohort.h (by compiling static assertions).
Prints TAP. With --self-test, also shows that a mutated spec is caught."""

import copy
import os
import subprocess
import sys
import tempfile

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(TOP, "Documentation/netlink/specs/cohort.yaml")
SCHEMA = os.path.join(TOP, "build/ksrc/Documentation/netlink/genetlink-c.yaml")


def c_name(s):
    return s.upper().replace("-", "_")


def expected(spec):
    """(C expression, expected value) pairs the header must satisfy."""
    fam = spec["name"]
    out = []
    out.append((c_name(spec["c-family-name"]), f'"{fam}"'))
    out.append((c_name(spec["c-version-name"]), str(spec.get("version", 1))))
    for d in spec.get("definitions", []):
        if d["type"] == "const":
            out.append((c_name(f"{fam}-{d['name']}"), str(d["value"])))
        elif d["type"] == "enum":
            prefix = d.get("name-prefix", f"{fam}-{d['name']}-")
            val = d.get("value-start", 0)
            for e in d["entries"]:
                out.append((c_name(prefix + e), str(val)))
                val += 1
    consts = {d["name"]: d["value"] for d in spec.get("definitions", [])
              if d["type"] == "const"}
    for aset in spec["attribute-sets"]:
        prefix = aset.get("name-prefix", f"{fam}-a-{aset['name']}-")
        val = 1
        for a in aset["attributes"]:
            val = a.get("value", val)
            out.append((c_name(prefix + a["name"]), str(val)))
            checks = a.get("checks", {})
            if "max-len" in checks and a["name"] == "node-name":
                out.append((c_name(f"{fam}-node-name-max") + " - 1",
                            str(checks["max-len"])))

            last = val
            val += 1
        if "attr-max-name" in aset:
            out.append((c_name(aset["attr-max-name"]), str(last)))
    ops = spec["operations"]
    prefix = ops.get("name-prefix", f"{fam}-cmd-")
    val = 1
    for op in ops["list"]:
        val = op.get("value", val)
        out.append((c_name(prefix + op["name"]), str(val)))
        last = val
        val += 1
    if "cmd-max-name" in spec:
        out.append((c_name(spec["cmd-max-name"]), str(last)))
    return out


def header_agrees(spec):
    """Return (ok, compiler output)."""
    lines = ["#include <linux/cohort.h>"]
    for i, (expr, val) in enumerate(expected(spec)):
        if val.startswith('"'):
            lines.append(f"static const char s{i}[] = {expr};")
            lines.append(f"_Static_assert(sizeof(s{i}) == sizeof({val}), \"{expr}\");")
        else:
            lines.append(f"_Static_assert(({expr}) == ({val}), \"{expr} != {val}\");")
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        path = f.name
    try:
        r = subprocess.run(["gcc", "-fsyntax-only", "-std=gnu11",
                            "-I", os.path.join(TOP, "uapi"), path],
                           capture_output=True, text=True)
        return r.returncode == 0, r.stderr
    finally:
        os.unlink(path)


def main():
    with open(SPEC) as f:
        spec = yaml.safe_load(f)
    n = 0
    failed = 0

    def result(ok, name, detail=""):
        nonlocal n, failed
        n += 1
        if not ok:
            failed += 1
            for line in detail.strip().splitlines()[:20]:
                print(f"# {line}")
        print(f"{'ok' if ok else 'not ok'} {n} {name}")

    print("TAP version 13")
    try:
        import jsonschema
        with open(SCHEMA) as f:
            schema = yaml.safe_load(f)
        jsonschema.validate(spec, schema)
        result(True, "spec: valid against the genetlink-c schema")
    except Exception as e:  # noqa: BLE001 - any failure is a test failure
        result(False, "spec: valid against the genetlink-c schema", str(e))

    ok, err = header_agrees(spec)
    result(ok, "spec: names and values agree with uapi/linux/cohort.h", err)

    # The check itself must be able to fail: a spec with a shifted command
    # value and one with an extra attribute must both be caught.
    bad = copy.deepcopy(spec)
    bad["operations"]["list"][1]["value"] = 5
    ok1, _ = header_agrees(bad)
    bad = copy.deepcopy(spec)
    bad["attribute-sets"][0]["attributes"].insert(
        1, {"name": "bogus", "type": "u32"})
    ok2, _ = header_agrees(bad)
    result(not ok1 and not ok2, "spec: a mismatching spec is detected")

    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
