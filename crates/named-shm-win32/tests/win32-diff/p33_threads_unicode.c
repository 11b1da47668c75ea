/* p21_threads built UNICODE: the thread calls in a UNICODE build. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p21_threads.c"
