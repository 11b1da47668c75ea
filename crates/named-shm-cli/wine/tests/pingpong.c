/*
 * A spin ping-pong on one cache line of a named mapping, to measure what
 * sharing costs: `pong` answers each `ping` by writing the next number.
 * Built with mingw it runs under Wine; built with scripts/wincc it runs
 * natively on named-shm, so the same program measures Windows <-> Windows
 * under Wine and native <-> Windows through `nshm wine`.
 *
 *   pingpong NAME ping|pong ROUNDS
 *
 * `ping` waits for `pong`, times ROUNDS round trips and prints
 * `round trip: X ns (mean of ROUNDS)`; both exit 0, or 1 on an error.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[2], "ping") && strcmp(argv[2], "pong"))) {
        fprintf(stderr, "usage: pingpong NAME ping|pong ROUNDS\n");
        return 1;
    }
    long long rounds = strtoll(argv[3], NULL, 0);
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, argv[1]);
    if (!h) {
        printf("CreateFileMapping failed (%lu)\n", GetLastError());
        return 1;
    }
    volatile LONG64 *line = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 4096);
    if (!line) {
        printf("MapViewOfFile failed (%lu)\n", GetLastError());
        return 1;
    }
    /* line[0]: the ball; line[1]: pong is ready; line[2]: ping is done. */
    if (!strcmp(argv[2], "pong")) {
        line[1] = 1;
        for (long long i = 1; i <= rounds; i++) {
            while (line[0] != 2 * i - 1)
                YieldProcessor();
            line[0] = 2 * i;
        }
        while (!line[2])
            Sleep(1);
        return 0;
    }
    while (!line[1])
        Sleep(1);
    LARGE_INTEGER f, t0, t1;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t0);
    for (long long i = 1; i <= rounds; i++) {
        line[0] = 2 * i - 1;
        while (line[0] != 2 * i)
            YieldProcessor();
    }
    QueryPerformanceCounter(&t1);
    line[2] = 1;
    double ns = (double)(t1.QuadPart - t0.QuadPart) * 1e9 / (double)f.QuadPart / (double)rounds;
    printf("round trip: %.0f ns (mean of %lld)\n", ns, rounds);
    return 0;
}
