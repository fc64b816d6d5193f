#!/usr/bin/env bash
# podman.sh starts and stops a Podman API service of its own, for tests and
# for trying stack on Podman: Debian's podman (installed with apt-get when
# missing), its Docker-compatible API on a socket in DIR, and everything it
# keeps (configuration, image storage, runtime files, CNI networks) in DIR,
# apart from any other Podman or Docker on the machine.
#
#   podman.sh start DIR [IMAGE...]
#       start the service and print its address for DOCKER_HOST
#       (unix://DIR/podman.sock) once it answers; each IMAGE is copied from
#       the Docker Engine (docker save) into it. Exit 2, with the reason on
#       stderr, when Podman cannot run containers on this machine.
#   podman.sh stop DIR
#       stop the service started in DIR (by its PID file), remove what its
#       networks left in the host (bridges, iptables rules), then DIR.
#
# Podman runs here with runc (crun refuses the hybrid cgroup layout some
# machines have), the vfs storage driver (works on any filesystem), no
# default ulimits (setting RLIMIT_NOFILE can be refused in containers), and
# the file event logger (no journald).
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

die() {
	echo "podman.sh: $*" >&2
	exit 1
}

cannot_run() {
	echo "podman.sh: Podman cannot run containers here: $*" >&2
	exit 2
}

install_podman() {
	command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 && return 0
	command -v apt-get >/dev/null 2>&1 || die "podman not found and no apt-get to install it"
	[ "$(id -u)" -eq 0 ] || die "podman not found; installing it needs root (apt-get install podman runc)"
	export DEBIAN_FRONTEND=noninteractive
	{
		apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends podman runc containernetworking-plugins ||
			{ apt-get -o DPkg::Lock::Timeout=300 update -q && apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends podman runc containernetworking-plugins; }
	} >/dev/null 2>&1 </dev/null || die "could not install podman (apt-get install podman runc)"
}

# podman_in runs the podman CLI on DIR's storage and configuration.
podman_in() {
	local dir="$1"
	shift
	CONTAINERS_CONF="$dir/containers.conf" CONTAINERS_REGISTRIES_CONF="$dir/registries.conf" \
		podman --root "$dir/root" --runroot "$dir/run" --storage-driver vfs "$@"
}

bridges() {
	ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep '^cni-podman' || true
}

start() {
	local dir="$1"
	shift
	[ -n "$dir" ] || die "usage: podman.sh start DIR [IMAGE...]"
	install_podman
	mkdir -p "$dir/cni" "$dir/tmp" "$dir/root" "$dir/run"
	dir="$(cd "$dir" && pwd)"
	cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = []
log_driver = "k8s-file"

[network]
network_backend = "cni"
network_config_dir = "$dir/cni"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/tmp"
EOF
	# No registry: every image comes from the Docker Engine.
	cat >"$dir/registries.conf" <<EOF
unqualified-search-registries = []
short-name-mode = "disabled"
EOF
	bridges >"$dir/bridges.before"
	iptables-save >"$dir/iptables.before" 2>/dev/null || true

	# A container must run at all before the service is worth starting.
	local img="${1:-}"
	if [ -n "$img" ]; then
		docker save "$img" | podman_in "$dir" load >/dev/null 2>"$dir/load.log" || die "could not copy $img into Podman: $(tail -1 "$dir/load.log")"
		if ! out="$(podman_in "$dir" run --rm --network none "$img" true 2>&1)"; then
			stop "$dir" >/dev/null 2>&1 || true
			cannot_run "$(echo "$out" | tail -1)"
		fi
		shift
	fi
	for img in "$@"; do
		docker save "$img" | podman_in "$dir" load >/dev/null 2>"$dir/load.log" || die "could not copy $img into Podman: $(tail -1 "$dir/load.log")"
	done

	local sock="$dir/podman.sock"
	CONTAINERS_CONF="$dir/containers.conf" CONTAINERS_REGISTRIES_CONF="$dir/registries.conf" \
		setsid podman --root "$dir/root" --runroot "$dir/run" --storage-driver vfs \
		system service --time 0 "unix://$sock" >"$dir/service.log" 2>&1 </dev/null &
	echo $! >"$dir/pid"
	local i
	for i in $(seq 1 100); do
		if curl -fsS --max-time 2 --unix-socket "$sock" http://podman/_ping >/dev/null 2>&1; then
			echo "unix://$sock"
			return 0
		fi
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$dir/service.log" >&2 || true
	stop "$dir"
	die "the Podman service on $sock did not answer"
}

# clean_iptables removes the rules and chains about CNI that appeared since
# the saved iptables-save output in $1 was taken.
clean_iptables() {
	local before="$1" table="" line
	iptables-save 2>/dev/null | while read -r line; do
		case "$line" in
		\**) table="${line#\*}" ;;
		-A*)
			case "$line" in *CNI* | *cni-podman*) ;; *) continue ;; esac
			grep -qxF -- "$line" "$before" && continue
			eval "iptables -t $table ${line/#-A/-D}" 2>/dev/null || true
			;;
		esac
	done || true
	iptables-save 2>/dev/null | while read -r line; do
		case "$line" in
		\**) table="${line#\*}" ;;
		:CNI-*)
			grep -q -- "^${line%% *} " "$before" && continue
			local chain="${line%% *}"
			chain="${chain#:}"
			iptables -t "$table" -F "$chain" 2>/dev/null || true
			iptables -t "$table" -X "$chain" 2>/dev/null || true
			;;
		esac
	done || true
}

stop() {
	local dir="$1" pid
	[ -n "$dir" ] || die "usage: podman.sh stop DIR"
	[ -d "$dir" ] || return 0
	if [ -f "$dir/pid" ]; then
		pid="$(cat "$dir/pid")"
		# Containers left behind by a failed test go first, with their
		# networks, while the service still answers.
		podman_in "$dir" rm -af -t 0 >/dev/null 2>&1 || true
		podman_in "$dir" network prune -f >/dev/null 2>&1 || true
		if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
			for _ in $(seq 1 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	# The bridges its networks made, and the iptables rules and chains CNI
	# added for them (the networks are gone: the rules stay).
	local b
	for b in $(bridges); do
		grep -qx "$b" "$dir/bridges.before" 2>/dev/null || ip link delete "$b" 2>/dev/null || true
	done
	if [ -f "$dir/iptables.before" ]; then
		clean_iptables "$dir/iptables.before"
	fi
	# Podman's storage holds read-only and mounted files: unmount first.
	{ grep -o " $dir/[^ ]*" /proc/mounts 2>/dev/null || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$dir" 2>/dev/null || { chattr -R -i "$dir" 2>/dev/null || true; rm -rf "$dir"; }
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
*) die "usage: podman.sh start DIR [IMAGE...] | stop DIR" ;;
esac
