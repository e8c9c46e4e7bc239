#!/usr/bin/env bash
# The corpus stage of launch/recipes/bible-es-en.sh on five books, without training:
# `--corpus-only --books Ruth,Ps,Song,Jonah,Phlm,3John`, Jonah and Philemon held out for
# validation, Ruth and 3 John for test, Psalms and the Song of Songs left to train on. Checks
#   1. the files: train/valid/test.tsv are source<TAB>target lines, both sides non-empty,
#      no markup, no Strong's numbers, one space between words, NFC; .refs line-parallel;
#      stats.json counts what the files hold
#   2. the book hold-out: each split holds exactly its books' verses, none in training
#   3. the alignment: every verse of Ruth, Philemon and 3 John is the text SWORD's own
#      plain-text renderer (`diatheke -f plain`) gives for that reference in that module
#      (up to whitespace); 3 John 1:15, which only the English has, is dropped and counted;
#      Jonah 1:17 (empty in the Spanish module, whose Jonah 2 is shifted by one verse) and
#      all of Jonah 2 are dropped as misaligned; Psalm titles open verse 1 only; the
#      speaker labels of the Song of Songs are gone
#   4. refusals: a book held out twice, or an unknown book, is one line and nothing written
#
#   tests/launch/bible_corpus_test.sh SOURCE_DIR
#
# Installs sword-text-sparv, sword-text-web and diatheke if missing (needs root then).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 SOURCE_DIR" >&2; exit 2; }
SRC="$(cd "$1" && pwd)"
fail() { printf '[bible-corpus-test] FAILED: %s\n' "$*" >&2; exit 1; }
WORK="$(mktemp -d /tmp/s2s-bible-corpus-test.XXXXXX)"
cleanup() {
  local rc=$?
  if [ "$rc" = 0 ]; then rm -rf "$WORK"; else echo "[bible-corpus-test] kept $WORK for a look" >&2; fi
}
trap cleanup EXIT

bash "$SRC/launch/recipes/bible-es-en.sh" --corpus-only --out "$WORK/out" \
  --books Ruth,Ps,Song,Jonah,Phlm,3John --valid-books Jonah,Phlm --test-books Ruth,3John \
  > "$WORK/recipe.log" 2>&1 || { cat "$WORK/recipe.log" >&2; fail "the corpus stage failed"; }
grep -q "dropped verses: " "$WORK/recipe.log" || fail "the recipe did not print the dropped counts"

python3 - "$WORK/out/text" <<'EOF'
import json, os, re, subprocess, sys, unicodedata
d = sys.argv[1]
def check(ok, what):
    if not ok:
        print(f"[bible-corpus-test] FAILED: {what}", file=sys.stderr)
        sys.exit(1)

# 1. files
splits = {}
for name in ("train", "valid", "test"):
    raw = open(os.path.join(d, f"{name}.tsv"), "rb").read()
    check(raw.endswith(b"\n"), f"{name}.tsv does not end with a newline")
    lines = raw.decode("utf-8").split("\n")[:-1]
    refs = open(os.path.join(d, f"{name}.refs"), encoding="utf-8").read().split("\n")[:-1]
    check(len(lines) == len(refs) > 0, f"{name}.tsv has {len(lines)} lines, {name}.refs {len(refs)}")
    rows = {}
    for ref, line in zip(refs, lines):
        check(re.fullmatch(r"[1-3]?[A-Za-z]+\.\d+\.\d+", ref), f"{name}.refs: '{ref}' is no OSIS reference")
        check(ref not in rows, f"{name}.refs: {ref} twice")
        cols = line.split("\t")
        check(len(cols) == 2, f"{name}.tsv {ref}: {len(cols)} columns, want source<TAB>target")
        for side in cols:
            check(side and side == side.strip() and "  " not in side, f"{name}.tsv {ref}: empty side or stray spaces: '{side}'")
            check(not re.search(r"[<>]|\b[GH]\d{3,4}\b|savlm|strong:", side), f"{name}.tsv {ref}: markup left: '{side}'")
            check(unicodedata.is_normalized("NFC", side), f"{name}.tsv {ref}: not NFC")
        rows[ref] = cols
    splits[name] = rows
stats = json.load(open(os.path.join(d, "stats.json")))
check(stats["pairs"] == {k: len(v) for k, v in splits.items()}, f"stats.json pairs {stats['pairs']} differ from the files")
check(stats["dropped"] == {k: len(v) for k, v in stats["dropped_refs"].items()}, "stats.json dropped counts differ from its lists")

# 2. hold-out by book
books = {k: {r.split(".")[0] for r in v} for k, v in splits.items()}
check(books == {"train": {"Ps", "Song"}, "valid": {"Jonah", "Phlm"}, "test": {"Ruth", "3John"}}, f"books per split: {books}")

