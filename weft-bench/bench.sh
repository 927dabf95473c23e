#!/usr/bin/env bash
# Builds weft-bench/target/benchmarks.jar and runs JMH on the JDK 25 that .mvn/find-jdk.sh finds.
# Arguments go to JMH unchanged, e.g.
#   weft-bench/bench.sh ContextBenchmark -f 1 -wi 3 -i 5
#   weft-bench/bench.sh 'TaskGroupBenchmark.(Platform|Virtual)Caller' -p tasks=1000
#   weft-bench/bench.sh -l            (list the benchmarks)
#   weft-bench/bench.sh ContextBenchmark.contextVarGet -prof gc
# Set WEFT_BENCH_NO_BUILD=1 to skip the build.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
weft_find_jdk || exit 1
if [ -z "${WEFT_BENCH_NO_BUILD:-}" ]; then
  "$root/mvnw" -B -q -f "$root/pom.xml" -Pbench -DskipTests package -pl weft-bench -am
fi
# --enable-preview: StructuredTaskScope (JDK 25 preview) appears in some benchmarks; forked JVMs
# also get it from the @Fork annotations of those classes.
exec "$JAVA_HOME/bin/java" --enable-preview -jar "$here/target/benchmarks.jar" "$@"
