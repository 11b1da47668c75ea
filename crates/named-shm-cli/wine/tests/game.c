/*
 * A stand-in for a game that publishes telemetry: creates a named mapping
 * the way games do (INVALID_HANDLE_VALUE, so the memory is its own unless a
 * bridge named a section first), writes `tick N` (N counting up from 1) at
 * offset 0 every 5 ms for MS milliseconds, sets EVENT (if given) after
 * every step, then prints the last N and exits.
 *
 *   game NAME SIZE MS [EVENT]
 *   game --spawn NAME SIZE MS [EVENT]   starts `game NAME SIZE MS [EVENT]`
 *                                       and exits at once (a launcher stub)
 *
 * Prints `bridged` when the name already existed (ERROR_ALREADY_EXISTS: the
 * bridge's section) and `own memory` otherwise; exits 0 when bridged, 3 when
 * not, 1 on an error.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--spawn")) {
        /* Our own command line without `--spawn`. */
        char *cmd = strstr(GetCommandLineA(), "--spawn");
        char line[4096];
        STARTUPINFOA si = {sizeof si};
        PROCESS_INFORMATION pi;
        snprintf(line, sizeof line, "\"%s\" %s", argv[0], cmd + 8);
        if (!CreateProcessA(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
            printf("CreateProcess failed (%lu)\n", GetLastError());
            return 1;
        }
        printf("spawned\n");
        return 0;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: game NAME SIZE MS [EVENT]\n");
        return 1;
    }
    DWORD size = (DWORD)strtoul(argv[2], NULL, 0);
    DWORD ms = (DWORD)strtoul(argv[3], NULL, 0);
    HANDLE ev = NULL;
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, argv[1]);
    DWORD err = GetLastError();
    if (!h) {
        printf("CreateFileMapping failed (%lu)\n", err);
        return 1;
    }
    int bridged = err == ERROR_ALREADY_EXISTS;
    printf("%s\n", bridged ? "bridged" : "own memory");
    fflush(stdout);
    volatile char *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (!p) {
        printf("MapViewOfFile failed (%lu)\n", GetLastError());
        return 1;
    }
    if (argc > 4) {
        ev = CreateEventA(NULL, FALSE, FALSE, argv[4]);
        if (!ev) {
            printf("CreateEvent failed (%lu)\n", GetLastError());
            return 1;
        }
    }
    DWORD start = GetTickCount();
    unsigned long long n = 0;
    do {
        char text[32];
        int len = snprintf(text, sizeof text, "tick %llu", ++n);
        /* NUL first, so that a reader never sees a longer number's tail. */
        p[len] = 0;
        for (int i = len - 1; i >= 0; i--)
            p[i] = text[i];
        if (ev)
            SetEvent(ev);
        Sleep(5);
    } while (GetTickCount() - start < ms);
    printf("last %llu\n", n);
    UnmapViewOfFile((void *)p);
    CloseHandle(h);
    return bridged ? 0 : 3;
}