# 3. alignment
def plain(module, osis, name):
    """{ref: text} as diatheke's plain renderer prints the book (verses may span lines)."""
    out = subprocess.run(["diatheke", "-b", module, "-f", "plain", "-k", osis],
                         check=True, capture_output=True, text=True).stdout
    verses, cur = {}, None
    for line in out.split("\n"):
        m = re.match(r"\s*" + re.escape(name) + r" (\d+):(\d+): (.*)", line)
        if m:
            cur = f"{osis}.{m.group(1)}.{m.group(2)}"
            verses[cur] = m.group(3)
        elif line.startswith(f"({module})"):
            cur = None
        elif cur:
            verses[cur] += "\n" + line
    return verses
# The plain renderer leaves some Strong's numbers as <G5547> in the Spanish; whitespace
# differs (it keeps poetry's line breaks), the words must not.
squash = lambda s: re.sub(r"\s+", "", re.sub(r"<[GH]\d+>", "", s))
for osis, name, split in (("Ruth", "Ruth", "test"), ("Phlm", "Philemon", "valid"), ("3John", "III John", "test")):
    es, en = plain("spaRV1909eb", osis, name), plain("engWEB2015eb", osis, name)
    ours = {r: v for r, v in splits[split].items() if r.startswith(osis + ".")}
    want = {r for r in es if r in en}
    check(set(ours) == want, f"{osis}: {len(ours)} pairs, want the {len(want)} verses both modules have")
    for ref, (s, t) in ours.items():
        check(squash(s) == squash(es[ref]), f"{ref} Spanish differs from diatheke -f plain: '{s}' vs '{es[ref]}'")
        check(squash(t) == squash(en[ref]), f"{ref} English differs from diatheke -f plain: '{t}' vs '{en[ref]}'")
check(len([r for r in splits["test"] if r.startswith("Ruth.")]) == 85, "Ruth has 85 verses in both modules")
check(stats["dropped_refs"]["missing_in_source"] == ["3John.1.15"], f"missing in source: {stats['dropped_refs']['missing_in_source']}")
check("Jonah.1.17" in stats["dropped_refs"]["empty_source"], "Jonah 1:17 (empty in Spanish) not dropped")
check(stats["misaligned_chapters"] == ["Jonah.2"], f"chapters dropped as misaligned: {stats['misaligned_chapters']}")
jonah = sorted((int(r.split(".")[1]), int(r.split(".")[2])) for r in splits["valid"] if r.startswith("Jonah."))
check(jonah == [(1, v) for v in range(1, 17)] + [(3, v) for v in range(1, 11)] + [(4, v) for v in range(1, 12)],
      f"Jonah verses kept: {jonah}")
ps = splits["train"]
check(ps["Ps.3.1"][1].startswith("A Psalm by David, when he fled from Absalom his son. Yahweh, how my adversaries"), f"Ps 3:1: {ps['Ps.3.1'][1]}")
check(ps["Ps.3.1"][0].startswith("Salmo de David, cuando huía de delante de Absalom su hijo."), f"Ps 3:1: {ps['Ps.3.1'][0]}")
check("Absalom" not in ps["Ps.3.2"][1], f"Ps 3:2 repeats the title of Ps 3: {ps['Ps.3.2'][1]}")
check(ps["Ps.10.1"][1].startswith("Why do you stand far off, Yahweh?"), f"Ps 10:1 (no title): {ps['Ps.10.1'][1]}")
check(ps["Ps.119.9"][1].startswith("BETH How can a young man"), f"Ps 119:9: {ps['Ps.119.9'][1]}")
song = ps["Song.1.4"][1]
check("rooms. We will be glad and rejoice in you." in song and "Friends" not in song, f"Song 1:4 (a speaker label inside): {song}")
check(ps["Ps.90.1"][1].startswith("A Prayer by Moses, the man of God. Lord, you have been"), f"Ps 90:1: {ps['Ps.90.1'][1]}")
EOF

# 4. refusals: one line naming the problem, non-zero exit, no output directory.
for bad in "--valid-books Ruth --test-books Ruth" "--books Ruth,Nope --valid-books Ruth --test-books Ruth"; do
  # shellcheck disable=SC2086
  if python3 "$SRC/launch/recipes/bible_corpus.py" --out "$WORK/bad" --raw "$WORK/out/raw" $bad 2> "$WORK/err"; then
    fail "bible_corpus.py accepted $bad"
  fi
  [ "$(wc -l < "$WORK/err")" = 1 ] || { cat "$WORK/err" >&2; fail "refusing $bad took more than one line"; }
  [ ! -e "$WORK/bad" ] || fail "refusing $bad left $WORK/bad behind"
done
grep -q "unknown book 'Nope'" "$WORK/err" || fail "the unknown book is not named: $(cat "$WORK/err")"
echo "[bible-corpus-test] passed: $(sed -n 's/.*aligned pairs: //p' "$WORK/recipe.log")"
