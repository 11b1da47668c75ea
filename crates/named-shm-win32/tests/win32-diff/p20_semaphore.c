/* Semaphores: Windows' argument rules (87), releases past the maximum (298,
 * count and previous-count output unchanged), access rights, the shared
 * namespace (another kind's name: 6), unnamed semaphores, waits (single,
 * any, all) and two processes handing counts over. */
#include "tprobe.h"

static const char *probe_roles(void) { return "a s& c"; }

/* ReleaseSemaphore, printing the previous count (or that it was untouched). */
static void rel(const char *label, HANDLE h, LONG n)
{
    LONG prev = -77;
    SetLastError(0xBEEF);
    BOOL ok = ReleaseSemaphore(h, n, &prev);
    const char *e = errs();
    if (prev == -77)
        say("%s: %s prev=untouched err=%s", label, ok ? "TRUE" : "FALSE", e);
    else
        say("%s: %s prev=%ld err=%s", label, ok ? "TRUE" : "FALSE", (long)prev, e);
}

static void single_process(void)
{
    H("create max 0", CreateSemaphoreA(NULL, 0, 0, N("bad")));
    H("create max -1", CreateSemaphoreA(NULL, 0, -1, N("bad")));
    H("create initial -1", CreateSemaphoreA(NULL, -1, 5, N("bad")));
    H("create initial > max", CreateSemaphoreA(NULL, 6, 5, N("bad")));
    H("open the name the bad calls used", OpenSemaphoreA(SYNCHRONIZE, FALSE, N("bad")));
    HANDLE s = H("create 2 of 5", CreateSemaphoreA(NULL, 2, 5, N("sem")));
    HANDLE s2 = H("create again (other counts ignored)", CreateSemaphoreA(NULL, 0, 1, N("sem")));
    H("create again, bad counts", CreateSemaphoreA(NULL, 9, 1, N("sem")));
    rel("release 0", s, 0);
    rel("release -1", s, -1);
    rel("release 2", s, 2);
    rel("release 2 past the maximum", s, 2);
    rel("release 1 (count was unchanged)", s2, 1);
    rel("release 1 at the maximum", s, 1);
    for (int i = 0; i < 5; i++)
        W("wait 0", WaitForSingleObject(s, 0));
    W("wait 0 at count 0", WaitForSingleObject(s, 0));
    W("wait 30 ms at count 0", WaitForSingleObject(s, 30));
    B("release with NULL prev", ReleaseSemaphore(s, 1, NULL));
    W("wait through the second handle", WaitForSingleObject(s2, 0));

    /* Access rights. */
    HANDLE sy = H("open SYNCHRONIZE", OpenSemaphoreA(SYNCHRONIZE, FALSE, N("sem")));
    rel("release without MODIFY_STATE", sy, 1);
    HANDLE mo = H("open SEMAPHORE_MODIFY_STATE", OpenSemaphoreA(SEMAPHORE_MODIFY_STATE, FALSE, N("sem")));
    rel("release with MODIFY_STATE", mo, 1);
    W("wait without SYNCHRONIZE", WaitForSingleObject(mo, 0));
    W("wait with SYNCHRONIZE", WaitForSingleObject(sy, 0));
    HANDLE al = H("open SEMAPHORE_ALL_ACCESS", OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, N("sem")));
    rel("release all-access", al, 3);
    HANDLE ge = H("open GENERIC_WRITE", OpenSemaphoreA(GENERIC_WRITE, FALSE, N("sem")));
    rel("release generic write", ge, 1);
    H("open access 0", OpenSemaphoreA(0, FALSE, N("sem")));
    H("open missing", OpenSemaphoreA(SYNCHRONIZE, FALSE, N("missing")));
    H("open NULL name", OpenSemaphoreA(SYNCHRONIZE, FALSE, NULL));
    H("open W", OpenSemaphoreW(SYNCHRONIZE, FALSE, WS(N("sem"))));

    /* CreateSemaphoreEx. */
    H("Ex flags 1", CreateSemaphoreExA(NULL, 0, 1, N("exflags"), 1, SEMAPHORE_ALL_ACCESS));
    HANDLE ex = H("Ex SYNCHRONIZE only", CreateSemaphoreExA(NULL, 1, 3, N("ex"), 0, SYNCHRONIZE));
    rel("release on it", ex, 1);
    W("wait on it", WaitForSingleObject(ex, 0));
    HANDLE exw = H("ExW all access, existing", CreateSemaphoreExW(NULL, 0, 1, WS(N("ex")), 0, SEMAPHORE_ALL_ACCESS));
    rel("release on that", exw, 1);
    H("CreateSemaphoreW bad counts", CreateSemaphoreW(NULL, 2, 1, WS(N("exw"))));

    /* One namespace. */
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, N("event"));
    HANDLE mu = CreateMutexA(NULL, FALSE, N("mutex"));
    HANDLE fm = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("map"));
    H("create semaphore on an event's name", CreateSemaphoreA(NULL, 0, 1, N("event")));
    H("create semaphore on a mutex's name", CreateSemaphoreA(NULL, 0, 1, N("mutex")));
    H("create semaphore on a mapping's name", CreateSemaphoreA(NULL, 0, 1, N("map")));
    H("open semaphore on an event's name", OpenSemaphoreA(SYNCHRONIZE, FALSE, N("event")));
    H("create event on a semaphore's name", CreateEventA(NULL, TRUE, FALSE, N("sem")));
    H("open mutex on a semaphore's name", OpenMutexA(SYNCHRONIZE, FALSE, N("sem")));
    H("create mapping on a semaphore's name", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("sem")));
    rel("release an event handle", ev, 1);
    rel("release a bogus handle", (HANDLE)(ULONG_PTR)0x7ff0, 1);
    B("ReleaseMutex on a semaphore", ReleaseMutex(s));
    B("SetEvent on a semaphore", SetEvent(s));

    /* Unnamed. */
    HANDLE u = H("unnamed 1 of 1", CreateSemaphoreA(NULL, 1, 1, NULL));
    HANDLE ue = H("empty name is unnamed", CreateSemaphoreA(NULL, 0, 2, ""));
    W("wait", WaitForSingleObject(u, 0));
    W("wait again", WaitForSingleObject(u, 0));
    rel("release", u, 1);
    rel("release past 1", u, 1);
    rel("release the empty-named one", ue, 2);
    HANDLE dup = NULL;
    B("duplicate", DuplicateHandle(GetCurrentProcess(), u, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
    B("close the original", CloseHandle(u));
    W("wait through the duplicate", WaitForSingleObject(dup, 0));
    HANDLE dsy = NULL;
    DuplicateHandle(GetCurrentProcess(), dup, GetCurrentProcess(), &dsy, SYNCHRONIZE, FALSE, 0);
    rel("release through a SYNCHRONIZE duplicate", dsy, 1);

    /* The largest maximum. */
    HANDLE big = H("max LONG_MAX", CreateSemaphoreA(NULL, 0, 0x7FFFFFFF, NULL));
    rel("release LONG_MAX", big, 0x7FFFFFFF);
    rel("release 1 more", big, 1);

    /* Multiple waits. */
    HANDLE e0 = CreateEventA(NULL, FALSE, FALSE, NULL);
    HANDLE sm = CreateSemaphoreA(NULL, 1, 2, NULL);
    HANDLE hs[2] = {e0, sm};
    W("any: the semaphore", WaitForMultipleObjects(2, hs, FALSE, 0));
    W("any: taken", WaitForMultipleObjects(2, hs, FALSE, 0));
    ReleaseSemaphore(sm, 2, NULL);
    W("all: the event is not set", WaitForMultipleObjects(2, hs, TRUE, 0));
    SetEvent(e0);
    W("all: both", WaitForMultipleObjects(2, hs, TRUE, 0));
    rel("one count was taken", sm, 1);
    HANDLE same[2] = {sm, sm};
    W("any: the same semaphore twice", WaitForMultipleObjects(2, same, FALSE, 0));

    /* The generic (TCHAR) names: A in a narrow build, W in a UNICODE one. */
    say("mode: %s", MODE);
    HANDLE g = H("CreateSemaphore", CreateSemaphore(NULL, 1, 2, TN("generic")));
    HANDLE go = H("OpenSemaphore", OpenSemaphore(SYNCHRONIZE | SEMAPHORE_MODIFY_STATE, FALSE, TN("generic")));
    H("CreateSemaphoreEx, existing", CreateSemaphoreEx(NULL, 0, 2, TN("generic"), 0, SYNCHRONIZE));
    W("wait through the opened handle", WaitForSingleObject(go, 0));
    rel("release through the created one", g, 2);
    CloseHandle(g);
    CloseHandle(go);

    /* The name dies with the last handle. */
    CloseHandle(s);
    CloseHandle(s2);
    CloseHandle(sy);
    CloseHandle(mo);
    CloseHandle(al);
    CloseHandle(ge);
    H("open after closing all", OpenSemaphoreA(SYNCHRONIZE, FALSE, N("sem")));
    CloseHandle(ev);
    CloseHandle(mu);
    CloseHandle(fm);
}

static int probe_main(const char *role)
{
    if (strcmp(role, "a") == 0) {
        single_process();
    } else if (strcmp(role, "s") == 0) {
        /* The consumer: takes three counts the other process releases. */
        HANDLE s = CreateSemaphoreA(NULL, 0, 10, N("xproc"));
        HANDLE ready = signal_event(N("ready"));
        for (int i = 0; i < 3; i++)
            W("take a count released by the other process", WaitForSingleObject(s, 20000));
        W("none left", WaitForSingleObject(s, 0));
        HANDLE done = signal_event(N("done"));
        await_event(N("bye"));
        CloseHandle(done);
        CloseHandle(ready);
        CloseHandle(s);
    } else {
        await_event(N("ready"));
        HANDLE s = H("open the other process's semaphore", OpenSemaphoreA(SEMAPHORE_MODIFY_STATE, FALSE, N("xproc")));
        B("release 1", ReleaseSemaphore(s, 1, NULL));
        B("release 2", ReleaseSemaphore(s, 2, NULL));
        await_event(N("done"));
        rel("release 10 past the maximum", s, 10);
        rel("release 10", s, 10);
        HANDLE bye = signal_event(N("bye"));
        Sleep(100);
        CloseHandle(bye);
        CloseHandle(s);
    }
    return 0;
}
