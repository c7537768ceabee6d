/* Lower-bound reference (NOT a library): hand-written PDF writer producing the
 * same page content as hpdf_bench (base-14 Helvetica, WinAnsi, Td/Tj per cell).
 * usage: raw_bench PAGES OUT.pdf ZLEVEL   (ZLEVEL -1 = no compression, else zlib level per page)
 * Page tree: 2 levels, 1000 pages per intermediate node. */
#include <stdlib.h>
#include <zlib.h>
#include "rowdata.h"

static char *bp;                                  /* content buffer cursor */
static void put(const char *s) { while (*s) *bp++ = *s++; }
static void puti(long v) { char t[24]; int n = 0; if (v < 0) { *bp++ = '-'; v = -v; }
    do t[n++] = '0' + v % 10; while (v /= 10); while (n) *bp++ = t[--n]; }
static void putstr(const char *s) { *bp++ = '('; for (; *s; s++) { if (*s == '(' || *s == ')' || *s == '\\') *bp++ = '\\'; *bp++ = *s; } put(") Tj\n"); }

int main(int argc, char **argv) {
    long np = atol(argv[1]); int zl = atoi(argv[3]);
    FILE *f = fopen(argv[2], "wb"); static char fbuf[1 << 20]; setvbuf(f, fbuf, _IOFBF, sizeof fbuf);
    long nnodes = (np + 999) / 1000;
    /* object numbering: 1 catalog, 2 root pages, 3 font, 4..4+nnodes-1 nodes, then per page: page, content */
    long firstpage = 4 + nnodes, nobj = firstpage + 2 * np;
    long *off = malloc(sizeof(long) * (nobj + 1));
    char *cbuf = malloc(1 << 16), *zbuf = malloc(1 << 17);
    fputs("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", f);
    off[1] = ftell(f); fputs("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n", f);
    off[2] = ftell(f); fprintf(f, "2 0 obj\n<< /Type /Pages /Count %ld /Kids [", np);
    for (long i = 0; i < nnodes; i++) fprintf(f, "%ld 0 R ", 4 + i);
    fputs("] >>\nendobj\n", f);
    off[3] = ftell(f); fputs("3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>\nendobj\n", f);
    for (long i = 0; i < nnodes; i++) {
        long a = i * 1000, b = a + 1000 < np ? a + 1000 : np;
        off[4 + i] = ftell(f);
        fprintf(f, "%ld 0 obj\n<< /Type /Pages /Parent 2 0 R /Count %ld /Kids [", 4 + i, b - a);
        for (long p = a; p < b; p++) fprintf(f, "%ld 0 R ", firstpage + 2 * p);
        fputs("] >>\nendobj\n", f);
    }
    char cells[NCELLS][64], foot[256]; long n = 0;
    for (long p = 0; p < np; p++) {
        bp = cbuf;
        put("0.4 w\n");
        int ys[4] = {40, 52, 52 + ROWS_PER_PAGE * 20 + 4, 570};
        for (int i = 0; i < 4; i++) { put("30 "); puti(595 - ys[i]); put(" m 812 "); puti(595 - ys[i]); put(" l\n"); }
        put("S\nBT\n/F1 7 Tf\n");
        long cx = 0, cy = 0;
        for (int r = 0; r < ROWS_PER_PAGE; r++, n++) {
            make_row(n, cells);
            long y = 595 - (66 + r * 20);
            for (int c = 0; c < NCELLS; c++) { puti((long)col_x[c] - cx); *bp++ = ' '; puti(y - cy); put(" Td\n"); cx = col_x[c]; cy = y; putstr(cells[c]); }
        }
        make_footer(p, np, foot, sizeof foot);
        puti(30 - cx); *bp++ = ' '; puti(595 - 582 - cy); put(" Td\n"); putstr(foot); put("ET\n");
        long clen = bp - cbuf; const char *data = cbuf; long dlen = clen;
        if (zl >= 0) { /* one z_stream reused via deflateReset (avoids per-page init cost) */
            static z_stream zs; static int init;
            if (!init) { deflateInit(&zs, zl); init = 1; } else deflateReset(&zs);
            zs.next_in = (Bytef *)cbuf; zs.avail_in = clen; zs.next_out = (Bytef *)zbuf; zs.avail_out = 1 << 17;
            deflate(&zs, Z_FINISH); data = zbuf; dlen = zs.total_out; }
        long po = firstpage + 2 * p;
        off[po] = ftell(f);
        fprintf(f, "%ld 0 obj\n<< /Type /Page /Parent %ld 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 3 0 R >> >> /Contents %ld 0 R >>\nendobj\n", po, 4 + p / 1000, po + 1);
        off[po + 1] = ftell(f);
        fprintf(f, "%ld 0 obj\n<< /Length %ld%s >>\nstream\n", po + 1, dlen, zl >= 0 ? " /Filter /FlateDecode" : "");
        fwrite(data, 1, dlen, f); fputs("\nendstream\nendobj\n", f);
    }
    long xref = ftell(f);
    fprintf(f, "xref\n0 %ld\n0000000000 65535 f \n", nobj);
    for (long i = 1; i < nobj; i++) fprintf(f, "%010ld 00000 n \n", off[i]);
    fprintf(f, "trailer\n<< /Size %ld /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", nobj, xref);
    fclose(f);
    return 0;
}
