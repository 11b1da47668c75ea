/*
 * The wide C library for 16-bit wchar_t. scripts/wincc compiles with
 * -fshort-wchar so that L"..." and WCHAR are UTF-16 as on Windows, but
 * glibc's wide functions are built for 32-bit wchar_t: wcslen(L"OPTIMUM")
 * would read two characters per unit. This header (included by wincc's
 * wchar.h, cwchar, tchar.h and windows.h) gives every wide function a
 * Windows program calls a UTF-16 implementation, under its own name
 * (__nshm_wcslen ...) with a macro for the standard one (named_shm/
 * wstring_names.h). Functions it does not provide fail to compile with a
 * message naming docs/win32.md. Conversions to and from narrow strings use
 * UTF-8 (Windows uses the locale's code page). See docs/win32.md ("Wide
 * strings").
 */
#ifndef NAMED_SHM_WSTRING_H
#define NAMED_SHM_WSTRING_H

#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2 && !defined(NAMED_SHM_NO_WSTRING)
#define __NSHM_WSTRING_ON 1

#include "msvc.h"
#include "../named_shm_wide.h"
#include <limits.h>
#include <wchar.h>

#define __NSHM_W static __attribute__((unused))
typedef wchar_t __nshm_wc;

#ifndef _TRUNCATE
#define _TRUNCATE ((size_t)-1)
#endif
#ifndef STRUNCATE
#define STRUNCATE 80
#endif

