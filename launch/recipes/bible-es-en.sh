#!/usr/bin/env bash
# A real corpus, start to finish: Spanish -> English on the Bible, verse-aligned from two
# public-domain SWORD modules that Debian packages, trained within a time budget, scored
# on held-out books with beam search. Unattended on a fresh Debian 12 (as root, or with sudo).
#
#   bash launch/recipes/bible-es-en.sh --minutes 30 [--out DIR] [options] [-- TRAIN_OVERRIDES]
#
# 1. packages: sword-text-sparv (Reina-Valera 1909), sword-text-web (World English Bible),
#    diatheke (SWORD's command-line reader), python3; then `launch/setup.sh` builds s2s
#    (idempotent), unless S2S_BIN names a binary
# 2. corpus: launch/recipes/bible_corpus.py exports all 66 books of both modules with
#    diatheke, strips the markup (Strong's numbers, notes, headings), normalises whitespace
#    and Unicode (NFC), aligns verses by reference, drops empty, one-sided and misaligned
#    verses (counted by reason), holds out whole books (valid: Joel Nahum Habakkuk
#    Philippians Titus 1-Peter; test: Ruth Esther Lamentations Jonah Galatians James 1-John)
#    and writes DIR/text/{train,valid,test}.tsv (Spanish<TAB>English)
# 3. prep: `s2s prep` with SentencePiece BPE, --vocab-size pieces per side (default 8000),
#    trained on the training books only; validation from valid.tsv -> DIR/corpus
# 4. train: configs/bible-es-en.yaml on --ranks ranks (default 2) through launch/mpirun.sh
#    into DIR/run, train.max_minutes = what is left of --minutes. Run again, it resumes from
#    the newest checkpoint and trains for what is left of the budget (nothing, once it is
#    spent: a larger --minutes trains on). TERM/INT checkpoint first (exit 75).
# 5. eval: each row of the table is a label and the arguments of one `s2s eval`, run on
#    DIR/text/test.tsv with --beam (default 5) and --json; the script prints one table:
#    BLEU, chrF, exact match, validation loss, test loss, step, training minutes
#
#    Rows: the last checkpoint (its EMA weights when train.ema_decay is on, and then its raw
#    weights too), the best by validation, the average of the last --average checkpoints
#    (`s2s average`, raw weights), and with --ensemble-with DIR2 the ensemble of this run's
#    last checkpoint and DIR2's (another --out of this recipe, e.g. another run.seed)
#
# Options: --out DIR (default build/bible-es-en), --ranks N, --vocab-size N, --beam N,
#   --config FILE, --books/--valid-books/--test-books LIST (OSIS ids, comma-separated),
#   --average N (default 5; 0: no such row), --ensemble-with DIR2,
#   --corpus-only (stages 1-2, no s2s needed). After `--`: key=value overrides for s2s train.
# Environment: S2S_BIN (an s2s binary: no set-up, no build), S2S_BUILD_DIR (as setup.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/launch/recipes"
say() { printf '[bible-es-en] %s\n' "$*"; }
die() { printf '[bible-es-en] error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

minutes="" out="$ROOT/build/bible-es-en" ranks=2 vocab=8000 beam=5 corpus_only=0 average=5 ensemble_with=""
config="$ROOT/configs/bible-es-en.yaml" corpus_args=() overrides=()
while (($#)); do
  case "$1" in
    --minutes) minutes="${2:?--minutes needs a number}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --ranks) ranks="${2:?--ranks needs a number}"; shift 2 ;;
    --vocab-size) vocab="${2:?--vocab-size needs a number}"; shift 2 ;;
    --beam) beam="${2:?--beam needs a number}"; shift 2 ;;
    --average) average="${2:?--average needs a number}"; shift 2 ;;
    --ensemble-with) ensemble_with="${2:?--ensemble-with needs a directory}"; shift 2 ;;
    --config) config="${2:?--config needs a file}"; shift 2 ;;
    --books|--valid-books|--test-books) corpus_args+=("$1" "${2:?$1 needs a list}"); shift 2 ;;
    --corpus-only) corpus_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; overrides=("$@"); break ;;
    *) die "unknown argument '$1' (--help lists the options)" ;;
  esac
