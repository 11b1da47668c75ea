/* WaitForMultipleObjects: wait-any index, wait-all, timeouts, auto-reset
 * events consumed only when the wait succeeds, mutexes in the array. */
#include "probe.h"

static const char *probe_roles(void) { return "a"; }

static int probe_main(const char *role)
{
    (void)role;
    HANDLE e0 = CreateEventA(NULL, FALSE, FALSE, N("e0"));
    HANDLE e1 = CreateEventA(NULL, FALSE, FALSE, N("e1"));
    HANDLE m = CreateMutexA(NULL, FALSE, N("m"));
    HANDLE hs[3] = {e0, e1, m};
    W("any: only the mutex is free", WaitForMultipleObjects(3, hs, FALSE, 0));
    W("any: mutex again (recursive)", WaitForMultipleObjects(3, hs, FALSE, 0));
    B("release", ReleaseMutex(m));
    B("release", ReleaseMutex(m));
    HANDLE ev[2] = {e0, e1};
    W("any: nothing set", WaitForMultipleObjects(2, ev, FALSE, 20));
    SetEvent(e1);
    W("any: second set", WaitForMultipleObjects(2, ev, FALSE, 0));
    W("any: consumed", WaitForMultipleObjects(2, ev, FALSE, 0));
    SetEvent(e0);
    SetEvent(e1);
    W("any: both set, lowest index wins", WaitForMultipleObjects(2, ev, FALSE, 0));
    W("any: then the other", WaitForMultipleObjects(2, ev, FALSE, 0));
    SetEvent(e1);
    W("all: only one set", WaitForMultipleObjects(2, ev, TRUE, 20));
    W("  the set one was not consumed", WaitForSingleObject(e1, 0));
    SetEvent(e0);
    SetEvent(e1);
    W("all: both set", WaitForMultipleObjects(2, ev, TRUE, 0));
    W("  both consumed", WaitForMultipleObjects(2, ev, FALSE, 0));
    SetEvent(e0);
    SetEvent(e1);
    W("all: events and a free mutex", WaitForMultipleObjects(3, hs, TRUE, 0));
    B("  mutex is owned", ReleaseMutex(m));
    CloseHandle(e0);
    CloseHandle(e1);
    CloseHandle(m);
    return 0;
}
