/* strsafe.h: StringCch and StringCb copy, copy N, cat, cat N, printf and
 * length; S_OK, truncation with STRSAFE_E_INSUFFICIENT_BUFFER (and NUL
 * termination), STRSAFE_E_INVALID_PARAMETER. TCHAR forms, built narrow here
 * and UNICODE by p27_strsafe_unicode.c. */
#include "tprobe.h"
#include <strsafe.h>

static const char *probe_roles(void) { return "a"; }

static const char *hr_name(HRESULT hr)
{
    if (hr == S_OK)
        return "S_OK";
    if (hr == STRSAFE_E_INSUFFICIENT_BUFFER)
        return "STRSAFE_E_INSUFFICIENT_BUFFER";
    if (hr == STRSAFE_E_INVALID_PARAMETER)
        return "STRSAFE_E_INVALID_PARAMETER";
    static char b[32];
    snprintf(b, sizeof b, "0x%08x", (unsigned)hr);
    return b;
}

#define S(label, expr, buf)                                                                                            \
    do {                                                                                                               \
        HRESULT hr_ = (expr);                                                                                          \
        say("%s: %s [%s]", label, hr_name(hr_), TA(buf));                                                              \
    } while (0)

static int probe_main(const char *role)
{
    (void)role;
    TCHAR b6[6], b16[16];
    size_t n = 99;
    say("mode: %s, STRSAFE_E_INSUFFICIENT_BUFFER = 0x%08x, STRSAFE_E_INVALID_PARAMETER = 0x%08x, sizeof(HRESULT) %d", MODE,
        (unsigned)STRSAFE_E_INSUFFICIENT_BUFFER, (unsigned)STRSAFE_E_INVALID_PARAMETER, (int)sizeof(HRESULT));

    fillz(b6, 6);
    S("StringCchCopy fits", StringCchCopy(b6, 6, TEXT("abcde")), b6);
    fillz(b6, 6);
    S("StringCchCopy truncates", StringCchCopy(b6, 6, TEXT("abcdefgh")), b6);
    fillz(b6, 6);
    S("StringCchCopy size 0", StringCchCopy(b6, 0, TEXT("a")), b6);
    fillz(b6, 6);
    S("StringCchCopy size > STRSAFE_MAX_CCH", StringCchCopy(b6, (size_t)STRSAFE_MAX_CCH + 1, TEXT("a")), b6);
    fillz(b6, 6);
    S("StringCchCopyN 3", StringCchCopyN(b6, 6, TEXT("abcdefgh"), 3), b6);
    fillz(b6, 6);
    S("StringCchCopyN 5 of 5", StringCchCopyN(b6, 6, TEXT("abcde"), 5), b6);
    fillz(b6, 6);
    S("StringCchCopyN 8, truncates", StringCchCopyN(b6, 6, TEXT("abcdefgh"), 8), b6);
    fillz(b6, 6);
    S("StringCchCopyN 6 of a 3-char source", StringCchCopyN(b6, 6, TEXT("abc"), 6), b6);

    StringCchCopy(b6, 6, TEXT("ab"));
    S("StringCchCat fits", StringCchCat(b6, 6, TEXT("cde")), b6);
    S("StringCchCat full", StringCchCat(b6, 6, TEXT("f")), b6);
    StringCchCopy(b6, 6, TEXT("ab"));
    S("StringCchCat truncates", StringCchCat(b6, 6, TEXT("cdefgh")), b6);
    fillz(b6, 6);
    b6[5] = 'z';
    S("StringCchCat unterminated", StringCchCat(b6, 6, TEXT("x")), TEXT(""));
    StringCchCopy(b6, 6, TEXT("ab"));
    S("StringCchCatN 2", StringCchCatN(b6, 6, TEXT("cdefgh"), 2), b6);

    fillz(b16, 16);
    S("StringCchPrintf fits", StringCchPrintf(b16, 16, TEXT("%d|%5s|%-3x|"), -42, TEXT("ab"), 255), b16);
    fillz(b16, 16);
    S("StringCchPrintf exactly 15", StringCchPrintf(b16, 16, TEXT("%s"), TEXT("123456789012345")), b16);
    fillz(b16, 16);
    S("StringCchPrintf 16, truncates", StringCchPrintf(b16, 16, TEXT("%s"), TEXT("1234567890123456")), b16);
    fillz(b16, 16);
    S("StringCchPrintf size 0", StringCchPrintf(b16, 0, TEXT("x")), b16);
    fillz(b16, 16);
    S("StringCbPrintf", StringCbPrintf(b16, sizeof b16, TEXT("%u-%c"), 7u, TEXT('Q')), b16);
    fillz(b16, 16);
    S("StringCbPrintf truncates", StringCbPrintf(b16, 5 * sizeof(TCHAR), TEXT("%s"), TEXT("abcdefgh")), b16);
    fillz(b16, 16);
    S("StringCbCopy", StringCbCopy(b16, sizeof b16, TEXT("hello")), b16);
    fillz(b16, 16);
    S("StringCbCopy truncates", StringCbCopy(b16, 3 * sizeof(TCHAR), TEXT("hello")), b16);
    StringCbCopy(b16, sizeof b16, TEXT("ab"));
    S("StringCbCat", StringCbCat(b16, sizeof b16, TEXT("cd")), b16);

    n = 99;
    S("StringCchLength", StringCchLength(TEXT("hello"), 16, &n), TEXT(""));
    say("  length %u", (unsigned)n);
    n = 99;
    S("StringCchLength limit = length", StringCchLength(TEXT("hello"), 5, &n), TEXT(""));
    say("  length %u", (unsigned)n);
    n = 99;
    S("StringCchLength limit = length + 1", StringCchLength(TEXT("hello"), 6, &n), TEXT(""));
    say("  length %u", (unsigned)n);
    n = 99;
    S("StringCchLength NULL", StringCchLength(NULL, 6, &n), TEXT(""));
    say("  length %u", (unsigned)n);
    n = 99;
    S("StringCchLength too large a limit", StringCchLength(TEXT("a"), (size_t)STRSAFE_MAX_CCH + 1, &n), TEXT(""));
    say("  length %u", (unsigned)n);
    n = 99;
    S("StringCbLength", StringCbLength(TEXT("hello"), 64, &n), TEXT(""));
    say("  bytes per TCHAR x length: %u", (unsigned)(n / sizeof(TCHAR)));
    S("StringCbLength NULL out", StringCbLength(TEXT("hello"), 64, NULL), TEXT(""));

    char a8[8];
    S("StringCchCopyA", StringCchCopyA(a8, 8, "narrow!!!"), TEXT(""));
    say("  a8 = %s", a8);
    WCHAR w8[8];
    S("StringCchCopyW", StringCchCopyW(w8, 8, L"wide!!!!!"), TEXT(""));
    say("  w8[6] = %c, w8[7] = %d", (char)w8[6], (int)w8[7]);
    S("StringCchPrintfW", StringCchPrintfW(w8, 8, L"%d%s", 12, L"ab"), TEXT(""));
    say("  w8 = %c%c%c%c, w8[4] = %d", (char)w8[0], (char)w8[1], (char)w8[2], (char)w8[3], (int)w8[4]);
    return 0;
}
