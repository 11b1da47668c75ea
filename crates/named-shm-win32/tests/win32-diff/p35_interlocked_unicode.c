/* p23_interlocked built UNICODE: the Interlocked functions in a UNICODE build. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p23_interlocked.c"
