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

static HANDLE open_retry(const char *name)
{
    for (int i = 0; i < 2000; i++) {
        HANDLE h = OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, name);
        if (h)
            return h;
        Sleep(5);
    }
    return NULL;
}

static int pingpong(const char *tag, int n, int initiator)
{
    char ping_name[128], pong_name[128], stop_name[128];
    snprintf(ping_name, sizeof ping_name, "Local\\nshm-bench-%s-ping", tag);
    snprintf(pong_name, sizeof pong_name, "Local\\nshm-bench-%s-pong", tag);
    snprintf(stop_name, sizeof stop_name, "Local\\nshm-bench-%s-stop", tag);
    if (!initiator) {
        HANDLE ping = CreateEventA(NULL, FALSE, FALSE, ping_name);
        HANDLE pong = CreateEventA(NULL, FALSE, FALSE, pong_name);
        HANDLE stop = CreateEventA(NULL, TRUE, FALSE, stop_name);
        HANDLE both[2] = {ping, stop};
        while (WaitForMultipleObjects(2, both, FALSE, 60000) == WAIT_OBJECT_0)
            SetEvent(pong);
        CloseHandle(ping);
        CloseHandle(pong);
        CloseHandle(stop);
        return 0;
    }
    HANDLE ping = open_retry(ping_name);
    HANDLE pong = open_retry(pong_name);
    if (!ping || !pong) { fprintf(stderr, "ping: no peer\n"); return 1; }
    double rtt[BATCHES];
    for (int i = 0; i < n / 10; i++) { /* warm-up */
        SetEvent(ping);
        WaitForSingleObject(pong, INFINITE);
    }
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_us();
        for (int i = 0; i < n; i++) {
            SetEvent(ping);
            if (WaitForSingleObject(pong, 10000) != WAIT_OBJECT_0) { fprintf(stderr, "ping: lost\n"); return 1; }
        }
        rtt[b] = (now_us() - t0) / n;
    }
    printf("event_pingpong_rtt_us %.2f\n", median(rtt));
    HANDLE stop = open_retry(stop_name);
    if (stop)
        SetEvent(stop);
    CloseHandle(stop);
    CloseHandle(ping);
    CloseHandle(pong);
    return 0;
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
