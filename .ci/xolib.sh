#!/usr/bin/env bash
# Contract test with XO's own client library: installs Node from Debian when missing, a PINNED
# xo-lib from npm in a temporary directory, and runs TestXOLibContract (xo/xotest), which
# starts the simulator on plain-HTTP loopback and runs .ci/xolib-contract.js against it.
# Exits non-zero on any deviation.
set -euo pipefail
cd "$(dirname "$0")/.."

XOLIB_VERSION=0.9.0 # the latest xo-lib published on npm

log() { echo "xolib.sh: $*" >&2; }

sudo_if_needed() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
		log "not root and no sudo: cannot run $*"; return 1; fi
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	log "installing Node.js and npm from Debian"
	sudo_if_needed apt-get update -qq >&2
	sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2
fi
log "node $(node --version), xo-lib $XOLIB_VERSION"

dir=$(mktemp -d -t sitekit-xolib.XXXXXX)
trap 'rm -rf "$dir"' EXIT
(cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "xo-lib@$XOLIB_VERSION" >&2)
test -f "$dir/node_modules/xo-lib/package.json" || { log "xo-lib $XOLIB_VERSION not installed"; exit 1; }

SITEKIT_XOLIB_DIR="$dir" go test -count=1 -run '^TestXOLibContract$' -v ./xo/xotest
