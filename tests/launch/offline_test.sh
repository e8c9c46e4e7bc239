#!/usr/bin/env bash
# The offline packages of launch/gpu-check.sh, on this machine: fetch them (launch/offline/
# fetch.sh), unpack them into a prefix (launch/offline/unpack.sh, with dpkg-deb and with the
# Python fallback a machine without dpkg uses), configure s2s against the given LibTorch with
# the Debian libraries taken from that prefix only, build one small target that links them
# (s2s_data_tests: HDF5, SentencePiece, OpenSSL, spdlog/fmt, GoogleTest) and run it, and run
# a tiny MPI program on 2 ranks with the prefix's mpicc and mpirun, and a fresh CMake project
# that links MPI::MPI_C and yaml-cpp through the prefix's CMake files. This machine has the same
# libraries in /usr, so every step also checks that nothing came from there: the CMake cache,
# the headers each object was compiled from, and every shared object the programs load.
#
#   tests/launch/offline_test.sh SOURCE_DIR TORCH_CMAKE_PREFIX PYTHON WORK_DIR
#
# TORCH_CMAKE_PREFIX: the folder holding Torch/TorchConfig.cmake's parent (torch.utils.cmake_prefix_path).
# Needs apt (Debian 12) and the network for the fetch. WORK_DIR stays at one path from run
# to run, so that ccache finds the objects again; it is removed after a pass.
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 SOURCE_DIR TORCH_CMAKE_PREFIX PYTHON WORK_DIR" >&2; exit 2; }
SRC="$(cd "$1" && pwd)"
TORCH_PREFIX="$2"
PYTHON="$3"
WORK="$4"
JOBS="${S2S_OFFLINE_TEST_JOBS:-2}"
say() { printf '[offline-test %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { printf '[offline-test] FAILED: %s\n' "$*" >&2; exit 1; }
[ -f "$TORCH_PREFIX/Torch/TorchConfig.cmake" ] || fail "no Torch/TorchConfig.cmake under $TORCH_PREFIX"
[ -x "$PYTHON" ] || fail "no Python at $PYTHON"
command -v apt-get >/dev/null || fail "needs apt-get (Debian 12) to fetch the packages"

rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rc=$?; if [ "$rc" = 0 ]; then rm -rf "$WORK"; else echo "[offline-test] kept $WORK for a look" >&2; fi' EXIT
LIST="$SRC/launch/offline/packages.list"
DEBS="$WORK/debs"
P="$WORK/p-dpkg"     # the two prefixes have names of one length: their rewritten files
Q="$WORK/p-pyth"     # then differ in nothing but the prefix
# The packages whose files the prefix may load from the machine: exactly the `have` ones that
# hold shared libraries here (glibc, the GCC runtime, libstdc++, zlib).
BASE_PACKAGES=(libc6 libgcc-s1 libstdc++6 zlib1g)
for p in "${BASE_PACKAGES[@]}"; do
  sed 's/#.*//' "$LIST" | awk -v p="$p" '$1 == "have" && $2 == p' | grep -q . || fail "$LIST no longer lists '$p' as have: update BASE_PACKAGES here"
done
base_sonames="$(dpkg -L "${BASE_PACKAGES[@]}" | grep -E '\.so(\.[0-9]+)*$' | xargs -n 1 basename | sort -u)"

# ---- 1. fetch -------------------------------------------------------------------------------------
t0=$SECONDS
bash "$SRC/launch/offline/fetch.sh" "$DEBS" > "$WORK/fetch.log" 2>&1 \
  || { tail -n 20 "$WORK/fetch.log" >&2; fail "fetch.sh failed (log above)"; }
say "fetch: $(wc -l < "$DEBS/MANIFEST") packages ($((SECONDS - t0)) s)"
mapfile -t want < <(sed 's/#.*//' "$LIST" | awk '$1 == "want" { print $2 }')
mapfile -t have < <(sed 's/#.*//' "$LIST" | awk '$1 == "have" { print $2 }')
for p in "${want[@]}"; do
  grep -q "^$p " "$DEBS/MANIFEST" || fail "wanted package $p is not in $DEBS/MANIFEST"
done
for p in "${have[@]}"; do
  if grep -q "^$p " "$DEBS/MANIFEST"; then fail "package $p, which the machine has ('have'), was fetched"; fi
done
[ "$(ls "$DEBS"/*.deb | wc -l)" = "$(wc -l < "$DEBS/MANIFEST")" ] || fail "$DEBS holds other .deb files than its MANIFEST lists"
# Each .deb is what the MANIFEST says, and its Depends are met inside the set (or by `have`):
# read from the files themselves, apart from fetch.sh's own resolution.
declare -A present=()
for p in "${have[@]}"; do present[$p]=1; done
while read -r p; do present[$p]=1; done < <(apt-cache show --no-all-versions "${have[@]}" 2>/dev/null \
  | sed -n 's/^Provides: //p' | tr ',' '\n' | sed 's/(.*//; s/ //g' | grep .)
deps_of=()
while read -r name version file bytes _; do
  [ "$(dpkg-deb -f "$DEBS/$file" Package)" = "$name" ] && [ "$(dpkg-deb -f "$DEBS/$file" Version)" = "$version" ] \
    || fail "$file is not $name $version, as $DEBS/MANIFEST says"
  [ "$(stat -c %s "$DEBS/$file")" = "$bytes" ] || fail "$file has not the $bytes bytes $DEBS/MANIFEST says"
  present[$name]=1
  for v in $(dpkg-deb -f "$DEBS/$file" Provides | tr ',' '\n' | sed 's/(.*//; s/ //g'); do present[$v]=1; done
  deps_of+=("$name|$(dpkg-deb -f "$DEBS/$file" Pre-Depends Depends | sed -n 's/^[A-Za-z-]*: //p' | tr '\n' ',')")
done < "$DEBS/MANIFEST"
for entry in "${deps_of[@]}"; do
  name="${entry%%|*}"
  IFS=',' read -ra groups <<<"${entry#*|}"
  for g in "${groups[@]}"; do
    g="$(sed 's/([^)]*)//g; s/:any//g; s/ //g' <<<"$g")"
    [ -n "$g" ] || continue
    met=0
    IFS='|' read -ra alts <<<"$g"
    for a in "${alts[@]}"; do [ -n "${present[$a]:-}" ] && met=1; done
    ((met)) || fail "$name depends on '$g', which neither the fetched packages nor the 'have' ones provide"
  done
done
debs_bytes="$(cat "$DEBS"/*.deb | wc -c)"
tree_bytes="$(cd "$SRC" && git ls-files -z | xargs -0 du -cb | tail -n 1 | cut -f 1)"
((debs_bytes + tree_bytes < 48 * 1048576)) \
  || fail "packages ($debs_bytes bytes) and tree ($tree_bytes) leave less than 16 of the 64 MiB that travels"
say "fetch: every wanted package, no 'have' one, all Depends met; $((debs_bytes / 1048576)) MiB of packages + $((tree_bytes / 1048576)) MiB tree"

# ---- 2. unpack, twice ---------------------------------------------------------------------------
t0=$SECONDS
bash "$SRC/launch/offline/unpack.sh" "$P" "$DEBS" > "$WORK/unpack-dpkg.log" 2>&1 \
  || { cat "$WORK/unpack-dpkg.log" >&2; fail "unpack.sh (dpkg-deb) failed (log above)"; }
S2S_OFFLINE_EXTRACT=python bash "$SRC/launch/offline/unpack.sh" "$Q" "$DEBS" > "$WORK/unpack-python.log" 2>&1 \
  || { cat "$WORK/unpack-python.log" >&2; fail "unpack.sh (Python) failed (log above)"; }
listing() { (cd "$1" && find . -printf '%P %y %s %m %l\n' | sed "s#$1/#PREFIX/#g" | sort); }
cmp -s <(listing "$P") <(listing "$Q") \
  || fail "dpkg-deb and the Python fallback unpack differently: $(diff <(listing "$P") <(listing "$Q") | head -n 5)"
say "unpack: dpkg-deb and Python give the same $(listing "$P" | wc -l) entries ($((SECONDS - t0)) s)"
grep -q "need glibc >= 2.36 " "$WORK/unpack-dpkg.log" || fail "unpack.sh did not report the glibc version its libraries need: $(grep checked "$WORK/unpack-dpkg.log")"
# Every library the prefix loads from the machine is one of the base packages'.
while read -r soname _; do
  grep -qx "$soname" <<<"$base_sonames" || fail "the unpacked files load $soname from the machine, which none of ${BASE_PACKAGES[*]} holds: packages.list leaves out a package that is needed"
done < "$P/share/s2s-offline/needed-from-system.txt"
# No file that configures a build still names /usr, and no link dangles or leaves the prefix
# except for the base libraries.
stale="$(grep -rlE '(^|[^A-Za-z0-9_./-]|-[IL])/usr\b' "$P/usr" --include='*.pc' --include='*.cmake' \
           --include='*-wrapper-data.txt' "$P/usr/bin" 2>/dev/null | head -n 3 || true)"
[ -z "$stale" ] || fail "files still naming /usr after unpacking: $stale"
while IFS= read -r -d '' link; do
  [ -e "$link" ] || fail "dangling link after unpacking: $link -> $(readlink "$link")"
  t="$(readlink -f "$link")"
  if [[ $t != "$P"/* ]]; then
    grep -qx "$(basename "$t")" <<<"$(dpkg -L "${BASE_PACKAGES[@]}" | xargs -n 1 basename)" \
      || fail "link $link leaves the prefix for $t, which is not a base library"
  fi
done < <(find "$P" -type l -print0)
# A machine with an older glibc gets one line saying so, and no env file.
if S2S_OFFLINE_GLIBC=2.31 bash "$SRC/launch/offline/unpack.sh" "$P" "$DEBS" > "$WORK/old-glibc.log" 2>&1; then
  fail "unpack.sh accepted a glibc 2.31 machine"
fi
[ "$(grep -c "glibc is 2.31, older than the 2.36" "$WORK/old-glibc.log")" = 1 ] \
  || fail "unpack.sh on glibc 2.31 did not say so in one line: $(cat "$WORK/old-glibc.log")"
[ ! -e "$P/s2s-offline.env" ] || fail "unpack.sh left an env file behind on a glibc it refuses"
bash "$SRC/launch/offline/unpack.sh" "$P" "$DEBS" > "$WORK/unpack-again.log" 2>&1 \
  || { cat "$WORK/unpack-again.log" >&2; fail "unpack.sh into the same prefix again failed"; }
grep -q "already holds these packages" "$WORK/unpack-again.log" || fail "unpack.sh unpacked again what was there"
say "unpack: needs only ${BASE_PACKAGES[*]} from the machine; no /usr left; glibc 2.31 refused in one line"

# Shared objects a command loaded (ld.so's own account): each from the prefix, or a base library.
check_loads() {  # LABEL DIR-OF-LD_DEBUG-FILES
  local label="$1" f n bad=""
  for f in $(cat "$2"/ld.* | sed -n 's/.*calling init: //p' | sort -u); do
    [[ $f == "$Q"/* ]] && continue
    n="$(basename "$f")"
    grep -qx "$n" <<<"$base_sonames" || bad="$bad $f"
  done
  [ -z "$bad" ] || fail "$label loaded shared objects from outside the prefix that are no base library:$bad"
  grep -q "calling init: $Q/" "$2"/ld.* || fail "$label loaded nothing from the prefix (no LD_DEBUG output?)"
}

# ---- 3. configure s2s with the prefix, build and run one target -------------------------------------
# (against the Python-unpacked prefix: that is the path a machine without dpkg takes)
# shellcheck disable=SC1091
. "$Q/s2s-offline.env"
t0=$SECONDS
cmake -S "$SRC" -B "$WORK/build" -G Ninja -C "$Q/s2s-offline.cmake" -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" \
  -DS2S_PYTHON="$PYTHON" -DS2S_BUILD_TESTS=ON -DS2S_BUILD_BENCH=OFF > "$WORK/configure.log" 2>&1 \
  || { tail -n 30 "$WORK/configure.log" >&2; fail "configuring s2s with the prefix failed (log above)"; }
cache="$WORK/build/CMakeCache.txt"
for key in yaml-cpp_DIR spdlog_DIR fmt_DIR GTest_DIR CLI11_DIR nlohmann_json_DIR MPI_C_COMPILER \
           MPI_mpi_LIBRARY MPI_C_HEADER_DIR MPIEXEC_EXECUTABLE HDF5_C_COMPILER_EXECUTABLE \
           HDF5_C_LIBRARY_hdf5 HDF5_C_LIBRARY_curl HDF5_C_LIBRARY_sz HDF5_C_LIBRARY_z \
           HDF5_C_LIBRARY_crypto OPENSSL_CRYPTO_LIBRARY OPENSSL_INCLUDE_DIR PKG_CONFIG_EXECUTABLE \
           pkgcfg_lib_SentencePiece_sentencepiece; do
  value="$(sed -n "s/^$key:[A-Z]*=//p" "$cache")"
  [[ $value == "$Q"/* ]] || fail "CMake found $key at '$value', not in the prefix $Q"
done
# Generally: no path in the cache that the prefix also holds came from the system.
while IFS= read -r value; do
  for v in ${value//;/ }; do
    if [[ $v == /usr/* || $v == /lib/* ]] && [ -e "$Q$v" ]; then fail "CMake took $v from the system, which the prefix has"; fi
  done
done < <(sed -n 's/^[^#/][^:]*:\(FILEPATH\|PATH\|STRING\)=//p' "$cache")
say "configure: every Debian package found in the prefix ($((SECONDS - t0)) s)"

t0=$SECONDS
cmake --build "$WORK/build" --target s2s_data_tests -j "$JOBS" > "$WORK/build.log" 2>&1 \
  || { tail -n 30 "$WORK/build.log" >&2; fail "building s2s_data_tests against the prefix failed (log above)"; }
# Every header compiled in that the prefix also has came from the prefix; and these did
# (OpenSSL's configuration.h lies in Debian's multiarch folder, which only Debian's own
# compiler searches: the CMake cache file adds it).
# (ccache writes paths under the source folder relative to the build folder: made absolute.)
headers="$(cd "$WORK/build" && ninja -t deps | awk '/^    [^ ]/ { print $1 }' | sort -u | xargs realpath -ms)"
while read -r h; do
  if [[ $h == /usr/* ]] && [ -e "$Q$h" ]; then fail "an object was compiled with the system's $h, which the prefix has"; fi
done <<<"$headers"
for h in include/hdf5/serial/hdf5.h include/sentencepiece_processor.h include/openssl/evp.h \
         include/x86_64-linux-gnu/openssl/configuration.h include/spdlog/spdlog.h include/gtest/gtest.h; do
  grep -qx "$Q/usr/$h" <<<"$headers" || fail "no object was compiled with the prefix's $h"
done
say "build: s2s_data_tests, every header of a Debian package from the prefix ($((SECONDS - t0)) s)"
tests_bin="$WORK/build/tests/data/s2s_data_tests"
mkdir -p "$WORK/ld-tests"
LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/ld-tests/ld" "$tests_bin" --gtest_list_tests > /dev/null \
  || fail "s2s_data_tests does not start against the prefix's libraries"
check_loads s2s_data_tests "$WORK/ld-tests"
"$tests_bin" --gtest_brief=1 > "$WORK/data-tests.log" 2>&1 \
  || { tail -n 30 "$WORK/data-tests.log" >&2; fail "s2s_data_tests failed against the prefix's libraries (log above)"; }
say "run: $(grep -o '[0-9]* tests from [0-9]* test suites ran' "$WORK/data-tests.log") and passed; all it loads is the prefix's or a base library"

# ---- 4. MPI: the prefix's mpicc and mpirun, 2 ranks -----------------------------------------------
cat > "$WORK/allreduce.c" <<'EOF'
#include <mpi.h>
#include <stdio.h>
int main(int argc, char** argv) {
  int rank, size, sum;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  printf("rank %d of %d: sum of ranks %d\n", rank, size, sum);
  MPI_Finalize();
  return 0;
}
EOF
[ "$(command -v mpicc)" = "$Q/usr/bin/mpicc" ] || fail "mpicc is $(command -v mpicc), not the prefix's"
mpicc "$WORK/allreduce.c" -o "$WORK/allreduce" || fail "the prefix's mpicc cannot build an MPI program"
mkdir -p "$WORK/ld-mpi"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out="$(LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/ld-mpi/ld" timeout 60 mpirun --oversubscribe -np 2 "$WORK/allreduce" 2>&1)" \
  || fail "mpirun from the prefix failed: $out"
[ "$(sort <<<"$out")" = "$(printf 'rank 0 of 2: sum of ranks 1\nrank 1 of 2: sum of ranks 1')" ] \
  || fail "mpirun -np 2 printed: $out"
check_loads "mpirun -np 2" "$WORK/ld-mpi"
# As on a machine without ssh (which a minimal image lacks): the env file picks the launcher
# that needs none, for mpirun and for a program started alone (a singleton).
to="$(command -v timeout)"
bare="$(env -i HOME="$HOME" PATH=/nonexistent OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  /bin/bash -c ". '$Q/s2s-offline.env' && $to 60 mpirun --oversubscribe -np 2 '$WORK/allreduce' && $to 60 '$WORK/allreduce'" 2>&1)" \
  || fail "without ssh on the PATH, MPI from the prefix failed: $bare"
[ "$(sort <<<"$bare")" = "$(printf 'rank 0 of 1: sum of ranks 0\nrank 0 of 2: sum of ranks 1\nrank 1 of 2: sum of ranks 1')" ] \
  || fail "without ssh on the PATH, the MPI program printed: $bare"
say "mpi: 2 ranks with the prefix's mpicc and mpirun (and without ssh, and a singleton); all loads from the prefix"

# ---- 5. a fresh CMake project: MPI::MPI_C and yaml-cpp (the trainer's) from the cache file ---------
mkdir -p "$WORK/mini"
cat > "$WORK/mini/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(offline_mini LANGUAGES C CXX)
find_package(MPI REQUIRED COMPONENTS C)
find_package(yaml-cpp REQUIRED)
add_executable(mini main.cpp)
target_link_libraries(mini PRIVATE MPI::MPI_C yaml-cpp)
target_compile_definitions(mini PRIVATE OMPI_SKIP_MPICXX)
EOF
cat > "$WORK/mini/main.cpp" <<'EOF'
#include <mpi.h>
#include <yaml-cpp/yaml.h>
#include <cstdio>
int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0, sum = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int add = YAML::Load("train: {add: 10}")["train"]["add"].as<int>();
  const int mine = rank + add;
  MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  std::printf("rank %d of %d: sum %d\n", rank, size, sum);
  MPI_Finalize();
  return 0;
}
EOF
{ cmake -S "$WORK/mini" -B "$WORK/mini/build" -G Ninja -C "$Q/s2s-offline.cmake" && cmake --build "$WORK/mini/build"; } \
  > "$WORK/mini.log" 2>&1 \
  || { tail -n 20 "$WORK/mini.log" >&2; fail "a CMake project with MPI::MPI_C and yaml-cpp from the prefix does not build"; }
for key in MPI_mpi_LIBRARY yaml-cpp_DIR; do
  value="$(sed -n "s/^$key:[A-Z]*=//p" "$WORK/mini/build/CMakeCache.txt")"
  [[ $value == "$Q"/* ]] || fail "the fresh project found $key at '$value', not in the prefix"
done
mkdir -p "$WORK/ld-mini"
out="$(LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/ld-mini/ld" timeout 60 mpirun --oversubscribe -np 2 "$WORK/mini/build/mini" 2>&1)" \
  || fail "the fresh project's program under mpirun failed: $out"
[ "$(sort <<<"$out")" = "$(printf 'rank 0 of 2: sum 21\nrank 1 of 2: sum 21')" ] || fail "the fresh project's program printed: $out"
check_loads "the fresh project's program" "$WORK/ld-mini"
say "cmake: a fresh project links MPI::MPI_C and yaml-cpp from the prefix and runs on 2 ranks"
echo "[offline-test] passed"
