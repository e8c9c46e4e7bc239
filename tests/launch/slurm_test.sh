#!/usr/bin/env bash
# The Slurm template with a real Slurm: starts a one-node cluster on localhost
# (launch/testing/slurm-local.sh), submits launch/slurm/s2s.sbatch itself (its CHANGE ME
# values given at submission, as a user may) with 2 tasks, and checks that
#   1. a short job trains and checkpoints (metrics.jsonl, `s2s inspect` lists the step);
#   2. a longer job, signalled as `--signal=B:USR1@N` would do it (USR1 to the batch shell:
#      `scancel --batch --signal=USR1`), checkpoints, exits 75, is requeued by the script,
#      resumes from that checkpoint (step > 0) and finishes at its step budget.
#
#   tests/launch/slurm_test.sh SOURCE_DIR S2S_BINARY srun|mpirun
#
# Needs root (the daemons); installs slurm-wlm and munge if missing. Tears everything down,
# pass or fail; on failure the scratch directory (logs, slurm.conf) is kept and named.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 SOURCE_DIR S2S_BINARY srun|mpirun" >&2; exit 2; }
SRC="$(cd "$1" && pwd)"
S2S="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
LAUNCHER="$3"
say() { printf '[slurm-test %s %s] %s\n' "$LAUNCHER" "$(date +%H:%M:%S)" "$*" >&2; }
fail() { printf '[slurm-test %s] FAILED: %s\n' "$LAUNCHER" "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root to run slurmctld, slurmd and munged (CI runs as root)"
[ -x "$S2S" ] || fail "no s2s binary at $S2S: build first"

WORK="$(mktemp -d /tmp/s2s-slurm-test.XXXXXX)"
cleanup() {
  local rc=$?
  bash "$SRC/launch/testing/slurm-local.sh" down "$WORK/slurm" || true
  if [ "$rc" = 0 ]; then
    rm -rf "$WORK"
  else
    for f in "$WORK"/*.out "$WORK/slurm/log/slurmctld.log" "$WORK/slurm/log/slurmd.log"; do
      [ -f "$f" ] && { echo "---- tail of $f" >&2; tail -n 25 "$f" >&2; }
    done
    echo "[slurm-test] kept $WORK for a look" >&2
  fi
}
trap cleanup EXIT

S2S_SLURM_OWNER_PID=$$ bash "$SRC/launch/testing/slurm-local.sh" up "$WORK/slurm"
# shellcheck disable=SC1091
. "$WORK/slurm/env.sh"
"$S2S" prep --sample "$WORK/corpus" --no-progress >/dev/null 2>&1 || fail "s2s prep --sample failed"

# A model small enough that a step takes a few tens of ms on one core.
SMALL="data.dir=$WORK/corpus model.embed_dim=16 model.encoder_hidden=16 model.decoder_hidden=16"
SMALL+=" model.attention_dim=16 model.readout_dim=16 data.max_tokens=512 run.threads=1"

# submit NAME MAX_STEPS: the project's template, its CHANGE ME values overridden here.
submit() {
  local name="$1" steps="$2"
  sbatch --parsable --job-name="$name" --nodes=1 --ntasks-per-node=2 --gpus-per-node=0 \
    --cpus-per-task=1 --time=15 --output="$WORK/$name.out" \
    --export="ALL,LAUNCHER=$LAUNCHER,S2S_ROOT=$SRC,S2S_BIN=$S2S,S2S_CONFIG=$SRC/configs/smoke.yaml,S2S_RUN_DIR=$WORK/$name,S2S_OVERRIDES=$SMALL train.max_steps=$steps train.log_every=10 train.validate_every=0" \
    "$SRC/launch/slurm/s2s.sbatch" || fail "sbatch refused launch/slurm/s2s.sbatch"
}
field() { scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# wait_for SECONDS WHAT COMMAND...: polls COMMAND every second until it succeeds.
wait_for() {
  local secs="$1" what="$2"
  shift 2
  for _ in $(seq 1 "$secs"); do "$@" && return 0; sleep 1; done
  fail "waited $secs s for $what"
}
restarted_once() { [ "$(field "$1" Restarts)" = 1 ]; }
state_is() { [ "$(field "$1" JobState)" = "$2" ]; }
ended() { case "$(field "$1" JobState)" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) return 0 ;; esac; return 1; }
latest_step() { "$S2S" inspect "$1" 2>/dev/null | awk '$(NF-1) == "yes" && $NF == "ok" { print $1 }'; }

# ---- 1. a short job trains and checkpoints ----------------------------------------------------
t0=$SECONDS
job="$(submit short 20)"
say "job $job (short, 20 steps) submitted"
wait_for 120 "job $job to end" ended "$job"
state_is "$job" COMPLETED || fail "job $job ended $(field "$job" JobState) (exit $(field "$job" ExitCode)), not COMPLETED"
grep -q '"kind":"train"' "$WORK/short/metrics.jsonl" 2>/dev/null || fail "no training records in $WORK/short/metrics.jsonl"
[ "$(latest_step "$WORK/short")" = 20 ] || fail "s2s inspect $WORK/short does not list a valid latest checkpoint at step 20"
say "job $job trained 20 steps and checkpointed ($((SECONDS - t0)) s)"

# ---- 2. preempted, requeued, resumed, finished ----------------------------------------------
t0=$SECONDS
job="$(submit long 400)"
say "job $job (long, 400 steps) submitted"
# Preempt early (step 20 of 400, polled every 0.2 s): on an idle machine a step takes ~25 ms.
for _ in $(seq 1 600); do grep -qs '\] step 20 ' "$WORK/long.out" && break; sleep 0.2; done
grep -qs '\] step 20 ' "$WORK/long.out" || fail "job $job did not reach step 20 in 120 s"
# What --signal=B:USR1@N does at N seconds before the limit: USR1 to the batch shell only.
scancel --batch --signal=USR1 "$job" || fail "scancel --batch --signal=USR1 $job failed"
say "job $job: USR1 sent to its batch shell"
wait_for 60 "job $job to be requeued" restarted_once "$job"
# The local cluster lets a requeued job start again 10 s later (cred_expire=10; default 120).
wait_for 240 "requeued job $job to end" ended "$job"
state_is "$job" COMPLETED || fail "requeued job $job ended $(field "$job" JobState) (exit $(field "$job" ExitCode))"

out="$WORK/long.out"
grep -q "stop requested by a signal" "$out" || fail "no rank logged the stop signal in $out"
grep -q "checkpointed and stopped (exit 75): requeueing job $job" "$out" \
  || fail "the batch script did not see exit 75 and requeue (see $out)"
grep -q "job $job (restart 1)" "$out" || fail "no second run (restart 1) of job $job in $out"
resumed="$(sed -n 's/.*\[ckpt\] resumed from .*: step \([0-9]*\),.*/\1/p' "$out" | head -n 1)"
[ -n "$resumed" ] && ((resumed > 0)) || fail "the requeued run did not resume from a checkpoint (no 'resumed from ...: step N>0' in $out)"
((resumed < 400)) || fail "resumed at step $resumed: the preemption came after the end"
grep -q "done after 400 updates (max_steps)" "$out" || fail "the requeued run did not finish at step 400"
[ "$(latest_step "$WORK/long")" = 400 ] || fail "s2s inspect $WORK/long: latest checkpoint is not step 400"
say "job $job: checkpoint at step $resumed and exit 75, requeued, resumed from it, finished 400 ($((SECONDS - t0)) s)"
echo "[slurm-test $LAUNCHER] passed"
