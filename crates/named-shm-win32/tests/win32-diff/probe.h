/*
 * Shared helpers for the differential probes. Each probe is an ordinary
 * Win32 C program: it prints one line per observation (return value kind,
 * GetLastError code, data seen). run.sh builds it with mingw (run under
 * Wine, the oracle) and with scripts/wincc (run natively) and diffs the two.
 *
 * Usage: probe.exe <role> <tag>. <tag> makes every object name unique to
 * one run. "probe.exe roles" prints the role plan: roles separated by
 * spaces, "&" after a role runs it in the background (so the next role can
 * talk to it); the driver waits for all of them, in order.
 *
 * Before each call the helpers set the last error to 0xBEEF, so a call
 * that leaves it alone prints "err=unchanged".
 */
#ifndef PROBE_H
#define PROBE_H
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static const char *g_tag = "x";

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static const char *errs(void)
{
    static char buf[8][32];
    static int i;
    DWORD e = GetLastError();
    char *b = buf[i++ % 8];
    if (e == 0xBEEF)
        strcpy(b, "unchanged");
    else
        sprintf(b, "%u", (unsigned)e);
    return b;
}

static HANDLE ph(const char *label, HANDLE h)
{
    const char *e = errs();
    say("%s: %s err=%s", label, h ? "HANDLE" : "NULL", e);
    return h;
}
static BOOL pb(const char *label, BOOL b)
{
    const char *e = errs();
    say("%s: %s err=%s", label, b ? "TRUE" : "FALSE", e);
    return b;
}
static DWORD pw(const char *label, DWORD w)
{
    const char *e = errs();
    if (w == WAIT_FAILED)
        say("%s: WAIT_FAILED err=%s", label, e);
    else if (w == WAIT_TIMEOUT)
        say("%s: WAIT_TIMEOUT err=%s", label, e);
    else if (w >= WAIT_ABANDONED_0 && w < WAIT_ABANDONED_0 + 64)
        say("%s: WAIT_ABANDONED_0+%u err=%s", label, (unsigned)(w - WAIT_ABANDONED_0), e);
    else
        say("%s: WAIT_OBJECT_0+%u err=%s", label, (unsigned)w, e);
    return w;
}
static void *pp(const char *label, void *p)
{
    const char *e = errs();
    if (p)
        say("%s: PTR aligned64k=%d err=%s", label, ((ULONG_PTR)p & 0xFFFF) == 0, e);
    else
        say("%s: NULL err=%s", label, e);
    return p;
}

/* Each macro clears the last error to 0xBEEF, makes the call, prints. */
#define H(label, expr) (SetLastError(0xBEEF), ph(label, (expr)))
#define B(label, expr) (SetLastError(0xBEEF), pb(label, (expr)))
#define W(label, expr) (SetLastError(0xBEEF), pw(label, (expr)))
#define P(label, expr) (SetLastError(0xBEEF), pp(label, (expr)))

/* A unique object name: nshm-probe-<tag>-<base>. */
static const char *N(const char *base)
{
    static char buf[16][512];
    static int i;
    char *b = buf[i++ % 16];
    snprintf(b, sizeof buf[0], "nshm-probe-%s-%s", g_tag, base);
    return b;
}
/* The same with a prefix, e.g. NP("Global\\", "x"). */
static const char *NP(const char *prefix, const char *base)
{
    static char buf[16][512];
    static int i;
    char *b = buf[i++ % 16];
    snprintf(b, sizeof buf[0], "%snshm-probe-%s-%s", prefix, g_tag, base);
    return b;
}
/* ASCII to UTF-16, for the W functions. */
static const WCHAR *WS(const char *s)
{
    static WCHAR buf[8][512];
    static int i;
    WCHAR *b = buf[i++ % 8];
    size_t n = 0;
    for (; s[n] && n < 511; n++)
        b[n] = (WCHAR)(unsigned char)s[n];
    b[n] = 0;
    return b;
}

/* Waits until another process has created the named event, then for it. */
static BOOL await_event(const char *name)
{
    HANDLE h = NULL;
    for (int i = 0; i < 1000 && !h; i++) {
        h = OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, name);
        if (!h)
            Sleep(10);
    }
    if (!h)
        return FALSE;
    BOOL ok = WaitForSingleObject(h, 20000) == WAIT_OBJECT_0;
    CloseHandle(h);
    return ok;
}

/* Creates (or opens) a manual-reset event and sets it. The handle is kept
 * open (returned) so the name stays alive until the caller closes it. */
static HANDLE signal_event(const char *name)
{
    HANDLE h = CreateEventA(NULL, TRUE, FALSE, name);
    if (h)
        SetEvent(h);
    return h;
}

static int probe_main(const char *role);
static const char *probe_roles(void);

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && strcmp(argv[1], "roles") == 0) {
        printf("%s\n", probe_roles());
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: %s <role> <tag> | roles\n", argv[0]);
        return 2;
    }
    g_tag = argv[2];
    return probe_main(argv[1]);
}
#endif
