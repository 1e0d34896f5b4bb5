#!/usr/bin/env python3
"""Compares the two MIP variants of one `inferno-bench mip-times --beside ...` run, scenario by scenario.

Reads the run's table (standard input or a file): rows come in pairs, the `--beside` variant ("before") first, the
tuned one ("after") second, on the same candidates. Prints, per server count: candidates + MIP and MIP seconds
(median / p95 / max) before and after, the largest stage gap, and how the answers compare: served per priority
level lexicographically (highest level first), then cost plus transition penalty (the cost stage's objective; cost
alone in tables without that column) where those are equal, a difference within the MIP's 0.5% gap counting as
equal.

    .build/release/inferno-bench mip-times --servers 2000 --tightness 0.5,1.0,1.5 --seeds 5 \
        --beside choiceRelaxation | scripts/mip-times-compare.py
"""
import sys
from collections import defaultdict


def quantile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def rows(lines):
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 17 or not cells[0].isdigit():
            continue
        yield {
            "servers": int(cells[0]), "tightness": cells[1], "seed": cells[2], "variant": cells[3],
            "total": float(cells[7]), "mip": float(cells[6]),
            "gap": float(cells[9].rstrip("%")) if cells[9] not in ("-", "") else None,
            "served": [int(x) for x in cells[13].split("/")],
            # Cost plus transition penalty (what the cost stage minimises) where the table has it, else cost.
            "cost": float(cells[17]) if len(cells) > 17 and cells[17] else float(cells[15]),
        }


def compare(before, after, tolerance=0.005):
    if after["served"] != before["served"]:
        return "better" if after["served"] > before["served"] else "worse"
    if after["cost"] < before["cost"] * (1 - tolerance):
        return "better"
    if after["cost"] > before["cost"] * (1 + tolerance):
        return "worse"
    return "equal"


def main():
    source = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    all_rows = list(rows(source))
    pairs = [(all_rows[i], all_rows[i + 1]) for i in range(0, len(all_rows) - 1, 2)]
    by_size = defaultdict(list)
    for b, a in pairs:
        assert (b["servers"], b["tightness"], b["seed"]) == (a["servers"], a["tightness"], a["seed"]), "unpaired rows"
        by_size[b["servers"]].append((b, a))
    print("| servers | scenarios | cand.+MIP s before (median / p95 / max) | after | MIP s before | after "
          "| largest gap before | after | better / equal / worse |")
    print("|---:|---:|---|---|---|---|---:|---:|---|")
    for n, ps in sorted(by_size.items()):
        def stats(key, side):
            v = [p[side][key] for p in ps]
            return f"{quantile(v, 0.5):.3f} / {quantile(v, 0.95):.3f} / {max(v):.3f}"
        def gap(side):
            g = [p[side]["gap"] for p in ps if p[side]["gap"] is not None]
            return f"{max(g):.2f}%" if g else "-"
        verdicts = [compare(b, a) for b, a in ps]
        counts = "/".join(str(verdicts.count(v)) for v in ("better", "equal", "worse"))
        print(f"| {n} | {len(ps)} | {stats('total', 0)} | {stats('total', 1)} | {stats('mip', 0)} | {stats('mip', 1)} "
              f"| {gap(0)} | {gap(1)} | {counts} |")
    for b, a in pairs:
        if compare(b, a) == "worse":
            print(f"worse: {b['servers']} t={b['tightness']} seed {b['seed']}: served "
                  f"{'/'.join(map(str, b['served']))} -> {'/'.join(map(str, a['served']))}, cost {b['cost']:.0f} -> {a['cost']:.0f}")


if __name__ == "__main__":
    main()
