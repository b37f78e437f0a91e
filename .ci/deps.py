#!/usr/bin/env python3
"""Dependency review that runs offline: every crate that can end up in a build of authcrypt
(normal, build and dev dependencies) carries a permissive licence, and the library's runtime
dependency graph holds one version of each crate."""
import json
import re
import subprocess
import sys

ALLOWED = {
    "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "BSD-1-Clause", "0BSD", "ISC",
    "Zlib", "Unicode-3.0", "Unicode-DFS-2016", "CC0-1.0", "Unlicense", "BSL-1.0",
}


def allowed(expr: str) -> bool:
    expr = expr.replace("/", " OR ")
    expr = re.sub(r"\bWITH\s+[\w.\-]+", "", expr)
    tokens = re.findall(r"\(|\)|[\w.\-+]+", expr)
    out = []
    for t in tokens:
        if t in ("(", ")"):
            out.append(t)
        elif t == "AND":
            out.append(" and ")
        elif t == "OR":
            out.append(" or ")
        else:
            out.append(str(t in ALLOWED))
    try:
        return bool(eval("".join(out), {"__builtins__": {}}, {}))
    except SyntaxError:
        return False


meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--locked"]))
bad = []
for p in meta["packages"]:
    if p["source"] is None:
        continue
    lic = p.get("license")
    if not lic or not allowed(lic):
        bad.append(f"{p['name']} {p['version']}: {lic or p.get('license_file') or 'no licence'}")
if bad:
    print("crates with a licence outside the allow-list:\n  " + "\n  ".join(bad))
    sys.exit(1)

dups = subprocess.run(
    ["cargo", "tree", "--locked", "-e", "normal,no-proc-macro", "-d", "--depth", "0"],
    capture_output=True, text=True, check=True,
).stdout.strip()
if dups:
    print("the library's runtime dependencies hold several versions of a crate:\n" + dups)
    sys.exit(1)
print(f"dependency review: {len(meta['packages'])} crates, licences allowed, no duplicate runtime crates")
