#!/usr/bin/env bash
# Builds weft-bench and runs ScaleRun (1 000 000 sleeping tasks in one TaskGroup, then cancel)
# in a 2 GiB heap, on the JDK 25 that .mvn/find-jdk.sh finds. Arguments go to ScaleRun:
#   weft-bench/scale.sh                      (1 000 000 tasks)
#   weft-bench/scale.sh --histogram          (also print a class histogram while they sleep)
#   weft-bench/scale.sh --tasks 200000
# Set WEFT_SCALE_HEAP to change the heap (default 2g) and WEFT_BENCH_NO_BUILD=1 to skip the build.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
weft_find_jdk || exit 1
if [ -z "${WEFT_BENCH_NO_BUILD:-}" ]; then
  "$root/mvnw" -B -q -f "$root/pom.xml" -Pbench -DskipTests package -pl weft-bench -am
fi
exec "$JAVA_HOME/bin/java" "-Xmx${WEFT_SCALE_HEAP:-2g}" -cp "$here/target/benchmarks.jar" dev.weft.bench.ScaleRun "$@"
