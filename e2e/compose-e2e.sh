#!/usr/bin/env bash
# End-to-end test of the container image and the deploy hooks with a real Docker engine (issue 4):
#   1. builds the walship image from the project's Dockerfile (base images built locally: no registry here)
#   2. starts a demo app (python3 http.server + sqlite3, WAL) and the sidecar with docker-compose
#   3. writes data through the app
#   4. runs the pre-deploy hook (labelled snapshot v1)
#   5. deploys v2, whose migration drops a column, with docker-rollout's steps (scale to 2, wait healthy, stop old)
#   6. rolls back: post-rollback hook (restore to v1 in place), then v1 comes back the same way
#   7. asserts the data equals the pre-deploy state, the safety snapshot holds the v2 state, the app answered
#      throughout, and an empty volume restored by the entrypoint (--restore-if-missing) holds the same data.
# Runs as root; installs docker.io, docker-compose and debootstrap if missing; starts and stops its own dockerd.
# Env: E2E_JAR=prebuilt (default: target/walship.jar, built if missing) or source (the Dockerfile's Maven
# build, in a locally built Maven base image); E2E_CACHE (default ~/.cache/walship-e2e) holds the base images'
# root filesystems; E2E_DEBIAN_MIRROR overrides the mirror read from the host's apt sources; E2E_KEEP=1 keeps
# the work directory for a look after a failure. Measured on 2 cores: ~3.5 min cold (debootstrap), 40-70 s warm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# Debian's docker CLI matches Debian's engine (20.10); docker-compose v1 runs `docker` for `exec`.
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

E2E_START=$(date +%s)
E2E_JAR=${E2E_JAR:-prebuilt}
E2E_CACHE=${E2E_CACHE:-$HOME/.cache/walship-e2e}
E2E_WORK=$(mktemp -d /tmp/walship-e2e.XXXXXX)   # short: the engine's unix socket path must stay < 108 bytes
DOCKERD_PID=""
POLLER_PID=""
RESULT=FAIL

log() { printf 'e2e [%4ss] %s\n' "$(($(date +%s) - E2E_START))" "$*"; }
step() { printf '\ne2e [%4ss] ==== %s\n' "$(($(date +%s) - E2E_START))" "$*"; }
die() { printf 'e2e [%4ss] FAIL: %s\n' "$(($(date +%s) - E2E_START))" "$*" >&2; exit 1; }

# shellcheck source=e2e/lib/engine.sh
. "$ROOT/e2e/lib/engine.sh"
# shellcheck source=e2e/lib/base-image.sh
. "$ROOT/e2e/lib/base-image.sh"
# shellcheck source=e2e/lib/steps.sh
. "$ROOT/e2e/lib/steps.sh"

dc() { docker-compose --ansi never -p wse2e -f "$ROOT/e2e/compose.yml" "$@"; }

cleanup() {
  local rc=$?
  set +e
  [ -z "$POLLER_PID" ] || { touch "$E2E_WORK/poller.stop"; wait "$POLLER_PID" 2>/dev/null; }
  if [ -n "$DOCKERD_PID" ]; then
    if [ "$RESULT" != PASS ]; then
      echo "---- container logs (last 40 lines each)" >&2
      dc --profile newvm logs --no-color --tail 40 >&2 2>&1
    fi
    dc --profile newvm down -v --remove-orphans >/dev/null 2>&1
    stop_engine
  fi
  # What is still mounted under the work directory: the chroot's /proc if debootstrap died half way, and the
  # network namespace dockerd leaves at exec/netns/default. Deepest first.
  awk -v d="$E2E_WORK/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    echo "e2e: kept $E2E_WORK"
  else
    rm -rf --one-file-system "$E2E_WORK"
  fi
  echo
  echo "e2e: $RESULT ($(($(date +%s) - E2E_START))s)"
  [ "$RESULT" = PASS ] && exit 0
  exit $((rc == 0 ? 1 : rc))
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (it starts its own dockerd and debootstraps a base image)"
case "$E2E_JAR" in source|prebuilt) ;; *) die "E2E_JAR=$E2E_JAR: use prebuilt (default) or source" ;; esac

step "0. engine and base images"
ensure_packages
start_engine "$E2E_WORK/engine"
ensure_base_image walship-e2e-base:bookworm "$BASE_PACKAGES"
choose_ports_and_token

step "1. build the walship image from ./Dockerfile (JAR=$E2E_JAR) and the demo app images"
build_images

step "2. start the app and the sidecar (docker-compose, host network, app port $APP_PORT, admin port $ADMIN_PORT)"
start_stack

step "3. write data through the app"
write_data

step "4. pre-deploy hook: labelled snapshot v1"
pre_deploy

step "5. deploy v2: migration drops items.email, then docker-rollout's steps"
deploy_v2

step "6. roll back: post-rollback hook to v1, then bring the v1 app back"
roll_back

step "7. assertions"
assert_data_is_pre_deploy_state
assert_safety_snapshot_holds_v2
assert_app_answered_throughout
assert_new_vm_restore

RESULT=PASS
