/*
 * strsafe.h for named-shm-win32: StringCch* and StringCb* (copy, copy N,
 * cat, cat N, printf, vprintf, length) in A, W and TCHAR forms, with
 * Microsoft's results: S_OK; STRSAFE_E_INSUFFICIENT_BUFFER (0x8007007A)
 * with the text truncated and NUL-terminated; STRSAFE_E_INVALID_PARAMETER
 * (0x80070057) for a zero or too large size (the destination is untouched)
 * or a destination not terminated within its size (StringCchCat). Sizes
 * above STRSAFE_MAX_CCH (2147483647) are invalid. W forms work on 16-bit
 * units; StringCchPrintfW uses Microsoft's wide format rules.
 */
#ifndef NAMED_SHM_WIN32_STRSAFE_H
#define NAMED_SHM_WIN32_STRSAFE_H
#include <stdarg.h>
#include <stdio.h>
#include "windows.h"

#ifndef S_OK
#define S_OK ((HRESULT)0L)
#endif
#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif
#define STRSAFE_MAX_CCH 2147483647
#define STRSAFE_E_INSUFFICIENT_BUFFER ((HRESULT)0x8007007AL)
#define STRSAFE_E_INVALID_PARAMETER ((HRESULT)0x80070057L)
#define STRSAFE_E_END_OF_FILE ((HRESULT)0x80070026L)
#define STRSAFEAPI static __inline__ __attribute__((unused)) HRESULT
typedef char *STRSAFE_LPSTR;
typedef const char *STRSAFE_LPCSTR;
typedef WCHAR *STRSAFE_LPWSTR;
typedef const WCHAR *STRSAFE_LPCWSTR;

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the A forms (T = char) */
STRSAFEAPI __nshm_lengthA(const char *s, size_t max, size_t *out)
{
    size_t n = 0;
    if (s)
        while (n < max && s[n])
            n++;
    if (!s || max > STRSAFE_MAX_CCH || n == max) {
        if (out)
            *out = 0;
        return STRSAFE_E_INVALID_PARAMETER;
    }
    if (out)
        *out = n;
    return S_OK;
}
STRSAFEAPI __nshm_copynA(char *d, size_t cch, const char *s, size_t count)
{
    if (cch == 0 || cch > STRSAFE_MAX_CCH || count > STRSAFE_MAX_CCH)
        return STRSAFE_E_INVALID_PARAMETER;
    size_t i = 0;
    while (i < cch - 1 && i < count && s[i]) {
        d[i] = s[i];
        i++;
    }
    d[i] = 0;
    return i == cch - 1 && i < count && s[i] ? STRSAFE_E_INSUFFICIENT_BUFFER : S_OK;
}
STRSAFEAPI __nshm_catnA(char *d, size_t cch, const char *s, size_t count)
{
    size_t len;
    if (cch == 0 || cch > STRSAFE_MAX_CCH || count > STRSAFE_MAX_CCH)
        return STRSAFE_E_INVALID_PARAMETER;
    HRESULT hr = __nshm_lengthA(d, cch, &len);
    if (FAILED(hr))
        return hr;
    return __nshm_copynA(d + len, cch - len, s, count);
}
STRSAFEAPI StringCchCopyA(char *d, size_t cch, const char *s) { return __nshm_copynA(d, cch, s, STRSAFE_MAX_CCH); }
STRSAFEAPI StringCchCopyNA(char *d, size_t cch, const char *s, size_t n) { return __nshm_copynA(d, cch, s, n); }
STRSAFEAPI StringCchCatA(char *d, size_t cch, const char *s) { return __nshm_catnA(d, cch, s, STRSAFE_MAX_CCH); }
STRSAFEAPI StringCchCatNA(char *d, size_t cch, const char *s, size_t n) { return __nshm_catnA(d, cch, s, n); }
STRSAFEAPI StringCchLengthA(const char *s, size_t max, size_t *out) { return __nshm_lengthA(s, max, out); }
STRSAFEAPI StringCbCopyA(char *d, size_t cb, const char *s) { return __nshm_copynA(d, cb / sizeof(char), s, STRSAFE_MAX_CCH); }
STRSAFEAPI StringCbCopyNA(char *d, size_t cb, const char *s, size_t n)
{
    return __nshm_copynA(d, cb / sizeof(char), s, n / sizeof(char));
}
STRSAFEAPI StringCbCatA(char *d, size_t cb, const char *s) { return __nshm_catnA(d, cb / sizeof(char), s, STRSAFE_MAX_CCH); }
STRSAFEAPI StringCbCatNA(char *d, size_t cb, const char *s, size_t n)
{
    return __nshm_catnA(d, cb / sizeof(char), s, n / sizeof(char));
}
STRSAFEAPI StringCbLengthA(const char *s, size_t max, size_t *out)
{
    size_t n = 0;
    HRESULT hr = __nshm_lengthA(s, max / sizeof(char), &n);
    if (out)
        *out = n * sizeof(char);
    return hr;
}
STRSAFEAPI StringCchVPrintfA(char *d, size_t cch, const char *fmt, va_list ap)
{
    if (cch == 0 || cch > STRSAFE_MAX_CCH)
        return STRSAFE_E_INVALID_PARAMETER;
    int n = vsnprintf(d, cch, fmt, ap);
    if (n < 0 || (size_t)n >= cch) {
        d[cch - 1] = 0;
        return STRSAFE_E_INSUFFICIENT_BUFFER;
    }
    return S_OK;
}
STRSAFEAPI StringCchPrintfA(char *d, size_t cch, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    HRESULT hr = StringCchVPrintfA(d, cch, fmt, ap);
    va_end(ap);
    return hr;
}
STRSAFEAPI StringCbVPrintfA(char *d, size_t cb, const char *fmt, va_list ap) { return StringCchVPrintfA(d, cb / sizeof(char), fmt, ap); }
STRSAFEAPI StringCbPrintfA(char *d, size_t cb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    HRESULT hr = StringCchVPrintfA(d, cb / sizeof(char), fmt, ap);
    va_end(ap);
    return hr;
}

