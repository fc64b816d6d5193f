#!/usr/bin/env bash
# load.sh: the load runs of docs/reliability.md (`make load`). Full size
# they are too long for `make test`, which runs a small one (below); run
# the full size by hand, on a machine the numbers can be read from.
#
#   1. A 500-service stack (shared/bench/genstack.py 10 50): up -d, a no-op
#      up -d, down, three rounds in a row, each command with --debug-counts.
#      Fails when the goroutines or open files a command leaves at its end
#      grow from one round to the next, or when down leaves anything.
#   2. stack logs -f of 50 containers that each print 1,000 numbered lines
#      a second for 60 s: fails when a line is missing, doubled, out of
#      order or torn; prints the peak RSS of logs -f, sampled each second.
#
# Environment:
#   STACK_BIN    the stack binary (default bin/stack, built by make load)
#   LOAD_IMAGE   image of the services (default stack-test/busybox:latest)
#   PARTS        "updown logs" (default both)
#   LOG_SECONDS  how long each container prints (default 60)
#   LOAD_LEVELS, LOAD_WIDTH   the up/down stack's shape (default 10 x 50)
#   LOG_CONTAINERS            containers of the logs run (default 50)
#   (make test runs a small load: 10 x 10 services, 20 containers x 10 s)
#   LOAD_KEEP=1  keep the work directory
#
# Every object it makes belongs to a project named load-<random>-..., and
# all of them are removed on exit, whatever the exit.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
ROOT="$PWD"
STACK="${STACK_BIN:-$ROOT/bin/stack}"
IMAGE="${LOAD_IMAGE:-stack-test/busybox:latest}"
PARTS=" ${PARTS:-updown logs} "
SECONDS_PER_RUN="${LOG_SECONDS:-60}"
LEVELS="${LOAD_LEVELS:-10}"
WIDTH="${LOAD_WIDTH:-50}"
SERVICES=$((LEVELS * WIDTH))
CONTAINERS="${LOG_CONTAINERS:-50}"
RUN="load-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"

die() {
	echo "load: $*" >&2
	exit 1
}
log() { echo "load: $*" >&2; }

[ -x "$STACK" ] || die "$STACK not found (make build)"
GENSTACK=""
for g in "$ROOT/../shared/bench/genstack.py" /work/shared/bench/genstack.py; do
	[ -f "$g" ] && GENSTACK="$g" && break
