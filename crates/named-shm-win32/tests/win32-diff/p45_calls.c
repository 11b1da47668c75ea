/* The calls real programs make beside shared memory: the Ex waits and
 * SleepEx (not alertable), registered window messages and broadcasts,
 * winmm's timer calls, process and thread priorities. */
/* probe-mingw-libs: -lwinmm */
#include "probe.h"
#include <mmsystem.h>
#pragma comment(lib, "winmm.lib")

static const char *probe_roles(void) { return "a"; }

static int probe_main(const char *role)
{
    (void)role;
    HANDLE ev = H("CreateEvent", CreateEvent(NULL, TRUE, FALSE, NULL));
    W("WaitForSingleObjectEx, unset", WaitForSingleObjectEx(ev, 10, FALSE));
    SetEvent(ev);
    W("WaitForSingleObjectEx, set", WaitForSingleObjectEx(ev, 0, FALSE));
    HANDLE two[2] = {ev, CreateMutex(NULL, FALSE, NULL)};
    W("WaitForMultipleObjectsEx any", WaitForMultipleObjectsEx(2, two, FALSE, 0, FALSE));
    W("WaitForMultipleObjectsEx all", WaitForMultipleObjectsEx(2, two, TRUE, 0, FALSE));
    W("WaitForMultipleObjectsEx 0 handles", WaitForMultipleObjectsEx(0, two, FALSE, 0, FALSE));
    W("WaitForSingleObjectEx bogus", WaitForSingleObjectEx((HANDLE)(ULONG_PTR)0x7770, 0, FALSE));
    LARGE_INTEGER f, c0, c1;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c0);
    SetLastError(0xBEEF);
    DWORD s = SleepEx(30, FALSE);
    const char *e = errs();
    QueryPerformanceCounter(&c1);
    say("SleepEx: %u slept>=25ms=%d err=%s", (unsigned)s, (c1.QuadPart - c0.QuadPart) * 1000 / f.QuadPart >= 25, e);

    UINT m1 = RegisterWindowMessage(TEXT("IRSDK_BROADCASTMSG"));
    UINT m2 = RegisterWindowMessageA("irsdk_broadcastmsg");
    UINT m3 = RegisterWindowMessageW(L"IRSDK_BROADCASTMSG");
    UINT m4 = RegisterWindowMessageA("FreeTrack_Reply");
    say("RegisterWindowMessage: range=%d same=%d case=%d other=%d", m1 >= 0xC000 && m1 <= 0xFFFF, m1 == m3,
        m1 == m2, m4 != m1 && m4 >= 0xC000);
    SetLastError(0xBEEF);
    UINT m0 = RegisterWindowMessageA("");
    say("RegisterWindowMessage empty: %u err=%s", m0, errs());
    /* Wine's first message call sets the last error to 0 as it starts
     * its message machinery: one call first, unlogged. */
    SendNotifyMessage(HWND_BROADCAST, m1, 0, 0);
    B("SendNotifyMessage broadcast", SendNotifyMessage(HWND_BROADCAST, m1, MAKEWPARAM(1, 2), 0));
    B("PostMessage broadcast", PostMessage(HWND_BROADCAST, m1, 0, 0));
    B("PostMessageW broadcast", PostMessageW(HWND_BROADCAST, m1, 0, 0));
    B("SendNotifyMessageA broadcast", SendNotifyMessageA(HWND_BROADCAST, m1, 0, 0));
    B("PostMessage to a bogus window", PostMessage((HWND)(ULONG_PTR)0x12345678, m1, 0, 0));
    B("SendNotifyMessage to a bogus window", SendNotifyMessage((HWND)(ULONG_PTR)0x12345678, m1, 0, 0));

    say("timeBeginPeriod(1): %u", (unsigned)timeBeginPeriod(1));
    say("timeEndPeriod(1): %u", (unsigned)timeEndPeriod(1));
    say("timeBeginPeriod(0): %u", (unsigned)timeBeginPeriod(0));
    DWORD a = timeGetTime();
    Sleep(20);
    DWORD b = timeGetTime();
    say("timeGetTime advances: %d", b - a >= 15 && b - a < 5000);

    HANDLE p = GetCurrentProcess();
    say("GetPriorityClass: 0x%x", (unsigned)GetPriorityClass(p));
    B("SetPriorityClass BELOW_NORMAL", SetPriorityClass(p, BELOW_NORMAL_PRIORITY_CLASS));
    say("GetPriorityClass: 0x%x", (unsigned)GetPriorityClass(p));
    B("SetPriorityClass IDLE", SetPriorityClass(p, IDLE_PRIORITY_CLASS));
    say("GetPriorityClass: 0x%x", (unsigned)GetPriorityClass(p));
    B("SetPriorityClass NORMAL", SetPriorityClass(p, NORMAL_PRIORITY_CLASS));
    B("SetPriorityClass bogus class", SetPriorityClass(p, 0x1234));
    HANDLE t = GetCurrentThread();
    say("GetThreadPriority: %d", GetThreadPriority(t));
    B("SetThreadPriority HIGHEST", SetThreadPriority(t, THREAD_PRIORITY_HIGHEST));
    say("GetThreadPriority: %d", GetThreadPriority(t));
    B("SetThreadPriority BELOW_NORMAL", SetThreadPriority(t, THREAD_PRIORITY_BELOW_NORMAL));
    say("GetThreadPriority: %d", GetThreadPriority(t));
    B("SetThreadPriority 3", SetThreadPriority(t, 3));
    B("SetThreadPriority NORMAL", SetThreadPriority(t, THREAD_PRIORITY_NORMAL));
    return 0;
}
