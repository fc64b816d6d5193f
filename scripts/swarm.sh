#!/usr/bin/env bash
# swarm.sh starts and stops a Docker Swarm of several engines on this one
# machine, for tests and benchmarks, and a local registry they all reach.
#
#   swarm.sh up DIR [NODES]
#       start NODES engines (default 3): node 1 is the manager, the others
#       join it as workers. Each dockerd runs in a network namespace of its
#       own, entered with `nsenter --net=` (`ip netns exec` remounts /sys and
#       dockerd then finds no devices cgroup), with its own data root, exec
#       root, pidfile and socket under DIR, and a veth pair on one bridge.
#       A registry (scripts/registry.sh) listens on the bridge's address;
#       every engine trusts it as an insecure registry. Writes DIR/env
#       (shell assignments, see below) and prints it. Idempotent: a cluster
#       that answers is left as it is; a broken one is taken down first.
#   swarm.sh down DIR
#       stop the engines, kill what they left, unmount, delete the
#       namespaces, the bridge, the firewall rule and the registry, remove
#       DIR. Safe to run after a failed `up`, and twice.
#   swarm.sh stop-node DIR N / start-node DIR N
#       stop node N's engine (its containers stop with it; its data stays)
#       or start it again (it rejoins the swarm by itself).
#   swarm.sh push DIR IMAGE [NAME]
#       copy IMAGE from the default engine into the registry, as
#       REGISTRY/NAME (default: IMAGE), through the manager's engine; prints
#       the new reference.
#
# DIR/env holds: SWARM_ID, SWARM_NODES, SWARM_MANAGER (the manager's engine
# over TCP: tcp://ADDR:2375, or tcp://ADDR:2376 with TLS), SWARM_REGISTRY
# (host:port), SWARM_BRIDGE_IP, and per node N: SWARM_NODE<N>_HOST (its unix
# socket, unix://...), SWARM_NODE<N>_ADDR (its address), SWARM_NODE<N>_ID.
#
# Environment for `up`:
#   SWARM_TLS=1            the manager's TCP endpoint requires TLS: a
#                          throwaway CA, server and client certificates are
#                          made with openssl in DIR/tls; DOCKER_CERT_PATH for
#                          clients is DIR/tls/client (also in DIR/env)
#   SWARM_REGISTRY_AUTH    USER:PASSWORD: the registry requires it
#   SWARM_TIMEOUT          seconds to wait for an engine or the swarm (60)
#   SWARM_LOG_LEVEL        the engines' --log-level (warn)
#
# The default engine, its swarm state and its networks are never touched:
# every object made here carries a random id (bridge stksw<id>b, namespaces
# stksw<id>n<N>, firewall rule comment stack-swarm-<id>). Needs root, ip
# (iproute2), iptables, nsenter (util-linux), dockerd and the docker CLI;
# on Debian it installs what is missing with apt-get.
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

HERE="$(cd "$(dirname "$0")" && pwd)"
TIMEOUT="${SWARM_TIMEOUT:-60}"
# The subnet of the bridge is 10.231.X.0/24 with X free on this host.
NET_PREFIX=10.231

die() {
	echo "swarm.sh: $*" >&2
	exit 1
}
log() { echo "swarm.sh: $*" >&2; }

usage() {
	die "usage: swarm.sh up DIR [NODES] | down DIR | stop-node DIR N | start-node DIR N | push DIR IMAGE [NAME]"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, bridges, iptables, dockerd)"
}

