// glibc's malloc tuning (mallopt), which the Glibc module does not export: `lethe` maps every
// large block on its own so that memory freed is given back (see LetheCommand.main).
#include <malloc.h>
