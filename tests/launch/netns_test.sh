#!/usr/bin/env bash
# Several nodes with the project's launcher: two "hosts" made as network namespaces joined
# by veth (launch/testing/netns-hosts.sh), launch/mpirun.sh started on host A with
# --hosts A,B and the rsh agent launch/testing/netns-rsh.sh, MPI and the launcher's own
# traffic only on the veth subnet (--iface). A short training there must match, loss for
# loss and parameter for parameter, the same run on one host with 2 ranks: same config,
# seed and world size on the CPU are deterministic, so any difference is the launch's.
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
echo "[netns-test] passed"
