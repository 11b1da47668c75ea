/* mmsystem.h for named-shm-win32: the winmm timer calls (timeapi.h). */
#include "timeapi.h"
