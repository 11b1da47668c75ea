/* Two processes share data through a named mapping and take turns with two
 * auto-reset events, as the seed's programs would with a signal instead of
 * a key press. */
#include "probe.h"

static const char *probe_roles(void) { return "a& b"; }

static int probe_main(const char *role)
{
    int a = strcmp(role, "a") == 0;
    HANDLE h, ping, pong;
    if (a) {
        h = H("a: create", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 256, NP("Global\\", "pp")));
        ping = H("a: create ping", CreateEventA(NULL, FALSE, FALSE, N("ping")));
        pong = H("a: create pong", CreateEventA(NULL, FALSE, FALSE, N("pong")));
    } else {
        await_event(N("ready"));
        h = H("b: open", OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, NP("Global\\", "pp")));
        ping = H("b: open ping", OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, N("ping")));
        pong = H("b: create pong (exists)", CreateEventA(NULL, FALSE, FALSE, N("pong")));
    }
    volatile int *v = (volatile int *)P(a ? "a: map" : "b: map", MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 256));
    HANDLE ready = a ? signal_event(N("ready")) : NULL;
    for (int i = 0; i < 5; i++) {
        if (a) {
            v[0] = i * 10;
            SetEvent(ping);
            DWORD w = WaitForSingleObject(pong, 10000);
            say("a: round %d wait=%u reply=%d", i, (unsigned)w, v[1]);
        } else {
            DWORD w = WaitForSingleObject(ping, 10000);
            say("b: round %d wait=%u got=%d", i, (unsigned)w, v[0]);
            v[1] = v[0] + 1;
            SetEvent(pong);
        }
    }
    if (a)
        strcpy((char *)(v + 4), "Message from first process.");
    else {
        WaitForSingleObject(ping, 10000);
        say("b: message: %s", (char *)(v + 4));
    }
    if (a) {
        SetEvent(ping);
        Sleep(200);
    }
    B(a ? "a: unmap" : "b: unmap", UnmapViewOfFile((void *)v));
    B(a ? "a: close" : "b: close", CloseHandle(h));
    CloseHandle(ping);
    CloseHandle(pong);
    if (ready) CloseHandle(ready);
    return 0;
}
