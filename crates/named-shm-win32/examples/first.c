/*
 * First process, in the style of Microsoft's "Creating Named Shared Memory":
 * creates a named file mapping, writes a message into it and keeps it alive
 * until a key is pressed. Builds unchanged with MSVC/mingw on Windows and
 * with scripts/wincc on Linux, narrow or with -DUNICODE -D_UNICODE.
 *
 *   scripts/wincc crates/named-shm-win32/examples/first.c -o first
 *   scripts/wincc -DUNICODE -D_UNICODE crates/named-shm-win32/examples/first.c -o first-w
 */
#include <windows.h>
#include <stdio.h>
#include <conio.h>
#include <tchar.h>

#define BUF_SIZE 256
TCHAR szName[] = TEXT("Local\\NamedShmExample");
TCHAR szMsg[] = TEXT("Hello from the first process.");

int _tmain(void)
{
    HANDLE hMapFile = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, BUF_SIZE, szName);
    if (hMapFile == NULL) {
        _tprintf(TEXT("Could not create file mapping object (%lu).\n"), (unsigned long)GetLastError());
        return 1;
    }
    if (GetLastError() == ERROR_ALREADY_EXISTS)
        _tprintf(TEXT("Note: the mapping already existed; reusing it.\n"));

    LPTSTR pBuf = (LPTSTR)MapViewOfFile(hMapFile, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    if (pBuf == NULL) {
        _tprintf(TEXT("Could not map view of file (%lu).\n"), (unsigned long)GetLastError());
        CloseHandle(hMapFile);
        return 1;
    }

    CopyMemory(pBuf, szMsg, (_tcslen(szMsg) + 1) * sizeof(TCHAR));
    _tprintf(TEXT("Wrote \"%s\" to %s; press a key to exit.\n"), szMsg, szName);
    _getch();

    UnmapViewOfFile(pBuf);
    CloseHandle(hMapFile); /* the name dies with the last handle */
    return 0;
}
