#!/usr/bin/env bash
# busybox-image.sh [TAG] builds a small busybox image without any registry:
# a static busybox from Debian's busybox-static package, its applets as
# symlinks, /etc/passwd and /etc/group (root, nobody) and /tmp, imported with
# `docker import`. Default TAG: stack-test/busybox:latest.
#
# Skips the build when TAG exists and was built by this version of the script.
# Silent on success; on failure prints what went wrong and exits 1.
# Needs a running engine (scripts/engine.sh) and, when no static busybox is
# installed, apt-get (the .deb is downloaded and unpacked in a temp dir; the
# system's packages are left alone).
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

TAG="${1:-stack-test/busybox:latest}"
# Bump when the image content changes so that existing images get rebuilt.
RECIPE=1
RECIPE_LABEL=io.stack.test.busybox-recipe

die() {
	echo "busybox-image.sh: $*" >&2
	exit 1
}

command -v docker >/dev/null 2>&1 || die "docker CLI not found (run scripts/engine.sh first)"

have="$(docker image inspect --format "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$TAG" 2>/dev/null || true)"
[ "$have" = "$RECIPE" ] && exit 0

work="$(mktemp -d "${TMPDIR:-/tmp}/busybox-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# is_static reports whether $1 is an executable that needs no shared libraries.
is_static() {
	[ -x "$1" ] || return 1
	local out
	out="$(LC_ALL=C ldd "$1" 2>&1 || true)"
	case "$out" in
	*"not a dynamic executable"* | *"statically linked"*) return 0 ;;
	esac
	return 1
}

find_busybox() {
	local bb
	for bb in /bin/busybox /usr/bin/busybox /usr/local/bin/busybox; do
		if is_static "$bb"; then
			echo "$bb"
			return 0
		fi
	done
	return 1
}

# fetch_busybox downloads Debian's busybox-static into $work and prints the
# path of its binary.
fetch_busybox() {
	command -v apt-get >/dev/null 2>&1 ||
		die "no static busybox found and no apt-get to fetch one (install busybox-static)"
	local dl="$work/deb" log="$work/apt.log"
	mkdir -p "$dl"
	chmod 755 "$work" "$dl" # let apt's _apt sandbox user write the download
	export DEBIAN_FRONTEND=noninteractive
	if ! (cd "$dl" && apt-get download -q busybox-static) >"$log" 2>&1 </dev/null; then
		# A fresh machine has no package lists yet.
		if ! { apt-get update -q && (cd "$dl" && apt-get download -q busybox-static); } >>"$log" 2>&1 </dev/null; then
			tail -n 20 "$log" >&2
			die "could not download busybox-static with apt-get"
		fi
	fi
	dpkg-deb -x "$dl"/busybox-static_*.deb "$work/pkg" || die "could not unpack busybox-static"
	local bb
	for bb in "$work/pkg/bin/busybox" "$work/pkg/usr/bin/busybox"; do
		if is_static "$bb"; then
			echo "$bb"
			return 0
		fi
	done
	die "busybox-static package has no static /bin/busybox"
}

bb="$(find_busybox || fetch_busybox)"

root="$work/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
cp "$bb" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"

# Like `busybox --install -s`: one symlink per applet, in /bin and /usr/bin, and
# at the applet's canonical place (e.g. /sbin/ifconfig) when that differs.
applets="$("$root/bin/busybox" --list)" || die "$bb --list failed"
[ -n "$applets" ] || die "$bb lists no applets"
for a in $applets; do
	[ "$a" = busybox ] && continue
	ln -sf /bin/busybox "$root/bin/$a"
	ln -sf /bin/busybox "$root/usr/bin/$a"
done
while read -r path; do
	[ -n "$path" ] && [ ! -e "$root/$path" ] && [ ! -L "$root/$path" ] && ln -s /bin/busybox "$root/$path"
done < <("$root/bin/busybox" --list-full 2>/dev/null || true)

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF

if ! out="$(tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
	docker import \
		--change 'CMD ["sh"]' \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change "LABEL $RECIPE_LABEL=$RECIPE" \
		--message "busybox from $(basename "$bb") via scripts/busybox-image.sh" \
		- "$TAG" 2>&1)"; then
	echo "$out" >&2
	die "docker import failed for $TAG"
fi
