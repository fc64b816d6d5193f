#!/usr/bin/env bash
# bench/swarm.sh: `stack deploy --wait` against `docker stack deploy` on a
# real 3-node swarm of this machine (scripts/swarm.sh), `make bench-swarm`.
# See docs/performance.md, "stack deploy on a swarm".
#
# The shared workload (shared/bench/genstack.py LEVELS WIDTH, 6x10 by
# default: 60 busybox sleepers, each depending on two of the level below),
# its image pushed to the swarm's registry. Per round, interleaved so that
# drift hits all alike:
#
#   docker   docker stack deploy --detach=true, then polling docker service
#            ls every 0.2 s until every service runs 1/1 (docker ignores
#            depends_on: all 60 services are created at once)
#   ordered  stack deploy --wait of the same file: each level is created
#            once the level below runs
#   flat     stack deploy --wait of the file without depends_on: what
#            stack adds to the swarm's own work, order aside
#
# each followed by its own teardown (docker stack rm and waiting for the
# tasks to go, or stack down --swarm), not timed. Prints medians and the
# ratios to docker, and writes bench/results/swarm-latest.json.
#
# Environment: ROUNDS (3), WORKLOAD (6x10), STACK_BIN (a stack binary
# instead of building bin/stack), BENCH_OUT (result file).
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
ROOT="$PWD"
ROUNDS="${ROUNDS:-3}"
WORKLOAD="${WORKLOAD:-6x10}"
OUT="${BENCH_OUT:-$ROOT/bench/results/swarm-latest.json}"

die() {
	echo "bench/swarm: $*" >&2
	exit 1
}
log() { echo "bench/swarm: $*" >&2; }

GENSTACK=""
for g in "$ROOT/../shared/bench/genstack.py" /work/shared/bench/genstack.py; do
	[ -f "$g" ] && GENSTACK="$g" && break
done
[ -n "$GENSTACK" ] || die "shared/bench/genstack.py not found beside the repository"
[ "$(id -u)" -eq 0 ] || die "needs root (scripts/swarm.sh)"

exec 9>/tmp/stack-bench.lock
flock -n 9 || die "another bench is running on this machine (lock /tmp/stack-bench.lock)"

STACK="${STACK_BIN:-$ROOT/bin/stack}"
if [ -z "${STACK_BIN:-}" ]; then
	log "building bin/stack"
	go build -o bin/stack ./cmd/stack
fi
bash scripts/busybox-image.sh

WORK="$(mktemp -d "${TMPDIR:-/tmp}/stack-bench-swarm.XXXXXX")"
cleanup() {
	bash "$ROOT/scripts/swarm.sh" down "$WORK/swarm" >/dev/null 2>&1 || log "swarm.sh down failed"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting a 3-node swarm"
bash scripts/swarm.sh up "$WORK/swarm" 3 >/dev/null
# shellcheck disable=SC1091
source "$WORK/swarm/env"
IMAGE="$(bash scripts/swarm.sh push "$WORK/swarm" stack-test/busybox:latest)"
export DOCKER_HOST="$SWARM_MANAGER"

python3 "$GENSTACK" "${WORKLOAD%x*}" "${WORKLOAD#*x}" "$IMAGE" >"$WORK/ordered.yaml"
grep -v depends_on "$WORK/ordered.yaml" >"$WORK/flat.yaml"
SERVICES="$(grep -c '^  s' "$WORK/ordered.yaml")"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 3))" "$1" "$2"; }

# gone waits until the swarm lists no task, service or network of stack $1.
gone() {
	local deadline=$((SECONDS + 180))
	while [ -n "$(docker stack ps -q "$1" 2>/dev/null)$(docker network ls -q --filter label=com.docker.stack.namespace="$1")" ]; do
		[ "$SECONDS" -lt "$deadline" ] || die "stack $1 did not go within 180 s"
		sleep 0.5
	done
}

run_docker() {
	local name="$1" t0 t1
	t0="$(now)"
	docker stack deploy --detach=true -c "$WORK/ordered.yaml" "$name" >"$WORK/$name.log" 2>&1
	until [ "$(docker service ls --filter label=com.docker.stack.namespace="$name" --format '{{.Replicas}}' | grep -c '^1/1$')" = "$SERVICES" ]; do
		sleep 0.2
	done
	t1="$(now)"
	docker stack rm "$name" >/dev/null
	gone "$name"
	elapsed "$t0" "$t1"
}

run_stack() {
	local name="$1" file="$2" t0 t1
	t0="$(now)"
	"$STACK" -f "$file" -p "$name" --progress quiet deploy --wait --wait-timeout 600 >"$WORK/$name.log" 2>&1 ||
		die "stack deploy failed (log: $WORK/$name.log): $(tail -n 5 "$WORK/$name.log")"
	t1="$(now)"
	"$STACK" -p "$name" --progress quiet down --swarm >/dev/null
	gone "$name"
	elapsed "$t0" "$t1"
}

declare -a D O F
for r in $(seq 1 "$ROUNDS"); do
	D+=("$(run_docker "bd$r")")
	O+=("$(run_stack "bo$r" "$WORK/ordered.yaml")")
	F+=("$(run_stack "bf$r" "$WORK/flat.yaml")")
	log "round $r: docker ${D[-1]} s, stack ordered ${O[-1]} s, stack flat ${F[-1]} s"
done

mkdir -p "$(dirname "$OUT")"
python3 - "$OUT" "$WORKLOAD" "$SERVICES" "${D[*]}" "${O[*]}" "${F[*]}" <<'EOF'
import json, statistics, sys, datetime
out, workload, services = sys.argv[1], sys.argv[2], int(sys.argv[3])
d, o, f = ([float(x) for x in a.split()] for a in sys.argv[4:7])
md, mo, mf = statistics.median(d), statistics.median(o), statistics.median(f)
res = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "workload": workload, "services": services, "nodes": 3,
    "docker_stack_deploy_poll_s": d, "stack_deploy_wait_ordered_s": o, "stack_deploy_wait_flat_s": f,
    "median": {"docker": md, "ordered": mo, "flat": mf},
    "ratio": {"ordered": round(mo / md, 2), "flat": round(mf / md, 2)},
}
json.dump(res, open(out, "w"), indent=2)
print(f"workload {workload} ({services} services) on 3 nodes, medians of {len(d)} rounds")
print(f"  docker stack deploy + polling          {md:7.2f} s")
print(f"  stack deploy --wait (depends_on order) {mo:7.2f} s  {mo/md:.2f}x")
print(f"  stack deploy --wait (no depends_on)    {mf:7.2f} s  {mf/md:.2f}x")
print(f"results: {out}")
EOF
