#!/usr/bin/env bash
# Starts a throwaway Netdata agent on 127.0.0.1 for the netdata integration tests.
#
#   .ci/netdata.sh start <dir>   installs Debian's netdata package if missing, writes a config
#                                under <dir>, starts the agent in the foreground (background job),
#                                waits until /api/v1/info answers and the test alarms are raised,
#                                then prints "URL PID TOKEN_FILE" on stdout.
#   .ci/netdata.sh stop <pid>    stops the agent by its PID.
#
# Everything the agent writes lives under <dir>: config, health.d (two always-raised test alarms),
# lib (with netdata.api.key, the X-Auth-Token for /api/v1/manage/health), cache, logs.
set -euo pipefail

log() { echo "netdata.sh: $*" >&2; }

sudo_if_needed() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
		log "not root and no sudo: cannot run $*"; return 1; fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

start() {
	local dir=$1
	if ! command -v netdata >/dev/null 2>&1 && [ ! -x /usr/sbin/netdata ]; then
		log "installing Debian's netdata package"
		sudo_if_needed apt-get update -qq >&2
		sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq netdata >&2
	fi
	local bin
	bin=$(command -v netdata || echo /usr/sbin/netdata)
	local port statsd
	port=$(free_port)
	statsd=$(free_port)
	mkdir -p "$dir"/etc/health.d "$dir"/lib "$dir"/cache "$dir"/log "$dir"/run
	# no anonymous statistics, no cloud
	touch "$dir/etc/.opt-out-from-anonymous-statistics"
	local user=netdata
	id netdata >/dev/null 2>&1 || user=root
	[ "$(id -u)" -eq 0 ] || user=$(id -un)
	cat >"$dir/etc/netdata.conf" <<CONF
[global]
	run as user = $user
	hostname = sitekit-ci
	update every = 1
[db]
	mode = ram
	retention = 3600
[directories]
	config = $dir/etc
	stock config = /usr/lib/netdata/conf.d
	log = $dir/log
	cache = $dir/cache
	lib = $dir/lib
	home = $dir/lib
	lock = $dir/run
	health config = $dir/etc/health.d
	stock health config = /usr/lib/netdata/conf.d/health.d
[logs]
	debug = /dev/null
	error = $dir/log/error.log
	access = none
	health = $dir/log/health.log
[web]
	mode = static-threaded
	bind to = 127.0.0.1:$port
	allow connections from = localhost
	allow management from = localhost
	web server threads = 2
[registry]
	enabled = no
[cloud]
	enabled = no
[ml]
	enabled = no
[health]
	enabled = yes
	run at least every seconds = 1
[statsd]
	enabled = no
[plugins]
	apps = no
	python.d = no
	charts.d = no
	go.d = no
	ebpf = no
	perf = no
	slabinfo = no
	nfacct = no
	fping = no
	ioping = no
	cups = no
	freeipmi = no
	debugfs = no
	timex = yes
	idlejitter = yes
	proc = yes
	diskspace = yes
	cgroups = no
	tc = no
	statsd = no
CONF
	# Test health config: two alarms that are always raised, so the tests can observe a
	# WARNING and a CRITICAL (same technique as the recorded samples).
	cat >"$dir/etc/health.d/sitekit_test.conf" <<'HEALTH'
 alarm: sitekit_test_always_warn
    on: system.cpu
  calc: 1
 every: 1s
  warn: $this > 0
 units: %
  info: sitekit integration test alarm that is always WARNING
    to: silent
  exec: /bin/true

 alarm: sitekit_test_always_crit
    on: system.cpu
  calc: 2
 every: 1s
  crit: $this > 0
 units: %
  info: sitekit integration test alarm that is always CRITICAL
    to: silent
  exec: /bin/true
HEALTH
	if [ "$user" != "root" ] && [ "$(id -u)" -eq 0 ]; then chown -R "$user" "$dir"; fi
	DO_NOT_TRACK=1 NETDATA_DISABLE_CLOUD=1 "$bin" -D -c "$dir/etc/netdata.conf" -P "$dir/run/netdata.pid" \
		</dev/null >"$dir/log/stdout.log" 2>&1 &
	local pid=$!
	local url="http://127.0.0.1:$port"
	local ok=""
	for _ in $(seq 1 60); do
		if ! kill -0 "$pid" 2>/dev/null; then log "agent exited early:"; tail -20 "$dir/log/error.log" >&2 || true; return 1; fi
		if curl -fsS --max-time 2 "$url/api/v1/info" >/dev/null 2>&1; then ok=1; break; fi
		sleep 1
	done
	[ -n "$ok" ] || { log "agent did not answer /api/v1/info within 60s"; kill "$pid" || true; return 1; }
	# wait until the test alarms are evaluated (health starts a few seconds after the web server)
	ok=""
	for _ in $(seq 1 90); do
		if curl -fsS --max-time 2 "$url/api/v1/alarms?active" 2>/dev/null | grep -q '"status": "CRITICAL"'; then ok=1; break; fi
		sleep 1
	done
	[ -n "$ok" ] || log "warning: test alarms not raised yet (integration tests will report it)"
	echo "$url $pid $dir/lib/netdata.api.key"
}

stop() {
	local pid=$1
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
	kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
start) start "${2:?dir}" ;;
stop) stop "${2:?pid}" ;;
*) echo "usage: $0 start <dir> | stop <pid>" >&2; exit 2 ;;
esac
