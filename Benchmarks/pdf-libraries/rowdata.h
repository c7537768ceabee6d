/* Shared synthetic report content: latin-1 byte strings (0xB7 = middle dot). */
#include <stdio.h>
#include <string.h>
#define ROWS_PER_PAGE 24
#define NCELLS 10
static const double col_x[NCELLS] = {30, 85, 145, 235, 315, 375, 490, 565, 625, 690};
static const char *models[] = {"Seagate ST1000", "WD Blue 2TB", "Samsung 860", "Toshiba MQ01", "Intel S3510"};
static const char *classes[] = {"hdd/moderate", "ssd/high", "hdd/low", "nvme/high"};
static const char *methods[] = {"purge \xb7 crypto-erase", "clear \xb7 overwrite", "destroy \xb7 shred"};
static const char *hexd = "0123456789abcdef";
/* fill cells[NCELLS][64] for global row n */
static void make_row(long n, char cells[NCELLS][64]) {
    snprintf(cells[0], 64, "A%07ld", n);
    snprintf(cells[1], 64, "SN%07ld", n * 7 % 10000000);
    snprintf(cells[2], 64, "%s", models[n % 5]);
    snprintf(cells[3], 64, "%s", classes[n % 4]);
    snprintf(cells[4], 64, "%s", (n % 3) ? "disposed" : "pending");
    snprintf(cells[5], 64, "%s", methods[n % 3]);
    snprintf(cells[6], 64, "%s", "tech / attest");
    snprintf(cells[7], 64, "2026-%02ld-%02ld", n % 12 + 1, n % 28 + 1);
    snprintf(cells[8], 64, "%s", (n % 2) ? "recycling" : "reuse");
    snprintf(cells[9], 64, "BDC-2026-%06ld valid", n % 1000000);
}
static void make_footer(long page, long npages, char *buf, size_t sz) {
    char hex[65];
    unsigned long x = 0x9e3779b97f4a7c15UL * (unsigned long)(page + 1);
    for (int i = 0; i < 64; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; hex[i] = hexd[x & 15]; }
    hex[64] = 0;
    snprintf(buf, sz, "BDC-2026-000001 \xb7 sha256 %s \xb7 page %ld of %ld", hex, page + 1, npages);
}
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
