/* The wide C library on UTF-16 in a narrow build: lengths, copies,
 * comparisons, searches, numbers, conversions and the printf family with
 * Microsoft's format rules (%s wide in wide functions, %S and %hs narrow). */
/* probe-mingw-flags: -D__USE_MINGW_ANSI_STDIO=0 */
#include "probe.h"
#include <wchar.h>
#include <tchar.h>
#include <errno.h>
#include <limits.h>

static const char *probe_roles(void) { return "a"; }

/* UTF-16 (ASCII here) as a printable string, unit by unit. */
static const char *A(const wchar_t *w)
{
    static char buf[8][256];
    static int i;
    char *b = buf[i++ % 8];
    size_t n = 0;
    for (; w[n] && n < 250; n++)
        b[n] = w[n] < 128 ? (char)w[n] : '?';
    b[n] = 0;
    return b;
}
static int sgn(int v) { return (v > 0) - (v < 0); }

static int vsw(wchar_t *buf, size_t n, const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vswprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

static int probe_main(const char *role)
{
    (void)role;
    wchar_t b[64], c[64];
    wchar_t *end;
    say("sizeof(wchar_t): %d", (int)sizeof(wchar_t));
    say("wcslen(L\"OPTIMUM\"): %d", (int)wcslen(L"OPTIMUM"));
    say("wcsnlen 3/20: %d %d", (int)wcsnlen(L"OPTIMUM", 3), (int)wcsnlen(L"OPTIMUM", 20));
    wcscpy(b, L"Local\\");
    wcscat(b, L"IRSDKMemMapFileName");
    say("wcscpy+wcscat: %s (%d)", A(b), (int)wcslen(b));
    wmemset(c, L'Z', 10);
    wcsncpy(c, L"abc", 6);
    say("wcsncpy pads: %d %d %d %d", c[3] == 0, c[5] == 0, c[6] == L'Z', (int)wcslen(c));
    wcsncpy(c, L"abcdef", 3);
    say("wcsncpy short: %d", c[3] == 0);
    wcscpy(c, L"ab");
    wcsncat(c, L"cdef", 2);
    say("wcsncat: %s", A(c));
    say("wcscmp: %d %d %d", sgn(wcscmp(L"abc", L"abd")), sgn(wcscmp(L"abc", L"abc")), sgn(wcscmp(L"b", L"abc")));
    say("wcscmp high unit: %d", sgn(wcscmp(L"\xe9", L"z")));
    say("wcsncmp: %d %d", sgn(wcsncmp(L"abcX", L"abcY", 3)), sgn(wcsncmp(L"abcX", L"abcY", 4)));
    say("_wcsicmp: %d %d %d", sgn(_wcsicmp(L"Abc", L"aBC")), sgn(_wcsicmp(L"a", L"B")), sgn(_wcsicmp(L"_", L"a")));
    say("_wcsnicmp: %d", sgn(_wcsnicmp(L"ABCd", L"abcE", 3)));
    say("_wcsicmp beyond ASCII (C locale): %d", sgn(_wcsicmp(L"\xe9t\xe9", L"\xc9T\xc9")));
    wcscpy(c, L"\xe9" L"a" L"\xc9");
    _wcsupr(c);
    say("_wcsupr beyond ASCII: %x %x %x", c[0], c[1], c[2]);
    const wchar_t *s = L"acc_physics.mmf";
    say("wcschr/wcsrchr: %d %d %d", (int)(wcschr(s, L'c') - s), (int)(wcsrchr(s, L'c') - s), wcschr(s, L'!') == NULL);
    say("wcschr NUL: %d", (int)(wcschr(s, 0) - s));
    say("wcsstr: %d %d %d", (int)(wcsstr(s, L"physics") - s), wcsstr(s, L"graphics") == NULL, wcsstr(s, L"") == s);
    say("wcsspn/wcscspn/wcspbrk: %d %d %d", (int)wcsspn(s, L"ac"), (int)wcscspn(s, L"._"), (int)(wcspbrk(s, L"._") - s));
    wmemcpy(c, L"0123456789", 11);
    wmemmove(c + 2, c, 5);
    say("wmemmove: %s", A(c));
    say("wmemcmp/wmemchr: %d %d %d", sgn(wmemcmp(L"abc", L"abd", 2)), sgn(wmemcmp(L"abc", L"abd", 3)), (int)(wmemchr(c, L'9', 10) - c));
    errno = 0;
    long l = wcstol(L"  -123xyz", &end, 10);
    say("wcstol: %ld end=%d errno=%d", l, (int)(end - L"  -123xyz"), errno);
    say("wcstol hex: %ld %ld", wcstol(L"0x1F", NULL, 16), wcstol(L"0x1F", NULL, 0));
    errno = 0;
    l = wcstol(L"99999999999", NULL, 10);
    say("wcstol overflow: %ld errno=%d", l, errno == ERANGE);
    errno = 0;
    unsigned long ul = wcstoul(L"4294967295", NULL, 10);
    say("wcstoul max: %lu errno=%d", ul, errno);
    errno = 0;
    ul = wcstoul(L"4294967296", NULL, 10);
    say("wcstoul overflow: %lu errno=%d", ul, errno == ERANGE);
    say("wcstoul -1: %lu", wcstoul(L"-1", NULL, 10));
    say("_wcstoi64: %lld", (long long)_wcstoi64(L"-9000000000", NULL, 10));
    say("_wtoi/_wtol: %d %d", _wtoi(L"  42abc"), (int)_wtol(L"-7"));
    double d = wcstod(L"3.5e2x", &end);
    say("wcstod: %.1f end=%d", d, (int)(end - L"3.5e2x"));
    char mb[32];
    memset(mb, 'Z', sizeof mb);
    say("wcstombs NULL: %d", (int)wcstombs(NULL, L"hello", 0));
    size_t n = wcstombs(mb, L"hello", 3);
    say("wcstombs 3: %d %.3s next=%c", (int)n, mb, mb[3]);
    n = wcstombs(mb, L"hello", sizeof mb);
    say("wcstombs all: %d %s", (int)n, mb);
    wmemset(c, L'Z', 10);
    say("mbstowcs NULL: %d", (int)mbstowcs(NULL, "world", 0));
    n = mbstowcs(c, "world", 2);
    say("mbstowcs 2: %d next=%d", (int)n, c[2] == L'Z');
    n = mbstowcs(c, "world", 64);
    say("mbstowcs all: %d %s", (int)n, A(c));
    wchar_t *dup = _wcsdup(L"MiXeD");
    say("_wcsdup/_wcslwr/_wcsupr: %s %s", A(_wcslwr(dup)), A(_wcsupr(dup)));
    free(dup);

    int r = swprintf(b, 64, L"%d-%s-%hs-%c", 5, L"wide", "narrow", L'w');
    say("swprintf: %d %s", r, A(b));
    r = swprintf(b, 4, L"%s", L"toolong");
    say("swprintf small: %d", r);
    r = vsw(b, 64, L"%05.1f|%-4d|%x", 2.31, 7, 255);
    say("vswprintf: %d %s", r, A(b));
    wmemset(b, L'Z', 10);
    r = _snwprintf(b, 3, L"%s", L"abc");
    say("_snwprintf exact: %d term=%d", r, b[3] == 0);
    wmemset(b, L'Z', 10);
    r = _snwprintf(b, 3, L"%s", L"abcd");
    say("_snwprintf long: %d %d%d%d next=%d", r, b[0] == 'a', b[1] == 'b', b[2] == 'c', b[3] == L'Z');
    r = _snwprintf(b, 10, L"%ls|%S", L"l", "S");
    say("_snwprintf: %d %s", r, A(b));
    fflush(stdout);
    wprintf(L"wprintf: %s|%ls|%S|%hs|%c|%C|%d\n", L"wide", L"ls", "S", "hs", L'c', 'C', 42);
    fflush(stdout);
    fwprintf(stdout, L"fwprintf: %5s|%-5s|%.2s\n", L"ab", L"cd", L"efgh");
    fflush(stdout);
    fputws(L"fputws line\n", stdout);
    fflush(stdout);
    /* The generic-text names, narrow or (p41) UNICODE. */
    TCHAR t[64];
    _tcscpy(t, _T("acpmf_static"));
    _tcscat(t, _T("_X"));
    say("_tcs: %d %d %d %d %d", (int)_tcslen(t), (int)(_tcschr(t, _T('_')) - t), (int)(_tcsrchr(t, _T('_')) - t),
        (int)(_tcsstr(t, _T("static")) - t), sgn(_tcsicmp(t, _T("ACPMF_STATIC_x"))));
    say("_tcstol/_ttoi: %ld %d", _tcstol(_T("0x10"), NULL, 16), _ttoi(_T("99")));
    _sntprintf(t, 64, _T("%s=%d"), _T("lap"), 3);
    say("_sntprintf: %d", (int)_tcslen(t));
    _tprintf(_T("_tprintf: %s (%d)\n"), t, (int)sizeof(TCHAR));
    fflush(stdout);
    return 0;
}
