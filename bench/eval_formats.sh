#!/usr/bin/env bash
# make eval, formats part: real DOCX/PDF (formats_check.py), markup left in the real
# scrapers' HTML printouts, and HTML pages of four kinds made from the gold texts,
# cleaned by us and by trafilatura (an eval-only peer), scored the same way.
set -uo pipefail
py="$1"; shared="$2"; out="$3"
check="$shared/eval/formats_check.py"
command -v pdftotext >/dev/null || echo "note: formats_check.py reads PDFs with pdftotext: apt-get install poppler-utils"
echo
echo "== formats: real DOCX/PDF reports ($shared/corpus/formats)"
if [ -d "$shared/corpus/formats" ]; then
    "$py" -m pipeline clean --input "$shared/corpus/formats" --output "$out/formats" --workers 2 --progress-seconds 0 | tail -3
    "$py" -m pipeline verify --all --input "$shared/corpus/formats" --output "$out/formats" | tail -n +1 | grep -c ": OK:" | sed 's/^/verified OK: /'
    "$py" "$check" "$shared/corpus/formats" "$out/formats"
fi
echo
echo "== formats: DOCX and PDF made from the sample gold texts (PDF printed by headless chromium)"
rm -rf "$out/made"
"$py" bench/formats.py documents tests/gold --out "$out/made/raw"
"$py" -m pipeline clean --input "$out/made/raw" --output "$out/made/out" --workers 2 --progress-seconds 0 | tail -1
"$py" -m pipeline verify --all --input "$out/made/raw" --output "$out/made/out" | grep -c ": OK:" | sed 's/^/verified OK: /'
"$py" "$check" "$out/made/raw" "$out/made/out"
echo
echo "== formats: markup left in the scrapers' HTML printouts ($shared/corpus/real, target 0)"
if [ -d "$shared/corpus/real" ]; then
    "$py" -m pipeline clean --input "$shared/corpus/real" --output "$out/real" --workers 2 --progress-seconds 0 | tail -1
    "$py" "$check" "$shared/corpus/real" "$out/real"
fi
echo
echo "== formats: HTML pages of four kinds (portal, GB2312 county, news, WeChat) made from the gold texts"
pages="$out/pages"
rm -rf "$pages"
golds=(tests/gold)
[ -d "$shared/corpus/gold" ] && golds+=("$shared/corpus/gold")
"$py" bench/formats.py pages "${golds[@]}" --out "$pages" --seed 7
"$py" -m pipeline clean --input "$pages/raw" --output "$pages/ours" --workers 2 --progress-seconds 0 | tail -1
"$py" -m pipeline verify --all --input "$pages/raw" --output "$pages/ours" | grep -c ": OK:" | sed 's/^/verified OK: /'
if "$py" -c "import trafilatura" 2>/dev/null; then
    "$py" bench/peer_trafilatura.py "$pages/raw" "$pages/trafilatura"
else
    echo "(trafilatura not installed: pip install -e '.[eval]' to compare with it)"
fi
for who in ours trafilatura; do
    [ -d "$pages/$who" ] || continue
    echo "-- $who, by kind of page (recall / junk / sim; targets >= .999 / <= .001 / >= .995)"
    for kind in portal county news wechat; do
        mkdir -p "$pages/by-kind/$kind/gold"
        cp "$pages/gold/"*"__$kind.txt" "$pages/by-kind/$kind/gold/"
        printf '%-8s ' "$kind"
        "$py" "$shared/eval/score.py" --gold "$pages/by-kind/$kind/gold" --output "$pages/$who" | grep '^ALL' | awk '{print "recall", $3, "junk", $4, "sim", $7}'
    done
    printf '%-8s ' "all"
    "$py" "$shared/eval/score.py" --gold "$pages/gold" --output "$pages/$who" | grep '^ALL' | awk '{print "recall", $3, "junk", $4, "sim", $7}'
done
exit 0
