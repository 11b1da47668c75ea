/*
 * A stand-in for a Windows program that reads what another program
 * published: opens a mapping by name and prints the text at offset 0.
 *
 *   reader NAME [EVENT TIMEOUT_MS]
 *
 * With EVENT, first waits (up to TIMEOUT_MS) for the named event, then
 * prints `event` before the text (or `timeout` and exits 4). Exits 2 when
 * the name does not exist (printing the error code), 1 on other errors.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: reader NAME [EVENT TIMEOUT_MS]\n");
        return 1;
    }
    if (argc == 4) {
        HANDLE ev = OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, argv[2]);
        if (!ev) {
            printf("OpenEvent failed (%lu)\n", GetLastError());
            return 1;
        }
        DWORD r = WaitForSingleObject(ev, (DWORD)strtoul(argv[3], NULL, 0));
        printf("%s\n", r == WAIT_OBJECT_0 ? "event" : "timeout");
        if (r != WAIT_OBJECT_0)
            return 4;
    }
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, argv[1]);
    if (!h) {
        printf("OpenFileMapping failed (%lu)\n", GetLastError());
        return 2;
    }
    const char *p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    if (!p) {
        printf("MapViewOfFile failed (%lu)\n", GetLastError());
        return 1;
    }
    /* Every view spans at least a page. */
    printf("%.*s\n", (int)strnlen(p, 4096), p);
    UnmapViewOfFile(p);
    CloseHandle(h);
    return 0;
}
