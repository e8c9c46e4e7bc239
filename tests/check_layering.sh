#!/usr/bin/env bash
# Layering: core/ <- data/ <- model/ <- trainer/. A room may include its own headers and
# those of rooms below it, never above; core/ and data/ never see LibTorch; only trainer/
# knows MPI and NCCL. Prints each violation and fails if there is one.
set -u
root="${1:?usage: check_layering.sh REPO_ROOT}"
cd "$root" || exit 2
status=0
forbid() {  # forbid ROOM REGEX WHY
  local hits
  hits=$(grep -rnE "^\s*#\s*include\s*[<\"]($2)" "$1" --include='*.h' --include='*.cpp' --include='*.cu' 2>/dev/null)
  if [ -n "$hits" ]; then
    printf 'layering: %s must not include %s (%s):\n%s\n' "$1/" "$2" "$3" "$hits"
    status=1
  fi
}
forbid core    'data/|model/|trainer/|torch/|ATen/|c10/|mpi\.h|nccl\.h' "core is the bottom room"
forbid data    'model/|trainer/|torch/|ATen/|c10/|mpi\.h|nccl\.h'       "data knows nothing of models or MPI"
forbid model   'trainer/|mpi\.h|nccl\.h'                               "model knows nothing of MPI or training"
[ $status = 0 ] && echo "layering: ok"
exit $status
