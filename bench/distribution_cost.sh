#!/usr/bin/env bash
# The cost of distribution (issue 4's benchmark). The two cores of these machines share
# their vector units, so a raw 2-rank speed-up says little about the trainer. Instead:
#
#   A. 2 ranks of data-parallel training (mpirun -np 2 s2s train), and
#   B. 2 independent 1-rank trainings run at the same time, with the same per-rank batch
#      and threads (what perfect scaling would give on this hardware),
#   B'. the same, each on a corpus the size of one rank's share of A's,
#
# and report A's tokens/s as a share of B's combined tokens/s (goal: >= 95%).
#
#   bash bench/distribution_cost.sh [steps]      (after launch/setup.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
S2S=build/s2s
PY="${S2S_VENV:-$HOME/.cache/s2s/venv}/bin/python"
STEPS="${1:-300}"
shift || true   # further arguments: config overrides for every run, e.g. train.overlap_allreduce=false
OUT=build/bench-distribution
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rm -rf "$OUT" && mkdir -p "$OUT"
"$S2S" prep --sample "$OUT/corpus" --no-progress 2>/dev/null
# For B': corpora the size of one rank's share of A's (14000 training pairs each).
"$S2S" prep --sample --sample-pairs 16000 --seed 11 "$OUT/half0" --no-progress 2>/dev/null
"$S2S" prep --sample --sample-pairs 16000 --seed 12 "$OUT/half1" --no-progress 2>/dev/null
common=(--config configs/smoke.yaml data.dir="$OUT/corpus" train.max_steps="$STEPS"
        train.validate_every=0 train.log_every=50 run.threads=1 run.log_level=warn "$@")

# A: data-parallel, 2 ranks. Each rank's batch is max_tokens, as in B.
mpirun -np 2 --bind-to core "$S2S" train "${common[@]}" run.dir="$OUT/dp"
# B: two independent single-rank trainings at once, each pinned to its own core.
taskset -c 0 "$S2S" train "${common[@]}" run.dir="$OUT/solo0" run.seed=1 &
taskset -c 1 "$S2S" train "${common[@]}" run.dir="$OUT/solo1" run.seed=2 &
wait
# B': the same, each on a corpus the size of one rank's share in A. Packing a token budget
# from half the pairs leaves more part-full batches (the last of each length bucket), so B
# on the whole corpus does more useful tokens per step than any rank of A can: B' separates
# that effect of the corpus size from the cost of distribution.
taskset -c 0 "$S2S" train "${common[@]}" data.dir="$OUT/half0" run.dir="$OUT/half_solo0" run.seed=1 &
taskset -c 1 "$S2S" train "${common[@]}" data.dir="$OUT/half1" run.dir="$OUT/half_solo1" run.seed=2 &
wait

"$PY" - "$OUT" <<'PY'
import json, sys, statistics
out = sys.argv[1]
def rate(run):  # tokens/s over the records after the first (start-up excluded)
    recs = [json.loads(l) for l in open(f"{out}/{run}/metrics.jsonl") if '"kind":"train"' in l]
    recs = recs[1:] or recs
    return sum(r["tokens"] for r in recs) / sum(r["seconds"] for r in recs), recs
dp, recs = rate("dp")
solo = rate("solo0")[0] + rate("solo1")[0]
half = rate("half_solo0")[0] + rate("half_solo1")[0]
comm = statistics.mean(r["comm_share"] for r in recs)
wait = statistics.mean(r["rank_wait_share"] for r in recs)
print("| run | tokens/s |")
print("|---|---:|")
print(f"| A: 2 ranks data-parallel | {dp:,.0f} |")
print(f"| B: 2 independent 1-rank runs, combined | {solo:,.0f} |")
print(f"| B': the same on corpora of one rank's share each, combined | {half:,.0f} |")
print(f"| A / B | {100 * dp / solo:.1f}% |")
print(f"| A / B' | {100 * dp / half:.1f}% |")
print(f"\nshare of A's step time waiting for communication: {100 * comm:.1f}%,")
print(f"of which waiting for the slowest rank: {100 * wait:.1f}%")
PY
