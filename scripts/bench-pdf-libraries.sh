#!/usr/bin/env bash
# How fast can a PDF library draw a year's disposal report on this machine? (issue 17)
#
#   scripts/bench-pdf-libraries.sh [PAGES]     (default 42600: the PDF of 1,000,000 asset rows)
#
# Builds the C programs in Benchmarks/pdf-libraries with gcc -O2 and times each drawing PAGES
# A4-landscape pages of 24 table rows of 10 cells (about 120 characters a row, 7 pt), four rules
# and a footer with a serial, a SHA-256 and "page i of n" — the shape of the report's PDF, with
# nothing else around it (no report computed, no rows read):
#   - cairo's PDF surface (libcairo2-dev, what Lethe uses): one show_glyphs per row (glyphs
#     looked up once, as Lethe does), one per page, and show_text per cell;
#   - libharu (libhpdf-dev, if installed: apt-get install libhpdf-dev), compressed and not;
#   - a hand-written writer with zlib: NOT a library (the issue rules hand-written PDF syntax
#     out for the product), only the floor of what the work itself costs.
# Each run is checked with pdfinfo (page count) and pdftotext (page 1 holds its rows). Wall time
# and peak RSS come from /usr/bin/time. Results: docs/benchmarks.md (issue 17, eleventh session).
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${1:-42600}
SRC=Benchmarks/pdf-libraries
OUT=${BENCH_OUT:-$PWD/bench-out/pdf-libraries}
mkdir -p "$OUT"
echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
gcc -O2 -o "$OUT/cairo_bench" "$SRC/cairo_bench.c" $(pkg-config --cflags --libs cairo)
gcc -O2 -o "$OUT/raw_bench" "$SRC/raw_bench.c" -lz
have_hpdf=false
if [ -e /usr/include/hpdf.h ]; then
    gcc -O2 -o "$OUT/hpdf_bench" "$SRC/hpdf_bench.c" -lhpdf
    have_hpdf=true
fi

run() { # LABEL PDF COMMAND…
    local label=$1 pdf=$2
    shift 2
    rm -f "$pdf"
    /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" 2>"$OUT/stderr" || { cat "$OUT/stderr"; return 1; }
    read -r seconds kb <"$OUT/time"
    local pages rows
    pages=$(pdfinfo "$pdf" | awk '/^Pages:/{print $2}')
    rows=$(pdftotext -f 1 -l 1 "$pdf" - | grep -c 'BDC-2026' || true)
    printf "%-34s %8.2f s %8d MB %8d MB file  pages %s  page 1 rows %s\n" "$label" "$seconds" $((kb / 1024)) \
        $(($(stat -c %s "$pdf") / 1048576)) "$pages" "$rows"
    rm -f "$pdf"
}

echo "== $PAGES pages"
run "cairo: show_glyphs per row" "$OUT/c.pdf" "$OUT/cairo_bench" glyphs "$PAGES" "$OUT/c.pdf"
run "cairo: show_glyphs per page" "$OUT/c.pdf" "$OUT/cairo_bench" page "$PAGES" "$OUT/c.pdf"
run "cairo: show_text per cell" "$OUT/c.pdf" "$OUT/cairo_bench" text "$PAGES" "$OUT/c.pdf"
if $have_hpdf; then
    # libharu refuses more than 32,767 pages in one page tree unless told to split it.
    export PAGESCONF=1000
    run "libharu: TextOut, compressed" "$OUT/h.pdf" "$OUT/hpdf_bench" textout "$PAGES" "$OUT/h.pdf" 1
    run "libharu: TextOut, uncompressed" "$OUT/h.pdf" "$OUT/hpdf_bench" textout "$PAGES" "$OUT/h.pdf" 0
else
    echo "libharu: not installed (apt-get install libhpdf-dev), skipped"
fi
run "hand-written floor, zlib level 6" "$OUT/r.pdf" "$OUT/raw_bench" "$PAGES" "$OUT/r.pdf" 6
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