__NSHM_W size_t __nshm_wcsnlen(const __nshm_wc *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}
__NSHM_W __nshm_wc *__nshm_wcsncpy(__nshm_wc *d, const __nshm_wc *s, size_t n)
{
    size_t i = 0;
    for (; i < n && s[i]; i++)
        d[i] = s[i];
    for (; i < n; i++)
        d[i] = 0;
    return d;
}
__NSHM_W __nshm_wc *__nshm_wcsncat(__nshm_wc *d, const __nshm_wc *s, size_t n)
{
    __nshm_wc *p = d + __nshm_wcslen(d);
    size_t i = 0;
    for (; i < n && s[i]; i++)
        p[i] = s[i];
    p[i] = 0;
    return d;
}
/* Case folding as Windows' C locale: A-Z only (whatever setlocale says). */
__NSHM_W unsigned __nshm_wfold(__nshm_wc c)
{
    unsigned u = (unsigned)(uint16_t)c;
    return u >= 'A' && u <= 'Z' ? u + 32 : u;
}
__NSHM_W int __nshm_wcsnicmp(const __nshm_wc *a, const __nshm_wc *b, size_t n)
{
    for (; n; n--, a++, b++) {
        int d = (int)__nshm_wfold(*a) - (int)__nshm_wfold(*b);
        if (d || !*a)
            return d;
    }
    return 0;
}
__NSHM_W int __nshm_wcsicmp(const __nshm_wc *a, const __nshm_wc *b)
{
    return __nshm_wcsnicmp(a, b, (size_t)-1);
}
__NSHM_W __nshm_wc *__nshm_wcschr(const __nshm_wc *s, __nshm_wc c)
{
    for (;; s++) {
        if (*s == c)
            return (__nshm_wc *)s;
        if (!*s)
            return NULL;
    }
}
__NSHM_W __nshm_wc *__nshm_wcsrchr(const __nshm_wc *s, __nshm_wc c)
{
    const __nshm_wc *r = NULL;
    for (;; s++) {
        if (*s == c)
            r = s;
        if (!*s)
            return (__nshm_wc *)r;
    }
}
__NSHM_W __nshm_wc *__nshm_wcsstr(const __nshm_wc *h, const __nshm_wc *n)
{
    size_t ln = __nshm_wcslen(n);
    if (!ln)
        return (__nshm_wc *)h;
    for (; *h; h++)
        if (*h == *n && __nshm_wcsncmp(h, n, ln) == 0)
            return (__nshm_wc *)h;
    return NULL;
}
__NSHM_W size_t __nshm_wcsspn(const __nshm_wc *s, const __nshm_wc *set)
{
    size_t n = 0;
    while (s[n] && __nshm_wcschr(set, s[n]))
        n++;
    return n;
}
__NSHM_W size_t __nshm_wcscspn(const __nshm_wc *s, const __nshm_wc *set)
{
    size_t n = 0;
    while (s[n] && !__nshm_wcschr(set, s[n]))
        n++;
    return n;
}
__NSHM_W __nshm_wc *__nshm_wcspbrk(const __nshm_wc *s, const __nshm_wc *set)
{
    s += __nshm_wcscspn(s, set);
    return *s ? (__nshm_wc *)s : NULL;
}
__NSHM_W __nshm_wc *__nshm_wcsdup(const __nshm_wc *s)
{
    size_t n = (__nshm_wcslen(s) + 1) * sizeof(__nshm_wc);
    __nshm_wc *d = (__nshm_wc *)malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
__NSHM_W __nshm_wc *__nshm_wcslwr(__nshm_wc *s)
{
    for (__nshm_wc *p = s; *p; p++)
        *p = (__nshm_wc)__nshm_wfold(*p);
    return s;
}
__NSHM_W __nshm_wc *__nshm_wcsupr(__nshm_wc *s)
{
    for (__nshm_wc *p = s; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (__nshm_wc)(*p - 32);
    return s;
}
__NSHM_W __nshm_wc *__nshm_wmemcpy(__nshm_wc *d, const __nshm_wc *s, size_t n)
{
    return (__nshm_wc *)memcpy(d, s, n * sizeof(__nshm_wc));
}
__NSHM_W __nshm_wc *__nshm_wmemmove(__nshm_wc *d, const __nshm_wc *s, size_t n)
{
    return (__nshm_wc *)memmove(d, s, n * sizeof(__nshm_wc));
}
__NSHM_W __nshm_wc *__nshm_wmemset(__nshm_wc *d, __nshm_wc c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = c;
    return d;
}
__NSHM_W int __nshm_wmemcmp(const __nshm_wc *a, const __nshm_wc *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return (uint16_t)a[i] < (uint16_t)b[i] ? -1 : 1;
    return 0;
}
__NSHM_W __nshm_wc *__nshm_wmemchr(const __nshm_wc *s, __nshm_wc c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == c)
            return (__nshm_wc *)(s + i);
    return NULL;
}

/* Numbers: the digits, signs and spaces are ASCII, so the UTF-16 text is
 * narrowed (anything else stops the parse, as it would) and parsed by the C
 * library; the end pointer is mapped back. */
__NSHM_W size_t __nshm_wnarrow(char *out, size_t cap, const __nshm_wc *s)
{
    size_t i = 0;
    for (; i + 1 < cap && s[i] && (uint16_t)s[i] < 128; i++)
        out[i] = (char)s[i];
    out[i] = 0;
    return i;
}
#define __NSHM_WNUM(name, type, call)                                              \
    __NSHM_W type name(const __nshm_wc *s, __nshm_wc **end, int base)              \
    {                                                                               \
        char tmp[512];                                                              \
        __nshm_wnarrow(tmp, sizeof tmp, s);                                         \
        char *e;                                                                    \
        (void)base;                                                                 \
        type v = call;                                                              \
        if (end)                                                                    \
            *end = (__nshm_wc *)(s + (e - tmp));                                    \
        return v;                                                                   \
    }
__NSHM_WNUM(__nshm_wcstol32, long, strtol(tmp, &e, base))
__NSHM_WNUM(__nshm_wcstoul32, unsigned long, strtoul(tmp, &e, base))
__NSHM_WNUM(__nshm_wcstoll, long long, strtoll(tmp, &e, base))
__NSHM_WNUM(__nshm_wcstoull, unsigned long long, strtoull(tmp, &e, base))
__NSHM_WNUM(__nshm_wcstod_b, double, strtod(tmp, &e))
/* Windows' long is 32 bits: wcstol saturates at LONG_MIN/LONG_MAX of 32
 * bits (ERANGE), as Microsoft's. The result type stays the C long. */
__NSHM_W long __nshm_wcstol(const __nshm_wc *s, __nshm_wc **end, int base)
{
    long long v = __nshm_wcstoll(s, end, base);
    if (v > 0x7fffffffLL) {
        errno = ERANGE;
        return 0x7fffffffL;
    }
    if (v < -0x80000000LL) {
        errno = ERANGE;
        return -0x7fffffffL - 1;
    }
    return (long)v;
}
__NSHM_W unsigned long __nshm_wcstoul(const __nshm_wc *s, __nshm_wc **end, int base)
{
    int neg = 0;
    const __nshm_wc *p = s;
    while (*p == ' ' || (*p >= 9 && *p <= 13))
        p++;
    neg = *p == '-';
    unsigned long long v = __nshm_wcstoull(s, end, base);
    if (!neg && v > 0xffffffffULL) {
        errno = ERANGE;
        return 0xffffffffUL;
    }
    return (unsigned long)(v & 0xffffffffULL);
}
__NSHM_W double __nshm_wcstod(const __nshm_wc *s, __nshm_wc **end)
{
    return __nshm_wcstod_b(s, end, 10);
}
__NSHM_W float __nshm_wcstof(const __nshm_wc *s, __nshm_wc **end)
{
    return (float)__nshm_wcstod_b(s, end, 10);
}
__NSHM_W int __nshm_wtoi(const __nshm_wc *s)
{
    return (int)__nshm_wcstol(s, NULL, 10);
}
__NSHM_W long long __nshm_wtoi64(const __nshm_wc *s)
{
    return __nshm_wcstoll(s, NULL, 10);
}
__NSHM_W double __nshm_wtof(const __nshm_wc *s)
{
    return __nshm_wcstod(s, NULL);
}

/* One UTF-16 character (a pair counts as one) as UTF-8 into o[4]: its length. */
__NSHM_W size_t __nshm_w1_utf8(const __nshm_wc *s, char *o, size_t *used)
{
    uint32_t c = (uint16_t)s[0];
    *used = 1;
    if (c >= 0xD800 && c < 0xDC00 && (uint16_t)s[1] >= 0xDC00 && (uint16_t)s[1] < 0xE000) {
        c = 0x10000 + ((c - 0xD800) << 10) + ((uint16_t)s[1] - 0xDC00);
        *used = 2;
    } else if (c >= 0xD800 && c < 0xE000) {
        c = 0xFFFD;
    }
    if (c < 0x80) { o[0] = (char)c; return 1; }
    if (c < 0x800) { o[0] = (char)(0xC0 | (c >> 6)); o[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12)); o[1] = (char)(0x80 | ((c >> 6) & 0x3F)); o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18)); o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}