/* ---- the W forms (T = WCHAR) */
STRSAFEAPI __nshm_lengthW(const WCHAR *s, size_t max, size_t *out)
{
    size_t n = 0;
    if (s)
        while (n < max && s[n])
            n++;
    if (!s || max > STRSAFE_MAX_CCH || n == max) {
        if (out)
            *out = 0;
        return STRSAFE_E_INVALID_PARAMETER;
    }
    if (out)
        *out = n;
    return S_OK;
}
STRSAFEAPI __nshm_copynW(WCHAR *d, size_t cch, const WCHAR *s, size_t count)
{
    if (cch == 0 || cch > STRSAFE_MAX_CCH || count > STRSAFE_MAX_CCH)
        return STRSAFE_E_INVALID_PARAMETER;
    size_t i = 0;
    while (i < cch - 1 && i < count && s[i]) {
        d[i] = s[i];
        i++;
    }
    d[i] = 0;
    return i == cch - 1 && i < count && s[i] ? STRSAFE_E_INSUFFICIENT_BUFFER : S_OK;
}
STRSAFEAPI __nshm_catnW(WCHAR *d, size_t cch, const WCHAR *s, size_t count)
{
    size_t len;
    if (cch == 0 || cch > STRSAFE_MAX_CCH || count > STRSAFE_MAX_CCH)
        return STRSAFE_E_INVALID_PARAMETER;
    HRESULT hr = __nshm_lengthW(d, cch, &len);
    if (FAILED(hr))
        return hr;
    return __nshm_copynW(d + len, cch - len, s, count);
}
STRSAFEAPI StringCchCopyW(WCHAR *d, size_t cch, const WCHAR *s) { return __nshm_copynW(d, cch, s, STRSAFE_MAX_CCH); }
STRSAFEAPI StringCchCopyNW(WCHAR *d, size_t cch, const WCHAR *s, size_t n) { return __nshm_copynW(d, cch, s, n); }
STRSAFEAPI StringCchCatW(WCHAR *d, size_t cch, const WCHAR *s) { return __nshm_catnW(d, cch, s, STRSAFE_MAX_CCH); }
STRSAFEAPI StringCchCatNW(WCHAR *d, size_t cch, const WCHAR *s, size_t n) { return __nshm_catnW(d, cch, s, n); }
STRSAFEAPI StringCchLengthW(const WCHAR *s, size_t max, size_t *out) { return __nshm_lengthW(s, max, out); }
STRSAFEAPI StringCbCopyW(WCHAR *d, size_t cb, const WCHAR *s) { return __nshm_copynW(d, cb / sizeof(WCHAR), s, STRSAFE_MAX_CCH); }
STRSAFEAPI StringCbCopyNW(WCHAR *d, size_t cb, const WCHAR *s, size_t n)
{
    return __nshm_copynW(d, cb / sizeof(WCHAR), s, n / sizeof(WCHAR));
}
STRSAFEAPI StringCbCatW(WCHAR *d, size_t cb, const WCHAR *s) { return __nshm_catnW(d, cb / sizeof(WCHAR), s, STRSAFE_MAX_CCH); }
STRSAFEAPI StringCbCatNW(WCHAR *d, size_t cb, const WCHAR *s, size_t n)
{
    return __nshm_catnW(d, cb / sizeof(WCHAR), s, n / sizeof(WCHAR));
}
STRSAFEAPI StringCbLengthW(const WCHAR *s, size_t max, size_t *out)
{
    size_t n = 0;
    HRESULT hr = __nshm_lengthW(s, max / sizeof(WCHAR), &n);
    if (out)
        *out = n * sizeof(WCHAR);
    return hr;
}
STRSAFEAPI StringCchVPrintfW(WCHAR *d, size_t cch, const WCHAR *fmt, va_list ap)
{
    if (cch == 0 || cch > STRSAFE_MAX_CCH)
        return STRSAFE_E_INVALID_PARAMETER;
    int n = __nshm_vswprintf(d, cch, fmt, ap);
    if (n < 0 || (size_t)n >= cch) {
        d[cch - 1] = 0;
        return STRSAFE_E_INSUFFICIENT_BUFFER;
    }
    return S_OK;
}
STRSAFEAPI StringCchPrintfW(WCHAR *d, size_t cch, const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    HRESULT hr = StringCchVPrintfW(d, cch, fmt, ap);
    va_end(ap);
    return hr;
}
STRSAFEAPI StringCbVPrintfW(WCHAR *d, size_t cb, const WCHAR *fmt, va_list ap) { return StringCchVPrintfW(d, cb / sizeof(WCHAR), fmt, ap); }
STRSAFEAPI StringCbPrintfW(WCHAR *d, size_t cb, const WCHAR *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    HRESULT hr = StringCchVPrintfW(d, cb / sizeof(WCHAR), fmt, ap);
    va_end(ap);
    return hr;
}
#ifdef __cplusplus
}
#endif

