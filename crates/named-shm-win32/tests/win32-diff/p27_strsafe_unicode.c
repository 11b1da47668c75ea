/* p26_strsafe built UNICODE: the W functions behind the TCHAR names. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p26_strsafe.c"
