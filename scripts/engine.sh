#!/usr/bin/env bash
# engine.sh makes a Docker Engine available to this shell's user.
#
#   1. If DOCKER_HOST (or /var/run/docker.sock) answers, there is nothing to do.
#   2. Else if dockerd is installed, start it in the background and wait for it.
#   3. Else on Debian/Ubuntu, install docker.io with apt-get, then start it.
#
# Idempotent, silent on success, one clear message on failure (exit 1).
# Works unattended (CI=true, no stdin) on a fresh Debian/Ubuntu machine as root.
#
# Environment:
#   DOCKER_HOST           engine to use; if set and not answering, fail (we never
#                         start a local daemon in place of the one asked for)
#   STACK_ENGINE_TIMEOUT  seconds to wait for a started dockerd (default 60)
#   STACK_DOCKERD_LOG     dockerd log file (default /var/log/stack-dockerd.log,
#                         or $TMPDIR/stack-dockerd.log if /var/log is not writable)
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

SOCK=/var/run/docker.sock
TIMEOUT="${STACK_ENGINE_TIMEOUT:-60}"

die() {
	echo "engine.sh: $*" >&2
	exit 1
}

# as_root runs a command as root: directly when we are root, else with sudo -n.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		die "need root to run '$*' (run as root or configure passwordless sudo)"
	fi
}

# answers reports whether the engine responds to an API call within a few seconds.
answers() {
	if command -v docker >/dev/null 2>&1; then
		timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && return 0
	fi
	# Without a CLI, ask the default socket directly.
	if [ -z "${DOCKER_HOST:-}" ] && [ -S "$SOCK" ] && command -v curl >/dev/null 2>&1; then
		curl -fsS --max-time 5 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1 && return 0
	fi
	return 1
}

# ready: the engine answers and the docker CLI (used by tests and scripts) exists.
ready() {
	answers || return 1
	command -v docker >/dev/null 2>&1 ||
		die "the engine answers but the docker CLI is missing (on Debian: apt-get install docker.io)"
}

# dockerd_running reports whether a dockerd process exists (answering or not),
# such as one that the docker.io package's init script has just started.
dockerd_running() {
	local f
	for f in /proc/[0-9]*/comm; do
		[ "$(cat "$f" 2>/dev/null)" = dockerd ] && return 0
	done
	return 1
}

log_file() {
	if [ -n "${STACK_DOCKERD_LOG:-}" ]; then
		echo "$STACK_DOCKERD_LOG"
	elif [ -w /var/log ]; then
		echo /var/log/stack-dockerd.log
	else
		echo "${TMPDIR:-/tmp}/stack-dockerd.log"
	fi
}

install_docker() {
	[ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1 ||
		die "no Docker Engine found and this is not Debian/Ubuntu: install Docker Engine (dockerd) and re-run"
	local log
	log="$(mktemp "${TMPDIR:-/tmp}/stack-apt.XXXXXX")"
	export DEBIAN_FRONTEND=noninteractive
	if ! { as_root apt-get update -q &&
		as_root apt-get install -y -q --no-install-recommends docker.io ca-certificates curl; } >"$log" 2>&1 </dev/null; then
		tail -n 20 "$log" >&2
		die "apt-get install docker.io failed (full log: $log)"
	fi
	rm -f "$log"
}

# configure_daemon gives a daemon we are about to start a larger pool of
# network subnets (/24s instead of /16s: 4096 networks, not about 30), so a
# test suite that creates many project networks never runs out. An existing
# /etc/docker/daemon.json is left alone.
configure_daemon() {
	[ -e /etc/docker/daemon.json ] && return 0
	as_root mkdir -p /etc/docker
	printf '%s\n' '{"default-address-pools": [{"base": "172.16.0.0/12", "size": 24}]}' |
		as_root tee /etc/docker/daemon.json >/dev/null
}

start_dockerd() {
	# Under systemd the packaged unit is the right way to run the daemon.
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		as_root systemctl start docker.service >/dev/null 2>&1 </dev/null && return 0
	fi
	local log
	log="$(log_file)"
	if [ "$(id -u)" -eq 0 ]; then
		nohup dockerd >>"$log" 2>&1 </dev/null &
	else
		as_root sh -c "nohup dockerd >>'$log' 2>&1 </dev/null &"
	fi
	DOCKERD_PID=$!
	DOCKERD_LOG="$log"
}

wait_ready() {
	local deadline=$((SECONDS + TIMEOUT)) why="did not answer within ${TIMEOUT}s"
	while [ "$SECONDS" -lt "$deadline" ]; do
		answers && return 0
		# A dockerd that exited will not come up: fail now, not in 60 s.
		if [ -n "${DOCKERD_PID:-}" ] && ! dockerd_running; then
			why="exited"
			break
		fi
		sleep 0.5
	done
	if [ -n "${DOCKERD_LOG:-}" ] && [ -r "$DOCKERD_LOG" ]; then
		tail -n 20 "$DOCKERD_LOG" >&2
		die "dockerd $why (log: $DOCKERD_LOG)"
	fi
	die "dockerd did not answer within ${TIMEOUT}s (see /var/log/docker.log or journalctl -u docker)"
}

main() {
	ready && return 0
	if [ -n "${DOCKER_HOST:-}" ]; then
		die "DOCKER_HOST=$DOCKER_HOST does not answer (unset it to use or start a local engine)"
	fi
	configure_daemon
	if ! command -v dockerd >/dev/null 2>&1; then
		install_docker
		# The package may have started the daemon itself (systemd).
		ready && return 0
	fi
	command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io"
	# Never start a second daemon: one that is starting (e.g. by the package's
	# init script) only needs waiting for.
	dockerd_running || start_dockerd
	wait_ready
	ready
}

main "$@"
