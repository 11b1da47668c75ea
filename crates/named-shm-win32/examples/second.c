/*
 * Second process: opens the mapping the first process created, by name,
 * and shows the message (a message box on Windows; one line on standard
 * output on Linux, where there is no display).
 *
 *   scripts/wincc crates/named-shm-win32/examples/second.c -o second
 */
#include <windows.h>
#include <stdio.h>
#include <conio.h>
#include <tchar.h>

#define BUF_SIZE 256
TCHAR szName[] = TEXT("Local\\NamedShmExample");

int _tmain(void)
{
    HANDLE hMapFile = OpenFileMapping(FILE_MAP_READ, FALSE, szName);
    if (hMapFile == NULL) {
        _tprintf(TEXT("Could not open file mapping object (%lu).\n"), (unsigned long)GetLastError());
        return 1;
    }
    LPCTSTR pBuf = (LPCTSTR)MapViewOfFile(hMapFile, FILE_MAP_READ, 0, 0, BUF_SIZE);
    if (pBuf == NULL) {
        _tprintf(TEXT("Could not map view of file (%lu).\n"), (unsigned long)GetLastError());
        CloseHandle(hMapFile);
        return 1;
    }
    MessageBox(NULL, pBuf, TEXT("Process2"), MB_OK);
    UnmapViewOfFile(pBuf);
    CloseHandle(hMapFile);
    return 0;
}
