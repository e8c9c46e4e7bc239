#!/usr/bin/env bash
# Fetches, HERE (Debian 12 with apt and a network), the Debian packages that s2s needs on a
# machine without a package registry (launch/gpu-check.sh), into launch/offline/debs/ (git
# ignores it; it travels with the working tree). Nothing is installed.
#
#   bash launch/offline/fetch.sh [DEST]        (default DEST: launch/offline/debs)
#
# Which packages: launch/offline/packages.list, the only place they are named. Each `want`
# package comes with the closure of its Depends and Pre-Depends as apt-cache resolves them
# (candidate versions; of alternatives the first, unless one is already chosen or `have`);
# the closure stops at `have` packages. Prints the total size beside the size of the tracked
# tree: together they must stay well under the 64 MiB that travels.
#
# DEST/MANIFEST lists what was fetched (package, version, file, bytes, and `want` or the
# package whose Depends pulled it in: read it to see why each is there); a second run fetches
# only what changed and deletes .deb files that are no longer wanted.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIST="$HERE/packages.list"
DEST="${1:-$HERE/debs}"
LIMIT_MIB=48   # leaves 16 MiB of the 64 for the tree and what a run carries besides

say() { printf '[offline-fetch] %s\n' "$*" >&2; }
die() { printf '[offline-fetch] error: %s\n' "$*" >&2; exit 1; }

command -v apt-cache >/dev/null && command -v apt-get >/dev/null \
  || die "needs apt-get and apt-cache (run it on Debian 12, the system the packages are for)"
[ "$(dpkg --print-architecture)" = amd64 ] \
  || die "this machine is $(dpkg --print-architecture); the GPU machine is amd64: run it on an amd64 Debian 12"
grep -q '^VERSION_CODENAME=bookworm' /etc/os-release \
  || die "this is not Debian 12 (bookworm): the packages must be bookworm's (see /etc/os-release)"
[ -f "$LIST" ] || die "no package list at $LIST"

# ---- the list -----------------------------------------------------------------------------
declare -A have=() chosen=()   # chosen[PKG]: the package whose Depends pulled it in
want=()
while read -r kind name rest; do
  case "$kind" in
    want) want+=("$name") ;;
    have) have[$name]=1 ;;
    "") ;;
    *) die "$LIST: '$kind $name $rest' is neither 'want PKG' nor 'have PKG'" ;;
  esac
