/*
 * Event-signalled variant, first process: creates the mapping and two
 * auto-reset events, publishes a message, signals "ready" and waits (with
 * a timeout) until the second process signals that it has read it.
 *
 *   scripts/wincc crates/named-shm-win32/examples/event_first.c -o event_first
 *   scripts/wincc crates/named-shm-win32/examples/event_second.c -o event_second
 *   ./event_first & ./event_second
 */
#include <windows.h>
#include <stdio.h>
#include <tchar.h>

#define BUF_SIZE 256

int _tmain(void)
{
    HANDLE hMap = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, BUF_SIZE,
                                    TEXT("Local\\NamedShmEventExample"));
    HANDLE hReady = CreateEvent(NULL, FALSE, FALSE, TEXT("Local\\NamedShmEventExample.ready"));
    HANDLE hDone = CreateEvent(NULL, FALSE, FALSE, TEXT("Local\\NamedShmEventExample.done"));
    if (!hMap || !hReady || !hDone) {
        _tprintf(TEXT("Could not create the objects (%lu).\n"), (unsigned long)GetLastError());
        return 1;
    }
    LPTSTR pBuf = (LPTSTR)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    if (!pBuf) {
        _tprintf(TEXT("Could not map view of file (%lu).\n"), (unsigned long)GetLastError());
        return 1;
    }
    TCHAR msg[] = TEXT("Message from first process, signalled by an event.");
    CopyMemory(pBuf, msg, sizeof msg);
    SetEvent(hReady);
    _tprintf(TEXT("first: message published, waiting for the second process...\n"));
    DWORD w = WaitForSingleObject(hDone, 30000);
    if (w == WAIT_OBJECT_0)
        _tprintf(TEXT("first: the second process replied: %s\n"), pBuf + 128 / sizeof(TCHAR));
    else
        _tprintf(TEXT("first: no reply (wait returned %lu)\n"), (unsigned long)w);
    UnmapViewOfFile(pBuf);
    CloseHandle(hDone);
    CloseHandle(hReady);
    CloseHandle(hMap);
    return w == WAIT_OBJECT_0 ? 0 : 1;
}
