/*
 * The producer of the async-waits example: publishes five readings, one at
 * a time, in the named mapping Local\NamedShmAsyncExample and signals each
 * with the auto-reset event Local\NamedShmAsyncExample.ready; waits for the
 * consumer's Local\NamedShmAsyncExample.ack before the next one, and ends
 * with the reading "quit". The consumer is a tokio service that waits for
 * the event without a thread of its own: crates/named-shm/examples/async_service.rs.
 * An argument replaces the names' base (Local\NamedShmAsyncExample).
 */
#include <windows.h>
#include <stdio.h>

#define BUF_SIZE 256
#define READINGS 5

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : "Local\\NamedShmAsyncExample";
    char ready[200], ack[200];
    snprintf(ready, sizeof ready, "%s.ready", base);
    snprintf(ack, sizeof ack, "%s.ack", base);
    /* Either side may start first: both open-or-create (CreateX). */
    HANDLE hMap = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, BUF_SIZE, base);
    HANDLE hReady = CreateEventA(NULL, FALSE, FALSE, ready);
    HANDLE hAck = CreateEventA(NULL, FALSE, FALSE, ack);
    if (!hMap || !hReady || !hAck) {
        printf("producer: could not create the objects (%lu)\n", (unsigned long)GetLastError());
        return 1;
    }
    char *buf = (char *)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    if (!buf) {
        printf("producer: could not map the view (%lu)\n", (unsigned long)GetLastError());
        return 1;
    }
    for (int i = 0; i <= READINGS; i++) {
        if (i < READINGS)
            snprintf(buf, BUF_SIZE, "reading %d: %d.%d C", i + 1, 20 + i, (i * 7) % 10);
        else
            snprintf(buf, BUF_SIZE, "quit");
        SetEvent(hReady); /* data ready */
        if (WaitForSingleObject(hAck, 30000) != WAIT_OBJECT_0) {
            printf("producer: no consumer acknowledged reading %d\n", i + 1);
            return 1;
        }
    }
    printf("producer: %d readings delivered\n", READINGS);
    UnmapViewOfFile(buf);
    CloseHandle(hAck);
    CloseHandle(hReady);
    CloseHandle(hMap);
    return 0;
}
