#!/usr/bin/env bash
# bench/run.sh: the benchmark suite, `make bench`. See docs/performance.md.
#
# Builds bin/stack, the direct-API baseline and the counting proxy, generates
# the shared workloads with shared/bench/genstack.py, and measures stack
# against the baseline in the same run: cold up, no-op up, down, down -t 0,
# scale 1->50, logs throughput, config of 1,000 services and the peak RSS of
# up. Prints a table and writes bench/results/latest.json.
#
# Environment:
#   ROUNDS=N      rounds per measurement, the median is reported (default 3)
#   QUICK=1       smoke run: 1 round, the 6x10 workload only
#   WORKLOADS     space-separated LEVELSxWIDTH list (default "6x10 10x20")
#   BENCH_IMAGE   image of the workloads (default stack-test/busybox:latest)
#   BENCH_OUT     result file (default bench/results/latest.json)
#   BENCH_KEEP=1  keep the work directory (generated files, command logs)
#   STACK_BIN     a stack binary to measure instead of building bin/stack
#   PARTS         which parts to run (default "updown api scale logs config")
#
# Every Docker object it makes belongs to a project named bench-<random>-...,
# and all of them are removed on exit, whatever the exit. Only one bench runs
# at a time on a machine (a lock in /tmp), since they share the engine.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
ROOT="$PWD"

ROUNDS="${ROUNDS:-3}"
QUICK="${QUICK:-0}"
WORKLOADS="${WORKLOADS:-6x10 10x20}"
IMAGE="${BENCH_IMAGE:-stack-test/busybox:latest}"
OUT="${BENCH_OUT:-$ROOT/bench/results/latest.json}"
PARTS=" ${PARTS:-updown api scale logs config} "
part() { case "$PARTS" in *" $1 "*) return 0 ;; esac; return 1; }
if [ "$QUICK" = 1 ]; then
	ROUNDS=1
	WORKLOADS="6x10"
fi
# The workload with the API-call diagnostics (through the counting proxy).
DIAG_WORKLOAD="${WORKLOADS%% *}"

die() {
	echo "bench: $*" >&2
	exit 1
}
log() { echo "bench: $*" >&2; }

GENSTACK=""
for g in "$ROOT/../shared/bench/genstack.py" /work/shared/bench/genstack.py; do
	if [ -f "$g" ]; then
		GENSTACK="$g"
		break
	fi
done
[ -n "$GENSTACK" ] || die "shared/bench/genstack.py not found beside the repository"
command -v docker >/dev/null || die "docker CLI not found (make engine)"
command -v python3 >/dev/null || die "python3 not found"

exec 9>/tmp/stack-bench.lock
flock -n 9 || die "another bench is running on this machine (lock /tmp/stack-bench.lock)"

# --- build -------------------------------------------------------------------
STACK="${STACK_BIN:-$ROOT/bin/stack}"
if [ -z "${STACK_BIN:-}" ]; then
	log "building bin/stack"
	go build -o bin/stack ./cmd/stack
fi
log "building bin/stack-baseline, bin/stack-bench-proxy"
(cd bench && go build -o ../bin/stack-baseline ./baseline && go build -o ../bin/stack-bench-proxy ./proxy)
BASE="$ROOT/bin/stack-baseline"
PROXY="$ROOT/bin/stack-bench-proxy"

if [ -f scripts/busybox-image.sh ] && [ "$IMAGE" = stack-test/busybox:latest ]; then
	bash scripts/busybox-image.sh "$IMAGE"
fi
docker image inspect "$IMAGE" >/dev/null 2>&1 || die "image $IMAGE not found (make image)"

TIME_BIN=/usr/bin/time
if ! "$TIME_BIN" -f %M true >/dev/null 2>&1; then
	log "installing GNU time (Debian package time) for the peak RSS"
	{ apt-get install -y -q time || { apt-get update -q && apt-get install -y -q time; }; } >/dev/null 2>&1 </dev/null || true
	"$TIME_BIN" -f %M true >/dev/null 2>&1 || TIME_BIN=""
fi

