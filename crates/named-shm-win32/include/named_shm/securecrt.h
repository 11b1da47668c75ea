/*
 * The secure CRT string functions (named-shm-win32): strcpy_s, strncpy_s,
 * strcat_s, strncat_s, sprintf_s, _snprintf_s, vsprintf_s, _vsnprintf_s,
 * memcpy_s, memmove_s, their wide forms (wcscpy_s, wcsncpy_s, wcscat_s,
 * swprintf_s, _snwprintf_s) and the TCHAR forms (_tcscpy_s, _tcsncpy_s,
 * _tcscat_s, _stprintf_s, _sntprintf_s), plus _countof. Included by
 * windows.h.
 *
 * Bad arguments behave as Microsoft documents for a program whose invalid
 * parameter handler returns: the return value (EINVAL 22, ERANGE 34,
 * STRUNCATE 80, or -1 for the printf forms), errno set, and the destination
 * emptied (dest[0] = 0) wherever Microsoft says so. There is no handler to
 * invoke and nothing terminates the program (docs/win32.md).
 * Narrow format strings are glibc's printf (%I64d and %S are not).
 */
#ifndef NAMED_SHM_WIN32_SECURECRT_H
#define NAMED_SHM_WIN32_SECURECRT_H
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef int errno_t;
#ifndef _RSIZE_T_DEFINED
#define _RSIZE_T_DEFINED
typedef size_t rsize_t;
#endif
#define _TRUNCATE ((size_t)-1)
#ifndef STRUNCATE
#define STRUNCATE 80
#endif
#ifndef _countof
#ifdef __cplusplus
template <typename T, size_t N> char (*__nshm_countof_helper(T (&)[N]))[N];
#define _countof(a) (sizeof(*__nshm_countof_helper(a)) + 0)
#else
#define _countof(a) (sizeof(a) / sizeof((a)[0]) + 0 * sizeof(char[1 - 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))]))
#endif
#endif

#define __NSHM_S static __inline__ __attribute__((unused))

/* Defined in named_shm_wide.h (included below). */
static int __nshm_vswprintf(WCHAR *buf, size_t count, const WCHAR *fmt, va_list ap);

/* One body for the narrow and wide forms: T is char or WCHAR. */
#define __NSHM_SECURE_STRINGS(T, cpy, ncpy, cat, ncat)                                                           \
    __NSHM_S errno_t cpy(T *dst, rsize_t n, const T *src)                                                       \
    {                                                                                                           \
        if (!dst || !n)                                                                                         \
            return errno = EINVAL;                                                                              \
        if (!src) {                                                                                             \
            dst[0] = 0;                                                                                         \
            return errno = EINVAL;                                                                              \
        }                                                                                                       \
        for (rsize_t i = 0; i < n; i++)                                                                         \
            if ((dst[i] = src[i]) == 0)                                                                         \
                return 0;                                                                                       \
        dst[0] = 0;                                                                                             \
        return errno = ERANGE;                                                                                  \
    }                                                                                                           \
    __NSHM_S errno_t ncpy(T *dst, rsize_t n, const T *src, rsize_t count)                                       \
    {                                                                                                           \
        if (!count && dst && n) {                                                                               \
            dst[0] = 0;                                                                                         \
            return 0;                                                                                           \
        }                                                                                                       \
        if (!dst || !n)                                                                                         \
            return errno = EINVAL;                                                                              \
        if (!src) {                                                                                             \
            dst[0] = 0;                                                                                         \
            return errno = EINVAL;                                                                              \
        }                                                                                                       \
        rsize_t i = 0;                                                                                          \
        while (i < count && i < n && src[i]) {                                                                  \
            dst[i] = src[i];                                                                                    \
            i++;                                                                                                \
        }                                                                                                       \
        if (i < n) {                                                                                            \
            dst[i] = 0;                                                                                         \
            return 0;                                                                                           \
        }                                                                                                       \
        if (count == _TRUNCATE) {                                                                               \
            dst[n - 1] = 0;                                                                                     \
            return STRUNCATE;                                                                                   \
        }                                                                                                       \
        dst[0] = 0;                                                                                             \
        return errno = ERANGE;                                                                                  \
    }                                                                                                           \
    __NSHM_S errno_t cat(T *dst, rsize_t n, const T *src)                                                       \
    {                                                                                                           \
        if (!dst || !n)                                                                                         \
            return errno = EINVAL;                                                                              \
        if (!src) {                                                                                             \
            dst[0] = 0;                                                                                         \
            return errno = EINVAL;                                                                              \
        }                                                                                                       \
        rsize_t len = 0;                                                                                        \
        while (len < n && dst[len])                                                                             \
            len++;                                                                                              \
        if (len == n) {                                                                                         \
            dst[0] = 0;                                                                                         \
            return errno = EINVAL;                                                                              \
        }                                                                                                       \
        for (rsize_t i = 0; len + i < n; i++)                                                                   \
            if ((dst[len + i] = src[i]) == 0)                                                                   \
                return 0;                                                                                       \
        dst[0] = 0;                                                                                             \
        return errno = ERANGE;                                                                                  \
    }                                                                                                           \
    __NSHM_S errno_t ncat(T *dst, rsize_t n, const T *src, rsize_t count)                                       \
    {                                                                                                           \
        if (!dst || !n)                                                                                         \
            return errno = EINVAL;                                                                              \
        if (!src && count) {                                                                                    \
            dst[0] = 0;                                                                                         \
            return errno = EINVAL;                                                                              \
        }                                                                                                       \
        rsize_t len = 0;                                                                                        \
        while (len < n && dst[len])                                                                             \
            len++;                                                                                              \
        if (len == n) {                                                                                         \
            dst[0] = 0;                                                                                         \
            return errno = EINVAL;                                                                              \
        }                                                                                                       \
        rsize_t i = 0;                                                                                          \
        while (i < count && src[i] && len + i < n - 1) {                                                        \
            dst[len + i] = src[i];                                                                              \
            i++;                                                                                                \
        }                                                                                                       \
        if (i == count || !src[i]) {                                                                            \
            dst[len + i] = 0;                                                                                   \
            return 0;                                                                                           \
        }                                                                                                       \
        if (count == _TRUNCATE) {                                                                               \
            dst[n - 1] = 0;                                                                                     \
            return STRUNCATE;                                                                                   \
        }                                                                                                       \
        dst[0] = 0;                                                                                             \
        return errno = ERANGE;                                                                                  \
    }

