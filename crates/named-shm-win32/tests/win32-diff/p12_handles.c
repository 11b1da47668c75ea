/* Handles: values, bogus and closed handles, the ignored low bits,
 * DuplicateHandle, pseudo-handles, UnmapViewOfFile and FlushViewOfFile on
 * addresses inside and outside views, GetLastError left alone on success. */
#include "probe.h"

static const char *probe_roles(void) { return "a"; }

static int probe_main(const char *role)
{
    (void)role;
    HANDLE h = H("create", CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 8192, N("h")));
    say("handle is a multiple of 4: %d, not -1: %d", ((ULONG_PTR)h & 3) == 0, h != INVALID_HANDLE_VALUE);
    B("close NULL", CloseHandle(NULL));
    B("close INVALID_HANDLE_VALUE (current process)", CloseHandle(INVALID_HANDLE_VALUE));
    B("close bogus 0x12340", CloseHandle((HANDLE)(ULONG_PTR)0x12340));
    HANDLE e = H("create event", CreateEventA(NULL, TRUE, TRUE, NULL));
    W("wait with low bits set (|3)", WaitForSingleObject((HANDLE)((ULONG_PTR)e | 3), 0));
    W("wait NULL", WaitForSingleObject(NULL, 0));
    W("wait bogus", WaitForSingleObject((HANDLE)(ULONG_PTR)0x12340, 0));
    W("wait on a mapping", WaitForSingleObject(h, 0));
    W("wait on current process (timeout)", WaitForSingleObject(GetCurrentProcess(), 10));
    B("close event", CloseHandle(e));
    B("close it again", CloseHandle(e));
    W("wait closed", WaitForSingleObject(e, 0));
    HANDLE list[2] = {h, h};
    W("wait multiple with a mapping", WaitForMultipleObjects(1, list, FALSE, 0));
    HANDLE e2 = CreateEventA(NULL, TRUE, TRUE, NULL);
    HANDLE bogus[2] = {e2, (HANDLE)(ULONG_PTR)0x12340};
    W("wait multiple with a bogus handle", WaitForMultipleObjects(2, bogus, FALSE, 0));
    W("wait multiple count 0", WaitForMultipleObjects(0, bogus, FALSE, 0));
    HANDLE many[65];
    for (int i = 0; i < 65; i++) many[i] = e2;
    W("wait multiple count 65", WaitForMultipleObjects(65, many, FALSE, 0));
    W("wait any on 64 copies of one event", WaitForMultipleObjects(64, many, FALSE, 0));
    W("wait all with a duplicate entry", WaitForMultipleObjects(2, many, TRUE, 0));
    CloseHandle(e2);
    /* DuplicateHandle keeps the object and its name alive. */
    HANDLE dup = NULL;
    B("duplicate same access", DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
    say("duplicate differs: %d", dup != h && dup != NULL);
    B("close original", CloseHandle(h));
    char *v = (char *)P("map via duplicate", MapViewOfFile(dup, FILE_MAP_ALL_ACCESS, 0, 0, 0));
    HANDLE o = H("open by name while only the duplicate lives", OpenFileMappingA(FILE_MAP_READ, FALSE, N("h")));
    CloseHandle(o);
    HANDLE ro = NULL;
    B("duplicate with FILE_MAP_READ", DuplicateHandle(GetCurrentProcess(), dup, GetCurrentProcess(), &ro, FILE_MAP_READ, FALSE, 0));
    P("  map WRITE via read-only duplicate", MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0));
    HANDLE moved = NULL;
    B("duplicate with CLOSE_SOURCE", DuplicateHandle(GetCurrentProcess(), ro, GetCurrentProcess(), &moved, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    B("close the moved source", CloseHandle(ro));
    B("close moved", CloseHandle(moved));
    B("duplicate bogus", DuplicateHandle(GetCurrentProcess(), (HANDLE)(ULONG_PTR)0x12340, GetCurrentProcess(), &moved, 0, FALSE, DUPLICATE_SAME_ACCESS));
    B("close duplicate", CloseHandle(dup));
    H("open after every handle closed", OpenFileMappingA(FILE_MAP_READ, FALSE, N("h")));
    /* Views. */
    v[0] = 'v';
    B("flush view", FlushViewOfFile(v, 0));
    B("flush inside view", FlushViewOfFile(v + 5000, 10));
    B("unmap inside the view (ptr+100)", UnmapViewOfFile(v + 100));
    B("unmap again", UnmapViewOfFile(v));
    B("flush unmapped", FlushViewOfFile(v, 0));
    B("unmap NULL", UnmapViewOfFile(NULL));
    char stack[16];
    B("unmap a stack address", UnmapViewOfFile(stack));
    void *heap = malloc(100);
    B("unmap heap memory", UnmapViewOfFile(heap));
    free(heap);
    HANDLE h2 = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 8192, NULL);
    char *v2 = (char *)MapViewOfFile(h2, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    B("unmap at ptr+4096 (second page)", UnmapViewOfFile(v2 + 4096));
    P("map a closed handle", MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0));
    P("map NULL", MapViewOfFile(NULL, FILE_MAP_READ, 0, 0, 0));
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    P("map an event handle", MapViewOfFile(ev, FILE_MAP_READ, 0, 0, 0));
    /* Success and the last error. */
    SetLastError(1234);
    HANDLE op = OpenEventA(SYNCHRONIZE, FALSE, N("nonexistent"));
    say("failed open sets: %u", (unsigned)GetLastError());
    HANDLE named = CreateEventA(NULL, FALSE, FALSE, N("le"));
    SetLastError(1234);
    op = OpenEventA(SYNCHRONIZE, FALSE, N("le"));
    say("successful open leaves: %u", (unsigned)GetLastError());
    SetLastError(1234);
    DWORD w = WaitForSingleObject(op, 0);
    say("wait timeout %u leaves: %u", (unsigned)w, (unsigned)GetLastError());
    SetLastError(1234);
    SetEvent(named);
    say("SetEvent leaves: %u", (unsigned)GetLastError());
    SetLastError(1234);
    w = WaitForSingleObject(op, 0);
    say("wait success %u leaves: %u", (unsigned)w, (unsigned)GetLastError());
    SetLastError(1234);
    CloseHandle(op);
    say("CloseHandle leaves: %u", (unsigned)GetLastError());
    SetLastError(1234);
    HANDLE newobj = CreateEventA(NULL, FALSE, FALSE, N("le2"));
    say("create new sets: %u", (unsigned)GetLastError());
    SetLastError(1234);
    HANDLE mp = OpenFileMappingA(FILE_MAP_READ, FALSE, N("missing"));
    (void)mp;
    say("failed OpenFileMapping sets: %u", (unsigned)GetLastError());
    CloseHandle(named);
    CloseHandle(newobj);
    return 0;
}
