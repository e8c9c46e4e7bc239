#!/usr/bin/env bash
# What a config in configs/ costs on this machine: training speed (target tokens/s, all
# ranks, as `s2s train` reports it) and peak memory (the largest rank's resident set, from
# /usr/bin/time -v), measured over a few updates on a synthetic corpus whose vocabulary has
# the size the config is meant for. The header comments of configs/*.yaml quote its output.
#
#   bash bench/config_cost.sh CONFIG VOCAB [STEPS [RANKS [section.key=value ...]]]
#   bash bench/config_cost.sh configs/cpu-small.yaml 8000 40 2
#
# The corpus: 40000 pairs of 10-45 words (mean ~28, about a news sentence), drawn uniformly
# from VOCAB - 4 words per side (so every word is in the vocabulary), target = the source
# reversed and mapped word by word; prepared with the space tokenizer. Speed depends on the
# vocabulary size and the lengths, not on which words, so this stands in for a real corpus
# prepared with --vocab-size VOCAB. Runs on RANKS ranks (launch/mpirun.sh, one thread each
# when RANKS equals the cores) with no validation, so the numbers are training alone.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONFIG="${1:?usage: config_cost.sh CONFIG VOCAB [STEPS [RANKS [overrides]]]}"
VOCAB="${2:?usage: config_cost.sh CONFIG VOCAB [STEPS [RANKS [overrides]]]}"
STEPS="${3:-30}"
RANKS="${4:-2}"
shift $(($# < 4 ? $# : 4))
S2S="${S2S_BUILD_DIR:-$ROOT/build}/s2s"
OUT=build/bench-config-cost
name="$(basename "$CONFIG" .yaml)"
corpus="$OUT/corpus-$VOCAB"
mkdir -p "$OUT"

if [ ! -f "$corpus/manifest.json" ]; then
  python3 - "$VOCAB" > "$OUT/pairs-$VOCAB.tsv" <<'PY'
import random, sys
words = int(sys.argv[1]) - 4            # <pad> <unk> <s> </s> take the other four
rng = random.Random(1)
mapping = list(range(words))
rng.shuffle(mapping)
for _ in range(40000):
    src = [rng.randrange(words) for _ in range(rng.randint(10, 45))]
    tgt = [mapping[w] for w in reversed(src)]
    print(" ".join(f"s{w}" for w in src) + "\t" + " ".join(f"t{w}" for w in tgt))
PY
  "$S2S" prep --tsv "$OUT/pairs-$VOCAB.tsv" --tokenizer space --max-vocab "$VOCAB" --valid-count 200 \
    --test-count 0 --no-progress --force "$corpus" >/dev/null
fi

run="$OUT/run-$name"
rm -rf "$run"
log_every=$((STEPS / 3 > 0 ? STEPS / 3 : 1))
/usr/bin/time -v -o "$OUT/time-$name.txt" \
  bash launch/mpirun.sh --ranks-per-node "$RANKS" -- --config "$CONFIG" data.dir="$corpus" run.dir="$run" \
    train.max_steps="$STEPS" train.max_epochs=0 train.max_minutes=0 train.log_every="$log_every" \
    train.validate_every=0 checkpoint.every_steps=0 checkpoint.every_minutes=0 run.log_level=warn "$@" \
  > "$OUT/train-$name.log" 2>&1 || { tail -n 20 "$OUT/train-$name.log" >&2; exit 1; }

python3 - "$run/metrics.jsonl" "$OUT/time-$name.txt" "$CONFIG" "$VOCAB" "$RANKS" <<'PY'
import json, sys
metrics, timing, config, vocab, ranks = sys.argv[1:]
recs = [json.loads(l) for l in open(metrics) if '"kind":"train"' in l]
rates = [r["tokens_per_s"] for r in recs]
later = rates[1:] or rates                 # the first record carries the start-up
rss_kb = next(int(l.split(":")[1]) for l in open(timing) if "Maximum resident set size" in l)
print(f"{config}: vocab {vocab}, {ranks} rank(s), {recs[-1]['step']} updates: "
      f"{min(later):,.0f}-{max(later):,.0f} target tokens/s (records after the first; all: "
      f"{', '.join(f'{r:,.0f}' for r in rates)}), peak RSS {rss_kb / 1024 / 1024:.2f} GiB per rank")
PY
