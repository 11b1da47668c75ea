/* The 64 KiB offset rule, offsets at and past the end, view size limits,
 * views of one object at different offsets see the same bytes, every view
 * is a new one, MapViewOfFileEx with a base address. */
#include "probe.h"

static const char *probe_roles(void) { return "a"; }

static int probe_main(const char *role)
{
    (void)role;
    HANDLE h = H("create 3*64K", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 3 * 65536, N("off")));
    static const DWORD offs[] = {1, 0x1000, 0x8000, 0x10000, 0x20000, 0x30000, 0x40000};
    char label[128];
    for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        snprintf(label, sizeof label, "map offset 0x%x size 0", (unsigned)offs[i]);
        void *v = P(label, MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, offs[i], 0));
        if (v) UnmapViewOfFile(v);
        snprintf(label, sizeof label, "map offset 0x%x size 4096", (unsigned)offs[i]);
        v = P(label, MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, offs[i], 4096));
        if (v) UnmapViewOfFile(v);
    }
    P("map offset high 1", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 1, 0, 0));
    P("map offset 0x10000 size 0x20000 (exactly to the end)", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0x10000, 0x20000));
    P("map offset 0x10000 size 0x20001", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0x10000, 0x20001));
    P("map offset 0 size 0x30001", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0x30001));
    P("map misaligned offset on a bogus handle", MapViewOfFile((HANDLE)(ULONG_PTR)0x12340, FILE_MAP_ALL_ACCESS, 0, 1, 0));
    char *whole = (char *)P("map whole", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0));
    char *second = (char *)P("map at 0x10000", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0x10000, 0));
    char *again = (char *)P("map whole again", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0));
    say("second view is a new address: %d", again != whole);
    whole[0x10000 + 5] = 'q';
    say("byte seen through the offset view: %c", second[5]);
    second[0x1FFFF] = 'r';
    say("byte seen through the whole view: %c", whole[0x2FFFF]);
    say("byte seen through the other whole view: %c", again[0x2FFFF]);
    /* MapViewOfFileEx: misaligned base, a base in use, a base just freed. */
    P("mapex misaligned base", MapViewOfFileEx(h, FILE_MAP_ALL_ACCESS, 0, 0, 0, (char *)whole + 0x1000));
    P("mapex base in use", MapViewOfFileEx(h, FILE_MAP_ALL_ACCESS, 0, 0, 0, whole));
    char *base = again;
    B("unmap the other whole view", UnmapViewOfFile(again));
    char *ex = (char *)P("mapex at the freed base", MapViewOfFileEx(h, FILE_MAP_ALL_ACCESS, 0, 0, 0, base));
    say("mapex returned the requested base: %d", ex == base);
    if (ex) {
        say("byte seen through mapex view: %c", ex[0x2FFFF]);
        UnmapViewOfFile(ex);
    }
    P("mapex NULL base", MapViewOfFileEx(h, FILE_MAP_ALL_ACCESS, 0, 0x10000, 0, NULL));
    B("unmap whole", UnmapViewOfFile(whole));
    B("unmap second", UnmapViewOfFile(second));
    CloseHandle(h);
    return 0;
}
