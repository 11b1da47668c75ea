/*
 * The C side of the cross-language tests, built with scripts/wincc: plain
 * Win32 calls on the names the Python tests make.
 *
 *   peer write NAME TEXT   create (or open) a 4 KiB mapping, write TEXT, say
 *                          "ready", hold it until a line on stdin
 *   peer read NAME         print the mapping's text, or "missing <error>"
 *   peer set NAME          SetEvent on an existing event
 *   peer hold-mutex NAME   own a new mutex, say "holding", wait for stdin
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 64;
    const char *cmd = argv[1], *name = argv[2];
    if (strcmp(cmd, "write") == 0 && argc == 4) {
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, name);
        if (h == NULL) {
            printf("error %lu\n", (unsigned long)GetLastError());
            return 1;
        }
        char *p = (char *)MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 4096);
        if (p == NULL)
            return 1;
        memcpy(p, argv[3], strlen(argv[3]) + 1);
        printf("ready\n");
        fflush(stdout);
        getchar();
        UnmapViewOfFile(p);
        CloseHandle(h);
        return 0;
    }
    if (strcmp(cmd, "read") == 0) {
        HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
        if (h == NULL) {
            printf("missing %lu\n", (unsigned long)GetLastError());
            return 2;
        }
        const char *p = (const char *)MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
        if (p == NULL)
            return 1;
        printf("%.*s\n", 4000, p);
        UnmapViewOfFile(p);
        CloseHandle(h);
        return 0;
    }
    if (strcmp(cmd, "set") == 0) {
        HANDLE h = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
        if (h == NULL || !SetEvent(h))
            return 1;
        CloseHandle(h);
        return 0;
    }
    if (strcmp(cmd, "hold-mutex") == 0) {
        HANDLE h = CreateMutexA(NULL, TRUE, name);
        if (h == NULL)
            return 1;
        printf("holding\n");
        fflush(stdout);
        getchar();
        ReleaseMutex(h);
        CloseHandle(h);
        return 0;
    }
    return 64;
}
