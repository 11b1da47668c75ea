/* p24_securecrt built UNICODE: the wide forms behind the TCHAR names. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p24_securecrt.c"