done
if ((!corpus_only)); then
  if ! [[ "$minutes" =~ ^[0-9]*[.]?[0-9]+$ ]] || ! awk -v m="$minutes" 'BEGIN { exit !(m > 0) }'; then
    die "give the training budget: --minutes M (a positive number of minutes)"
  fi
fi
for v in ranks vocab beam; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--${v/vocab/vocab-size} must be a positive integer, not '${!v}'"
done
[[ "$average" =~ ^[0-9]+$ ]] || die "--average must be a number of checkpoints (0: no average row), not '$average'"
if [ -n "$ensemble_with" ]; then
  [ -d "$ensemble_with/run/checkpoints" ] \
    || die "--ensemble-with $ensemble_with: no run there (give the --out of another run of this recipe)"
  ensemble_with="$(cd "$ensemble_with" && pwd)"
fi
((corpus_only)) || [ -f "$config" ] || die "no config file $config"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
TEXT="$out/text" CORPUS="$out/corpus" RUN="$out/run"

# Wall time of each stage, printed at the end.
timings=()
stage_start=$SECONDS
# stage NAME DESCRIPTION: announces a stage; stage_done notes its seconds.
stage() { stage_name="$1"; stage_start=$SECONDS; say "$1 $2"; }
stage_done() { timings+=("$(printf '%-12s %6d s' "$stage_name" $((SECONDS - stage_start)))"); }
print_timings() { say "wall time per stage:"; printf '  %s\n' "${timings[@]}"; }

# ---- 1. packages and the s2s binary --------------------------------------------------------
APT_PACKAGES=(sword-text-sparv sword-text-web diatheke python3)
stage "1/5 packages" "(apt: ${APT_PACKAGES[*]}; s2s)"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null || die "apt-get update failed"
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
fi
if ((corpus_only)); then
  S2S=""
elif [ -n "${S2S_BIN:-}" ]; then
  [ -f "$S2S_BIN" ] || die "S2S_BIN=$S2S_BIN: no such file"
  [ -x "$S2S_BIN" ] || die "S2S_BIN=$S2S_BIN is not executable"
  S2S="$(cd "$(dirname "$S2S_BIN")" && pwd)/$(basename "$S2S_BIN")"
else
  bash "$ROOT/launch/setup.sh"
  S2S="${S2S_BUILD_DIR:-$ROOT/build}/s2s"
  [ -x "$S2S" ] || die "launch/setup.sh finished but $S2S is missing"
fi
stage_done

# A stage whose output exists is skipped if it was made with the same settings; made with
# others, it is refused rather than mixed (a new --out starts afresh).
# same_settings FILE TEXT: true if FILE holds TEXT; writes it when FILE is missing.
same_settings() {
  if [ -f "$1" ]; then [ "$(cat "$1")" = "$2" ]; else printf '%s\n' "$2" > "$1"; fi
}

# ---- 2. corpus -----------------------------------------------------------------------------
stage "2/5 corpus" "verse-aligned Spanish-English from diatheke -> $TEXT"
corpus_settings="bible_corpus.py ${corpus_args[*]:-(default books)}"
if [ -f "$TEXT/stats.json" ]; then
  same_settings "$out/.corpus-settings" "$corpus_settings" \
    || die "$TEXT was built with other settings ($(cat "$out/.corpus-settings")); use another --out"
  say "already built (delete $TEXT to rebuild)"
else
  python3 "$HERE/bible_corpus.py" --out "$TEXT" --raw "$out/raw" "${corpus_args[@]}"
  printf '%s\n' "$corpus_settings" > "$out/.corpus-settings"
fi
stage_done
if ((corpus_only)); then print_timings; exit 0; fi

# ---- 3. prep -------------------------------------------------------------------------------
stage "3/5 prep" "SentencePiece BPE, $vocab pieces per side -> $CORPUS"
prep_settings="sentencepiece bpe $vocab, train.tsv $(sha256sum < "$TEXT/train.tsv" | cut -c1-16)"
if [ -f "$CORPUS/manifest.json" ] && same_settings "$out/.prep-settings" "$prep_settings"; then
  say "already prepared (delete $CORPUS to redo)"
