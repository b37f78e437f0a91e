#!/usr/bin/env python3
"""Ratio tables from the criterion results of benches/pack_unpack.rs and benches/peer (its
``peer`` and ``didcomm_rust`` benches).

Reads every ``<criterion dir>/**/new/benchmark.json`` with its ``estimates.json`` (the median
point estimate) and prints Markdown:

- ours ÷ floor for every case of the main bench (pack and unpack);
- ours ÷ askar (and askar ÷ floor) for every case of the peer bench;
- ours ÷ didcomm-rust (and didcomm-rust ÷ floor) end to end, when the ``e2e_`` groups of the
  didcomm_rust bench are present;
- each tuned variant of this crate (``ours-<name>``: cached, single-core, ...) against the
  default and the floor, when present;
- one key agreement per curve, ours against the floor's (the ``agreement`` group);
- scaling with the payload (1 KiB → 1 MiB) and with the number of recipients (1 → 100).

Usage: python3 benches/report.py [--dir target-bench/criterion]
Python 3 standard library only.
"""

import argparse
import json
import math
import os
import re
import sys
from collections import defaultdict

GROUP_RE = re.compile(r"^(?P<prefix>peer_|e2e_)?(?P<op>pack|unpack)_(?P<size>\d+(?:KiB|MiB))$")
# Group prefix → bench key: "main" (pack_unpack), "peer" (peer), "e2e" (didcomm_rust).
BENCH_OF_PREFIX = {None: "main", "peer_": "peer", "e2e_": "e2e"}
CASE_RE = re.compile(r"^(?P<mode>authcrypt|anoncrypt)-(?P<curve>.+)-r(?P<n>\d+)$")
SIZE_ORDER = {"1KiB": 1024, "64KiB": 64 * 1024, "1MiB": 1024 * 1024}
CURVE_ORDER = {"X25519": 0, "P-256": 1, "P-384": 2, "P-521": 3}
MODE_ORDER = {"authcrypt": 0, "anoncrypt": 1}


def criterion_medians(root):
    """Yields (benchmark.json as a dict, median ns) for every result under a criterion directory."""
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        try:
            with open(os.path.join(dirpath, "benchmark.json")) as f:
                bench = json.load(f)
            with open(os.path.join(dirpath, "estimates.json")) as f:
                estimates = json.load(f)
        except (OSError, ValueError):
            continue
        yield bench, estimates["median"]["point_estimate"]


def load(root):
    """{(bench, op, size, impl, case): median ns}; bench is 'main', 'peer' or 'e2e'."""
    results = {}
    for bench, median in criterion_medians(root):
        group = GROUP_RE.match(bench.get("group_id") or "")
        case = bench.get("value_str") or ""
        if not group or not CASE_RE.match(case):
            continue
        key = (
            BENCH_OF_PREFIX[group.group("prefix")],
            group.group("op"),
            group.group("size"),
            bench.get("function_id") or "",
            case,
        )
        results[key] = median
    return results


def load_agreement(root):
    """{(impl, curve): median ns} from the ``agreement`` group of the main bench."""
    return {
        (bench.get("function_id") or "", bench.get("value_str") or ""): median
        for bench, median in criterion_medians(root)
        if bench.get("group_id") == "agreement"
    }


def section_agreement(agreement, out):
    """One key agreement per curve: each implementation's time and its ratio to the floor's."""
    if not agreement:
        return
    curves = sorted({c for _, c in agreement}, key=lambda c: CURVE_ORDER.get(c, 9))
    impls = sorted({i for i, _ in agreement if i != "floor"}) + ["floor"]
    out.append("### One key agreement (main bench, group `agreement`)\n")
    out.append("Z for a held private key and a peer public key, ours (`agreement::diffie_hellman`) "
               "against the floor's direct call into the curve crate; time (÷ floor).\n")
    rows = []
    for impl in impls:
        cells = []
        for curve in curves:
            t, f = agreement.get((impl, curve)), agreement.get(("floor", curve))
            cells.append(fmt_time(t) if impl == "floor" else f"{fmt_time(t)} ({fmt_ratio(t, f)})")
        rows.append([impl] + cells)
    out.append(table(["impl"] + curves, rows))
    out.append("")


