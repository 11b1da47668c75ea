/* Handle access versus view access: what CreateFileMapping's protection and
 * OpenFileMapping's dwDesiredAccess allow MapViewOfFile to map. */
#include "probe.h"

static const char *probe_roles(void) { return "a"; }

static void views(const char *what, HANDLE h)
{
    static const struct { DWORD a; const char *n; } acc[] = {
        {FILE_MAP_READ, "READ"}, {FILE_MAP_WRITE, "WRITE"}, {FILE_MAP_READ | FILE_MAP_WRITE, "READ|WRITE"},
        {FILE_MAP_COPY, "COPY"}, {FILE_MAP_ALL_ACCESS, "ALL_ACCESS"}, {0, "0"},
        {FILE_MAP_EXECUTE | FILE_MAP_READ, "EXECUTE|READ"}, {FILE_MAP_COPY | FILE_MAP_WRITE, "COPY|WRITE"},
        {FILE_MAP_COPY | FILE_MAP_READ, "COPY|READ"}, {FILE_MAP_EXECUTE, "EXECUTE"},
        {FILE_MAP_EXECUTE | FILE_MAP_WRITE, "EXECUTE|WRITE"}, {FILE_MAP_EXECUTE | FILE_MAP_COPY, "EXECUTE|COPY"},
    };
    char label[160];
    for (unsigned i = 0; i < sizeof acc / sizeof acc[0]; i++) {
        snprintf(label, sizeof label, "  %s: map %s", what, acc[i].n);
        void *v = P(label, MapViewOfFile(h, acc[i].a, 0, 0, 0));
        if (v) UnmapViewOfFile(v);
    }
}

static int probe_main(const char *role)
{
    (void)role;
    HANDLE rw = H("create READWRITE", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("acc")));
    views("created READWRITE", rw);
    static const struct { DWORD a; const char *n; } opens[] = {
        {FILE_MAP_READ, "READ"}, {FILE_MAP_WRITE, "WRITE"}, {FILE_MAP_READ | FILE_MAP_WRITE, "READ|WRITE"},
        {FILE_MAP_COPY, "COPY"}, {FILE_MAP_ALL_ACCESS, "ALL_ACCESS"}, {PAGE_READWRITE, "PAGE_READWRITE(4)"},
        {GENERIC_READ, "GENERIC_READ"}, {GENERIC_WRITE, "GENERIC_WRITE"}, {GENERIC_ALL, "GENERIC_ALL"},
        {FILE_MAP_EXECUTE | FILE_MAP_READ, "EXECUTE|READ"},
    };
    char label[160];
    for (unsigned i = 0; i < sizeof opens / sizeof opens[0]; i++) {
        snprintf(label, sizeof label, "open %s", opens[i].n);
        HANDLE o = H(label, OpenFileMappingA(opens[i].a, FALSE, N("acc")));
        if (o) {
            views(label, o);
            CloseHandle(o);
        }
    }
    H("open access 0", OpenFileMappingA(0, FALSE, N("acc")));
    CloseHandle(rw);
    HANDLE ro = H("create READONLY", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, 4096, N("ro")));
    views("created READONLY", ro);
    CloseHandle(ro);
    HANDLE wc = H("create WRITECOPY", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_WRITECOPY, 0, 4096, N("wc")));
    views("created WRITECOPY", wc);
    CloseHandle(wc);
    HANDLE xr = H("create EXECUTE_READWRITE", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_EXECUTE_READWRITE, 0, 4096, N("xrw")));
    views("created EXECUTE_READWRITE", xr);
    P("  created EXECUTE_READWRITE: map EXECUTE|WRITE", MapViewOfFile(xr, FILE_MAP_EXECUTE | FILE_MAP_WRITE, 0, 0, 0));
    CloseHandle(xr);
    return 0;
}
