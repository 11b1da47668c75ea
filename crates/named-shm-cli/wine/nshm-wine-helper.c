/*
 * nshm-wine-helper: the part of `nshm wine` that runs inside the Wine prefix.
 *
 * For each `--map NAME SIZE PATH` it opens the named-shm object's file
 * (PATH, the Linux file seen through Wine's drive Z:), takes a shared lock
 * on its byte 0 (Wine turns it into a POSIX read lock held by the
 * wineserver, which the library's handle count sees as one more handle:
 * the whole prefix counts as one holder), and gives the file a section
 * name: CreateFileMappingW(file, NAME) (a name another bridge of the prefix
 * gave the same file already is fine). Every program of the prefix that
 * later calls CreateFileMapping(INVALID_HANDLE_VALUE, ..., NAME) or
 * OpenFileMapping(NAME) gets that section (ERROR_ALREADY_EXISTS), whose
 * pages are the object's pages: Wine maps file sections MAP_SHARED, so
 * native programs and Windows programs share memory without a copy.
 *
 * Then it runs the program given after `--` (std handles inherited) in a
 * job, waits for it, keeps the sections named while a process of the job
 * (one the program started) runs, then keeps its locks while any other
 * process of the prefix still holds one of the names (it closes its own
 * section handles and probes with OpenFileMappingW every 200 ms). It exits
 * with the program's exit code.
 *
 * With `--event NAME auto|manual` and `--bridge PORT` it also relays named events over
 * a loopback TCP connection to the launcher (see relay_* below); the
 * launcher's token comes in the environment (NSHM_BRIDGE_TOKEN), never on
 * the command line, which other users can read.
 *
 * `--attach`: a name that a program of the prefix created before the bridge
 * (an anonymous section, so not the object's memory) is mirrored instead of
 * refused: a thread copies the program's section into the object every
 * millisecond, one way (the program's writes reach native readers; native
 * writes never reach the program). Not zero-copy: the fallback for a
 * program started by hand. With `--attach` the program is optional: without
 * one, the helper runs while a mirrored name exists in the prefix.
 *
 * `--status PATH`: a file the helper writes one line to: `ok` once the
 * program started, `error exists <message>` when a program of the prefix
 * created a name before the bridge, or `error <message>` when the bridge
 * could not be set up otherwise (the program is then not started). The launcher reads it to tell the
 * helper's failures from the program's exit codes.
 *
 * Exit codes: the program's; 2 for a malformed command line; 125 when the
 * bridge could not be set up (also written to the status file).
 *
 * Build (reproducible, see scripts/build-wine-helper.sh):
 *   x86_64-w64-mingw32-gcc -O2 -s -Wl,--no-insert-timestamp -municode
 *     -o nshm-wine-helper.exe nshm-wine-helper.c -lws2_32 -lpsapi
 */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <psapi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAX_OBJECTS 64
#define EXIT_USAGE 2
#define EXIT_BRIDGE 125

struct map {
    const wchar_t *name;
    unsigned long long size;
    const wchar_t *path;
    HANDLE file;
    HANDLE section;
    /* --attach, program first: the program's section (read) and the
     * object's own pages (written), copied every millisecond. */
    const unsigned char *mirror_src;
    unsigned char *mirror_dst;
    SIZE_T mirror_len;
};

struct event {
    const wchar_t *name;
    int manual;
    HANDLE handle;
    /* Set by the receiving thread when the launcher reports a change on the
     * native side; the event's relay thread applies it (see relay_event). */
    HANDLE remote;
    /* Auto-reset: 1 when a native set is to be applied. Manual-reset: the
     * native side's latest state (1 set, 0 reset), -1 when applied. */
    volatile LONG pending;
};

static struct map maps[MAX_OBJECTS];
static int n_maps;
static struct event events[MAX_OBJECTS];
static int n_events;
static const wchar_t *status_path;
static int attach;
static int n_mirrors;
static volatile LONG mirror_rounds;
/* Set before fail() when a program of the prefix had the name first. */
static int failure_is_exists;

