/* cairo PDF throughput benchmark.
 * usage: cairo_bench MODE PAGES OUT.pdf [VERSION]
 *   MODE: glyphs (one cairo_show_glyphs per row, precomputed glyph table)
 *         text   (cairo_show_text per cell)
 *         page   (ONE cairo_show_glyphs per page: all 24 rows + footer)
 *         blank  (only cairo_show_page: fixed per-page cost)
 *         rules  (rules + footer only, no table rows)
 *   VERSION: 14 or 15 (cairo_pdf_surface_restrict_to_version), default none
 */
#include <cairo.h>
#include <cairo-pdf.h>
#include <stdlib.h>
#include "rowdata.h"

static unsigned long gidx[256];
static double gadv[256];

static void latin1_to_utf8(const char *in, char *out) {
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (*p < 0x80) *out++ = *p;
        else { *out++ = 0xC0 | (*p >> 6); *out++ = 0x80 | (*p & 0x3F); }
    }
    *out = 0;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage\n"); return 1; }
    int glyphs = strcmp(argv[1], "glyphs") == 0 || strcmp(argv[1], "page") == 0;
    int perpage = strcmp(argv[1], "page") == 0;
    int blank = strcmp(argv[1], "blank") == 0;
    int rulesonly = strcmp(argv[1], "rules") == 0;
    long npages = atol(argv[2]);
    const char *out = argv[3];
    double t0 = now();
    cairo_surface_t *s = cairo_pdf_surface_create(out, 842, 595);
    if (argc > 4) cairo_pdf_surface_restrict_to_version(s, atoi(argv[4]) == 14 ? CAIRO_PDF_VERSION_1_4 : CAIRO_PDF_VERSION_1_5);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, getenv("FONT") ? getenv("FONT") : "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 7.0);
    cairo_set_line_width(cr, 0.4);
    cairo_scaled_font_t *sf = cairo_get_scaled_font(cr);
    /* precompute glyph index + advance for bytes 32..255 (latin-1) */
    for (int c = 32; c < 256; c++) {
        if (c >= 127 && c < 160) continue;
        char one[2] = {(char)c, 0}, u[4];
        latin1_to_utf8(one, u);
        cairo_glyph_t *g = NULL; int ng = 0;
        cairo_scaled_font_text_to_glyphs(sf, 0, 0, u, -1, &g, &ng, NULL, NULL, NULL);
        if (ng >= 1) {
            gidx[c] = g[0].index;
            cairo_text_extents_t e; cairo_scaled_font_glyph_extents(sf, g, 1, &e);
            gadv[c] = e.x_advance;
        }
        cairo_glyph_free(g);
    }
    cairo_glyph_t gbuf[8192];
    char cells[NCELLS][64], foot[256], u8[512];
    long n = 0;
    for (long p = 0; p < npages; p++) {
        if (blank) { cairo_show_page(cr); continue; }
        int k = 0; /* glyph count accumulated (page mode) */
        cairo_set_source_rgb(cr, 0, 0, 0);
        /* rules: top, under header area, bottom of table, above footer */
        double ys[4] = {40, 52, 52 + ROWS_PER_PAGE * 20 + 4, 570};
        for (int i = 0; i < 4; i++) { cairo_move_to(cr, 30, ys[i]); cairo_line_to(cr, 812, ys[i]); }
        cairo_stroke(cr);
        for (int r = 0; r < (rulesonly ? 0 : ROWS_PER_PAGE); r++, n++) {
            make_row(n, cells);
            double y = 66 + r * 20;
            if (glyphs) {
                if (!perpage) k = 0;
                for (int c = 0; c < NCELLS; c++) {
                    double x = col_x[c];
                    for (const unsigned char *q = (const unsigned char *)cells[c]; *q; q++) {
                        if (*q != ' ') { gbuf[k].index = gidx[*q]; gbuf[k].x = x; gbuf[k].y = y; k++; }
                        x += gadv[*q];
                    }
                }
                if (!perpage) cairo_show_glyphs(cr, gbuf, k);
            } else {
                for (int c = 0; c < NCELLS; c++) {
                    cairo_move_to(cr, col_x[c], y);
                    latin1_to_utf8(cells[c], u8);
                    cairo_show_text(cr, u8);
                }
            }
        }
        make_footer(p, npages, foot, sizeof foot);
        if (glyphs || rulesonly) {
            if (!perpage) k = 0;
            double x = 30;
            for (const unsigned char *q = (const unsigned char *)foot; *q; q++) {
                if (*q != ' ') { gbuf[k].index = gidx[*q]; gbuf[k].x = x; gbuf[k].y = 582; k++; }
                x += gadv[*q];
            }
            cairo_show_glyphs(cr, gbuf, k);
        } else {
            cairo_move_to(cr, 30, 582); latin1_to_utf8(foot, u8); cairo_show_text(cr, u8);
        }
        cairo_show_page(cr);
    }
    double t1 = now();
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_status_t st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    double t2 = now();
    fprintf(stderr, "draw+pages %.3fs finish %.3fs status %s\n", t1 - t0, t2 - t1, cairo_status_to_string(st));
    return st != CAIRO_STATUS_SUCCESS;
}