# install_tools installs the Debian packages of the commands this script
# uses, when one is missing.
install_tools() {
	local pkgs=() p
	for p in ip:iproute2 iptables:iptables nsenter:util-linux openssl:openssl curl:curl python3:python3; do
		command -v "${p%%:*}" >/dev/null 2>&1 || pkgs+=("${p#*:}")
	done
	command -v dockerd >/dev/null 2>&1 || die "dockerd not found (run scripts/engine.sh)"
	command -v docker >/dev/null 2>&1 || die "docker CLI not found (run scripts/engine.sh)"
	[ "${#pkgs[@]}" -eq 0 ] && return 0
	command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get to install them"
	export DEBIAN_FRONTEND=noninteractive
	{
		apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${pkgs[@]}" ||
			{ apt-get -o DPkg::Lock::Timeout=300 update -q && apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${pkgs[@]}"; }
	} >/dev/null 2>&1 </dev/null || die "could not install ${pkgs[*]} with apt-get"
}

# --- state: DIR/state holds KEY=VALUE lines, written before each object is
# made, so that `down` finds everything even after a failure halfway.

STATE=""

state_get() {
	[ -f "$STATE" ] || return 0
	sed -n "s/^$1=//p" "$STATE" | tail -n 1
}

state_set() {
	echo "$1=$2" >>"$STATE"
}

node_host() { echo "unix://$DIR/n$1/docker.sock"; }

dk() {
	local n="$1"
	shift
	docker -H "$(node_host "$n")" "$@"
}

# answers reports whether node N's engine answers on its socket.
answers() {
	timeout 10 docker -H "$(node_host "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# --- up ------------------------------------------------------------------

pick_subnet() {
	local x tries=0 used
	used="$(ip -4 addr show 2>/dev/null; ip -4 route show 2>/dev/null)"
	while [ "$tries" -lt 200 ]; do
		x=$((RANDOM % 230 + 20))
		if ! grep -q " $NET_PREFIX\.$x\." <<<"$used" && ! grep -q "^$NET_PREFIX\.$x\." <<<"$used"; then
			echo "$NET_PREFIX.$x"
			return 0
		fi
		tries=$((tries + 1))
	done
	die "no free $NET_PREFIX.X.0/24 subnet"
}

setup_network() {
	local id="$1" nodes="$2" net br i ns veth peer
	br="stksw${id}b"
	net="$(pick_subnet)"
	state_set net "$net"
	state_set bridge "$br"
	ip link add name "$br" type bridge
	ip addr add "$net.1/24" dev "$br"
	ip link set "$br" up
	# Bridged traffic (VXLAN, gossip, published ports, the registry's
	# clients) passes the host's FORWARD chain, whose policy the default
	# engine sets to DROP.
	state_set rule "FORWARD -i $br -o $br -m comment --comment stack-swarm-$id -j ACCEPT"
	# shellcheck disable=SC2046
	iptables -I $(state_get rule | sed 's/^FORWARD/FORWARD 1/')
	for i in $(seq 1 "$nodes"); do
		ns="stksw${id}n$i"
		veth="stksw${id}v$i"
		peer="stksw${id}p$i"
		state_set netns "$ns"
		ip netns add "$ns"
		ip link add "$veth" type veth peer name "$peer"
		ip link set "$peer" netns "$ns"
		ip link set "$veth" master "$br" up
		ip -n "$ns" link set "$peer" name eth0
		ip -n "$ns" addr add "$net.$((10 + i))/24" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" link set lo up
		ip -n "$ns" route add default via "$net.1"
	done
}

make_tls() {
	local tls="$DIR/tls" addr="$1"
	mkdir -p "$tls/client"
	(
		cd "$tls"
		openssl genrsa -out ca-key.pem 2048
		openssl req -x509 -new -key ca-key.pem -days 2 -subj "/CN=stack swarm.sh test CA" -out ca.pem
		openssl genrsa -out server-key.pem 2048
		openssl req -new -key server-key.pem -subj "/CN=$addr" -out server.csr
		printf 'subjectAltName=IP:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$addr" >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile server.ext -out server-cert.pem
		openssl genrsa -out client/key.pem 2048
		openssl req -new -key client/key.pem -subj "/CN=client" -out client.csr
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out client/cert.pem
		cp ca.pem client/ca.pem
		chmod 0600 ca-key.pem server-key.pem client/key.pem
	) >"$tls/openssl.log" 2>&1 || {
		tail -n 5 "$tls/openssl.log" >&2
		die "openssl failed (log: $tls/openssl.log)"
	}
}

start_engine() {
	local n="$1" id net ns addr nd args
	id="$(state_get id)"
	net="$(state_get net)"
	ns="stksw${id}n$n"
	addr="$net.$((10 + n))"
	nd="$DIR/n$n"
	mkdir -p "$nd/data" "$nd/exec"
	args=(
		--data-root "$nd/data" --exec-root "$nd/exec" --pidfile "$nd/docker.pid"
		-H "$(node_host "$n")"
		--cgroup-parent "/stksw$id-n$n"
		--insecure-registry "$net.0/24"
		--shutdown-timeout 2
		--log-level "${SWARM_LOG_LEVEL:-warn}"
		--containerd-namespace "stksw$id-n$n" --containerd-plugins-namespace "stksw$id-n$n-plugins"
	)
	if [ "$n" = 1 ]; then
		if [ -d "$DIR/tls" ]; then
			args+=(-H "tcp://$addr:2376" --tlsverify --tlscacert "$DIR/tls/ca.pem"
				--tlscert "$DIR/tls/server-cert.pem" --tlskey "$DIR/tls/server-key.pem")
		else
			# --tls=false says so on purpose: dockerd delays its start by 15 s
			# for a plain TCP endpoint otherwise.
			args+=(-H "tcp://$addr:2375" --tls=false)
		fi
	fi
	# setsid: the engine outlives this shell, and a Ctrl-C of the caller
	# does not reach it. A UTS namespace of its own gives the node its own
	# host name (node1, node2, ...), which the swarm shows.
	setsid unshare --uts sh -c 'hostname "$0" && ns="$1" && shift && exec nsenter --net="$ns" "$@"' \
		"node$n" "/var/run/netns/$ns" dockerd "${args[@]}" >>"$nd/dockerd.log" 2>&1 </dev/null &
	echo $! >"$nd/nsenter.pid"
}

wait_engine() {
	local n="$1" deadline=$((SECONDS + TIMEOUT)) pid
	pid="$(cat "$DIR/n$n/nsenter.pid" 2>/dev/null || true)"
	until answers "$n"; do
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			tail -n 15 "$DIR/n$n/dockerd.log" >&2 || true
			die "the engine of node $n exited (log: $DIR/n$n/dockerd.log)"
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			tail -n 15 "$DIR/n$n/dockerd.log" >&2 || true
			die "the engine of node $n did not answer within ${TIMEOUT}s (log: $DIR/n$n/dockerd.log)"
		fi
		sleep 0.2
	done
}

ready_nodes() {
	dk 1 node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$' || true
}

write_env() {
	local nodes net n env="$DIR/env" mgr
	nodes="$(state_get nodes)"
	net="$(state_get net)"
	if [ -d "$DIR/tls" ]; then
		mgr="tcp://$net.11:2376"
	else
		mgr="tcp://$net.11:2375"
	fi
	{
		echo "SWARM_ID=$(state_get id)"
		echo "SWARM_NODES=$nodes"
		echo "SWARM_MANAGER=$mgr"
		echo "SWARM_REGISTRY=$(state_get registry)"
		echo "SWARM_BRIDGE_IP=$net.1"
		if [ -d "$DIR/tls" ]; then
			echo "SWARM_TLS_CERT_PATH=$DIR/tls/client"
		fi
		for n in $(seq 1 "$nodes"); do
			echo "SWARM_NODE${n}_HOST=$(node_host "$n")"
			echo "SWARM_NODE${n}_ADDR=$net.$((10 + n))"
			echo "SWARM_NODE${n}_ID=$(dk "$n" info --format '{{.Swarm.NodeID}}')"
		done
	} >"$env.tmp"
	mv "$env.tmp" "$env"
}

healthy() {
	local nodes n
	[ -f "$DIR/env" ] || return 1
	nodes="$(state_get nodes)"
	[ -n "$nodes" ] || return 1
	for n in $(seq 1 "$nodes"); do
		answers "$n" || return 1
	done
	[ "$(ready_nodes)" = "$nodes" ]
}

up() {
	local nodes="${1:-3}" id net n token reg creds
	case "$nodes" in '' | *[!0-9]* | 0) die "NODES must be a positive number, got '$nodes'" ;; esac
	if [ -f "$STATE" ]; then
		if healthy; then
			cat "$DIR/env"
			return 0
		fi
		log "the cluster in $DIR does not answer: taking it down first"
		down
		mkdir -p "$DIR"
	fi
	install_tools
	# Any failure from here on takes down what was made.
	trap 'rc=$?; if [ $rc -ne 0 ]; then log "up failed: cleaning up"; down || true; fi; exit $rc' EXIT
	trap 'exit 130' INT TERM

	id="$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
	state_set id "$id"
	state_set nodes "$nodes"
	# Two runs at once must not pick the same subnet.
	exec 8>/tmp/stack-swarm.lock
	flock 8
	setup_network "$id" "$nodes"
	flock -u 8
	net="$(state_get net)"

	creds="${SWARM_REGISTRY_AUTH:-}"
	state_set registry_dir "$DIR/registry"
	reg="$(bash "$HERE/registry.sh" start "$DIR/registry" "$net.1:0" $creds)"
	state_set registry "$reg"

	if [ "${SWARM_TLS:-}" = 1 ]; then
		make_tls "$net.11"
	fi
	for n in $(seq 1 "$nodes"); do
		start_engine "$n"
	done
	for n in $(seq 1 "$nodes"); do
		wait_engine "$n"
	done

	dk 1 swarm init --advertise-addr "$net.11" --listen-addr "$net.11:2377" >/dev/null
	token="$(dk 1 swarm join-token -q worker)"
	local joins=()
	for n in $(seq 2 "$nodes"); do
		dk "$n" swarm join --token "$token" --advertise-addr "$net.$((10 + n))" --listen-addr "$net.$((10 + n)):2377" "$net.11:2377" >/dev/null &
		joins+=($!)
	done
	# Only the joins: a bare wait would wait for the engines too.
	for n in "${joins[@]}"; do
		wait "$n" || die "a worker failed to join the swarm"
	done
	local deadline=$((SECONDS + TIMEOUT))
	until [ "$(ready_nodes)" = "$nodes" ]; do
		[ "$SECONDS" -lt "$deadline" ] || die "only $(ready_nodes) of $nodes nodes are ready after ${TIMEOUT}s"
		sleep 0.3
	done
	write_env
	trap - EXIT INT TERM
	cat "$DIR/env"
}

# --- down ----------------------------------------------------------------

# ours lists the PIDs of processes started for this cluster: the engines,
# their containerd, shims, port proxies and the registry, whose command
# lines name DIR, and the processes in the engines' cgroups (containers).
ours() {
	local id="$1" f pid comm
	# Builtins only, but for the few candidates: a machine may run
	# hundreds of processes (and may lack ps).
	for f in /proc/[0-9]*/comm; do
		read -r comm <"$f" 2>/dev/null || continue
		case "$comm" in
		unshare | nsenter | dockerd | containerd | containerd-shim* | docker-proxy | docker-registry) ;;
		*) continue ;;
		esac
		pid="${f#/proc/}"
		pid="${pid%/comm}"
		if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/"; then
			echo "$pid"
		fi
	done
	[ -n "$id" ] || return 0
	for f in /sys/fs/cgroup/*/stksw"$id"-n*/cgroup.procs /sys/fs/cgroup/*/stksw"$id"-n*/*/cgroup.procs; do
		[ -f "$f" ] && cat "$f" 2>/dev/null
	done
	return 0
}

