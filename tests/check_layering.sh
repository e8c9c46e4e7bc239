#!/usr/bin/env bash
# Layering: core/ <- data/ <- model/ <- trainer/, and inside trainer/ its rooms. A room may
# include its own headers and those of the rooms it is allowed to use, never others; core/ and
# data/ never see LibTorch; only trainer/comm/ knows MPI and NCCL; trainer/metrics/ has no
# LibTorch. Prints each violation and fails if there is one.
set -u
root="${1:?usage: check_layering.sh REPO_ROOT}"
cd "$root" || exit 2
status=0

# The files of a room: its own folder only (not the rooms below it), or every file below it.
room_files() {  # room_files DIR [shallow]
  if [ "${2:-}" = shallow ]; then
    find "$1" -maxdepth 1 -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' \)
  else
    find "$1" -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' \)
  fi
}
includes() {  # includes FILE...: "file:line:#include ..." for each include
  [ $# -gt 0 ] && grep -nHE '^\s*#\s*include\s*[<"]' "$@"
}

forbid() {  # forbid ROOM REGEX WHY: no file below ROOM includes a path matching REGEX
  local hits
  hits=$(room_files "$1" | xargs -r grep -nHE "^\s*#\s*include\s*[<\"]($2)" 2>/dev/null)
  if [ -n "$hits" ]; then
    printf 'layering: %s must not include %s (%s):\n%s\n' "$1/" "$2" "$3" "$hits"
    status=1
  fi
}

# only ROOM DEPTH ALLOWED WHY: files of ROOM may include from trainer/ only paths matching
# ALLOWED (an extended regex on the path after trainer/).
only() {
  local room=$1 depth=$2 allowed=$3 why=$4 hits
  # shellcheck disable=SC2046
  hits=$(includes $(room_files "$room" "$depth") | grep -E '#\s*include\s*"trainer/' |
         grep -vE "#\s*include\s*\"trainer/($allowed)")
  if [ -n "$hits" ]; then
    printf 'layering: %s may include of trainer/ only %s (%s):\n%s\n' "$room/" "$allowed" "$why" "$hits"
    status=1
  fi
}

# The rooms of the repository.
forbid core    'data/|model/|trainer/|torch/|ATen/|c10/|mpi\.h|nccl\.h' "core is the bottom room"
forbid data    'model/|trainer/|torch/|ATen/|c10/|mpi\.h|nccl\.h'       "data knows nothing of models or MPI"
forbid model   'trainer/|mpi\.h|nccl\.h'                               "model knows nothing of MPI or training"
forbid model/fused 'data/|model/[A-Z]|model/search/' "the fused pieces stand alone: the network uses them, not they it"

# The rooms of trainer/ (trainer/README.md draws them).
only trainer/comm       deep 'comm/'    "communication stands alone"
only trainer/metrics    deep 'metrics/' "metrics stand alone"
forbid trainer/metrics  'torch/|ATen/|c10/' "metrics build without LibTorch"
only trainer/plot       deep 'plot/'    "pictures stand alone"
only trainer/optim      deep 'optim/'   "optimizers stand alone"
only trainer/config     deep 'config/|TrainOptions\.h|checkpoint/CheckpointOptions\.h' \
     "config knows the sections' options headers, nothing else"
only trainer/checkpoint deep 'checkpoint/|metrics/' "checkpoints may use metrics"
only trainer/decode     deep 'decode/|config/|checkpoint/' "decoding may use config and checkpoints"
for room in trainer/config trainer/checkpoint trainer/decode trainer/metrics trainer/plot trainer/optim trainer/cli; do
  forbid "$room" 'mpi\.h|nccl\.h' "only trainer/comm/ knows MPI and NCCL"
done
# shellcheck disable=SC2046
hits=$(includes $(room_files trainer shallow) | grep -E '#\s*include\s*[<"](mpi\.h|nccl\.h)')
if [ -n "$hits" ]; then
  printf 'layering: the training loop (trainer/*) must not include mpi.h or nccl.h (only trainer/comm/):\n%s\n' "$hits"
  status=1
fi

[ $status = 0 ] && echo "layering: ok"
exit $status
