#!/usr/bin/env bash
# The test command: set-up (installs and builds what is missing), then every test through
# ctest. This is what README.md tells a new user to run and what .ci/run runs.
#
#   bash launch/test.sh [ctest arguments, e.g. -R Config]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/launch/setup.sh"
cd "${S2S_BUILD_DIR:-$ROOT/build}"
# Two jobs: the machines have two cores and every test keeps to one thread.
exec ctest --output-on-failure --timeout 900 -j "${S2S_TEST_JOBS:-2}" "$@"
