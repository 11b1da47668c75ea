/*
 * ring.c: a two-process producer/consumer, written for Windows.
 *
 *   ring producer [threads] [messages-per-thread] [tag]
 *   ring consumer [threads] [messages-per-thread] [tag]
 *
 * The processes share a ring of 16 slots in a named file mapping. Two named
 * semaphores count the free and the filled slots; slot indices come from
 * InterlockedIncrement on counters inside the mapping, and each slot's
 * sequence word (InterlockedExchange / InterlockedCompareExchange) says
 * whether it holds a message. The producer runs several threads
 * (CreateThread) serialised by a CRITICAL_SECTION; the consumer runs
 * several (_beginthreadex). Messages are formatted with sprintf_s and
 * checked on arrival: every message of every producer thread arrives
 * exactly once, and the sums agree. Either process may start first.
 * Errors are reported with FormatMessage.
 */
#include <windows.h>
#include <process.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tchar.h>

#define SLOTS 16
#define MAX_THREADS 16
#define MAX_PER_THREAD 100000

typedef struct {
    volatile LONG seq; /* 0: empty; n + 1: holds message n */
    LONG len;
    char text[120];
} SLOT;

typedef struct {
    volatile LONG head;     /* next message index to write */
    volatile LONG tail;     /* next message index to read */
    volatile LONG64 sum;    /* sum of the values produced */
    volatile LONG producers_done;
    SLOT slot[SLOTS];
} RING;

static RING *g_ring;
static HANDLE g_free, g_used;
static CRITICAL_SECTION g_produce;
static int g_threads = 3, g_per_thread = 2000;
static volatile LONG64 g_consumed_sum;
static volatile LONG g_seen[MAX_THREADS];
static volatile LONG g_bad;

static void fail(const char *what)
{
    DWORD e = GetLastError();
    char *msg = NULL;
    FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e,
                   MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), (LPSTR)&msg, 0, NULL);
    fprintf(stderr, "ring: %s failed (%lu): %s", what, (unsigned long)e, msg ? msg : "?\n");
    LocalFree(msg);
    exit(1);
}

static DWORD WINAPI producer(LPVOID param)
{
    int id = (int)(INT_PTR)param;
    for (int i = 0; i < g_per_thread; i++) {
        if (WaitForSingleObject(g_free, 30000) != WAIT_OBJECT_0)
            fail("waiting for a free slot");
        EnterCriticalSection(&g_produce);
        LONG n = InterlockedIncrement(&g_ring->head) - 1;
        SLOT *s = &g_ring->slot[n % SLOTS];
        /* A consumer may still be reading this slot's previous message. */
        while (InterlockedCompareExchange(&s->seq, 0, 0) != 0)
            SwitchToThread();
        int value = id * MAX_PER_THREAD + i;
        s->len = sprintf_s(s->text, _countof(s->text), "thread %d message %d value %d", id, i, value);
        InterlockedExchangeAdd64(&g_ring->sum, value);
        InterlockedExchange(&s->seq, n + 1);
        LeaveCriticalSection(&g_produce);
        if (!ReleaseSemaphore(g_used, 1, NULL))
            fail("ReleaseSemaphore(used)");
    }
    return 0;
}

