/*
 * process.h for named-shm-win32: _beginthreadex/_endthreadex (and
 * _beginthread/_endthread) on CreateThread/ExitThread. The handle is a
 * Win32 thread handle: wait on it and CloseHandle it as on Windows.
 */
#ifndef NAMED_SHM_WIN32_PROCESS_H
#define NAMED_SHM_WIN32_PROCESS_H
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <unistd.h>
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif
static __inline__ __attribute__((unused)) uintptr_t _beginthreadex(void *security, unsigned stack_size,
                                                                     unsigned(__stdcall *start_address)(void *), void *arglist,
                                                                     unsigned initflag, unsigned *thrdaddr)
{
    if (!start_address) {
        errno = EINVAL;
        return 0;
    }
    HANDLE h = CreateThread((LPSECURITY_ATTRIBUTES)security, stack_size, (LPTHREAD_START_ROUTINE)start_address, arglist,
                            initflag, (LPDWORD)thrdaddr);
    if (!h)
        errno = GetLastError() == ERROR_INVALID_PARAMETER ? EINVAL : EAGAIN;
    return (uintptr_t)h;
}

static __inline__ __attribute__((unused, noreturn)) void _endthreadex(unsigned retval)
{
    ExitThread(retval);
}

/* _beginthread: the thread's handle is closed when it ends, as on Windows;
 * the returned value is only good until then. */
typedef struct {
    void(__cdecl *fn)(void *);
    void *arg;
} __nshm_bt_start;

static __attribute__((unused)) DWORD WINAPI __nshm_bt_trampoline(LPVOID p)
{
    __nshm_bt_start s = *(__nshm_bt_start *)p;
    free(p);
    s.fn(s.arg);
    return 0;
}

static __inline__ __attribute__((unused)) uintptr_t _beginthread(void(__cdecl *start_address)(void *), unsigned stack_size,
                                                                   void *arglist)
{
    if (!start_address) {
        errno = EINVAL;
        return (uintptr_t)-1;
    }
    __nshm_bt_start *s = (__nshm_bt_start *)malloc(sizeof *s);
    if (!s) {
        errno = EAGAIN;
        return (uintptr_t)-1;
    }
    s->fn = start_address;
    s->arg = arglist;
    HANDLE h = CreateThread(NULL, stack_size, __nshm_bt_trampoline, s, 0, NULL);
    if (!h) {
        free(s);
        errno = EAGAIN;
        return (uintptr_t)-1;
    }
    CloseHandle(h);
    return (uintptr_t)h;
}

static __inline__ __attribute__((unused, noreturn)) void _endthread(void)
{
    ExitThread(0);
}

#define _getpid() ((int)getpid())
#ifdef __cplusplus
}
#endif
#endif