elif [ -f "$CORPUS/manifest.json" ]; then
  die "$CORPUS was prepared with other settings ($(cat "$out/.prep-settings")); use another --out"
else
  "$S2S" prep --tsv "$TEXT/train.tsv" --valid-tsv "$TEXT/valid.tsv" \
    --tokenizer sentencepiece --sp-type bpe --vocab-size "$vocab" --no-progress "$CORPUS"
  printf '%s\n' "$prep_settings" > "$out/.prep-settings"
fi
stage_done

# ---- 4. train ------------------------------------------------------------------------------
# Minutes of training spent so far, by this script's clock: one line per training run.
spent_file="$out/.train-minutes"
spent() { if [ -f "$spent_file" ]; then awk '{ s += $1 } END { printf "%.2f", s + 0 }' "$spent_file"; else echo 0; fi; }
left=$(awk -v b="$minutes" -v s="$(spent)" 'BEGIN { l = b - s; printf "%.2f", (l > 0 ? l : 0) }')
stage "4/5 train" "$(basename "$config") on $ranks ranks -> $RUN ($left of $minutes min left)"
if awk -v l="$left" 'BEGIN { exit !(l < 0.1) }'; then
  say "the budget of $minutes min is spent ($(spent) min trained); a larger --minutes trains on"
else
  # In the background, so that TERM/INT to this script can be passed on as TERM:
  # mpirun.sh turns it into a checkpoint and exit 75 (a background job of a script ignores
  # INT itself). The minutes spent are recorded either way; the next run resumes.
  train_start=$SECONDS
  bash "$ROOT/launch/mpirun.sh" --s2s "$S2S" --ranks-per-node "$ranks" -- \
    --config "$config" data.dir="$CORPUS" run.dir="$RUN" train.max_minutes="$left" \
    "${overrides[@]}" &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT
  rc=0
  while :; do
    wait "$pid" && rc=0 || rc=$?
    kill -0 "$pid" 2>/dev/null || break  # still running: the wait was cut short by a signal
  done
  trap - TERM INT
  awk -v s=$((SECONDS - train_start)) 'BEGIN { printf "%.2f\n", s / 60 }' >> "$spent_file"
  if [ "$rc" = 75 ]; then
    say "training stopped by a signal and checkpointed: run the same command again to resume"
    exit 75
  fi
  [ "$rc" = 0 ] || die "training failed (exit $rc): see $RUN/train.log"
fi
stage_done

# ---- 5. eval -------------------------------------------------------------------------------
# One row per model: a label and the arguments of `s2s eval` that select it. Later rows
# (EMA weights, an average of checkpoints, an ensemble of seeds) are one more add_row each,
# with any command that makes their checkpoint run before it.
row_labels=() row_args=() row_prepare=() row_salt=()
# add_row LABEL PREPARE ARGS...: PREPARE is a command line run before the row (or ""); the
# row's cache key (below) also hashes $salt, which the ensemble row sets to the other run's state.
add_row() {
  row_labels+=("$1"); row_prepare+=("$2"); row_salt+=("${salt:-}"); shift 2
  row_args+=("$(printf '%q ' "$@")")
}
config_value() { sed -n "s/^ *$1: *\([a-z_0-9.]*\).*/\1/p" "$RUN/config.yaml" | head -n 1; }
ema=$(config_value ema_decay)
if awk -v d="${ema:-0}" 'BEGIN { exit !(d > 0) }'; then
  add_row "last checkpoint, EMA weights ($ema)" "" --checkpoint "$RUN"
  add_row "last checkpoint, raw weights" "" --checkpoint "$RUN" --raw-weights
else
  add_row "last checkpoint" "" --checkpoint "$RUN"
fi
add_row "best by validation ($(config_value valid_metric))" "" --checkpoint "$RUN" --best
if ((average > 1)); then
  averaged="$out/average-last-$average.h5"
  add_row "average of the last $average checkpoints (raw weights)" \
    "$(printf '%q ' "$S2S" average --last "$average" --raw-weights "$RUN" -o "$averaged")" --checkpoint "$averaged"
