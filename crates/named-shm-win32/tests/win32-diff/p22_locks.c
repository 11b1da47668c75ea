/* In-process locks: CRITICAL_SECTION (recursive, TryEnter from another
 * thread), SRWLOCK (shared and exclusive), CONDITION_VARIABLE with both
 * (wake, wake all, timeout: FALSE 1460), InitOnceExecuteOnce (one call,
 * the context, a failing callback). */
#include "probe.h"

static const char *probe_roles(void) { return "a"; }

static CRITICAL_SECTION g_cs;
static SRWLOCK g_srw = SRWLOCK_INIT;
static CONDITION_VARIABLE g_cv = CONDITION_VARIABLE_INIT;
static CONDITION_VARIABLE g_cv2;
static int g_items, g_taken, g_counter;
static INIT_ONCE g_once = INIT_ONCE_STATIC_INIT;
static INIT_ONCE g_once_fail = INIT_ONCE_STATIC_INIT;
static volatile LONG g_once_calls, g_fail_calls;

static DWORD WINAPI try_enter(LPVOID p)
{
    (void)p;
    BOOL got = TryEnterCriticalSection(&g_cs);
    if (got)
        LeaveCriticalSection(&g_cs);
    return got;
}

static DWORD WINAPI try_srw(LPVOID p)
{
    BOOLEAN r = p ? TryAcquireSRWLockExclusive(&g_srw) : TryAcquireSRWLockShared(&g_srw);
    if (r) {
        if (p)
            ReleaseSRWLockExclusive(&g_srw);
        else
            ReleaseSRWLockShared(&g_srw);
    }
    return r;
}

static DWORD run(LPTHREAD_START_ROUTINE f, LPVOID p)
{
    HANDLE t = CreateThread(NULL, 0, f, p, 0, NULL);
    DWORD code = 999;
    WaitForSingleObject(t, 20000);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    return code;
}

static DWORD WINAPI consumer_cs(LPVOID p)
{
    (void)p;
    int got = 0;
    EnterCriticalSection(&g_cs);
    while (got < 100) {
        while (g_items == 0)
            SleepConditionVariableCS(&g_cv, &g_cs, INFINITE);
        g_items--;
        got++;
        WakeAllConditionVariable(&g_cv);
    }
    LeaveCriticalSection(&g_cs);
    return (DWORD)got;
}

static DWORD WINAPI counter_srw(LPVOID p)
{
    (void)p;
    for (int i = 0; i < 5000; i++) {
        AcquireSRWLockExclusive(&g_srw);
        g_counter++;
        ReleaseSRWLockExclusive(&g_srw);
        AcquireSRWLockShared(&g_srw);
        int v = g_counter;
        (void)v;
        ReleaseSRWLockShared(&g_srw);
    }
    return 0;
}

static DWORD WINAPI waiter_srw(LPVOID p)
{
    (void)p;
    AcquireSRWLockShared(&g_srw);
    while (g_taken == 0)
        SleepConditionVariableSRW(&g_cv2, &g_srw, INFINITE, CONDITION_VARIABLE_LOCKMODE_SHARED);
    ReleaseSRWLockShared(&g_srw);
    return 1;
}

static BOOL CALLBACK once_fn(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    InterlockedIncrement(&g_once_calls);
    Sleep(20);
    *ctx = param;
    return TRUE;
}

static BOOL CALLBACK once_fail_fn(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)ctx;
    return InterlockedIncrement(&g_fail_calls) >= (LONG)(ULONG_PTR)param;
}

static DWORD WINAPI once_thread(LPVOID p)
{
    (void)p;
    PVOID ctx = NULL;
    BOOL ok = InitOnceExecuteOnce(&g_once, once_fn, (PVOID)0x1230, &ctx);
    return ok && ctx == (PVOID)0x1230;
}

