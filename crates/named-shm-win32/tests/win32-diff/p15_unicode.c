/* UNICODE build: the W functions with L"..." names, TCHAR macros, _tprintf
 * with %s meaning a wide string, and A and W names reaching one object. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "probe.h"
#include <tchar.h>

static const char *probe_roles(void) { return "a"; }

static int probe_main(const char *role)
{
    (void)role;
    WCHAR name[256];
    const WCHAR *w = WS(N("uni"));
    lstrlenW(w);
    memcpy(name, w, (lstrlenW(w) + 1) * sizeof(WCHAR));
    HANDLE h = H("CreateFileMapping (W via UNICODE)", CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, name));
    HANDLE a = H("OpenFileMappingA, same name", OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, N("uni")));
    HANDLE w2 = H("OpenFileMappingW", OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, name));
    LPTSTR v = (LPTSTR)MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    TCHAR msg[] = TEXT("Message from first process.");
    CopyMemory(v, msg, _tcslen(msg) * sizeof(TCHAR));
    LPCTSTR r = (LPCTSTR)MapViewOfFile(a, FILE_MAP_READ, 0, 0, 0);
    _tprintf(TEXT("read back: %ls (%d chars)\n"), r, (int)_tcslen(r));
    _tprintf(TEXT("numbers: %d %u %x %5d|%-5d| %ls %hs %lc\n"), -5, 42u, 255, 7, 8, TEXT("wide"), "narrow", TEXT('W'));
    HANDLE ew = H("CreateEventW", CreateEventW(NULL, TRUE, FALSE, L"nshm-probe-unicode-literal-event"));
    HANDLE ea = H("OpenEventA on the L\"\" name", OpenEventA(SYNCHRONIZE, FALSE, "nshm-probe-unicode-literal-event"));
    HANDLE mw = H("CreateMutexW", CreateMutexW(NULL, FALSE, WS(N("umutex"))));
    H("OpenMutexW", OpenMutexW(SYNCHRONIZE, FALSE, WS(N("umutex"))));
    H("OpenMutexA", OpenMutexA(SYNCHRONIZE, FALSE, N("umutex")));
    H("OpenEventW on a mutex", OpenEventW(SYNCHRONIZE, FALSE, WS(N("umutex"))));
    H("OpenFileMappingW missing", OpenFileMappingW(FILE_MAP_READ, FALSE, L"nshm-probe-unicode-missing"));
    (void)w2; (void)ew; (void)ea; (void)mw;
    return 0;
}
