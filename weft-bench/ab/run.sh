#!/usr/bin/env bash
# Paired A/B of two builds of weft in one JVM, for a machine shared with other work, where two JMH
# runs minutes apart see different loads. Each build's weft classes (and a copy of the loop
# classes here, compiled against it) are loaded by their own class loader, so the JIT compiles
# each build's code separately; the rounds alternate between the builds, so a burst of load hits
# both alike, and the figure to read is the paired difference per round. JMH in weft-bench stays
# the reference for absolute numbers; this only says which of two builds is faster.
#   weft-bench/ab/run.sh spawn 2000 old.jar new.jar   spawn+join of 1 000 tasks from a virtual thread (with three baselines:
#                                                     raw threads, raw threads named and setting one ThreadLocal, and
#                                                     the JDK's StructuredTaskScope)
#   weft-bench/ab/run.sh get 1000 old.jar new.jar     ContextVar.get (one var, cache hit) and ThreadLocal.get
#   weft-bench/ab/run.sh set 1000 old.jar new.jar     ContextVar set + Token.close and ThreadLocal set-and-restore;
#                                                     get and set take -Dab.vars=100 in JAVA_OPTS (100 of each kind set)
#   weft-bench/ab/run.sh chan 300 old.jar new.jar     a channel hand-off per item beside its JDK peer; -Dab.pairs=4,
#                                                     -Dab.capacity=16 (0, rendezvous, is the default) in JAVA_OPTS
#   weft-bench/ab/run.sh gen 300 old.jar new.jar      a generator's item beside the lock-step floor (two virtual threads,
#                                                     one round trip per item)
#   chan and gen print every round's times with -Dab.trace=true in JAVA_OPTS (the peer, then each build)
# The jars are weft-bench/target/benchmarks.jar of each build (any jar with weft-core's classes).
# weft-bench/ab/forks.sh runs a channel and its JDK peer each in a JVM of its own instead.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$(dirname "$here")")
. "$root/.mvn/find-jdk.sh"
weft_find_jdk || exit 1
what=$1 rounds=$2; shift 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/cls"
# The loop classes compile against the first jar; both builds keep the public API they use.
# --enable-preview: SpawnLoop's StructuredTaskScope baseline (a preview API in JDK 25).
"$JAVA_HOME/bin/javac" --release 25 --enable-preview -Xlint:-preview -cp "$1" -d "$out/cls" "$here/GetLoop.java" "$here/SpawnLoop.java" "$here/ChanLoop.java" "$here/GenLoop.java"
"$JAVA_HOME/bin/javac" -d "$out" "$here/Builds.java" "$here/PeerRounds.java" "$here/Dual.java" "$here/DualSpawn.java" "$here/DualChan.java" "$here/DualGen.java"
case "$what" in
  spawn) main=DualSpawn ;;
  get) main=Dual ;;
  set) main=Dual; flags=-Dab.set=true ;;
  chan) main=DualChan ;;
  gen) main=DualGen ;;
  *) echo "usage: run.sh spawn|get|set|chan|gen ROUNDS A.jar B.jar" >&2; exit 2 ;;
esac
exec "$JAVA_HOME/bin/java" --enable-preview ${flags:-} ${JAVA_OPTS:-} -Dab.loops="$out/cls/" -cp "$out" "$main" "$rounds" "$@"