# --- work dir, cleanup -------------------------------------------------------
RUN_ID="bench-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/stack-bench.XXXXXX")"
SAMPLES="$WORK/samples.tsv"
PROJECTS="$WORK/projects"
SOCK="$WORK/engine.sock"
PROXY_PID=""
: >"$SAMPLES"
: >"$PROJECTS"

cleanup() {
	local rc=$?
	set +e
	if [ -n "$PROXY_PID" ]; then
		kill "$PROXY_PID" 2>/dev/null
		wait "$PROXY_PID" 2>/dev/null
	fi
	# Remove every project this run made, by its label; the direct socket,
	# so that cleanup does not depend on the proxy or on stack.
	sort -u "$PROJECTS" | while read -r p; do
		[ -n "$p" ] || continue
		DOCKER_HOST= "$BASE" clean "$p" >/dev/null 2>&1 || {
			docker ps -aq --filter "label=com.docker.compose.project=$p" | xargs -r docker rm -f >/dev/null 2>&1
			docker network ls -q --filter "label=com.docker.compose.project=$p" | xargs -r docker network rm >/dev/null 2>&1
		}
	done
	left="$(docker ps -aq --filter "name=^$RUN_ID-" | wc -l)"
	[ "$left" = 0 ] || log "warning: $left containers named $RUN_ID-* are left"
	left="$(docker network ls -q --filter "name=^$RUN_ID-" | wc -l)"
	[ "$left" = 0 ] || log "warning: $left networks named $RUN_ID-* are left: the engine keeps a phantom endpoint on them (moby#42119); only a restart of dockerd frees them"
	if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# project NAME registers a project for cleanup and prints its full name.
project() {
	local p="$RUN_ID-$1"
	echo "$p" >>"$PROJECTS"
	echo "$p"
}

# sample METRIC TOOL VALUE records one measurement.
sample() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$SAMPLES"; }

# timed LOG CMD... runs CMD with its output appended to LOG and sets ELAPSED
# to its wall time in seconds; returns CMD's status.
ELAPSED=""
timed() {
	local out="$1" t0 t1 rc=0
	shift
	echo "+ $*" >>"$out"
	t0=$EPOCHREALTIME
	"$@" >>"$out" 2>&1 || rc=$?
	t1=$EPOCHREALTIME
	ELAPSED="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
	return "$rc"
}

# measure METRIC TOOL LOG CMD... times CMD and records it. A failure is
# recorded as "fail", shown with the end of its log, and the bench goes on:
# the next step starts from a fresh project, and the report marks the
# measure as failed.
FAILURES=0
measure() {
	local metric="$1" tool="$2" out="$3"
	shift 3
	if ! timed "$out" "$@"; then
		FAILURES=$((FAILURES + 1))
		sample "$metric" "$tool" fail
		tail -n 3 "$out" | cut -c1-300 >&2
		log "$(printf '%-22s %-9s   FAILED after %s s (log: %s)' "$metric" "$tool" "$ELAPSED" "$out")"
		return 0
	fi
	sample "$metric" "$tool" "$ELAPSED"
	log "$(printf '%-22s %-9s %8.3f s' "$metric" "$tool" "$ELAPSED")"
}

# st PROJECT FILE ARGS... runs bin/stack on FILE as PROJECT.
st() {
	local p="$1" f="$2"
	shift 2
	"$STACK" -f "$f" -p "$p" --progress plain "$@"
}

gen() {
	local f="$WORK/$1.yml"
	python3 "$GENSTACK" "${1%x*}" "${1#*x}" "$IMAGE" >"$f"
	echo "$f"
}

# implemented ARGS... says whether `stack ARGS...` exists yet: it is tried as a
# dry run on an empty project, and a placeholder says "not implemented".
implemented() {
	local out p
	p="$(project probe)"
	out="$("$STACK" -f "$WORK/$DIAG_WORKLOAD.yml" -p "$p" --dry-run "$@" 2>&1 </dev/null || true)"
	case "$out" in
	*"not implemented"* | *"unknown command"* | *"unknown flag"*) return 1 ;;
	esac
	return 0
}

log "run $RUN_ID: rounds=$ROUNDS workloads=[$WORKLOADS] image=$IMAGE work=$WORK"
T_START=$EPOCHREALTIME

