/* GetSystemInfo, memory macros, lstrlen, Sleep, process id, ExitProcess. */
#include "probe.h"

static const char *probe_roles(void) { return "a b"; }

static int probe_main(const char *role)
{
    if (strcmp(role, "b") == 0) {
        say("b: exiting with 7");
        ExitProcess(7);
    }
    SYSTEM_INFO si;
    memset(&si, 0, sizeof si);
    GetSystemInfo(&si);
    say("page size 0x%x", (unsigned)si.dwPageSize);
    say("allocation granularity 0x%x", (unsigned)si.dwAllocationGranularity);
    say("processors > 0: %d", si.dwNumberOfProcessors > 0);
    char buf[16] = "abcdefghij";
    MoveMemory(buf + 2, buf, 5);
    say("MoveMemory overlap: %s", buf);
    CopyMemory(buf, "XY", 2);
    say("CopyMemory: %s", buf);
    FillMemory(buf, 3, '-');
    say("FillMemory: %s", buf);
    ZeroMemory(buf + 4, 12);
    say("ZeroMemory: %s", buf);
    say("lstrlenA: %d %d", lstrlenA("hello"), lstrlenA(NULL));
    say("lstrlenW: %d %d", lstrlenW(L"wide!!"), lstrlenW(NULL));
    say("sizeof WCHAR %d DWORD %d BOOL %d HANDLE %d SIZE_T %d", (int)sizeof(WCHAR), (int)sizeof(DWORD), (int)sizeof(BOOL), (int)sizeof(HANDLE), (int)sizeof(SIZE_T));
    LARGE_INTEGER f, t0, t1;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t0);
    Sleep(50);
    QueryPerformanceCounter(&t1);
    say("Sleep(50) took at least 45 ms: %d", (t1.QuadPart - t0.QuadPart) * 1000 >= 45 * f.QuadPart);
    say("GetTickCount non-zero: %d", GetTickCount() != 0);
    say("process id non-zero: %d", GetCurrentProcessId() != 0);
    say("INVALID_HANDLE_VALUE is -1: %d", (LONG_PTR)INVALID_HANDLE_VALUE == -1);
    say("constants: %x %x %x %x %x", (unsigned)FILE_MAP_ALL_ACCESS, (unsigned)EVENT_ALL_ACCESS, (unsigned)MUTEX_ALL_ACCESS, (unsigned)SYNCHRONIZE, (unsigned)WAIT_TIMEOUT);
    return 0;
}
