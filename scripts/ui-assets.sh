#!/usr/bin/env bash
# scripts/ui-assets.sh: put stack ui's graph layout library (dagre, from npm,
# at the version pkg/ui/web/package-lock.json pins, checked by its integrity
# hash) into pkg/ui/assets/vendor/, which go:embed takes into the binary.
# make build and make test run it; it does nothing when the file is there at
# the pinned version. Nothing it writes is committed (.gitignore): a plain
# `go build ./cmd/stack` on a clean clone still builds, and its page says
# how to get the graph.
set -euo pipefail
cd "$(dirname "$0")/.."

web=pkg/ui/web
vendor=pkg/ui/assets/vendor
lib=node_modules/@dagrejs/dagre

want="$(sed -n '/"node_modules\/@dagrejs\/dagre": {/,/}/s/.*"version": "\([^"]*\)".*/\1/p' "$web/package-lock.json")"
[ -n "$want" ] || { echo "ui-assets: no @dagrejs/dagre version in $web/package-lock.json" >&2; exit 1; }
if [ -f "$vendor/dagre.esm.js" ] && [ "$(cat "$vendor/dagre.version" 2>/dev/null)" = "$want" ]; then
	exit 0
fi
command -v npm >/dev/null 2>&1 || {
	echo "ui-assets: npm not found: install Node.js and npm (Debian: apt-get install npm), or build with 'go build ./cmd/stack' for a page without the graph" >&2
	exit 1
}
echo "ui-assets: @dagrejs/dagre $want from npm" >&2
(cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null >&2)
got="$(sed -n 's/.*"version": "\([^"]*\)".*/\1/p' "$web/$lib/package.json" | head -1)"
[ "$got" = "$want" ] || { echo "ui-assets: npm installed dagre $got, want $want" >&2; exit 1; }

# Into a fresh directory, then renamed: a build running meanwhile embeds
# either the old files or the new ones, never half a file.
mkdir -p "$(dirname "$vendor")"
tmp="$(mktemp -d "$vendor.new.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# The source map is not shipped: drop the comment that asks for it.
sed '/^\/\/# sourceMappingURL=/d' "$web/$lib/dist/dagre.esm.js" >"$tmp/dagre.esm.js"
cp "$web/$lib/LICENSE" "$tmp/dagre.LICENSE.txt"
echo "$want" >"$tmp/dagre.version"
chmod 0755 "$tmp"
rm -rf "$vendor.old"
[ ! -d "$vendor" ] || mv "$vendor" "$vendor.old"
mv "$tmp" "$vendor"
rm -rf "$vendor.old"
trap - EXIT