done < <(sed 's/#.*//' "$LIST")
((${#want[@]})) || die "$LIST names no 'want' package"

if ! apt-cache show --no-all-versions "${want[0]}" >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "apt knows no package ${want[0]}: run 'apt-get update' as root first"
  say "apt knows no ${want[0]}: apt-get update"
  apt-get update -q >/dev/null || die "apt-get update failed"
fi
for p in "${want[@]}"; do
  apt-cache show --no-all-versions "$p" >/dev/null 2>&1 || die "$LIST wants '$p', which apt does not know"
done

# ---- the closure --------------------------------------------------------------------------
# One line per dependency group of each package: "PKG|ALT ALT ...", where an alternative is a
# package name or, for a virtual package, "<name>=PROVIDER,PROVIDER".
dep_groups() {
  apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
                    --no-enhances "$@" 2>/dev/null |
  awk '
    function flush() { if (alts != "") print pkg "|" alts; alts = "" }
    /^[^ ]/ { flush(); pkg = $1; open = 0; next }
    /^ [ |](Pre)?Depends: / {
      if (!open) flush()
      alts = alts (alts == "" ? "" : " ") $2
      virtual = ($2 ~ /^</); sep = "="
      open = ($0 ~ /^ \|/); next
    }
    /^    [^ ]/ { if (virtual) { alts = alts sep $1; sep = "," } next }
    END { flush() }'
}
# Is one alternative of a group already there (chosen, or `have`)? Else print the first pick.
pick() {
  local alt name providers p first=""
  for alt in "$@"; do
    if [[ $alt == "<"* ]]; then
      providers="${alt#*=}"; [ "$providers" = "$alt" ] && providers=""
      for p in ${providers//,/ }; do
        [[ -n ${have[$p]:-} || -n ${chosen[$p]:-} ]] && return 0
        [ -n "$first" ] || first="$p"
      done
    else
      [[ -n ${have[$alt]:-} || -n ${chosen[$alt]:-} ]] && return 0
      [ -n "$first" ] || first="$alt"
    fi
  done
  [ -n "$first" ] || { say "warning: no package provides any of: $*"; return 0; }
  printf '%s\n' "$first"
}

say "resolving the closure of ${#want[@]} packages (stopping at ${#have[@]} 'have' ones)"
level=()
for p in "${want[@]}"; do chosen[$p]="want"; level+=("$p"); done
while ((${#level[@]})); do
  next=()
  while IFS='|' read -r pkg alts; do
    # shellcheck disable=SC2086
    p="$(pick $alts)"
    if [ -n "$p" ] && [ -z "${chosen[$p]:-}" ]; then chosen[$p]="$pkg"; next+=("$p"); fi
  done < <(dep_groups "${level[@]}")
  level=("${next[@]+"${next[@]}"}")
done
mapfile -t packages < <(printf '%s\n' "${!chosen[@]}" | sort)
say "${#packages[@]} packages"

# ---- download what is not there yet ---------------------------------------------------------
mkdir -p "$DEST"
manifest="$DEST/MANIFEST"
declare -A have_file=()
if [ -f "$manifest" ]; then
  while read -r name version file _; do
    [ -f "$DEST/$file" ] && have_file["$name=$version"]="$file"
  done < "$manifest"
fi
declare -A version_of=()
while read -r p v; do version_of[$p]="$v"; done < <(
  apt-cache show --no-all-versions "${packages[@]}" | awk '/^Package: /{ p = $2 } /^Version: /{ print p, $2 }')
todo=()
for p in "${packages[@]}"; do
  v="${version_of[$p]:-}"
  [ -n "$v" ] || die "apt has no candidate version of $p"
  [ -n "${have_file["$p=$v"]:-}" ] || todo+=("$p=$v")
done
if ((${#todo[@]})); then
  say "downloading ${#todo[@]} .deb files into $DEST"
  tmp="$(mktemp -d "$DEST/.partial.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # apt-get download as root warns that it cannot drop privileges to _apt: harmless here.
  (cd "$tmp" && apt-get download -q "${todo[@]}" 2>&1 | grep -v 'unsandboxed as root' >&2) \
    || die "apt-get download failed (network? apt-get update?)"
  mv "$tmp"/*.deb "$DEST"/
fi

# ---- manifest, stale files, sizes -------------------------------------------------------------
{
  for p in "${packages[@]}"; do
    f="$(cd "$DEST" && ls -1 "${p}"_*.deb 2>/dev/null | while read -r c; do
           [ "$(dpkg-deb -f "$c" Package)" = "$p" ] && [ "$(dpkg-deb -f "$c" Version)" = "${version_of[$p]}" ] && echo "$c"
         done | head -n 1)"
    [ -n "$f" ] || die "no .deb of $p ${version_of[$p]} in $DEST after the download"
    printf '%s %s %s %s %s\n' "$p" "${version_of[$p]}" "$f" "$(stat -c %s "$DEST/$f")" "${chosen[$p]}"
  done
} > "$manifest.new"
mv "$manifest.new" "$manifest"
stale=0
for f in "$DEST"/*.deb; do
  grep -q " $(basename "$f") " "$manifest" || { rm -f "$f"; stale=$((stale + 1)); }
done
((stale == 0)) || say "deleted $stale .deb files no longer wanted"

debs_bytes="$(awk '{ s += $4 } END { print s + 0 }' "$manifest")"
tree_bytes="$(cd "$ROOT" && git ls-files -z 2>/dev/null | xargs -0 -r du -cb 2>/dev/null | tail -n 1 | cut -f 1)"
tree_bytes="${tree_bytes:-0}"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
say "packages: ${#packages[@]} .deb files, $(mib "$debs_bytes") in $DEST (list: $manifest)"
say "tracked tree: $(mib "$tree_bytes"); together $(mib $((debs_bytes + tree_bytes))) of the 64 MiB that travels"
((debs_bytes <= LIMIT_MIB * 1048576)) \
  || die "the packages take $(mib "$debs_bytes"), more than the $LIMIT_MIB MiB allowed them: trim $LIST"
