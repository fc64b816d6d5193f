#!/usr/bin/env bash
# Build the local Debian base image used by the examples and tests:
#
#   scripts/base-image.sh [TAG]      (default: stack-examples/debian:bookworm)
#
# There is no registry access on the machines we target, so the image is made
# from a debootstrap'ed Debian rootfs imported with `docker import`. The Debian
# mirror is taken from this machine's own apt configuration (never hard-coded
# here); without one, debootstrap's default mirror is used.
#
# If the image already exists the script exits 0 and prints nothing.
set -euo pipefail

TAG="${1:-stack-examples/debian:bookworm}"
SUITE="${SUITE:-bookworm}"

log() { printf 'base-image: %s\n' "$*" >&2; }
die() { printf 'base-image: error: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker CLI not found in PATH"
docker version >/dev/null 2>&1 || die "cannot reach the Docker Engine (is dockerd running? DOCKER_HOST=${DOCKER_HOST:-unset})"

if docker image inspect "$TAG" >/dev/null 2>&1; then
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root; run as root (e.g. sudo $0 $*)"

# detect_mirror prints the first Debian archive URI in the machine's apt
# configuration (one-line "deb URI suite ..." entries first, then deb822
# "URIs:" fields), skipping security archives. Prints nothing if none found.
detect_mirror() {
    local - f line uri
    set -f # no globbing when splitting lines into words
    local files=()
    [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && files+=("$f"); done
    for f in "${files[@]}"; do
        while IFS= read -r line; do
            line="${line%%#*}"
            # deb [opts] URI suite components...
            set -- $line
            [ "${1:-}" = "deb" ] || continue
            shift
            if [ "${1:-}" != "${1#[}" ]; then
                while [ $# -gt 0 ] && [ "${1%]}" = "$1" ]; do shift; done
                shift || true
            fi
            uri="${1:-}"
            case "$uri" in *security*|"") continue ;; esac
            case "${2:-}" in *-security) continue ;; esac
            printf '%s\n' "${uri%/}"
            return 0
        done <"$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        while IFS= read -r line; do
            case "$line" in
            URIs:*|uris:*)
                set -- ${line#*:}
                for uri in "$@"; do
                    case "$uri" in *security*) continue ;; esac
                    printf '%s\n' "${uri%/}"
                    return 0
                done
                ;;
            esac
        done <"$f"
    done
    return 0
}

MIRROR="$(detect_mirror)"
if [ -n "$MIRROR" ]; then
    log "using mirror from apt configuration: $MIRROR"
else
    log "no mirror found in apt configuration; using debootstrap's default"
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null || die "apt-get update failed"
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends debootstrap >/dev/null ||
        die "could not install debootstrap (apt-get install debootstrap)"
fi

WORK="$(mktemp -d /tmp/stack-base-image.XXXXXX)"
ROOTFS="$WORK/rootfs"
cleanup() {
    # debootstrap may leave proc/sys mounted if it was interrupted
    for m in proc sys dev/pts dev; do
        mountpoint -q "$ROOTFS/$m" 2>/dev/null && umount -l "$ROOTFS/$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
log "debootstrap --variant=minbase $SUITE (takes a few minutes; log: $WORK/debootstrap.log)"
if ! debootstrap --variant=minbase "$SUITE" "$ROOTFS" ${MIRROR:+"$MIRROR"} >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2 || true
    [ -f "$ROOTFS/debootstrap/debootstrap.log" ] && tail -n 30 "$ROOTFS/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (mirror: ${MIRROR:-debootstrap default})"
fi
log "debootstrap done in $(( $(date +%s) - start ))s"

log "cleaning apt caches and writing /etc/apt/sources.list"
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
    "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/archives/partial/* \
    "$ROOTFS"/var/log/apt/* "$ROOTFS"/tmp/* "$ROOTFS"/debootstrap
mkdir -p "$ROOTFS/var/lib/apt/lists/partial"
if [ -n "$MIRROR" ]; then
    m="$MIRROR"
else
    # debootstrap wrote its default mirror into the rootfs' sources.list
    m="$(awk '$1 == "deb" { print $2; exit }' "$ROOTFS/etc/apt/sources.list" 2>/dev/null || true)"
fi
[ -n "$m" ] || die "could not determine the mirror for the image's sources.list"
printf 'deb %s %s main\ndeb %s %s-updates main\n' "$m" "$SUITE" "$m" "$SUITE" \
    >"$ROOTFS/etc/apt/sources.list"
# Keep images small: no recommends, no docs/man pages from later installs.
cat >"$ROOTFS/etc/apt/apt.conf.d/90stack-examples" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
# Debian's image convention: no daemons started by package postinst scripts.
printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"

log "importing rootfs as $TAG"
if ! tar -C "$ROOTFS" --numeric-owner -c . | docker import --change 'CMD ["bash"]' - "$TAG" >/dev/null; then
    die "docker import failed"
fi
log "built $TAG in $(( $(date +%s) - start ))s"
