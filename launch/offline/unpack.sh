#!/usr/bin/env bash
# Unpacks the Debian packages that launch/offline/fetch.sh fetched into PREFIX (never into /),
# makes them work from there, and writes two files to use them:
#
#   bash launch/offline/unpack.sh PREFIX [DEBS_DIR]     (default DEBS_DIR: launch/offline/debs)
#   . PREFIX/s2s-offline.env                            PATH, LD_LIBRARY_PATH, Open MPI, PMIx, ...
#   cmake -C PREFIX/s2s-offline.cmake ...               where each CMake package is
#
# For a machine with a compiler but without these libraries and without a package registry
# (launch/gpu-check.sh runs it). No root needed, no dpkg needed (Python unpacks a .deb where
# dpkg-deb is missing; S2S_OFFLINE_EXTRACT=python forces that).
#
# What relocation breaks, and what this does about it:
#   - bookworm still ships some files in /lib: merged into PREFIX/usr/lib (as usrmerge does)
#   - absolute symbolic links become relative ones; a link into a package left out (`have` in
#     packages.list) points at the machine's copy where the unpacked libraries load that
#     library from the machine anyway (zlib1g-dev's libz.so), and is removed otherwise
#   - pkg-config files, CMake files, h5cc and the other wrapper scripts name /usr: rewritten
#   - the links that Debian's alternatives would make (mpicc, mpirun, hdf5.pc) are made
#   - Open MPI and PMIx find their plugins, help texts and settings through OPAL_PREFIX,
#     OPAL_SYSCONFDIR and PMIX_* (the env file); hwloc's plugins are switched off
# Then checks what the unpacked files need from the machine: the glibc and libstdc++ symbol
# versions (Debian 12 needs glibc >= 2.36) and every shared library they load. A machine that
# falls short gets one line saying what and exit code 1.
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf '[offline-unpack] %s\n' "$*" >&2; }
trap 'say "error: stopped at line $LINENO of $0 (a bug of this script: please report it)"' ERR
is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
die() { printf '[offline-unpack] error: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 PREFIX [DEBS_DIR]"
DEBS="$(cd "${2:-$HERE/debs}" 2>/dev/null && pwd)" \
  || die "no package folder ${2:-$HERE/debs}: run launch/offline/fetch.sh on Debian 12 first (and carry launch/offline/debs)"
MANIFEST="$DEBS/MANIFEST"
[ -f "$MANIFEST" ] || die "no $MANIFEST: run launch/offline/fetch.sh first"
ARCH=x86_64-linux-gnu
[ "$(uname -m)" = x86_64 ] || die "these packages are for x86-64; this machine is $(uname -m)"

mkdir -p "$1" || die "cannot make the prefix $1"
P="$(cd "$1" && pwd -P)"
[ "$P" != / ] || die "will not unpack into /: name an empty folder"
STAMP="$P/.s2s-offline"   # a copy of the MANIFEST it was unpacked from
fresh=1
if [ -n "$(ls -A "$P")" ]; then
  [ -f "$STAMP" ] || die "$P is not empty and was not made by this script: name an empty or new folder"
  if [ "$(cat "$STAMP")" = "$(cat "$MANIFEST")" ]; then
    say "$P already holds these packages: checking them against this machine again"
    fresh=0
  else
    say "emptying $P (unpacked from other packages)"
    find "$P" -mindepth 1 -delete
  fi
fi

# The machine's own copy of a library: by its file name, then by shorter version suffixes
# (libz.so.1.2.13 -> libz.so.1), in ld.so's cache and the usual folders.
SYSTEM_LIB_DIRS=(/lib64 /usr/lib64 /lib/$ARCH /usr/lib/$ARCH /lib /usr/lib)
LDCACHE="$( { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | awk '/ => /{ print $1, $NF }')"
system_lib() {
  local n="$1" d hit
  while :; do
    hit="$(awk -v n="$n" '$1 == n { print $2; exit }' <<<"$LDCACHE")"
    [ -n "$hit" ] && [ -e "$hit" ] && { echo "$hit"; return 0; }
    for d in "${SYSTEM_LIB_DIRS[@]}"; do
      [ -e "$d/$n" ] && { echo "$d/$n"; return 0; }
    done
    [[ $n == *.so.* ]] || return 1
    n="${n%.*}"
  done
}
dangling=()   # links into packages left out (step 4 decides)

# Steps 1-3, for a new or emptied prefix.
unpack_into_prefix() {
# ---- 1. extract -------------------------------------------------------------------------------
extract_python() {  # .deb = ar archive holding data.tar.{xz,zst,gz}; the standard library reads it
  python3 - "$1" "$P" <<'PY'
import io, sys, tarfile
deb, dest = sys.argv[1], sys.argv[2]
with open(deb, "rb") as f:
    if f.read(8) != b"!<arch>\n":
        sys.exit(f"{deb}: not a Debian package (no ar header)")
    while True:
        header = f.read(60)
        if len(header) < 60:
            sys.exit(f"{deb}: no data.tar member")
        name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
        body = f.read(size)
        f.read(size % 2)
        if name.startswith("data.tar"):
            if name.endswith(".zst"):
                sys.exit(f"{deb}: data.tar.zst needs dpkg-deb or zstd, neither of which Python has")
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                kw = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
                tar.extractall(dest, **kw)
            break
PY
}
method="${S2S_OFFLINE_EXTRACT:-}"
[ -n "$method" ] || { command -v dpkg-deb >/dev/null && method=dpkg || method=python; }
case "$method" in dpkg|python) ;; *) die "S2S_OFFLINE_EXTRACT=$method: use dpkg or python" ;; esac
count=0
while read -r name version file _; do
  [ -f "$DEBS/$file" ] || die "$MANIFEST lists $file, which is not in $DEBS: run fetch.sh again"
  if [ "$method" = dpkg ]; then
    dpkg-deb -x "$DEBS/$file" "$P" || die "dpkg-deb -x $file failed"
  else
    extract_python "$DEBS/$file" || die "unpacking $file with Python failed"
  fi
  count=$((count + 1))