def case_key(case):
    m = CASE_RE.match(case)
    return (MODE_ORDER.get(m.group("mode"), 9), CURVE_ORDER.get(m.group("curve"), 9), int(m.group("n")))


def fmt_time(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}"


def geomean(values):
    values = [v for v in values if v and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


def cases_of(results, bench, size=None):
    cases = {k[4] for k in results if k[0] == bench and (size is None or k[2] == size)}
    return sorted(cases, key=case_key)


def sizes_of(results, bench):
    return sorted({k[2] for k in results if k[0] == bench}, key=lambda s: SIZE_ORDER.get(s, 0))


def variants_of(results, bench):
    return sorted({k[3] for k in results if k[0] == bench and k[3].startswith("ours-")})


def section_summary(results, out):
    """Geometric means of every implementation against the floor and against askar."""
    rows = []
    for bench, against in (("main", "floor"), ("peer", "floor"), ("peer", "askar")):
        impls = ["ours"] + variants_of(results, bench)
        if bench == "peer" and against == "floor":
            impls.append("askar")
        for impl in impls:
            for op in ("pack", "unpack"):
                cells = []
                for size in ("1KiB", "64KiB", "1MiB"):
                    ratios = []
                    for case in cases_of(results, bench, size):
                        a = results.get((bench, op, size, impl, case))
                        b = results.get((bench, op, size, against, case))
                        if a and b:
                            ratios.append(a / b)
                    cells.append(fmt_num(geomean(ratios)))
                if any(c != "—" for c in cells):
                    rows.append([f"{impl} ÷ {against}", bench, op] + cells)
    if not rows:
        return
    out.append("### Summary: geometric means of the ratios over the cases of each size\n")
    out.append(table(["ratio", "bench", "op", "1KiB", "64KiB", "1MiB"], rows))
    out.append("")


def section_floor(results, out):
    bench = "main"
    sizes = sizes_of(results, bench)
    if not sizes:
        return
    get = lambda op, size, impl, case: results.get((bench, op, size, impl, case))
    out.append("### ours ÷ floor (main bench)\n")
    out.append("Median times; the ratio is ours ÷ floor (1.00 = nothing above the primitives).\n")
    rows = []
    summary = defaultdict(list)
    for size in sizes:
        for case in cases_of(results, bench, size):
            cells = [case, size]
            for op in ("pack", "unpack"):
                ours, floor = get(op, size, "ours", case), get(op, size, "floor", case)
                cells += [fmt_time(ours), fmt_time(floor), fmt_ratio(ours, floor)]
                if ours and floor:
                    summary[(op, size)].append(ours / floor)
            rows.append(cells)
    out.append(table(["case", "size", "pack ours", "pack floor", "pack ÷", "unpack ours", "unpack floor", "unpack ÷"], rows))
    out.append("")
    out.append("Geometric mean of ours ÷ floor:\n")
    rows = []
    for size in sizes:
        rows.append([size] + [fmt_num(geomean(summary[(op, size)])) for op in ("pack", "unpack")])
    out.append(table(["size", "pack", "unpack"], rows))
    out.append("")


def fmt_num(v):
    return "—" if v is None else f"{v:.2f}"


def section_against(results, out, bench, peer, title, intro):
    """Every case of `bench` for this crate, `peer` and the floor of the same run."""
    sizes = sizes_of(results, bench)
    if not sizes:
        return
    get = lambda op, size, impl, case: results.get((bench, op, size, impl, case))
    out.append(f"### {title}\n")
    out.append(intro + " Ratios below 1.00 mean this crate is faster.\n")
    summary = defaultdict(list)
    for op in ("pack", "unpack"):
        rows = []
        for size in sizes:
            for case in cases_of(results, bench, size):
                ours, theirs, floor = (get(op, size, impl, case) for impl in ("ours", peer, "floor"))
                if ours is None and theirs is None and floor is None:
                    continue  # a filtered run
                rows.append([case, size, fmt_time(ours), fmt_time(theirs), fmt_time(floor),
                             fmt_ratio(ours, theirs), fmt_ratio(ours, floor), fmt_ratio(theirs, floor)])
                if ours and theirs:
                    summary[("ours", op, size)].append(ours / theirs)
                if theirs and floor:
                    summary[(peer, op, size)].append(theirs / floor)
        if not rows:
            continue
        out.append(f"#### {op}\n")
        out.append(table(["case", "size", "ours", peer, "floor", f"ours ÷ {peer}", "ours ÷ floor",
                          f"{peer} ÷ floor"], rows))
        out.append("")
    out.append("Geometric means:\n")
    out.append(table(["size", f"pack ours ÷ {peer}", f"unpack ours ÷ {peer}", f"pack {peer} ÷ floor",
                      f"unpack {peer} ÷ floor"],
                     [[size] + [fmt_num(geomean(summary[(which, op, size)]))
                                for which in ("ours", peer) for op in ("pack", "unpack")]
                      for size in sizes]))
    out.append("")


def section_peer(results, out):
    section_against(results, out, "peer", "askar", "ours ÷ askar (peer bench, one run)",
                    "askar-crypto used as didcomm-rust uses it; the floor of the same run for scale.")


def section_e2e(results, out):
    section_against(results, out, "e2e", "didcomm-rust", "ours ÷ didcomm-rust (end to end)",
                    "didcomm-rust's `Message::pack_encrypted` / `Message::unpack` with its example "
                    "resolvers against this crate's `Packer::pack` / `Unpacker::unpack` of the same "
                    "plaintext, and the floor of the same run for scale.")


def section_variants(results, out):
    for bench in ("main", "peer"):
        variants = variants_of(results, bench)
        if not variants:
            continue
        get = lambda op, size, impl, case: results.get((bench, op, size, impl, case))
        for variant in variants:
            out.append(f"### {variant} ({bench} bench)\n")
            cols = ["case", "size", "op", "ours", variant, f"{variant} ÷ ours", f"{variant} ÷ floor"]
            if bench == "peer":
                cols.append(f"{variant} ÷ askar")
            rows = []
            for size in sizes_of(results, bench):
                for case in cases_of(results, bench, size):
                    for op in ("pack", "unpack"):
                        v = get(op, size, variant, case)
                        if v is None:
                            continue
                        ours, floor = get(op, size, "ours", case), get(op, size, "floor", case)
                        row = [case, size, op, fmt_time(ours), fmt_time(v), fmt_ratio(v, ours), fmt_ratio(v, floor)]
                        if bench == "peer":
                            row.append(fmt_ratio(v, get(op, size, "askar", case)))
                        rows.append(row)
            out.append(table(cols, rows))
            out.append("")


def section_backend(results, out):
    """What the aws-lc backend buys per curve: its variants against the same tuning on the
    curve crates, geometric means over modes, recipient counts and (second figure) sizes."""
    bench = "main"
    pairs = [(f"ours-awslc{suffix}", f"ours{suffix}") for suffix in ("", "-1core", "-cached")]
    pairs = [(a, b) for a, b in pairs if any(k[0] == bench and k[3] == a for k in results)]
    if not pairs:
        return
    curves = sorted({CASE_RE.match(k[4]).group("curve") for k in results if k[0] == bench},
                    key=lambda c: CURVE_ORDER.get(c, 9))
    out.append("### The aws-lc backend per curve (main bench)\n")
    out.append("Geometric means of the aws-lc variant ÷ the same configuration on the curve crates, "
               "at 1 KiB / over all sizes (below 1.00: aws-lc is faster).\n")
    rows = []
    for variant, base in pairs:
        for op in ("pack", "unpack"):
            cells = []
            for curve in curves:
                small, every = [], []
                for (b, o, size, impl, case) in results:
                    if b != bench or o != op or impl != variant or CASE_RE.match(case).group("curve") != curve:
                        continue
                    v, w = results[(b, o, size, impl, case)], results.get((b, o, size, base, case))
                    if v and w:
                        every.append(v / w)
                        if size == "1KiB":
                            small.append(v / w)
                cells.append(f"{fmt_num(geomean(small))} / {fmt_num(geomean(every))}")
            rows.append([f"{variant} ÷ {base}", op] + cells)
    out.append(table(["ratio", "op"] + curves, rows))
    out.append("")


def section_payload_scaling(results, out):
    bench = "main"
    sizes = sizes_of(results, bench)
    if len(sizes) < 2:
        return
    first, last = sizes[0], sizes[-1]
    impls = ["ours"] + variants_of(results, bench) + ["floor"]
    out.append(f"### Scaling with the payload ({first} → {last}, 1 recipient, main bench)\n")
    rows = []
    cases = [c for c in cases_of(results, bench, last) if c.endswith("-r1")]
    for case in cases:
        for op in ("pack", "unpack"):
            for impl in impls:
                times = [results.get((bench, op, s, impl, case)) for s in sizes]
                if all(t is None for t in times):
                    continue
                t_last = times[-1]
                mib_s = (SIZE_ORDER[last] / (1 << 20)) / (t_last / 1e9) if t_last else None
                rows.append([case, op, impl] + [fmt_time(t) for t in times]
                            + [fmt_ratio(times[-1], times[0]), "—" if mib_s is None else f"{mib_s:.0f}"])
    out.append(table(["case", "op", "impl"] + sizes + [f"{last} ÷ {first}", f"MiB/s at {last}"], rows))
    out.append("")


def section_recipient_scaling(results, out):
    bench = "main"
    size = "1KiB"
    by_base = defaultdict(dict)
    for (b, op, s, impl, case) in results:
        if b != bench or s != size:
            continue
        m = CASE_RE.match(case)
        by_base[(m.group("mode"), m.group("curve"))][int(m.group("n"))] = True
    impls = ["ours"] + variants_of(results, bench) + ["floor"]
    for (mode, curve), ns in sorted(by_base.items(), key=lambda kv: (MODE_ORDER[kv[0][0]], CURVE_ORDER.get(kv[0][1], 9))):
        counts = sorted(ns)
        if len(counts) < 3:
            continue
        out.append(f"### Scaling with recipients ({mode}, {curve}, {size}, main bench)\n")
        rows = []
        for op in ("pack", "unpack"):
            for impl in impls:
                times = [results.get((bench, op, size, impl, f"{mode}-{curve}-r{n}")) for n in counts]
                if all(t is None for t in times):
                    continue
                lo, hi = times[0], times[-1]
                per = (hi - lo) / (counts[-1] - counts[0]) if lo is not None and hi is not None else None
                rows.append([op, impl] + [fmt_time(t) for t in times] + [fmt_time(per)])
        out.append(table(["op", "impl"] + [f"{n} recipient{'s' if n > 1 else ''}" for n in counts]
                         + [f"per extra recipient ({counts[0]}→{counts[-1]})"], rows))
        out.append("")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--dir", default=os.path.join(here, "..", "target-bench", "criterion"),
                        help="criterion output directory (default: target-bench/criterion)")
    args = parser.parse_args()
    results = load(args.dir)
    if not results:
        print(f"no criterion results under {args.dir}", file=sys.stderr)
        return 1
    out = []
    section_summary(results, out)
    section_floor(results, out)
    section_peer(results, out)
    section_e2e(results, out)
    section_variants(results, out)
    section_backend(results, out)
    section_agreement(load_agreement(args.dir), out)
    section_payload_scaling(results, out)
    section_recipient_scaling(results, out)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