#ifdef __cplusplus
extern "C" {
#endif
__NSHM_SECURE_STRINGS(char, strcpy_s, strncpy_s, strcat_s, strncat_s)
__NSHM_SECURE_STRINGS(WCHAR, wcscpy_s, wcsncpy_s, wcscat_s, wcsncat_s)

__NSHM_S errno_t memcpy_s(void *dst, rsize_t n, const void *src, rsize_t count)
{
    if (!count)
        return 0;
    if (!dst)
        return errno = EINVAL;
    if (!src) {
        memset(dst, 0, n);
        return errno = EINVAL;
    }
    if (n < count) {
        memset(dst, 0, n);
        return errno = ERANGE;
    }
    memcpy(dst, src, count);
    return 0;
}

__NSHM_S errno_t memmove_s(void *dst, rsize_t n, const void *src, rsize_t count)
{
    if (!count)
        return 0;
    if (!dst || !src)
        return errno = EINVAL;
    if (n < count)
        return errno = ERANGE;
    memmove(dst, src, count);
    return 0;
}

/* sprintf_s: -1 with buf[0] = 0 (ERANGE) when the text and its NUL do not fit. */
__NSHM_S int vsprintf_s(char *buf, size_t n, const char *fmt, va_list ap)
{
    if (!buf || !n || !fmt) {
        if (buf && n)
            buf[0] = 0;
        errno = EINVAL;
        return -1;
    }
    int len = vsnprintf(buf, n, fmt, ap);
    if (len < 0 || (size_t)len >= n) {
        buf[0] = 0;
        errno = ERANGE;
        return -1;
    }
    return len;
}

__NSHM_S __attribute__((format(printf, 3, 4))) int sprintf_s(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsprintf_s(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

/* _snprintf_s: with count _TRUNCATE, as much as fits and -1 if truncated;
 * with count < n, at most count characters (-1 if cut); otherwise as
 * sprintf_s. */
__NSHM_S int _vsnprintf_s(char *buf, size_t n, size_t count, const char *fmt, va_list ap)
{
    if (!buf || !n || !fmt) {
        if (buf && n)
            buf[0] = 0;
        errno = EINVAL;
        return -1;
    }
    if (count != _TRUNCATE && count >= n)
        return vsprintf_s(buf, n, fmt, ap);
    size_t limit = count == _TRUNCATE ? n - 1 : count;
    int len = vsnprintf(buf, limit + 1, fmt, ap);
    if (len < 0)
        return -1;
    if ((size_t)len > limit) {
        buf[limit] = 0;
        return -1;
    }
    return len;
}

__NSHM_S __attribute__((format(printf, 4, 5))) int _snprintf_s(char *buf, size_t n, size_t count, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = _vsnprintf_s(buf, n, count, fmt, ap);
    va_end(ap);
    return r;
}

/* The wide forms, on the UTF-16 formatter (Microsoft's wide format rules). */
__NSHM_S int vswprintf_s(WCHAR *buf, size_t n, const WCHAR *fmt, va_list ap)
{
    if (!buf || !n || !fmt) {
        if (buf && n)
            buf[0] = 0;
        errno = EINVAL;
        return -1;
    }
    int len = __nshm_vswprintf(buf, n, fmt, ap);
    if (len < 0 || (size_t)len >= n) {
        buf[0] = 0;
        errno = ERANGE;
        return -1;
    }
    return len;
}

__NSHM_S int swprintf_s(WCHAR *buf, size_t n, const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vswprintf_s(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

__NSHM_S int _vsnwprintf_s(WCHAR *buf, size_t n, size_t count, const WCHAR *fmt, va_list ap)
{
    if (!buf || !n || !fmt) {
        if (buf && n)
            buf[0] = 0;
        errno = EINVAL;
        return -1;
    }
    if (count != _TRUNCATE && count >= n)
        return vswprintf_s(buf, n, fmt, ap);
    size_t limit = count == _TRUNCATE ? n - 1 : count;
    int len = __nshm_vswprintf(buf, limit + 1, fmt, ap);
    if (len < 0 || (size_t)len > limit) {
        buf[limit] = 0;
        return -1;
    }
    return len;
}

__NSHM_S int _snwprintf_s(WCHAR *buf, size_t n, size_t count, const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = _vsnwprintf_s(buf, n, count, fmt, ap);
    va_end(ap);
    return r;
}
#ifdef __cplusplus
}

/* The C++ template overloads that take the size from an array. */
template <size_t N> inline errno_t strcpy_s(char (&dst)[N], const char *src) { return strcpy_s(dst, N, src); }
template <size_t N> inline errno_t strcat_s(char (&dst)[N], const char *src) { return strcat_s(dst, N, src); }
template <size_t N> inline errno_t strncpy_s(char (&dst)[N], const char *src, size_t c) { return strncpy_s(dst, N, src, c); }
template <size_t N> inline errno_t wcscpy_s(WCHAR (&dst)[N], const WCHAR *src) { return wcscpy_s(dst, N, src); }
template <size_t N> inline errno_t wcscat_s(WCHAR (&dst)[N], const WCHAR *src) { return wcscat_s(dst, N, src); }
template <size_t N> inline int sprintf_s(char (&buf)[N], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsprintf_s(buf, N, fmt, ap);
    va_end(ap);
    return r;
}
template <size_t N> inline int _snprintf_s(char (&buf)[N], size_t count, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = _vsnprintf_s(buf, N, count, fmt, ap);
    va_end(ap);
    return r;
}
template <size_t N> inline int swprintf_s(WCHAR (&buf)[N], const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vswprintf_s(buf, N, fmt, ap);
    va_end(ap);
    return r;
}
#endif

#ifdef _UNICODE
#define _tcscpy_s wcscpy_s
#define _tcsncpy_s wcsncpy_s
#define _tcscat_s wcscat_s
#define _tcsncat_s wcsncat_s
#define _stprintf_s swprintf_s
#define _sntprintf_s _snwprintf_s
#define _vstprintf_s vswprintf_s
#define _vsntprintf_s _vsnwprintf_s
#else
#define _tcscpy_s strcpy_s
#define _tcsncpy_s strncpy_s
#define _tcscat_s strcat_s
#define _tcsncat_s strncat_s
#define _stprintf_s sprintf_s
#define _sntprintf_s _snprintf_s
#define _vstprintf_s vsprintf_s
#define _vsntprintf_s _vsnprintf_s
#endif
#undef __NSHM_S
#endif
