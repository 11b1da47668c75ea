/* The secure CRT string functions with good and bad arguments: return
 * values, errno, what is left in the destination; the TCHAR forms (built
 * narrow here and UNICODE by p25_securecrt_unicode.c). */
#include "tprobe.h"
#include <errno.h>
#include <stdlib.h>

static const char *probe_roles(void) { return "a"; }

#define R(label, expr, buf)                                                                                            \
    do {                                                                                                               \
        errno = 0;                                                                                                     \
        int r_ = (int)(expr);                                                                                          \
        int e_ = errno;                                                                                                \
        say("%s: %d errno=%d [%s]", label, r_, e_, TA(buf));                                                           \
    } while (0)

static int probe_main(const char *role)
{
    (void)role;
    TCHAR b5[5], b8[8];
    say("mode: %s, _countof(b8) = %d", MODE, (int)_countof(b8));

    fillz(b5, 5);
    R("_tcscpy_s fits", _tcscpy_s(b5, 5, _T("abcd")), b5);
    fillz(b5, 5);
    R("_tcscpy_s one too long", _tcscpy_s(b5, 5, _T("abcde")), b5);
    fillz(b5, 5);
    R("_tcscpy_s size 0", _tcscpy_s(b5, 0, _T("a")), b5);
    fillz(b5, 5);
    R("_tcscpy_s NULL source", _tcscpy_s(b5, 5, NULL), b5);
    R("_tcscpy_s NULL destination", _tcscpy_s(NULL, 5, _T("a")), _T(""));

    fillz(b5, 5);
    R("_tcsncpy_s 3 of 7", _tcsncpy_s(b5, 5, _T("abcdefg"), 3), b5);
    fillz(b5, 5);
    R("_tcsncpy_s _TRUNCATE, long", _tcsncpy_s(b5, 5, _T("abcdefg"), _TRUNCATE), b5);
    fillz(b5, 5);
    R("_tcsncpy_s _TRUNCATE, short", _tcsncpy_s(b5, 5, _T("ab"), _TRUNCATE), b5);
    fillz(b5, 5);
    R("_tcsncpy_s 4 of 4", _tcsncpy_s(b5, 5, _T("abcd"), 4), b5);
    fillz(b5, 5);
    R("_tcsncpy_s count 0", _tcsncpy_s(b5, 5, _T("abcd"), 0), b5);
    fillz(b5, 5);
    R("_tcsncpy_s 5 of 7 (too small)", _tcsncpy_s(b5, 5, _T("abcdefg"), 5), b5);

    _tcscpy_s(b8, 8, _T("abc"));
    R("_tcscat_s fits exactly", _tcscat_s(b8, 8, _T("defg")), b8);
    R("_tcscat_s one more", _tcscat_s(b8, 8, _T("h")), b8);
    fillz(b8, 8);
    b8[7] = 'z';
    R("_tcscat_s unterminated destination", _tcscat_s(b8, 8, _T("h")), b8);
    _tcscpy_s(b8, 8, _T("ab"));
    R("_tcscat_s NULL source", _tcscat_s(b8, 8, NULL), b8);

    fillz(b8, 8);
    R("_stprintf_s fits", _stprintf_s(b8, 8, _T("%d-%s"), 12, _T("ab")), b8);
    fillz(b8, 8);
    R("_stprintf_s exactly 7", _stprintf_s(b8, 8, _T("%s"), _T("1234567")), b8);
    TCHAR big[32];
    fillz(big, 32);
    R("_stprintf_s too long (size 8 of 32)", _stprintf_s(big, 8, _T("%s"), _T("123456789")), big);
    fillz(b8, 8);
    R("_sntprintf_s _TRUNCATE, long", _sntprintf_s(b8, 8, _TRUNCATE, _T("%s"), _T("123456789")), b8);
    fillz(b8, 8);
    R("_sntprintf_s _TRUNCATE, short", _sntprintf_s(b8, 8, _TRUNCATE, _T("%d"), 42), b8);
    fillz(b8, 8);
    R("_sntprintf_s count 3, long", _sntprintf_s(b8, 8, 3, _T("%s"), _T("123456789")), b8);
    fillz(b8, 8);
    R("_sntprintf_s count 3, short", _sntprintf_s(b8, 8, 3, _T("%s"), _T("12")), b8);
    fillz(b8, 8);
    R("_sntprintf_s count 10 > size, long", _sntprintf_s(b8, 8, 10, _T("%s"), _T("123456789")), b8);

    /* The narrow functions by name. */
    char n5[5] = "zzzz";
    R("strcpy_s too long", strcpy_s(n5, sizeof n5, "hello"), _T(""));
    say("  n5[0] = %d", n5[0]);
    R("strncpy_s _TRUNCATE", strncpy_s(n5, sizeof n5, "hello", _TRUNCATE), _T(""));
    say("  n5 = %s", n5);
    char n16[16];
    R("sprintf_s", sprintf_s(n16, sizeof n16, "%05d|%-3s|%x", 42, "a", 255), _T(""));
    say("  n16 = %s", n16);
    R("_snprintf_s _TRUNCATE", _snprintf_s(n16, sizeof n16, _TRUNCATE, "%s", "0123456789abcdefghij"), _T(""));
    say("  n16 = %s", n16);

    unsigned char d4[4] = {9, 9, 9, 9};
    R("memcpy_s fits", memcpy_s(d4, 4, "ab", 2), _T(""));
    say("  d4 = %d %d %d %d", d4[0], d4[1], d4[2], d4[3]);
    R("memcpy_s too long", memcpy_s(d4, 4, "abcdef", 6), _T(""));
    say("  d4 = %d %d %d %d", d4[0], d4[1], d4[2], d4[3]);
    memset(d4, 9, 4);
    R("memcpy_s NULL source", memcpy_s(d4, 4, NULL, 2), _T(""));
    say("  d4 = %d %d %d %d", d4[0], d4[1], d4[2], d4[3]);
    R("memcpy_s NULL destination", memcpy_s(NULL, 4, "ab", 2), _T(""));
    R("memcpy_s count 0", memcpy_s(NULL, 0, NULL, 0), _T(""));
    memset(d4, 9, 4);
    R("memmove_s too long", memmove_s(d4, 4, "abcdef", 6), _T(""));
    say("  d4 = %d %d %d %d", d4[0], d4[1], d4[2], d4[3]);
    return 0;
}
