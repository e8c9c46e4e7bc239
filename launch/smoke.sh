#!/usr/bin/env bash
# The main job of README.md: set-up, then a smoke run of s2s on the built-in sample corpus,
# through the same commands a user runs on a cluster.
#
#   bash launch/smoke.sh
#
# 1. writes the sample corpus (`s2s prep --sample`: reverse a symbol sequence while mapping
#    each symbol) to build/smoke/corpus, with 1000 held-out test pairs in test.tsv
# 2. trains configs/smoke.yaml on 2 MPI ranks (launch/mpirun.sh) into build/smoke/run and,
#    once it is past step $S2S_SMOKE_STOP_AT, stops it with SIGUSR1 as a preemption would:
#    the ranks agree on a step, write a checkpoint and exit with code 75
# 3. runs the same command again: it resumes from that checkpoint and finishes
# 4. translates a few held-out sources (`s2s translate`) and prints them beside the references
# 5. evaluates the whole held-out set (`s2s eval`) and fails below 90% exact match
# 6. draws the training curves (`s2s plot curves`) and the attention heatmap of one held-out
#    example (`s2s plot attention`) beside the other outputs
#
# Set-up builds only what this job runs: `s2s` and the libraries it links (launch/test.sh
# builds the rest: tests, benchmarks).
#
# Environment: S2S_SMOKE_RANKS (2), S2S_SMOKE_STOP_AT (600), S2S_BUILD_DIR (build/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/launch/setup.sh" s2s
cd "$ROOT"
S2S="${S2S_BUILD_DIR:-$ROOT/build}/s2s"
OUT=build/smoke
RANKS="${S2S_SMOKE_RANKS:-2}"
STOP_AT="${S2S_SMOKE_STOP_AT:-600}"
MIN_EXACT=90
export S2S_BIN="$S2S"
started=$SECONDS
say() { printf '[smoke] %s\n' "$*"; }
die() { printf '[smoke] FAILED: %s\n' "$*" >&2; exit 1; }

say "1/6 sample corpus -> $OUT/corpus"
"$S2S" prep --sample "$OUT/corpus" --force --no-progress

train=(bash launch/mpirun.sh --ranks-per-node "$RANKS" --
       --config configs/smoke.yaml data.dir="$OUT/corpus" run.dir="$OUT/run")
rm -rf "$OUT/run"
say "2/6 training configs/smoke.yaml on $RANKS ranks -> $OUT/run; stopping it after step $STOP_AT"
"${train[@]}" &
pid=$!
# If this script stops early, the training must not go on without it.
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
# The newest step in metrics.jsonl (a train record every train.log_every updates).
last_step() { { sed -n 's/.*"kind":"train".*"step":\([0-9]*\).*/\1/p' "$OUT/run/metrics.jsonl" 2>/dev/null || true; } | tail -n 1; }
while kill -0 "$pid" 2>/dev/null; do
  step=$(last_step)
  if [ -n "$step" ] && [ "$step" -ge "$STOP_AT" ]; then
    say "step $step reached: sending SIGUSR1 (what Slurm's --signal sends before a time limit)"
    kill -USR1 "$pid"
    break
  fi
  sleep 0.5
done
rc=0
wait "$pid" || rc=$?
trap - EXIT
[ "$rc" = 75 ] || die "the stopped training exited with $rc, expected 75 (checkpoint written, ready to requeue)"
ckpt=$(sed -n 's/.*"file": *"\([^"]*\)".*/\1/p' "$OUT/run/checkpoints/latest.json" 2>/dev/null | head -n 1)
[ -n "$ckpt" ] || die "no $OUT/run/checkpoints/latest.json after the stop"
say "stopped with exit code 75; newest checkpoint: $OUT/run/checkpoints/$ckpt"

say "3/6 the same command again: it resumes from the checkpoint"
"${train[@]}" || die "the resumed training failed (exit $?)"
grep -q "resumed from .*$ckpt" "$OUT/run/train.log" || die "$OUT/run/train.log does not say that training resumed from $ckpt"

say "4/6 translating held-out sources with the trained model (s2s translate)"
head -n 8 "$OUT/corpus/test.tsv" | cut -f 1 > "$OUT/examples.src"
head -n 8 "$OUT/corpus/test.tsv" | cut -f 2 > "$OUT/examples.ref"
"$S2S" translate --checkpoint "$OUT/run" --input "$OUT/examples.src" --output "$OUT/examples.hyp"
paste "$OUT/examples.src" "$OUT/examples.ref" "$OUT/examples.hyp" |
  awk -F '\t' '{ printf "  source     %s\n  reference  %s\n  output     %s  %s\n\n", $1, $2, $3, ($2 == $3 ? "(exact)" : "(differs)") }'

say "5/6 held-out test set ($OUT/corpus/test.tsv)"
"$S2S" eval --checkpoint "$OUT/run" --tsv "$OUT/corpus/test.tsv" --output "$OUT/test.hyp" | tee "$OUT/eval.txt"
exact=$(sed -n 's/^exact match *\([0-9.]*\) %.*/\1/p' "$OUT/eval.txt")
awk -v e="$exact" -v m="$MIN_EXACT" 'BEGIN { exit !(e != "" && e >= m) }' \
  || die "held-out exact match is '${exact}%', below ${MIN_EXACT}%: the model did not learn the task"

say "6/6 pictures: training curves and the attention of held-out example 1"
rm -rf "$OUT/curves.png" "$OUT/attention"
"$S2S" plot curves "$OUT/run" -o "$OUT/curves.png" || die "s2s plot curves failed (exit $?)"
"$S2S" plot attention --checkpoint "$OUT/run" --input "$OUT/examples.src" --lines 1 -o "$OUT/attention" \
  || die "s2s plot attention failed (exit $?)"
for png in "$OUT/curves.png" "$OUT/attention/attention-1.png"; do
  [ -s "$png" ] || die "$png was not written"
done

say "held-out exact match ${exact}% (>= ${MIN_EXACT}%) in $((SECONDS - started)) s"
say "corpus:   $ROOT/$OUT/corpus (s2s inspect $OUT/corpus)"
say "run:      $ROOT/$OUT/run (config.yaml, train.log, metrics.jsonl, checkpoints/; s2s inspect $OUT/run)"
say "outputs:  $ROOT/$OUT/test.hyp (the test set translated), $ROOT/$OUT/eval.txt"
say "pictures: $ROOT/$OUT/curves.png (training curves), $ROOT/$OUT/attention/attention-1.png (attention of $OUT/examples.src line 1)"
