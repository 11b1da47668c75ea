/* p40_wide in a UNICODE build: the generic-text names are the wide ones. */
/* probe-flags: -DUNICODE -D_UNICODE */
/* probe-mingw-flags: -D__USE_MINGW_ANSI_STDIO=0 */
#include "p40_wide.c"
