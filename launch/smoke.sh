#!/usr/bin/env bash
# The main job of README.md: set-up, then a smoke run of s2s on the built-in sample corpus.
#
#   bash launch/smoke.sh
#
# 1. writes the sample corpus (`s2s prep --sample`) to build/smoke/corpus
# 2. trains configs/smoke.yaml on 2 MPI ranks (`mpirun -np 2 s2s train`) into build/smoke/run
# 3. prints the validation loss it reached and where everything went
#
# Still to come (see the issues): stop and resume from a checkpoint, translate held-out
# examples, exact-match accuracy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/launch/setup.sh"
cd "$ROOT"
S2S="${S2S_BUILD_DIR:-$ROOT/build}/s2s"
OUT=build/smoke
RANKS="${S2S_SMOKE_RANKS:-2}"
if [ "$(id -u)" = 0 ]; then  # Open MPI refuses root unless told twice
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

echo "[smoke] 1/2 sample corpus -> $OUT/corpus"
"$S2S" prep --sample "$OUT/corpus" --force --no-progress

echo "[smoke] 2/2 training configs/smoke.yaml on $RANKS ranks -> $OUT/run"
rm -rf "$OUT/run"
mpirun -np "$RANKS" --oversubscribe "$S2S" train --config configs/smoke.yaml \
  data.dir="$OUT/corpus" run.dir="$OUT/run"

valid=$(grep '"kind":"valid"' "$OUT/run/metrics.jsonl" | tail -n 1)
loss=$(printf '%s' "$valid" | sed -n 's/.*"loss":\([0-9.eE+-]*\).*/\1/p')
echo "[smoke] last validation record: $valid"
# The sample task is easy for attention: a model that learned it is far below 1 nat/token
# (chance is ln 24 = 3.2).
awk -v l="$loss" 'BEGIN { exit !(l != "" && l < 1.0) }' \
  || { echo "[smoke] FAILED: validation loss '$loss' is not below 1.0: the model did not learn" >&2; exit 1; }
echo "[smoke] corpus:   $ROOT/$OUT/corpus (s2s inspect $OUT/corpus)"
echo "[smoke] run:      $ROOT/$OUT/run (config.yaml, train.log, metrics.jsonl)"
