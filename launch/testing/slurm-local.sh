#!/usr/bin/env bash
# A one-node Slurm cluster on localhost, for the launcher tests (tests/launch/) and for
# trying launch/slurm/s2s.sbatch by hand. Everything it makes lives in DIR: the munge key
# and socket, slurm.conf, state, spool, logs and pid files; nothing under /etc is touched,
# and the daemons listen on free ports on 127.0.0.1 only, so it runs beside a system Slurm
# or a second copy of itself.
#
#   bash launch/testing/slurm-local.sh up DIR     # install if missing, start, wait for idle
#   source DIR/env.sh                             # SLURM_CONF for sbatch/srun/squeue/...
#   bash launch/testing/slurm-local.sh down DIR   # cancel every job, stop the daemons
#   (S2S_SLURM_OWNER_PID=PID with up: stop by itself once process PID has ended)
#
# Needs root (slurmd runs jobs as their user; munged and slurmd as root is the simple
# way on a test machine). The node has the real core count (`slurmd -C`); plugins are the
# ones that work without cgroups or accounting: proctrack/linuxproc, task/none,
# select/cons_tres. `srun --mpi=pmix` comes from Debian's slurm-wlm-basic-plugins (mpi_pmix_v4,
# built against libpmix2, the PMIx that Debian's Open MPI uses too).
set -euo pipefail

say() { printf '[slurm-local] %s\n' "$*" >&2; }
die() { printf '[slurm-local] error: %s\n' "$*" >&2; exit 1; }

usage() { die "usage: $0 up|down DIR"; }
[ $# -eq 2 ] || usage
action="$1"
if [ "$action" = down ] && [ ! -d "$2" ]; then exit 0; fi  # nothing there, nothing to stop
mkdir -p "$2"
DIR="$(cd "$2" && pwd)"

pid_of() { cat "$DIR/run/$1.pid" 2>/dev/null || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Stops one daemon by its pid file: TERM, up to 15 s, then KILL.
stop_daemon() {
  local name="$1" pid
  pid="$(pid_of "$name")"
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do alive "$pid" || return 0; sleep 0.5; done
  say "$name (pid $pid) did not stop on TERM in 15 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

down() {
  if [ -f "$DIR/env.sh" ] && alive "$(pid_of slurmctld)"; then
    # shellcheck disable=SC1091
    . "$DIR/env.sh"
    scancel --full --quiet --partition=s2s 2>/dev/null || true
    # Wait for the jobs' processes (slurmstepd and the tasks) to go before the daemons do.
    for _ in $(seq 1 40); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
  say "stopped (files kept in $DIR)"
}

# A TCP port nobody listens on, from a range away from the well-known ones.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    ss -Htln "sport = :$port" 2>/dev/null | grep -q . || { echo "$port"; return; }
  done
  die "found no free TCP port in 20000-39999"
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root: slurmd and munged run as root here (run the test as root)"
  local need=() p
  for p in munge slurmd slurmctld slurm-client iproute2; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if ((${#need[@]})); then
    say "installing Debian packages: ${need[*]} (launch/setup.sh installs them too)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; } \
      || die "apt-get install ${need[*]} failed: install them by hand"
  fi
  alive "$(pid_of slurmctld)" && die "a local Slurm from $DIR is already running: '$0 down $DIR' first"

  mkdir -p "$DIR"/{munge,state,spool,log,run,tmp} "$DIR/spool/slurmd-$(hostname -s)"
  chmod 700 "$DIR/munge"
  local node hw ctld_port slurmd_port
  node="$(hostname -s)"
  # The hardware line as slurmd sees it (CPUs, sockets, cores, threads): a node configured
  # with more than it has is drained at once.
  hw="$(slurmd -C | sed -n 's/^NodeName=[^ ]* //p' | sed 's/ *RealMemory=[0-9]*//')"
  [ -n "$hw" ] || die "'slurmd -C' printed no hardware line"
  read -r ctld_port slurmd_port <<<"$(free_port) $(free_port)"

  # munge: a private key and socket (the system munged, if any, is left alone).
  [ -f "$DIR/munge/munge.key" ] || {
    dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$DIR/munge/munge.key"
  }
  munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
    --pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" \
    --seed-file="$DIR/munge/munged.seed" \
    || die "munged did not start: see $DIR/log/munged.log"

  cat >"$DIR/slurm.conf" <<EOF
# Written by launch/testing/slurm-local.sh: a one-node test cluster, all state in $DIR.
ClusterName=s2slocal
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire: how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$DIR/munge/munge.socket,cred_expire=10
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/slurmd-%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
TmpFS=$DIR/tmp
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
JobRequeue=1
KillWait=15
MinJobAge=600
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=s2s Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  cat >"$DIR/env.sh" <<EOF
# source me: the Slurm client commands then talk to the local cluster in $DIR
export SLURM_CONF=$DIR/slurm.conf
EOF
  export SLURM_CONF="$DIR/slurm.conf"

  slurmctld -c -f "$SLURM_CONF" || die "slurmctld did not start: see $DIR/log/slurmctld.log"
  slurmd -f "$SLURM_CONF" -N "$node" || die "slurmd did not start: see $DIR/log/slurmd.log"

  local state=""
  for _ in $(seq 1 60); do
    state="$(sinfo -h -N -n "$node" -o %t 2>/dev/null || true)"
    [ "$state" = idle ] && break
    sleep 0.5
  done
  if [ "$state" != idle ]; then
    tail -n 5 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
    down
    die "node $node is '${state:-unknown}', not idle, 30 s after start (logs in $DIR/log)"
  fi
  say "up: node $node idle (${hw%% *}), slurmctld on 127.0.0.1:$ctld_port; source $DIR/env.sh"
  # A test killed outright (ctest's timeout) runs no trap: S2S_SLURM_OWNER_PID=PID stops the
  # cluster once that process is gone.
  if [ -n "${S2S_SLURM_OWNER_PID:-}" ]; then
    (
      trap '' HUP
      while kill -0 "$S2S_SLURM_OWNER_PID" 2>/dev/null; do sleep 2; done
      bash "$0" down "$DIR" >/dev/null 2>&1 || true
    ) </dev/null >/dev/null 2>&1 &
    disown
  fi
}

case "$action" in
  up) up ;;
  down) down ;;
  *) usage ;;
esac
