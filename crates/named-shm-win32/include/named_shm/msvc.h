/*
 * MSVC-isms for gcc/g++: what Windows headers and programs written for
 * Microsoft's compiler rely on, mapped to GCC attributes and the C library.
 * Included first by windows.h (and by wchar.h, tchar.h); see docs/win32.md
 * ("Porting a program") for what is and is not provided.
 */
#ifndef NAMED_SHM_MSVC_H
#define NAMED_SHM_MSVC_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* #pragma comment(lib, "...") and #pragma warning(...) are MSVC's: wincc
 * passes -Wno-unknown-pragmas, so they are accepted silently. */

/* __declspec(x): dllexport, dllimport, noinline, selectany, align(n),
 * thread, noreturn, deprecated, novtable, noalias, restrict, nothrow.
 * Any other one fails to compile (an undeclared __nshm_declspec_<x>). */
#ifndef __declspec
#define __declspec(x) __nshm_declspec_##x
#endif
#define __nshm_declspec_dllexport __attribute__((visibility("default")))
#define __nshm_declspec_dllimport
#define __nshm_declspec_noinline __attribute__((noinline))
#define __nshm_declspec_selectany __attribute__((weak))
#define __nshm_declspec_align(n) __attribute__((aligned(n)))
#ifdef __cplusplus
#define __nshm_declspec_thread thread_local
#else
#define __nshm_declspec_thread _Thread_local
#endif
#define __nshm_declspec_noreturn __attribute__((noreturn))
#define __nshm_declspec_deprecated __attribute__((deprecated))
#define __nshm_declspec_novtable
#define __nshm_declspec_noalias
#define __nshm_declspec_restrict
#define __nshm_declspec_nothrow __attribute__((nothrow))

#ifndef __forceinline
#define __forceinline inline __attribute__((always_inline))
#endif
#ifndef __int8
#define __int8 char
#define __int16 short
#define __int32 int
#define __int64 long long
#endif
#define __w64
#define __ptr32
#define __ptr64
#define __unaligned
#ifndef __pragma
#define __pragma(x) _Pragma(#x)
#endif
#define __debugbreak() __builtin_trap()
#define __assume(x) ((void)0)
#define __noop(...) ((void)0)

#ifndef CONST
#define CONST const
#endif

/* min/max: windows.h's macros in C. In C++ they would break the standard
 * library's own min/max (libstdc++ does not guard them as MSVC's does), so
 * they are function templates in the global namespace instead: min(a, b)
 * works as with the macro, and std::min stays the better match for
 * arguments of one type. NOMINMAX leaves both out. */
#if defined(__cplusplus) && !defined(NOMINMAX)
template <class __nshm_A, class __nshm_B>
inline auto min(__nshm_A a, __nshm_B b) -> decltype(a < b ? a : b)
{
    return (a < b) ? a : b;
}
template <class __nshm_A, class __nshm_B>
inline auto max(__nshm_A a, __nshm_B b) -> decltype(a > b ? a : b)
{
    return (a > b) ? a : b;
}
#endif

#ifndef _ERRNO_T_DEFINED
#define _ERRNO_T_DEFINED
typedef int errno_t;
#endif

/* ------------------------------------------------ narrow C library names */
#ifndef _stricmp
#define _stricmp strcasecmp
#define _strnicmp strncasecmp
#define stricmp strcasecmp
#define strnicmp strncasecmp
#endif
#ifndef _strdup
#define _strdup strdup
#endif

/* _snprintf / _vsnprintf: Microsoft's return convention: when the output
 * does not fit in `count`, the first `count` characters are written with
 * no terminator and -1 is returned (exactly `count`: no terminator, count). */
static __attribute__((unused)) int __nshm_vsnprintf(char *buf, size_t count, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -1;
    if ((size_t)n < count)
        return vsnprintf(buf, count, fmt, ap);
    if (count) {
        char *tmp = (char *)malloc((size_t)n + 1);
        if (!tmp)
            return -1;
        vsnprintf(tmp, (size_t)n + 1, fmt, ap);
        memcpy(buf, tmp, count);
        free(tmp);
    }
    return (size_t)n == count ? n : -1;
}
static __attribute__((unused, format(printf, 3, 4))) int __nshm_snprintf(char *buf, size_t count, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __nshm_vsnprintf(buf, count, fmt, ap);
    va_end(ap);
    return n;
}
#define _snprintf __nshm_snprintf
#define _vsnprintf __nshm_vsnprintf

#ifndef __cplusplus
/* POSIX functions used below, declared also under a strict -std=c99/c11
 * (glibc declares them only with POSIX or GNU features on). */
extern struct tm *localtime_r(const time_t *, struct tm *);
extern struct tm *gmtime_r(const time_t *, struct tm *);
extern size_t strnlen(const char *, size_t);
#endif

/* localtime_s / gmtime_s, Microsoft's argument order (result first):
 * 0, or EINVAL for a NULL argument or a time before 1970 / after 3000
 * (the result is then filled with -1). */
static __attribute__((unused)) errno_t __nshm_time_s(struct tm *out, const time_t *t, int local)
{
    if (!out)
        return EINVAL;
    if (!t || *t < 0 || *t > 32535215999LL) {
        memset(out, 0xff, sizeof *out);
        return EINVAL;
    }
    if (!(local ? localtime_r(t, out) : gmtime_r(t, out))) {
        memset(out, 0xff, sizeof *out);
        return EINVAL;
    }
    return 0;
}
#define localtime_s(tm, t) __nshm_time_s((tm), (t), 1)
#define gmtime_s(tm, t) __nshm_time_s((tm), (t), 0)
#define _localtime64_s localtime_s
#define _gmtime64_s gmtime_s

#endif
