/*
 * A stand-in for a game that publishes telemetry: creates a named mapping
 * the way games do (INVALID_HANDLE_VALUE, so the memory is its own unless a
 * bridge named a section first), writes an incrementing 64-bit counter at
 * offset 0 for MS milliseconds, sets EVENT (if given) after every step,
 * then prints the last value and exits.
 *
 *   game NAME SIZE MS [EVENT]
 *
 * Prints `bridged` when the name already existed (ERROR_ALREADY_EXISTS: the
 * bridge's section) and `own memory` otherwise; exits 0 when bridged, 3 when
 * not, 1 on an error.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
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
    volatile unsigned long long *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
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
        p[0] = ++n;
        if (ev)
            SetEvent(ev);
        Sleep(5);
    } while (GetTickCount() - start < ms);
    printf("last %llu\n", n);
    UnmapViewOfFile((void *)p);
    CloseHandle(h);
    return bridged ? 0 : 3;
}
