/* lstrcmp, lstrcmpi, lstrcpy, lstrcpyn, lstrcat (named-shm-win32; lstrlen
 * is in the library). Included by windows.h.
 *
 * lstrcmp/lstrcmpi compare like Windows' CompareString (a "word sort"),
 * returning -1, 0 or 1: letters compare without case first (a < B < c),
 * then, over the whole string, lower case before upper case (lstrcmp
 * only); digits sort before letters, other symbols before digits (in ASCII
 * order), and '-' and '\'' are ignored but for breaking ties. Characters
 * outside ASCII compare by code unit after all of these (Windows uses its
 * full sort tables there: a difference documented in docs/win32.md). */
#ifndef NAMED_SHM_WIN32_LSTR_H
#define NAMED_SHM_WIN32_LSTR_H

#define __NSHM_L static __inline__ __attribute__((unused))

/* Primary weight of one character (0: ignored). */
__NSHM_L unsigned __nshm_lweight(unsigned c)
{
    if (c == '-' || c == '\'')
        return 0;
    if (c >= 'a' && c <= 'z')
        return 0x300 + (c - 'a');
    if (c >= 'A' && c <= 'Z')
        return 0x300 + (c - 'A');
    if (c >= '0' && c <= '9')
        return 0x200 + (c - '0');
    if (c < 0x80)
        return 0x100 + c;
    return 0x10000 + c;
}

/* The comparison behind both: a and b are char or WCHAR strings read
 * through `get`. */
#define __NSHM_LCMP(T, name, U)                                                                                        \
    __NSHM_L int name(const T *a, const T *b, int ignore_case)                                                        \
    {                                                                                                                   \
        if (!a || !b)                                                                                                   \
            return !a && !b ? 0 : !a ? -1 : 1;                                                                          \
        size_t i = 0, j = 0;                                                                                            \
        for (;;) { /* primary: letters without case, ignored characters skipped */                                   \
            while (a[i] && !__nshm_lweight((U)a[i]))                                                                    \
                i++;                                                                                                    \
            while (b[j] && !__nshm_lweight((U)b[j]))                                                                    \
                j++;                                                                                                    \
            if (!a[i] || !b[j]) {                                                                                       \
                if (a[i] || b[j])                                                                                       \
                    return a[i] ? 1 : -1;                                                                               \
                break;                                                                                                  \
            }                                                                                                           \
            unsigned wa = __nshm_lweight((U)a[i]), wb = __nshm_lweight((U)b[j]);                                        \
            if (wa != wb)                                                                                               \
                return wa < wb ? -1 : 1;                                                                                \
            i++, j++;                                                                                                   \
        }                                                                                                               \
        if (!ignore_case) { /* tertiary: lower case before upper case */                                              \
            for (i = 0, j = 0;;) {                                                                                      \
                while (a[i] && !__nshm_lweight((U)a[i]))                                                                \
                    i++;                                                                                                \
                while (b[j] && !__nshm_lweight((U)b[j]))                                                                \
                    j++;                                                                                                \
                if (!a[i] || !b[j])                                                                                     \
                    break;                                                                                              \
                int ua = a[i] >= 'A' && a[i] <= 'Z', ub = b[j] >= 'A' && b[j] <= 'Z';                                   \
                if (ua != ub)                                                                                           \
                    return ua ? 1 : -1;                                                                                 \
                i++, j++;                                                                                               \
            }                                                                                                           \
        }                                                                                                               \
        for (i = 0;; i++) { /* the ignored characters break ties */                                                  \
            U ca = (U)a[i], cb = (U)b[i];                                                                               \
            if (ca >= 'A' && ca <= 'Z')                                                                                 \
                ca += 32;                                                                                               \
            if (cb >= 'A' && cb <= 'Z')                                                                                 \
                cb += 32;                                                                                               \
            if (ca != cb)                                                                                               \
                return ca < cb ? -1 : 1;                                                                                \
            if (!a[i])                                                                                                  \
                return 0;                                                                                               \
        }                                                                                                               \
    }

__NSHM_LCMP(char, __nshm_lcmpA, unsigned char)
__NSHM_LCMP(WCHAR, __nshm_lcmpW, unsigned short)

__NSHM_L int lstrcmpA(LPCSTR a, LPCSTR b) { return __nshm_lcmpA(a, b, 0); }
__NSHM_L int lstrcmpW(LPCWSTR a, LPCWSTR b) { return __nshm_lcmpW(a, b, 0); }
__NSHM_L int lstrcmpiA(LPCSTR a, LPCSTR b) { return __nshm_lcmpA(a, b, 1); }
__NSHM_L int lstrcmpiW(LPCWSTR a, LPCWSTR b) { return __nshm_lcmpW(a, b, 1); }

#define __NSHM_LCPY(T, cpy, cpyn, cat)                                                                                 \
    __NSHM_L T *cpy(T *d, const T *s)                                                                                 \
    {                                                                                                                   \
        if (!d || !s)                                                                                                   \
            return NULL;                                                                                                \
        size_t i = 0;                                                                                                   \
        while ((d[i] = s[i]) != 0)                                                                                      \
            i++;                                                                                                        \
        return d;                                                                                                       \
    }                                                                                                                   \
    __NSHM_L T *cpyn(T *d, const T *s, int n)                                                                         \
    {                                                                                                                   \
        if (!d || !s)                                                                                                   \
            return NULL;                                                                                                \
        if (n <= 0)                                                                                                     \
            return d;                                                                                                   \
        int i = 0;                                                                                                      \
        while (i < n - 1 && s[i]) {                                                                                     \
            d[i] = s[i];                                                                                                \
            i++;                                                                                                        \
        }                                                                                                               \
        d[i] = 0;                                                                                                       \
        return d;                                                                                                       \
    }                                                                                                                   \
    __NSHM_L T *cat(T *d, const T *s)                                                                                 \
    {                                                                                                                   \
        if (!d || !s)                                                                                                   \
            return NULL;                                                                                                \
        size_t n = 0;                                                                                                   \
        while (d[n])                                                                                                    \
            n++;                                                                                                        \
        cpy(d + n, s);                                                                                                  \
        return d;                                                                                                       \
    }

__NSHM_LCPY(char, lstrcpyA, lstrcpynA, lstrcatA)
__NSHM_LCPY(WCHAR, lstrcpyW, lstrcpynW, lstrcatW)

#ifdef UNICODE
#define lstrcmp lstrcmpW
#define lstrcmpi lstrcmpiW
#define lstrcpy lstrcpyW
#define lstrcpyn lstrcpynW
#define lstrcat lstrcatW
#else
#define lstrcmp lstrcmpA
#define lstrcmpi lstrcmpiA
#define lstrcpy lstrcpyA
#define lstrcpyn lstrcpynA
#define lstrcat lstrcatA
#endif
#undef __NSHM_LCMP
#undef __NSHM_LCPY
#undef __NSHM_L
#endif
