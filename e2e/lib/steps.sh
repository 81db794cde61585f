# shellcheck shell=bash
# The steps of compose-e2e.sh. Sourced by it; uses dc, log, die, wait_healthy and the E2E_* variables.

client() { python3 "$ROOT/e2e/lib/client.py" "$@"; }

# One-off containers with plain `docker run`: docker-compose v1's `run` refuses host networking ("can't be used
# with links"). The volumes are the compose project's (prefix wse2e_) and one of their own for restored copies.
walship_tool() {
  docker run --rm --network none --read-only --tmpfs /tmp:rw,exec,size=64m \
    -v wse2e_backups:/backups:ro -v wse2e_check:/data --entrypoint walship "$WALSHIP_IMAGE" "$@"
}
dump_db() { # dump_db VOLUME PATH_IN_VOLUME
  docker run --rm --network none -v "$1:/v" -e APP_DB="/v/$2" --entrypoint python3 walship-e2e-app:v1 /app/app.py dump
}
APP_URL() { echo "http://127.0.0.1:$APP_PORT"; }

# A free loopback port (the kernel picks one; it stays free long enough for the containers to bind it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

choose_ports_and_token() {
  APP_PORT=$(free_port)
  ADMIN_PORT=$(free_port)
  [ "$APP_PORT" != "$ADMIN_PORT" ] || ADMIN_PORT=$(free_port)
  TOKEN_FILE="$E2E_WORK/walship_admin_token"
  python3 -c 'import secrets; print(secrets.token_hex(32))' >"$TOKEN_FILE"
  # Compose (v1 and v2) bind-mounts file secrets as they are, owner and mode included: the sidecar's uid 10001
  # must be able to read it.
  chmod 0644 "$TOKEN_FILE"
  export APP_PORT ADMIN_PORT TOKEN_FILE WALSHIP_IMAGE=walship-e2e:local APP_IMAGE=walship-e2e-app:v1
}

build_images() {
  local build_image=walship-e2e-base:bookworm
  if [ "$E2E_JAR" = source ]; then
    ensure_base_image walship-e2e-build-base:bookworm "$BUILD_PACKAGES" 1
    build_image=walship-e2e-build-base:bookworm
  elif [ ! -f "$ROOT/target/walship.jar" ]; then
    log "target/walship.jar is missing; building it (mvn -B -q package -DskipTests)"
    (cd "$ROOT" && mvn -B -q package -DskipTests) || die "mvn package failed"
  fi
  # The engine has no bridge network: RUN steps get none, except the Maven stage, which reaches Maven Central
  # through the host's network.
  local net=none
  [ "$E2E_JAR" != source ] || net=host
  DOCKER_BUILDKIT=1 docker build --progress=plain --network=$net \
    --build-arg BUILD_IMAGE="$build_image" --build-arg RUNTIME_IMAGE=walship-e2e-base:bookworm \
    --build-arg JAR="$E2E_JAR" -t "$WALSHIP_IMAGE" "$ROOT" >"$E2E_WORK/build-walship.log" 2>&1 \
    || { tail -30 "$E2E_WORK/build-walship.log" >&2; die "docker build of the walship image failed"; }
  log "built $WALSHIP_IMAGE ($(docker image inspect -f '{{.Size}}' "$WALSHIP_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
  local v
  for v in v1 v2; do
    DOCKER_BUILDKIT=1 docker build -q --network=none --build-arg APP_VERSION=$v -t "walship-e2e-app:$v" "$ROOT/e2e/app" >/dev/null \
      || die "docker build of the demo app $v failed"
  done
  log "built walship-e2e-app:v1 and :v2"
  local user
  user=$(docker image inspect -f '{{.Config.User}}' "$WALSHIP_IMAGE")
  [ "$user" = walship ] || die "the walship image runs as '$user', expected the non-root user walship"
}

