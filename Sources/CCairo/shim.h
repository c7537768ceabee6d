// cairo (Debian: libcairo2-dev) for the PDF renderings of reports: its PDF surface writes the file,
// so Lethe never writes PDF syntax itself.
#include <cairo/cairo.h>
#include <cairo/cairo-pdf.h>
