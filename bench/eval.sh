#!/usr/bin/env bash
# make eval: clean seeds/ and ../shared/corpus/raw into a scratch folder and
# print score.py's scoreboards against the seed gold and the corpus gold.
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
echo
echo "== samples against the seed gold (with checks)"
"$py" "$score" --gold "$shared/eval/seed-gold" --output "$out/seeds" --checks "$shared/eval/seed-checks.toml"
echo
echo "== corpus against the corpus gold"
"$py" "$score" --gold "$shared/corpus/gold" --output "$out/corpus"
echo
echo "== idempotence: cleaning the cleaned reports again"
"$py" bench/eval_extra.py idempotence "$out/seeds"
"$py" bench/eval_extra.py idempotence "$out/corpus"
echo
echo "== do no harm: the gold texts as input"
"$py" bench/eval_extra.py no-harm tests/gold "$out/gold-seeds"
"$py" bench/eval_extra.py no-harm "$shared/corpus/gold" "$out/gold-corpus"
bash bench/eval_formats.sh "$py" "$shared" "$out"
exit 0