start_stack() {
  dc up -d app walship >"$E2E_WORK/compose-up.log" 2>&1 || { cat "$E2E_WORK/compose-up.log" >&2; die "compose up failed"; }
  wait_healthy "$(dc ps -q app)" 60
  log "app healthy: $(client get "$(APP_URL)" /health)"
  wait_healthy "$(dc ps -q walship)" 90
  log "walship healthy (image HEALTHCHECK, walship-healthcheck on /healthz)"
  [ "$(dc exec -T walship id -u)" = 10001 ] || die "the sidecar does not run as uid 10001"
  if dc exec -T walship sh -c 'touch /opt/walship/x' 2>/dev/null; then die "the sidecar's root filesystem is writable"; fi
}

write_data() {
  client write "$(APP_URL)" 40 v1
  client get "$(APP_URL)" /dump >"$E2E_WORK/pre-deploy.json"
  log "pre-deploy state: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]), "items, columns", d["columns"])' "$E2E_WORK/pre-deploy.json")"
  # The poller runs from here to the end of the rollback.
  client poll "$(APP_URL)" "$E2E_WORK/poller.log" "$E2E_WORK/poller.stop" >"$E2E_WORK/poller.out" 2>&1 &
  POLLER_PID=$!
}

pre_deploy() {
  dc exec -T walship walship hook pre-deploy --label v1 >"$E2E_WORK/pre-deploy-hook.json" 2>"$E2E_WORK/pre-deploy-hook.err" \
    || die "walship hook pre-deploy failed: $(cat "$E2E_WORK/pre-deploy-hook.err")"
  log "pre-deploy hook: $(cat "$E2E_WORK/pre-deploy-hook.json")"
  python3 - "$E2E_WORK/pre-deploy-hook.json" <<'EOF' || die "pre-deploy hook answer is not as the contract says"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["label"] == "v1", d
assert isinstance(d["txid"], int) and d["txid"] > 0, d
assert d["replicas"] and all(r["durable"] for r in d["replicas"]), d
EOF
}

# docker-rollout's steps, with docker-compose v1: scale the service to two containers (the new one from the
# new image; --no-recreate keeps the old one as it is), wait for the new one's HEALTHCHECK, stop the old one.
rollout_app() {
  local image=$1 old new
  old=$(dc ps -q app)
  [ "$(echo "$old" | wc -l)" = 1 ] || die "expected one app container before the rollout, got: $old"
  APP_IMAGE=$image dc up -d --no-deps --scale app=2 --no-recreate app >>"$E2E_WORK/compose-up.log" 2>&1 \
    || die "compose scale app=2 failed"
  new=$(dc ps -q app | grep -v -F "$old" || true)
  [ -n "$new" ] || die "no new app container after scaling to 2"
  wait_healthy "$new" 60
  docker stop "$old" >/dev/null && docker rm "$old" >/dev/null
  log "rolled out $image: container ${new:0:12} replaced ${old:0:12}"
}

deploy_v2() {
  docker run --rm --network host -v wse2e_data:/data walship-e2e-app:v2 migrate 2>&1 | sed 's/^/    /' \
    || die "the v2 migration failed"
  rollout_app walship-e2e-app:v2
  client write "$(APP_URL)" 5 v2
  client get "$(APP_URL)" /dump >"$E2E_WORK/v2-state.json"
  # The deploy's health check: the API must still return emails. v2 lost them, so the deploy rolls back.
  if python3 -c 'import json,sys; sys.exit(0 if "email" in json.load(open(sys.argv[1]))["columns"] else 1)' "$E2E_WORK/v2-state.json"; then
    die "v2's migration did not drop items.email; the test would prove nothing"
  fi
  log "v2 is live and its smoke test fails (items.email is gone): rolling back"
}

roll_back() {
  dc exec -T walship walship hook post-rollback --label v1 >"$E2E_WORK/post-rollback-hook.json" 2>"$E2E_WORK/post-rollback-hook.err" \
    || die "walship hook post-rollback failed: $(cat "$E2E_WORK/post-rollback-hook.err")"
  log "post-rollback hook: $(cat "$E2E_WORK/post-rollback-hook.json")"
  # Restore first, then swap the code back: v2's code works on v1's schema (it only lost a column), while v1's
  # code would fail on v2's.
  rollout_app walship-e2e-app:v1
  sleep 1   # one more second of polling against the restored v1
  touch "$E2E_WORK/poller.stop"
}

