#!/usr/bin/env bash
# Install the query page's editor, YASGUI (@zazuko/yasgui, MIT), from the npm registry into
# publisher/web/sparql/static/vendor/yasgui/ (beside the query page that uses it; served at
# /static/vendor/yasgui/), which git ignores: vendor files are never committed.
#
# Only the self-contained browser bundle is kept (yasgui.min.js, yasgui.min.css) plus package.json
# (licence and provenance) and VERSION (cache-busting query string). The tarball is fetched with
# `npm pack` (no dependency tree, no install scripts) and checked against the pinned sha512 integrity.
# Without these files /sparql still works: the page falls back to a plain form and says so.
#
# Usage: scripts/install-frontend.sh [--force]
# Environment: YASGUI_VERSION and YASGUI_INTEGRITY to move to another release (both, or neither).
set -euo pipefail

VERSION="${YASGUI_VERSION:-4.6.2}"
INTEGRITY="${YASGUI_INTEGRITY:-sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw==}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/publisher/web/sparql/static/vendor/yasgui"
FILES=(build/yasgui.min.js build/yasgui.min.css package.json)

if [[ "${1:-}" != "--force" && -f "$DEST/VERSION" && "$(cat "$DEST/VERSION")" == "$VERSION" \
      && -f "$DEST/yasgui.min.js" && -f "$DEST/yasgui.min.css" ]]; then
  echo "YASGUI $VERSION already installed in ${DEST#"$ROOT"/}"
  exit 0
fi
command -v npm >/dev/null || { echo "npm is required (Node.js 18+)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "@zazuko/yasgui@$VERSION" >/dev/null)
TARBALL="$WORK/zazuko-yasgui-$VERSION.tgz"

ACTUAL="$(python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$TARBALL")"
if [[ "$ACTUAL" != "$INTEGRITY" ]]; then
  echo "integrity mismatch for @zazuko/yasgui@$VERSION: got $ACTUAL, expected $INTEGRITY" >&2
  exit 1
fi

tar -xzf "$TARBALL" -C "$WORK" "${FILES[@]/#/package/}"
STAGE="$DEST.tmp.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE"
for file in "${FILES[@]}"; do cp "$WORK/package/$file" "$STAGE/"; done
echo "$VERSION" > "$STAGE/VERSION"
rm -rf "$DEST"
mv "$STAGE" "$DEST"  # a page served in between just shows the plain form
echo "installed YASGUI $VERSION into ${DEST#"$ROOT"/}"
