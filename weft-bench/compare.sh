#!/usr/bin/env bash
# The whole comparison in one command: builds the benchmarks, runs weft beside its JDK, Java,
# kotlinx-coroutines and CPython asyncio peers (JMH runs, the interleaved rounds of the spawn,
# channels and generator families, dev.weft.bench.SpawnRounds, ChannelRounds and GeneratorRounds,
# and weft-bench/asyncio_bench.py, one sitting), writes the JSON results, and regenerates docs/benchmarks.md's generated sections and
# docs/bench/<family>.svg from them. About 12 minutes on a quiet 2-core machine; --quick takes
# about 4 and is a smoke run (its figures are labelled as such everywhere they appear).
#
#   weft-bench/compare.sh                 full comparison; resumes: runs whose JSON exists are kept
#   weft-bench/compare.sh --quick         smoke run of the same pipeline
#   weft-bench/compare.sh --fresh         forget earlier results in the output directory first
#   weft-bench/compare.sh --redo channels run these runs again (ids: see below), keep the others
#   weft-bench/compare.sh --only spawn,asyncio   run only these runs (others kept as they are)
#   weft-bench/compare.sh --report        regenerate the doc and charts from the results, run nothing
#   weft-bench/compare.sh --plan          print each run's id, tool and arguments, run nothing
#   weft-bench/compare.sh --out DIR       results in DIR (default weft-bench/results/comparison;
#                                         the doc and charts are drawn from the default one only)
#
# Run ids: context-1 context-100 spawn deadlines channels generators asyncio asyncio-generators
# (what each runs: `java -cp weft-bench/target/classes dev.weft.bench.report.ReportMain plan`).
# A result directory holds one mode: a full run refuses to resume a --quick one (use --fresh).
# Each run writes <id>.json (JMH -rf json, or the rounds' or the script's JSON in the same shape) and <id>.txt
# (its console output) only when it has finished, so an interrupted comparison resumes where it
# stopped. Set WEFT_BENCH_NO_BUILD=1 to skip the build, PYTHON to choose the interpreter (3.11+).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cd "$root"
. .mvn/find-jdk.sh
weft_find_jdk || exit 1

default_out="weft-bench/results/comparison"
quick=0 fresh=0 report_only=0 plan_only=0 only="" redo="" out=$default_out
command="weft-bench/compare.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --fresh) fresh=1 ;;
    --report) report_only=1 ;;
    --plan) plan_only=1 ;;
    --only) only="${2:?--only needs run ids, e.g. --only spawn,asyncio}"; shift ;;
    --redo) redo="${2:?--redo needs run ids, e.g. --redo channels}"; shift ;;
    --out) out="${2:?--out needs a directory}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
mode=$([ $quick = 1 ] && echo quick || echo full)
mkdir -p "$out" "$here/target"
exec 9>"$here/target/compare.lock"
if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
  echo "compare.sh: another comparison is running from this worktree; wait for it to finish" >&2; exit 1
fi

classes="$here/target/classes"
report() { # docs/benchmarks.md links the default directory, so only that one is drawn there
  if [ "$out" != "$default_out" ]; then
    echo "compare.sh: results are in $out; docs/benchmarks.md and docs/bench/ are drawn from" \
         "$default_out only. To compare: java -cp $classes dev.weft.bench.report.ReportMain check" \
         "--results $out --doc docs/benchmarks.md --charts docs/bench" >&2
    return 0
  fi
  "$JAVA_HOME/bin/java" -cp "$classes" dev.weft.bench.report.ReportMain generate \
    --results "$out" --doc docs/benchmarks.md --charts docs/bench
}
if [ $report_only = 1 ]; then report; exit 0; fi
if [ $plan_only = 1 ]; then
  "$JAVA_HOME/bin/java" -cp "$classes" dev.weft.bench.report.ReportMain plan $([ $quick = 1 ] && echo --quick) | tr '\t' ' '
  exit 0
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "compare.sh: the asyncio runs need Python 3.11 or newer (asyncio.TaskGroup, asyncio.timeout);" \
       "'$python' is missing or older. Install one or point PYTHON at it." >&2
  exit 1
fi

