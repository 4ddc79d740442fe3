#!/usr/bin/env bash
# Drift check: gen/ (stubs and descriptors.binpb) must be exactly what `buf generate` produces from proto/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
node_modules/.bin/buf generate
# The descriptor set every service serves through gRPC reflection (services/*/src/server.ts).
node_modules/.bin/buf build --exclude-source-info -o gen/descriptors.binpb
drift="$(git status --porcelain -- gen)"
if [ -n "$drift" ]; then
  echo "gen/ is not what buf generate produces from proto/ — run \`npm run gen\` and commit:" >&2
  echo "$drift" >&2
  git --no-pager diff --stat -- gen >&2
  exit 1
fi
echo "gen/ is fresh"
