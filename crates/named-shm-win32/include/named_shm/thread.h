/* Threads (named-shm-win32): included by windows.h; _beginthreadex is in
 * process.h. */
#ifndef NAMED_SHM_WIN32_THREAD_H
#define NAMED_SHM_WIN32_THREAD_H

#define STILL_ACTIVE 259
#define CREATE_SUSPENDED 0x00000004
#define STACK_SIZE_PARAM_IS_A_RESERVATION 0x00010000
#define THREAD_TERMINATE 0x0001
#define THREAD_SUSPEND_RESUME 0x0002
#define THREAD_GET_CONTEXT 0x0008
#define THREAD_SET_CONTEXT 0x0010
#define THREAD_SET_INFORMATION 0x0020
#define THREAD_QUERY_INFORMATION 0x0040
#define THREAD_QUERY_LIMITED_INFORMATION 0x0800
#define THREAD_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF)

typedef DWORD(WINAPI *PTHREAD_START_ROUTINE)(LPVOID lpThreadParameter);
typedef PTHREAD_START_ROUTINE LPTHREAD_START_ROUTINE;

#ifdef __cplusplus
extern "C" {
#endif
HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes, SIZE_T dwStackSize, LPTHREAD_START_ROUTINE lpStartAddress,
                           LPVOID lpParameter, DWORD dwCreationFlags, LPDWORD lpThreadId);
__attribute__((noreturn)) void WINAPI ExitThread(DWORD dwExitCode);
BOOL WINAPI GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode);
DWORD WINAPI GetThreadId(HANDLE Thread);
BOOL WINAPI SwitchToThread(void);
#ifdef __cplusplus
}
#endif

/* Thread-local storage on pthread keys. */
#include <pthread.h>
#define TLS_OUT_OF_INDEXES ((DWORD)0xFFFFFFFF)
static __inline__ __attribute__((unused)) DWORD TlsAlloc(void)
{
    pthread_key_t k;
    if (pthread_key_create(&k, NULL) != 0 || (DWORD)k == TLS_OUT_OF_INDEXES) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return TLS_OUT_OF_INDEXES;
    }
    return (DWORD)k;
}
static __inline__ __attribute__((unused)) LPVOID TlsGetValue(DWORD i)
{
    SetLastError(ERROR_SUCCESS);
    return pthread_getspecific((pthread_key_t)i);
}
static __inline__ __attribute__((unused)) BOOL TlsSetValue(DWORD i, LPVOID v)
{
    if (pthread_setspecific((pthread_key_t)i, v) != 0) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    return TRUE;
}
static __inline__ __attribute__((unused)) BOOL TlsFree(DWORD i)
{
    if (pthread_key_delete((pthread_key_t)i) != 0) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    return TRUE;
}
#endif
