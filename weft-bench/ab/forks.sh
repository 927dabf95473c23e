#!/usr/bin/env bash
# A channel's hand-off against its JDK peer, each in a JVM of its own, alternated round by round:
# the harness for lock-based peers that no single JVM gives cleanly (weft's channel and
# ArrayBlockingQueue both lock a ReentrantLock, and in one JVM the JIT compiles the JDK's lock code
# from both profiles; docs/benchmarks.md, "Channels in rounds"). Each round runs both, in
# alternating order, for SECONDS each after 2 s of warm-up; the figure to read is the median of
# the per-round ratios.
#   weft-bench/ab/forks.sh ROUNDS SECONDS JAR [PAIRS [CAPACITY]]    e.g. forks.sh 5 8 weft-bench/target/benchmarks.jar 1 16
# JAR: any jar with weft-core's classes. PAIRS defaults to 1, CAPACITY to 16 (0: rendezvous,
# against SynchronousQueue).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$(dirname "$here")")
. "$root/.mvn/find-jdk.sh"
weft_find_jdk || exit 1
rounds=${1:?usage: forks.sh ROUNDS SECONDS JAR [PAIRS [CAPACITY]]} seconds=${2:?SECONDS} jar=${3:?JAR}
pairs=${4:-1} capacity=${5:-16}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$JAVA_HOME/bin/javac" --release 25 -cp "$jar" -d "$out" "$here/ChanLoop.java" "$here/ForkChan.java"
peer=$([ "$capacity" = 0 ] && echo SynchronousQueue || echo "ArrayBlockingQueue($capacity)")
echo "$rounds rounds, $seconds s per JVM, $pairs producer(s) / $pairs consumer(s), ns per item: $peer, weft, weft / peer"
for ((r = 0; r < rounds; r++)); do
  if ((r % 2 == 0)); then order="jdk weft"; else order="weft jdk"; fi
  for impl in $order; do
    v=$("$JAVA_HOME/bin/java" ${JAVA_OPTS:-} -cp "$jar:$out" ForkChan "$impl" "$seconds" "$pairs" "$capacity")
    eval "t_$impl=$v"
  done
  echo "round $r: $t_jdk $t_weft $(awk -v w="$t_weft" -v j="$t_jdk" 'BEGIN { printf "%.3f", w / j }')"
done | tee "$out/rounds.txt"
awk '{ print $5 }' "$out/rounds.txt" | sort -n | awk '{ a[NR] = $1 } END { printf "median weft / peer: %.3f (of %d rounds)\n", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), NR }'
