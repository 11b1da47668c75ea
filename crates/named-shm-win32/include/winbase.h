/* named-shm-win32: everything lives in windows.h. */
#include "windows.h"
