/* Events: manual and auto reset, initial state, existing names ignore the
 * parameters, access rights of opened handles, unnamed events, and a
 * waiter in another process woken by SetEvent. */
#include "probe.h"

static const char *probe_roles(void) { return "a& b"; }

static int probe_main(const char *role)
{
    if (strcmp(role, "b") == 0) {
        await_event(N("ready"));
        HANDLE ev = H("b: open auto event", OpenEventA(EVENT_MODIFY_STATE, FALSE, N("cross")));
        Sleep(100);
        B("b: set it", SetEvent(ev));
        CloseHandle(ev);
        return 0;
    }
    HANDLE m = H("manual unsignalled", CreateEventA(NULL, TRUE, FALSE, N("man")));
    W("  wait 0", WaitForSingleObject(m, 0));
    B("  set", SetEvent(m));
    W("  wait 0", WaitForSingleObject(m, 0));
    W("  wait 0 again (stays set)", WaitForSingleObject(m, 0));
    B("  set again", SetEvent(m));
    B("  reset", ResetEvent(m));
    W("  wait 0 after reset", WaitForSingleObject(m, 0));
    B("  reset again", ResetEvent(m));
    HANDLE a = H("auto initially set", CreateEventA(NULL, FALSE, TRUE, N("auto")));
    W("  wait 0", WaitForSingleObject(a, 0));
    W("  wait 0 again (consumed)", WaitForSingleObject(a, 0));
    B("  set", SetEvent(a));
    B("  set twice", SetEvent(a));
    W("  wait 10", WaitForSingleObject(a, 10));
    W("  wait 10 again", WaitForSingleObject(a, 10));
    HANDLE m2 = H("create existing manual as auto, initially set", CreateEventA(NULL, FALSE, TRUE, N("man")));
    W("  wait 0 (parameters ignored: still unsignalled)", WaitForSingleObject(m2, 0));
    SetEvent(m2);
    W("  wait 0 via first handle", WaitForSingleObject(m, 0));
    W("  wait 0 again (still manual)", WaitForSingleObject(m, 0));
    HANDLE os = H("open SYNCHRONIZE", OpenEventA(SYNCHRONIZE, FALSE, N("man")));
    W("  wait", WaitForSingleObject(os, 0));
    B("  set (no MODIFY_STATE)", SetEvent(os));
    B("  reset (no MODIFY_STATE)", ResetEvent(os));
    HANDLE om = H("open EVENT_MODIFY_STATE", OpenEventA(EVENT_MODIFY_STATE, FALSE, N("man")));
    W("  wait (no SYNCHRONIZE)", WaitForSingleObject(om, 0));
    B("  reset", ResetEvent(om));
    H("open access 0", OpenEventA(0, FALSE, N("man")));
    HANDLE og = H("open GENERIC_EXECUTE", OpenEventA(GENERIC_EXECUTE, FALSE, N("man")));
    W("  wait", WaitForSingleObject(og, 0));
    H("open NULL name", OpenEventA(EVENT_ALL_ACCESS, FALSE, NULL));
    H("open missing", OpenEventA(EVENT_ALL_ACCESS, FALSE, N("nope")));
    HANDLE u = H("unnamed manual set", CreateEventA(NULL, TRUE, TRUE, NULL));
    W("  wait 0", WaitForSingleObject(u, 0));
    HANDLE u2 = H("second unnamed", CreateEventA(NULL, TRUE, FALSE, NULL));
    W("  wait 0 (distinct object)", WaitForSingleObject(u2, 0));
    B("set on a mapping handle", SetEvent(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL)));
    B("set on NULL", SetEvent(NULL));
    B("reset on bogus", ResetEvent((HANDLE)(ULONG_PTR)0x4440));
    HANDLE cross = H("auto event for b", CreateEventA(NULL, FALSE, FALSE, N("cross")));
    HANDLE ready = signal_event(N("ready"));
    W("  wait for b's SetEvent", WaitForSingleObject(cross, 10000));
    W("  consumed", WaitForSingleObject(cross, 0));
    CloseHandle(ready);
    return 0;
}
