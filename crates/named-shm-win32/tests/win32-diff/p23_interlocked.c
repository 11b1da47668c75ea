/* The Interlocked family: each function's return value (the old or the new
 * value, as Windows defines it), the 64-bit and pointer forms, LONG being
 * 32-bit, and two processes counting in one shared view. */
#include "probe.h"

static const char *probe_roles(void) { return "a p& q"; }

#define N_ADDS 200000

struct shared {
    LONG count;
    LONG pad;
    LONG64 sum;
    LONG flags;
};

static void add_many(struct shared *s, LONG64 k)
{
    for (int i = 0; i < N_ADDS; i++) {
        InterlockedIncrement(&s->count);
        InterlockedExchangeAdd64(&s->sum, k);
        InterlockedOr(&s->flags, (LONG)k);
    }
}

static int probe_main(const char *role)
{
    if (strcmp(role, "a") == 0) {
        LONG v = 5;
        say("sizeof(LONG) %d sizeof(LONG64) %d", (int)sizeof(LONG), (int)sizeof(LONG64));
        say("Increment -> %ld (v=%ld)", (long)InterlockedIncrement(&v), (long)v);
        say("Decrement -> %ld (v=%ld)", (long)InterlockedDecrement(&v), (long)v);
        say("Exchange 9 -> %ld (v=%ld)", (long)InterlockedExchange(&v, 9), (long)v);
        say("ExchangeAdd 3 -> %ld (v=%ld)", (long)InterlockedExchangeAdd(&v, 3), (long)v);
        say("ExchangeAdd -20 -> %ld (v=%ld)", (long)InterlockedExchangeAdd(&v, -20), (long)v);
        say("CompareExchange(100, -8) -> %ld (v=%ld)", (long)InterlockedCompareExchange(&v, 100, -8), (long)v);
        say("CompareExchange(7, 0) -> %ld (v=%ld)", (long)InterlockedCompareExchange(&v, 7, 0), (long)v);
        v = 0x0F0;
        say("And 0x3C -> %lx (v=%lx)", (long)InterlockedAnd(&v, 0x3C), (long)v);
        say("Or 0x101 -> %lx (v=%lx)", (long)InterlockedOr(&v, 0x101), (long)v);
        say("Xor 0x111 -> %lx (v=%lx)", (long)InterlockedXor(&v, 0x111), (long)v);
        v = 0x7FFFFFFF;
        say("Increment at LONG_MAX -> %ld", (long)InterlockedIncrement(&v));
        LONG64 w = 0x100000000LL;
        say("Increment64 -> %lld", (long long)InterlockedIncrement64(&w));
        say("Decrement64 -> %lld", (long long)InterlockedDecrement64(&w));
        say("Exchange64 -> %lld (w=%lld)", (long long)InterlockedExchange64(&w, -1), (long long)w);
        say("ExchangeAdd64 -> %lld (w=%lld)", (long long)InterlockedExchangeAdd64(&w, 0x200000000LL), (long long)w);
        say("CompareExchange64 -> %lld (w=%lld)", (long long)InterlockedCompareExchange64(&w, 1, 0x1FFFFFFFFLL), (long long)w);
        w = 0xFF00;
        say("And64 -> %llx (w=%llx)", (long long)InterlockedAnd64(&w, 0x0FF0), (long long)w);
        say("Or64 -> %llx (w=%llx)", (long long)InterlockedOr64(&w, 0x10000000000LL), (long long)w);
        int x = 1, y = 2;
        PVOID p = &x;
        say("ExchangePointer returns the old: %d", InterlockedExchangePointer(&p, &y) == &x && p == &y);
        say("CompareExchangePointer, no match: %d", InterlockedCompareExchangePointer(&p, NULL, &x) == &y && p == &y);
        say("CompareExchangePointer, match: %d", InterlockedCompareExchangePointer(&p, NULL, &y) == &y && p == NULL);
        MemoryBarrier();
        return 0;
    }
    if (strcmp(role, "p") == 0) {
        HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, N("counters"));
        struct shared *s = (struct shared *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
        HANDLE ready = signal_event(N("ready"));
        add_many(s, 1);
        HANDLE done = signal_event(N("p-done"));
        await_event(N("bye"));
        UnmapViewOfFile(s);
        CloseHandle(m);
        CloseHandle(ready);
        CloseHandle(done);
        return 0;
    }
    await_event(N("ready"));
    HANDLE m = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, N("counters"));
    struct shared *s = (struct shared *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    add_many(s, 2);
    await_event(N("p-done"));
    say("two processes: count %ld (want %d), sum %lld (want %d), flags %lx", (long)s->count, 2 * N_ADDS,
        (long long)s->sum, 3 * N_ADDS, (long)s->flags);
    HANDLE bye = signal_event(N("bye"));
    Sleep(100);
    CloseHandle(bye);
    UnmapViewOfFile(s);
    CloseHandle(m);
    return 0;
}