static void status_line(const char *line)
{
    HANDLE h;
    DWORD done;
    if (!status_path)
        return;
    h = CreateFileW(status_path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return;
    WriteFile(h, line, (DWORD)strlen(line), &done, NULL);
    WriteFile(h, "\n", 1, &done, NULL);
    CloseHandle(h);
}

/* A bridge failure: one line in the status file (else on stderr), exit 125. */
static void fail(const char *fmt, ...)
{
    char msg[1024];
    char line[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* With a status file the launcher reports it; without, stderr does. */
    if (!status_path) {
        fprintf(stderr, "nshm-wine-helper: error: %s\n", msg);
        fflush(stderr);
    }
    snprintf(line, sizeof line, "error %s%s", failure_is_exists ? "exists " : "", msg);
    status_line(line);
    ExitProcess(EXIT_BRIDGE);
}

static void usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nshm-wine-helper: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nusage: nshm-wine-helper [--status PATH] [--attach] [--map NAME SIZE PATH]... "
          "[--event NAME auto|manual]... [--bridge PORT] -- PROGRAM [ARGS...]\n"
          "  (run by `nshm wine`; see `nshm wine --help`)\n",
          stderr);
    fflush(stderr);
    ExitProcess(EXIT_USAGE);
}

/* A name as UTF-8 for messages (lossy where it cannot convert). */
static const char *utf8(const wchar_t *w, char *buf, int len)
{
    if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, len, NULL, NULL))
        snprintf(buf, len, "(unprintable name)");
    return buf;
}

/* Appends `arg` to `cmd` quoted as CommandLineToArgvW and the C runtime
 * parse it back: backslashes are literal unless they precede a quote. */
static void append_quoted(wchar_t *cmd, size_t cap, size_t *len, const wchar_t *arg)
{
#define PUT(c)                          \
    do {                                \
        if (*len + 1 >= cap)            \
            fail("the program's command line is too long"); \
        cmd[(*len)++] = (c);            \
    } while (0)
    int plain = arg[0] != 0 && wcspbrk(arg, L" \t\n\v\"") == NULL;
    if (*len)
        PUT(L' ');
    if (plain) {
        for (; *arg; arg++)
            PUT(*arg);
    } else {
        PUT(L'"');
        for (;;) {
            size_t backslashes = 0;
            while (*arg == L'\\') {
                arg++;
                backslashes++;
            }
            if (!*arg) {
                /* Double them: the closing quote must stay a quote. */
                for (size_t i = 0; i < backslashes * 2; i++)
                    PUT(L'\\');
                break;
            }
            if (*arg == L'"') {
                for (size_t i = 0; i < backslashes * 2 + 1; i++)
                    PUT(L'\\');
                PUT(L'"');
            } else {
                for (size_t i = 0; i < backslashes; i++)
                    PUT(L'\\');
                PUT(*arg);
            }
            arg++;
        }
        PUT(L'"');
    }
    cmd[*len] = 0;
#undef PUT
}

/* SIZE: a decimal number of bytes, at least 1. */
static int parse_size(const wchar_t *s, unsigned long long *out)
{
    unsigned long long v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < L'0' || *s > L'9')
            return 0;
        if (v > (~0ULL - 9) / 10)
            return 0;
        v = v * 10 + (unsigned)(*s - L'0');
    }
    if (v == 0)
        return 0;
    *out = v;
    return 1;
}

/* Whether `section` is a view of the file `path` (another bridge of this
 * prefix named it): an anonymous section has no file name. */
static int backed_by(HANDLE section, const wchar_t *path)
{
    wchar_t file[MAX_PATH * 2];
    const wchar_t *f = file;
    DWORD n;
    void *view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    if (!view)
        return 0;
    n = GetMappedFileNameW(GetCurrentProcess(), view, file, sizeof file / sizeof file[0]);
    UnmapViewOfFile(view);
    if (!n || n >= sizeof file / sizeof file[0])
        return 0;
    if (!wcsncmp(f, L"\\??\\", 4))
        f += 4;
    return !_wcsicmp(f, path);
}

/* --attach: the program created `m`'s name first. Map its section to read
 * and the object's file to write; the mirror thread copies one to the other.
 * Our handle of the program's section is closed (the view keeps its pages),
 * so the name lives exactly while the program's handles do. */
