#!/usr/bin/env bash
# Every test of the workspace, against real RabbitMQ and Postgres: `npm test`.
# Starts the services if they are down (see ensure-services.sh), then runs lint, unit,
# integration and end-to-end tests and the builds, and checks the packed @sensors/enrichment
# and the module boundaries.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_NO_CLOUD=true NX_DAEMON=false

eval "$(bash tools/scripts/ensure-services.sh)"

npx nx run-many -t lint test build --output-style=static
node tools/scripts/check-boundaries.mjs
node tools/scripts/check-enrichment-package.mjs
