/* Names: Local\ and no prefix are one object, Global\ another namespace,
 * case sensitivity, unknown prefixes, long names, NULL names, and one
 * namespace shared by mappings, events and mutexes. */
#include "probe.h"

static const char *probe_roles(void) { return "a"; }

static int probe_main(const char *role)
{
    (void)role;
    HANDLE l = H("create Local\\x", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NP("Local\\", "x")));
    HANDLE p = H("create x (no prefix)", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("x")));
    HANDLE g = H("create Global\\x", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NP("Global\\", "x")));
    HANDLE g2 = H("create Global\\x again", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NP("Global\\", "x")));
    HANDLE o = H("open Local\\x", OpenFileMappingA(FILE_MAP_READ, FALSE, NP("Local\\", "x")));
    CloseHandle(o);
    o = H("open Global\\x", OpenFileMappingA(FILE_MAP_READ, FALSE, NP("Global\\", "x")));
    CloseHandle(o);
    HANDLE up = H("create X (other case)", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("X")));
    H("open lower-case local\\x", OpenFileMappingA(FILE_MAP_READ, FALSE, NP("local\\", "x")));
    H("create lower-case global\\x", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NP("global\\", "x")));
    H("create nodir\\x", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NP("nodir\\", "x")));
    HANDLE sl = H("create with a slash a/b", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("a/b")));
    CloseHandle(sl);
    char longname[400];
    memset(longname, 'n', 300);
    longname[300] = 0;
    H("create 300-char name (A)", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, longname));
    H("open missing", OpenFileMappingA(FILE_MAP_READ, FALSE, N("missing")));
    H("open NULL name", OpenFileMappingA(FILE_MAP_READ, FALSE, NULL));
    H("open Local\\missing", OpenFileMappingA(FILE_MAP_READ, FALSE, NP("Local\\", "missing")));
    CloseHandle(l);
    CloseHandle(p);
    CloseHandle(g);
    CloseHandle(g2);
    CloseHandle(up);
    /* One namespace for every object type. */
    HANDLE m = H("create mapping T", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("T")));
    H("create event over mapping", CreateEventA(NULL, FALSE, FALSE, N("T")));
    H("create mutex over mapping", CreateMutexA(NULL, FALSE, N("T")));
    H("open event on mapping", OpenEventA(SYNCHRONIZE, FALSE, N("T")));
    H("open mutex on mapping", OpenMutexA(SYNCHRONIZE, FALSE, N("T")));
    HANDLE e = H("create event E", CreateEventA(NULL, FALSE, FALSE, N("E")));
    H("create mapping over event", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("E")));
    H("open mapping on event", OpenFileMappingA(FILE_MAP_READ, FALSE, N("E")));
    H("create mutex over event", CreateMutexA(NULL, FALSE, N("E")));
    HANDLE mu = H("create mutex M", CreateMutexA(NULL, FALSE, N("M")));
    H("create event over mutex", CreateEventA(NULL, FALSE, FALSE, N("M")));
    H("create mapping over mutex", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("M")));
    H("open event on mutex", OpenEventA(SYNCHRONIZE, FALSE, N("M")));
    CloseHandle(m);
    CloseHandle(e);
    CloseHandle(mu);
    HANDLE e2 = H("create event T after the mapping closed", CreateEventA(NULL, FALSE, FALSE, N("T")));
    CloseHandle(e2);
    return 0;
}
