#!/usr/bin/env bash
# Two "hosts" on one machine, for testing multi-node launches: two network namespaces
# joined by a veth pair on a private /24, loopback up in each. mpirun reaches the second
# one through launch/testing/netns-rsh.sh (an rsh agent: `ip netns exec NS sh -c CMD`), so
# the ranks talk MPI over real TCP between two network stacks, as on two nodes. Only the
# namespaces made here are ever addressed; nothing is routed out of them.
#
#   bash launch/testing/netns-hosts.sh up DIR     # makes them; writes DIR/hosts.env
#   . DIR/hosts.env                               # NS_A NS_B IP_A IP_B SUBNET NETNS_MAP
#   ip netns exec "$NS_A" mpirun --mca plm_rsh_agent launch/testing/netns-rsh.sh \
#       --host "$IP_A:1,$IP_B:1" --mca btl_tcp_if_include "$SUBNET" \
#       --mca oob_tcp_if_include "$SUBNET" ...    # (export S2S_NETNS_MAP=$NETNS_MAP first)
#   bash launch/testing/netns-hosts.sh down DIR   # removes them
#
# mpirun runs inside the first namespace (the "login node" is host A), so its daemon on
# host B can connect back to it over the veth. Names are unique per DIR (a hash of it), so
# two copies can run at once. Needs root and iproute2.
set -euo pipefail

say() { printf '[netns-hosts] %s\n' "$*" >&2; }
die() { printf '[netns-hosts] error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 up|down DIR"
action="$1"
if [ "$action" = down ] && [ ! -d "$2" ]; then exit 0; fi  # nothing there, nothing to remove
mkdir -p "$2"
DIR="$(cd "$2" && pwd)"
ENV_FILE="$DIR/hosts.env"

down() {
  [ -f "$ENV_FILE" ] || return 0
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  local ns pid
  for ns in "$NS_A" "$NS_B"; do
    ip netns list 2>/dev/null | grep -qw "$ns" || continue
    # Processes left inside (a stuck rank or daemon of a failed test): ours, end them.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns delete "$ns" 2>/dev/null || say "could not delete namespace $ns"
  done
  rm -f "$ENV_FILE"
  say "removed $NS_A and $NS_B"
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root to make network namespaces (run the test as root)"
  command -v ip >/dev/null || die "no 'ip' command: apt-get install iproute2"
  [ ! -f "$ENV_FILE" ] || down
  # A tag from DIR keeps names unique per user of this script (interface names: <= 15 chars).
  local tag third ns_a ns_b veth_a veth_b
  tag="$(printf '%s' "$DIR" | sha1sum | cut -c1-6)"
  ns_a="s2s-$tag-a" ns_b="s2s-$tag-b" veth_a="s2s$tag"a veth_b="s2s$tag"b
  # The third octet: from the tag, moved on while another namespace's address uses it.
  third=$((16#${tag:0:2}))
  for _ in $(seq 1 256); do
    if ! ip -all netns exec ip -o -4 addr show 2>/dev/null | grep -q "inet 10\.77\.$third\."; then break; fi
    third=$(((third + 1) % 256))
  done
  local subnet="10.77.$third.0/24" ip_a="10.77.$third.1" ip_b="10.77.$third.2"

  ip netns add "$ns_a" || die "ip netns add $ns_a failed (is this a container without CAP_SYS_ADMIN?)"
  ip netns add "$ns_b" || { ip netns delete "$ns_a"; die "ip netns add $ns_b failed"; }
  cat >"$ENV_FILE" <<EOF
# Written by launch/testing/netns-hosts.sh up $DIR
NS_A=$ns_a
NS_B=$ns_b
IP_A=$ip_a
IP_B=$ip_b
SUBNET=$subnet
NETNS_MAP=$ip_a=$ns_a,$ip_b=$ns_b
EOF
  {
    ip link add "$veth_a" netns "$ns_a" type veth peer name "$veth_b" netns "$ns_b"
    ip -n "$ns_a" addr add "$ip_a/24" dev "$veth_a"
    ip -n "$ns_b" addr add "$ip_b/24" dev "$veth_b"
    for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
    ip -n "$ns_a" link set "$veth_a" up
    ip -n "$ns_b" link set "$veth_b" up
  } || { down; die "could not wire $ns_a and $ns_b with a veth pair"; }
  # One TCP connection attempt to a closed port proves the wire: "refused" came back from
  # $ip_b (our own namespace, nothing else is addressed).
  local probe
  probe="$(ip netns exec "$ns_a" timeout 5 bash -c "exec 3<>/dev/tcp/$ip_b/9" 2>&1 || true)"
  [[ "$probe" == *refused* ]] || { down; die "$ns_a cannot reach $ip_b over the veth pair: ${probe:-timed out}"; }
  say "up: $ns_a ($ip_a) <-> $ns_b ($ip_b) on $subnet; . $ENV_FILE"
}

case "$action" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down DIR" ;;
esac
