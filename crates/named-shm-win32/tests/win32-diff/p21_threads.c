/* Threads: CreateThread, _beginthreadex/_endthreadex, ExitThread,
 * GetExitCodeThread (STILL_ACTIVE 259), waits on thread handles (single,
 * any, all, mixed with events and semaphores), GetCurrentThread,
 * SwitchToThread, Sleep(0), thread-local storage. */
#include "probe.h"
#include <process.h>

static const char *probe_roles(void) { return "a"; }

static HANDLE g_go;
static volatile LONG g_sum;

static DWORD WINAPI returns_param(LPVOID p)
{
    return (DWORD)(ULONG_PTR)p;
}

static DWORD WINAPI waits_then_returns(LPVOID p)
{
    WaitForSingleObject(g_go, 20000);
    return (DWORD)(ULONG_PTR)p;
}

static void deeper(DWORD code)
{
    ExitThread(code);
}

static DWORD WINAPI exits_early(LPVOID p)
{
    (void)p;
    deeper(77);
    return 1; /* not reached */
}

static unsigned __stdcall bt_proc(void *p)
{
    if (p)
        _endthreadex(55);
    return 66;
}

static DWORD WINAPI adder(LPVOID p)
{
    for (int i = 0; i < 10000; i++)
        InterlockedIncrement(&g_sum);
    SwitchToThread();
    Sleep(0);
    return (DWORD)(ULONG_PTR)p;
}

static DWORD g_tls;
static DWORD WINAPI tls_proc(LPVOID p)
{
    TlsSetValue(g_tls, p);
    Sleep(10);
    return TlsGetValue(g_tls) == p;
}

static DWORD WINAPI current_thread_proc(LPVOID p)
{
    (void)p;
    HANDLE me = NULL;
    DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &me, 0, FALSE, DUPLICATE_SAME_ACCESS);
    DWORD code = 0;
    GetExitCodeThread(me, &code);
    CloseHandle(me);
    return code;
}

static void exit_code(const char *label, HANDLE h)
{
    DWORD code = 12345;
    SetLastError(0xBEEF);
    BOOL ok = GetExitCodeThread(h, &code);
    const char *e = errs();
    say("%s: %s code=%u err=%s", label, ok ? "TRUE" : "FALSE", (unsigned)code, e);
}

static int probe_main(const char *role)
{
    (void)role;
    g_go = CreateEventA(NULL, TRUE, FALSE, NULL);
    DWORD tid = 0;
    HANDLE t1 = H("CreateThread", CreateThread(NULL, 0, returns_param, (LPVOID)42, 0, &tid));
    say("thread id nonzero: %d", tid != 0);
    W("wait for it", WaitForSingleObject(t1, 20000));
    exit_code("exit code", t1);
    W("wait again: stays signalled", WaitForSingleObject(t1, 0));
    say("GetThreadId matches: %d", GetThreadId(t1) == tid);

    HANDLE t2 = H("a thread that waits", CreateThread(NULL, 64 * 1024, waits_then_returns, (LPVOID)7, 0, NULL));
    exit_code("while running", t2);
    W("wait 20 ms: running", WaitForSingleObject(t2, 20));
    HANDLE mix[2] = {t2, g_go};
    W("any of thread and unset event", WaitForMultipleObjects(2, mix, FALSE, 20));
    SetEvent(g_go);
    W("wait", WaitForSingleObject(t2, 20000));
    exit_code("exit code", t2);

    HANDLE t3 = H("ExitThread from a nested call", CreateThread(NULL, 0, exits_early, NULL, 0, NULL));
    W("wait", WaitForSingleObject(t3, 20000));
    exit_code("exit code", t3);

    unsigned btid = 0;
    HANDLE b1 = (HANDLE)_beginthreadex(NULL, 0, bt_proc, NULL, 0, &btid);
    HANDLE b2 = (HANDLE)_beginthreadex(NULL, 0, bt_proc, (void *)1, 0, NULL);
    say("_beginthreadex: %s %s id nonzero %d", b1 ? "HANDLE" : "NULL", b2 ? "HANDLE" : "NULL", btid != 0);
    HANDLE bs[2] = {b1, b2};
    W("wait all", WaitForMultipleObjects(2, bs, TRUE, 20000));
    exit_code("returned", b1);
    exit_code("_endthreadex", b2);

    HANDLE ts[8];
    for (int i = 0; i < 8; i++)
        ts[i] = CreateThread(NULL, 0, adder, (LPVOID)(ULONG_PTR)i, 0, NULL);
    W("wait all 8 adders", WaitForMultipleObjects(8, ts, TRUE, 20000));
    say("sum: %ld", (long)g_sum);
    DWORD codes = 0;
    for (int i = 0; i < 8; i++) {
        DWORD c = 0;
        GetExitCodeThread(ts[i], &c);
        codes += c;
        CloseHandle(ts[i]);
    }
    say("exit codes sum: %u", (unsigned)codes);

    HANDLE sem = CreateSemaphoreA(NULL, 0, 1, NULL);
    HANDLE t4 = CreateThread(NULL, 0, waits_then_returns, (LPVOID)1, 0, NULL);
    HANDLE any[2] = {sem, t4};
    W("any of empty semaphore and a finishing thread", WaitForMultipleObjects(2, any, FALSE, 20000));

    g_tls = TlsAlloc();
    say("TlsAlloc: %s", g_tls == TLS_OUT_OF_INDEXES ? "TLS_OUT_OF_INDEXES" : "index");
    TlsSetValue(g_tls, (LPVOID)5);
    HANDLE t5 = CreateThread(NULL, 0, tls_proc, (LPVOID)9, 0, NULL);
    WaitForSingleObject(t5, 20000);
    exit_code("thread saw its own TLS value", t5);
    say("main TLS value: %d", (int)(ULONG_PTR)TlsGetValue(g_tls));
    B("TlsFree", TlsFree(g_tls));

    HANDLE t6 = CreateThread(NULL, 0, current_thread_proc, NULL, 0, NULL);
    WaitForSingleObject(t6, 20000);
    exit_code("a thread's duplicated GetCurrentThread was active", t6);

    say("GetCurrentThread: %llx", (unsigned long long)(ULONG_PTR)GetCurrentThread());
    exit_code("current thread", GetCurrentThread());
    W("wait on the current thread, 10 ms", WaitForSingleObject(GetCurrentThread(), 10));
    B("SwitchToThread returns", SwitchToThread() || 1);

    exit_code("exit code of an event", g_go);
    exit_code("exit code of a bogus handle", (HANDLE)(ULONG_PTR)0x7ff0);
    B("close", CloseHandle(t1));
    exit_code("exit code of a closed handle", t1);
    CloseHandle(t2);
    CloseHandle(t3);
    CloseHandle(t4);
    CloseHandle(t5);
    CloseHandle(t6);
    CloseHandle(b1);
    CloseHandle(b2);
    CloseHandle(sem);
    CloseHandle(g_go);
    return 0;
}
