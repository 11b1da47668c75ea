/* p28_errmsg built UNICODE: FormatMessageW, OutputDebugStringW. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p28_errmsg.c"
