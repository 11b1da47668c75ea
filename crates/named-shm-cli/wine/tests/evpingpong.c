/*
 * An event ping-pong, to measure what the event relay of `nshm wine` adds:
 * `ping` sets PING and waits for PONG; `pong` waits for PING and sets PONG.
 * Both are auto-reset events (CreateEvent: created by the first). Built with
 * mingw it runs under Wine; built with scripts/wincc it runs natively.
 *
 *   evpingpong PING PONG ping|pong ROUNDS
 *
 * `ping` prints `event round trip: X us (mean of ROUNDS)`; a wait longer
 * than 10 s fails (exit 1).
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[3], "ping") && strcmp(argv[3], "pong"))) {
        fprintf(stderr, "usage: evpingpong PING PONG ping|pong ROUNDS\n");
        return 1;
    }
    long rounds = strtol(argv[4], NULL, 0);
    HANDLE ping = CreateEventA(NULL, FALSE, FALSE, argv[1]);
    HANDLE pong = CreateEventA(NULL, FALSE, FALSE, argv[2]);
    if (!ping || !pong) {
        printf("CreateEvent failed (%lu)\n", GetLastError());
        return 1;
    }
    int pinger = !strcmp(argv[3], "ping");
    LARGE_INTEGER f, t0, t1;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t0);
    for (long i = 0; i < rounds; i++) {
        if (pinger)
            SetEvent(ping);
        if (WaitForSingleObject(pinger ? pong : ping, 10000) != WAIT_OBJECT_0) {
            printf("round %ld: no answer within 10 s\n", i);
            return 1;
        }
        if (!pinger)
            SetEvent(pong);
    }
    QueryPerformanceCounter(&t1);
    if (pinger)
        printf("event round trip: %.1f us (mean of %ld)\n",
               (double)(t1.QuadPart - t0.QuadPart) * 1e6 / (double)f.QuadPart / (double)rounds, rounds);
    return 0;
}
