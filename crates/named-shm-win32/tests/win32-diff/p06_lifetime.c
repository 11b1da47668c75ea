/* Lifetime: the name dies with the last handle in any process while views
 * keep the memory; a new object under the same name is new and zeroed. */
#include "probe.h"

static const char *probe_roles(void) { return "a& b c"; }

static int probe_main(const char *role)
{
    if (strcmp(role, "a") == 0) {
        HANDLE h = H("a: create", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("life")));
        char *v = (char *)P("a: map", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0));
        strcpy(v, "from a");
        B("a: close handle while view lives", CloseHandle(h));
        H("a: open after own last close", OpenFileMappingA(FILE_MAP_READ, FALSE, N("life")));
        say("a: view still reads: %s", v);
        HANDLE h2 = H("a: create same name again", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("life")));
        char *v2 = (char *)P("a: map new object", MapViewOfFile(h2, FILE_MAP_ALL_ACCESS, 0, 0, 0));
        say("a: new object is zeroed: %d", v2[0] == 0);
        strcpy(v2, "second generation");
        say("a: old view unchanged: %s", v);
        HANDLE ready = signal_event(N("ready"));
        await_event(N("opened"));
        B("a: close h2 while b holds a handle", CloseHandle(h2));
        UnmapViewOfFile(v2);
        HANDLE closed = signal_event(N("closed"));
        await_event(N("done"));
        CloseHandle(ready);
        CloseHandle(closed);
        return 0;
    }
    if (strcmp(role, "b") == 0) {
        await_event(N("ready"));
        HANDLE h = H("b: open", OpenFileMappingA(FILE_MAP_READ, FALSE, N("life")));
        char *v = (char *)P("b: map", MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0));
        say("b: reads: %s", v);
        HANDLE opened = signal_event(N("opened"));
        await_event(N("closed"));
        HANDLE again = H("b: open after a closed (b still holds one)", OpenFileMappingA(FILE_MAP_READ, FALSE, N("life")));
        CloseHandle(again);
        B("b: close last handle", CloseHandle(h));
        H("b: open after the last close", OpenFileMappingA(FILE_MAP_READ, FALSE, N("life")));
        say("b: view survives: %s", v);
        B("b: unmap", UnmapViewOfFile(v));
        HANDLE done = signal_event(N("done"));
        Sleep(100);
        CloseHandle(opened);
        CloseHandle(done);
        return 0;
    }
    H("c: open after both exited", OpenFileMappingA(FILE_MAP_READ, FALSE, N("life")));
    H("c: event names are gone too", OpenEventA(SYNCHRONIZE, FALSE, N("ready")));
    return 0;
}
