#!/usr/bin/env bash
# Installs a secretrun release for the GitHub Action in action.yml (docs/ci.md): downloads the
# archive for this runner, verifies its SHA-256 against the release's checksums.txt (and against
# SECRETRUN_SHA256 when given), unpacks it into the tool cache and adds it to $GITHUB_PATH.
#
# Environment:
#   SECRETRUN_VERSION   release to install, such as 0.1.0 or v0.1.0 (required)
#   SECRETRUN_BASE_URL  where releases live (default: GitHub releases of secretrun/secretrun);
#                       file:// works, for mirrors and tests
#   SECRETRUN_SHA256    optional: the archive's expected SHA-256, pinned in the workflow
#   RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT: set by the runner
set -euo pipefail

fail() { echo "::error title=secretrun install::$*" >&2; exit 1; }

version="${SECRETRUN_VERSION:-}"
[[ -n "$version" ]] || fail "no version given"
ver="${version#v}"
[[ "$ver" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || fail "version '$version' is not a release version such as 0.1.0"
base="${SECRETRUN_BASE_URL:-https://github.com/secretrun/secretrun/releases/download}"
base="${base%/}"
[[ -n "${GITHUB_PATH:-}" ]] || fail "GITHUB_PATH is not set: run this as a GitHub Actions step"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) fail "unsupported runner OS $(uname -s): this action installs the Linux and macOS builds" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) fail "unsupported runner architecture $(uname -m)" ;;
esac

archive="secretrun_${ver}_${os}_${arch}.tar.gz"
tmp="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/secretrun-download.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

fetch() { curl --fail --silent --show-error --location --retry 3 --proto '=https,file' -o "$2" "$1"; }
fetch "$base/v$ver/$archive" "$tmp/$archive" || fail "cannot download $base/v$ver/$archive"
fetch "$base/v$ver/checksums.txt" "$tmp/checksums.txt" || fail "cannot download $base/v$ver/checksums.txt"

want="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/checksums.txt")"
[[ "$want" =~ ^[0-9a-f]{64}$ ]] || fail "$archive is not listed in checksums.txt"
if command -v sha256sum >/dev/null; then
  got="$(sha256sum "$tmp/$archive" | cut -d' ' -f1)"
else
  got="$(shasum -a 256 "$tmp/$archive" | cut -d' ' -f1)"
fi
[[ "$got" == "$want" ]] || fail "checksum mismatch for $archive: checksums.txt says $want, the download is $got"
if [[ -n "${SECRETRUN_SHA256:-}" && "$got" != "${SECRETRUN_SHA256,,}" ]]; then
  fail "checksum mismatch for $archive: the workflow pins ${SECRETRUN_SHA256}, the download is $got"
fi

if [[ -n "${RUNNER_TOOL_CACHE:-}" ]]; then
  dest="$RUNNER_TOOL_CACHE/secretrun/$ver/$arch"
else
  dest="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/secretrun.XXXXXX")"
fi
rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tmp/$archive" -C "$dest" secretrun || fail "$archive holds no secretrun binary"
chmod 0755 "$dest/secretrun"

echo "$dest" >>"$GITHUB_PATH"
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "path=$dest/secretrun" >>"$GITHUB_OUTPUT"
fi
echo "secretrun $ver installed in $dest (sha256 $got)"