/* wcstombs: UTF-16 to UTF-8; NULL dst: the length. Stops before a character
 * that does not fit; terminates only if there is room. */
__NSHM_W size_t __nshm_wcstombs(char *dst, const __nshm_wc *src, size_t n)
{
    size_t out = 0;
    while (*src) {
        char o[4];
        size_t used, k = __nshm_w1_utf8(src, o, &used);
        if (dst) {
            if (out + k > n)
                return out;
            memcpy(dst + out, o, k);
        }
        out += k;
        src += used;
    }
    if (dst && out < n)
        dst[out] = 0;
    return out;
}
/* One UTF-8 character: its code point and length (malformed: -1). */
__NSHM_W int __nshm_utf8_1(const unsigned char *u, uint32_t *c)
{
    int extra;
    if (u[0] < 0x80) { *c = u[0]; return 1; }
    if ((u[0] & 0xE0) == 0xC0) { *c = u[0] & 0x1F; extra = 1; }
    else if ((u[0] & 0xF0) == 0xE0) { *c = u[0] & 0x0F; extra = 2; }
    else if ((u[0] & 0xF8) == 0xF0) { *c = u[0] & 0x07; extra = 3; }
    else return -1;
    for (int i = 1; i <= extra; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return -1;
        *c = (*c << 6) | (u[i] & 0x3F);
    }
    return extra + 1;
}
/* mbstowcs: UTF-8 to UTF-16; NULL dst: the length; (size_t)-1 for invalid
 * UTF-8. */
