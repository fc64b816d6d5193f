#!/usr/bin/env bash
# registry.sh starts and stops local image registries for tests and examples:
# Debian's docker-registry (the Docker registry API, distribution 2.x),
# installed with apt-get when missing. Nothing on the internet is used.
#
#   registry.sh start DIR [ADDR] [USER:PASSWORD]
#       start a registry keeping its config, storage, log and PID in DIR,
#       listening on ADDR (default 127.0.0.1:0: a free port is chosen), with
#       htpasswd authentication when USER:PASSWORD is given. Prints the
#       address it listens on (host:port) once /v2/ answers.
#   registry.sh stop DIR
#       stop the registry started in DIR (by its PID file) and remove DIR.
#
# A registry on 127.0.0.1 is "insecure" (plain HTTP) and the Docker Engine
# accepts it without configuration; one on another address needs that
# address in the engine's --insecure-registry list.
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

die() {
	echo "registry.sh: $*" >&2
	exit 1
}

install_registry() {
	command -v docker-registry >/dev/null 2>&1 && return 0
	command -v apt-get >/dev/null 2>&1 || die "docker-registry not found and no apt-get to install it"
	[ "$(id -u)" -eq 0 ] || die "docker-registry not found; installing it needs root (apt-get install docker-registry)"
	export DEBIAN_FRONTEND=noninteractive
	{
		apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends docker-registry apache2-utils ||
			{ apt-get -o DPkg::Lock::Timeout=300 update -q && apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends docker-registry apache2-utils; }
	} >/dev/null 2>&1 </dev/null || die "could not install docker-registry (apt-get install docker-registry)"
	# The package starts a system registry on :5000; tests use their own.
	if command -v service >/dev/null 2>&1; then
		service docker-registry stop >/dev/null 2>&1 || true
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
	local dir="$1" addr="${2:-127.0.0.1:0}" creds="${3:-}"
	[ -n "$dir" ] || die "usage: registry.sh start DIR [ADDR] [USER:PASSWORD]"
	install_registry
	mkdir -p "$dir/storage"
	dir="$(cd "$dir" && pwd)"
	if [ "${addr##*:}" = 0 ]; then
		addr="${addr%:*}:$(free_port)"
	fi
	local auth=""
	if [ -n "$creds" ]; then
		command -v htpasswd >/dev/null 2>&1 || die "htpasswd not found (apt-get install apache2-utils)"
		htpasswd -Bbc "$dir/htpasswd" "${creds%%:*}" "${creds#*:}" >/dev/null 2>&1 || die "htpasswd failed"
		auth="auth:
  htpasswd:
    realm: stack-test
    path: $dir/htpasswd"
	fi
	cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: $addr
$auth
EOF
	setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
	echo $! >"$dir/pid"
	local i code
	for i in $(seq 1 100); do
		code="$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/" 2>/dev/null || true)"
		case "$code" in
		200 | 401)
			echo "$addr"
			return 0
			;;
		esac
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$dir/registry.log" >&2 || true
	stop "$dir"
	die "the registry on $addr did not answer"
}

stop() {
	local dir="$1" pid
	[ -n "$dir" ] || die "usage: registry.sh stop DIR"
	[ -d "$dir" ] || return 0
	if [ -f "$dir/pid" ]; then
		pid="$(cat "$dir/pid")"
		if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
			for _ in $(seq 1 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -rf "$dir"
}

case "${1:-}" in
start)
	shift
	start "$@"
	;;
stop)
	shift
	stop "$@"
	;;
*) die "usage: registry.sh start DIR [ADDR] [USER:PASSWORD] | stop DIR" ;;
esac
