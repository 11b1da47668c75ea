/* Abandoned mutex across processes: the owner exits without releasing; the
 * next wait returns WAIT_ABANDONED and grants ownership, later ones are
 * normal. Also through WaitForMultipleObjects. */
#include "probe.h"

static const char *probe_roles(void) { return "a& b"; }

static int probe_main(const char *role)
{
    if (strcmp(role, "a") == 0) {
        HANDLE m = H("a: create owned", CreateMutexA(NULL, TRUE, N("ab")));
        HANDLE m2 = H("a: create second", CreateMutexA(NULL, FALSE, N("ab2")));
        W("a: take second", WaitForSingleObject(m2, 0));
        W("a: take first again (count 2)", WaitForSingleObject(m, 0));
        HANDLE ready = signal_event(N("ready"));
        await_event(N("opened"));
        (void)ready;
        say("a: exiting without release");
        ExitProcess(0);
    }
    await_event(N("ready"));
    HANDLE m = H("b: open", OpenMutexA(SYNCHRONIZE, FALSE, N("ab")));
    HANDLE m2 = H("b: open second", OpenMutexA(SYNCHRONIZE, FALSE, N("ab2")));
    HANDLE opened = signal_event(N("opened"));
    W("b: wait (a exits)", WaitForSingleObject(m, 20000));
    B("b: release", ReleaseMutex(m));
    B("b: release again", ReleaseMutex(m));
    W("b: wait again", WaitForSingleObject(m, 0));
    B("b: release", ReleaseMutex(m));
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE hs[2] = {ev, m2};
    W("b: wait any on [event, abandoned mutex]", WaitForMultipleObjects(2, hs, FALSE, 5000));
    W("b: wait any again", WaitForMultipleObjects(2, hs, FALSE, 0));
    B("b: release twice owned", ReleaseMutex(m2) && ReleaseMutex(m2));
    CloseHandle(m);
    CloseHandle(m2);
    CloseHandle(opened);
    return 0;
}
