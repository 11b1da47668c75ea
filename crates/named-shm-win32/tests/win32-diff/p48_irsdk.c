/* Stand-in for an iRacing SDK producer and client: a header with variable
 * descriptions and session text, three rotating data buffers, each update
 * signalled with PulseEvent on the data-valid event; the client waits on
 * it, copies the newest buffer and checks that its tick did not move
 * during the copy (as irsdk_getNewData does), registers the broadcast
 * message and sends a remote command with SendNotifyMessage. */
#include <windows.h>
#include <stdio.h>
#include <tchar.h>
#include <time.h>
#include <mmsystem.h>
#include <stdbool.h> /* the SDK is C++; this stand-in is C */
#pragma comment(lib, "Winmm")
/* probe-mingw-libs: -lwinmm */

#define IRSDK_MAX_BUFS 4
#define IRSDK_MAX_STRING 32
#define IRSDK_MAX_DESC 64
#define IRSDK_VER 2
#define TICKS 60

enum irsdk_VarType { irsdk_char = 0, irsdk_bool, irsdk_int, irsdk_bitField, irsdk_float, irsdk_double };
enum irsdk_StatusField { irsdk_stConnected = 1 };

typedef struct irsdk_varHeader {
    int type, offset, count;
    bool countAsTime;
    char pad[3];
    char name[IRSDK_MAX_STRING];
    char desc[IRSDK_MAX_DESC];
    char unit[IRSDK_MAX_STRING];
} irsdk_varHeader;

typedef struct irsdk_varBuf {
    int tickCount, bufOffset, pad[2];
} irsdk_varBuf;

typedef struct irsdk_header {
    int ver, status, tickRate;
    int sessionInfoUpdate, sessionInfoLen, sessionInfoOffset;
    int numVars, varHeaderOffset;
    int numBuf, bufLen, pad1[2];
    irsdk_varBuf varBuf[IRSDK_MAX_BUFS];
} irsdk_header;

typedef struct {
    float Speed;
    int RPM;
    int SessionTick;
} Data;

static char g_map[128], g_event[128], g_ready[128];

static int sim(void)
{
    const int size = 64 * 1024;
    HANDLE map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, g_map);
    char *mem = (char *)MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, size);
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, g_event);
    HANDLE ready = CreateEventA(NULL, TRUE, FALSE, g_ready);
    irsdk_header *h = (irsdk_header *)mem;
    h->ver = IRSDK_VER;
    h->tickRate = 60;
    h->numVars = 3;
    h->varHeaderOffset = sizeof(irsdk_header);
    irsdk_varHeader *vh = (irsdk_varHeader *)(mem + h->varHeaderOffset);
    const char *names[3] = {"Speed", "RPM", "SessionTick"};
    const int types[3] = {irsdk_float, irsdk_int, irsdk_int};
    for (int i = 0; i < 3; i++) {
        vh[i].type = types[i];
        vh[i].offset = i * 4;
        vh[i].count = 1;
        _snprintf(vh[i].name, IRSDK_MAX_STRING, "%s", names[i]);
    }
    const char *yaml = "---\nWeekendInfo:\n TrackName: stand-in\n...\n";
    h->sessionInfoOffset = h->varHeaderOffset + 3 * (int)sizeof(irsdk_varHeader);
    h->sessionInfoLen = 1024;
    strcpy(mem + h->sessionInfoOffset, yaml);
    h->sessionInfoUpdate = 1;
    h->numBuf = 3;
    h->bufLen = sizeof(Data);
    for (int i = 0; i < 3; i++)
        h->varBuf[i].bufOffset = 8192 + i * 4096;
    h->status = irsdk_stConnected;
    timeBeginPeriod(1);
    /* The client says when it waits (only for a deterministic transcript). */
    WaitForSingleObject(ready, 20000);
    for (int tick = 1; tick <= TICKS; tick++) {
        int b = tick % 3;
        Data *d = (Data *)(mem + h->varBuf[b].bufOffset);
        d->Speed = tick * 1.5f;
        d->RPM = 1000 + tick;
        d->SessionTick = tick;
        h->varBuf[b].tickCount = tick;
        PulseEvent(ev);
        Sleep(16);
    }
    h->status = 0;
    PulseEvent(ev);
    timeEndPeriod(1);
    printf("sim: %d ticks published\n", TICKS);
    Sleep(200);
    return 0;
}

static int client(void)
{
    HANDLE map = NULL;
    for (int i = 0; i < 500 && !map; i++) {
        map = OpenFileMappingA(FILE_MAP_READ, FALSE, g_map);
        if (!map)
            Sleep(10);
    }
    const char *mem = (const char *)MapViewOfFile(map, FILE_MAP_READ, 0, 0, 0);
    HANDLE ev = OpenEventA(SYNCHRONIZE, FALSE, g_event);
    const irsdk_header *h = (const irsdk_header *)mem;
    UINT msg = RegisterWindowMessageA("IRSDK_BROADCASTMSG");
    printf("client: broadcast message registered: %d\n", msg >= 0xC000);
    printf("client: ver %d, %d vars:", h->ver, h->numVars);
    const irsdk_varHeader *vh = (const irsdk_varHeader *)(mem + h->varHeaderOffset);
    for (int i = 0; i < h->numVars; i++)
        printf(" %s@%d", vh[i].name, vh[i].offset);
    printf("\nclient: session info: %.25s\n", mem + h->sessionInfoOffset + 4);
    HANDLE ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, g_ready);
    SetEvent(ready);
    int got = 0, last = 0, consistent = 1, increasing = 1, timeouts = 0;
    char data[64];
    while (timeouts < 50) {
        if (WaitForSingleObject(ev, 100) != WAIT_OBJECT_0) {
            timeouts++;
            continue;
        }
        if (!(h->status & irsdk_stConnected))
            break;
        int latest = 0;
        for (int i = 1; i < h->numBuf; i++)
            if (h->varBuf[latest].tickCount < h->varBuf[i].tickCount)
                latest = i;
        int tick = h->varBuf[latest].tickCount;
        memcpy(data, mem + h->varBuf[latest].bufOffset, h->bufLen);
        if (tick != h->varBuf[latest].tickCount)
            continue; /* overwritten during the copy: the SDK retries */
        const Data *d = (const Data *)data;
        if (d->SessionTick != tick || d->Speed != tick * 1.5f || d->RPM != 1000 + tick)
            consistent = 0;
        if (tick <= last)
            increasing = 0;
        last = tick;
        got++;
    }
    printf("client: disconnected seen: %d\n", !(h->status & irsdk_stConnected));
    printf("client: updates seen >= %d: %d, consistent: %d, increasing: %d, last tick %d\n", TICKS / 2,
           got >= TICKS / 2, consistent, increasing, last == TICKS);
    printf("client: remote command broadcast: %d\n",
           SendNotifyMessageA(HWND_BROADCAST, msg, MAKEWPARAM(0, 0), MAKELPARAM(0, 0)));
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && strcmp(argv[1], "roles") == 0) {
        printf("sim& client\n");
        return 0;
    }
    if (argc < 3)
        return 2;
    snprintf(g_map, sizeof g_map, "Local\\IRSDKMemMapFileName-%s", argv[2]);
    snprintf(g_event, sizeof g_event, "Local\\IRSDKDataValidEvent-%s", argv[2]);
    snprintf(g_ready, sizeof g_ready, "Local\\nshm-irsdk-ready-%s", argv[2]);
    return strcmp(argv[1], "sim") == 0 ? sim() : client();
}
