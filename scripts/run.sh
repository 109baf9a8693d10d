#!/usr/bin/env bash
# Runs a command with the project's Node 22 first on PATH: scripts/run.sh npm test
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
exec "$@"
