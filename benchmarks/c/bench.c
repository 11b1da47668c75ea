/*
 * Win32 named shared memory benchmark: the same source runs under Wine
 * (built with mingw) and natively on named-shm (built with scripts/wincc).
 *
 *   bench cycles <tag> [iterations]   create/map/write/unmap/close and
 *                                     open/map/read/unmap/close cycles
 *   bench pong <tag> [round trips]    event ping-pong responder (start first)
 *   bench ping <tag> [round trips]    event ping-pong initiator, prints the RTT
 *
 * Each figure is the median over 5 batches of the mean time per operation,
 * in microseconds. scripts/bench.sh runs it as part of the project benchmark
 * (benchmarks/c-layer.sh); scripts/bench.sh --win32 prints the C layer
 * against Wine and the Rust API (benchmarks/src/bin/rust_cycles.rs).
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCHES 5
#define OBJ_SIZE 4096

static double now_us(void)
{
    static LARGE_INTEGER f;
    LARGE_INTEGER c;
    if (!f.QuadPart)
        QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * 1e6 / (double)f.QuadPart;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v)
{
    qsort(v, BATCHES, sizeof v[0], cmp);
    return v[BATCHES / 2];
}

static int cycles(const char *tag, int n)
{
    char name[128];
    double create[BATCHES], open[BATCHES];
    volatile unsigned sink = 0;
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_us();
        for (int i = 0; i < n; i++) {
            snprintf(name, sizeof name, "Local\\nshm-bench-%s-%d-%d", tag, b, i);
            HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, OBJ_SIZE, name);
            char *v = (char *)MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
            if (!h || !v) { fprintf(stderr, "create cycle failed: %u\n", (unsigned)GetLastError()); return 1; }
            memset(v, (int)i, OBJ_SIZE);
            UnmapViewOfFile(v);
            CloseHandle(h);
        }
        create[b] = (now_us() - t0) / n;
    }
    snprintf(name, sizeof name, "Local\\nshm-bench-%s-existing", tag);
    HANDLE keep = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, OBJ_SIZE, name);
    char *kv = (char *)MapViewOfFile(keep, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    memset(kv, 1, OBJ_SIZE);
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_us();
        for (int i = 0; i < n; i++) {
            HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
            const unsigned char *v = (const unsigned char *)MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
            if (!h || !v) { fprintf(stderr, "open cycle failed: %u\n", (unsigned)GetLastError()); return 1; }
            unsigned s = 0;
            for (int k = 0; k < OBJ_SIZE; k += 64)
                s += v[k];
            sink += s;
            UnmapViewOfFile(v);
            CloseHandle(h);
        }
        open[b] = (now_us() - t0) / n;
    }
    UnmapViewOfFile(kv);
    CloseHandle(keep);
    printf("create_map_write_unmap_close_us %.2f\n", median(create));
    printf("open_map_read_unmap_close_us %.2f\n", median(open));
    return 0;
}

/* The two kinds of ping-pong: auto-reset events (SetEvent) and semaphores
 * of maximum 1 (ReleaseSemaphore), both waited with WaitForSingleObject. */
enum kind { EVENT, SEMAPHORE };

static HANDLE make(enum kind k, const char *name)
{
    return k == EVENT ? CreateEventA(NULL, FALSE, FALSE, name) : CreateSemaphoreA(NULL, 0, 1, name);
}

static BOOL signal_it(enum kind k, HANDLE h)
{
    return k == EVENT ? SetEvent(h) : ReleaseSemaphore(h, 1, NULL);
}

static HANDLE open_retry(enum kind k, const char *name)
{
    for (int i = 0; i < 2000; i++) {
        HANDLE h = k == EVENT ? OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, name)
                              : OpenSemaphoreA(SYNCHRONIZE | SEMAPHORE_MODIFY_STATE, FALSE, name);
        if (h)
            return h;
        Sleep(5);
    }
    return NULL;
}

static int pingpong_kind(const char *tag, int n, int initiator, enum kind k)
{
    const char *what = k == EVENT ? "event" : "semaphore";
    char ping_name[128], pong_name[128], stop_name[128];
    snprintf(ping_name, sizeof ping_name, "Local\\nshm-bench-%s-%s-ping", tag, what);
    snprintf(pong_name, sizeof pong_name, "Local\\nshm-bench-%s-%s-pong", tag, what);
    snprintf(stop_name, sizeof stop_name, "Local\\nshm-bench-%s-%s-stop", tag, what);
    if (!initiator) {
        HANDLE ping = make(k, ping_name);
        HANDLE pong = make(k, pong_name);
        HANDLE stop = CreateEventA(NULL, TRUE, FALSE, stop_name);
        HANDLE both[2] = {ping, stop};
        while (WaitForMultipleObjects(2, both, FALSE, 60000) == WAIT_OBJECT_0)
            signal_it(k, pong);
        CloseHandle(ping);
        CloseHandle(pong);
        CloseHandle(stop);
        return 0;
    }
    HANDLE ping = open_retry(k, ping_name);
    HANDLE pong = open_retry(k, pong_name);
    if (!ping || !pong) { fprintf(stderr, "ping: no peer\n"); return 1; }
    double rtt[BATCHES];
    for (int i = 0; i < n / 10; i++) { /* warm-up */
        signal_it(k, ping);
        WaitForSingleObject(pong, INFINITE);
    }
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_us();
        for (int i = 0; i < n; i++) {
            signal_it(k, ping);
            if (WaitForSingleObject(pong, 10000) != WAIT_OBJECT_0) { fprintf(stderr, "ping: lost\n"); return 1; }
        }
        rtt[b] = (now_us() - t0) / n;
    }
    printf("%s_pingpong_rtt_us %.2f\n", what, median(rtt));
    HANDLE stop = NULL;
    for (int i = 0; i < 2000 && !stop; i++) {
        stop = OpenEventA(EVENT_MODIFY_STATE, FALSE, stop_name);
        if (!stop)
            Sleep(5);
    }
    if (stop)
        SetEvent(stop);
    CloseHandle(stop);
    CloseHandle(ping);
    CloseHandle(pong);
    return 0;
}

/* Events first, then semaphores, each side in the same order. */
static int pingpong(const char *tag, int n, int initiator)
{
    int rc = pingpong_kind(tag, n, initiator, EVENT);
    return rc ? rc : pingpong_kind(tag, n, initiator, SEMAPHORE);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s cycles|ping|pong <tag> [n]\n", argv[0]);
        return 2;
    }
    int n = argc > 3 ? atoi(argv[3]) : 1000;
    if (strcmp(argv[1], "cycles") == 0)
        return cycles(argv[2], n);
    return pingpong(argv[2], n, strcmp(argv[1], "ping") == 0);
}