done < "$MANIFEST"
say "1/5 unpacked $count packages into $P (with $method)"

# ---- 2. file system layout: /lib -> /usr/lib, absolute and dangling links ----------------------
for d in bin sbin lib lib64; do
  if [ -d "$P/$d" ] && [ ! -L "$P/$d" ]; then
    mkdir -p "$P/usr/$d"
    cp -a "$P/$d/." "$P/usr/$d/"
    rm -rf "${P:?}/$d"
    ln -s "usr/$d" "$P/$d"
  fi
done
relinked=0
while IFS= read -r -d '' link; do
  target="$(readlink "$link")"
  if [[ $target == /* ]]; then
    t="$target"
    case "$t" in /lib/*|/lib64/*|/bin/*|/sbin/*) t="/usr$t" ;; esac
    if [ -e "$P$t" ] || [ -L "$P$t" ]; then
      ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$P$t")" "$link"
      relinked=$((relinked + 1))
    else
      dangling+=("$link")   # into a package left out, wherever this machine has it
      continue
    fi
  fi
  [ -e "$link" ] || dangling+=("$link")
done < <(find "$P" -type l -print0)
say "2/5 links: /lib merged into /usr/lib, $relinked absolute links made relative, ${#dangling[@]} point into packages left out (step 4)"

# ---- 3. the alternatives Debian's maintainer scripts would set, and files naming /usr ------------
for f in "$P"/usr/bin/*.openmpi; do   # mpicc, mpirun, mpiexec, mpic++ ...
  [ -e "$f" ] || continue
  n="$(basename "$f" .openmpi)"
  [ -e "$P/usr/bin/$n" ] || ln -s "$(basename "$f")" "$P/usr/bin/$n"
done
pc="$P/usr/lib/$ARCH/pkgconfig"
if [ -e "$pc/hdf5-serial.pc" ] && [ ! -e "$pc/hdf5.pc" ]; then ln -s hdf5-serial.pc "$pc/hdf5.pc"; fi
for f in "$P"/usr/lib/libpsm1/libpsm_infinipath.so.1.*; do  # Open MPI's PSM plugin loads it
  if [ -e "$f" ] && [ ! -e "$P/usr/lib/$ARCH/libpsm_infinipath.so.1" ]; then
    ln -s "../libpsm1/$(basename "$f")" "$P/usr/lib/$ARCH/libpsm_infinipath.so.1"
  fi
done
for tool in mpicc mpirun h5cc pkg-config; do
  [ -e "$P/usr/bin/$tool" ] || die "no $tool in $P/usr/bin after unpacking: is $MANIFEST from packages.list?"
done
# pkg-config and CMake files, wrapper data, the h5cc family and other scripts: /usr -> PREFIX/usr.
# (CMake's own files compute their prefix from where they lie; rewritten, they still agree.)
rewritten=0
while IFS= read -r -d '' f; do
  if is_elf "$f"; then continue; fi
  grep -qI '/usr' "$f" || continue
  sed -i -E "s#(^|[^A-Za-z0-9_./-]|-[IL])/usr\b#\1$P/usr#g" "$f"   # /usr, "/usr", -I/usr, =/usr
  rewritten=$((rewritten + 1))
done < <(find "$P/usr" -type f \( -name '*.pc' -o -name '*.cmake' -o -name '*-wrapper-data.txt' \
           -o -name '*.personality' -o -name '*.settings' -o -path "$P/usr/bin/*" \) -print0)
say "3/5 alternatives linked (mpicc, mpirun, hdf5.pc, ...); $rewritten files naming /usr rewritten"
cp "$MANIFEST" "$STAMP"
}
if ((fresh)); then unpack_into_prefix; fi

rm -f "$P/s2s-offline.env" "$P/s2s-offline.cmake"   # written again only if the checks pass
# ---- 4. what the unpacked files need from this machine ---------------------------------------------
if command -v objdump >/dev/null; then
  elf_tool=objdump
  dyn() { objdump -p "$1" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }' || true; }
  vers() { objdump -T "$1" 2>/dev/null | grep -oE '\((GLIBC|GLIBCXX|CXXABI)_[0-9.]+\)' | tr -d '()' || true; }
  defs() { objdump -p "$1" 2>/dev/null | grep -oE '\b(GLIBCXX|CXXABI)_[0-9.]+\b' || true; }
elif command -v readelf >/dev/null; then
  elf_tool=readelf
  dyn() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' || true; }
  vers() { readelf -V "$1" 2>/dev/null | grep -oE 'Name: (GLIBC|GLIBCXX|CXXABI)_[0-9.]+' | cut -d' ' -f2 || true; }
  defs() { readelf -V "$1" 2>/dev/null | grep -oE '\b(GLIBCXX|CXXABI)_[0-9.]+\b' || true; }
else
  elf_tool=""
fi
report="$P/share/s2s-offline"
mkdir -p "$report"
: > "$report/needed-from-system.txt"
: > "$report/symbol-versions.txt"
problems=0
declare -A need_by=()   # need_by[SONAME]: the unpacked files that load it from this machine
if [ -n "$elf_tool" ]; then
  declare -A own=()     # the sonames the prefix holds itself
  while IFS= read -r -d '' f; do own[$(basename "$f")]=1; done \
    < <(find "$P/usr/lib" \( -type f -o -type l \) -name '*.so*' -print0)
  elves=()
  while IFS= read -r -d '' f; do
    if is_elf "$f"; then elves+=("$f"); fi
  done < <(find "$P/usr" -type f \( -name '*.so*' -o -perm -u+x \) -print0)
  for f in "${elves[@]}"; do
    for n in $(dyn "$f"); do
      [ -n "${own[$n]:-}" ] && continue
      need_by[$n]="${need_by[$n]:-}${need_by[$n]:+ }${f#"$P"/}"
    done
    vers "$f" >> "$report/symbol-versions.txt"
  done
  for n in "${!need_by[@]}"; do
    printf '%s %s\n' "$n" "$(wc -w <<<"${need_by[$n]}")"
  done | sort > "$report/needed-from-system.txt"
fi

# Links into packages left out: where the unpacked libraries load that library from this
# machine anyway (zlib1g-dev's libz.so -> zlib1g's libz.so.1), the link points at the
# machine's copy; the other such links (HDF5's C++ and Fortran libraries) are removed.
loaded_from_system() {  # NAME -> the name (NAME or a shorter version suffix) the prefix NEEDs
  local n="$1"
  while :; do
    if [ -z "$elf_tool" ] || [ -n "${need_by[$n]:-}" ]; then echo "$n"; return 0; fi
    [[ $n == *.so.* ]] || return 1
    n="${n%.*}"
  done
}
to_system=() dropped=0
for link in "${dangling[@]+"${dangling[@]}"}"; do
  base="$(basename "$(readlink "$link")")" sys=""
  if [[ $base == lib*.so* ]] && n="$(loaded_from_system "$base")"; then sys="$(system_lib "$n" || true)"; fi
  if [ -n "$sys" ]; then
    ln -sfn "$sys" "$link"; to_system+=("${link#"$P"/} -> $sys")
  else
    rm -f "$link"; dropped=$((dropped + 1))
  fi
done
say "4/5 links into packages left out: ${#to_system[@]} pointed at this machine's libraries, $dropped removed"
for l in "${to_system[@]+"${to_system[@]}"}"; do say "      $l"; done

if [ -z "$elf_tool" ]; then
  say "4/5 warning: neither objdump nor readelf here: the glibc and library checks are skipped"
else
  max_of() { { grep "^$1_" "$report/symbol-versions.txt" || true; } | sed "s/^$1_//" | sort -uV | tail -n 1; }
  glibc_need="$(max_of GLIBC)"
  glibc_have="${S2S_OFFLINE_GLIBC:-}"   # set: pretend this version (to see the check refuse)
  [ -n "$glibc_have" ] || glibc_have="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{ print $2 }' || true)"
  [ -n "$glibc_have" ] || glibc_have="$(ldd --version 2>/dev/null | head -n 1 | awk '{ print $NF }' || true)"
  if [ -z "$glibc_have" ]; then
    say "error: cannot tell this machine's glibc version (getconf GNU_LIBC_VERSION, ldd --version): Debian 12's libraries need glibc >= $glibc_need"
    problems=$((problems + 1))
  elif [ "$(printf '%s\n%s\n' "$glibc_need" "$glibc_have" | sort -V | head -n 1)" != "$glibc_need" ]; then
    say "error: this machine's glibc is $glibc_have, older than the $glibc_need that Debian 12's libraries need: they cannot run here (use a machine with glibc >= $glibc_need, or build these libraries from source)"
    problems=$((problems + 1))
  fi
  # libstdc++: Debian's C++ libraries (yaml-cpp, spdlog, sentencepiece, ...) run on the machine's.
  cxx_need="$(max_of GLIBCXX)" cxxabi_need="$(max_of CXXABI)"
  stdcxx="$(system_lib libstdc++.so.6 || true)"
  if [ -n "$cxx_need" ] && [ -z "$stdcxx" ]; then
    say "error: no libstdc++.so.6 on this machine; Debian 12's C++ libraries need one with GLIBCXX_$cxx_need"
    problems=$((problems + 1))
  elif [ -n "$cxx_need" ]; then
    have_defs="$(defs "$(readlink -f "$stdcxx")" | sort -u)"
    for v in "GLIBCXX_$cxx_need" ${cxxabi_need:+"CXXABI_$cxxabi_need"}; do
      if ! grep -qx "$v" <<<"$have_defs"; then
        say "error: this machine's $stdcxx lacks $v, which Debian 12's C++ libraries need: its GCC runtime is older than GCC 12's"
        problems=$((problems + 1))
      fi
    done
  fi
  # Every library they load that the prefix does not hold must be this machine's.
  missing=0
  while read -r n _; do
    system_lib "$n" >/dev/null && continue
    users="${need_by[$n]}"
    if grep -qvE '/(openmpi3|pmix|ucx|libfabric|libibverbs|ossl-modules|engines-3)/' <<<"${users// /$'\n'}"; then
      say "error: $n is missing on this machine; needed by: $users"
      problems=$((problems + 1))
    else
      say "warning: $n is missing on this machine; only plugins need it, which will not load: $users"
    fi
    missing=$((missing + 1))
  done < "$report/needed-from-system.txt"
  say "4/5 checked ${#elves[@]} programs and libraries ($elf_tool): they need glibc >= $glibc_need (here ${glibc_have:-?}), GLIBCXX_${cxx_need:-none}, and $(wc -l < "$report/needed-from-system.txt") libraries from this machine, $missing of them missing (list: $report/needed-from-system.txt)"
fi

((problems == 0)) || die "$problems problem(s) above: the unpacked libraries will not all work on this machine (no env file written)"

# ---- 5. the env file and the CMake initial cache ---------------------------------------------------
L="$P/usr/lib/$ARCH"
cat > "$P/s2s-offline.env" <<EOF
# Written by launch/offline/unpack.sh: the Debian 12 libraries unpacked in $P.
# Source it (. $P/s2s-offline.env) before configuring, building or running s2s with them.
export S2S_OFFLINE_PREFIX="$P"
export PATH="$P/usr/bin\${PATH:+:\$PATH}"
export LD_LIBRARY_PATH="$L:$L/pmix2/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
# find_package/find_library/find_path: CMake looks under lib/$ARCH only where the compiler
# is Debian's (CMAKE_LIBRARY_ARCHITECTURE); the two PATH variables cover other systems.
export CMAKE_PREFIX_PATH="$P/usr\${CMAKE_PREFIX_PATH:+:\$CMAKE_PREFIX_PATH}"
export CMAKE_LIBRARY_PATH="$L\${CMAKE_LIBRARY_PATH:+:\$CMAKE_LIBRARY_PATH}"
export CMAKE_INCLUDE_PATH="$P/usr/include\${CMAKE_INCLUDE_PATH:+:\$CMAKE_INCLUDE_PATH}"
# pkg-config (the prefix's pkgconf) sees the prefix's .pc files only.
export PKG_CONFIG_LIBDIR="$L/pkgconfig:$P/usr/share/pkgconfig"
unset PKG_CONFIG_PATH
export HDF5_ROOT="$P/usr"
# Open MPI: its plugins, help texts and wrapper data under OPAL_PREFIX, Debian's MCA defaults
# under OPAL_SYSCONFDIR; PMIx (external, in its own tree) likewise.
export OPAL_PREFIX="$P/usr"
export OPAL_SYSCONFDIR="$P/etc/openmpi"
# Open MPI's rsh launcher, which starts ranks on other nodes and a singleton's own daemon, will
# not even load without ssh or rsh on the PATH (then every MPI program fails at MPI_Init); on
# one node the isolated launcher needs neither.
if ! command -v ssh >/dev/null 2>&1 && ! command -v rsh >/dev/null 2>&1; then export OMPI_MCA_plm=isolated; fi
export PMIX_PREFIX="$L/pmix2"
export PMIX_EXEC_PREFIX="$L/pmix2"
export PMIX_LIBDIR="$L/pmix2/lib"
export PMIX_DATAROOTDIR="$L/pmix2/share"
export PMIX_DATADIR="$L/pmix2/share"
export PMIX_SYSCONFDIR="$L/pmix2/etc"
# hwloc would load its optional plugins from /usr (not fetched: packages.list); none here.
export HWLOC_PLUGINS_PATH="$L/hwloc"
# OpenSSL's provider modules beside the libcrypto that s2s loads.
export OPENSSL_MODULES="$L/ossl-modules"
export S2S_OFFLINE_CMAKE_CACHE="$P/s2s-offline.cmake"
EOF
{
  echo "# Written by launch/offline/unpack.sh: cmake -C $P/s2s-offline.cmake (with the env file sourced)."
  echo "# Where each CMake package of the Debian libraries in $P is, so that none comes from /usr."
  while IFS= read -r -d '' f; do
    b="$(basename "$f")"; name="${b%Config.cmake}"; name="${name%-config.cmake}"
    echo "set(${name}_DIR \"$(dirname "$f")\" CACHE PATH \"\")"
  done < <(find "$P/usr" -path '*/cmake/*' \( -name '*Config.cmake' -o -name '*-config.cmake' \) -print0 | sort -z)
  cat <<EOF
set(MPI_C_COMPILER "$P/usr/bin/mpicc" CACHE FILEPATH "")
set(MPIEXEC_EXECUTABLE "$P/usr/bin/mpiexec" CACHE FILEPATH "")
set(HDF5_C_COMPILER_EXECUTABLE "$P/usr/bin/h5cc" CACHE FILEPATH "")
set(PKG_CONFIG_EXECUTABLE "$P/usr/bin/pkg-config" CACHE FILEPATH "")
set(OPENSSL_ROOT_DIR "$P/usr" CACHE PATH "")
set(OPENSSL_INCLUDE_DIR "$P/usr/include" CACHE PATH "")
set(OPENSSL_CRYPTO_LIBRARY "$L/libcrypto.so" CACHE FILEPATH "")
set(OPENSSL_SSL_LIBRARY "$L/libssl.so" CACHE FILEPATH "")
# Debian keeps architecture-specific headers (OpenSSL's configuration.h) in include/$ARCH,
# which only Debian's compiler searches by itself.
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES "$P/usr/include/$ARCH" CACHE STRING "")
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES "$P/usr/include/$ARCH" CACHE STRING "")
EOF
} > "$P/s2s-offline.cmake"
say "5/5 env: . $P/s2s-offline.env    CMake: cmake -C $P/s2s-offline.cmake ...  ($(du -sm "$P" | cut -f 1) MB)"