props="$out/run.properties"
if [ $fresh = 1 ]; then
  rm -f "$out"/*.json "$out"/*.json.part "$out"/*.txt "$props"
fi
if [ -f "$props" ] && ! grep -qx "mode=$mode" "$props"; then
  echo "compare.sh: $out holds results of another mode ($(grep '^mode=' "$props")); a $mode run" \
       "cannot resume it. Add --fresh to start over, or --out DIR to keep both." >&2
  exit 1
fi
setprop() { # key value: sets one property, backslashes escaped as .properties needs
  local v=${2//\\/\\\\}
  touch "$props"
  grep -v "^$1=" "$props" > "$props.tmp" || true
  printf '%s=%s\n' "$1" "$v" >> "$props.tmp"
  sort "$props.tmp" > "$props" && rm -f "$props.tmp"
}
if [ ! -f "$props" ]; then
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
  mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)
  setprop mode "$mode"
  setprop command "$command"
  setprop started "$(date -u '+%Y-%m-%d %H:%M UTC')"
  setprop machine "$(nproc) CPUs (${cpu:-unknown CPU}), ${mem:-unknown memory}, $(uname -sr)"
  setprop kotlinx "$(sed -n 's:.*<kotlinx.coroutines.version>\(.*\)</kotlinx.coroutines.version>.*:\1:p' "$here/pom.xml")"
fi

if [ -z "${WEFT_BENCH_NO_BUILD:-}" ]; then
  echo "compare.sh: building the benchmarks..." >&2
  "$here/bench.sh" -l > "$here/target/compare-build.log" 2>&1 || { cat "$here/target/compare-build.log" >&2; exit 1; }
fi

wanted() { # id: is this run selected by --only?
  [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]
}
for id in ${redo//,/ }; do rm -f "$out/$id.json" "$out/$id.txt"; done
plan_args=(); [ $quick = 1 ] && plan_args=(--quick)
plan=$("$JAVA_HOME/bin/java" -cp "$classes" dev.weft.bench.report.ReportMain plan "${plan_args[@]}")
t0=$SECONDS
while IFS=$'\t' read -r -a line; do
  id=${line[0]} tool=${line[1]} args=("${line[@]:2}")
  wanted "$id" || continue
  if [ -f "$out/$id.json" ]; then
    echo "compare.sh: $id already measured ($out/$id.json); kept (--redo $id to measure it again)" >&2
    continue
  fi
  echo "compare.sh: running $id ($(date -u +%H:%M:%S) UTC)..." >&2
  t=$SECONDS
  rm -f "$out/$id.json.part"
  if [ "$tool" = jmh ]; then
    WEFT_BENCH_NO_BUILD=1 "$here/bench.sh" "${args[@]}" -foe true -rf json -rff "$out/$id.json.part" \
      > "$out/$id.txt.part" 2>&1 </dev/null || { tail -n 40 "$out/$id.txt.part" >&2; echo "compare.sh: $id failed" >&2; exit 1; }
  elif [ "$tool" = java ]; then
    # a main class in the benchmarks jar and its options (the spawn, channels and generator rounds); --enable-preview as bench.sh
    "$JAVA_HOME/bin/java" --enable-preview -cp "$here/target/benchmarks.jar" "${args[@]}" --out "$out/$id.json.part" \
      > "$out/$id.txt.part" 2>&1 </dev/null || { tail -n 40 "$out/$id.txt.part" >&2; echo "compare.sh: $id failed" >&2; exit 1; }
  elif [ "$tool" = python ]; then
    "$python" "$here/asyncio_bench.py" "${args[@]}" --out "$out/$id.json.part" \
      > "$out/$id.txt.part" 2>&1 </dev/null || { cat "$out/$id.txt.part" >&2; echo "compare.sh: $id failed" >&2; exit 1; }
    setprop python "$("$python" -c 'import platform; print(platform.python_implementation(), platform.python_version())')"
  else
    echo "compare.sh: $id: unknown run tool '$tool' (jmh, java or python)" >&2; exit 1
  fi
  setprop "args.$id" "${args[*]}"
  mv "$out/$id.txt.part" "$out/$id.txt"
  mv "$out/$id.json.part" "$out/$id.json"
  setprop finished "$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "compare.sh: $id done in $((SECONDS - t)) s" >&2
done <<< "$plan"
echo "compare.sh: measured in $((SECONDS - t0)) s; writing docs/benchmarks.md and docs/bench/*.svg" >&2
report
