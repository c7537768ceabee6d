/* libharu PDF throughput benchmark.
 * usage: hpdf_bench MODE PAGES OUT.pdf COMPRESS
 *   MODE: textout (HPDF_Page_TextOut per cell) | showtext (MoveTextPos + ShowText per cell)
 *   COMPRESS: 1 = HPDF_COMP_ALL, 0 = none
 */
#include <hpdf.h>
#include <stdlib.h>
#include "rowdata.h"

static void err(HPDF_STATUS e, HPDF_STATUS d, void *u) { fprintf(stderr, "hpdf error %04X %u\n", (unsigned)e, (unsigned)d); exit(2); }

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage\n"); return 1; }
    int textout = strcmp(argv[1], "textout") == 0;
    long npages = atol(argv[2]);
    const char *out = argv[3];
    int comp = atoi(argv[4]);
    double t0 = now();
    HPDF_Doc pdf = HPDF_New(err, NULL);
    HPDF_SetCompressionMode(pdf, comp ? HPDF_COMP_ALL : HPDF_COMP_NONE);
    if (getenv("PAGESCONF")) HPDF_SetPagesConfiguration(pdf, atoi(getenv("PAGESCONF")));
    HPDF_Font font = HPDF_GetFont(pdf, "Helvetica", NULL); /* StandardEncoding default; use WinAnsi for 0xB7 */
    font = HPDF_GetFont(pdf, "Helvetica", "WinAnsiEncoding");
    char cells[NCELLS][64], foot[256];
    long n = 0;
    for (long p = 0; p < npages; p++) {
        HPDF_Page pg = HPDF_AddPage(pdf);
        HPDF_Page_SetWidth(pg, 842); HPDF_Page_SetHeight(pg, 595);
        HPDF_Page_SetLineWidth(pg, 0.4);
        double ys[4] = {40, 52, 52 + ROWS_PER_PAGE * 20 + 4, 570};
        for (int i = 0; i < 4; i++) { HPDF_Page_MoveTo(pg, 30, 595 - ys[i]); HPDF_Page_LineTo(pg, 812, 595 - ys[i]); }
        HPDF_Page_Stroke(pg);
        HPDF_Page_BeginText(pg);
        HPDF_Page_SetFontAndSize(pg, font, 7);
        double cx = 0, cy = 0;
        for (int r = 0; r < ROWS_PER_PAGE; r++, n++) {
            make_row(n, cells);
            double y = 595 - (66 + r * 20);
            for (int c = 0; c < NCELLS; c++) {
                if (textout) HPDF_Page_TextOut(pg, col_x[c], y, cells[c]);
                else { HPDF_Page_MoveTextPos(pg, col_x[c] - cx, y - cy); cx = col_x[c]; cy = y; HPDF_Page_ShowText(pg, cells[c]); }
            }
        }
        make_footer(p, npages, foot, sizeof foot);
        if (textout) HPDF_Page_TextOut(pg, 30, 595 - 582, foot);
        else { HPDF_Page_MoveTextPos(pg, 30 - cx, 595 - 582 - cy); HPDF_Page_ShowText(pg, foot); }
        HPDF_Page_EndText(pg);
    }
    double t1 = now();
    HPDF_STATUS st = HPDF_SaveToFile(pdf, out);
    double t2 = now();
    HPDF_Free(pdf);
    double t3 = now();
    fprintf(stderr, "draw %.3fs save %.3fs free %.3fs status %lu\n", t1 - t0, t2 - t1, t3 - t2, (unsigned long)st);
    return st != HPDF_OK;
}
