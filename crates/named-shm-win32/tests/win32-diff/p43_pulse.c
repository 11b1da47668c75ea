/* PulseEvent: a manual-reset event releases every process waiting at that
 * moment and is left non-signalled; an auto-reset event releases exactly
 * one of them; with nobody waiting a pulse only resets. Waiting processes
 * report through a counter in a mapping (which one an auto-reset pulse
 * releases is not determined). */
#include "probe.h"

static const char *probe_roles(void) { return "m1& m2& m3& pm a1& a2& a3& pa"; }

typedef struct {
    LONG released;
    LONG timed_out;
} Counts;

static Counts *counts(HANDLE *mx)
{
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("counts"));
    *mx = CreateMutexA(NULL, FALSE, N("countmx"));
    return (Counts *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
}

static void waiter(const char *ev_name, BOOL manual, const char *ready, DWORD ms)
{
    HANDLE mx;
    Counts *c = counts(&mx);
    HANDLE ev = CreateEventA(NULL, manual, FALSE, ev_name);
    HANDLE r = signal_event(ready);
    DWORD w = WaitForSingleObject(ev, ms);
    WaitForSingleObject(mx, INFINITE);
    if (w == WAIT_OBJECT_0)
        c->released++;
    else if (w == WAIT_TIMEOUT)
        c->timed_out++;
    ReleaseMutex(mx);
    if (manual)
        W("after the pulse, the event", WaitForSingleObject(ev, 0));
    CloseHandle(r);
}

static void pulser(const char *ev_name, BOOL manual, const char *prefix, LONG n, DWORD settle)
{
    HANDLE mx;
    Counts *c = counts(&mx);
    HANDLE ev = CreateEventA(NULL, manual, FALSE, ev_name);
    char name[64];
    for (int i = 1; i <= n; i++) {
        snprintf(name, sizeof name, "%s%d", prefix, i);
        if (!await_event(N(name)))
            say("no ready from %s", name);
    }
    Sleep(500); /* the waiters reach their wait */
    B("PulseEvent with waiters", PulseEvent(ev));
    if (manual)
        W("the event after the pulse", WaitForSingleObject(ev, 0));
    Sleep(settle);
    for (int i = 0; i < 200; i++) {
        WaitForSingleObject(mx, INFINITE);
        LONG done = c->released + c->timed_out;
        ReleaseMutex(mx);
        if (done == n)
            break;
        Sleep(50);
    }
    say("released %ld, timed out %ld", (long)c->released, (long)c->timed_out);
    /* Only now for an auto-reset event: a wait that begins while the
     * released process has not yet returned could take its release here
     * (docs/win32.md, PulseEvent). */
    if (!manual)
        W("the event after the pulse", WaitForSingleObject(ev, 0));
}

static int probe_main(const char *role)
{
    if (role[0] == 'm' && role[1] >= '1' && role[1] <= '9') {
        char r[16];
        snprintf(r, sizeof r, "mready%c", role[1]);
        waiter(N("manual"), TRUE, N(r), 20000);
        return 0;
    }
    if (role[0] == 'a' && role[1] >= '1' && role[1] <= '9') {
        char r[16];
        snprintf(r, sizeof r, "aready%c", role[1]);
        waiter(N("auto"), FALSE, N(r), 3000);
        return 0;
    }
    if (strcmp(role, "pm") == 0) {
        pulser(N("manual"), TRUE, "mready", 3, 0);
        return 0;
    }
    /* pa: one pulse, three auto-reset waiters that give up after 3 s. */
    pulser(N("auto"), FALSE, "aready", 3, 3000);
    /* Nobody waiting: a pulse only resets. */
    HANDLE m = H("CreateEvent manual, set", CreateEventA(NULL, TRUE, TRUE, N("idle-m")));
    B("PulseEvent, nobody waiting", PulseEvent(m));
    W("the manual event", WaitForSingleObject(m, 0));
    HANDLE a = H("CreateEvent auto, set", CreateEventA(NULL, FALSE, TRUE, N("idle-a")));
    B("PulseEvent, nobody waiting", PulseEvent(a));
    W("the auto event", WaitForSingleObject(a, 0));
    B("SetEvent after the pulse", SetEvent(a));
    W("the auto event", WaitForSingleObject(a, 0));
    HANDLE ro = H("OpenEvent SYNCHRONIZE only", OpenEventA(SYNCHRONIZE, FALSE, N("idle-m")));
    B("PulseEvent without EVENT_MODIFY_STATE", PulseEvent(ro));
    HANDLE mx = H("CreateMutex", CreateMutexA(NULL, FALSE, N("not-an-event")));
    B("PulseEvent on a mutex", PulseEvent(mx));
    B("PulseEvent on a bogus handle", PulseEvent((HANDLE)(ULONG_PTR)0x7770));
    B("PulseEvent on NULL", PulseEvent(NULL));
    return 0;
}
