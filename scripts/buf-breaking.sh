#!/usr/bin/env bash
# buf breaking (FILE rules) of proto/ against the contracts on origin/main (CI clones have it),
# else against the local main branch. A base without buf.yaml (the first landing) has nothing
# to break.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for ref in origin/main main; do
  if git rev-parse -q --verify "$ref^{commit}" >/dev/null; then
    if ! git cat-file -e "$ref:buf.yaml" 2>/dev/null; then
      echo "buf breaking: $ref has no contracts yet; nothing to compare"
      exit 0
    fi
    echo "buf breaking against $ref"
    exec node_modules/.bin/buf breaking --against ".git#branch=$ref"
  fi
done
echo "buf breaking: no main branch to compare against" >&2
exit 1