fi
if [ -n "$ensemble_with" ]; then
  salt=$(cat "$ensemble_with/run/checkpoints/latest.json" "$ensemble_with/run/checkpoints/manifest.json" \
         2>/dev/null | sha256sum)
  add_row "ensemble with $(basename "$ensemble_with") (last checkpoints)" "" \
    --checkpoint "$RUN" --checkpoint "$ensemble_with/run"
  salt=""
fi

stage "5/5 eval" "${#row_labels[@]} rows on $TEXT/test.tsv ($(wc -l < "$TEXT/test.tsv") pairs), beam $beam"
results="$out/eval.jsonl"
# A row evaluated before on the same checkpoints with the same arguments is not run again
# (decoding is deterministic): its key hashes the arguments and the run's checkpoint lists.
ckpt_state=$(cat "$RUN/checkpoints/latest.json" "$RUN/checkpoints/manifest.json" 2>/dev/null | sha256sum)
: > "$results.tmp"
for i in "${!row_labels[@]}"; do
  args=()
  eval "args=(${row_args[$i]})"
  key=$(printf '%s|%s|%s%s' "${row_args[$i]}" "$beam" "$ckpt_state" "${row_salt[$i]}" | sha256sum | cut -c1-16)
  if [ -f "$results" ] && grep -F "\"key\": \"$key\"" "$results" >> "$results.tmp"; then
    say "  ${row_labels[$i]}: evaluated before on these checkpoints ($results)"
    continue
  fi
  t0=$SECONDS
  if [ -n "${row_prepare[$i]}" ]; then
    say "  ${row_labels[$i]}: ${row_prepare[$i]}"
    eval "${row_prepare[$i]}" >/dev/null || die "preparing row '${row_labels[$i]}' failed: ${row_prepare[$i]}"
  fi
  say "  ${row_labels[$i]}: s2s eval ${args[*]} --tsv test.tsv --beam $beam"
  json=$("$S2S" eval "${args[@]}" --tsv "$TEXT/test.tsv" --beam "$beam" --json \
           --output "$out/test.hyp.$i") || die "s2s eval failed for row '${row_labels[$i]}'"
  python3 -c 'import json, sys; r = json.loads(sys.argv[1]); r.update(label=sys.argv[2], eval_seconds=int(sys.argv[3]), key=sys.argv[4]); print(json.dumps(r))' \
    "$json" "${row_labels[$i]}" $((SECONDS - t0)) "$key" >> "$results.tmp"
done
mv "$results.tmp" "$results"
stage_done

# The table: eval's numbers, plus what the run's metrics.jsonl says about the row's step
# (the validation loss there) and the training minutes this script spent.
python3 - "$results" "$RUN/metrics.jsonl" "$(spent)" "$beam" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
valid = {}  # (step, weights) -> validation loss the run measured
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r.get("kind") == "valid":
        valid[(r["step"], r.get("weights", "raw"))] = r["loss"]
minutes, beam = float(sys.argv[3]), sys.argv[4]
head = ["model", "BLEU", "chrF", "exact %", "valid loss", "test loss", "step", "train min", "eval s"]
body = []
for r in rows:
    step = r.get("step")  # an ensemble has no one step
    # The run validated its own checkpoints' (EMA or raw) weights only: not an average.
    own = "/checkpoints/" in r.get("checkpoint", "")
    v = valid.get((step, r.get("weights"))) if own else None
    body.append([r["label"], f"{r['bleu']:.2f}", f"{r['chrf']:.2f}", f"{r['exact_match']:.2f}",
                 "-" if v is None else f"{v:.4f}", f"{r['loss']:.4f}", "-" if step is None else str(step),
                 f"{minutes:.1f}", str(r["eval_seconds"])])
width = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
fmt = lambda x: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(x, width)))
print(f"\nSpanish -> English, held-out books, beam {beam} (loss: per target token, no label smoothing)")
print(fmt(head))
print("  ".join("-" * w for w in width))
for x in body:
    print(fmt(x))
print()
EOF
print_timings
say "corpus sizes and dropped verses: $TEXT/stats.json; results: $results; hypotheses: $out/test.hyp.N"
