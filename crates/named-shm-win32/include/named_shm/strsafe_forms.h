/*
 * The body of strsafe.h's functions, written once for both character
 * types: strsafe.h includes it twice, with __NSHM_T (the character type),
 * __NSHM_F(name) (the name with its A or W suffix) and __NSHM_VPRINTF (the
 * formatter: vsnprintf, or __nshm_vswprintf for Microsoft's wide rules)
 * defined. Not a header of its own: no include guard on purpose.
 */
STRSAFEAPI __NSHM_F(__nshm_length)(const __NSHM_T *s, size_t max, size_t *out)
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
STRSAFEAPI __NSHM_F(__nshm_copyn)(__NSHM_T *d, size_t cch, const __NSHM_T *s, size_t count)
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
STRSAFEAPI __NSHM_F(__nshm_catn)(__NSHM_T *d, size_t cch, const __NSHM_T *s, size_t count)
{
    size_t len;
    if (cch == 0 || cch > STRSAFE_MAX_CCH || count > STRSAFE_MAX_CCH)
        return STRSAFE_E_INVALID_PARAMETER;
    HRESULT hr = __NSHM_F(__nshm_length)(d, cch, &len);
    if (FAILED(hr))
        return hr;
    return __NSHM_F(__nshm_copyn)(d + len, cch - len, s, count);
}
STRSAFEAPI __NSHM_F(StringCchCopy)(__NSHM_T *d, size_t cch, const __NSHM_T *s) { return __NSHM_F(__nshm_copyn)(d, cch, s, STRSAFE_MAX_CCH); }
STRSAFEAPI __NSHM_F(StringCchCopyN)(__NSHM_T *d, size_t cch, const __NSHM_T *s, size_t n) { return __NSHM_F(__nshm_copyn)(d, cch, s, n); }
STRSAFEAPI __NSHM_F(StringCchCat)(__NSHM_T *d, size_t cch, const __NSHM_T *s) { return __NSHM_F(__nshm_catn)(d, cch, s, STRSAFE_MAX_CCH); }
STRSAFEAPI __NSHM_F(StringCchCatN)(__NSHM_T *d, size_t cch, const __NSHM_T *s, size_t n) { return __NSHM_F(__nshm_catn)(d, cch, s, n); }
STRSAFEAPI __NSHM_F(StringCchLength)(const __NSHM_T *s, size_t max, size_t *out) { return __NSHM_F(__nshm_length)(s, max, out); }
STRSAFEAPI __NSHM_F(StringCbCopy)(__NSHM_T *d, size_t cb, const __NSHM_T *s) { return __NSHM_F(__nshm_copyn)(d, cb / sizeof(__NSHM_T), s, STRSAFE_MAX_CCH); }
STRSAFEAPI __NSHM_F(StringCbCopyN)(__NSHM_T *d, size_t cb, const __NSHM_T *s, size_t n)
{
    return __NSHM_F(__nshm_copyn)(d, cb / sizeof(__NSHM_T), s, n / sizeof(__NSHM_T));
}
STRSAFEAPI __NSHM_F(StringCbCat)(__NSHM_T *d, size_t cb, const __NSHM_T *s) { return __NSHM_F(__nshm_catn)(d, cb / sizeof(__NSHM_T), s, STRSAFE_MAX_CCH); }
STRSAFEAPI __NSHM_F(StringCbCatN)(__NSHM_T *d, size_t cb, const __NSHM_T *s, size_t n)
{
    return __NSHM_F(__nshm_catn)(d, cb / sizeof(__NSHM_T), s, n / sizeof(__NSHM_T));
}
STRSAFEAPI __NSHM_F(StringCbLength)(const __NSHM_T *s, size_t max, size_t *out)
{
    size_t n = 0;
    HRESULT hr = __NSHM_F(__nshm_length)(s, max / sizeof(__NSHM_T), &n);
    if (out)
        *out = n * sizeof(__NSHM_T);
    return hr;
}
STRSAFEAPI __NSHM_F(StringCchVPrintf)(__NSHM_T *d, size_t cch, const __NSHM_T *fmt, va_list ap)
{
    if (cch == 0 || cch > STRSAFE_MAX_CCH)
        return STRSAFE_E_INVALID_PARAMETER;
    int n = __NSHM_VPRINTF(d, cch, fmt, ap);
    if (n < 0 || (size_t)n >= cch) {
        d[cch - 1] = 0;
        return STRSAFE_E_INSUFFICIENT_BUFFER;
    }
    return S_OK;
}
STRSAFEAPI __NSHM_F(StringCchPrintf)(__NSHM_T *d, size_t cch, const __NSHM_T *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    HRESULT hr = __NSHM_F(StringCchVPrintf)(d, cch, fmt, ap);
    va_end(ap);
    return hr;
}
STRSAFEAPI __NSHM_F(StringCbVPrintf)(__NSHM_T *d, size_t cb, const __NSHM_T *fmt, va_list ap) { return __NSHM_F(StringCchVPrintf)(d, cb / sizeof(__NSHM_T), fmt, ap); }
STRSAFEAPI __NSHM_F(StringCbPrintf)(__NSHM_T *d, size_t cb, const __NSHM_T *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    HRESULT hr = __NSHM_F(StringCchVPrintf)(d, cb / sizeof(__NSHM_T), fmt, ap);
    va_end(ap);
    return hr;
}

