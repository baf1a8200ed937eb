#!/usr/bin/env python3
"""User-space instructions per request, by function, from two valgrind callgrind runs.

    bench/tools/instructions.py CLIENT get|patch BASE-URL [N1 N2] [--self]

Runs `wirequest-bench probe loop CLIENT WHAT N BASE-URL` under `valgrind --tool=callgrind` for
N1 and N2 requests (default 200 and 2200), takes the difference per function so setup cancels
out, and prints instructions per request: the total, then the functions (inclusive costs, or
self costs with --self) above 1% of it. Kernel time (syscalls, TCP) is not counted.

Needs valgrind and the profiling build: `cargo build --profile profiling --manifest-path
bench/Cargo.toml`, and a server at BASE-URL (`bench/target/profiling/wirequest-bench serve`).
"""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXE = os.path.join(HERE, "..", "target", "profiling", "wirequest-bench")
LINE = re.compile(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$")


def costs(client, what, base, n, inclusive):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, EXE, "probe",
             "loop", client, what, str(n), base],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        args = ["callgrind_annotate", "--threshold=100"]
        if inclusive:
            args.append("--inclusive=yes")
        text = subprocess.run(args + [out], check=True, capture_output=True,
                              text=True).stdout
    table = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if not m or m.group(2).strip().startswith("=>"):
            continue
        name = re.sub(r"\s*\[/.*?\]$", "", m.group(2).strip())
        table[name] = table.get(name, 0) + int(m.group(1).replace(",", ""))
    return table


def short(name):
    name = re.sub(r"/root/\.cargo/registry/src/index\.crates\.io-[0-9a-f]+/", "", name)
    name = re.sub(r"/rustc/[0-9a-f]+/library/", "std:", name)
    return name.replace("/work/main/", "")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    inclusive = "--self" not in sys.argv
    if len(args) < 3:
        print(__doc__)
        sys.exit(2)
    client, what, base = args[:3]
    n1, n2 = (int(x) for x in args[3:5]) if len(args) >= 5 else (200, 2200)
    a = costs(client, what, base, n1, inclusive)
    b = costs(client, what, base, n2, inclusive)
    per = {k: (b[k] - a.get(k, 0)) / (n2 - n1) for k in b}
    total = per.get("PROGRAM TOTALS", 0)
    print(f"{client} {what}: {total:,.0f} user-space instructions per request")
    rows = sorted(((v, k) for k, v in per.items()
                   if v >= total / 100 and k != "PROGRAM TOTALS"), reverse=True)
    for v, k in rows:
        if any(s in k for s in ("backtrace", "lang_start", "csu/", "(below main)", "???:main",
                                "probe::", "events annotated", "0x0000", "wirequest_bench::main")):
            continue
        print(f"{v:9,.0f}  {short(k)[:160]}")


if __name__ == "__main__":
    main()
