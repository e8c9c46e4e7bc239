#!/usr/bin/env bash
# s2s bench beside the eager-PyTorch reference (bench/torch_reference.py), interleaved
# A B A B on the two configs of issue 16, same model, batches and threads; prints the median,
# min and max over the runs of each side's median target tokens/s, and their ratio; the
# same for target tokens per CPU-second of the process (tokens of a step / its median CPU
# time), which a shared machine disturbs less than wall time (one thread: a run waiting for
# a core shows wall time above its CPU time).
#
#   bash bench/side_by_side.sh [REPS] [-- extra s2s bench overrides, e.g. model.cell=lstm]
#
# s2s tells MKL to pick its kernels by CPU features (core/MklFeatureDispatch.h), which
# PyTorch does not: on a non-Intel CPU with AVX-512 its products run MKL's generic code. The
# reference runs both ways: as a user runs it (row torch, the issue's comparison), and with
# the same MKL answer through LD_PRELOAD of build/bench/libs2s_mkl_feature_dispatch.so (row
# torch-mklf: what s2s's own code buys, the products being equally fast on both sides).
#
# Environment: S2S (default build/s2s), PYTHON (default ~/.cache/s2s/venv/bin/python, the
# torch wheel s2s links), THREADS (1), CONFIGS ("small large"), STEPS_SMALL/STEPS_LARGE,
# MKLF (path of that library; MKLF= leaves row torch-mklf out).
# One line per run goes to stderr as it finishes; the summary table to stdout. The machine's
# load average (1 min) before and after is printed: on a shared machine say it with the numbers.
set -euo pipefail

cd "$(dirname "$0")/.."
REPS=${1:-3}
shift || true
[[ "${1:-}" == "--" ]] && shift
EXTRA=("$@")
S2S=${S2S:-build/s2s}
PYTHON=${PYTHON:-$HOME/.cache/s2s/venv/bin/python}
THREADS=${THREADS:-1}
CONFIGS=${CONFIGS:-small large}
MKLF=${MKLF-$(dirname "$S2S")/bench/libs2s_mkl_feature_dispatch.so}

[[ -x "$S2S" ]] || { echo "side_by_side.sh: $S2S is not built: run ninja -C build s2s (or set S2S=)" >&2; exit 2; }
[[ -x "$PYTHON" ]] || { echo "side_by_side.sh: no python at $PYTHON: set PYTHON= to the venv's interpreter" >&2; exit 2; }
[[ -z "$MKLF" || -f "$MKLF" ]] || { echo "side_by_side.sh: no $MKLF: run ninja -C build s2s_mkl_feature_dispatch (or set MKLF= to leave it out)" >&2; exit 2; }
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || { echo "side_by_side.sh: REPS is '$REPS': give a positive count" >&2; exit 2; }

# The shapes: the issue's numbers fit a decoder as wide as the encoder and a tanh readout
# (bench/torch_reference.py's header); fixed lengths, batch 64.
shape() {  # name -> "V E H A S T steps warmup"
  case "$1" in
    small) echo "64 128 256 256 10 10 ${STEPS_SMALL:-20} 3" ;;
    large) echo "8000 256 512 512 30 30 ${STEPS_LARGE:-6} 2" ;;
    *) echo "side_by_side.sh: unknown config '$1' (small, large)" >&2; exit 2 ;;
  esac
}

run_s2s() {  # V E H A S T steps warmup -> JSON
  "$S2S" bench --json --vocab "$1" --batch 64 --src-len "$5" --tgt-len "$6" --fixed-len \
    --threads "$THREADS" --steps "$7" --warmup "$8" --decode-batches 0 \
    model.embed_dim="$2" model.encoder_hidden="$3" model.attention_dim="$4" \
    model.decoder_hidden="$3" model.readout=tanh "${EXTRA[@]}"
}

run_torch() {
  "$PYTHON" bench/torch_reference.py --json --vocab "$1" --embed "$2" --hidden "$3" \
    --attention "$4" --decoder-hidden "$3" --readout tanh --batch 64 --src-len "$5" \
    --tgt-len "$6" --fixed-len --threads "$THREADS" --steps "$7" --warmup "$8"
}

