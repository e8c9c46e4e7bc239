#!/usr/bin/env bash
# Starts `s2s train` under Open MPI's mpirun on one node or several, with the defaults a
# GPU cluster wants: one rank per GPU on every node, the environment passed through,
# cores split between the ranks of a node, network interfaces chosen by the user, and a
# stop signal turned into a checkpoint instead of a kill. Prints the mpirun command.
#
#   launch/mpirun.sh [options] [--] TRAIN_ARGS...
#     launch/mpirun.sh -- --config configs/smoke.yaml                      # this node
#     launch/mpirun.sh --hostfile hosts --iface 10.1.0.0/16 -- --config big.yaml
#     launch/mpirun.sh --hosts n1,n2 --ranks-per-node 8 -- --config big.yaml model.cell=lstm
#
# Where the ranks go (first that applies):
#   --hostfile FILE     one node per line (Open MPI's format; `slots=` is ignored:
#                       --ranks-per-node decides); --nodes N takes the first N
#   --hosts H1,H2,...   the same as a list
#   inside a Slurm allocation: its nodes, SLURM_NTASKS_PER_NODE ranks on each (mpirun reads
#                       the allocation itself; launch/slurm/s2s.sbatch uses this)
#   otherwise           this node only
# Options:
#   --ranks-per-node N  default: GPUs that `nvidia-smi -L` lists on this node; without GPUs,
#                       one rank per CPU socket (each rank then runs cores/ranks threads)
#   --nodes N           use the first N nodes of --hostfile/--hosts
#   --bind cores|none   cores (default): each rank gets its own block of cores/ranks cores
#                       (`--map-by ppr:N:node:PE=C --bind-to core`), so its intra-op threads
#                       stay on its cores and near its GPU; none: `--bind-to none`, the OS
#                       schedules (use it when several "nodes" share one machine's cores, or
#                       nodes differ). Falls back to none when ranks outnumber cores.
#   --cores-per-node C  cores of a node for --bind cores (default: in Slurm, ranks per node x
#                       SLURM_CPUS_PER_TASK; else this node's, from lscpu)
#   --iface NET         TCP traffic (MPI's and the launcher's) only on NET: an interface name
#                       (eth0, ib0) or a CIDR (10.1.0.0/16); sets btl_tcp_if_include and
#                       oob_tcp_if_include. NCCL picks its own: NCCL_SOCKET_IFNAME=...
#   --mca KEY VALUE     any Open MPI MCA parameter (repeatable), e.g. plm_rsh_agent
#   --mpirun-arg ARG    any other mpirun argument (repeatable)
#   --s2s PATH          the s2s binary (default: $S2S_BIN, else build/s2s of this clone)
#   --dry-run           print the mpirun command and stop
#
# Passed to every rank: S2S_*, OMP_*, NCCL_*, UCX_*, CUDA_VISIBLE_DEVICES, LD_LIBRARY_PATH,
# PATH, if set. As root, the flags Open MPI needs to run as root are added.
# TERM, INT and USR1 sent to this script reach the ranks as USR1: they agree on a step,
# write a checkpoint and exit 75, which this script returns (mpirun's own answer to TERM
# is to kill the ranks, which would lose the work since the last checkpoint).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[mpirun.sh] %s\n' "$*" >&2; }
die() { printf '[mpirun.sh] error: %s\n' "$*" >&2; exit 2; }

hostfile="" hosts="" nodes="" per_node="" bind=cores cores="" dry=0
s2s="${S2S_BIN:-$ROOT/build/s2s}"
mca=() extra=()
while (($#)); do
  case "$1" in
    --hostfile) hostfile="${2:?--hostfile needs a file}"; shift 2 ;;
    --hosts) hosts="${2:?--hosts needs a list}"; shift 2 ;;
    --nodes) nodes="${2:?--nodes needs a number}"; shift 2 ;;
    --ranks-per-node) per_node="${2:?--ranks-per-node needs a number}"; shift 2 ;;
    --bind) bind="${2:?--bind needs cores or none}"; shift 2 ;;
    --cores-per-node) cores="${2:?--cores-per-node needs a number}"; shift 2 ;;
    --iface) mca+=(--mca btl_tcp_if_include "${2:?--iface needs a name or CIDR}"
                   --mca oob_tcp_if_include "$2"); shift 2 ;;
    --mca) mca+=(--mca "${2:?--mca needs KEY VALUE}" "${3:?--mca needs KEY VALUE}"); shift 3 ;;
    --mpirun-arg) extra+=("${2:?--mpirun-arg needs an argument}"); shift 2 ;;
    --s2s) s2s="${2:?--s2s needs a path}"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
(($#)) || die "no s2s train arguments: launch/mpirun.sh [options] -- --config FILE [overrides] (--help)"
is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }
command -v mpirun >/dev/null || die "mpirun not found: install Open MPI (launch/setup.sh does) or put it on PATH"
[ -x "$s2s" ] || die "no s2s binary at $s2s: build it (bash launch/setup.sh) or pass --s2s PATH"
[ -z "$nodes" ] || is_count "$nodes" || die "--nodes must be a positive number, got '$nodes'"
[ -z "$per_node" ] || is_count "$per_node" || die "--ranks-per-node must be a positive number, got '$per_node'"
[ -z "$cores" ] || is_count "$cores" || die "--cores-per-node must be a positive number, got '$cores'"
case "$bind" in cores|none) ;; *) die "--bind must be cores or none, got '$bind'" ;; esac

