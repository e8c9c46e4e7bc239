#!/usr/bin/env bash
# Set-up for s2s on Debian 12: installs what is missing, configures and builds into build/.
# Idempotent: a second run with nothing changed does nothing and prints one line.
#
#   bash launch/setup.sh              # everything: s2s, the tests, the benchmarks
#   bash launch/setup.sh s2s          # only these targets (and what they link)
#
# Each stage that has work to do says so and how long it took: packages, virtualenv (and
# its size on disk), configure, build (how many build steps ninja will run).
#
# Environment (all optional):
#   LIBTORCH=/path        use this LibTorch (a directory with share/cmake/Torch) instead of
#                         PyPI's torch wheel; CMAKE_PREFIX_PATH with a Torch in it works too
#   S2S_VENV=/path        the Python virtualenv holding torch and the test oracles
#                         (default ~/.cache/s2s/venv: outside the clone, reused by every clone)
#   S2S_TORCH_VERSION=V   torch wheel version (default 2.15.0, a CUDA build: its CUDA and NCCL
#                         code paths compile and link here, and run where a GPU is)
#   S2S_BUILD_DIR=dir     build directory (default build/)
#   S2S_JOBS=N            parallel compile jobs (default: number of cores)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${S2S_BUILD_DIR:-$ROOT/build}"
VENV="${S2S_VENV:-$HOME/.cache/s2s/venv}"
TORCH_VERSION="${S2S_TORCH_VERSION:-2.15.0}"
JOBS="${S2S_JOBS:-$(nproc)}"
# Python packages of the venv: the tests' independent oracles (h5py reads our shards,
# sacrebleu checks our BLEU/chrF), and numpy which both need.
ORACLES=(numpy h5py sacrebleu)

TARGETS=("$@")  # none: ninja's default, every target
started=$SECONDS
worked=0  # whether any stage had something to do

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }
# stage NAME WHAT: a stage starts; stage_done NAME [MORE]: it ended, with its time.
stage() { worked=1; stage_start=$SECONDS; say "$1: $2"; }
stage_done() { say "$1: done in $((SECONDS - stage_start)) s${2:+, $2}"; }

# ---- Debian packages ---------------------------------------------------------------------
APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  python3 python3-venv python3-pip
  libopenmpi-dev openmpi-bin          # MPI: rank placement and the CPU all-reduce
  libhdf5-dev hdf5-tools              # sharded corpora and checkpoints (h5dump to look inside)
  libssl-dev                          # SHA-256 checksums (OpenSSL's libcrypto)
  libyaml-cpp-dev                     # config files
  libgtest-dev libgmock-dev           # tests
  libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libsentencepiece-dev sentencepiece  # subword tokenizers
  libbenchmark-dev                    # bench/
  gnuplot-nox                         # pictures: alignment heatmaps and training curves
  slurm-wlm munge                     # tests/launch: a one-node Slurm (srun --mpi=pmix: mpi_pmix_v4
  libpmix2 iproute2                   #   of slurm-wlm-basic-plugins, on libpmix2); netns "hosts"
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  stage packages "installing ${#missing[@]} Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$(mktemp /tmp/s2s-setup-apt.XXXXXX.log)"
  $SUDO apt-get update -q >"$apt_log" 2>&1 || { tail -n 20 "$apt_log" >&2; die "apt-get update failed (log: $apt_log)"; }
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 \
    || { tail -n 20 "$apt_log" >&2; die "apt-get install failed for: ${missing[*]} (log: $apt_log)"; }
  rm -f "$apt_log"
  stage_done packages
fi

# ---- Python venv: torch (unless the user brings a LibTorch) and the test oracles ----------
want=("${ORACLES[@]}")
[ -n "${LIBTORCH:-}" ] || want+=("torch==$TORCH_VERSION")
stamp="$VENV/.s2s-requirements"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${want[*]}" ]; then
  stage virtualenv "installing into $VENV: ${want[*]} (torch with CUDA is a few GB, once)"
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" || die "python3 -m venv $VENV failed (is python3-venv installed?)"
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${want[@]}" \
    || die "pip install ${want[*]} failed"
  echo "${want[*]}" > "$stamp"
  stage_done virtualenv "$(du -sh "$VENV" 2>/dev/null | cut -f1) on disk"