# --- up, no-op up, down ------------------------------------------------------
for w in $WORKLOADS; do
	file="$(gen "$w")"
	part updown || continue
	for r in $(seq 1 "$ROUNDS"); do
		log "workload $w, round $r/$ROUNDS"
		lg="$WORK/$w-$r.log"

		p="$(project "$w-$r-b")"
		measure "up_cold:$w" baseline "$lg" "$BASE" up "$file" "$p"
		measure "down:$w" baseline "$lg" "$BASE" down "$p"

		p="$(project "$w-$r-s")"
		if [ "$w" = 10x20 ] && [ -n "$TIME_BIN" ]; then
			measure "up_cold:$w" stack "$lg" "$TIME_BIN" -f %M -o "$WORK/rss-$r" "$STACK" -f "$file" -p "$p" --progress plain up -d
			sample "rss_up:$w" stack "$(awk 'END { printf "%.1f", $1 / 1024 }' "$WORK/rss-$r")"
		else
			measure "up_cold:$w" stack "$lg" st "$p" "$file" up -d
		fi
		measure "up_noop:$w" stack "$lg" st "$p" "$file" up -d
		measure "down:$w" stack "$lg" st "$p" "$file" down

		p="$(project "$w-$r-t")"
		measure "up_cold:$w" stack "$lg" st "$p" "$file" up -d
		measure "down_t0:$w" stack "$lg" st "$p" "$file" down -t 0
	done
done

# --- API calls, through the counting proxy -------------------------------------
diag() { # diag NAME: save the proxy's counts since the last call
	"$PROXY" stats -listen "$SOCK" -reset -log "$WORK/api/$1.jsonl" >"$WORK/api/$1.json"
}
mkdir -p "$WORK/api"
if part api; then
	"$PROXY" serve -listen "$SOCK" 2>>"$WORK/proxy.log" &
	PROXY_PID=$!
	for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
	[ -S "$SOCK" ] || die "the counting proxy did not start (log: $WORK/proxy.log)"
	(
		export DOCKER_HOST="unix://$SOCK"
		w="$DIAG_WORKLOAD"
		file="$WORK/$w.yml"
		lg="$WORK/api.log"
		log "API calls on $w through the counting proxy"
		"$PROXY" stats -listen "$SOCK" -reset >/dev/null
		p="$(project "$w-api-b")"
		timed "$lg" "$BASE" up "$file" "$p" || log "warning: baseline up through the proxy failed (log: $lg)"
		diag "baseline.up_cold.$w"
		timed "$lg" "$BASE" down "$p" || log "warning: baseline down through the proxy failed (log: $lg)"
		diag "baseline.down.$w"
		p="$(project "$w-api-s")"
		timed "$lg" st "$p" "$file" up -d || log "warning: stack up through the proxy failed (log: $lg)"
		diag "stack.up_cold.$w"
		timed "$lg" st "$p" "$file" up -d || log "warning: stack up (no-op) through the proxy failed (log: $lg)"
		diag "stack.up_noop.$w"
		timed "$lg" st "$p" "$file" down || log "warning: stack down through the proxy failed (log: $lg)"
		diag "stack.down.$w"
		p="$(project "$w-api-t")"
		timed "$lg" st "$p" "$file" up -d || log "warning: stack up through the proxy failed (log: $lg)"
		"$PROXY" stats -listen "$SOCK" -reset >/dev/null
		timed "$lg" st "$p" "$file" down -t 0 || log "warning: stack down -t 0 through the proxy failed (log: $lg)"
		diag "stack.down_t0.$w"
	)
	kill "$PROXY_PID" 2>/dev/null || true
	wait "$PROXY_PID" 2>/dev/null || true
	PROXY_PID=""
fi

