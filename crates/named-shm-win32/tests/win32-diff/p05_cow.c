/* Copy-on-write views (FILE_MAP_COPY): writes stay private to the view,
 * untouched pages follow the shared memory, in this process and another. */
#include "probe.h"

static const char *probe_roles(void) { return "a& b"; }

static int probe_main(const char *role)
{
    if (strcmp(role, "a") == 0) {
        HANDLE h = H("a: create 2 pages", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 8192, N("cow")));
        char *shared = (char *)P("a: map WRITE", MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0));
        char *cow = (char *)P("a: map COPY", MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0));
        strcpy(shared, "original");
        strcpy(shared + 4096, "page2");
        say("a: cow view sees shared write: %s / %s", cow, cow + 4096);
        strcpy(cow, "private");
        say("a: after cow write, shared view: %s", shared);
        say("a: after cow write, cow view: %s", cow);
        strcpy(shared + 4096, "page2-v2");
        say("a: untouched cow page follows shared: %s", cow + 4096);
        strcpy(shared, "shared-v2");
        say("a: written cow page keeps private copy: %s", cow);
        HANDLE ready = signal_event(N("ready"));
        await_event(N("done"));
        say("a: shared after b: %s", shared);
        say("a: cow after b: %s", cow);
        B("a: unmap cow", UnmapViewOfFile(cow));
        B("a: unmap shared", UnmapViewOfFile(shared));
        CloseHandle(h);
        CloseHandle(ready);
        return 0;
    }
    await_event(N("ready"));
    HANDLE h = H("b: open READ", OpenFileMappingA(FILE_MAP_READ, FALSE, N("cow")));
    char *cow = (char *)P("b: map COPY", MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0));
    say("b: sees %s / %s", cow, cow + 4096);
    strcpy(cow, "b-private");
    say("b: own cow: %s", cow);
    P("b: map WRITE through READ handle", MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0));
    HANDLE done = signal_event(N("done"));
    Sleep(200);
    UnmapViewOfFile(cow);
    CloseHandle(h);
    CloseHandle(done);
    return 0;
}
