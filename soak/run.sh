#!/usr/bin/env bash
# walship soak: soak/run.sh --minutes N [--backend file|s3|gcs] [--seed S] [--out DIR] [--keep]
#   A writer process (python3 sqlite3, WAL) commits mixed transactions, VACUUMs and schema changes while
#   walship replicates; at random intervals the sidecar is killed with -9 and restarted, the app runs
#   wal_checkpoint(TRUNCATE|RESTART), the object store goes down for 10-60 s (s3, gcs), the spool's
#   filesystem (a tmpfs mounted here) is filled and freed, and restores to past instants are checked
#   against the writer's record. Ends with SIGTERM (exit 0 required) and an exact latest restore.
#   Prints the counts, writes DIR/summary.json, exits non-zero on any mismatch, loss or walship crash.
# Needs root (it mounts a tmpfs), java 17, python3, and target/walship.jar (built if missing).
# More options: python3 soak/soak.py --help (--sync-interval, --slack, --spool-mb, --java-opts).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out=""
backend=file
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --out) out="${args[$((i + 1))]:-}" ;;
    --backend) backend="${args[$((i + 1))]:-}" ;;
    -h|--help) exec python3 "$here/soak.py" --help ;;
  esac
done
if [ "$(id -u)" != 0 ]; then echo "soak: must run as root (it mounts a tmpfs for the spool)" >&2; exit 2; fi
command -v python3 >/dev/null || { echo "soak: python3 is required" >&2; exit 2; }
command -v java >/dev/null || { echo "soak: java is required" >&2; exit 2; }
jar="${WALSHIP_JAR:-$root/target/walship.jar}"
if [ ! -f "$jar" ] || [ ! -d "$root/target/test-classes" ] || [ ! -d "$root/target/s3proxy" ]; then
  echo "soak: building target/ (mvn -B -q -o package -DskipTests)" >&2
  (cd "$root" && mvn -B -q -o package -DskipTests)
fi
if [ -z "$out" ]; then
  out="$here/out/$(date -u +%Y%m%dT%H%M%SZ)-$backend-$$"
  args+=(--out "$out")
fi
mkdir -p "$out"
# A private copy of the jar: a rebuild of target/ during a long soak must not change what runs.
cp "$jar" "$out/walship.jar"

# The orchestrator stops everything it started by PID and unmounts its tmpfs. This trap is the
# backstop if it dies itself: it reads the PIDs and mounts it recorded in $out.
py=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$py" ] && kill -0 "$py" 2>/dev/null; then kill -TERM "$py" 2>/dev/null || true; wait "$py" 2>/dev/null || true; fi
  if [ -f "$out/pids" ]; then
    while read -r pid; do [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; done <"$out/pids"
  fi
  if [ -f "$out/mounts" ]; then
    while read -r m; do [ -n "$m" ] && mountpoint -q "$m" && umount "$m" || true; done <"$out/mounts"
  fi
  rm -f "$out/walship.jar"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rc=0
python3 "$here/soak.py" --jar "$out/walship.jar" "${args[@]}" &
py=$!
wait "$py" || rc=$?
py=""
exit $rc
