#!/usr/bin/env bash
# bench/agent.sh: how fast the agent reacts and how little it holds, on the
# real engine. See docs/performance.md, "The agent".
#
#   tick -> start     a job's scheduled tick (its run's io.stack.run.tick
#                     label) to its container's StartedAt, for @every 1s;
#                     the agent's part: to its start call (its log)
#   start -> restart  a restart: true dependency's new StartedAt (docker
#                     restart db) to its dependent's new StartedAt; the
#                     agent's part: to its restart call
#   die -> restart    a dependency that dies (exits on its own, restart:
#                     always brings it back) to its dependent's StartedAt
#   idle RSS          VmRSS of an agent with nothing to do, after 10 s
#
# Each delay is measured from engine timestamps, ROUNDS times; the median
# and the 90th percentile are printed. Nothing is asserted.
#
# Environment:
#   ROUNDS=N     samples per delay (default 15)
#   STACK_BIN    the stack binary (default: go build ./cmd/stack, static)
#   BENCH_IMAGE  image of the services (default stack-test/busybox:latest)
#
# Every object it makes belongs to projects bench-agent-<random>-*, removed
# on exit whatever the exit.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-15}"
IMAGE="${BENCH_IMAGE:-stack-test/busybox:latest}"
WORK="$(mktemp -d /tmp/stack-bench-agent.XXXXXX)"
P="bench-agent-$(printf %04x%04x $RANDOM $RANDOM)"
AGENT_PID=""

cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null || true
	for d in "$WORK"/*/; do
		[ -f "$d/compose.yaml" ] && (cd "$d" && "$STACK" -p "$P-$(basename "$d")" down -t 0 >/dev/null 2>&1) || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

STACK="${STACK_BIN:-}"
if [ -z "$STACK" ]; then
	STACK="$WORK/stack"
	CGO_ENABLED=0 go build -o "$STACK" ./cmd/stack
fi
bash scripts/busybox-image.sh "$IMAGE" >/dev/null

sleeper='["sh", "-c", "trap '"'"'exit 0'"'"' TERM; sleep 3600 & wait"]'

# stats reads numbers (seconds), one a line, and prints median and p90 in ms.
stats() {
	python3 -c '
import sys, statistics
xs = sorted(float(l) for l in sys.stdin if l.strip())
if not xs:
    print("no samples"); sys.exit()
p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
print("median %4.0f ms   p90 %4.0f ms   (%d samples, min %.0f, max %.0f)" % (statistics.median(xs) * 1000, p90 * 1000, len(xs), xs[0] * 1000, xs[-1] * 1000))'
}

# since prints the time from t0 (Unix seconds) to the first event of the
# agent's JSON log about container name with status.
since() {
	python3 - "$@" <<'PY'
import json, sys, datetime
log, name, status, t0 = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
for line in open(log):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("name") == name and e.get("status") == status:
        t = datetime.datetime.fromisoformat(e["time"][:26].rstrip("Z") + "+00:00").timestamp()
        if t >= t0 - 1:
            print(t - t0)
            break
PY
}

# ts prints a container's State.<field> as Unix seconds with nanoseconds.
ts() {
	docker inspect -f "{{.State.$2}}" "$1" | python3 -c '
import sys, datetime
s = sys.stdin.read().strip()
d, frac = (s.rstrip("Z").split(".") + ["0"])[:2]
t = datetime.datetime.strptime(d, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
print("%.9f" % (t + float("0." + frac)))'
}

# --- tick -> start: a job every second ------------------------------------
mkdir -p "$WORK/jobs"
cat >"$WORK/jobs/compose.yaml" <<EOF
services:
  tick:
    image: $IMAGE
    command: ["true"]
    x-schedule: {run: "@every 1s", keep: 1000}
EOF
(cd "$WORK/jobs" && exec "$STACK" -p "$P-jobs" --progress json agent 2>"$WORK/jobs.log") &
AGENT_PID=$!
echo "agent: waiting for $ROUNDS runs of an @every 1s job" >&2
for _ in $(seq 600); do
	n=$(docker ps -a --filter "label=io.stack.job=tick" --filter "label=com.docker.compose.project=$P-jobs" --filter status=exited -q | wc -l)
	[ "$n" -ge "$ROUNDS" ] && break
	sleep 0.5
done
kill -INT "$AGENT_PID" && wait "$AGENT_PID" || true
AGENT_PID=""
RUNS=$(docker ps -a --filter "label=io.stack.job=tick" --filter "label=com.docker.compose.project=$P-jobs" --format '{{.Names}}')
# A run the agent's stop interrupted never started: left out.
RUNS=$(for c in $RUNS; do
	docker inspect -f '{{.State.StartedAt}}' "$c" | grep -qv '^0001-' && echo "$c"
done)
TICK=$(for c in $RUNS; do
	tick=$(docker inspect -f '{{index .Config.Labels "io.stack.run.tick"}}' "$c")
	python3 -c "print($(ts "$c" StartedAt) - $(date -d "$tick" +%s))"
done | stats)
# The agent's part: from the tick to its start call (the "Starting" event
# of the run's container in its log); the rest is the engine's.
TICK_AGENT=$(for c in $RUNS; do
	tick=$(docker inspect -f '{{index .Config.Labels "io.stack.run.tick"}}' "$c")
	since "$WORK/jobs.log" "$c" Starting "$(date -d "$tick" +%s)"
done | stats)

# --- supervision: restart: true dependents ---------------------------------
mkdir -p "$WORK/sup"
cat >"$WORK/sup/compose.yaml" <<EOF
services:
  db:
    image: $IMAGE
    command: $sleeper
    restart: always
  api:
    image: $IMAGE
    command: $sleeper
    depends_on:
      db: {condition: service_started, restart: true}
EOF
(cd "$WORK/sup" && "$STACK" -p "$P-sup" up -d >/dev/null 2>&1)
(cd "$WORK/sup" && exec "$STACK" -p "$P-sup" --progress json agent 2>"$WORK/sup.log") &
AGENT_PID=$!
db="$P-sup-db-1"
api="$P-sup-api-1"
until docker inspect -f '{{.State.Status}}' "$P-sup-agent-1" 2>/dev/null | grep -q running; do sleep 0.2; done
sleep 2
# await_api waits until api started after db did, prints the delay.
await_api() {
	for _ in $(seq 300); do
		a=$(ts "$api" StartedAt)
		d=$(ts "$db" "$1")
		if python3 -c "import sys; sys.exit(0 if $a > $(ts "$db" StartedAt) else 1)" && [ "$(docker inspect -f '{{.State.Status}}' "$api")" = running ]; then
			python3 -c "print($a - $d)"
			return
		fi
		sleep 0.1
	done
	echo "agent: api was not restarted" >&2
}
echo "agent: $ROUNDS restarts of a dependency" >&2
: >"$WORK/agentpart"
START=$(for _ in $(seq "$ROUNDS"); do
	docker restart -t 1 "$db" >/dev/null
	await_api StartedAt
	# The agent's part: db's start to its restart call of api.
	since "$WORK/sup.log" "$api" Restarting "$(ts "$db" StartedAt)" >>"$WORK/agentpart"
	sleep 0.5
done | stats)
START_AGENT=$(stats <"$WORK/agentpart")
# A container that ran less than 10 s restarts later each time (the
# engine's back-off): crashes are spaced so that each restarts at once.
DIES=$(( (ROUNDS + 2) / 3 ))
echo "agent: $DIES crashes of a dependency with restart: always, 11 s apart" >&2
DIE=$(for _ in $(seq "$DIES"); do
	sleep 11
	docker exec "$db" sh -c 'kill 1' || true
	until [ "$(docker inspect -f '{{.State.Running}}' "$db")" = true ] && python3 -c "import sys; sys.exit(0 if $(ts "$db" StartedAt) > $(ts "$db" FinishedAt) else 1)"; do sleep 0.05; done
	await_api FinishedAt
done | stats)
kill -INT "$AGENT_PID" && wait "$AGENT_PID" || true
AGENT_PID=""

# --- idle RSS ----------------------------------------------------------------
mkdir -p "$WORK/idle"
cat >"$WORK/idle/compose.yaml" <<EOF
services:
  db:
    image: $IMAGE
    command: $sleeper
  api:
    image: $IMAGE
    command: $sleeper
    depends_on:
      db: {condition: service_started, restart: true}
  nightly:
    image: $IMAGE
    command: ["true"]
    x-schedule: {run: "0 3 * * *"}
EOF
(cd "$WORK/idle" && exec "$STACK" -p "$P-idle" --progress json agent 2>"$WORK/idle.log") &
AGENT_PID=$!
sleep 10
RSS=$(awk '/VmRSS/ {print $2 " kB"}' "/proc/$AGENT_PID/status")
HWM=$(awk '/VmHWM/ {print $2 " kB"}' "/proc/$AGENT_PID/status")

printf '\n%-26s %s\n' "tick -> start" "$TICK" "  of which the agent's" "$TICK_AGENT" \
	"start -> restart" "$START" "  of which the agent's" "$START_AGENT" \
	"die -> restart" "$DIE" "idle RSS (peak)" "$RSS ($HWM)"
