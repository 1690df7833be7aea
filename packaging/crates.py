#!/usr/bin/env python3
"""Lists the Rust crates a binary package links: name, version, licence and
where its source is, from `cargo metadata` (the lock file's resolve, normal
dependencies only, Linux targets). .ci/package writes it beside the
package's copyright file as crates.txt.

Usage: crates.py PACKAGE < metadata.json > crates.txt
"""
import json
import sys


def main() -> None:
    root_name = sys.argv[1]
    meta = json.load(sys.stdin)
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(i for i, p in packages.items() if p["name"] == root_name and p["source"] is None)
    seen, stack = set(), [root]
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        for dep in nodes[i]["deps"]:
            # Build scripts' and dev dependencies are not in the binary.
            if any(k["kind"] is None for k in dep["dep_kinds"]):
                stack.append(dep["pkg"])
    rows = sorted(
        (p["name"], p["version"], p.get("license") or "see its source", p.get("repository") or "")
        for p in (packages[i] for i in seen)
        if p["source"] is not None
    )
    print(f"The Rust crates {root_name} is built from, besides its own ({len(rows)}):")
    print("NAME VERSION: LICENCE <SOURCE>")
    for name, version, licence, source in rows:
        print(f"{name} {version}: {licence}" + (f" <{source}>" if source else ""))


if __name__ == "__main__":
    main()