stats() {  # numbers on stdin -> "median min max" (upper median, as bench/BenchTiming.h)
  sort -g | awk '{v[NR]=$1} END {printf "%.0f %.0f %.0f", v[int(NR/2)+1], v[1], v[NR]}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }

load() { cut -d' ' -f1 /proc/loadavg; }

echo "load average before: $(load); $(nproc) cores; threads $THREADS; $REPS runs of each side" >&2
printf '%-6s %-9s %10s %10s %10s %12s %10s %10s %8s %8s\n' config side tok/s min max cpu-tok/s min max mfu mfu-cpu
for config in $CONFIGS; do
  read -r -a s <<<"$(shape "$config")"
  a=() b=() ac=() bc=() f=() fc=() mfu=()
  tokens=$((64 * s[5]))  # fixed lengths: B * T target tokens every step
  for ((i = 1; i <= REPS; ++i)); do
    ja=$(run_s2s "${s[@]}")
    jb=$(run_torch "${s[@]}")
    if [[ -n "$MKLF" ]]; then
      jf=$(LD_PRELOAD="$MKLF" run_torch "${s[@]}")
      f+=("$(jq -r .train_tokens_per_s <<<"$jf")")
      fc+=("$(jq -r --argjson n "$tokens" '$n / .step_cpu_ms_median * 1000' <<<"$jf")")
    fi
    a+=("$(jq -r .train_tokens_per_s <<<"$ja")")
    b+=("$(jq -r .train_tokens_per_s <<<"$jb")")
    mfu+=("$(jq -r '"\(.mfu) \(.mfu_cpu_time)"' <<<"$ja")")
    ac+=("$(jq -r --argjson n "$tokens" '$n / .step_cpu_ms_median * 1000' <<<"$ja")")
    bc+=("$(jq -r --argjson n "$tokens" '$n / .step_cpu_ms_median * 1000' <<<"$jb")")
    printf '%s run %d: s2s %.0f tok/s (%.0f per CPU-s, mfu %s), torch %.0f tok/s (%.0f per CPU-s)%s, load %s\n' \
      "$config" "$i" "${a[-1]}" "${ac[-1]}" "${mfu[-1]% *}" "${b[-1]}" "${bc[-1]}" \
      "${MKLF:+, torch-mklf $(printf '%.0f tok/s (%.0f per CPU-s)' "${f[-1]}" "${fc[-1]}")}" "$(load)" >&2
  done
  read -r am amin amax <<<"$(printf '%s\n' "${a[@]}" | stats)"
  read -r bm bmin bmax <<<"$(printf '%s\n' "${b[@]}" | stats)"
  read -r acm acmin acmax <<<"$(printf '%s\n' "${ac[@]}" | stats)"
  read -r bcm bcmin bcmax <<<"$(printf '%s\n' "${bc[@]}" | stats)"
  mm=$(printf '%s\n' "${mfu[@]}" | cut -d' ' -f1 | sort -g | awk '{v[NR]=$1} END {print v[int(NR/2)+1]}')
  mc=$(printf '%s\n' "${mfu[@]}" | cut -d' ' -f2 | sort -g | awk '{v[NR]=$1} END {print v[int(NR/2)+1]}')
  printf '%-6s %-9s %10s %10s %10s %12s %10s %10s %8.3f %8.3f\n' "$config" s2s "$am" "$amin" "$amax" "$acm" "$acmin" "$acmax" "$mm" "$mc"
  printf '%-6s %-9s %10s %10s %10s %12s %10s %10s %8s %8s\n' "$config" torch "$bm" "$bmin" "$bmax" "$bcm" "$bcmin" "$bcmax" - -
  printf '%-6s %-9s %10s %10s %10s %12s\n' "$config" s2s/torch "$(ratio "$am" "$bm")" "" "" "$(ratio "$acm" "$bcm")"
  if [[ -n "$MKLF" ]]; then
    read -r fm fmin fmax <<<"$(printf '%s\n' "${f[@]}" | stats)"
    read -r fcm fcmin fcmax <<<"$(printf '%s\n' "${fc[@]}" | stats)"
    printf '%-6s %-9s %10s %10s %10s %12s %10s %10s %8s %8s\n' "$config" torch-mklf "$fm" "$fmin" "$fmax" "$fcm" "$fcmin" "$fcmax" - -
    printf '%-6s %-9s %10s %10s %10s %12s\n' "$config" s2s/mklf "$(ratio "$am" "$fm")" "" "" "$(ratio "$acm" "$fcm")"
  fi
done
echo "load average after: $(load)" >&2
