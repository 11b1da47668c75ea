/* Stand-in for an Assetto Corsa Competizione shared-memory reader, a
 * UNICODE program whose pages hold fixed-size wchar_t strings: the
 * "simulator" fills acpmf_static/graphics/physics with wcscpy and swprintf;
 * the reader maps them (CreateFileMapping, as ACC's sample does), and uses
 * wcslen, wcscmp, _wcsicmp, wcsncpy, wcschr, wcstol, _wtoi, wcstombs,
 * swprintf and wprintf on them. */
/* probe-flags: -DUNICODE -D_UNICODE */
/* probe-mingw-flags: -D__USE_MINGW_ANSI_STDIO=0 */
#include <windows.h>
#include <tchar.h>
#include <stdio.h>
#include <wchar.h>
#include <stdlib.h>

#pragma pack(push, 4)
typedef struct {
    int packetId;
    float gas, brake, fuel;
    int gear, rpms;
    float steerAngle, speedKmh;
} SPageFilePhysics;
typedef struct {
    int packetId, status, session;
    wchar_t currentTime[15], lastTime[15], bestTime[15], split[15];
    int completedLaps, position, iCurrentTime, iLastTime, iBestTime;
    float sessionTimeLeft, distanceTraveled;
    int isInPit, currentSectorIndex, lastSectorTime, numberOfLaps;
    wchar_t tyreCompound[33];
} SPageFileGraphic;
typedef struct {
    wchar_t smVersion[15], acVersion[15];
    int numberOfSessions, numCars;
    wchar_t carModel[33], track[33], playerName[33], playerSurname[33], playerNick[33];
    int sectorCount;
} SPageFileStatic;
#pragma pack(pop)

typedef struct {
    HANDLE map;
    void *view;
} Page;

static TCHAR g_tag[64];

static void page(Page *p, const TCHAR *base, DWORD size)
{
    TCHAR name[128];
    _sntprintf(name, 128, TEXT("Local\\%s-%s"), base, g_tag);
    p->map = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, name);
    p->view = MapViewOfFile(p->map, FILE_MAP_ALL_ACCESS, 0, 0, size);
}

static HANDLE event(const TCHAR *base)
{
    TCHAR name[128];
    _sntprintf(name, 128, TEXT("Local\\%s-%s"), base, g_tag);
    return CreateEvent(NULL, TRUE, FALSE, name);
}

static void laptime(wchar_t *out, int ms)
{
    swprintf(out, 15, L"%d:%02d.%03d", ms / 60000, ms / 1000 % 60, ms % 1000);
}

static int sim(void)
{
    Page ps, pg, pp;
    page(&ps, TEXT("acpmf_static"), sizeof(SPageFileStatic));
    page(&pg, TEXT("acpmf_graphics"), sizeof(SPageFileGraphic));
    page(&pp, TEXT("acpmf_physics"), sizeof(SPageFilePhysics));
    SPageFileStatic *st = (SPageFileStatic *)ps.view;
    SPageFileGraphic *gr = (SPageFileGraphic *)pg.view;
    SPageFilePhysics *ph = (SPageFilePhysics *)pp.view;
    wcscpy(st->smVersion, L"1.9");
    wcscpy(st->acVersion, L"1.10.2");
    wcsncpy(st->carModel, L"porsche_992_gt3_r", 33);
    wcscpy(st->track, L"spa");
    wcscpy(st->playerName, L"Ren\x00e9");
    wcscpy(st->playerSurname, L"Arnoux");
    wcscpy(st->playerNick, L"RAR");
    st->numCars = 30;
    st->sectorCount = 3;
    gr->status = 2;
    gr->completedLaps = 7;
    gr->position = 4;
    gr->iBestTime = 137512;
    gr->iLastTime = 138004;
    laptime(gr->bestTime, gr->iBestTime);
    laptime(gr->lastTime, gr->iLastTime);
    wcscpy(gr->tyreCompound, L"dry_compound");
    ph->gear = 5;
    ph->rpms = 8125;
    ph->speedKmh = 241.5f;
    ph->packetId = 99;
    HANDLE ready = event(TEXT("acc-ready"));
    HANDLE done = event(TEXT("acc-done"));
    SetEvent(ready);
    DWORD w = WaitForSingleObject(done, 20000);
    printf("sim: reader finished: %d\n", w == WAIT_OBJECT_0);
    return 0;
}

static int reader(void)
{
    HANDLE ready = event(TEXT("acc-ready"));
    WaitForSingleObject(ready, 20000);
    Page ps, pg, pp;
    page(&ps, TEXT("acpmf_static"), sizeof(SPageFileStatic));
    page(&pg, TEXT("acpmf_graphics"), sizeof(SPageFileGraphic));
    page(&pp, TEXT("acpmf_physics"), sizeof(SPageFilePhysics));
    const SPageFileStatic *st = (const SPageFileStatic *)ps.view;
    const SPageFileGraphic *gr = (const SPageFileGraphic *)pg.view;
    const SPageFilePhysics *ph = (const SPageFilePhysics *)pp.view;
    printf("reader: pages opened: %d (last error %u)\n", st && gr && ph, (unsigned)GetLastError());
    wprintf(L"reader: sm %s ac %s, car %s (%d chars) at %s\n", st->smVersion, st->acVersion, st->carModel,
            (int)wcslen(st->carModel), st->track);
    printf("reader: track is spa: %d, SPA case-insensitive: %d, GT3: %d\n", wcscmp(st->track, L"spa") == 0,
           _wcsicmp(st->track, L"SPA") == 0, wcsstr(st->carModel, L"gt3") != NULL);
    char nick[16];
    size_t n = wcstombs(nick, st->playerNick, sizeof nick);
    printf("reader: nick %s (%d bytes), name has %d units\n", nick, (int)n, (int)wcslen(st->playerName));
    /* Parse "m:ss.mmm" back into milliseconds. */
    const wchar_t *colon = wcschr(gr->bestTime, L':');
    wchar_t *end;
    long minutes = wcstol(gr->bestTime, &end, 10);
    int secs = _wtoi(colon + 1);
    const wchar_t *dot = wcsrchr(gr->bestTime, L'.');
    int ms = (int)minutes * 60000 + secs * 1000 + _wtoi(dot + 1);
    printf("reader: best lap parsed %d, matches iBestTime: %d, end at colon: %d\n", ms, ms == gr->iBestTime,
           end == colon);
    wchar_t line[128];
    int len = swprintf(line, 128, L"P%d lap %d best %s last %s on %s", gr->position, gr->completedLaps, gr->bestTime,
                       gr->lastTime, gr->tyreCompound);
    wprintf(L"reader: %s (%d)\n", line, len);
    wchar_t small[8];
    printf("reader: swprintf into 8 units: %d\n", swprintf(small, 8, L"%s", gr->tyreCompound));
    printf("reader: gear %d rpm %d speed %.1f packet %d\n", ph->gear, ph->rpms, ph->speedKmh, ph->packetId);
    HANDLE done = event(TEXT("acc-done"));
    SetEvent(done);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && strcmp(argv[1], "roles") == 0) {
        printf("sim& reader\n");
        return 0;
    }
    if (argc < 3)
        return 2;
    mbstowcs(g_tag, argv[2], 63);
    return strcmp(argv[1], "sim") == 0 ? sim() : reader();
}