done
[ -n "$GENSTACK" ] || die "shared/bench/genstack.py not found beside the repository"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/stack-load.XXXXXX")"
cleanup() {
	for p in "$RUN-updown" "$RUN-logs"; do
		ids="$(docker ps -aq --filter "label=com.docker.compose.project=$p")"
		[ -n "$ids" ] && docker rm -f -v $ids >/dev/null 2>&1 || true
		for n in $(docker network ls -q --filter "label=com.docker.compose.project=$p"); do
			docker network rm "$n" >/dev/null 2>&1 || true
		done
		docker rm -f "$p-stack-lock" >/dev/null 2>&1 || true
	done
	if [ "${LOAD_KEEP:-0}" = 1 ]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

# counts FILE: the "goroutines N, open files M" of a --debug-counts line.
counts() {
	sed -n 's/^stack: debug: goroutines \([0-9]*\), open files \([0-9]*\),.*rss \([0-9.]*\) MB (peak \([0-9.]*\) MB)$/\1 \2 \3 \4/p' "$1" | tail -1
}

if [[ "$PARTS" == *" updown "* ]]; then
	P="$RUN-updown"
	python3 "$GENSTACK" "$LEVELS" "$WIDTH" "$IMAGE" >"$WORK/updown.yaml"
	# 500 containers do not fit the /24 an engine started by engine.sh
	# gives a network: a /22 of its own, at a random place.
	printf 'networks:\n  default:\n    ipam:\n      config:\n        - subnet: 10.%d.%d.0/22\n' \
		$((100 + RANDOM % 150)) $((RANDOM % 64 * 4)) >>"$WORK/updown.yaml"
	log "$SERVICES services, project $P: up, no-op up, down, 3 rounds"
	printf '%-6s %-8s %8s %10s %11s %9s %9s\n' round command seconds goroutines "open files" "rss MB" "peak MB"
	first=""
	for round in 1 2 3; do
		for cmd in up noop down; do
			args=(up -d)
			[ "$cmd" = down ] && args=(down -t 0)
			start=$(date +%s.%N)
			"$STACK" --progress quiet --debug-counts -p "$P" -f "$WORK/updown.yaml" "${args[@]}" 2>"$WORK/$cmd-$round.err" ||
				die "$cmd (round $round) failed: $(tail -3 "$WORK/$cmd-$round.err")"
			end=$(date +%s.%N)
			read -r g f rss peak <<<"$(counts "$WORK/$cmd-$round.err")"
			printf '%-6s %-8s %8.1f %10s %11s %9s %9s\n' "$round" "$cmd" "$(awk "BEGIN { print $end - $start }")" "$g" "$f" "$rss" "$peak"
			key="$cmd"
			if [ "$round" = 1 ]; then
				eval "first_$key='$g $f'"
			else
				eval "was=\$first_$key"
				read -r g1 f1 <<<"$was"
				[ "$g" -le "$g1" ] || die "$cmd: goroutines grew from $g1 (round 1) to $g (round $round)"
				[ "$f" -le "$f1" ] || die "$cmd: open files grew from $f1 (round 1) to $f (round $round)"
			fi
		done
		left="$(docker ps -aq --filter "label=com.docker.compose.project=$P" | wc -l) containers, $(docker network ls -q --filter "label=com.docker.compose.project=$P" | wc -l) networks"
		[ "$left" = "0 containers, 0 networks" ] || die "down (round $round) left $left"
	done
	log "no growth of goroutines or open files, nothing left"
fi

if [[ "$PARTS" == *" logs "* ]]; then
	P="$RUN-logs"
	lines=$((SECONDS_PER_RUN * 1000))
	{
		echo "services:"
		for i in $(seq -w 0 $((CONTAINERS - 1))); do
			cat <<EOF
  c$i:
    image: $IMAGE
    command:
      - awk
      - 'BEGIN { for (i = 0; i < $lines; i++) { printf "L c$i %06d ........................................\n", i; if (i % 100 == 99) { fflush(); system("usleep 100000") } } }'
EOF
		done
	} >"$WORK/logs.yaml"
	log "$CONTAINERS containers x 1,000 lines/s x ${SECONDS_PER_RUN}s, project $P"
	"$STACK" --progress quiet -p "$P" -f "$WORK/logs.yaml" up -d --no-start
	"$STACK" --progress quiet -p "$P" -f "$WORK/logs.yaml" logs -f --no-log-prefix >"$WORK/logs.out" 2>"$WORK/logs.err" &
	logs_pid=$!
	sleep 1
	start=$(date +%s)
	"$STACK" --progress quiet -p "$P" -f "$WORK/logs.yaml" start
	peak=0
	while :; do
		rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$logs_pid/status" 2>/dev/null || echo 0)
		[ "${rss:-0}" -gt "$peak" ] && peak=$rss
		running=$(docker ps -q --filter "label=com.docker.compose.project=$P" | wc -l)
		[ "$running" = 0 ] && break
		[ $(($(date +%s) - start)) -lt $((SECONDS_PER_RUN * 10 + 120)) ] || die "the containers still run after $((SECONDS_PER_RUN * 10 + 120))s"
		sleep 1
	done
	elapsed=$(($(date +%s) - start))
	sleep 3
	kill -INT "$logs_pid" 2>/dev/null || true
	wait "$logs_pid" || true
	log "checking $(wc -l <"$WORK/logs.out") lines"
	python3 - "$WORK/logs.out" "$lines" "$CONTAINERS" <<'PY' || die "lines lost, doubled, out of order or torn (above)"
import re, sys
path, want, containers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
line_re = re.compile(r"^L (c\d+) (\d{6}) \.{40}$")
nxt, bad = {}, []
for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
    m = line_re.match(line.rstrip("\n"))
    if not m:
        bad.append(f"line {n} torn or foreign: {line[:80]!r}")
        continue
    c, i = m.group(1), int(m.group(2))
    if i != nxt.get(c, 0):
        bad.append(f"line {n}: {c} #{i}, expected #{nxt.get(c, 0)}")
    nxt[c] = i + 1
for c in sorted(nxt):
    if nxt[c] != want:
        bad.append(f"{c}: {nxt[c]} lines, want {want}")
if len(nxt) != containers:
    bad.append(f"{len(nxt)} containers seen, want {containers}")
for b in bad[:20]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	total=$(wc -l <"$WORK/logs.out")
	log "logs -f: $total lines of $CONTAINERS containers in ${elapsed}s ($((total / elapsed)) lines/s), none lost, doubled or torn; peak RSS $((peak / 1024)) MB"
fi
