#!/usr/bin/env bash
# What dropout costs a training step, now that its masks are hashes of (seed, update, pair,
# site, layer, position, unit) (model/DropoutMasks.h) instead of torch's generator: `s2s bench`
# on issue 16's two configs with dropout off, with the default model.dropout=0.1, and with every
# dropout key at 0.1, interleaved (off, default, all, off, default, all, ...), REPS times each.
# Prints the median, min and max of each run's median CPU milliseconds per step (CPU time of
# the process: robust to a shared machine, unlike wall time) and the extra over "off".
#
#   bash bench/dropout_cost.sh [REPS]          (env: S2S=build/s2s, THREADS=1)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPS="${1:-3}"
S2S="${S2S:-build/s2s}"
THREADS="${THREADS:-1}"
[ -x "$S2S" ] || { echo "dropout_cost.sh: no s2s binary at $S2S (build first, or set S2S=)" >&2; exit 1; }

declare -A VARIANT=(
  [off]="model.dropout=0"
  [default]="model.dropout=0.1"
  [all]="model.dropout=0.1 model.context_dropout=0.1 model.readout_input_dropout=0.1 model.source_word_dropout=0.1"
)
run() {  # CONFIG VARIANT -> CPU ms per step (median of the run)
  local shape
  case "$1" in
    small) shape="--vocab 64 --src-len 10 --tgt-len 10 --steps 20 --warmup 3 model.embed_dim=128 model.encoder_hidden=256 model.attention_dim=256 model.decoder_hidden=256" ;;
    large) shape="--vocab 8000 --src-len 30 --tgt-len 30 --steps 6 --warmup 2 model.embed_dim=256 model.encoder_hidden=512 model.attention_dim=512 model.decoder_hidden=512" ;;
  esac
  # shellcheck disable=SC2086
  "$S2S" bench --json --batch 64 --fixed-len --threads "$THREADS" --decode-batches 0 $shape \
    model.readout=tanh ${VARIANT[$2]} 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["step_cpu_ms_median"])'
}

for config in small large; do
  declare -A ms=()
  for ((r = 1; r <= REPS; ++r)); do
    for v in off default all; do ms[$v]+="$(run "$config" "$v") "; done
  done
  python3 - "$config" "$(uptime | sed 's/.*load average: //')" "${ms[off]}" "${ms[default]}" "${ms[all]}" <<'EOF'
import statistics, sys
config, load, *runs = sys.argv[1:]
runs = [[float(x) for x in r.split()] for r in runs]
off = statistics.median(runs[0])
for name, r in zip(["off", "default (dropout 0.1)", "all keys 0.1"], runs):
    m = statistics.median(r)
    print(f"| {config} | {name} | {m:.1f} ({min(r):.1f}-{max(r):.1f}) | {m - off:+.1f} ms, {100 * (m - off) / off:+.1f}% | {load} |")
EOF
  unset ms
done