stop_engine() {
	local n="$1" pid i
	pid="$(cat "$DIR/n$n/docker.pid" 2>/dev/null || cat "$DIR/n$n/nsenter.pid" 2>/dev/null || true)"
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null || true
}

down() {
	local id nodes n pids pid mnt br ns rule left
	[ -d "$DIR" ] || return 0
	id="$(state_get id)"
	nodes="$(state_get nodes)"
	if [ -n "$nodes" ]; then
		local stops=()
		for n in $(seq 1 "$nodes"); do
			stop_engine "$n" &
			stops+=($!)
		done
		wait "${stops[@]}"
	fi
	# Whatever the engines left: containerd, shims, container processes.
	for _ in 1 2 3; do
		pids="$(ours "$id" | sort -u)"
		[ -n "$pids" ] || break
		for pid in $pids; do
			kill -9 "$pid" 2>/dev/null || true
		done
		sleep 0.3
	done
	# Mounts under DIR (overlays, netns files, shm), deepest first.
	awk -v d="$DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r mnt; do
		umount -l "$mnt" 2>/dev/null || true
	done
	if [ -n "$id" ]; then
		for f in /sys/fs/cgroup/*/stksw"$id"-n*; do
			[ -d "$f" ] || continue
			find "$f" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
	fi
	while read -r ns; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true
	done < <(sed -n 's/^netns=//p' "$STATE" 2>/dev/null)
	br="$(state_get bridge)"
	[ -n "$br" ] && ip link del "$br" 2>/dev/null || true
	rule="$(state_get rule)"
	if [ -n "$rule" ]; then
		# shellcheck disable=SC2086
		while iptables -D $rule 2>/dev/null; do :; done
	fi
	if [ -n "$(state_get registry_dir)" ]; then
		bash "$HERE/registry.sh" stop "$(state_get registry_dir)" || true
	fi
	left="$(awk -v d="$DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo)"
	if [ -n "$left" ]; then
		# Never rm -rf through a mount point.
		die "mounts left under $DIR, not removing it: $left"
	fi
	rm -rf "$DIR"
}

# --- node operations -----------------------------------------------------

node_arg() {
	local n="$1" nodes
	nodes="$(state_get nodes)"
	case "$n" in '' | *[!0-9]*) die "N must be a node number" ;; esac
	[ "$n" -ge 1 ] && [ "$n" -le "${nodes:-0}" ] || die "no node $n in $DIR (1..${nodes:-0})"
}

push() {
	local image="$1" name="${2:-$1}" reg ref
	reg="$(state_get registry)"
	[ -n "$reg" ] || die "no registry in $DIR (run up first)"
	ref="$reg/$name"
	docker image inspect "$image" >/dev/null 2>&1 || die "image $image not found on the default engine"
	docker save "$image" | dk 1 load >/dev/null
	dk 1 tag "$image" "$ref"
	if [ -n "${SWARM_REGISTRY_AUTH:-}" ]; then
		local cfg
		cfg="$(mktemp -d)"
		printf '%s' "${SWARM_REGISTRY_AUTH#*:}" | DOCKER_CONFIG="$cfg" docker -H "$(node_host 1)" login -u "${SWARM_REGISTRY_AUTH%%:*}" --password-stdin "$reg" >/dev/null 2>&1
		DOCKER_CONFIG="$cfg" dk 1 push -q "$ref" >/dev/null
		rm -rf "$cfg"
	else
		dk 1 push -q "$ref" >/dev/null
	fi
	echo "$ref"
}

main() {
	local cmd="${1:-}"
	[ $# -ge 2 ] || usage
	need_root
	DIR="$2"
	mkdir -p "$DIR"
	DIR="$(cd "$DIR" && pwd)"
	STATE="$DIR/state"
	case "$cmd" in
	up) up "${3:-3}" ;;
	down) down ;;
	stop-node)
		node_arg "${3:-}"
		stop_engine "$3"
		;;
	start-node)
		node_arg "${3:-}"
		answers "$3" || {
			start_engine "$3"
			wait_engine "$3"
		}
		;;
	push)
		[ $# -ge 3 ] || usage
		push "$3" "${4:-}"
		;;
	*) usage ;;
	esac
}

main "$@"
