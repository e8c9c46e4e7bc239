#!/usr/bin/env bash
# launch/recipes/bible-es-en.sh end to end on six books with a tiny model (Philemon held out
# for validation, 3 John for test): corpus, prep,
# training on one rank with EMA, and the table of the eval stage. Two runs (seeds 1 and 2),
# the second with --ensemble-with the first. Checks
#   1. the second run's table has one row per model, in order: the last checkpoint's EMA
#      weights, its raw weights, the best by validation, the average of the last 3
#      checkpoints (a checkpoint `s2s average` wrote), the ensemble of both seeds; eval.jsonl
#      holds one result per row with BLEU and chrF in [0, 100]
#   2. the rows measure different models: EMA and raw weights, and the ensemble and the
#      single model, give different test losses
#   3. run again, nothing is trained or decoded again (train.max_steps is reached, the
#      checkpoints are the same): every row says "evaluated before" and the table is the same
#   4. refusals: --average with a word, --ensemble-with a folder without a run: one line each,
#      non-zero exit
#
#   tests/launch/bible_recipe_test.sh SOURCE_DIR S2S_BINARY
#
# Installs sword-text-sparv, sword-text-web and diatheke if missing (needs root then).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 SOURCE_DIR S2S_BINARY" >&2; exit 2; }
SRC="$(cd "$1" && pwd)"
S2S="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
fail() { printf '[bible-recipe-test] FAILED: %s\n' "$*" >&2; exit 1; }
WORK="$(mktemp -d /tmp/s2s-bible-recipe-test.XXXXXX)"
cleanup() {
  local rc=$?
  if [ "$rc" = 0 ]; then rm -rf "$WORK"; else echo "[bible-recipe-test] kept $WORK for a look" >&2; fi
}
trap cleanup EXIT

recipe() {  # OUT SEED [recipe options]
  local out="$1" seed="$2"; shift 2
  S2S_BIN="$S2S" bash "$SRC/launch/recipes/bible-es-en.sh" --out "$WORK/$out" --minutes 5 --ranks 1 \
    --books Ruth,Ps,Song,Jonah,Phlm,3John --valid-books Phlm --test-books 3John \
    --vocab-size 600 --beam 2 --average 3 "$@" -- \
    run.seed="$seed" run.threads=1 model.embed_dim=16 model.encoder_hidden=16 model.decoder_hidden=16 \
    model.attention_dim=16 model.readout_dim=16 data.max_tokens=1024 train.max_steps=12 train.warmup_steps=2 \
    train.ema_decay=0.9 train.validate_every=6 train.valid_metric=loss checkpoint.every_steps=3 \
    checkpoint.keep_last=4 checkpoint.every_minutes=0
}
recipe seed1 1 > "$WORK/seed1.log" 2>&1 || { tail -n 30 "$WORK/seed1.log" >&2; fail "the seed 1 run failed"; }
recipe seed2 2 --ensemble-with "$WORK/seed1" > "$WORK/seed2.log" 2>&1 \
  || { tail -n 30 "$WORK/seed2.log" >&2; fail "the seed 2 run failed"; }
[ -f "$WORK/seed2/average-last-3.h5" ] || fail "no averaged checkpoint at $WORK/seed2/average-last-3.h5"

# 1 and 2: the rows and their numbers.
python3 - "$WORK/seed2/eval.jsonl" "$WORK/seed2.log" <<'EOF'
import json, sys
def check(ok, what):
    if not ok:
        print(f"[bible-recipe-test] FAILED: {what}", file=sys.stderr)
        sys.exit(1)
rows = [json.loads(line) for line in open(sys.argv[1])]
want = ["last checkpoint, EMA weights (0.9)", "last checkpoint, raw weights", "best by validation (loss)",
        "average of the last 3 checkpoints (raw weights)", "ensemble with seed1 (last checkpoints)"]
check([r["label"] for r in rows] == want, f"eval.jsonl rows {[r['label'] for r in rows]}, want {want}")
for r in rows:
    check(0 <= r["bleu"] <= 100 and 0 <= r["chrf"] <= 100, f"row {r['label']}: BLEU {r['bleu']} chrF {r['chrf']}")
    check(r["loss"] > 0, f"row {r['label']}: test loss {r['loss']}")
loss = {r["label"]: r["loss"] for r in rows}
check(loss[want[0]] != loss[want[1]], "EMA and raw weights give the same test loss: the EMA row decoded raw weights")
check(loss[want[4]] != loss[want[0]], "the ensemble gives the single model's test loss")
log = open(sys.argv[2]).read()
for label in want:
    check(any(line.startswith(label) for line in log.splitlines()), f"the printed table has no row '{label}'")
EOF

# 3: run again: nothing to train, every row from eval.jsonl.
recipe seed2 2 --ensemble-with "$WORK/seed1" > "$WORK/again.log" 2>&1 \
  || { tail -n 30 "$WORK/again.log" >&2; fail "the second invocation failed"; }
[ "$(grep -c "evaluated before on these checkpoints" "$WORK/again.log")" = 5 ] \
  || { cat "$WORK/again.log" >&2; fail "a second invocation decoded again instead of reusing eval.jsonl"; }
# The same table, but for the training minutes (the second invocation started training and
# found no step to take) and the eval seconds that follow them.
table() { sed -n '/^Spanish -> English/,/^$/p' "$1" | awk 'NF > 2 { NF -= 2 } { print }'; }
diff <(table "$WORK/seed2.log") <(table "$WORK/again.log") || fail "the second invocation printed another table"

# 4: refusals.
for bad in "--average many" "--ensemble-with $WORK/nothing-here"; do
  # shellcheck disable=SC2086
  if S2S_BIN="$S2S" bash "$SRC/launch/recipes/bible-es-en.sh" --out "$WORK/seed1" --minutes 5 $bad \
       > "$WORK/bad.log" 2>&1; then
    fail "bible-es-en.sh $bad succeeded"
  fi
  [ "$(wc -l < "$WORK/bad.log")" = 1 ] && grep -q "^\[bible-es-en\] error: " "$WORK/bad.log" \
    || { cat "$WORK/bad.log" >&2; fail "bible-es-en.sh $bad: want one error line"; }
done
echo "[bible-recipe-test] passed"
