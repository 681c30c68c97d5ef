#!/usr/bin/env bash
# Vendor the pinned front-end packages into src/parcours/static/vendor/.
# Re-run after changing package.json; commit package-lock.json and the copied files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/src/parcours/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$work/"
[ -f "$here/package-lock.json" ] && cp "$here/package-lock.json" "$work/"
(cd "$work" && if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; else npm install --ignore-scripts --no-audit --no-fund; fi)
cp "$work/package-lock.json" "$here/package-lock.json"
rm -rf "$out"
mkdir -p "$out/pico" "$out/htmx"
m="$work/node_modules"
cp "$m/@picocss/pico/css/pico.min.css" "$out/pico/"
cp "$m/@picocss/pico/LICENSE.md" "$out/pico/LICENSE.md"
cp "$m/htmx.org/dist/htmx.min.js" "$out/htmx/"
cp "$m/htmx.org/LICENSE" "$out/htmx/LICENSE"
# Extra packages add their copy lines here (see docs/decisions/0002-vendored-assets.md).
for extra in "$here"/vendor.d/*.sh; do [ -e "$extra" ] && . "$extra"; done
(cd "$work" && node -e 'const l=require("./package-lock.json");for(const [k,v] of Object.entries(l.packages)){if(k)console.log(k.replace("node_modules/",""),v.version,v.integrity)}') > "$out/VERSIONS.txt"
echo "vendored into $out:"; cat "$out/VERSIONS.txt"
