#!/usr/bin/env python3
"""Verse-aligned Spanish-English corpus from two SWORD Bible modules (launch/recipes/README.md).

Exports every book of both modules with `diatheke` (raw OSIS, one line per verse), strips the
markup, normalises whitespace and Unicode (NFC), aligns the verses by reference (book,
chapter, verse), drops empty and one-sided verses (counted by reason), holds out whole books
for validation and test, checks that no verse of a held-out book is in training, and writes

  OUT/train.tsv valid.tsv test.tsv     source<TAB>target (Spanish<TAB>English)
  OUT/train.refs valid.refs test.refs  the OSIS reference of each line (Gen.1.1), line-parallel
  OUT/stats.json                       pairs per split, dropped verses by reason, the books

Every file is written to a temporary name and renamed once all of them are complete.
Standard library only: it runs on the system python3 of a fresh Debian.
"""
import argparse
import html
import json
import math
import os
import re
import statistics
import subprocess
import sys
import unicodedata

# The 66 books both modules share, in canonical order: OSIS id and the name diatheke prints
# in its keys with the default English locale. The World English Bible module also holds
# the deuterocanonical books (NRSVA versification puts them between the testaments); the
# Reina-Valera 1909 has none, so they are never exported.
BOOKS = [
    ("Gen", "Genesis"), ("Exod", "Exodus"), ("Lev", "Leviticus"), ("Num", "Numbers"),
    ("Deut", "Deuteronomy"), ("Josh", "Joshua"), ("Judg", "Judges"), ("Ruth", "Ruth"),
    ("1Sam", "I Samuel"), ("2Sam", "II Samuel"), ("1Kgs", "I Kings"), ("2Kgs", "II Kings"),
    ("1Chr", "I Chronicles"), ("2Chr", "II Chronicles"), ("Ezra", "Ezra"), ("Neh", "Nehemiah"),
    ("Esth", "Esther"), ("Job", "Job"), ("Ps", "Psalms"), ("Prov", "Proverbs"),
    ("Eccl", "Ecclesiastes"), ("Song", "Song of Solomon"), ("Isa", "Isaiah"),
    ("Jer", "Jeremiah"), ("Lam", "Lamentations"), ("Ezek", "Ezekiel"), ("Dan", "Daniel"),
    ("Hos", "Hosea"), ("Joel", "Joel"), ("Amos", "Amos"), ("Obad", "Obadiah"),
    ("Jonah", "Jonah"), ("Mic", "Micah"), ("Nah", "Nahum"), ("Hab", "Habakkuk"),
    ("Zeph", "Zephaniah"), ("Hag", "Haggai"), ("Zech", "Zechariah"), ("Mal", "Malachi"),
    ("Matt", "Matthew"), ("Mark", "Mark"), ("Luke", "Luke"), ("John", "John"), ("Acts", "Acts"),
    ("Rom", "Romans"), ("1Cor", "I Corinthians"), ("2Cor", "II Corinthians"),
    ("Gal", "Galatians"), ("Eph", "Ephesians"), ("Phil", "Philippians"), ("Col", "Colossians"),
    ("1Thess", "I Thessalonians"), ("2Thess", "II Thessalonians"), ("1Tim", "I Timothy"),
    ("2Tim", "II Timothy"), ("Titus", "Titus"), ("Phlm", "Philemon"), ("Heb", "Hebrews"),
    ("Jas", "James"), ("1Pet", "I Peter"), ("2Pet", "II Peter"), ("1John", "I John"),
    ("2John", "II John"), ("3John", "III John"), ("Jude", "Jude"), ("Rev", "Revelation of John"),
]
BOOK_NAME = dict(BOOKS)
BOOK_ORDER = {osis: i for i, (osis, _) in enumerate(BOOKS)}

# Whole books held out (fixed, not drawn): Old and New Testament, narrative, poetry,
# prophecy and letters. Books with close parallels elsewhere (the synoptic gospels, Samuel/
# Kings/Chronicles, Ephesians/Colossians, 2 Peter/Jude) stay in training, so that a held-out
# verse is not a near copy of a training verse.
VALID_BOOKS = ["Joel", "Nah", "Hab", "Phil", "Titus", "1Pet"]
TEST_BOOKS = ["Ruth", "Esth", "Lam", "Jonah", "Gal", "Jas", "1John"]

SOURCE_MODULE = "spaRV1909eb"   # sword-text-sparv: Reina-Valera 1909 (KJV versification)
TARGET_MODULE = "engWEB2015eb"  # sword-text-web: World English Bible (NRSVA versification)


