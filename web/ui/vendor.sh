#!/bin/sh
# vendor.sh copies the pinned browser libraries into web/static/vendor, where
# go:embed picks them up. The copies are committed, so neither `go build` nor
# the running server needs Node or the network; run this only to change a
# version:
#
#   1. edit the exact version in web/ui/package.json
#   2. cd web/ui && npm install --package-lock-only --ignore-scripts
#   3. ./vendor.sh
#
# The folder is named with the version (vendor/maplibre-gl-X.Y.Z/), so the
# server can let browsers keep the files for a year; the script points
# index.html and map.js at the new folder.
#
# It installs with `npm ci` from package-lock.json (exact versions, checked
# integrity hashes) into a temporary folder, so no node_modules is left in
# the tree, and copies MapLibre GL JS's ES module build: the main module, its
# web worker module (MapLibre 6 loads it from the same folder as the main
# module), the stylesheet and the licence. It also copies axe-core (a
# development dependency: the accessibility tests inject it into the printed
# pages; it is never served) into testdata/axe-core.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
static="$here/../static"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

version=$(node -p 'require(process.argv[1]).version' "$work/node_modules/maplibre-gl/package.json")
want=$(node -p 'require(process.argv[1]).dependencies["maplibre-gl"]' "$here/package.json")
if [ "$version" != "$want" ]; then
	echo "vendor.sh: npm installed maplibre-gl $version, package.json pins $want" >&2
	exit 1
fi

dest="$static/vendor/maplibre-gl-$version"
rm -rf "$static"/vendor/maplibre-gl-*
mkdir -p "$dest"
src="$work/node_modules/maplibre-gl"
cp "$src/dist/maplibre-gl.mjs" "$src/dist/maplibre-gl-worker.mjs" "$src/dist/maplibre-gl.css" "$dest/"
cp "$src/LICENSE.txt" "$dest/LICENSE.txt"
# The source maps are not vendored (5 MB each): drop the comments that point
# at them so browsers' developer tools do not ask for missing files.
for f in "$dest/maplibre-gl.mjs" "$dest/maplibre-gl-worker.mjs"; do
	sed -i '/^\/\/# sourceMappingURL=/d' "$f"
done
(cd "$dest" && sha256sum maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css LICENSE.txt > SHA256SUMS)
sed -i "s#vendor/maplibre-gl-[0-9A-Za-z.+-]*/#vendor/maplibre-gl-$version/#g" "$static/index.html" "$static/map.js"
echo "vendored maplibre-gl $version into ${dest#"$here/"}"

axe=$(node -p 'require(process.argv[1]).version' "$work/node_modules/axe-core/package.json")
want=$(node -p 'require(process.argv[1]).devDependencies["axe-core"]' "$here/package.json")
if [ "$axe" != "$want" ]; then
	echo "vendor.sh: npm installed axe-core $axe, package.json pins $want" >&2
	exit 1
fi
adest="$here/../../testdata/axe-core"
mkdir -p "$adest"
cp "$work/node_modules/axe-core/axe.min.js" "$work/node_modules/axe-core/LICENSE" "$adest/"
echo "$axe" > "$adest/VERSION"
(cd "$adest" && sha256sum axe.min.js LICENSE > SHA256SUMS)
echo "vendored axe-core $axe into testdata/axe-core"
