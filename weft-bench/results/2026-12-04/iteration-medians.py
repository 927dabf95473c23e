#!/usr/bin/env python3
"""Per-fork and per-iteration medians of JMH sample-mode results (-rf json), to see where a
spawn figure moved. Medians are the smallest time that at least half of the invocations did not
exceed (as dev.weft.bench.report.Measurement computes the per-iteration medians); p25 and p75
likewise. "median" and "mean" are JMH's own (scorePercentiles["50.0"] and score).

Usage: python3 iteration-medians.py spawn-run1.json [more.json ...]
"""
import json
import math
import sys


def percentile(pairs, p):
    pairs = sorted(pairs)
    rank = max(1, math.ceil(sum(c for _, c in pairs) * p))
    seen = 0
    for v, c in pairs:
        seen += c
        if seen >= rank:
            return v


for f in sys.argv[1:]:
    print("==", f)
    medians = {}
    for r in json.load(open(f)):
        name = r["benchmark"].split(".")[-1]
        pm = r["primaryMetric"]
        h = pm["rawDataHistogram"]
        its = [[round(percentile(it, 0.5)) for it in fork] for fork in h]
        forks = [round(percentile([p for it in fork for p in it], 0.5)) for fork in h]
        pooled = [p for fork in h for it in fork for p in it]
        n = sum(c for _, c in pooled)
        medians[name] = pm["scorePercentiles"]["50.0"]
        print(f"{name:30} n={n:6d} median={medians[name]:6.1f} mean={pm['score']:6.1f}"
              f" p25={percentile(pooled, .25):6.1f} p75={percentile(pooled, .75):6.1f}"
              f" fork medians={forks} iteration medians={its}")
    raw = medians["rawVirtualThreads"]
    print(f"weft / raw = {medians['weftTaskGroup'] / raw:.2f}, StructuredTaskScope / raw ="
          f" {medians['structuredTaskScope'] / raw:.2f}")
