# shellcheck shell=bash
# A private Docker engine for the e2e, as test-infra.md describes: its own socket, data and exec roots under one
# directory, and no host networking at all (--bridge=none --iptables=false ...); containers use the host network
# or none, so all traffic stays on 127.0.0.1. Stopped by PID in the cleanup. Sourced by compose-e2e.sh.

ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
}

start_engine() {
  local dir=$1 _
  mkdir -p "$dir"
  dockerd --host="unix://$dir/docker.sock" --data-root="$dir/data" --exec-root="$dir/exec" \
    --pidfile="$dir/docker.pid" --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    >"$dir/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  export DOCKER_HOST="unix://$dir/docker.sock"
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && { log "dockerd $(docker version -f '{{.Server.Version}}') pid $DOCKERD_PID"; return; }
    kill -0 "$DOCKERD_PID" 2>/dev/null || die "dockerd exited at start; see $dir/dockerd.log"
    sleep 0.5
  done
  die "dockerd did not answer within 30s; see $dir/dockerd.log"
}

stop_engine() {
  [ -n "${DOCKERD_PID:-}" ] || return 0
  kill "$DOCKERD_PID" 2>/dev/null || true
  local _
  for _ in $(seq 1 40); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$DOCKERD_PID" 2>/dev/null; then
    echo "e2e: dockerd $DOCKERD_PID did not stop in 20s; killing it" >&2
    kill -9 "$DOCKERD_PID" 2>/dev/null || true
  fi
  wait "$DOCKERD_PID" 2>/dev/null || true
  DOCKERD_PID=""
}

# wait_healthy CONTAINER SECONDS: until docker reports its HEALTHCHECK healthy.
wait_healthy() {
  local c=$1 limit=$2 state _
  for _ in $(seq 1 $((limit * 2))); do
    state=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$c" 2>/dev/null || echo gone)
    case "$state" in
      healthy) return 0 ;;
      exited|dead|gone) docker logs --tail 30 "$c" >&2 2>&1 || true; die "container $c is $state before it became healthy" ;;
    esac
    sleep 0.5
  done
  docker logs --tail 30 "$c" >&2 2>&1 || true
  docker inspect -f '{{json .State.Health}}' "$c" >&2 || true
  die "container $c not healthy within ${limit}s (state $state)"
}
