#!/usr/bin/env bash
# Install axe-core (MPL-2.0), the accessibility checker the browser tests run inside each page, from the npm
# registry into tests/vendor/axe-core/ (git-ignored: vendor files are never committed), checked against the
# pinned sha512 integrity. The tests inject the file into the page themselves: nothing is fetched from a CDN.
#
# Usage: scripts/install-axe.sh [--force]
# Environment: AXE_VERSION and AXE_INTEGRITY to move to another release (both, or neither).
set -euo pipefail

VERSION="${AXE_VERSION:-4.14.1}"
INTEGRITY="${AXE_INTEGRITY:-sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/tests/vendor/axe-core"

if [[ "${1:-}" != "--force" && -f "$DEST/VERSION" && "$(cat "$DEST/VERSION")" == "$VERSION" && -f "$DEST/axe.min.js" ]]; then
  echo "axe-core $VERSION already installed in ${DEST#"$ROOT"/}"
  exit 0
fi
command -v npm >/dev/null || { echo "npm is required (Node.js 18+)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "axe-core@$VERSION" >/dev/null)
TARBALL="$WORK/axe-core-$VERSION.tgz"
ACTUAL="$(python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$TARBALL")"
if [[ "$ACTUAL" != "$INTEGRITY" ]]; then
  echo "integrity mismatch for axe-core@$VERSION: got $ACTUAL, expected $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$TARBALL" -C "$WORK" package/axe.min.js package/LICENSE package/package.json
rm -rf "$DEST" && mkdir -p "$DEST"
cp "$WORK/package/axe.min.js" "$WORK/package/LICENSE" "$WORK/package/package.json" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "installed axe-core $VERSION into ${DEST#"$ROOT"/}"