def die(msg):
    print(f"[bible-corpus] error: {msg}", file=sys.stderr)
    sys.exit(1)


def say(msg):
    print(f"[bible-corpus] {msg}", file=sys.stderr, flush=True)


# ---- export --------------------------------------------------------------------------------

def export_book(module, osis, raw_dir):
    """Raw OSIS of one book of one module (diatheke's internal format), cached in raw_dir."""
    path = os.path.join(raw_dir, f"{module}.{osis}.osis.txt")
    if os.path.exists(path):
        return path
    try:
        out = subprocess.run(["diatheke", "-b", module, "-f", "internal", "-k", osis],
                             check=True, capture_output=True).stdout
    except FileNotFoundError:
        die("diatheke not found: install the Debian package diatheke")
    except subprocess.CalledProcessError as e:
        die(f"diatheke -b {module} -k {osis} failed (exit {e.returncode}): {e.stderr.decode(errors='replace').strip()}")
    if f"{BOOK_NAME[osis]} 1:1: ".encode() not in out:
        die(f"diatheke -b {module} -k {osis} printed no verse '{BOOK_NAME[osis]} 1:1' "
            f"(is the module installed? apt-get install sword-text-sparv sword-text-web)")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, path)
    return path


# ---- cleaning ------------------------------------------------------------------------------

# Markup dropped with its content: notes (footnotes, cross-references), speaker labels of
# the Song of Songs, and non-canonical titles (section headings added by the editors).
DROP_WITH_CONTENT = re.compile(
    r"<note\b[^>]*>.*?</note>|<speaker\b[^>]*>.*?</speaker>"
    r"|<title\b(?![^>]*canonical=\"true\")[^>]*>.*?</title>", re.S)
# Structural milestones (poetry lines, line groups, paragraphs, list items, chapter and
# book boundaries) separate words: they become a space. Every other tag (<w> with its
# Strong's numbers and morphology in attributes, <transChange>, <q>, <divineName>, <seg>, ...)
# is removed and its content kept.
SEPARATORS = re.compile(r"</?(?:l|lg|lb|p|div|chapter|list|item|milestone)\b[^>]*>")
ANY_TAG = re.compile(r"<[^>]*>")
# The World English Bible module has 205 places where two word elements touch with no
# space between them, or only punctuation or quotation tags: "God</w><w>created",
# "Lord</w>,<w>you", "But</w></q><q><w>rise". Each is two words (the Reina-Valera has no
# such place), so a space goes between them.
TOUCHING_WORDS = re.compile(r"</w>((?:[,;:.!?]|</?q\b[^>]*>)*)<w\b")
# A book's last verse is followed by what comes after the book in the module: the World
# English Bible puts its glossary after Revelation 22:21.
BOOK_END = re.compile(r"<div\b[^>]*\beID=[^>]*\btype=\"book\"[^>]*/>.*", re.S)
CANONICAL_TITLE = re.compile(r"<title\b[^>]*canonical=\"true\"[^>]*>(.*?)</title>", re.S)