static int probe_main(const char *role)
{
    (void)role;
    say("sizeof CRITICAL_SECTION %d, SRWLOCK %d, CONDITION_VARIABLE %d, INIT_ONCE %d", (int)sizeof(CRITICAL_SECTION),
        (int)sizeof(SRWLOCK), (int)sizeof(CONDITION_VARIABLE), (int)sizeof(INIT_ONCE));
    InitializeCriticalSection(&g_cs);
    EnterCriticalSection(&g_cs);
    EnterCriticalSection(&g_cs);
    B("TryEnter by the owner", TryEnterCriticalSection(&g_cs));
    say("RecursionCount: %ld", (long)g_cs.RecursionCount);
    say("other thread's TryEnter while held: %u", (unsigned)run(try_enter, NULL));
    LeaveCriticalSection(&g_cs);
    LeaveCriticalSection(&g_cs);
    say("still held after two of three leaves: %u", (unsigned)!run(try_enter, NULL));
    LeaveCriticalSection(&g_cs);
    say("other thread's TryEnter when free: %u", (unsigned)run(try_enter, NULL));
    DeleteCriticalSection(&g_cs);
    B("InitializeCriticalSectionAndSpinCount", InitializeCriticalSectionAndSpinCount(&g_cs, 4000));

    /* Producer/consumer on a critical section and a condition variable. */
    HANDLE c = CreateThread(NULL, 0, consumer_cs, NULL, 0, NULL);
    for (int i = 0; i < 100; i++) {
        EnterCriticalSection(&g_cs);
        while (g_items >= 5)
            SleepConditionVariableCS(&g_cv, &g_cs, INFINITE);
        g_items++;
        WakeConditionVariable(&g_cv);
        LeaveCriticalSection(&g_cs);
    }
    WaitForSingleObject(c, 20000);
    DWORD got = 0;
    GetExitCodeThread(c, &got);
    CloseHandle(c);
    say("consumer took %u, left %d", (unsigned)got, g_items);
    EnterCriticalSection(&g_cs);
    /* A condition variable may wake spuriously (documented), so a TRUE return is retried: the
     * line shows what the wait reports once nothing wakes it, within 50 tries. */
    BOOL slept = TRUE;
    for (int i = 0; i < 50 && slept; i++) {
        SetLastError(0xBEEF);
        slept = SleepConditionVariableCS(&g_cv, &g_cs, 20);
    }
    pb("SleepConditionVariableCS timeout", slept);
    B("  the section is held again", TryEnterCriticalSection(&g_cs));
    LeaveCriticalSection(&g_cs);
    LeaveCriticalSection(&g_cs);

    /* SRW locks. */
    AcquireSRWLockShared(&g_srw);
    say("shared held: another shared try %u, exclusive try %u", (unsigned)run(try_srw, NULL),
        (unsigned)run(try_srw, (LPVOID)1));
    ReleaseSRWLockShared(&g_srw);
    AcquireSRWLockExclusive(&g_srw);
    say("exclusive held: shared try %u, exclusive try %u", (unsigned)run(try_srw, NULL), (unsigned)run(try_srw, (LPVOID)1));
    say("TryAcquireSRWLockExclusive by the holder: %u", (unsigned)TryAcquireSRWLockExclusive(&g_srw));
    ReleaseSRWLockExclusive(&g_srw);
    say("free: shared try %u, exclusive try %u", (unsigned)run(try_srw, NULL), (unsigned)run(try_srw, (LPVOID)1));
    HANDLE ws[4];
    for (int i = 0; i < 4; i++)
        ws[i] = CreateThread(NULL, 0, counter_srw, NULL, 0, NULL);
    WaitForMultipleObjects(4, ws, TRUE, 20000);
    for (int i = 0; i < 4; i++)
        CloseHandle(ws[i]);
    say("counter under the SRW lock: %d", g_counter);
    InitializeConditionVariable(&g_cv2);
    HANDLE w1 = CreateThread(NULL, 0, waiter_srw, NULL, 0, NULL);
    HANDLE w2 = CreateThread(NULL, 0, waiter_srw, NULL, 0, NULL);
    Sleep(20);
    AcquireSRWLockExclusive(&g_srw);
    g_taken = 1;
    WakeAllConditionVariable(&g_cv2);
    ReleaseSRWLockExclusive(&g_srw);
    HANDLE w[2] = {w1, w2};
    W("both shared waiters woke", WaitForMultipleObjects(2, w, TRUE, 20000));
    CloseHandle(w1);
    CloseHandle(w2);
    AcquireSRWLockExclusive(&g_srw);
    slept = TRUE; /* retried for the same reason as the critical-section wait above */
    for (int i = 0; i < 50 && slept; i++) {
        SetLastError(0xBEEF);
        slept = SleepConditionVariableSRW(&g_cv2, &g_srw, 20, 0);
    }
    pb("SleepConditionVariableSRW timeout", slept);
    say("  the lock is held again: exclusive try by another thread %u", (unsigned)run(try_srw, (LPVOID)1));
    ReleaseSRWLockExclusive(&g_srw);
    InitializeSRWLock(&g_srw);

    /* InitOnce. */
    HANDLE os[4];
    for (int i = 0; i < 4; i++)
        os[i] = CreateThread(NULL, 0, once_thread, NULL, 0, NULL);
    WaitForMultipleObjects(4, os, TRUE, 20000);
    DWORD oks = 0;
    for (int i = 0; i < 4; i++) {
        DWORD code = 0;
        GetExitCodeThread(os[i], &code);
        oks += code;
        CloseHandle(os[i]);
    }
    say("InitOnce: callback ran %ld time(s), %u of 4 threads saw the context", (long)g_once_calls, (unsigned)oks);
    PVOID ctx = NULL;
    B("InitOnceExecuteOnce again", InitOnceExecuteOnce(&g_once, once_fn, NULL, &ctx));
    say("  context %llx, calls %ld", (unsigned long long)(ULONG_PTR)ctx, (long)g_once_calls);
    B("failing callback", InitOnceExecuteOnce(&g_once_fail, once_fail_fn, (PVOID)2, NULL));
    B("then succeeding", InitOnceExecuteOnce(&g_once_fail, once_fail_fn, (PVOID)2, NULL));
    B("then done", InitOnceExecuteOnce(&g_once_fail, once_fail_fn, (PVOID)2, NULL));
    say("  calls %ld", (long)g_fail_calls);
    INIT_ONCE o2;
    InitOnceInitialize(&o2);
    B("InitOnceInitialize'd", InitOnceExecuteOnce(&o2, once_fn, (PVOID)0x40, &ctx));
    DeleteCriticalSection(&g_cs);
    return 0;
}
