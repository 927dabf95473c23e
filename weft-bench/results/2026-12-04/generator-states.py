#!/usr/bin/env python3
"""Reads a trace of `weft-bench/ab/run.sh gen` (JAVA_OPTS=-Dab.trace=true; one line per round:
"round N: <floor ns> <weft ns> ...") and prints the medians by stretch of 1 000 rounds, then by
the machine's hand-off state as the floor shows it (a floor under 150 ns per item: both threads
trade the line quickly; 300 ns or more: they do not)."""
import statistics as st
import sys

rows = []
for line in open(sys.argv[1] if len(sys.argv) > 1 else "generator-states.txt"):
    if line.startswith("round"):
        p = line.split()
        rows.append((int(p[1][:-1]), float(p[2]), float(p[3])))
print("rounds        floor  weft  weft/floor (medians; ns per item)")
for b in range(0, len(rows), 1000):
    blk = rows[b:b + 1000]
    print("%5d-%-5d %7.0f %5.0f %6.2f" % (b, b + len(blk) - 1, st.median(r[1] for r in blk),
                                      st.median(r[2] for r in blk), st.median(r[2] / r[1] for r in blk)))
for name, keep in (("floor < 150 ns", lambda r: r[1] < 150), ("floor >= 300 ns", lambda r: r[1] >= 300)):
    xs = [r for r in rows if keep(r)]
    print("%-16s %5d rounds: floor %.0f, weft %.0f, weft/floor %.2f (medians)" % (name, len(xs),
          st.median(r[1] for r in xs), st.median(r[2] for r in xs), st.median(r[2] / r[1] for r in xs)))
