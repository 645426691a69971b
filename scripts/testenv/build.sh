#!/usr/bin/env bash
# Building the test servers from the Go module proxy. Each build is a no-op when the binary is
# already in $BACKENDS_BIN. Sourced by lib.sh.

# A throw-away wrapper module whose tool is the server (go install refuses modules with replace
# directives or a refused version list). With isolated=1 its module and build caches live in the
# work directory and are deleted afterwards, so only the binary stays on disk.
testenv_build_tool() { # NAME OUT PKG@VERSION PKG [isolated] [extra go.mod lines]
  local name=$1 out=$2 pkgv=$3 pkg=$4 isolated=${5:-0} extra=${6:-}
  [[ -x "$out" ]] && return 0
  mkdir -p "$(dirname "$out")"
  local work; work="$(mktemp -d "/tmp/secretrun-build-$name.XXXXXX")"
  local t0; t0=$(date +%s)
  testenv_log "building $name ($pkgv) into $out: first time on this machine"
  (
    cd "$work"
    printf 'module %swrapper\n\ngo 1.25.3\n%s\n' "$name" "$extra" >go.mod
    export GOFLAGS=-mod=mod GOTOOLCHAIN=local
    if [[ $isolated == 1 ]]; then export GOMODCACHE="$work/modcache" GOCACHE="$work/gocache"; fi
    go get -tool "$pkgv" && go build -trimpath -ldflags="-s -w" -o "$out.tmp" "$pkg" && mv "$out.tmp" "$out"
  ) >"/tmp/secretrun-build-$name.log" 2>&1
  local rc=$?
  chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"
  if [[ $rc != 0 ]]; then testenv_log "building $name failed:"; tail -30 "/tmp/secretrun-build-$name.log" >&2; return 1; fi
  testenv_log "built $name in $(( $(date +%s)-t0 ))s"
}

# Vault: repeat vault's two non-local replace directives (the go command ignores a dependency's
# replace directives). v1.21.0 is the last 1.21.x whose published api/sdk match its tree.
testenv_build_vault() {
  testenv_build_tool vault "$BACKENDS_BIN/vault" "github.com/hashicorp/vault@$VAULT_VERSION" github.com/hashicorp/vault 1 \
    $'replace github.com/99designs/keyring => github.com/Jeffail/keyring v1.2.3\nreplace github.com/ma314smith/signedxml v1.1.1 => github.com/moov-io/signedxml v1.1.1'
}

testenv_build_toxiproxy() {
  testenv_build_tool toxiproxy "$BACKENDS_BIN/toxiproxy-server" "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION" github.com/Shopify/toxiproxy/v2/cmd/server
}

testenv_build_gcpsm() {
  testenv_build_tool gcpsm "$BACKENDS_BIN/gcp-sm-emulator" "github.com/blackwell-systems/gcp-secret-manager-emulator/cmd/server-dual@$GCPSM_EMU_VERSION" github.com/blackwell-systems/gcp-secret-manager-emulator/cmd/server-dual
}

# goreleaser, for scripts/release-test.sh (goreleaser check and a single-target snapshot). Not
# part of testenv_build_all: the release test builds it when it first runs.
testenv_build_goreleaser() {
  testenv_build_tool goreleaser "$BACKENDS_BIN/goreleaser" "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION" github.com/goreleaser/goreleaser/v2 1
}

# moto cannot be built here: it is a pip package, preinstalled on this machine kind (PyPI is not
# reachable from it).
testenv_check_moto() {
  command -v moto_server >/dev/null || { testenv_log "moto_server not found: the AWS tests need moto 5.x with server extras (pip install 'moto[server]'); PyPI is not reachable from this machine kind"; return 1; }
}

testenv_build_all() {
  testenv_build_vault && testenv_build_toxiproxy && testenv_build_gcpsm && testenv_check_moto
}
