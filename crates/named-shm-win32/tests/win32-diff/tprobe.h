/* Helpers for probes built both narrow and UNICODE (the *_unicode.c
 * wrappers define UNICODE and _UNICODE and include the narrow probe). */
#ifndef TPROBE_H
#define TPROBE_H
#include "probe.h"
#include <tchar.h>

/* A TCHAR string as printable ASCII ('?' for anything else). */
static const char *TA(const TCHAR *s)
{
    static char buf[8][512];
    static int i;
    char *b = buf[i++ % 8];
    size_t n = 0;
    if (!s)
        return "(null)";
    for (; s[n] && n < 511; n++)
        b[n] = (s[n] >= 32 && s[n] < 127) ? (char)s[n] : '?';
    b[n] = 0;
    return b;
}

/* Fills a TCHAR buffer with 'z' and terminates it, to see what a call leaves. */
static void fillz(TCHAR *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        b[i] = 'z';
    b[n - 1] = 0;
}

/* N(base) as a TCHAR string. */
static const TCHAR *TN(const char *base)
{
    static TCHAR buf[8][512];
    static int i;
    TCHAR *b = buf[i++ % 8];
    const char *s = N(base);
    size_t n = 0;
    for (; s[n] && n < 511; n++)
        b[n] = (TCHAR)(unsigned char)s[n];
    b[n] = 0;
    return b;
}

static const char *MODE =
#ifdef UNICODE
    "UNICODE";
#else
    "narrow";
#endif
#endif
