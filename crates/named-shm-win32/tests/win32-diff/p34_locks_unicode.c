/* p22_locks built UNICODE: the lock calls in a UNICODE build. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p22_locks.c"
