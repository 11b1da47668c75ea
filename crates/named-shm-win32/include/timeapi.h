/*
 * timeapi.h (winmm) for named-shm-win32: timeGetTime and the timer
 * resolution calls. Linux sleeps and timers already have sub-millisecond
 * resolution, so timeBeginPeriod/timeEndPeriod only check their argument
 * (1..65535 ms: TIMERR_NOERROR, else TIMERR_NOCANDO). `#pragma comment(lib,
 * "winmm.lib")` is accepted and not needed.
 */
#ifndef NAMED_SHM_TIMEAPI_H
#define NAMED_SHM_TIMEAPI_H
#include "windows.h"
typedef UINT MMRESULT;
#define TIMERR_NOERROR 0
#define TIMERR_NOCANDO 97
#define TIMERR_STRUCT 129
typedef struct timecaps_tag {
    UINT wPeriodMin;
    UINT wPeriodMax;
} TIMECAPS, *PTIMECAPS, *LPTIMECAPS;
#ifdef __cplusplus
extern "C" {
#endif
DWORD WINAPI timeGetTime(void);
MMRESULT WINAPI timeBeginPeriod(UINT uPeriod);
MMRESULT WINAPI timeEndPeriod(UINT uPeriod);
#ifdef __cplusplus
}
#endif
#endif
