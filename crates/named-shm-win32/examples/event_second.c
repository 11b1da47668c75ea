/*
 * Event-signalled variant, second process: waits until the first process
 * has published its message, reads it, writes a reply and signals "done".
 */
#include <windows.h>
#include <stdio.h>
#include <tchar.h>

#define BUF_SIZE 256

int _tmain(void)
{
    HANDLE hReady = NULL;
    /* The first process may not have started yet: retry for up to 10 s. */
    for (int i = 0; i < 100 && hReady == NULL; i++) {
        hReady = OpenEvent(SYNCHRONIZE, FALSE, TEXT("Local\\NamedShmEventExample.ready"));
        if (hReady == NULL)
            Sleep(100);
    }
    if (hReady == NULL || WaitForSingleObject(hReady, 10000) != WAIT_OBJECT_0) {
        _tprintf(TEXT("second: the first process did not signal (%lu).\n"), (unsigned long)GetLastError());
        return 1;
    }
    HANDLE hMap = OpenFileMapping(FILE_MAP_ALL_ACCESS, FALSE, TEXT("Local\\NamedShmEventExample"));
    HANDLE hDone = OpenEvent(EVENT_MODIFY_STATE, FALSE, TEXT("Local\\NamedShmEventExample.done"));
    if (!hMap || !hDone) {
        _tprintf(TEXT("second: could not open the objects (%lu).\n"), (unsigned long)GetLastError());
        return 1;
    }
    LPTSTR pBuf = (LPTSTR)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    MessageBox(NULL, pBuf, TEXT("Process2"), MB_OK);
    TCHAR reply[] = TEXT("Thanks, got it.");
    CopyMemory(pBuf + 128 / sizeof(TCHAR), reply, sizeof reply);
    SetEvent(hDone);
    UnmapViewOfFile(pBuf);
    CloseHandle(hDone);
    CloseHandle(hMap);
    CloseHandle(hReady);
    return 0;
}
