/* p45_calls in a UNICODE build (the TCHAR names: RegisterWindowMessageW, PostMessageW, ...). */
/* probe-flags: -DUNICODE -D_UNICODE */
/* probe-mingw-libs: -lwinmm */
#include "p45_calls.c"
