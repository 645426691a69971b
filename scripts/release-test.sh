#!/usr/bin/env bash
# The release test (scripts/test.sh runs it; it also runs alone):
#   1. goreleaser check of .goreleaser.yaml;
#   2. a snapshot release of the host's Linux target with the release configuration (before hooks,
#      binary, archive, deb/rpm/apk packages, checksums, Homebrew cask), made twice: the two
#      checksum files must be identical (reproducible builds);
#   3. the archive holds README, LICENSE, NOTICE, THIRD_PARTY_NOTICES, docs/, completions and
#      man pages;
#   4. the .deb is installed with dpkg -i, `secretrun version` names the snapshot and the commit,
#      the man pages and completion scripts are where the shells and man look, and the package is
#      removed again (dpkg -r, also when a step fails).
# Offline: goreleaser is built once per machine from the Go module proxy into the backends cache
# (scripts/testenv/build.sh). Signing (cosign), SBOMs (syft), the container image (docker) and
# publishing are configured for the release pipeline and skipped here; so is Scoop, whose
# manifest needs the Windows archive (a second full build). The artifacts stay in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/testenv/lib.sh # BACKENDS_BIN, testenv_build_goreleaser
t0=$(date +%s)
log() { printf 'release-test: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

testenv_build_goreleaser
goreleaser="$BACKENDS_BIN/goreleaser"
"$goreleaser" check

work="$(mktemp -d /tmp/secretrun-release-test.XXXXXX)"
installed=0
cleanup() {
  if ((installed)); then dpkg -r secretrun >/dev/null || log "dpkg -r secretrun failed: remove the package by hand"; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The release configuration, narrowed to one target: the lines marked "release-test: targets".
arch="$(go env GOARCH)"
sed -e "s/^\( *goos:\).*# release-test: targets\$/\1 [linux]/" \
    -e "s/^\( *goarch:\).*# release-test: targets\$/\1 [$arch]/" .goreleaser.yaml >"$work/goreleaser.yaml"
[[ $(grep -c "^ *goos: \[linux\]\$\|^ *goarch: \[$arch\]\$" "$work/goreleaser.yaml") == 2 ]] ||
  fail ".goreleaser.yaml: the goos and goarch lines of the build must end with '# release-test: targets'"

# goreleaser reads the commit (and its date, for the file times) only once it has a remote URL;
# a fresh worktree has none. Give it one for this process only, leaving .git/config alone.
if ! git ls-remote --get-url >/dev/null 2>&1; then
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/secretrun/secretrun.git
fi

snapshot() { # NAME
  local t; t=$(date +%s)
  if ! "$goreleaser" release --snapshot --clean --skip=sign,sbom,docker,publish,scoop -f "$work/goreleaser.yaml" >"$work/$1.log" 2>&1; then
    tail -40 "$work/$1.log" >&2
    fail "goreleaser release --snapshot failed (above)"
  fi
  log "snapshot ($1) in $(( $(date +%s)-t ))s"
}
snapshot first
cp dist/checksums.txt "$work/checksums.first"
snapshot second
if ! cmp -s "$work/checksums.first" dist/checksums.txt; then
  diff "$work/checksums.first" dist/checksums.txt >&2 || true
  fail "two snapshots of one commit differ: the release is not reproducible"
fi
log "reproducible: two snapshots, identical checksums ($(wc -l <dist/checksums.txt) artifacts)"

version="$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' dist/metadata.json)"
commit="$(git rev-parse HEAD)"
[[ -n $version ]] || fail "no version in dist/metadata.json"

# The archive's contents.
archive="dist/secretrun_${version}_linux_${arch}.tar.gz"
tar -tzf "$archive" >"$work/archive.txt" || fail "$archive: not a tar.gz"
for want in secretrun README.md LICENSE NOTICE THIRD_PARTY_NOTICES docs/config.md docs/providers/vault.md completions/secretrun.bash \
  completions/secretrun.zsh completions/secretrun.fish completions/secretrun.ps1 man/secretrun.1.gz man/secretrun-check.1.gz; do
  grep -qx "$want" "$work/archive.txt" || fail "$archive lacks $want"
done
[[ -s dist/homebrew/Casks/secretrun.rb ]] || fail "no Homebrew cask in dist/homebrew/Casks"

# The container image cannot be built here (no container runtime): check what it is made of.
# Its Dockerfile copies only what goreleaser puts in the build context (the binary, extra_files)
# and runs as a non-root user; the binary runs alone in an empty root as that user (static: no
# loader, no libc), as it must on the distroless base.
dockerfile=packaging/Dockerfile
user="$(sed -n 's/^USER \([0-9]*\)\(:[0-9]*\)\{0,1\}$/\1/p' "$dockerfile")"
[[ -n $user && $user != 0 ]] || fail "$dockerfile: the image must run as a numeric non-root USER"
for src in $(sed -n 's/^COPY \(.*\) [^ ]*$/\1/p' "$dockerfile"); do
  [[ $src == '$TARGETPLATFORM/secretrun' ]] && continue
  grep -Eq "^ +- $src\$" <(sed -n '/^dockers_v2:/,/^[a-z]/p' .goreleaser.yaml) ||
    fail "$dockerfile copies $src, which is not among dockers_v2's extra_files"
done
bin="$(ls dist/secretrun_linux_"${arch}"*/secretrun)"
if [[ $(id -u) == 0 ]] && command -v chroot >/dev/null; then
  mkdir -p "$work/image/usr/local/bin" && cp "$bin" "$work/image/usr/local/bin/"
  out="$(chroot --userspec="$user:$user" "$work/image" /usr/local/bin/secretrun version 2>&1)" ||
    fail "the release binary does not run alone in an empty root as user $user: $out"
  [[ $out == "secretrun $version "* ]] || fail "in an empty root, secretrun version printed: $out"
  log "image inputs: USER $user, COPY sources in the context, the binary runs alone in an empty root"
fi

# The .deb, installed for real where we may (root: CI), else unpacked.
deb="$(ls dist/*.deb)"
root=""
if [[ $(id -u) == 0 ]] && command -v dpkg >/dev/null; then
  if dpkg -s secretrun >/dev/null 2>&1; then fail "a secretrun package is already installed here; this test would replace it"; fi
  installed=1
  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i $deb"; }
  [[ $(command -v secretrun) == /usr/bin/secretrun ]] || log "note: $(command -v secretrun) comes before /usr/bin in PATH"
else
  log "not root: unpacking $deb instead of installing it"
  root="$work/root"
  dpkg-deb -x "$deb" "$root"
fi
out="$("$root/usr/bin/secretrun" version)"
[[ $out == "secretrun $version (commit $commit, built "* ]] || fail "secretrun version printed: $out"
for f in /usr/share/man/man1/secretrun.1.gz /usr/share/man/man1/secretrun-run.1.gz \
  /usr/share/bash-completion/completions/secretrun /usr/share/zsh/vendor-completions/_secretrun \
  /usr/share/fish/vendor_completions.d/secretrun.fish /usr/share/doc/secretrun/copyright \
  /usr/share/doc/secretrun/NOTICE /usr/share/doc/secretrun/THIRD_PARTY_NOTICES; do
  [[ -s $root$f ]] || fail "the package did not install $f"
done
zcat "$root/usr/share/man/man1/secretrun.1.gz" | grep -q '^\.TH "SECRETRUN" "1"' || fail "secretrun.1.gz is not a man page"
bash -c "source '$root/usr/share/bash-completion/completions/secretrun' && complete -p secretrun" >/dev/null ||
  fail "the bash completion script does not register a completion for secretrun"
if ((installed)); then
  dpkg -r secretrun >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -r secretrun"; }
  installed=0
  [[ ! -e /usr/bin/secretrun ]] || fail "dpkg -r left /usr/bin/secretrun"
  log "installed $deb, ran secretrun version, removed it"
fi
log "all passed in $(( $(date +%s)-t0 ))s: $(cd dist && ls *.tar.gz *.deb *.rpm *.apk | tr '\n' ' ')"
