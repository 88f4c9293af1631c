/* Loaded with LD_PRELOAD by tests/cli/keep_work.sh: PLplot's plinit (c_plinit in the library;
 * plplot.h maps the name) dies the way a plotting library does when it runs out of memory under
 * a ulimit, so the test can tell that a crash while drawing the graphs costs the run nothing. */
#include <stdlib.h>

void c_plinit(void);
void c_plinit(void) { abort(); }
