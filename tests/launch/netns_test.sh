#!/usr/bin/env bash
# Several nodes with the project's launcher: two "hosts" made as network namespaces joined
# by veth (launch/testing/netns-hosts.sh), launch/mpirun.sh started on host A with
# --hosts A,B and the rsh agent launch/testing/netns-rsh.sh, MPI and the launcher's own
# traffic only on the veth subnet (--iface). A short training there must match, loss for
# loss and parameter for parameter, the same run on one host with 2 ranks: same config,
# seed and world size on the CPU are deterministic, so any difference is the launch's.
# Then elasticity across hosts: a 2-host run stopped with SIGUSR1 (checkpoint, exit 75) and
# resumed as one rank on one host continues the same trajectory (the same global batches;
# losses and parameters within 1e-5 relative, with the smoke config's dropout on: its masks
# follow the pairs, model/DropoutMasks.h).
#
#   tests/launch/netns_test.sh SOURCE_DIR S2S_BINARY
#
# Needs root (network namespaces) and iproute2. Removes the namespaces, pass or fail.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 SOURCE_DIR S2S_BINARY" >&2; exit 2; }
SRC="$(cd "$1" && pwd)"
S2S="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
say() { printf '[netns-test %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { printf '[netns-test] FAILED: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root to make network namespaces (CI runs as root)"
[ -x "$S2S" ] || fail "no s2s binary at $S2S: build first"

WORK="$(mktemp -d /tmp/s2s-netns-test.XXXXXX)"
cleanup() {
  local rc=$?
  bash "$SRC/launch/testing/netns-hosts.sh" down "$WORK/net" || true
  if [ "$rc" = 0 ]; then rm -rf "$WORK"; else echo "[netns-test] kept $WORK for a look" >&2; fi
}
trap cleanup EXIT

bash "$SRC/launch/testing/netns-hosts.sh" up "$WORK/net"
# shellcheck disable=SC1091
. "$WORK/net/hosts.env"
"$S2S" prep --sample "$WORK/corpus" --no-progress >/dev/null 2>&1 || fail "s2s prep --sample failed"

TRAIN=(--config "$SRC/configs/smoke.yaml" "data.dir=$WORK/corpus" run.seed=7 run.threads=1
       model.embed_dim=16 model.encoder_hidden=16 model.decoder_hidden=16 model.attention_dim=16
       model.readout_dim=16 data.max_tokens=512 train.max_steps=30 train.log_every=5
       train.validate_every=15)

# Two hosts, one rank each, over TCP on the veth pair. `--bind none`: both "hosts" share
# this machine's cores, so per-node core blocks would put both ranks on core 0.
t0=$SECONDS
S2S_NETNS_MAP="$NETNS_MAP" timeout -k 10 180 ip netns exec "$NS_A" \
  bash "$SRC/launch/mpirun.sh" --s2s "$S2S" --hosts "$IP_A,$IP_B" --ranks-per-node 1 \
    --bind none --iface "$SUBNET" --mca plm_rsh_agent "$SRC/launch/testing/netns-rsh.sh" \
    -- "${TRAIN[@]}" "run.dir=$WORK/two-hosts" >"$WORK/two-hosts.log" 2>&1 \
  || { tail -n 30 "$WORK/two-hosts.log" >&2; fail "the 2-host run failed (log above)"; }
say "2 hosts x 1 rank: done ($((SECONDS - t0)) s)"
grep -q "this is rank 0/2 on .* (local 0/1)" "$WORK/two-hosts.log" \
  || fail "rank 0 did not see 2 ranks on 2 nodes (local 0/1) in $WORK/two-hosts.log"

t0=$SECONDS
timeout -k 10 180 bash "$SRC/launch/mpirun.sh" --s2s "$S2S" --ranks-per-node 2 \
  -- "${TRAIN[@]}" "run.dir=$WORK/one-host" >"$WORK/one-host.log" 2>&1 \
  || { tail -n 30 "$WORK/one-host.log" >&2; fail "the 1-host run failed (log above)"; }
say "1 host x 2 ranks: done ($((SECONDS - t0)) s)"

# Losses, every logged step and every validation, at full precision.
losses() { sed -n 's/.*"kind":"\([a-z]*\)".*"loss":\([^,]*\),.*"step":\([0-9]*\).*/\1 \3 \2/p' "$1/metrics.jsonl"; }
a="$(losses "$WORK/two-hosts")" b="$(losses "$WORK/one-host")"
[ "$(printf '%s\n' "$a" | grep -c '^train ')" = 6 ] || fail "expected 6 train records in $WORK/two-hosts/metrics.jsonl, got: $a"
[ "$a" = "$b" ] || fail "losses differ between 2 hosts and 1 host:
$(diff <(echo "$a") <(echo "$b"))"
# Parameters of the final checkpoint, to float32's round-trip precision.
params() { h5dump -m '%.9g' -g /model "$1/checkpoints/ckpt-00000030.h5" | tail -n +2; }
for run in two-hosts one-host; do
  [ "$(params "$WORK/$run" | grep -c DATASET)" -gt 10 ] || fail "no parameters read from $WORK/$run/checkpoints/ckpt-00000030.h5"
done
cmp -s <(params "$WORK/two-hosts") <(params "$WORK/one-host") \
  || fail "the step-30 checkpoints of the 2-host and 1-host runs hold different parameters"
say "identical: $(printf '%s\n' "$a" | wc -l) losses and every parameter at step 30"

# ---- Stopped on 2 hosts, resumed on 1 host as 1 rank -------------------------------------
t0=$SECONDS
# No `timeout` in front: the signal must reach the launcher itself (ip netns exec execs it),
# which forwards it to every rank; the loops below bound the wait instead.
S2S_NETNS_MAP="$NETNS_MAP" ip netns exec "$NS_A" \
  bash "$SRC/launch/mpirun.sh" --s2s "$S2S" --hosts "$IP_A,$IP_B" --ranks-per-node 1 \
    --bind none --iface "$SUBNET" --mca plm_rsh_agent "$SRC/launch/testing/netns-rsh.sh" \
    -- "${TRAIN[@]}" "run.dir=$WORK/elastic" train.max_steps=100000 checkpoint.every_steps=0 \
    >"$WORK/elastic-1.log" 2>&1 &
launcher=$!
for _ in $(seq 600); do  # until the first progress record (step 5), at most 60 s
  grep -q '"kind":"train"' "$WORK/elastic/metrics.jsonl" 2>/dev/null && break; sleep 0.1
done
kill -USR1 "$launcher"
for _ in $(seq 600); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
kill -0 "$launcher" 2>/dev/null && { kill -KILL "$launcher"; fail "the 2-host run did not stop within 60 s of SIGUSR1"; }
rc=0; wait "$launcher" || rc=$?
[ "$rc" = 75 ] || { tail -n 20 "$WORK/elastic-1.log" >&2; fail "the stopped 2-host run exited $rc, expected 75"; }
stopped_at="$(sed -n 's/.*checkpoint .*ckpt-0*\([0-9]*\)\.h5.*/\1/p' "$WORK/elastic-1.log" | tail -n 1)"
timeout -k 10 180 "$S2S" train "${TRAIN[@]}" "run.dir=$WORK/elastic" >"$WORK/elastic-2.log" 2>&1 \
  || { tail -n 30 "$WORK/elastic-2.log" >&2; fail "the 1-rank resume failed (log above)"; }
grep -q "written by 2 ranks, on 1 ranks: training goes on with the same global batches" "$WORK/elastic-2.log" \
  || fail "the resume did not say it continues the same run: $(grep resumed "$WORK/elastic-2.log")"
say "2 hosts stopped at step ${stopped_at:-?}, resumed as 1 rank to step 30 ($((SECONDS - t0)) s)"

# Train losses by step (the resumed run's records replace none: the stop came after step 5).
near() {  # near FILE_A FILE_B: "name value" lines, equal names, values within 1e-5 relative
  awk 'NR == FNR { v[$1] = $2; next }
       !($1 in v) { print "missing " $1; bad = 1; next }
       { d = v[$1] - $2; if (d < 0) d = -d; m = v[$1] < 0 ? -v[$1] : v[$1];
         if (d > 1e-5 * m + 1e-7) { print $1 ": " v[$1] " vs " $2; bad = 1 } ; n++ }
       END { if (n == 0) { print "nothing compared"; bad = 1 } ; exit bad }' "$1" "$2"
}
# A record averages the updates since the previous one; the first after the resume averages
# only the resumed ones, so the record whose window holds the stop is left out of both.
[ -n "$stopped_at" ] || fail "no checkpoint step in $WORK/elastic-1.log"
whole_windows() { awk -v stop="$stopped_at" '$1 == "train" && !($2 - 5 < stop && stop < $2) { print "step" $2, $3 }'; }
losses "$WORK/one-host" | whole_windows >"$WORK/straight.losses"
losses "$WORK/elastic" | whole_windows | sort -u -k1,1 >"$WORK/elastic.losses"
[ "$(wc -l <"$WORK/elastic.losses")" -ge 5 ] || fail "expected 5 or 6 train records in $WORK/elastic/metrics.jsonl"
near "$WORK/straight.losses" "$WORK/elastic.losses" \
  || fail "the resumed run's losses left the trajectory (above)"
values() { h5dump -m '%.9g' -g /model "$1/checkpoints/ckpt-00000030.h5" | tr -s ' ,' '\n\n' \
             | grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$' | awk '{ print "v" NR, $1 }'; }
values "$WORK/one-host" >"$WORK/straight.values"; values "$WORK/elastic" >"$WORK/elastic.values"
near "$WORK/straight.values" "$WORK/elastic.values" >"$WORK/values.diff" \
  || { head -n 5 "$WORK/values.diff" >&2; fail "the step-30 parameters of the resumed run differ (above)"; }
say "same trajectory: $(wc -l <"$WORK/elastic.losses") losses and $(wc -l <"$WORK/straight.values") numbers of the step-30 parameters"
echo "[netns-test] passed"