# --- scale 1 -> 50 -------------------------------------------------------------
w="${WORKLOADS%% *}"
file="$WORK/$w.yml"
svc="s$((${w%x*} - 1))x0" # a service of the top level: nothing depends on it
SCALE_CMD="scale"
if part scale; then
	implemented scale "$svc=1" || SCALE_CMD="up --scale"
	for r in $(seq 1 "$ROUNDS"); do
		log "scale 1->50 of $svc, round $r/$ROUNDS ($SCALE_CMD)"
		lg="$WORK/scale-$r.log"
		p="$(project "scale-$r")"
		timed "$lg" st "$p" "$file" up -d || log "warning: stack up for scale failed (log: $lg)"
		# The baseline adds 50 containers of its own service to the same project,
		# on the project's network, then they are removed again.
		measure "scale_50" baseline "$lg" "$BASE" scale "$IMAGE" "$p" 50
		"$BASE" clean "$p" scaled >>"$lg" 2>&1 || log "warning: cleanup of the baseline's containers in $p failed (log: $lg)"
		if [ "$SCALE_CMD" = scale ]; then
			measure "scale_50" stack "$lg" st "$p" "$file" scale "$svc=50"
		else
			measure "scale_50" stack "$lg" st "$p" "$file" up -d --no-deps --scale "$svc=50" "$svc"
		fi
		timed "$lg" "$BASE" clean "$p" || log "warning: cleanup of $p failed (log: $lg)"
	done
fi

# --- logs ----------------------------------------------------------------------
LOGS_OK=0
if part logs && implemented logs --no-color; then
	LOGS_OK=1
	lfile="$WORK/logs.yml"
	{
		echo "services:"
		for i in $(seq 0 9); do
			echo "  l$i:"
			echo "    image: $IMAGE"
			echo "    command: [\"sh\", \"-c\", \"yes 'the quick brown fox jumps over the lazy dog, line of the log benchmark' | head -n 100000\"]"
		done
	} >"$lfile"
	p="$(project logs)"
	lg="$WORK/logs.log"
	log "logs: 10 containers x 100,000 lines"
	timed "$lg" "$BASE" up "$lfile" "$p" || die "logs setup failed (log: $lg)"
	docker ps -aq --filter "label=com.docker.compose.project=$p" | xargs -r docker wait >/dev/null
	for r in $(seq 1 "$ROUNDS"); do
		measure "logs" baseline "$lg" "$BASE" logs "$p"
		sample "logs_bytes" baseline "$(awk '/^bytes / { b = $2 } END { print b }' "$lg")"
		if ! timed /dev/null sh -c '"$0" -f "$1" -p "$2" logs --no-color >/dev/null 2>"$3"' "$STACK" "$lfile" "$p" "$lg.err"; then
			tail -n 5 "$lg.err" >&2
			log "stack logs failed: reported as n/a"
			LOGS_OK=0
			break
		fi
		sample "logs" stack "$ELAPSED"
		log "$(printf '%-22s %-9s %8.3f s' logs stack "$ELAPSED")"
	done
	if [ "$LOGS_OK" = 1 ]; then
		sample "logs_out_bytes" stack "$("$STACK" -f "$lfile" -p "$p" logs --no-color 2>/dev/null | wc -c)"
	fi
	timed "$lg" "$BASE" clean "$p" || true
else
	! part logs || log "stack logs is not implemented: reported as n/a"
fi
! part logs || [ "$LOGS_OK" = 1 ] || sample "logs" stack "na"

# --- config of 1,000 services ---------------------------------------------------
cfile="$(gen 10x100)"
p="$RUN_ID-config"
if part config; then
	for r in $(seq 1 "$ROUNDS"); do
		measure "config_1000" stack "$WORK/config.log" sh -c '"$0" -f "$1" -p "$2" config >/dev/null' "$STACK" "$cfile" "$p"
	done
fi

T_END=$EPOCHREALTIME

# --- report ----------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
python3 "$ROOT/bench/report.py" \
	--samples "$SAMPLES" --api "$WORK/api" --out "$OUT" \
	--rounds "$ROUNDS" --quick "$QUICK" --workloads "$WORKLOADS" \
	--scale-cmd "$SCALE_CMD" --image "$IMAGE" \
	--stack-version "$("$STACK" version 2>/dev/null | head -n 1 || true)" \
	--commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty)" \
	--engine "$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo unknown)" \
	--seconds "$(awk -v a="$T_START" -v b="$T_END" 'BEGIN { printf "%.0f", b - a }')"
if [ "$FAILURES" != 0 ]; then
	log "$FAILURES measured commands failed (see the table)"
	exit 1
fi
