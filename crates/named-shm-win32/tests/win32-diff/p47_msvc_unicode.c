/* p42_msvc in a UNICODE build. */
/* probe-flags: -DUNICODE -D_UNICODE */
/* probe-mingw-flags: -D__USE_MINGW_ANSI_STDIO=0 */
#include "p42_msvc.c"
