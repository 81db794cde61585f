#!/usr/bin/env bash
# walship vs Litestream benchmark. Usage: bench/run.sh [--smoke|--quick] [--only 1,2,...] [--json FILE]
#   (no flag)  full suite, about 20-25 minutes
#   --quick    every scenario, smaller and fewer runs, a few minutes
#   --smoke    ~10 s: start-up and keeping-up, once each (used by BenchSmokeTest)
# Litestream is taken from bench/node_modules (cd bench && npm install @flydotio/litestream
# @flydotio/litestream-linux-x64) or $LITESTREAM; without it only walship runs, and the JSON says so.
# walship runs from $WALSHIP_JAR (default target/walship.jar), or from $WALSHIP_CP (a classpath) if set.
# JVM flags for walship: $WALSHIP_JAVA_OPTS (default below, see docs/PERFORMANCE.md).
# Results: bench/out/<timestamp>/results.{md,json}.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
mode=full
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) mode=smoke ;;
    --quick) mode=quick ;;
    --full) mode=full ;;
    --only|--json|--out) args+=("$1" "$2"); shift ;;
    --keep) args+=("$1") ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
command -v python3 >/dev/null || { echo "bench: python3 is required" >&2; exit 2; }
command -v "${JAVA:-java}" >/dev/null || { echo "bench: java is required" >&2; exit 2; }

launch=()
if [ -n "${WALSHIP_CP:-}" ]; then
  launch=(--cp "$WALSHIP_CP")
else
  jar="${WALSHIP_JAR:-$root/target/walship.jar}"
  if [ ! -f "$jar" ]; then
    echo "bench: $jar missing, building it (mvn -B -q -o package -DskipTests)" >&2
    (cd "$root" && mvn -B -q -o package -DskipTests)
  fi
  launch=(--jar "$jar")
fi

# scenario 9 (S3 requests) runs S3Proxy from its self-contained jar; mvn package puts it in target/s3proxy
s3jar="$root/target/s3proxy/s3proxy-jar-with-dependencies.jar"
if [ "$mode" != smoke ] && [ ! -f "$s3jar" ]; then
  echo "bench: $s3jar missing, fetching it (mvn dependency:copy)" >&2
  fetch=(-B -q dependency:copy -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies
         -DoutputDirectory="$root/target/s3proxy" -Dmdep.stripVersion=true)
  (cd "$root" && { mvn -o "${fetch[@]}" || mvn "${fetch[@]}"; }) \
    || echo "bench: could not fetch S3Proxy; scenario 9 will fail" >&2
fi

ls_bin="${LITESTREAM:-$here/node_modules/@flydotio/litestream-linux-x64/litestream}"
if [ -x "$ls_bin" ]; then
  launch+=(--litestream "$ls_bin")
else
  echo "bench: Litestream not found at $ls_bin (cd bench && npm install @flydotio/litestream @flydotio/litestream-linux-x64); walship only" >&2
fi

out=""
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = "--out" ] && out="${args[$((i + 1))]}"; done
if [ -z "$out" ]; then
  out="$here/out/$(date -u +%Y%m%dT%H%M%SZ)-$mode"
  args+=(--out "$out")
fi
mkdir -p "$out"
if [ "${launch[0]}" = "--jar" ]; then
  # a private copy: a rebuild of target/ during the run must not change what is measured
  cp "${launch[1]}" "$out/walship.jar"
  launch[1]="$out/walship.jar"
fi
# the container launcher's flags (docker/walship says why), minus the ones about its filesystem and restarts
java_opts="${WALSHIP_JAVA_OPTS--XX:+UseSerialGC -Xmx96m -XX:TieredStopAtLevel=1 -Xss512k -XX:-UsePerfData -XX:+UnlockDiagnosticVMOptions -XX:GuaranteedSafepointInterval=10000 -XX:AsyncDeflationInterval=10000}"
rc=0
python3 "$here/bench.py" --mode "$mode" --java-opts "$java_opts" "${launch[@]}" "${args[@]}" || rc=$?
[ "${launch[0]}" = "--jar" ] && rm -f "$out/walship.jar"
exit $rc
