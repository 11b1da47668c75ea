/* Mutexes: recursion, release counts, release by a non-owner in another
 * process, initial ownership only for the creator, access rights, closing
 * the handle does not release. */
#include "probe.h"

static const char *probe_roles(void) { return "a& b"; }

static int probe_main(const char *role)
{
    if (strcmp(role, "b") == 0) {
        await_event(N("owned"));
        HANDLE m = H("b: open", OpenMutexA(SYNCHRONIZE, FALSE, N("rec")));
        B("b: release a mutex a owns", ReleaseMutex(m));
        W("b: wait 0 while a owns it", WaitForSingleObject(m, 0));
        HANDLE c = H("b: create existing with initial owner", CreateMutexA(NULL, TRUE, N("rec")));
        B("b: release (not granted ownership)", ReleaseMutex(c));
        HANDLE go = signal_event(N("go"));
        W("b: wait until a releases", WaitForSingleObject(m, 10000));
        HANDLE has = signal_event(N("bhas"));
        await_event(N("checked"));
        B("b: release", ReleaseMutex(m));
        B("b: release again", ReleaseMutex(m));
        CloseHandle(m);
        CloseHandle(c);
        CloseHandle(go);
        CloseHandle(has);
        return 0;
    }
    HANDLE m = H("a: create owned", CreateMutexA(NULL, TRUE, N("rec")));
    W("a: wait (recursive)", WaitForSingleObject(m, 0));
    W("a: wait (recursive)", WaitForSingleObject(m, INFINITE));
    B("a: release 1", ReleaseMutex(m));
    B("a: release 2", ReleaseMutex(m));
    B("a: release 3", ReleaseMutex(m));
    B("a: release 4 (not owner)", ReleaseMutex(m));
    W("a: wait", WaitForSingleObject(m, 0));
    HANDLE ready = signal_event(N("owned"));
    await_event(N("go"));
    B("a: release", ReleaseMutex(m));
    await_event(N("bhas"));
    W("a: wait 0 while b owns it", WaitForSingleObject(m, 0));
    HANDLE checked = signal_event(N("checked"));
    HANDLE u = H("a: unnamed owned", CreateMutexA(NULL, TRUE, NULL));
    HANDLE dup = NULL;
    B("a: duplicate", DuplicateHandle(GetCurrentProcess(), u, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
    B("a: close one handle (does not release)", CloseHandle(u));
    B("a: release via the duplicate", ReleaseMutex(dup));
    B("a: release again", ReleaseMutex(dup));
    H("a: open access 0", OpenMutexA(0, FALSE, N("rec")));
    HANDLE rw = H("a: open GENERIC_READ|GENERIC_WRITE", OpenMutexA(GENERIC_READ | GENERIC_WRITE, FALSE, N("rec")));
    W("a: wait without SYNCHRONIZE", WaitForSingleObject(rw, 0));
    HANDLE ms = H("a: open MUTEX_MODIFY_STATE", OpenMutexA(MUTEX_MODIFY_STATE, FALSE, N("rec")));
    B("a: release via it (not owner)", ReleaseMutex(ms));
    B("a: release bogus", ReleaseMutex((HANDLE)(ULONG_PTR)0x4440));
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    B("a: release an event", ReleaseMutex(ev));
    Sleep(200);
    CloseHandle(m);
    CloseHandle(ready);
    CloseHandle(checked);
    return 0;
}
