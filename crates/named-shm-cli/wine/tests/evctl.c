/*
 * A stand-in that drives one named event step by step:
 *
 *   evctl NAME STEP...
 *
 * STEP is `set`, `reset`, `sleep:MS` or `wait:MS` (prints `event` or
 * `timeout`). The event is opened, or created manual-reset when it does not
 * exist. Exits 0, or 1 on an error.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: evctl NAME STEP...\n");
        return 1;
    }
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, argv[1]);
    if (!ev) {
        printf("CreateEvent failed (%lu)\n", GetLastError());
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "set")) {
            SetEvent(ev);
        } else if (!strcmp(s, "reset")) {
            ResetEvent(ev);
        } else if (!strncmp(s, "sleep:", 6)) {
            Sleep((DWORD)strtoul(s + 6, NULL, 0));
        } else if (!strncmp(s, "wait:", 5)) {
            DWORD r = WaitForSingleObject(ev, (DWORD)strtoul(s + 5, NULL, 0));
            printf("%s\n", r == WAIT_OBJECT_0 ? "event" : "timeout");
            fflush(stdout);
        } else {
            fprintf(stderr, "evctl: unknown step `%s`\n", s);
            return 1;
        }
    }
    return 0;
}
