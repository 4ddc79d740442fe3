#!/usr/bin/env bash
# buf breaking (FILE rules) of proto/ against the contracts of a base branch: BUF_BASE_BRANCH
# (a pull request's base, set by the contracts workflow), else main; the remote-tracking ref
# first (CI clones have it), else the local branch. A base without buf.yaml (the first landing)
# has nothing to break.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
base="${BUF_BASE_BRANCH:-main}"
for ref in "origin/$base" "$base"; do
  if git rev-parse -q --verify "$ref^{commit}" >/dev/null; then
    if ! git cat-file -e "$ref:buf.yaml" 2>/dev/null; then
      echo "buf breaking: $ref has no contracts yet; nothing to compare"
      exit 0
    fi
    echo "buf breaking against $ref"
    exec node_modules/.bin/buf breaking --against ".git#branch=$ref"
  fi
done
echo "buf breaking: no $base branch to compare against" >&2
exit 1