static unsigned __stdcall consumer(void *param)
{
    int count = (int)(INT_PTR)param;
    char text[sizeof g_ring->slot[0].text];
    for (int k = 0; k < count; k++) {
        if (WaitForSingleObject(g_used, 30000) != WAIT_OBJECT_0)
            fail("waiting for a message");
        LONG n = InterlockedIncrement(&g_ring->tail) - 1;
        SLOT *s = &g_ring->slot[n % SLOTS];
        while (InterlockedCompareExchange(&s->seq, 0, 0) != n + 1)
            SwitchToThread();
        if (s->len < 0 || s->len >= (LONG)sizeof text) {
            InterlockedIncrement(&g_bad);
            s->len = 0;
        }
        memcpy(text, s->text, (size_t)s->len);
        text[s->len] = 0;
        InterlockedExchange(&s->seq, 0);
        if (!ReleaseSemaphore(g_free, 1, NULL))
            fail("ReleaseSemaphore(free)");
        int id, i, value;
        char check[sizeof text];
        if (sscanf(text, "thread %d message %d value %d", &id, &i, &value) != 3 || id < 0 || id >= g_threads ||
            value != id * MAX_PER_THREAD + i ||
            sprintf_s(check, _countof(check), "thread %d message %d value %d", id, i, value) < 0 || strcmp(check, text)) {
            InterlockedIncrement(&g_bad);
            continue;
        }
        InterlockedIncrement(&g_seen[id]);
        InterlockedExchangeAdd64(&g_consumed_sum, value);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "producer") && strcmp(argv[1], "consumer"))) {
        fprintf(stderr, "usage: ring producer|consumer [threads] [messages-per-thread] [tag]\n");
        return 2;
    }
    if (argc > 2)
        g_threads = atoi(argv[2]);
    if (argc > 3)
        g_per_thread = atoi(argv[3]);
    if (g_threads < 1 || g_threads > MAX_THREADS || g_per_thread < 1 || g_per_thread > MAX_PER_THREAD) {
        fprintf(stderr, "ring: 1..%d threads of 1..%d messages\n", MAX_THREADS, MAX_PER_THREAD);
        return 2;
    }
    const char *tag = argc > 4 ? argv[4] : "demo";
    char name[128];
    sprintf_s(name, _countof(name), "Local\\NamedShmRing-%s", tag);
    HANDLE map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof(RING), name);
    if (!map)
        fail("CreateFileMapping");
    g_ring = (RING *)MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(RING));
    if (!g_ring)
        fail("MapViewOfFile");
    strcat_s(name, _countof(name), "-free");
    g_free = CreateSemaphoreA(NULL, SLOTS, SLOTS, name);
    if (!g_free)
        fail("CreateSemaphore(free)");
    name[strlen(name) - 5] = 0;
    strcat_s(name, _countof(name), "-used");
    g_used = CreateSemaphoreA(NULL, 0, SLOTS, name);
    if (!g_used)
        fail("CreateSemaphore(used)");

    ULONGLONG start = GetTickCount64();
    HANDLE threads[MAX_THREADS];
    LONG total = g_threads * g_per_thread;
    if (argv[1][0] == 'p') {
        InitializeCriticalSection(&g_produce);
        for (int t = 0; t < g_threads; t++) {
            threads[t] = CreateThread(NULL, 0, producer, (LPVOID)(INT_PTR)t, 0, NULL);
            if (!threads[t])
                fail("CreateThread");
        }
        if (WaitForMultipleObjects((DWORD)g_threads, threads, TRUE, INFINITE) != WAIT_OBJECT_0)
            fail("WaitForMultipleObjects");
        for (int t = 0; t < g_threads; t++)
            CloseHandle(threads[t]);
        DeleteCriticalSection(&g_produce);
        InterlockedIncrement(&g_ring->producers_done);
        printf("producer: %ld messages from %d threads\n", (long)total, g_threads);
    } else {
        int consumers = 2;
        for (int t = 0; t < consumers; t++) {
            int share = total / consumers + (t < total % consumers);
            threads[t] = (HANDLE)_beginthreadex(NULL, 0, consumer, (void *)(INT_PTR)share, 0, NULL);
            if (!threads[t])
                fail("_beginthreadex");
        }
        if (WaitForMultipleObjects((DWORD)consumers, threads, TRUE, INFINITE) != WAIT_OBJECT_0)
            fail("WaitForMultipleObjects");
        for (int t = 0; t < consumers; t++)
            CloseHandle(threads[t]);
        LONG64 want = 0;
        int ok = g_bad == 0;
        for (int t = 0; t < g_threads; t++) {
            ok &= g_seen[t] == g_per_thread;
            for (int i = 0; i < g_per_thread; i++)
                want += (LONG64)t * MAX_PER_THREAD + i;
        }
        ok &= g_consumed_sum == want && InterlockedCompareExchange64(&g_ring->sum, 0, 0) == want;
        printf("consumer: %ld messages, sum %lld, %s\n", (long)total, (long long)g_consumed_sum,
               ok ? "every message exactly once: OK" : "MISMATCH");
        if (!ok)
            return 1;
    }
    fprintf(stderr, "ring: %s took %llu ms\n", argv[1], (unsigned long long)(GetTickCount64() - start));
    UnmapViewOfFile(g_ring);
    CloseHandle(g_free);
    CloseHandle(g_used);
    CloseHandle(map);
    return 0;
}