same_json() { # same_json WHAT EXPECTED_FILE ACTUAL_FILE
  python3 - "$@" <<'EOF'
import json, sys
what, a, b = sys.argv[1:4]
exp, act = json.load(open(a)), json.load(open(b))
if exp != act:
    sys.exit(f"{what}: differs\n  expected: {json.dumps(exp)[:400]}\n  actual:   {json.dumps(act)[:400]}")
print(f"ok: {what}: {len(act['items'])} items, columns {act['columns']}")
EOF
}

assert_data_is_pre_deploy_state() {
  client get "$(APP_URL)" /dump >"$E2E_WORK/after-rollback.json"
  same_json "live data after the rollback equals the pre-deploy state" "$E2E_WORK/pre-deploy.json" "$E2E_WORK/after-rollback.json" \
    || die "the rollback did not bring back the pre-deploy data"
  client get "$(APP_URL)" /health | grep -q '"version": "v1"' || die "the app is not v1 after the rollback"
}

assert_safety_snapshot_holds_v2() {
  local label txid
  # saved_as: the safety snapshot, {"label": "pre-restore-<time>", "txid": N, ...}; N is the newest v2 commit.
  label=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["saved_as"]["label"])' "$E2E_WORK/post-rollback-hook.json")
  txid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["saved_as"]["txid"])' "$E2E_WORK/post-rollback-hook.json")
  case "$label" in pre-restore-*) ;; *) die "post-rollback saved_as is '$label', expected pre-restore-<time>" ;; esac
  walship_tool snapshots --replica file:///backups/app --json >"$E2E_WORK/snapshots.json" 2>"$E2E_WORK/snapshots.err" \
    || die "walship snapshots failed: $(cat "$E2E_WORK/snapshots.err")"
  grep -q "$label" "$E2E_WORK/snapshots.json" || die "the safety snapshot $label is not listed by walship snapshots"
  walship_tool restore --replica file:///backups/app --txid "$txid" --output /data/pre-restore.db \
    >"$E2E_WORK/restore-safety.log" 2>&1 || die "restoring the safety snapshot (txid $txid) failed: $(tail -3 "$E2E_WORK/restore-safety.log")"
  dump_db wse2e_check pre-restore.db >"$E2E_WORK/safety.json" \
    || die "could not read the restored safety snapshot"
  same_json "safety snapshot $label (txid $txid) holds the v2 state" "$E2E_WORK/v2-state.json" "$E2E_WORK/safety.json" \
    || die "the safety snapshot does not hold the v2 state"
}

assert_app_answered_throughout() {
  local rc=0
  wait "$POLLER_PID" || rc=$?
  POLLER_PID=""
  cat "$E2E_WORK/poller.out"
  sed 's/^/    /' "$E2E_WORK/poller.log" | tail -20
  [ "$rc" = 0 ] || die "the app did not answer throughout the deploy and the rollback"
  grep -q 'answered by v2' "$E2E_WORK/poller.log" || die "the poller never saw v2 answer; it did not poll through the deploy"
}

assert_new_vm_restore() {
  dc stop walship >/dev/null 2>&1 || die "stopping the sidecar failed"
  log "old sidecar stopped (final sync, lease released); starting a new one on an empty volume"
  dc --profile newvm up -d --no-deps newvm >>"$E2E_WORK/compose-up.log" 2>&1 || die "compose up newvm failed"
  wait_healthy "$(dc --profile newvm ps -q newvm)" 120
  # Healthy means restored: walship restores before it opens the admin API.
  dc --profile newvm logs --no-color newvm | grep -E 'database missing, restoring|restored db=' | sed 's/^/    /' \
    || die "the new sidecar did not log a restore (--restore-if-missing)"
  dc --profile newvm stop newvm >/dev/null 2>&1
  dump_db wse2e_fresh app.db >"$E2E_WORK/fresh.json" \
    || die "could not read the database restored by the entrypoint"
  same_json "a fresh volume restored by the entrypoint (--restore-if-missing) equals the pre-deploy state" \
    "$E2E_WORK/pre-deploy.json" "$E2E_WORK/fresh.json" || die "the entrypoint's restore differs"
}
