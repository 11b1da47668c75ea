/* FormatMessage(FROM_SYSTEM | ALLOCATE_BUFFER | IGNORE_INSERTS) for every
 * error code the layer produces (Windows' English text, trailing "\r\n"),
 * into a caller's buffer too; LocalAlloc/LocalFree, HeapAlloc/HeapReAlloc/
 * HeapFree with zeroing; OutputDebugString. TCHAR forms, built narrow here
 * and UNICODE by p29_errmsg_unicode.c. */
#include "tprobe.h"

static const char *probe_roles(void) { return "a"; }

static const char *esc(const TCHAR *s)
{
    static char b[1024];
    size_t o = 0;
    for (; s && *s && o < sizeof b - 4; s++) {
        if (*s == '\r') {
            b[o++] = '\\';
            b[o++] = 'r';
        } else if (*s == '\n') {
            b[o++] = '\\';
            b[o++] = 'n';
        } else
            b[o++] = (*s >= 32 && *s < 127) ? (char)*s : '?';
    }
    b[o] = 0;
    return b;
}

static int probe_main(const char *role)
{
    (void)role;
    static const DWORD codes[] = {0,   2,   3,   5,   6,    8,    14,   31,   50,   87,   122,  123,  161, 183,
                                  206, 258, 288, 298, 487, 998, 1132, 1314, 1359, 1450, 1455, 1460, 193};
    say("mode: %s", MODE);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        LPTSTR msg = NULL;
        SetLastError(0xBEEF);
        DWORD n = FormatMessage(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS,
                                NULL, codes[i], MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), (LPTSTR)&msg, 0, NULL);
        const char *e = errs();
        say("%u: n=%u \"%s\" err=%s", (unsigned)codes[i], (unsigned)n, esc(msg), e);
        say("  LocalFree -> %s", LocalFree(msg) ? "not NULL" : "NULL");
    }
    TCHAR buf[64];
    SetLastError(0xBEEF);
    DWORD n = FormatMessage(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, 5, 0, buf, 64, NULL);
    say("into a buffer: n=%u \"%s\" err=%s", (unsigned)n, esc(buf), errs());
    SetLastError(0xBEEF);
    n = FormatMessage(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, 5, 0, buf, 8, NULL);
    say("buffer too small: n=%u err=%s", (unsigned)n, errs());
    SetLastError(0xBEEF);
    n = FormatMessage(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, 0x2A2A2A, 0, buf, 64, NULL);
    say("unknown code: n=%u err=%s", (unsigned)n, errs());

    /* Memory. */
    unsigned char *p = (unsigned char *)LocalAlloc(LPTR, 100);
    int zero = 1;
    for (int i = 0; i < 100; i++)
        zero &= p[i] == 0;
    say("LocalAlloc(LPTR): %s zeroed=%d", p ? "PTR" : "NULL", zero);
    say("LocalFree: %s", LocalFree(p) ? "not NULL" : "NULL");
    p = (unsigned char *)LocalAlloc(LMEM_FIXED, 10);
    memset(p, 0xAB, 10);
    say("LocalAlloc(LMEM_FIXED): %s", p ? "PTR" : "NULL");
    LocalFree(p);
    HANDLE heap = GetProcessHeap();
    say("GetProcessHeap: %s", heap ? "HANDLE" : "NULL");
    p = (unsigned char *)HeapAlloc(heap, HEAP_ZERO_MEMORY, 64);
    zero = 1;
    for (int i = 0; i < 64; i++)
        zero &= p[i] == 0;
    say("HeapAlloc(HEAP_ZERO_MEMORY): zeroed=%d size=%u", zero, (unsigned)HeapSize(heap, 0, p));
    memset(p, 7, 64);
    p = (unsigned char *)HeapReAlloc(heap, HEAP_ZERO_MEMORY, p, 128);
    int kept = 1;
    zero = 1;
    for (int i = 0; i < 64; i++)
        kept &= p[i] == 7;
    for (int i = 64; i < 128; i++)
        zero &= p[i] == 0;
    say("HeapReAlloc(HEAP_ZERO_MEMORY) to 128: kept=%d new part zeroed=%d size=%u", kept, zero, (unsigned)HeapSize(heap, 0, p));
    p = (unsigned char *)HeapReAlloc(heap, 0, p, 16);
    say("HeapReAlloc to 16: kept=%d size=%u", p[15] == 7, (unsigned)HeapSize(heap, 0, p));
    B("HeapFree", HeapFree(heap, 0, p));
    B("HeapFree(NULL)", HeapFree(heap, 0, NULL));
    OutputDebugString(TEXT("debug output\n"));
    say("OutputDebugString returned");
    return 0;
}
