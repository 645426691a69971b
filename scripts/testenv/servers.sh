#!/usr/bin/env bash
# Starting and stopping the test servers on 127.0.0.1. Sourced by lib.sh. Every server records its
# PID in $STATE/NAME.pid; testenv_stop_all stops them all by PID.

TESTENV_VAULT_PORT=${TESTENV_VAULT_PORT:-18200}
TESTENV_PG_PORT=${TESTENV_PG_PORT:-55432}
TESTENV_MOTO_PORT=${TESTENV_MOTO_PORT:-14566}
TESTENV_GCPSM_GRPC_PORT=${TESTENV_GCPSM_GRPC_PORT:-19090}
TESTENV_GCPSM_HTTP_PORT=${TESTENV_GCPSM_HTTP_PORT:-18080}
TESTENV_TOXIPROXY_PORT=${TESTENV_TOXIPROXY_PORT:-18474}

testenv_start_vault() {
  "$BACKENDS_BIN/vault" server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$TESTENV_VAULT_PORT" \
    -dev-no-store-token >"$STATE/vault.log" 2>&1 &
  echo $! >"$STATE/vault.pid"
  local addr="http://127.0.0.1:$TESTENV_VAULT_PORT"
  # ready when the default KV v2 mount answers (its upgrade is asynchronous)
  testenv_wait vault "$STATE/vault.pid" curl -sf -H "X-Vault-Token: root" "$addr/v1/secret/config" || return 1
  export SECRETRUN_TEST_VAULT_ADDR="$addr" SECRETRUN_TEST_VAULT_TOKEN=root SECRETRUN_TEST_VAULT_BIN="$BACKENDS_BIN/vault"
}

# PostgreSQL (Debian package) for Vault's database secrets engine; runs as the postgres OS user.
testenv_pgbin() {
  local pkg; pkg=$(dpkg-query -W -f='${Package} ${Status}\n' 'postgresql-[0-9]*' 2>/dev/null |
    awk '$1 ~ /^postgresql-[0-9]+$/ && / installed$/ {print $1}' | sort -V | tail -1)
  [[ -n "$pkg" ]] && dirname "$(dpkg -L "$pkg" | grep '/bin/pg_ctl$')"
}

testenv_start_postgres() {
  local pgbin; pgbin="$(testenv_pgbin)" || true
  if [[ -z "$pgbin" ]]; then
    testenv_log "installing PostgreSQL (Debian package postgresql)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
    pgbin="$(testenv_pgbin)"
  fi
  local dir="$STATE/pg" pass=pgadmin
  # The server runs as the postgres OS user: it must be able to traverse $STATE (a mktemp -d
  # directory, mode 0700) to reach its own directory, and it writes its log there too.
  chmod a+x "$STATE"
  mkdir -p "$dir"; chown postgres:postgres "$dir"
  printf '%s\n' "$pass" >"$dir/pw"; chown postgres "$dir/pw"
  runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -A scram-sha-256 -U postgres --pwfile="$dir/pw" >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  rm -f "$dir/pw"
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $TESTENV_PG_PORT -k $dir -c fsync=off -c full_page_writes=off" start >/dev/null || { cat "$dir/postgres.log" >&2; return 1; }
  head -1 "$dir/data/postmaster.pid" >"$STATE/postgres.pid"
  testenv_log "postgres ready on 127.0.0.1:$TESTENV_PG_PORT (pid $(cat "$STATE/postgres.pid"))"
  export SECRETRUN_TEST_PG_HOST=127.0.0.1 SECRETRUN_TEST_PG_PORT="$TESTENV_PG_PORT" SECRETRUN_TEST_PG_USER=postgres SECRETRUN_TEST_PG_PASSWORD="$pass"
}

testenv_start_moto() {
  moto_server -H 127.0.0.1 -p "$TESTENV_MOTO_PORT" >"$STATE/moto.log" 2>&1 &
  echo $! >"$STATE/moto.pid"
  testenv_wait moto "$STATE/moto.pid" curl -sf "http://127.0.0.1:$TESTENV_MOTO_PORT/moto-api/" || return 1
  export SECRETRUN_TEST_AWS_ENDPOINT="http://127.0.0.1:$TESTENV_MOTO_PORT"
}

testenv_start_gcpsm() {
  # The emulator binds all interfaces (no host flag): ports nothing else uses, never exposed.
  IAM_MODE=off "$BACKENDS_BIN/gcp-sm-emulator" -grpc-port "$TESTENV_GCPSM_GRPC_PORT" -http-port "$TESTENV_GCPSM_HTTP_PORT" >"$STATE/gcpsm.log" 2>&1 &
  echo $! >"$STATE/gcpsm.pid"
  testenv_wait gcpsm "$STATE/gcpsm.pid" curl -sf "http://127.0.0.1:$TESTENV_GCPSM_HTTP_PORT/healthz" || return 1
  export SECRETRUN_TEST_GCPSM_GRPC="127.0.0.1:$TESTENV_GCPSM_GRPC_PORT" SECRETRUN_TEST_GCPSM_REST="http://127.0.0.1:$TESTENV_GCPSM_HTTP_PORT"
}

testenv_start_toxiproxy() {
  "$BACKENDS_BIN/toxiproxy-server" -host 127.0.0.1 -port "$TESTENV_TOXIPROXY_PORT" >"$STATE/toxiproxy.log" 2>&1 &
  echo $! >"$STATE/toxiproxy.pid"
  testenv_wait toxiproxy "$STATE/toxiproxy.pid" curl -sf "http://127.0.0.1:$TESTENV_TOXIPROXY_PORT/version" || return 1
  export SECRETRUN_TEST_TOXIPROXY="http://127.0.0.1:$TESTENV_TOXIPROXY_PORT"
}

testenv_start_all() {
  testenv_start_postgres && testenv_start_vault && testenv_start_moto && testenv_start_gcpsm && testenv_start_toxiproxy
}

testenv_stop_all() {
  local f name pid
  for f in "$STATE"/*.pid; do
    [[ -f "$f" ]] || continue
    name=$(basename "$f" .pid); pid=$(cat "$f")
    if [[ $name == postgres ]]; then
      kill -INT "$pid" 2>/dev/null # PostgreSQL's fast shutdown; the postmaster stops its children
    else
      kill "$pid" 2>/dev/null
    fi
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}
