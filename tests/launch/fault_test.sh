#!/usr/bin/env bash
# Faults a training run meets, tried on 2 MPI ranks on this machine (issue 11). Each case
# must end with one clear line, a non-zero exit, no stack trace, and leave a run directory
# that the next `s2s train` resumes from:
#   kill-rank0-in-checkpoint  SIGKILL of rank 0 at 20 random moments of its checkpoint writes
#   kill-rank1                SIGKILL of rank 1 mid-run
#   stop-rank1                SIGSTOP of rank 1: the collective watchdog ends the job (exit 70)
#   full-disk                 the run directory on a tmpfs too small for a second checkpoint (root)
#   deleted-shard             a corpus shard deleted mid-run
#   corrupt-latest            the latest checkpoint damaged on disk
# Prints one "RESULT <case> | what happened | survived" line per case (README.md's table).
#
#   tests/launch/fault_test.sh S2S_BINARY MPIEXEC WORK_DIR [CASE...]
set -uo pipefail

[ $# -ge 3 ] || { echo "usage: $0 S2S_BINARY MPIEXEC WORK_DIR [CASE...]" >&2; exit 2; }
S2S="$1"
MPIEXEC="$2"
WORK="$3"
shift 3
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(kill-rank0-in-checkpoint kill-rank1 stop-rank1 full-disk deleted-shard corrupt-latest)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
say() { printf '[fault-test %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
FAILED=0
fail() { printf '[fault-test] FAILED: %s\n' "$*" >&2; FAILED=1; }
result() { printf 'RESULT %s | %s | %s\n' "$1" "$2" "$3"; }

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1
"$S2S" prep --sample --sample-pairs 3000 --valid-count 40 --test-count 10 --no-progress corpus >/dev/null 2>&1 \
  || { echo "s2s prep failed" >&2; exit 1; }

# A small model that still takes a while to checkpoint (16 MB with Adam's moments), small
# batches so that an update takes about as long, a checkpoint every update.
TRAIN="train data.dir=corpus model.embed_dim=64 model.encoder_hidden=256 model.decoder_hidden=256
 model.attention_dim=64 model.readout_dim=64 run.threads=1 data.max_tokens=200 train.max_epochs=0
 train.log_every=1 train.validate_every=0 checkpoint.every_steps=1 checkpoint.keep_last=2"
# shellcheck disable=SC2086
job() {  # job RUN_DIR LOG EXTRA...: 2 ranks in the background; sets JOB
  local run="$1" log="$2"
  shift 2
  timeout 300 "$MPIEXEC" -np 2 --oversubscribe "$S2S" $TRAIN run.dir="$run" "$@" >"$log.out" 2>"$log" &
  JOB=$!
}
rank_pid() {  # rank_pid RANK RUN_DIR: the pid of that rank of the job on RUN_DIR
  local p
  for p in $(pgrep -f "s2s train .*run.dir=$2( |$)"); do
    tr '\0' '\n' </proc/"$p"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" && { echo "$p"; return; }
  done
}
wait_for() {  # wait_for SECONDS COMMAND...: polls every 0.05 s
  local end=$((SECONDS + $1))
  shift
  until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 0.05; done
}
updates() { local n; n=$(grep -c '"kind":"train"' "$1/metrics.jsonl" 2>/dev/null); echo "${n:-0}"; }
logged_updates() { [ "$(updates "$1")" -ge "$2" ]; }
no_trace() {  # no_trace LOG: no stack trace, no crash report
  ! grep -qE 'Segmentation fault|received signal|Backtrace|\[ *[0-9]+\] .*\.so|terminate called|core dumped' "$1"
}
# The next `s2s train` on RUN_DIR resumes from a valid checkpoint (no fallback) and trains on.
resumes() {  # resumes RUN_DIR STEPS
  local run="$1" log="$WORK/$(basename "$1")-resume.err"
  timeout 300 "$MPIEXEC" -np 2 --oversubscribe "$S2S" $TRAIN run.dir="$run" train.max_steps="$2" \
    >/dev/null 2>"$log" || { fail "the next train on $run failed: $(grep 's2s: error' "$log")"; return 1; }
  grep -q "resumed from $run/checkpoints/ckpt-" "$log" || { fail "the next train on $run did not resume"; return 1; }
  ! grep -q "falling back" "$log" || { fail "the next train on $run fell back: $(grep 'falling back' "$log")"; return 1; }
  grep -q "done after $2 updates" "$log" || { fail "the next train on $run did not reach step $2"; return 1; }
}
unlisted() {  # unlisted CHECKPOINT_DIR: how many ckpt-*.h5 files manifest.json does not list
  python3 - "$1" <<'PY'
import json, os, sys
d = sys.argv[1]
m = os.path.join(d, "manifest.json")
listed = {e["file"] for e in json.load(open(m))["checkpoints"]} if os.path.exists(m) else set()
print(sum(1 for f in os.listdir(d) if f.startswith("ckpt-") and f.endswith(".h5") and f not in listed))
PY
}
# What a killed write left in CHECKPOINT_DIR (UNLISTED_BEFORE: unlisted files before the round):
# the point of the protocol it was killed in.
left_behind() {
  if compgen -G "$1/ckpt-*.h5.tmp-*" >/dev/null; then echo "in the checkpoint file"
  elif compgen -G "$1/*.json.tmp-*" >/dev/null; then echo "in manifest/latest"
  elif [ "$(unlisted "$1")" -gt "$2" ]; then echo "after the rename or in retention (a new unlisted file)"
  else echo "between files or while building the image in memory"
  fi
}
one_line() { grep -m1 -E "$2" "$1" | sed 's/^\[[0-9:]*\] //' | cut -c1-160; }

case_kill_rank0_in_checkpoint() {
  # Each round resumes the run of the one before and is killed at a random moment of one of
  # rank 0's checkpoint writes: once a temporary of a write appears (the file, then the
  # manifest and latest.json follow), after a random 0-400 ms. A round must resume from a
  # checkpoint that loads, never fall back to an older one.
  local run="$WORK/kill0" round step_before=0 resumed=0
  local -A seen=()
  for round in $(seq 1 20); do
    job "$run" "$WORK/kill0-$round.err" train.max_steps=100000
    local job=$JOB
    wait_for 60 logged_updates "$run" $((step_before + 1)) || { fail "round $round: no update logged"; kill -KILL $job; break; }
    wait_for 20 compgen -G "$run/checkpoints/*.tmp-*" >/dev/null
    sleep "0.$(printf '%03d' $((RANDOM % 400)))"
    local victim before
    before=$(unlisted "$run/checkpoints")
    victim=$(rank_pid 0 "$run")
    kill -KILL "$victim" 2>/dev/null
    wait $job
    local code=$?
    local left
    left=$(left_behind "$run/checkpoints" "$before")
    seen[$left]=$(( ${seen[$left]:-0} + 1 ))
    [ "$code" -ne 0 ] || fail "round $round: the job exited 0 after its rank 0 was killed"
    no_trace "$WORK/kill0-$round.err" || fail "round $round: a stack trace"
    if [ "$round" -gt 1 ]; then
      grep -q "resumed from $run/checkpoints/ckpt-" "$WORK/kill0-$round.err" && resumed=$((resumed + 1))
      ! grep -q "falling back" "$WORK/kill0-$round.err" || fail "round $round fell back: $(grep 'falling back' "$WORK/kill0-$round.err")"
    fi
    step_before=$(updates "$run")
  done
  local kinds="" k
  for k in "${!seen[@]}"; do kinds+="${kinds:+, }${seen[$k]} $k"; done
  say "kill-rank0-in-checkpoint: 20 kills ($kinds), $resumed of 19 rounds resumed"
  [ "$resumed" -eq 19 ] || fail "only $resumed of 19 rounds resumed from a checkpoint"
  local target=$(( $(python3 -c "import json;print(json.load(open('$run/checkpoints/latest.json'))['step'])") + 2 ))
  resumes "$run" "$target" && result kill-rank0-in-checkpoint \
    "20 SIGKILLs of rank 0 at random moments of its checkpoint writes; what each left: $kinds; every next run resumed from latest.json's checkpoint, none fell back, none unloadable" \
    "yes"
}

case_kill_rank1() {
  local run="$WORK/kill1"
  job "$run" "$WORK/kill1.err" train.max_steps=100000
  local job=$JOB start
  wait_for 60 logged_updates "$run" 3 || fail "kill-rank1: no updates"
  start=$SECONDS
  kill -KILL "$(rank_pid 1 "$run")"
  wait $job
  local code=$? took=$((SECONDS - start))
  [ "$code" -ne 0 ] || fail "kill-rank1: exit 0"
  [ "$took" -lt 60 ] || fail "kill-rank1: the job took ${took}s to end"
  no_trace "$WORK/kill1.err" || fail "kill-rank1: a stack trace"
  local line
  line=$(one_line "$WORK/kill1.err" 'exited on signal|killed|rank 1')
  resumes "$run" 8 && result kill-rank1 "exit $code after ${took} s; mpirun: \"$line\"" "yes"
}

case_stop_rank1() {
  local run="$WORK/stop1" victim
  job "$run" "$WORK/stop1.err" train.max_steps=100000 train.collective_timeout_s=3
  local job=$JOB start
  wait_for 60 logged_updates "$run" 3 || fail "stop-rank1: no updates"
  victim=$(rank_pid 1 "$run")
  start=$SECONDS
  kill -STOP "$victim"
  wait $job
  local code=$? took=$((SECONDS - start))
  kill -KILL "$victim" 2>/dev/null
  [ "$code" -eq 70 ] || fail "stop-rank1: exit $code, not the watchdog's 70"
  no_trace "$WORK/stop1.err" || fail "stop-rank1: a stack trace"
  local line
  line=$(one_line "$WORK/stop1.err" 'did not complete within')
  [ -n "$line" ] || fail "stop-rank1: no watchdog line"
  resumes "$run" 8 && result stop-rank1 "exit $code after ${took} s (collective_timeout_s=3): \"$line\"" "yes"
}

case_full_disk() {
  local mnt="$WORK/small-disk"
  mkdir -p "$mnt"
  if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=400k tmpfs "$mnt" 2>/dev/null; then
    say "full-disk: skipped (needs root to mount a 400 kB tmpfs)"
    return
  fi
  # The tiny model's checkpoint (250 kB) fits once, not twice.
  local run="$mnt/run"
  timeout 120 "$S2S" train data.dir=corpus run.dir="$run" model.embed_dim=16 model.encoder_hidden=16 \
    model.decoder_hidden=24 model.attention_dim=16 model.readout_dim=16 run.threads=1 train.max_epochs=0 \
    train.max_steps=20 train.validate_every=0 checkpoint.every_steps=5 >/dev/null 2>"$WORK/full.err"
  local code=$?
  [ "$code" -eq 1 ] || fail "full-disk: exit $code, not 1"
  no_trace "$WORK/full.err" || fail "full-disk: a stack trace"
  [ "$(grep -c 's2s: error' "$WORK/full.err")" -eq 1 ] || fail "full-disk: not one error line"
  local line
  line=$(one_line "$WORK/full.err" 's2s: error' | sed "s|$mnt/||g")
  ! compgen -G "$run/checkpoints/*.tmp-*" >/dev/null || fail "full-disk: a temporary left behind"
  mount -o remount,size=4m "$mnt"
  timeout 120 "$S2S" train data.dir=corpus run.dir="$run" model.embed_dim=16 model.encoder_hidden=16 \
    model.decoder_hidden=24 model.attention_dim=16 model.readout_dim=16 run.threads=1 train.max_epochs=0 \
    train.max_steps=20 train.validate_every=0 checkpoint.every_steps=5 >/dev/null 2>"$WORK/full-resume.err"
  local again=$?
  umount "$mnt"
  grep -q "resumed from $run/checkpoints/ckpt-00000005.h5" "$WORK/full-resume.err" && [ "$again" -eq 0 ] \
    || { fail "full-disk: the next train (more space) did not resume from step 5"; return; }
  result full-disk "exit $code: \"${line:0:150}...\"; the step-5 checkpoint stayed, nothing half-written; with space again the next train resumed from step 5" "yes"
}

case_deleted_shard() {
  # Shards are read into memory when training starts: a shard deleted mid-run does not stop
  # it. The next start refuses the corpus in one line; with the shard back, it resumes.
  local run="$WORK/shard" shard
  cp -r corpus corpus-copy
  shard=$(ls corpus-copy/shard-*.h5 | head -n 1)
  timeout 300 "$MPIEXEC" -np 2 --oversubscribe "$S2S" $TRAIN data.dir=corpus-copy run.dir="$run" \
    train.max_steps=100000 >/dev/null 2>"$WORK/shard.err" &
  local job=$!
  wait_for 60 logged_updates "$run" 2 || fail "deleted-shard: no updates"
  mv "$shard" "$WORK/shard.aside"
  local at
  at=$(updates "$run")
  wait_for 60 logged_updates "$run" $((at + 3)) || fail "deleted-shard: training stopped after the shard went"
  kill -TERM "$(rank_pid 0 "$run")" "$(rank_pid 1 "$run")"  # as Slurm would: checkpoint, exit 75
  wait $job
  local code=$?
  timeout 120 "$MPIEXEC" -np 2 --oversubscribe "$S2S" $TRAIN data.dir=corpus-copy run.dir="$run" \
    train.max_steps=100000 >/dev/null 2>"$WORK/shard-next.err"
  local next=$?
  [ "$code" -eq 75 ] || fail "deleted-shard: exit $code after SIGTERM, not 75"
  [ "$next" -ne 0 ] && [ "$next" -ne 124 ] || fail "deleted-shard: the next train without its shard: exit $next"
  no_trace "$WORK/shard-next.err" || fail "deleted-shard: a stack trace"
  local line
  line=$(one_line "$WORK/shard-next.err" 's2s: error' | sed "s|$WORK/||g")
  mv "$WORK/shard.aside" "$shard"
  timeout 120 "$MPIEXEC" -np 2 --oversubscribe "$S2S" $TRAIN data.dir=corpus-copy run.dir="$run" \
    train.max_steps=$((at + 6)) >/dev/null 2>"$WORK/shard-back.err" && grep -q "resumed from" "$WORK/shard-back.err" \
    || { fail "deleted-shard: no resume with the shard back"; return; }
  result deleted-shard "the running job went on (shards are in memory), SIGTERM -> exit $code; the next start: exit $next, \"$line\"; with the shard back it resumed" "yes"
}

case_corrupt_latest() {
  local run="$WORK/corrupt"
  timeout 120 "$MPIEXEC" -np 2 --oversubscribe "$S2S" $TRAIN run.dir="$run" train.max_steps=4 >/dev/null 2>&1 \
    || { fail "corrupt-latest: the first run failed"; return; }
  local latest="$run/checkpoints/ckpt-00000004.h5"
  printf 'garbage' | dd of="$latest" bs=1 seek=4096 conv=notrunc status=none
  timeout 120 "$MPIEXEC" -np 2 --oversubscribe "$S2S" $TRAIN run.dir="$run" train.max_steps=6 >/dev/null 2>"$WORK/corrupt.err"
  local code=$?
  [ "$code" -eq 0 ] || fail "corrupt-latest: exit $code"
  no_trace "$WORK/corrupt.err" || fail "corrupt-latest: a stack trace"
  grep -q "resumed from $run/checkpoints/ckpt-00000003.h5" "$WORK/corrupt.err" || fail "corrupt-latest: did not resume from step 3"
  local line
  line=$(one_line "$WORK/corrupt.err" 'falling back' | sed "s|$run/checkpoints/||g")
  # Every checkpoint damaged: one line, non-zero.
  for f in "$run"/checkpoints/ckpt-*.h5; do printf 'garbage' | dd of="$f" bs=1 seek=4096 conv=notrunc status=none; done
  timeout 120 "$MPIEXEC" -np 2 --oversubscribe "$S2S" $TRAIN run.dir="$run" train.max_steps=8 >/dev/null 2>"$WORK/corrupt-all.err"
  local all=$?
  [ "$all" -ne 0 ] || fail "corrupt-latest: every checkpoint damaged and still exit 0"
  no_trace "$WORK/corrupt-all.err" || fail "corrupt-latest (all): a stack trace"
  local all_line
  all_line=$(one_line "$WORK/corrupt-all.err" 's2s: error' | sed "s|$run/||g")
  [[ "$all_line" == "s2s: error: no usable checkpoint in "* ]] || fail "corrupt-latest (all): \"$all_line\""
  result corrupt-latest "the next train warned \"${line:0:100}...\" and resumed from step 3 (exit 0); every checkpoint damaged: exit $all, \"${all_line:0:70}...\"" "yes"
}

for c in "${CASES[@]}"; do
  say "case $c"
  "case_${c//-/_}"
done
[ "$FAILED" -eq 0 ] && { say "all cases passed"; rm -rf "$WORK"; exit 0; }
say "kept $WORK for a look"
exit 1