static void mirror_map(struct map *m, const char *name)
{
    MEMORY_BASIC_INFORMATION mbi;
    HANDLE own;
    m->mirror_src = MapViewOfFile(m->section, FILE_MAP_READ, 0, 0, 0);
    if (!m->mirror_src)
        fail("`%s`: cannot map the section the program created (error %lu)", name, GetLastError());
    if (!VirtualQuery(m->mirror_src, &mbi, sizeof mbi))
        fail("`%s`: cannot query the program's section (error %lu)", name, GetLastError());
    m->mirror_len = mbi.RegionSize < m->size ? mbi.RegionSize : (SIZE_T)m->size;
    own = CreateFileMappingW(m->file, NULL, PAGE_READWRITE, (DWORD)(m->size >> 32), (DWORD)m->size, NULL);
    if (!own)
        fail("`%s`: cannot map the object's file (error %lu)", name, GetLastError());
    m->mirror_dst = MapViewOfFile(own, FILE_MAP_WRITE, 0, 0, (SIZE_T)m->size);
    CloseHandle(own);
    if (!m->mirror_dst)
        fail("`%s`: cannot map the object's file (error %lu)", name, GetLastError());
    CloseHandle(m->section);
    m->section = NULL;
    n_mirrors++;
    fprintf(stderr,
            "nshm-wine-helper: `%s` existed before the bridge (a program of the prefix created "
            "it): mirroring %lu bytes into the named-shm object every millisecond, one way "
            "(not zero-copy; native writes do not reach the program)\n",
            name, (unsigned long)m->mirror_len);
    fflush(stderr);
}

static DWORD WINAPI mirror_thread(void *arg)
{
    (void)arg;
    for (;;) {
        for (int i = 0; i < n_maps; i++)
            if (maps[i].mirror_src)
                memcpy(maps[i].mirror_dst, maps[i].mirror_src, maps[i].mirror_len);
        InterlockedIncrement(&mirror_rounds);
        Sleep(1);
    }
    return 0;
}

/* Whether a process of the prefix still holds a mirrored name. */
static int mirrored_names_held(void)
{
    for (int i = 0; i < n_maps; i++) {
        if (!maps[i].mirror_src)
            continue;
        HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, maps[i].name);
        if (h) {
            CloseHandle(h);
            return 1;
        }
    }
    return 0;
}