def clean(raw):
    """Plain text of one verse's raw OSIS: markup stripped, entities decoded, NFC, one space."""
    text = BOOK_END.sub("", raw)
    text = DROP_WITH_CONTENT.sub(" ", text)
    text = TOUCHING_WORDS.sub(r"</w>\1 <w", text)
    text = SEPARATORS.sub(" ", text)
    text = ANY_TAG.sub("", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def read_verses(path, module, osis):
    """{(chapter, verse): text} of one exported book.

    diatheke prints each verse as `[pre-verse]Book C:V: text` on one line. The pre-verse part
    holds headings; in a range export it repeats the previous verse's pre-verse when a verse
    has none of its own (a canonical Psalm title would otherwise start every verse of its
    Psalm), so a pre-verse counts only where it differs from the line before; its canonical
    titles (Psalm superscriptions, the acrostic letters of Psalm 119) are verse text, which
    the Reina-Valera has inside verse 1, and are put in front of the verse.
    """
    key = re.compile(r"(?:^|(?<=[>\s]))" + re.escape(BOOK_NAME[osis]) + r" (\d+):(\d+): ")
    verses, previous_pre = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = key.search(line)
            if not m:
                if line.strip() in ("", f"({module})"):  # diatheke's trailer
                    continue
                die(f"{path}: a line that is no verse of {osis}: '{line.strip()[:60]}'")
            pre, body = line[:m.start()], line[m.end():]
            titles = ""
            if pre != previous_pre:
                titles = " ".join(CANONICAL_TITLE.findall(pre))
            previous_pre = pre
            ref = (int(m.group(1)), int(m.group(2)))
            if ref in verses:
                die(f"{path}: verse {osis} {ref[0]}:{ref[1]} printed twice")
            verses[ref] = clean(titles + " " + body) if titles else clean(body)
    return verses


# ---- alignment and splits ------------------------------------------------------------------

def align(books, raw_dir):
    """Verse pairs {(book, chapter, verse): (es, en)} in canonical order, and the dropped ones.

    dropped maps each reason to the references it dropped.
    """
    pairs = {}
    dropped = {"missing_in_source": [], "missing_in_target": [],
               "empty_source": [], "empty_target": [], "empty_both": []}
    for osis in books:
        es = read_verses(export_book(SOURCE_MODULE, osis, raw_dir), SOURCE_MODULE, osis)
        en = read_verses(export_book(TARGET_MODULE, osis, raw_dir), TARGET_MODULE, osis)
        for ref in sorted(set(es) | set(en)):
            s, t = es.get(ref), en.get(ref)
            if s is None:
                reason = "missing_in_source"
            elif t is None:
                reason = "missing_in_target"
            elif not s and not t:
                reason = "empty_both"
            elif not s:
                reason = "empty_source"
            elif not t:
                reason = "empty_target"
            else:
                pairs[(osis,) + ref] = (s, t)
                continue
            dropped[reason].append(osis_ref((osis,) + ref))
    return pairs, dropped


def osis_ref(key):
    return "{}.{}.{}".format(*key)


# Same reference, different verse. The Reina-Valera module is declared in KJV versification
# but in places keeps the Spanish (Hebrew-based) numbering: Jonah 1:17 is empty and its text
# opens chapter 2, and each verse of Jonah 2 holds the English verse before it; likewise
# Numbers 13 and 30, 1 Samuel 24, Hosea 12, Job 39-40, and smaller shifts elsewhere. Such
# pairs are found by the lengths of translations being proportional (the premise of Gale and
# Church's sentence alignment): with d = |log(chars es / chars en) - median over the corpus|,
# a chapter whose mean d exceeds CHAPTER_FACTOR times the median chapter's is dropped whole,
# and in the rest a pair with d > log(VERSE_RATIO) is dropped. Measured on all 66 books: the
# median chapter scores 0.10, no aligned chapter above 0.20, the shifted ones 0.26 to 0.53;
# a pair 2.5 times longer or shorter than the median ratio is, in the ones read, a shifted
# verse, two verses in one, or a verse with a colophon ("La primera á los Corintios fué
# escrita de Filipos...") that the English lacks.
CHAPTER_FACTOR = 2.25
VERSE_RATIO = 2.5
MIN_CHAPTER_PAIRS = 3  # a chapter with fewer pairs is judged by its verses only


def drop_misaligned(pairs, dropped):
    """Removes the pairs whose lengths say they are not translations of each other.

    Their references go to dropped["misaligned_chapter"] and dropped["length_ratio"]; returns
    the chapters dropped whole ("Jonah.2").
    """
    def log_ratio(key):
        s, t = pairs[key]
        return math.log(len(s) / len(t))
    dropped["misaligned_chapter"], dropped["length_ratio"], bad_chapters = [], [], []
    if not pairs:
        return bad_chapters
    centre = statistics.median(log_ratio(k) for k in pairs)
    dev = {k: abs(log_ratio(k) - centre) for k in pairs}
    chapters = {}
    for k in pairs:
        chapters.setdefault(k[:2], []).append(k)
    score = {c: statistics.mean(dev[k] for k in ks)
             for c, ks in chapters.items() if len(ks) >= MIN_CHAPTER_PAIRS}
    if score:
        limit = CHAPTER_FACTOR * statistics.median(score.values())
        for c, ks in chapters.items():
            if score.get(c, 0) > limit:
                for k in ks:
                    del pairs[k]
                    dropped["misaligned_chapter"].append(osis_ref(k))
                bad_chapters.append("{}.{}".format(*c))
    for k in [k for k in pairs if dev[k] > math.log(VERSE_RATIO)]:
        del pairs[k]
        dropped["length_ratio"].append(osis_ref(k))
    return bad_chapters


def split(pairs, valid_books, test_books):
    """Whole books to valid and test, the rest to train: {split: [(ref, es, en)]}.

    Asserts what the split promises: no verse of a held-out book in training, and each
    held-out split only verses of its own books.
    """
    splits = {"train": [], "valid": [], "test": []}
    for key in sorted(pairs, key=lambda k: (BOOK_ORDER[k[0]],) + k[1:]):
        name = "valid" if key[0] in valid_books else "test" if key[0] in test_books else "train"
        splits[name].append((osis_ref(key),) + pairs[key])
    book = lambda row: row[0].split(".")[0]
    leaked = [r[0] for r in splits["train"] if book(r) in set(valid_books) | set(test_books)]
    if leaked:
        die(f"{len(leaked)} verses of held-out books are in training, e.g. {leaked[0]}")
    for name, books in (("valid", valid_books), ("test", test_books)):
        stray = [r[0] for r in splits[name] if book(r) not in books]
        if stray:
            die(f"{name} holds verses of other books, e.g. {stray[0]}")
    return splits


def write_splits(splits, out_dir, stats):
    os.makedirs(out_dir, exist_ok=True)
    files = []
    for name, rows in splits.items():
        for ext, col in (("tsv", None), ("refs", 0)):
            path = os.path.join(out_dir, f"{name}.{ext}")
            with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
                for ref, s, t in rows:
                    if "\t" in s or "\t" in t:
                        die(f"{ref}: a tab in the text after cleaning")
                    f.write(f"{ref}\n" if col == 0 else f"{s}\t{t}\n")
            files.append(path)
    path = os.path.join(out_dir, "stats.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=2, sort_keys=True)
        f.write("\n")
    files.append(path)
    for p in files:
        os.replace(p + ".tmp", p)


def book_list(text, what):
    books = [b for b in re.split(r"[,\s]+", text.strip()) if b]
    unknown = [b for b in books if b not in BOOK_NAME]
    if unknown:
        die(f"{what}: unknown book '{unknown[0]}' (OSIS ids: {' '.join(BOOK_NAME)})")
    return books


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory for the TSVs, refs and stats.json")
    ap.add_argument("--raw", required=True, help="cache of the diatheke exports")
    ap.add_argument("--books", default=",".join(b for b, _ in BOOKS),
                    help="books to use (OSIS ids, comma-separated; default all 66)")
    ap.add_argument("--valid-books", default=",".join(VALID_BOOKS))
    ap.add_argument("--test-books", default=",".join(TEST_BOOKS))
    a = ap.parse_args()
    books = book_list(a.books, "--books")
    valid_books = book_list(a.valid_books, "--valid-books")
    test_books = book_list(a.test_books, "--test-books")
    both = set(valid_books) & set(test_books)
    if both:
        die(f"book {sorted(both)[0]} is in both --valid-books and --test-books")
    missing = [b for b in valid_books + test_books if b not in books]
    if missing:
        die(f"held-out book {missing[0]} is not among --books")
    if not set(books) - set(valid_books) - set(test_books):
        die("every book is held out: nothing left to train on")
    books.sort(key=BOOK_ORDER.get)

    os.makedirs(a.raw, exist_ok=True)
    say(f"exporting {len(books)} books of {SOURCE_MODULE} and {TARGET_MODULE} with diatheke -> {a.raw}")
    pairs, dropped = align(books, a.raw)
    chapters = drop_misaligned(pairs, dropped)
    splits = split(pairs, valid_books, test_books)
    train_pairs = {(s, t) for _, s, t in splits["train"]}
    stats = {
        "source_module": SOURCE_MODULE, "target_module": TARGET_MODULE,
        "books": books, "valid_books": valid_books, "test_books": test_books,
        "pairs": {k: len(v) for k, v in splits.items()},
        "dropped": {k: len(v) for k, v in dropped.items()},
        "dropped_refs": dropped,
        "misaligned_chapters": chapters,
        # Identical verses recur (refrains, repeated laws); a held-out pair equal to a
        # training pair is counted, not removed: the split is by book.
        "heldout_pairs_also_in_train": {k: sum((s, t) in train_pairs for _, s, t in splits[k])
                                        for k in ("valid", "test")},
    }
    write_splits(splits, a.out, stats)
    say("aligned pairs: " + ", ".join(f"{k} {v}" for k, v in stats["pairs"].items())
        + f" (valid: {' '.join(valid_books)}; test: {' '.join(test_books)})")
    n = stats["dropped"]
    say("dropped verses: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in n.items())
        + f" (total {sum(n.values())}; chapters dropped whole: {' '.join(chapters) or 'none'};"
        + f" every reference is in {a.out}/stats.json)")
    say("held-out pairs identical to a training pair: "
        + ", ".join(f"{k} {v}" for k, v in stats["heldout_pairs_also_in_train"].items()))
    say(f"no verse of a held-out book is in training; wrote {a.out}/{{train,valid,test}}.{{tsv,refs}}")


if __name__ == "__main__":
    main()
