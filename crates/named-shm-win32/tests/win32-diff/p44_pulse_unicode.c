/* p43_pulse in a UNICODE build. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p43_pulse.c"
