#!/usr/bin/env bash
# WordPress + MariaDB demo (make demo / make demo-down).
#
#   scripts/demo.sh [up]     build stack and the images, start the example and
#                            wait until it is healthy; prints the URL
#   scripts/demo.sh down     stop and remove it (the volumes, so the site and
#                            its database, are kept)
#
# Works from a fresh clone on Debian as root: scripts/engine.sh makes a Docker
# Engine available, scripts/base-image.sh builds the local Debian base image
# and stack builds the two images of the example from Debian packages (no
# registry is used anywhere). The first run takes a few minutes, later ones
# seconds. Configuration: examples/wordpress/.env, created from .env.example
# when missing (docs/wordpress.md).
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

EXAMPLE=examples/wordpress
COMPOSE="$EXAMPLE/compose.yaml"
PROJECT=wordpress # the name: of $COMPOSE

say() { printf 'demo: %s\n' "$*"; }
die() {
    printf 'demo: error: %s\n' "$*" >&2
    exit 1
}

# Compose reads .env beside the compose file; create it from the example.
ensure_env() {
    if [ ! -f "$EXAMPLE/.env" ]; then
        cp "$EXAMPLE/.env.example" "$EXAMPLE/.env"
        say "created $EXAMPLE/.env from .env.example (change the passwords there before exposing the site)"
    fi
}

# env_value NAME prints NAME's value in .env (last assignment, unquoted).
env_value() {
    sed -n "s/^[[:space:]]*$1[[:space:]]*=//p" "$EXAMPLE/.env" | tail -n 1 | tr -d '"\047[:space:]'
}

build_stack() {
    command -v go >/dev/null 2>&1 || die "go not found (looked in PATH and /usr/local/go/bin)"
    go build -o bin/stack ./cmd/stack
}

# port_free_for_us fails when something other than this demo listens on the
# published port, with the way out.
port_free_for_us() {
    local ip="$1" port="$2"
    (exec 3<>"/dev/tcp/$ip/$port") 2>/dev/null || return 0
    [ -n "$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" \
        --filter "label=com.docker.compose.service=wordpress")" ] && return 0
    die "$ip:$port is already in use by another program: set WORDPRESS_PORT in $EXAMPLE/.env to a free port"
}

case "${1:-up}" in
up)
    start=$SECONDS
    bash scripts/engine.sh
    build_stack
    bash scripts/base-image.sh
    ensure_env
    port="$(env_value WORDPRESS_PORT)"
    port="${port:-8080}"
    ip="$(env_value WORDPRESS_HOST_IP)"
    case "$ip" in "" | 0.0.0.0) ip=127.0.0.1 ;; esac
    port_free_for_us "$ip" "$port"
    bin/stack -f "$COMPOSE" up -d --build --wait
    url="$(env_value WORDPRESS_URL)"
    url="${url%/}"
    echo
    echo "WordPress is up: ${url:-http://${ip}:${port}/}"
    echo "  admin:  ${url:-http://${ip}:${port}}/wp-admin/ (user $(env_value WORDPRESS_ADMIN_USER), password in $EXAMPLE/.env)"
    echo "  logs:   bin/stack -f $COMPOSE logs -f"
    echo "  stop:   make demo-down"
    say "ready in $((SECONDS - start))s"
    ;;
down)
    build_stack
    if [ -f "$EXAMPLE/.env" ]; then
        bin/stack -f "$COMPOSE" down
    else
        # Without .env the file does not load (required passwords): the
        # project's labels are enough to find what to remove.
        bin/stack -p "$PROJECT" down
    fi
    ;;
*)
    echo "usage: $0 [up|down]" >&2
    exit 2
    ;;
esac
