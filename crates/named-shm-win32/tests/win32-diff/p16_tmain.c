/* _tmain in a UNICODE build is wmain: argv arrives as UTF-16 strings, and
 * _tprintf/_tcslen/lstrlenW work on them. (Does not use probe.h: it has
 * its own entry point.) */
/* probe-flags: -DUNICODE -D_UNICODE */
/* probe-mingw-flags: -municode */
#include <windows.h>
#include <stdio.h>
#include <tchar.h>

int _tmain(int argc, TCHAR *argv[])
{
    if (argc >= 2 && _tcscmp(argv[1], TEXT("roles")) == 0) {
        _tprintf(TEXT("a\n"));
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    _tprintf(TEXT("argc: %d\n"), argc);
    _tprintf(TEXT("argv[1]: %ls (%d units, lstrlenW %d)\n"), argv[1], (int)_tcslen(argv[1]), lstrlenW(argv[1]));
    _tprintf(TEXT("argv[2] starts with a run letter: %d\n"), argv[2][0] == TEXT('w') || argv[2][0] == TEXT('n'));
    _tprintf(TEXT("sizeof(TCHAR): %d\n"), (int)sizeof(TCHAR));
    TCHAR name[64];
    _tcscpy(name, TEXT("nshm-probe-tmain-"));
    _tcscat(name, argv[argc - 1]);
    HANDLE h = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, name);
    _tprintf(TEXT("create via TCHAR name: %ls err=%u\n"), h ? TEXT("HANDLE") : TEXT("NULL"), (unsigned)GetLastError());
    HANDLE o = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
    _tprintf(TEXT("open W: %ls\n"), o ? TEXT("HANDLE") : TEXT("NULL"));
    CloseHandle(o);
    CloseHandle(h);
    return 3;
}
