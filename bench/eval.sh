#!/usr/bin/env bash
# make eval: clean seeds/, ../shared/corpus/raw and ../shared/corpus/real into a
# scratch folder and print score.py's scoreboards against the seed gold and the
# corpus gold, and copies.py's agreement between the real copies of one report.
set -uo pipefail
py="$1"; shared="$2"; out="$3"
score="$shared/eval/score.py"
if [ ! -f "$score" ]; then echo "eval: $score not found (set SHARED=path/to/shared)"; exit 2; fi
mkdir -p "$out/seeds" "$out/corpus"
echo "== cleaning seeds/ into $out/seeds"
"$py" -m pipeline clean --input seeds --output "$out/seeds" --workers 2 --progress-seconds 0
"$py" -m pipeline verify --all --input seeds --output "$out/seeds"
echo "== cleaning $shared/corpus/raw into $out/corpus"
"$py" -m pipeline clean --input "$shared/corpus/raw" --output "$out/corpus" --workers 2 --progress-seconds 0
"$py" -m pipeline verify --all --input "$shared/corpus/raw" --output "$out/corpus"
# Real copies saved by other people's scrapers: copies of one report must agree.
# Sources named in REAL_EXCLUDE (e.g. REAL_EXCLUDE=markyangcc, the HTML
# printouts) are left out; by default every copy counts.
real="$shared/corpus/real"
exclude="${REAL_EXCLUDE-}"
if [ -d "$real" ]; then
  rm -rf "$out/real-input"; mkdir -p "$out/real-input" "$out/real"
  for f in "$real"/*.txt; do
    case "$(basename "$f")" in *__${exclude:-/}.txt) ;; *) cp "$f" "$out/real-input/" ;; esac
  done
  echo "== cleaning $real into $out/real${exclude:+ (without the $exclude copies)}"
  "$py" -m pipeline clean --input "$out/real-input" --output "$out/real" --workers 2 --progress-seconds 0
  "$py" -m pipeline verify --all --input "$out/real-input" --output "$out/real"
fi
echo
echo "== samples against the seed gold (with checks)"
"$py" "$score" --gold "$shared/eval/seed-gold" --output "$out/seeds" --checks "$shared/eval/seed-checks.toml"
echo
echo "== corpus against the corpus gold"
"$py" "$score" --gold "$shared/corpus/gold" --output "$out/corpus"
if [ -d "$real" ]; then
  echo
  echo "== real scraped copies: agreement between copies (targets: recall >= .999, junk <= .010, rep <= .002 each, sim >= .990)"
  "$py" "$shared/eval/copies.py" "$out/real-input" RAW "$out/real" --names raw,gwr-clean --per-doc
fi
echo
echo "== idempotence: cleaning the cleaned reports again"
"$py" bench/eval_extra.py idempotence "$out/seeds"
"$py" bench/eval_extra.py idempotence "$out/corpus"
[ -d "$real" ] && "$py" bench/eval_extra.py idempotence "$out/real"
echo
echo "== do no harm: the gold texts as input"
"$py" bench/eval_extra.py no-harm tests/gold "$out/gold-seeds"
"$py" bench/eval_extra.py no-harm "$shared/corpus/gold" "$out/gold-corpus"
bash bench/eval_formats.sh "$py" "$shared" "$out"
exit 0
