/* p30_time_lstr built UNICODE: lstrcmpW & co. behind the generic names. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p30_time_lstr.c"
