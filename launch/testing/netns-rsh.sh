#!/usr/bin/env bash
# An rsh agent for mpirun (`--mca plm_rsh_agent launch/testing/netns-rsh.sh`) that "logs in"
# to a host made by netns-hosts.sh by entering its network namespace: mpirun calls
# `AGENT HOST COMMAND...`, and this runs `ip netns exec NS sh -c "COMMAND..."`.
#
#   S2S_NETNS_MAP=10.77.5.1=ns-a,10.77.5.2=ns-b  (netns-hosts.sh writes it as NETNS_MAP)
#
# Why not ssh: no sshd, keys or host names needed, and nothing leaves the machine.
set -euo pipefail
die() { printf '[netns-rsh] error: %s\n' "$*" >&2; exit 255; }

# ssh-style options mpirun may put before the host (e.g. -x): skip them.
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
[ $# -ge 2 ] || die "usage: $0 HOST COMMAND..."
host="$1"
shift
[ -n "${S2S_NETNS_MAP:-}" ] || die "S2S_NETNS_MAP is not set (HOST=NS,...: see launch/testing/netns-hosts.sh)"
ns=""
IFS=, read -r -a pairs <<<"$S2S_NETNS_MAP"
for pair in "${pairs[@]}"; do
  [ "${pair%%=*}" = "$host" ] && ns="${pair#*=}"
done
[ -n "$ns" ] || die "host $host is not in S2S_NETNS_MAP=$S2S_NETNS_MAP"
exec ip netns exec "$ns" sh -c "$*"
