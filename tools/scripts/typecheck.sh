#!/usr/bin/env bash
# Type-checks every project's sources and tests (Jest strips types without checking them).
set -euo pipefail
cd "$(dirname "$0")/../.."
status=0
for config in apps/*/tsconfig.app.json apps/*/tsconfig.spec.json libs/*/tsconfig.lib.json libs/*/tsconfig.spec.json tools/*/tsconfig.json; do
  [ -f "$config" ] || continue
  npx tsc -p "$config" --noEmit || { echo "type errors in $config"; status=1; }
done
exit "$status"
