/*
 * Wide (UTF-16) string and printf helpers for named-shm-win32's tchar.h.
 *
 * With -fshort-wchar (scripts/wincc adds it) L"..." is UTF-16 as on Windows,
 * but glibc's wprintf and wcs* functions expect 32-bit wchar_t, so _tprintf
 * and friends in UNICODE builds use these instead. The format language is
 * Microsoft's for wide printf: %s and %c take WCHAR strings/characters, %hs,
 * %S and %hc/%C take narrow ones, %ls/%ws wide ones; %ld/%lu/%lx are 32-bit
 * (Windows' long); %lld, %I64d 64-bit; %zu, %Iu pointer-sized.
 * Output is converted to UTF-8.
 */
#ifndef NAMED_SHM_WIN32_WIDE_H
#define NAMED_SHM_WIN32_WIDE_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "windows.h"

#define __NSHM_STATIC static __attribute__((unused))

typedef struct {
    char *p;
    size_t len, cap;
} __nshm_buf;

__NSHM_STATIC void __nshm_put(__nshm_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = (char *)realloc(b->p, cap);
        if (!p)
            return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Appends up to `max` UTF-16 units of `s` (max < 0: all) as UTF-8. */
__NSHM_STATIC void __nshm_put_utf16(__nshm_buf *b, const WCHAR *s, long max)
{
    for (long i = 0; (max < 0 || i < max) && s[i]; i++) {
        uint32_t c = (uint16_t)s[i];
        if (c >= 0xD800 && c < 0xDC00 && (max < 0 || i + 1 < max) && (uint16_t)s[i + 1] >= 0xDC00 &&
            (uint16_t)s[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + ((uint16_t)s[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
        }
        char o[4];
        size_t n;
        if (c < 0x80) {
            o[0] = (char)c;
            n = 1;
        } else if (c < 0x800) {
            o[0] = (char)(0xC0 | (c >> 6));
            o[1] = (char)(0x80 | (c & 0x3F));
            n = 2;
        } else if (c < 0x10000) {
            o[0] = (char)(0xE0 | (c >> 12));
            o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            o[2] = (char)(0x80 | (c & 0x3F));
            n = 3;
        } else {
            o[0] = (char)(0xF0 | (c >> 18));
            o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
            o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
            o[3] = (char)(0x80 | (c & 0x3F));
            n = 4;
        }
        __nshm_put(b, o, n);
    }
}

/* Converts UTF-8 into at most `cap` UTF-16 units including the terminator;
 * returns the number of units written before it. */
__NSHM_STATIC size_t __nshm_utf8_to_utf16(WCHAR *out, size_t cap, const char *s)
{
    size_t n = 0;
    const unsigned char *u = (const unsigned char *)s;
    if (!cap)
        return 0;
    while (*u) {
        uint32_t c;
        int extra;
        if (*u < 0x80) { c = *u; extra = 0; }
        else if ((*u & 0xE0) == 0xC0) { c = *u & 0x1F; extra = 1; }
        else if ((*u & 0xF0) == 0xE0) { c = *u & 0x0F; extra = 2; }
        else { c = *u & 0x07; extra = 3; }
        u++;
        while (extra-- > 0 && (*u & 0xC0) == 0x80)
            c = (c << 6) | (*u++ & 0x3F);
        if (c >= 0x10000) {
            if (n + 2 >= cap)
                break;
            c -= 0x10000;
            out[n++] = (WCHAR)(0xD800 + (c >> 10));
            out[n++] = (WCHAR)(0xDC00 + (c & 0x3FF));
        } else {
            if (n + 1 >= cap)
                break;
            out[n++] = (WCHAR)c;
        }
    }
    out[n] = 0;
    return n;
}

__NSHM_STATIC void __nshm_putf(__nshm_buf *b, const char *spec, ...)
{
    va_list ap, ap2;
    va_start(ap, spec);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, spec, ap);
    va_end(ap);
    if (n > 0) {
        char *tmp = (char *)malloc((size_t)n + 1);
        if (tmp) {
            vsnprintf(tmp, (size_t)n + 1, spec, ap2);
            __nshm_put(b, tmp, (size_t)n);
            free(tmp);
        }
    }
    va_end(ap2);
}

/* Formats a Microsoft-style wide format string into a malloc'd UTF-8 string. */
__NSHM_STATIC char *__nshm_vformat(const WCHAR *fmt, va_list ap)
{
    __nshm_buf b = {0, 0, 0};
    __nshm_put(&b, "", 0);
    for (const WCHAR *f = fmt; f && *f;) {
        if (*f != '%') {
            const WCHAR *start = f;
            while (*f && *f != '%')
                f++;
            __nshm_put_utf16(&b, start, (long)(f - start));
            continue;
        }
        f++;
        if (*f == '%') {
            __nshm_put(&b, "%", 1);
            f++;
            continue;
        }
        char flags[8];
        int nf = 0, width = -1, prec = -1;
        while (*f && strchr("-+ #0", (int)*f) && nf < 6)
            flags[nf++] = (char)*f++;
        flags[nf] = 0;
        if (*f == '*') {
            width = va_arg(ap, int);
            f++;
        } else
            while (*f >= '0' && *f <= '9')
                width = (width < 0 ? 0 : width * 10) + (*f++ - '0');
        if (*f == '.') {
            f++;
            prec = 0;
            if (*f == '*') {
                prec = va_arg(ap, int);
                f++;
            } else
                while (*f >= '0' && *f <= '9')
                    prec = prec * 10 + (*f++ - '0');
        }
        /* length: 0 none, 1 hh, 2 h, 3 l, 4 ll/I64, 5 z/I, 6 j, 7 t, 8 L, 9 w */
        int len = 0;
        if (f[0] == 'h' && f[1] == 'h') { len = 1; f += 2; }
        else if (f[0] == 'h') { len = 2; f++; }
        else if (f[0] == 'l' && f[1] == 'l') { len = 4; f += 2; }
        else if (f[0] == 'l') { len = 3; f++; }
        else if (f[0] == 'I' && f[1] == '6' && f[2] == '4') { len = 4; f += 3; }
        else if (f[0] == 'I' && f[1] == '3' && f[2] == '2') { len = 0; f += 3; }
        else if (f[0] == 'I') { len = 5; f++; }
        else if (f[0] == 'z') { len = 5; f++; }
        else if (f[0] == 'j') { len = 6; f++; }
        else if (f[0] == 't') { len = 7; f++; }
        else if (f[0] == 'L') { len = 8; f++; }
        else if (f[0] == 'w') { len = 9; f++; }
        WCHAR conv = *f;
        if (!conv)
            break;
        f++;
        char spec[48], wp[32] = "";
        if (width >= 0 && prec >= 0) snprintf(wp, sizeof wp, "%d.%d", width, prec);
        else if (width >= 0) snprintf(wp, sizeof wp, "%d", width);
        else if (prec >= 0) snprintf(wp, sizeof wp, ".%d", prec);
        switch (conv) {
        case 'd': case 'i': case 'o': case 'u': case 'x': case 'X': {
            const char *lm = len == 1 ? "hh" : len == 2 ? "h" : len == 4 ? "ll" : len == 5 ? "z" : len == 6 ? "j" : len == 7 ? "t" : "";
            snprintf(spec, sizeof spec, "%%%s%s%s%c", flags, wp, lm, (char)conv);
            if (len == 4) __nshm_putf(&b, spec, va_arg(ap, long long));
            else if (len == 5) __nshm_putf(&b, spec, va_arg(ap, size_t));
            else if (len == 6) __nshm_putf(&b, spec, va_arg(ap, intmax_t));
            else if (len == 7) __nshm_putf(&b, spec, va_arg(ap, ptrdiff_t));
            else __nshm_putf(&b, spec, va_arg(ap, int));
            break;
        }
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
            if (len == 8) {
                snprintf(spec, sizeof spec, "%%%s%sL%c", flags, wp, (char)conv);
                __nshm_putf(&b, spec, va_arg(ap, long double));
            } else {
                snprintf(spec, sizeof spec, "%%%s%s%c", flags, wp, (char)conv);
                __nshm_putf(&b, spec, va_arg(ap, double));
            }
            break;
        case 'p':
            snprintf(spec, sizeof spec, "%%%s%sp", flags, wp);
            __nshm_putf(&b, spec, va_arg(ap, void *));
            break;
        case 'c': case 'C': {
            int ch = va_arg(ap, int);
            int wide = conv == 'c' ? len != 2 : (len == 3 || len == 9);
            __nshm_buf t = {0, 0, 0};
            if (wide) {
                WCHAR w[2] = {(WCHAR)ch, 0};
                __nshm_put_utf16(&t, w, 1);
            } else {
                char c = (char)ch;
                __nshm_put(&t, &c, 1);
            }
            snprintf(spec, sizeof spec, "%%%s%ds", flags, width < 0 ? 0 : width);
            __nshm_putf(&b, spec, t.p ? t.p : "");
            free(t.p);
            break;
        }
        case 's': case 'S': case 'Z': {
            const void *p = va_arg(ap, const void *);
            int wide = conv == 's' ? len != 2 : (len == 3 || len == 9);
            __nshm_buf t = {0, 0, 0};
            __nshm_put(&t, "", 0);
            if (!p)
                __nshm_put(&t, "(null)", 6);
            else if (wide)
                __nshm_put_utf16(&t, (const WCHAR *)p, prec);
            else
                __nshm_put(&t, (const char *)p, prec >= 0 ? strnlen((const char *)p, (size_t)prec) : strlen((const char *)p));
            snprintf(spec, sizeof spec, "%%%s%ds", flags, width < 0 ? 0 : width);
            __nshm_putf(&b, spec, t.p ? t.p : "");
            free(t.p);
            break;
        }
        case 'n':
            (void)va_arg(ap, void *);
            break;
        default: {
            WCHAR w[2] = {conv, 0};
            __nshm_put(&b, "%", 1);
            __nshm_put_utf16(&b, w, 1);
        }
        }
    }
    return b.p;
}

__NSHM_STATIC int __nshm_vfwprintf(FILE *out, const WCHAR *fmt, va_list ap)
{
    char *s = __nshm_vformat(fmt, ap);
    if (!s)
        return -1;
    int n = (int)strlen(s);
    fputs(s, out);
    free(s);
    return n;
}

__NSHM_STATIC int __nshm_wprintf(const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __nshm_vfwprintf(stdout, fmt, ap);
    va_end(ap);
    return n;
}

__NSHM_STATIC int __nshm_fwprintf(FILE *out, const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __nshm_vfwprintf(out, fmt, ap);
    va_end(ap);
    return n;
}

__NSHM_STATIC int __nshm_vsnwprintf(WCHAR *buf, size_t cap, const WCHAR *fmt, va_list ap)
{
    char *s = __nshm_vformat(fmt, ap);
    if (!s)
        return -1;
    size_t n = __nshm_utf8_to_utf16(buf, cap, s);
    free(s);
    return (int)n;
}

/* Number of UTF-16 units the UTF-8 string `s` converts to. */
__NSHM_STATIC size_t __nshm_utf16_units(const char *s)
{
    size_t n = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if ((*u & 0xC0) == 0x80)
            continue;
        n += (*u & 0xF8) == 0xF0 ? 2 : 1;
    }
    return n;
}

/*
 * The UTF-16 formatter: formats `fmt` (Microsoft's wide format rules, as
 * __nshm_vformat) into `buf` as UTF-16, at most `count` units.
 * - The result fits (len < count): the text and a NUL are written, len is
 *   returned.
 * - Exactly `count` units (len == count): they are written without a NUL and
 *   len is returned (as Microsoft's _snwprintf).
 * - Longer: the first `count` units are written without a NUL and -1 is
 *   returned; callers that need termination (swprintf_s, StringCchPrintfW)
 *   decide what to write.
 * A NULL `buf` with `count` 0 returns the length (-1 if not zero).
 * Narrow (%hs, %S) arguments are taken as UTF-8.
 */
__NSHM_STATIC int __nshm_vswprintf(WCHAR *buf, size_t count, const WCHAR *fmt, va_list ap)
{
    char *s = __nshm_vformat(fmt, ap);
    if (!s)
        return -1;
    size_t len = __nshm_utf16_units(s);
    if (buf && count) {
        WCHAR *tmp = (WCHAR *)malloc((len + 1) * sizeof(WCHAR));
        if (!tmp) {
            free(s);
            return -1;
        }
        __nshm_utf8_to_utf16(tmp, len + 1, s);
        size_t n = len < count ? len + 1 : count;
        memcpy(buf, tmp, n * sizeof(WCHAR));
        free(tmp);
    }
    free(s);
    if (len > count || len > 0x7FFFFFFF)
        return -1;
    return (int)len;
}

/* Microsoft's legacy swprintf(buffer, format, ...) without a size. */
__NSHM_STATIC int __nshm_swprintf(WCHAR *buf, const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __nshm_vsnwprintf(buf, (size_t)1 << 30, fmt, ap);
    va_end(ap);
    return n;
}

__NSHM_STATIC int __nshm_snwprintf(WCHAR *buf, size_t cap, const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __nshm_vsnwprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

__NSHM_STATIC size_t __nshm_wcslen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

__NSHM_STATIC WCHAR *__nshm_wcscpy(WCHAR *d, const WCHAR *s)
{
    size_t i = 0;
    do
        d[i] = s[i];
    while (s[i++]);
    return d;
}

__NSHM_STATIC WCHAR *__nshm_wcscat(WCHAR *d, const WCHAR *s)
{
    __nshm_wcscpy(d + __nshm_wcslen(d), s);
    return d;
}

__NSHM_STATIC int __nshm_wcscmp(const WCHAR *a, const WCHAR *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (int)(uint16_t)*a - (int)(uint16_t)*b;
}

__NSHM_STATIC int __nshm_wcsncmp(const WCHAR *a, const WCHAR *b, size_t n)
{
    for (; n && *a && *a == *b; n--)
        a++, b++;
    return n ? (int)(uint16_t)*a - (int)(uint16_t)*b : 0;
}

#endif
