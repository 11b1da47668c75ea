/* MSVC-isms unchanged Windows code relies on: _WIN32/WIN32, __declspec,
 * CONST, min/max, #pragma comment, what windows.h brings in (time_t, exit),
 * _snprintf/_vsnprintf's return convention, localtime_s/gmtime_s,
 * wcstombs_s/mbstowcs_s. */
/* probe-mingw-flags: -D__USE_MINGW_ANSI_STDIO=0 */
#include <windows.h>
#pragma comment(lib, "winmm.lib")
#pragma warning(disable : 4996)
#include "probe.h"
#include <time.h>

static const char *probe_roles(void) { return "a"; }

/* mingw's gcc (the oracle's compiler) lacks MSVC's align and thread. */
#ifdef __MINGW32__
#define DS_ALIGN64 __attribute__((aligned(64)))
#else
#define DS_ALIGN64 __declspec(align(64))
#endif
DS_ALIGN64 static int aligned_var;
#ifdef __MINGW32__
static __thread int tls_var = 3;
#else
__declspec(thread) static int tls_var = 3;
#endif
__declspec(selectany) int selectany_var = 5;
__declspec(noinline) static int not_inlined(int x) { return x + 1; }
__declspec(dllexport) int exported_fn(void) { return 7; }
__forceinline int forced(int x) { return x * 2; }

static int vsn(char *b, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = _vsnprintf(b, n, fmt, ap);
    va_end(ap);
    return r;
}

static int probe_main(const char *role)
{
    (void)role;
#if defined(_WIN32) && defined(WIN32)
    say("_WIN32 and WIN32: defined");
#else
    say("_WIN32 and WIN32: missing");
#endif
    say("declspec: %d %d %d %d %d %d", ((ULONG_PTR)&aligned_var % 64) == 0, tls_var, selectany_var, not_inlined(1),
        exported_fn(), forced(4));
    CONST char *c = "const";
    say("CONST: %s; min/max: %d %d", c, min(3, 9), max(3, 9));
    unsigned __int64 big = 1ULL << 40;
    __int32 i32 = -1;
    say("__int64/__int32: %d %d", (int)sizeof big, (int)sizeof i32);
    time_t t = 86400 * 365;
    say("time_t from windows.h: %d", (int)sizeof(time_t) >= 4);
    char b[16];
    memset(b, 'Z', sizeof b);
    int r = _snprintf(b, 4, "%s", "abc");
    say("_snprintf fits: %d %s", r, b);
    memset(b, 'Z', sizeof b);
    r = _snprintf(b, 4, "%s", "abcd");
    say("_snprintf exact: %d term=%d", r, b[4] == 0);
    memset(b, 'Z', sizeof b);
    r = _snprintf(b, 4, "%d", 123456);
    say("_snprintf long: %d %.4s next=%c", r, b, b[4]);
    r = vsn(b, sizeof b, "%03d|%x", 7, 255);
    say("_vsnprintf: %d %s", r, b);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    errno_t e = gmtime_s(&tm, &t);
    say("gmtime_s: %d %d-%02d-%02d %02d:%02d wday=%d yday=%d", e, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
        tm.tm_hour, tm.tm_min, tm.tm_wday, tm.tm_yday);
    t = 1700000000;
    e = gmtime_s(&tm, &t);
    say("gmtime_s 2023: %d %d-%02d-%02d %02d:%02d:%02d", e, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
        tm.tm_min, tm.tm_sec);
    memset(&tm, 0, sizeof tm);
    e = localtime_s(&tm, &t);
    say("localtime_s: %d year=%d", e, tm.tm_year + 1900);
    size_t n = 99;
    char mb[16];
    e = wcstombs_s(&n, mb, sizeof mb, L"hello", _TRUNCATE);
    say("wcstombs_s: %d n=%d %s", e, (int)n, mb);
    e = wcstombs_s(&n, NULL, 0, L"hello", 0);
    say("wcstombs_s size: %d n=%d", e, (int)n);
    e = wcstombs_s(&n, mb, sizeof mb, L"hello", 2);
    say("wcstombs_s count 2: %d n=%d %s", e, (int)n, mb);
    e = wcstombs_s(&n, mb, 4, L"hello", _TRUNCATE);
    say("wcstombs_s truncate: %d n=%d %s", e, (int)n, mb);
    WCHAR w[16];
    e = mbstowcs_s(&n, w, 16, "world", _TRUNCATE);
    say("mbstowcs_s: %d n=%d len=%d", e, (int)n, lstrlenW(w));
    e = mbstowcs_s(&n, NULL, 0, "world", 0);
    say("mbstowcs_s size: %d n=%d", e, (int)n);
    e = mbstowcs_s(&n, w, 16, "world", 3);
    say("mbstowcs_s count 3: %d n=%d len=%d", e, (int)n, lstrlenW(w));
    e = mbstowcs_s(&n, w, 3, "world", _TRUNCATE);
    say("mbstowcs_s truncate: %d n=%d len=%d", e, (int)n, lstrlenW(w));
    say("_stricmp/_strnicmp: %d %d", _stricmp("AbC", "aBc") == 0, _strnicmp("abX", "ABy", 2) == 0);
    exit(0);
}