#ifdef UNICODE
#define StringCchCopy StringCchCopyW
#define StringCchCopyN StringCchCopyNW
#define StringCchCat StringCchCatW
#define StringCchCatN StringCchCatNW
#define StringCchLength StringCchLengthW
#define StringCbCopy StringCbCopyW
#define StringCbCopyN StringCbCopyNW
#define StringCbCat StringCbCatW
#define StringCbCatN StringCbCatNW
#define StringCbLength StringCbLengthW
#define StringCchVPrintf StringCchVPrintfW
#define StringCchPrintf StringCchPrintfW
#define StringCbVPrintf StringCbVPrintfW
#define StringCbPrintf StringCbPrintfW
#else
#define StringCchCopy StringCchCopyA
#define StringCchCopyN StringCchCopyNA
#define StringCchCat StringCchCatA
#define StringCchCatN StringCchCatNA
#define StringCchLength StringCchLengthA
#define StringCbCopy StringCbCopyA
#define StringCbCopyN StringCbCopyNA
#define StringCbCat StringCbCatA
#define StringCbCatN StringCbCatNA
#define StringCbLength StringCbLengthA
#define StringCchVPrintf StringCchVPrintfA
#define StringCchPrintf StringCchPrintfA
#define StringCbVPrintf StringCbVPrintfA
#define StringCbPrintf StringCbPrintfA
#endif
#endif
