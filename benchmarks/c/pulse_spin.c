/*
 * The reader spin of an iRacing-style producer (issue: PulseEvent): one
 * producer updates a shared header at 60 Hz and signals a manual-reset
 * event; N readers wait on it and count their wake-ups, and the ones that
 * found no new data ("empty"). Producer modes:
 *   pulse      PulseEvent after each update (what the simulator does)
 *   setreset   SetEvent, ~1 ms of other work, ResetEvent (the emulation
 *              without PulseEvent)
 *
 *   pulse_spin producer <mode> <tag> <seconds>
 *   pulse_spin reader <tag> <seconds>      prints "wakeups N empty M updates U"
 *
 * benchmarks/c/pulse_spin.sh runs 1 producer and 4 readers natively
 * (scripts/wincc) and under Wine (mingw) and prints the totals.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    volatile LONG tick;
    volatile LONG done;
} Header;

static Header *open_header(const char *tag, BOOL create, HANDLE *ev)
{
    char name[128], evname[128];
    snprintf(name, sizeof name, "Local\\nshm-spin-%s", tag);
    snprintf(evname, sizeof evname, "Local\\nshm-spin-ev-%s", tag);
    HANDLE m = NULL;
    for (int i = 0; i < 500 && !m; i++) {
        m = create ? CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, name)
                   : OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, name);
        if (!m)
            Sleep(10);
    }
    if (!m) {
        fprintf(stderr, "no mapping %s (%u)\n", name, (unsigned)GetLastError());
        exit(1);
    }
    *ev = CreateEventA(NULL, TRUE, FALSE, evname);
    return (Header *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    HANDLE ev;
    if (strcmp(argv[1], "producer") == 0) {
        int pulse = strcmp(argv[2], "pulse") == 0;
        int secs = atoi(argv[4]);
        Header *h = open_header(argv[3], TRUE, &ev);
        Sleep(500); /* the readers open the header */
        DWORD start = GetTickCount();
        while (GetTickCount() - start < (DWORD)secs * 1000) {
            h->tick++;
            if (pulse) {
                PulseEvent(ev);
            } else {
                SetEvent(ev);
                Sleep(1);
                ResetEvent(ev);
            }
            Sleep(16);
        }
        h->done = 1;
        SetEvent(ev);
        Sleep(300);
        return 0;
    }
    int secs = atoi(argv[3]);
    Header *h = open_header(argv[2], FALSE, &ev);
    long wakeups = 0, empty = 0, updates = 0;
    LONG last = h->tick;
    DWORD start = GetTickCount();
    while (!h->done && GetTickCount() - start < (DWORD)(secs + 3) * 1000) {
        if (WaitForSingleObject(ev, 200) != WAIT_OBJECT_0)
            continue;
        wakeups++;
        LONG t = h->tick;
        if (t == last)
            empty++;
        else
            updates++;
        last = t;
    }
    printf("wakeups %ld empty %ld updates %ld\n", wakeups, empty, updates);
    return 0;
}