fi
PYTHON="$VENV/bin/python"

# ---- Which LibTorch ------------------------------------------------------------------------
if [ -n "${LIBTORCH:-}" ]; then
  [ -d "$LIBTORCH/share/cmake/Torch" ] || die "LIBTORCH=$LIBTORCH has no share/cmake/Torch: point it at an unpacked LibTorch"
  TORCH_PREFIX="$LIBTORCH/share/cmake"
else
  TORCH_PREFIX="$("$PYTHON" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)' 2>/dev/null)" \
    || die "torch in $VENV does not import; remove $VENV and run again"
  # Debian's libraries (yaml-cpp, spdlog, ...) use the C++11 std::string ABI; a torch built
  # with the old ABI would link but crash. Wheels since torch 2.7 use the new one.
  abi="$("$PYTHON" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null)"
  [ "$abi" = 1 ] || die "torch $TORCH_VERSION in $VENV uses the pre-C++11 ABI, which Debian's libraries cannot link with; use a newer S2S_TORCH_VERSION or LIBTORCH=/path/to/cxx11-abi/libtorch"
fi
PREFIX_PATH="$TORCH_PREFIX${CMAKE_PREFIX_PATH:+;$CMAKE_PREFIX_PATH}"

# ---- Configure (only when needed) -----------------------------------------------------------
cache="$BUILD_DIR/CMakeCache.txt"
configure_failed() { tail -n 30 "$BUILD_DIR/configure.log" >&2; die "cmake configure failed (full log: $BUILD_DIR/configure.log)"; }
if [ ! -f "$cache" ] || ! grep -qxF "CMAKE_PREFIX_PATH:UNINITIALIZED=$PREFIX_PATH" "$cache" \
   || ! grep -qxF "S2S_PYTHON:FILEPATH=$PYTHON" "$cache"; then
  stage configure "cmake $BUILD_DIR"
  mkdir -p "$BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_PREFIX_PATH="$PREFIX_PATH" -DS2S_PYTHON="$PYTHON" ${S2S_CMAKE_ARGS:-} \
    > "$BUILD_DIR/configure.log" 2>&1 || configure_failed
  sed -n '/^-- s2s /,/^-- $/p' "$BUILD_DIR/configure.log" >&2
  stage_done configure
elif ninja -C "$BUILD_DIR" -n build.ninja 2>/dev/null | grep -q '^\['; then
  # A CMakeLists.txt changed, or the git commit did (trainer/cli/CMakeLists.txt): ninja
  # would re-run CMake first; do it here, so that the build step's count below is right.
  stage configure "cmake again in $BUILD_DIR (a CMakeLists.txt or the git commit changed)"
  ninja -C "$BUILD_DIR" build.ninja > "$BUILD_DIR/configure.log" 2>&1 || configure_failed
  stage_done configure
fi

# ---- Build: the targets asked for ------------------------------------------------------------
what="${TARGETS[*]:-all targets}"
# The steps ninja would run (one "[i/N] ..." line each in a dry run): 0 when up to date.
dry=$(ninja -C "$BUILD_DIR" -n "${TARGETS[@]}" 2>&1) || die "cannot build $what: $(tail -n 1 <<<"$dry")"
steps=$(grep -c '^\[' <<<"$dry" || true)
if ((steps > 0)); then
  total=$(ninja -C "$BUILD_DIR" -t commands "${TARGETS[@]}" 2>/dev/null | wc -l)
  stage build "$what: $steps of its $total build steps to run (ninja -j$JOBS)"
  ninja -C "$BUILD_DIR" -j "$JOBS" "${TARGETS[@]}" || die "build failed ($what)"
  stage_done build
fi
if ((worked)); then
  say "ready in $((SECONDS - started)) s: $BUILD_DIR/s2s ($what)"
else
  say "up to date: $BUILD_DIR/s2s ($what)"
fi