__NSHM_W size_t __nshm_mbstowcs(__nshm_wc *dst, const char *src, size_t n)
{
    const unsigned char *u = (const unsigned char *)src;
    size_t out = 0;
    while (*u) {
        uint32_t c;
        int k = __nshm_utf8_1(u, &c);
        if (k < 0)
            return (size_t)-1;
        size_t units = c >= 0x10000 ? 2 : 1;
        if (dst) {
            if (out + units > n)
                return out;
            if (units == 2) {
                dst[out] = (__nshm_wc)(0xD800 + ((c - 0x10000) >> 10));
                dst[out + 1] = (__nshm_wc)(0xDC00 + ((c - 0x10000) & 0x3FF));
            } else {
                dst[out] = (__nshm_wc)c;
            }
        }
        out += units;
        u += k;
    }
    if (dst && out < n)
        dst[out] = 0;
    return out;
}
/* wcstombs_s and mbstowcs_s (Microsoft), one body: *ret = units written
 * including the terminator (bytes for wcstombs_s); count is the most to
 * convert (_TRUNCATE: as much as fits). */
#define __NSHM_CONVERT_S(name, D, S, convert)                                              \
    __NSHM_W errno_t name(size_t *ret, D *dst, size_t size, const S *src, size_t count)  \
    {                                                                                     \
        if (ret)                                                                          \
            *ret = 0;                                                                     \
        if ((!dst && size) || (dst && !size) || !src) {                                   \
            if (dst && size)                                                              \
                dst[0] = 0;                                                               \
            return EINVAL;                                                                \
        }                                                                                 \
        size_t need = convert(NULL, src, 0);                                              \
        if (need == (size_t)-1) {                                                         \
            if (dst)                                                                      \
                dst[0] = 0;                                                               \
            return EILSEQ;                                                                \
        }                                                                                 \
        if (!dst) {                                                                       \
            if (ret)                                                                      \
                *ret = need + 1;                                                          \
            return 0;                                                                     \
        }                                                                                 \
        size_t want = count == _TRUNCATE || count > need ? need : count;                  \
        errno_t rc = 0;                                                                   \
        if (want + 1 > size) {                                                            \
            if (count != _TRUNCATE) {                                                     \
                dst[0] = 0;                                                               \
                return ERANGE;                                                            \
            }                                                                             \
            want = size - 1;                                                              \
            rc = STRUNCATE;                                                               \
        }                                                                                 \
        size_t got = convert(dst, src, want);                                             \
        dst[got] = 0;                                                                     \
        if (ret)                                                                          \
            *ret = got + 1;                                                               \
        return rc;                                                                        \
    }
__NSHM_CONVERT_S(__nshm_wcstombs_s, char, __nshm_wc, __nshm_wcstombs)
__NSHM_CONVERT_S(__nshm_mbstowcs_s, __nshm_wc, char, __nshm_mbstowcs)
#undef __NSHM_CONVERT_S

/* printf family: Microsoft's wide format language (%s: wide in wide
 * functions, %S and %hs: narrow, %ls/%ws: wide), named_shm_wide.h's engine. */
__NSHM_W int __nshm_vwprintf(const __nshm_wc *fmt, va_list ap)
{
    return __nshm_vfwprintf(stdout, fmt, ap);
}
/* ISO swprintf(buf, count, fmt, ...) as Microsoft's: -1 when the text does
 * not fit (the buffer then holds a terminated prefix). */
__NSHM_W int __nshm_vswprintf_iso(__nshm_wc *buf, size_t count, const __nshm_wc *fmt, va_list ap)
{
    int n = __nshm_vswprintf(buf, count, fmt, ap);
    if (n >= 0 && (size_t)n < count)
        return n;
    if (buf && count)
        buf[count - 1] = 0;
    return -1;
}
__NSHM_W int __nshm_swprintf_iso(__nshm_wc *buf, size_t count, const __nshm_wc *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __nshm_vswprintf_iso(buf, count, fmt, ap);
    va_end(ap);
    return n;
}
#ifdef __cplusplus
/* Microsoft's C++ overload: swprintf(array, format, ...) takes the count
 * from the array. */