# ---- nodes -----------------------------------------------------------------------------------
node_list=()
if [ -n "$hostfile" ]; then
  [ -r "$hostfile" ] || die "cannot read hostfile $hostfile"
  mapfile -t node_list < <(sed 's/#.*//' "$hostfile" | awk 'NF { print $1 }')
  ((${#node_list[@]})) || die "hostfile $hostfile names no node"
elif [ -n "$hosts" ]; then
  IFS=, read -r -a node_list <<<"$hosts"
fi
in_slurm=0
if ((${#node_list[@]} == 0)) && [ -n "${SLURM_JOB_ID:-}" ] && [ -n "${SLURM_JOB_NUM_NODES:-}" ]; then
  in_slurm=1
fi
if [ -n "$nodes" ]; then
  ((${#node_list[@]})) || die "--nodes needs --hostfile or --hosts (inside Slurm, the allocation decides)"
  ((nodes <= ${#node_list[@]})) || die "--nodes $nodes but only ${#node_list[@]} node(s) given"
  node_list=("${node_list[@]:0:nodes}")
fi

# ---- ranks per node --------------------------------------------------------------------------
if [ -z "$per_node" ]; then
  if ((in_slurm)) && [ -n "${SLURM_NTASKS_PER_NODE:-}" ]; then
    per_node="${SLURM_NTASKS_PER_NODE%%(*}"   # "4" or "4(x2)"
    why="SLURM_NTASKS_PER_NODE"
  elif gpus="$(nvidia-smi -L 2>/dev/null | grep -c '^GPU')" && ((gpus > 0)); then
    per_node="$gpus"; why="GPUs listed by nvidia-smi"
  else
    per_node="$(lscpu -p=SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l)"
    ((per_node > 0)) || per_node=1
    why="no GPU: one per CPU socket"
  fi
  say "ranks per node: $per_node ($why)"
fi

if ((in_slurm)); then
  node_count="$SLURM_JOB_NUM_NODES"
elif ((${#node_list[@]})); then
  node_count="${#node_list[@]}"
else
  node_count=1
fi
np=$((node_count * per_node))

# ---- mapping and binding ---------------------------------------------------------------------
if [ -z "$cores" ] && ((in_slurm)) && [[ "${SLURM_CPUS_PER_TASK:-}" =~ ^[1-9][0-9]*$ ]]; then
  cores=$((per_node * SLURM_CPUS_PER_TASK))   # what the job owns of a node, not all of it
fi
if [ -z "$cores" ]; then
  cores="$(lscpu -p=CORE,SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l)"
  ((cores > 0)) || cores="$(nproc)"
fi
map=()
if [ "$bind" = cores ] && ((cores >= per_node)); then
  map=(--map-by "ppr:$per_node:node:PE=$((cores / per_node))" --bind-to core)
else
  [ "$bind" = none ] || say "binding: $per_node ranks on $cores cores: not binding (--bind-to none)"
  map=(--map-by "ppr:$per_node:node" --bind-to none)
  ((per_node <= cores)) || map+=(--oversubscribe)
fi

host_args=()
if ((${#node_list[@]})); then
  host_spec=""
  for h in "${node_list[@]}"; do host_spec+="${host_spec:+,}$h:$per_node"; done
  host_args=(--host "$host_spec")
elif ((!in_slurm)); then
  host_args=(--host "localhost:$per_node")
fi

# ---- environment -----------------------------------------------------------------------------
env_args=()
while IFS= read -r name; do
  case "$name" in
    S2S_*|OMP_*|NCCL_*|UCX_*|CUDA_VISIBLE_DEVICES|LD_LIBRARY_PATH|PATH) env_args+=(-x "$name") ;;
  esac
done < <(compgen -e | sort)

root_args=()
if [ "$(id -u)" = 0 ]; then  # Open MPI refuses root unless told twice
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  root_args=(--allow-run-as-root)
fi

cmd=(mpirun -np "$np" "${host_args[@]}" "${map[@]}" "${root_args[@]}" "${env_args[@]}"
     "${mca[@]}" "${extra[@]}" "$s2s" train "$@")
say "running: ${cmd[*]}"
((dry)) && exit 0

# mpirun in the background, so that TERM/INT/USR1 can be passed on as USR1 while it runs.
"${cmd[@]}" &
child=$!
forward() { say "got $1: asking the ranks to checkpoint and stop (USR1)"; kill -USR1 "$child" 2>/dev/null || true; }
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward USR1' USR1
rc=0
while :; do
  wait "$child" && rc=0 || rc=$?
  if ((rc > 128)) && kill -0 "$child" 2>/dev/null; then continue; fi  # a trap cut the wait short
  break
done
exit "$rc"
