/* CreateFileMapping: page protections, SEC_* combinations, sizes of zero,
 * the handle access each protection grants, NULL (not INVALID_HANDLE_VALUE)
 * on failure, GetLastError 0 for new and 183 for existing objects. */
#include "probe.h"

static const char *probe_roles(void) { return "a"; }

static int probe_main(const char *role)
{
    (void)role;
    static const struct { DWORD p; const char *n; } prots[] = {
        {0, "0"}, {PAGE_NOACCESS, "NOACCESS"}, {PAGE_READONLY, "READONLY"}, {PAGE_READWRITE, "READWRITE"},
        {PAGE_WRITECOPY, "WRITECOPY"}, {PAGE_EXECUTE, "EXECUTE"}, {PAGE_EXECUTE_READ, "EXECUTE_READ"},
        {PAGE_EXECUTE_READWRITE, "EXECUTE_READWRITE"}, {PAGE_EXECUTE_WRITECOPY, "EXECUTE_WRITECOPY"},
        {PAGE_READONLY | PAGE_READWRITE, "READONLY|READWRITE"}, {PAGE_READWRITE | PAGE_GUARD, "READWRITE|GUARD"},
    };
    char label[128];
    for (unsigned i = 0; i < sizeof prots / sizeof prots[0]; i++) {
        snprintf(label, sizeof label, "create unnamed %s", prots[i].n);
        HANDLE h = H(label, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, prots[i].p, 0, 4096, NULL));
        if (h) {
            snprintf(label, sizeof label, "  map READ via %s", prots[i].n);
            void *v = P(label, MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0));
            if (v) UnmapViewOfFile(v);
            snprintf(label, sizeof label, "  map WRITE via %s", prots[i].n);
            v = P(label, MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0));
            if (v) UnmapViewOfFile(v);
            snprintf(label, sizeof label, "  map COPY via %s", prots[i].n);
            v = P(label, MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0));
            if (v) UnmapViewOfFile(v);
            snprintf(label, sizeof label, "  map EXECUTE|READ via %s", prots[i].n);
            v = P(label, MapViewOfFile(h, FILE_MAP_EXECUTE | FILE_MAP_READ, 0, 0, 0));
            if (v) UnmapViewOfFile(v);
            CloseHandle(h);
        }
    }
    static const struct { DWORD s; const char *n; } secs[] = {
        {SEC_RESERVE, "RESERVE"}, {SEC_COMMIT, "COMMIT"}, {SEC_RESERVE | SEC_NOCACHE, "RESERVE|NOCACHE"},
        {SEC_COMMIT | SEC_NOCACHE, "COMMIT|NOCACHE"}, {SEC_RESERVE | SEC_WRITECOMBINE, "RESERVE|WRITECOMBINE"},
        {SEC_COMMIT | SEC_WRITECOMBINE, "COMMIT|WRITECOMBINE"}, {SEC_RESERVE | SEC_COMMIT, "RESERVE|COMMIT"},
        {SEC_NOCACHE, "NOCACHE"}, {SEC_WRITECOMBINE, "WRITECOMBINE"}, {SEC_LARGE_PAGES, "LARGE_PAGES"},
        {SEC_RESERVE | SEC_LARGE_PAGES, "RESERVE|LARGE_PAGES"}, {SEC_FILE, "FILE"}, {SEC_IMAGE, "IMAGE"},
        {SEC_IMAGE | SEC_RESERVE, "IMAGE|RESERVE"}, {SEC_IMAGE | SEC_COMMIT, "IMAGE|COMMIT"},
        {SEC_COMMIT | SEC_FILE, "COMMIT|FILE"},
    };
    for (unsigned i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        snprintf(label, sizeof label, "create READWRITE|SEC_%s", secs[i].n);
        HANDLE h = H(label, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | secs[i].s, 0, 8192, N(secs[i].n)));
        if (h) {
            char *v = (char *)P("  map ALL", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0));
            if (v && (secs[i].s & SEC_RESERVE) == 0) {
                v[8191] = 'z';
                say("  last byte written and read: %c", v[8191]);
            }
            if (v) UnmapViewOfFile(v);
            CloseHandle(h);
        }
    }
    /* Size zero: 87, even when the name exists. */
    H("create size 0 unnamed", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL));
    HANDLE a = H("create named", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100, N("zero")));
    H("create size 0 existing name", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, N("zero")));
    HANDLE b = H("create existing name", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100, N("zero")));
    say("existing gives a different handle value: %d", a != b);
    HANDLE c = H("create existing name READONLY", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, 100, N("zero")));
    P("  map WRITE via READONLY handle of existing", MapViewOfFile(c, FILE_MAP_WRITE, 0, 0, 0));
    H("create existing with bad protection", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_EXECUTE, 0, 100, N("zero")));
    B("close a", CloseHandle(a));
    B("close b", CloseHandle(b));
    B("close c", CloseHandle(c));
    HANDLE d = H("create again after last close", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100, N("zero")));
    CloseHandle(d);
    /* Unnamed: every call is a new object. */
    HANDLE u1 = H("unnamed 1", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL));
    HANDLE u2 = H("unnamed 2", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL));
    char *v1 = (char *)MapViewOfFile(u1, FILE_MAP_WRITE, 0, 0, 0);
    char *v2 = (char *)MapViewOfFile(u2, FILE_MAP_WRITE, 0, 0, 0);
    v1[0] = 'A';
    v2[0] = 'B';
    say("unnamed objects are distinct: %c %c", v1[0], v2[0]);
    UnmapViewOfFile(v1);
    UnmapViewOfFile(v2);
    CloseHandle(u1);
    CloseHandle(u2);
    /* A file handle that is not a file. */
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    H("create with an event as the file", CreateFileMappingA(ev, NULL, PAGE_READWRITE, 0, 4096, NULL));
    CloseHandle(ev);
    return 0;
}