template <size_t __nshm_N>
static inline int __nshm_swprintf_iso(__nshm_wc (&buf)[__nshm_N], const __nshm_wc *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __nshm_vswprintf_iso(buf, __nshm_N, fmt, ap);
    va_end(ap);
    return n;
}
#endif
/* _snwprintf / _vsnwprintf: no terminator when it does not fit, -1. */
__NSHM_W int __nshm_snwprintf_ms(__nshm_wc *buf, size_t count, const __nshm_wc *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __nshm_vswprintf(buf, count, fmt, ap);
    va_end(ap);
    return n;
}
__NSHM_W int __nshm_fputws(const __nshm_wc *s, FILE *f)
{
    size_t n = __nshm_wcstombs(NULL, s, 0);
    char *u = (char *)malloc(n + 1);
    if (!u)
        return -1;
    __nshm_wcstombs(u, s, n + 1);
    int r = fputs(u, f) < 0 ? -1 : 0;
    free(u);
    return r;
}
__NSHM_W int __nshm_putws(const __nshm_wc *s)
{
    return __nshm_fputws(s, stdout) < 0 || fputc('\n', stdout) < 0 ? -1 : 0;
}

/* What is not provided: a call fails to compile, naming the guide. */
#define __NSHM_NO(f) __attribute__((error(#f ": not available with wincc's 16-bit wchar_t; see docs/win32.md (Wide strings)")))
__NSHM_NO(wcscoll) int __nshm_no_wcscoll(const wchar_t *, const wchar_t *);
__NSHM_NO(wcsxfrm) size_t __nshm_no_wcsxfrm(wchar_t *, const wchar_t *, size_t);
__NSHM_NO(wcsftime) size_t __nshm_no_wcsftime(wchar_t *, size_t, const wchar_t *, const struct tm *);
__NSHM_NO(wcstok) wchar_t *__nshm_no_wcstok(wchar_t *, const wchar_t *, wchar_t **);
__NSHM_NO(mbrtowc) size_t __nshm_no_mbrtowc(wchar_t *, const char *, size_t, mbstate_t *);
__NSHM_NO(wcrtomb) size_t __nshm_no_wcrtomb(char *, wchar_t, mbstate_t *);
__NSHM_NO(mbsrtowcs) size_t __nshm_no_mbsrtowcs(wchar_t *, const char **, size_t, mbstate_t *);
__NSHM_NO(wcsrtombs) size_t __nshm_no_wcsrtombs(char *, const wchar_t **, size_t, mbstate_t *);
__NSHM_NO(mbtowc) int __nshm_no_mbtowc(wchar_t *, const char *, size_t);
__NSHM_NO(wctomb) int __nshm_no_wctomb(char *, wchar_t);
__NSHM_NO(wscanf) int __nshm_no_wscanf(const wchar_t *, ...);
__NSHM_NO(swscanf) int __nshm_no_swscanf(const wchar_t *, const wchar_t *, ...);
__NSHM_NO(fwscanf) int __nshm_no_fwscanf(FILE *, const wchar_t *, ...);
__NSHM_NO(fgetws) wchar_t *__nshm_no_fgetws(wchar_t *, int, FILE *);
__NSHM_NO(fgetwc) wint_t __nshm_no_fgetwc(FILE *);
__NSHM_NO(getwchar) wint_t __nshm_no_getwchar(void);
__NSHM_NO(fputwc) wint_t __nshm_no_fputwc(wchar_t, FILE *);
__NSHM_NO(putwchar) wint_t __nshm_no_putwchar(wchar_t);
__NSHM_NO(wcstold) long double __nshm_no_wcstold(const wchar_t *, wchar_t **);
__NSHM_NO(wcscasecmp) int __nshm_no_wcscasecmp(const wchar_t *, const wchar_t *);
__NSHM_NO(wcsncasecmp) int __nshm_no_wcsncasecmp(const wchar_t *, const wchar_t *, size_t);
__NSHM_NO(wcpcpy) wchar_t *__nshm_no_wcpcpy(wchar_t *, const wchar_t *);
__NSHM_NO(wcswidth) int __nshm_no_wcswidth(const wchar_t *, size_t);

#endif /* 16-bit wchar_t */
#endif

#include "wstring_names.h"
