#!/usr/bin/env bash
# What synchronous updates cost on cores whose speed wanders independently, and what a split
# of each global batch by the ranks' measured speeds would win back (issue 12). Predicts,
# from measured traces, before anything is built:
#
#   Two independent 1-rank trainings of the same batches (smoke config, same seed) run at
#   once, pinned to the two cores, each logging every update (train.log_every=1). Paired by
#   update index, they give each core's time for the same work. Then, per update k:
#     equal split:   a 2-rank run waits for the slower core:  max(t0_k, t1_k)
#     speed split:   the batch cut in proportion to speeds measured up to update k - L
#                    (L = 1: planned just before the update; the prefetch thread plans
#                    data.prefetch_batches + 1 ahead), window or moving average
#     oracle:        cut by the very speeds of update k (no wait at all)
#     longer updates: m consecutive updates as one (what a bigger batch would see)
#   each against the two runs' mean time (what independent runs pay).
#
#   bash bench/coupled_noise.sh [--rounds N] [steps]   (default 3 rounds of 400 updates)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
S2S="${S2S_BIN:-build/s2s}"
PY="${S2S_VENV:-$HOME/.cache/s2s/venv}/bin/python"
ROUNDS=3
if [ "${1:-}" = --rounds ]; then ROUNDS="$2"; shift 2; fi
STEPS="${1:-400}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ && "$STEPS" =~ ^[1-9][0-9]*$ && "$STEPS" -gt 100 ]] \
  || { echo "coupled_noise.sh: rounds must be a positive integer and steps > 100" >&2; exit 2; }
[ -x "$S2S" ] || { echo "coupled_noise.sh: no s2s binary at $S2S: run launch/setup.sh first" >&2; exit 2; }
OUT=build/bench-coupled-noise
rm -rf "$OUT" && mkdir -p "$OUT"
"$S2S" prep --sample "$OUT/corpus" --no-progress 2>/dev/null
common=(--config configs/smoke.yaml data.dir="$OUT/corpus" train.max_steps="$STEPS" train.validate_every=0
        train.log_every=1 run.threads=1 run.seed=1 run.log_level=warn)
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r of $ROUNDS" >&2
  taskset -c 0 "$S2S" train "${common[@]}" run.dir="$OUT/r$r/core0" &
  taskset -c 1 "$S2S" train "${common[@]}" run.dir="$OUT/r$r/core1" &
  wait
done

"$PY" - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])

def trace(path):  # (seconds, tokens) per update, the first 50 (warm-up, lr warm-up) left out
    recs = [json.loads(l) for l in open(path) if '"kind":"train"' in l]
    return [(r["seconds"], r["tokens"]) for r in recs[50:]]

def costs(t0, t1, w):
    n = len(w)
    v = [[w[k] / t[k] for k in range(n)] for t in (t0, t1)]  # tokens/s of each core, per update
    independent = statistics.mean([sum(t0), sum(t1)])
    loss = lambda total: 100 * (total / independent - 1)
    def split(lag, estimate):  # each core's share of the 2-core batch, from speeds up to k - lag
        total = 0
        for k in range(n):
            s = [estimate(v[c], k - lag) if k - lag >= 0 else 1.0 for c in (0, 1)]
            total += max(2 * w[k] * s[c] / sum(s) / v[c][k] for c in (0, 1))
        return loss(total)
    window = lambda m: lambda x, j: statistics.mean(x[max(0, j - m + 1):j + 1])
    def ema(a):
        def f(x, j):
            e = x[0]
            for y in x[1:j + 1]: e = a * y + (1 - a) * e
            return e
        return f
    row = {"equal split": loss(sum(max(a, b) for a, b in zip(t0, t1)))}
    for lag in (1, 2, 17):
        row[f"speed split, L={lag}, last"] = split(lag, window(1))
        row[f"speed split, L={lag}, mean of 4"] = split(lag, window(4))
        row[f"speed split, L={lag}, EMA 0.3"] = split(lag, ema(0.3))
    row["oracle split"] = loss(sum(2 * w[k] / (v[0][k] + v[1][k]) for k in range(n)))
    for m in (4, 16):
        K = n // m
        a = [sum(t0[k * m:(k + 1) * m]) for k in range(K)]
        b = [sum(t1[k * m:(k + 1) * m]) for k in range(K)]
        row[f"equal split, updates {m}x as long"] = 100 * (sum(map(max, a, b)) / statistics.mean([sum(a), sum(b)]) - 1)
    return row

rows = []
for r in range(1, rounds + 1):
    a, b = trace(f"{out}/r{r}/core0/metrics.jsonl"), trace(f"{out}/r{r}/core1/metrics.jsonl")
    n = min(len(a), len(b))
    assert n > 50, "too few updates logged"
    assert [x[1] for x in a[:n]] == [x[1] for x in b[:n]], "the two runs did not train the same batches"
    rows.append(costs([x[0] for x in a[:n]], [x[0] for x in b[:n]], [x[1] for x in a[:n]]))
print(f"time lost against two independent runs, % (median, min-max of {rounds} rounds; "
      f"{n} updates each, mean update {statistics.mean(x[0] for x in a):.3f} s)")
for key in rows[0]:
    vals = [row[key] for row in rows]
    print(f"  {key:38s} {statistics.median(vals):6.2f}  ({min(vals):.2f} .. {max(vals):.2f})")
PY
