/*
 * The Win32 calls beyond shared memory that programs sharing memory by
 * name also make (included at the end of windows.h): PulseEvent, the Ex
 * waits, registered window messages and broadcasts, priorities, winmm's
 * timer calls, and the wide C library for 16-bit wchar_t. docs/win32.md
 * ("Porting a program") says what each does on Linux.
 */
#ifndef NAMED_SHM_EXTRAS_H
#define NAMED_SHM_EXTRAS_H

#include <wchar.h>
#include "named_shm/wstring.h"
#include "named_shm/messages.h"
#include "../timeapi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PulseEvent: releases the threads waiting now (all for a manual-reset
 * event, one for an auto-reset event) and leaves the event non-signalled. */
BOOL WINAPI PulseEvent(HANDLE hEvent);

/* The Ex forms with bAlertable FALSE are the plain calls. No APC can be
 * queued to a thread here, so an alertable wait (TRUE) fails with
 * WAIT_FAILED and ERROR_NOT_SUPPORTED; SleepEx(ms, TRUE) sleeps like Sleep
 * and returns 0 (it cannot report an error). */
DWORD WINAPI WaitForSingleObjectEx(HANDLE hHandle, DWORD dwMilliseconds, BOOL bAlertable);
DWORD WINAPI WaitForMultipleObjectsEx(DWORD nCount, const HANDLE *lpHandles, BOOL bWaitAll, DWORD dwMilliseconds,
                                      BOOL bAlertable);
DWORD WINAPI SleepEx(DWORD dwMilliseconds, BOOL bAlertable);

/* Priorities of the calling process and thread (GetCurrentProcess(),
 * GetCurrentThread(); other handles: ERROR_INVALID_HANDLE), mapped to nice
 * values; a raise Linux refuses (no CAP_SYS_NICE) is remembered but not
 * applied. */
#define IDLE_PRIORITY_CLASS 0x00000040
#define BELOW_NORMAL_PRIORITY_CLASS 0x00004000
#define NORMAL_PRIORITY_CLASS 0x00000020
#define ABOVE_NORMAL_PRIORITY_CLASS 0x00008000
#define HIGH_PRIORITY_CLASS 0x00000080
#define REALTIME_PRIORITY_CLASS 0x00000100
#define PROCESS_MODE_BACKGROUND_BEGIN 0x00100000
#define PROCESS_MODE_BACKGROUND_END 0x00200000
#define THREAD_PRIORITY_IDLE (-15)
#define THREAD_PRIORITY_LOWEST (-2)
#define THREAD_PRIORITY_BELOW_NORMAL (-1)
#define THREAD_PRIORITY_NORMAL 0
#define THREAD_PRIORITY_ABOVE_NORMAL 1
#define THREAD_PRIORITY_HIGHEST 2
#define THREAD_PRIORITY_TIME_CRITICAL 15
#define THREAD_PRIORITY_ERROR_RETURN 0x7fffffff
BOOL WINAPI SetPriorityClass(HANDLE hProcess, DWORD dwPriorityClass);
DWORD WINAPI GetPriorityClass(HANDLE hProcess);
BOOL WINAPI SetThreadPriority(HANDLE hThread, int nPriority);
int WINAPI GetThreadPriority(HANDLE hThread);

#ifdef __cplusplus
}
#endif

#define ERROR_INVALID_WINDOW_HANDLE 1400L

#endif
