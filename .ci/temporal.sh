#!/usr/bin/env bash
# The temporal module (its own go.mod, so the root module's checks do not reach it): builds
# the Temporal dev server of temporal/internal/devserver ONCE (its own module: the server never
# shares a build list with the SDK; cold build several minutes, then cached), starts it on
# 127.0.0.1, exports its address and namespace for the end-to-end tests (which fail instead of
# skipping when CI=true and the address is missing), runs vet, staticcheck and the tests of the
# module, and stops the server by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$(mktemp -d -t sitekit-temporal.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT

echo "== temporal dev server: build (once per CI run)"
(cd temporal/internal/devserver && go build -o "$dir/devserver" .)

echo "== temporal dev server: start on 127.0.0.1"
"$dir/devserver" >"$dir/addr" 2>"$dir/log" &
pid=$!
for _ in $(seq 1 300); do
	[ -s "$dir/addr" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$dir/log"; echo "dev server exited"; exit 1; }
	sleep 0.2
done
read -r addr ns <"$dir/addr" || true
[ -n "${addr:-}" ] || { cat "$dir/log"; echo "dev server did not print its address"; exit 1; }
export SITEKIT_TEMPORAL_ADDRESS="$addr" SITEKIT_TEMPORAL_NAMESPACE="$ns" CI=true
echo "dev server pid $pid at $addr, namespace $ns"

echo "== temporal module: vet, staticcheck, tests (testsuite, replay of recorded histories, end-to-end on the dev server)"
cd temporal
go vet ./...
staticcheck ./...
go test -race -count=1 ./...
