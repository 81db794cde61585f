#!/usr/bin/env bash
# Deterministic check for one soak finding: the spool's filesystem fills up while walship replicates a
# busy database, then space returns. walship must retry, lose nothing, and keep recording correct
# whole-database checksums: the latest restore must equal the writer's final state. (Before the fix,
# the page-hash table kept pages of the failed copy and every later restore was refused with "the
# replica holds a wrong page image".) About 45 s. Needs root (tmpfs). Usage: soak/spool-full.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
jar="${WALSHIP_JAR:-$root/target/walship.jar}"
[ "$(id -u)" = 0 ] || { echo "spool-full: must run as root (it mounts a tmpfs)" >&2; exit 2; }
[ -f "$jar" ] || (cd "$root" && mvn -B -q -o package -DskipTests)
w="$(mktemp -d /tmp/walship-spool-full-XXXXXX)"
wp="" jp=""
cleanup() {
  [ -n "$wp" ] && kill "$wp" 2>/dev/null || true
  [ -n "$jp" ] && kill -KILL "$jp" 2>/dev/null || true
  mountpoint -q "$w/spool" && umount "$w/spool" || true
}
trap cleanup EXIT
mkdir -p "$w/spool" "$w/replica"
mount -t tmpfs -o size=64m,mode=0700 tmpfs "$w/spool"
python3 "$here/writer.py" --db "$w/app.db" --log "$w/writer.log" --stop-file "$w/stop" --seed 3 --sleep-ms 5 &
wp=$!
sleep 1
java -XX:+UseSerialGC -jar "$jar" replicate --db "$w/app.db" --replica "file://$w/replica" --spool-dir "$w/spool" \
  --admin-listen off >"$w/walship.log" 2>&1 &
jp=$!
sleep 8
python3 -c "import sys; sys.path.insert(0, '$here'); import procs; procs.fill('$w/spool')"
sleep 15
rm "$w/spool/ballast"
sleep 15
touch "$w/stop"
wait "$wp"; wp=""
sleep 3
kill -TERM "$jp"
code=0; wait "$jp" || code=$?; jp=""
fail=""
[ "$code" = 0 ] || fail="walship exited $code on SIGTERM"
grep -q "No space left on device" "$w/walship.log" || fail="${fail:+$fail; }the spool never filled up (no ENOSPC in the log)"
if java -jar "$jar" restore --replica "file://$w/replica" -o "$w/latest.db" -q --integrity-check full >"$w/restore.out" 2>&1; then
  python3 - "$here" "$w" <<'EOF' || fail="${fail:+$fail; }latest restore differs from the writer's final state"
import sys
sys.path.insert(0, sys.argv[1])
import verify
w = sys.argv[2]
log = verify.WriterLog(w + "/writer.log")
log.poll()
digest, ic = verify.digest_of(w + "/latest.db")
sys.exit(0 if digest == log.last()[3] and ic == "ok" else 1)
EOF
else
  fail="${fail:+$fail; }latest restore failed: $(cat "$w/restore.out")"
fi
if [ -n "$fail" ]; then
  echo "spool-full: FAILED: $fail (evidence in $w)"
  exit 1
fi
echo "spool-full: PASSED ($(grep -c 'No space left on device' "$w/walship.log") failed syncs retried, latest restore exact)"
umount "$w/spool"
rm -rf "$w"
