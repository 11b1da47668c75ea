/* Size rules: rounding up to whole pages, an existing object keeps its
 * size, size 0 maps to the end, view length limits, zero-filled memory. */
#include "probe.h"

static const char *probe_roles(void) { return "a"; }

static void try_size(DWORD size)
{
    char label[128];
    snprintf(label, sizeof label, "create size %u", (unsigned)size);
    HANDLE h = H(label, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, N("size")));
    DWORD rounded = (size + 4095) & ~4095u;
    snprintf(label, sizeof label, "  map %u (rounded)", (unsigned)rounded);
    unsigned char *v = (unsigned char *)P(label, MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, rounded));
    if (v) {
        int zero = 1;
        for (DWORD i = 0; i < rounded; i++)
            zero &= v[i] == 0;
        say("  zero-filled: %d", zero);
        v[rounded - 1] = 1;
        UnmapViewOfFile(v);
    }
    snprintf(label, sizeof label, "  map %u (rounded+1)", (unsigned)rounded + 1);
    P(label, MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, rounded + 1));
    P("  map 0 (to the end)", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0));
    CloseHandle(h);
}

static int probe_main(const char *role)
{
    (void)role;
    try_size(1);
    try_size(4090);
    try_size(0x3457);
    try_size(4096);
    try_size(65537);
    HANDLE a = H("create 8192", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 8192, N("keep")));
    HANDLE b = H("create existing with 65536", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, N("keep")));
    P("  map 65536 via larger request", MapViewOfFile(b, FILE_MAP_READ, 0, 0, 65536));
    P("  map 8192 via larger request", MapViewOfFile(b, FILE_MAP_READ, 0, 0, 8192));
    HANDLE c = H("create existing with 100", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100, N("keep")));
    P("  map 8192 via smaller request", MapViewOfFile(c, FILE_MAP_READ, 0, 0, 8192));
    HANDLE o = H("open", OpenFileMappingA(FILE_MAP_READ, FALSE, N("keep")));
    P("  map 8192 via open", MapViewOfFile(o, FILE_MAP_READ, 0, 0, 8192));
    P("  map 8193 via open", MapViewOfFile(o, FILE_MAP_READ, 0, 0, 8193));
    CloseHandle(a);
    CloseHandle(b);
    CloseHandle(c);
    CloseHandle(o);
    /* A 4 GiB + 4 KiB object (reserved, never touched) needs the high size word. */
    HANDLE big = H("create 4 GiB + 4 KiB SEC_RESERVE", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 1, 4096, N("big")));
    if (big) {
        P("  map offset 4 GiB size 0", MapViewOfFile(big, FILE_MAP_READ, 1, 0, 0));
        P("  map offset 4 GiB size 8192", MapViewOfFile(big, FILE_MAP_READ, 1, 0, 8192));
        CloseHandle(big);
    }
    return 0;
}
