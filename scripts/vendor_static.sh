#!/usr/bin/env bash
# Copies the parts of Bootstrap Italia the portal serves from node_modules into static/vendor,
# so that the portal runs without npm and never loads anything from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules/bootstrap-italia/dist
dst=static/vendor/bootstrap-italia
rm -rf "$dst"
mkdir -p "$dst/css" "$dst/js" "$dst/svg" "$dst/fonts"
cp "$src/css/bootstrap-italia.min.css" "$dst/css/"
cp "$src/js/bootstrap-italia.bundle.min.js" "$dst/js/"
cp "$src/svg/sprites.svg" "$dst/svg/"
# woff2 and woff are enough for every browser the portal supports.
find "$src/fonts" -type f \( -name '*.woff2' -o -name '*.woff' \) | while read -r f; do
  rel=${f#"$src/fonts/"}
  mkdir -p "$dst/fonts/$(dirname "$rel")"
  cp "$f" "$dst/fonts/$rel"
done
cp node_modules/bootstrap-italia/LICENSE "$dst/LICENSE" 2>/dev/null || true
echo "vendored bootstrap-italia $(node -p "require('./node_modules/bootstrap-italia/package.json').version") into $dst"
