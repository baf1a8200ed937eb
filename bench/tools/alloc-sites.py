#!/usr/bin/env python3
"""Heap allocation sites per request, from two valgrind DHAT runs of the probe.

    bench/tools/alloc-sites.py CLIENT get|patch BASE-URL [N1 N2]

Runs `wirequest-bench probe loop CLIENT WHAT N BASE-URL` under `valgrind --tool=dhat` for N1
and N2 requests (default 100 and 600), takes the difference per allocation site so setup
cancels out, and prints the sites that allocate per request: blocks and bytes per request, and
the first frames of the call stack that are not the allocator or std's collections.

Needs valgrind (`apt-get install -y valgrind`) and the profiling build (release code with
line tables): `cargo build --profile profiling --manifest-path bench/Cargo.toml`. A server must
be running at BASE-URL: `target/profiling/wirequest-bench serve` prints one.
"""

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
EXE = os.path.join(HERE, "..", "target", "profiling", "wirequest-bench")

# Frames that say nothing about who asked for the memory: the allocator, std and the
# collections every crate uses. Inlined frames carry bare file names, so std's are recognized
# by function and file name together.
NOISE_PREFIXES = ("alloc::", "<alloc::", "core::", "<core::", "std::", "<std::", "hashbrown::",
                  "<hashbrown::", "__rust", "_rust", "wirequest_bench::counting",
                  "<wirequest_bench::counting")
STD_FILES = {"alloc.rs", "raw_vec.rs", "mod.rs", "slice.rs", "string.rs", "spec_extend.rs",
             "spec_from_elem.rs", "spec_from_iter.rs", "spec_from_iter_nested.rs", "boxed.rs",
             "str.rs", "borrow.rs", "cow.rs", "convert.rs", "clone.rs", "vec.rs", "map.rs",
             "raw.rs", "function.rs", "counting.rs"}
STD_NAMES = {"alloc", "alloc_impl_runtime", "alloc_impl", "allocate", "try_allocate_in",
             "with_capacity_in", "with_capacity", "to_vec", "to_vec_in", "grow_one",
             "grow_amortized", "finish_grow", "reserve", "do_reserve_and_handle",
             "reserve_for_push", "extend_from_slice", "spec_extend", "extend_trusted",
             "extend_desugared", "from_elem", "extend_with", "resize", "push", "from_iter",
             "collect", "to_owned", "to_string", "from", "into", "new_uninit", "new", "clone",
             "insert", "entry", "or_default", "or_insert_with", "call_once", "realloc",
             "grow", "try_reserve", "reserve_rehash", "resize_inner", "fallible_with_capacity",
             "new_uninitialized", "prepare_resize"}


def frame_name(f):
    """'0x1234: name (path/file.rs:12)' -> 'name (file.rs:12)', or None for noise."""
    f = f.split(": ", 1)[-1]
    if not f.endswith(")") or " (" not in f:
        return None
    name, _, loc = f.rpartition(" (")
    loc = loc[:-1]
    if loc.startswith("in ") or "library/" in loc or "/rustc/" in loc or "hashbrown-" in loc:
        return None
    if name.startswith(NOISE_PREFIXES):
        return None
    base = loc.rsplit("/", 1)[-1].split(":", 1)[0]
    short = name.split("<", 1)[0].rsplit("::", 1)[-1]
    if base in STD_FILES and short in STD_NAMES and "/" not in loc:
        return None
    if name == "UnknownInlinedFun":
        return loc.rsplit("/", 1)[-1]
    return f"{short} ({loc.rsplit('/', 1)[-1]})"


def run(client, what, base, n):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "dhat.json")
        subprocess.run(
            ["valgrind", "--tool=dhat", "--num-callers=60", "--dhat-out-file=" + out, EXE,
             "probe", "loop",
             client, what, str(n), base],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as fh:
            data = json.load(fh)
    ftbl = data["ftbl"]
    sites = defaultdict(lambda: [0, 0])
    for pp in data["pps"]:
        useful = [n for n in (frame_name(ftbl[i]) for i in pp["fs"]) if n]
        key = " <- ".join(useful[:3]) if useful else "(no source location)"
        sites[key][0] += pp["tbk"]
        sites[key][1] += pp["tb"]
    return sites


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    client, what, base = sys.argv[1:4]
    n1, n2 = (int(x) for x in sys.argv[4:6]) if len(sys.argv) >= 6 else (100, 600)
    a = run(client, what, base, n1)
    b = run(client, what, base, n2)
    d = n2 - n1
    rows = []
    for k in set(a) | set(b):
        blocks = (b.get(k, [0, 0])[0] - a.get(k, [0, 0])[0]) / d
        size = (b.get(k, [0, 0])[1] - a.get(k, [0, 0])[1]) / d
        if blocks >= 0.05:
            rows.append((blocks, size, k))
    rows.sort(reverse=True)
    total_b = sum(r[0] for r in rows)
    total_s = sum(r[1] for r in rows)
    print(f"{client} {what}: {total_b:.1f} allocations and {total_s:,.0f} bytes per request")
    print("| per request | bytes | where (first frames outside alloc/std) |")
    print("| ---: | ---: | --- |")
    for blocks, size, k in rows:
        print(f"| {blocks:.1f} | {size:,.0f} | `{k}` |")


if __name__ == "__main__":
    main()