static void open_map(struct map *m)
{
    char name[512];
    char path[1024];
    OVERLAPPED at0;
    DWORD err;
    utf8(m->name, name, sizeof name);
    utf8(m->path, path, sizeof path);
    m->file = CreateFileW(m->path, GENERIC_READ | GENERIC_WRITE,
                          FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                          OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (m->file == INVALID_HANDLE_VALUE)
        fail("`%s`: cannot open its file %s in the Wine prefix (error %lu): "
             "is drive Z: mapped to / in this prefix?",
             name, path, GetLastError());
    /* The handle count: a shared lock on byte 0, as every handle holds. */
    memset(&at0, 0, sizeof at0);
    if (!LockFileEx(m->file, LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at0))
        fail("`%s`: cannot take its handle lock (error %lu): the object is being closed",
             name, GetLastError());
    m->section = CreateFileMappingW(m->file, NULL, PAGE_READWRITE, (DWORD)(m->size >> 32),
                                    (DWORD)m->size, m->name);
    err = GetLastError();
    if (!m->section)
        fail("`%s`: cannot name its section in the Wine prefix (error %lu)", name, err);
    if (err == ERROR_ALREADY_EXISTS && !backed_by(m->section, m->path)) {
        if (attach) {
            mirror_map(m, name);
            return;
        }
        failure_is_exists = 1;
        fail("`%s` already exists in this Wine prefix: a program of the prefix created it "
             "before the bridge, so its memory is not the named-shm object; start the "
             "program through `nshm wine` (end the program that holds the name first), "
             "or mirror it by copying with `nshm wine --attach`",
             name);
    }
    /* Otherwise another bridge of this prefix named the same file first:
     * this is the same memory, and our lock counts with its. */
}

static void open_event(struct event *e)
{
    char name[512];
    /* Created before the program with the native event's type: a program
     * that creates it later gets this one (ERROR_ALREADY_EXISTS), as on
     * Windows when another process created it first. */
    e->handle = CreateEventW(NULL, e->manual, FALSE, e->name);
    if (!e->handle)
        fail("`%s`: cannot create the event in the Wine prefix (error %lu)",
             utf8(e->name, name, sizeof name), GetLastError());
    e->remote = CreateEventW(NULL, FALSE, FALSE, NULL);
    e->pending = e->manual ? -1 : 0;
    if (!e->remote)
        fail("cannot create an event (error %lu)", GetLastError());
}

/* ---- the event relay ------------------------------------------------------
 *
 * One TCP connection to the launcher on 127.0.0.1:PORT. The helper first
 * sends the token from NSHM_BRIDGE_TOKEN and a newline. Then both sides
 * send two-byte messages: 'S' or 'R' and the event's index: "the event was
 * set (reset) on my side". The launcher runs the same algorithm on the
 * native side (crates/named-shm-cli/src/cmd/wine/relay.rs).
 *
 * Each event has one relay thread, which both forwards and applies, so it
 * never waits on the event while it applies a set from the other side: its
 * own sets never come back (no echo) and are never taken by itself.
 *  - Auto-reset: it waits on the event (one more waiter: a set goes to it or
 *    to a program's waiter) and forwards what it takes. A set from the other
 *    side is applied, then left for the programs: the thread does not wait
 *    on the event again until a program's wait has taken it.
 *  - Manual-reset: it waits for the event to be set, forwards that, then
 *    polls every 2 ms for a reset, which it forwards.
 */

static SOCKET bridge = INVALID_SOCKET;
static CRITICAL_SECTION send_lock;
static LONG (NTAPI *nt_query_event)(HANDLE, int, void *, ULONG, ULONG *);

static void send_op(char op, int index)
{
    unsigned char msg[2] = {(unsigned char)op, (unsigned char)index};
    EnterCriticalSection(&send_lock);
    send(bridge, (const char *)msg, 2, 0);
    LeaveCriticalSection(&send_lock);
}

/* Whether the event is signalled, without taking it (NtQueryEvent). */
static int is_signalled(HANDLE h)
{
    struct {
        int type;
        LONG state;
    } info;
    if (!nt_query_event || nt_query_event(h, 0 /* EventBasicInformation */, &info, sizeof info, NULL))
        return 0;
    return info.state != 0;
}

/* Applies what the other side reported; returns the manual-reset mirror. */
static int apply_remote(struct event *e, int mirrored)
{
    if (e->manual) {
        LONG st = InterlockedExchange(&e->pending, -1);
        if (st == 1) {
            SetEvent(e->handle);
            return 1;
        }
        if (st == 0) {
            ResetEvent(e->handle);
            return 0;
        }
        return mirrored;
    }
    if (!InterlockedExchange(&e->pending, 0))
        return 0;
    /* Left for the programs' waiters: not waiting on the event until one
     * took it. A set from the other side while it is still signalled
     * coalesces, as a set of a signalled event does; one after it was
     * taken sets it again. */
    do {
        SetEvent(e->handle);
        while (is_signalled(e->handle)) {
            WaitForSingleObject(e->remote, 2);
            if (is_signalled(e->handle))
                InterlockedExchange(&e->pending, 0);
        }
    } while (InterlockedExchange(&e->pending, 0));
    return 0;
}

static DWORD WINAPI relay_event(void *arg)
{
    struct event *e = arg;
    int index = (int)(e - events);
    int mirrored = 0; /* manual-reset: both sides are set */
    for (;;) {
        if (e->manual && mirrored) {
            DWORD r = WaitForSingleObject(e->remote, 2);
            if (r == WAIT_OBJECT_0) {
                mirrored = apply_remote(e, mirrored);
            } else if (WaitForSingleObject(e->handle, 0) == WAIT_TIMEOUT) {
                mirrored = 0;
                send_op('R', index);
            }
            continue;
        }
        HANDLE hs[2] = {e->handle, e->remote};
        DWORD r = WaitForMultipleObjects(2, hs, FALSE, INFINITE);
        if (r == WAIT_OBJECT_0) {
            mirrored = e->manual;
            send_op('S', index);
        } else if (r == WAIT_OBJECT_0 + 1) {
            mirrored = apply_remote(e, mirrored);
        } else {
            return 1;
        }
    }
}

static DWORD WINAPI relay_receive(void *arg)
{
    (void)arg;
    for (;;) {
        unsigned char msg[2];
        int got = 0;
        while (got < 2) {
            int n = recv(bridge, (char *)msg + got, 2 - got, 0);
            if (n <= 0)
                return 0; /* the launcher is gone */
            got += n;
        }
        if ((msg[0] != 'S' && msg[0] != 'R') || msg[1] >= n_events)
            return 1; /* not the launcher's protocol: stop listening */
        struct event *e = &events[msg[1]];
        if (e->manual)
            InterlockedExchange(&e->pending, msg[0] == 'S');
        else if (msg[0] == 'S')
            InterlockedExchange(&e->pending, 1);
        SetEvent(e->remote);
    }
}

static void connect_bridge(unsigned port)
{
    WSADATA wsa;
    struct sockaddr_in addr;
    char token[256];
    DWORD n;
    int one = 1;
    nt_query_event = (void *)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQueryEvent");
    if (!nt_query_event)
        fail("NtQueryEvent is missing from ntdll: the event relay needs it");
    if (WSAStartup(MAKEWORD(2, 2), &wsa))
        fail("cannot start Winsock for the event relay");
    n = GetEnvironmentVariableA("NSHM_BRIDGE_TOKEN", token, sizeof token - 2);
    if (n == 0 || n >= sizeof token - 2)
        fail("NSHM_BRIDGE_TOKEN is not set: the event relay needs the launcher's token");
    SetEnvironmentVariableA("NSHM_BRIDGE_TOKEN", NULL); /* not for the program */
    token[n++] = '\n';
    bridge = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (bridge == INVALID_SOCKET)
        fail("cannot make a socket for the event relay (error %d)", WSAGetLastError());
    setsockopt(bridge, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((u_short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(bridge, (struct sockaddr *)&addr, sizeof addr))
        fail("cannot connect to the launcher on 127.0.0.1:%u (error %d)", port, WSAGetLastError());
    if (send(bridge, token, (int)n, 0) != (int)n)
        fail("cannot send the token to the launcher (error %d)", WSAGetLastError());
    InitializeCriticalSection(&send_lock);
}

static void start_relay(void)
{
    HANDLE t;
    for (int i = 0; i < n_events; i++) {
        t = CreateThread(NULL, 0, relay_event, &events[i], 0, NULL);
        if (!t)
            fail("cannot start the event relay (error %lu)", GetLastError());
        CloseHandle(t);
    }
    t = CreateThread(NULL, 0, relay_receive, NULL, 0, NULL);
    if (!t)
        fail("cannot start the event relay (error %lu)", GetLastError());
    CloseHandle(t);
}

/* Whether a process of the job (the program and what it started) runs. */
static int job_running(HANDLE job)
{
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
    if (!job || !QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &info,
                                           sizeof info, NULL))
        return 0;
    return info.ActiveProcesses > 0;
}

/* Whether a process of the prefix other than us holds any of the names. */
static int names_held_elsewhere(void)
{
    for (int i = 0; i < n_maps; i++) {
        HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, maps[i].name);
        if (h) {
            CloseHandle(h);
            return 1;
        }
    }
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    static wchar_t cmd[32768];
    size_t cmd_len = 0;
    unsigned port = 0;
    int i;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code;
    HANDLE job;

    for (i = 1; i < argc; i++) {
        if (!wcscmp(argv[i], L"--")) {
            i++;
            break;
        } else if (!wcscmp(argv[i], L"--map")) {
            if (i + 3 >= argc)
                usage("--map needs NAME SIZE PATH");
            if (n_maps == MAX_OBJECTS)
                usage("at most %d mappings", MAX_OBJECTS);
            maps[n_maps].name = argv[i + 1];
            if (!maps[n_maps].name[0])
                usage("--map: the name is empty");
            if (!parse_size(argv[i + 2], &maps[n_maps].size))
                usage("--map: the size must be a decimal number of bytes, at least 1");
            maps[n_maps].path = argv[i + 3];
            n_maps++;
            i += 3;
        } else if (!wcscmp(argv[i], L"--event")) {
            if (i + 2 >= argc)
                usage("--event needs NAME auto|manual");
            if (n_events == MAX_OBJECTS)
                usage("at most %d events", MAX_OBJECTS);
            events[n_events].name = argv[i + 1];
            if (!events[n_events].name[0])
                usage("--event: the name is empty");
            if (!wcscmp(argv[i + 2], L"manual"))
                events[n_events].manual = 1;
            else if (wcscmp(argv[i + 2], L"auto"))
                usage("--event: the type must be auto or manual");
            n_events++;
            i += 2;
        } else if (!wcscmp(argv[i], L"--bridge")) {
            unsigned long long p;
            if (i + 1 >= argc || !parse_size(argv[i + 1], &p) || p > 65535)
                usage("--bridge needs a port number (1-65535)");
            port = (unsigned)p;
            i += 1;
        } else if (!wcscmp(argv[i], L"--attach")) {
            attach = 1;
        } else if (!wcscmp(argv[i], L"--status")) {
            if (i + 1 >= argc)
                usage("--status needs PATH");
            status_path = argv[i + 1];
            i += 1;
        } else {
            char a[256];
            usage("unknown argument `%s`", utf8(argv[i], a, sizeof a));
        }
    }
    if (i >= argc && !attach)
        usage("no program given after `--`");
    if (n_events && !port)
        usage("--event needs --bridge PORT");
    for (; i < argc; i++)
        append_quoted(cmd, sizeof cmd / sizeof cmd[0], &cmd_len, argv[i]);

    for (int m = 0; m < n_maps; m++)
        open_map(&maps[m]);
    for (int e = 0; e < n_events; e++)
        open_event(&events[e]);
    if (n_events) {
        connect_bridge(port);
        start_relay();
    }
    if (n_mirrors) {
        HANDLE t = CreateThread(NULL, 0, mirror_thread, NULL, 0, NULL);
        if (!t)
            fail("cannot start the mirror (error %lu)", GetLastError());
        CloseHandle(t);
    }
    if (!cmd_len) {
        /* --attach without a program: run while a mirrored name lives. */
        DWORD start = GetTickCount();
        if (!n_mirrors)
            fail("--attach: no name exists in this Wine prefix yet, so there is nothing to "
                 "mirror; start the program through `nshm wine -- PROGRAM` instead");
        status_line("ok");
        while (mirrored_names_held())
            Sleep(200);
        fprintf(stderr, "nshm-wine-helper: the mirrored names are gone: %ld copies in %lu ms\n",
                (long)mirror_rounds, (unsigned long)(GetTickCount() - start));
        fflush(stderr);
        for (int m = 0; m < n_maps; m++) {
            CloseHandle(maps[m].section);
            CloseHandle(maps[m].file);
        }
        ExitProcess(0);
    }

    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    /* The program and every process it starts go into a job, so that the
     * bridge outlasts a launcher stub that starts the real program and
     * exits at once. Without jobs (nested in a job that forbids it), only
     * the names held are watched. */
    job = CreateJobObjectW(NULL, NULL);
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi)) {
        char c[1024];
        fail("cannot start the program %s (error %lu)", utf8(cmd, c, sizeof c), GetLastError());
    }
    if (job && !AssignProcessToJobObject(job, pi.hProcess)) {
        CloseHandle(job);
        job = NULL;
    }
    ResumeThread(pi.hThread);
    status_line("ok");
    CloseHandle(pi.hThread);
    WaitForSingleObject(pi.hProcess, INFINITE);
    if (!GetExitCodeProcess(pi.hProcess, &code))
        code = 1;
    CloseHandle(pi.hProcess);

    /* The program is gone; programs it started may still run (and open the
     * names later: the sections stay named while a process of the job
     * runs) or hold the names. Keep the file handles (and with them the
     * locks that count the prefix as a holder) until neither is true. */
    while (job_running(job))
        Sleep(200);
    for (int m = 0; m < n_maps; m++) {
        CloseHandle(maps[m].section);
        maps[m].section = NULL;
    }
    while (names_held_elsewhere())
        Sleep(200);
    for (int m = 0; m < n_maps; m++)
        CloseHandle(maps[m].file);
    fflush(stdout);
    ExitProcess(code);
}
