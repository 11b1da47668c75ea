/* Time: GetTickCount64 (with GetTickCount's clock), GetSystemTime,
 * GetLocalTime, GetSystemTimeAsFileTime (100 ns since 1601) and the
 * conversions; lstrcmp, lstrcmpi, lstrcpy, lstrcpyn, lstrcat, lstrlen.
 * Built narrow here and UNICODE by p31_time_lstr_unicode.c. */
#include "tprobe.h"

static const char *probe_roles(void) { return "a"; }

static void st_print(const char *label, const SYSTEMTIME *st)
{
    say("%s: %04u-%02u-%02u %02u:%02u:%02u.%03u dow %u", label, st->wYear, st->wMonth, st->wDay, st->wHour, st->wMinute,
        st->wSecond, st->wMilliseconds, st->wDayOfWeek);
}

static void ft_to_st(const char *label, ULONGLONG t)
{
    FILETIME ft;
    SYSTEMTIME st;
    memset(&st, 0, sizeof st);
    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)(t >> 32);
    SetLastError(0xBEEF);
    BOOL ok = FileTimeToSystemTime(&ft, &st);
    const char *e = errs();
    if (ok)
        st_print(label, &st);
    else
        say("%s: FALSE err=%s", label, e);
}

static void st_to_ft(const char *label, WORD y, WORD mo, WORD d, WORD h, WORD mi, WORD s, WORD ms)
{
    SYSTEMTIME st = {y, mo, 0, d, h, mi, s, ms};
    FILETIME ft = {0, 0};
    SetLastError(0xBEEF);
    BOOL ok = SystemTimeToFileTime(&st, &ft);
    const char *e = errs();
    say("%s: %s %llu err=%s", label, ok ? "TRUE" : "FALSE",
        ((unsigned long long)ft.dwHighDateTime << 32) | ft.dwLowDateTime, e);
}

static int sign(int v) { return v < 0 ? -1 : v > 0; }

static int probe_main(const char *role)
{
    (void)role;
    say("mode: %s", MODE);
    ULONGLONG t64 = GetTickCount64();
    DWORD t32 = GetTickCount();
    say("GetTickCount64 and GetTickCount agree: %d", (DWORD)(t32 - (DWORD)t64) < 1000);
    Sleep(100);
    ULONGLONG d64 = GetTickCount64() - t64;
    say("GetTickCount64 advanced 50..5000 ms after Sleep(100): %d", d64 >= 50 && d64 < 5000);

    SYSTEMTIME st, lt, back;
    FILETIME ft;
    GetSystemTime(&st);
    GetSystemTimeAsFileTime(&ft);
    GetLocalTime(&lt);
    ULONGLONG now = ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    say("FILETIME after 2020 and before 2100: %d", now > 132223104000000000ULL && now < 157766400000000000ULL);
    FileTimeToSystemTime(&ft, &back);
    say("GetSystemTime matches GetSystemTimeAsFileTime: %d",
        st.wYear == back.wYear && st.wMonth == back.wMonth && st.wDay == back.wDay && st.wHour == back.wHour);
    say("SYSTEMTIME fields in range: %d", st.wMonth >= 1 && st.wMonth <= 12 && st.wDay >= 1 && st.wDay <= 31 &&
                                              st.wHour < 24 && st.wMinute < 60 && st.wSecond < 60 &&
                                              st.wMilliseconds < 1000 && st.wDayOfWeek < 7);
    say("local time fields in range: %d", lt.wYear >= 2020 && lt.wMonth >= 1 && lt.wMonth <= 12 && lt.wHour < 24 && lt.wDayOfWeek < 7);
    ft_to_st("FILETIME 0", 0);
    ft_to_st("FILETIME of 1970-01-01", 116444736000000000ULL);
    ft_to_st("FILETIME of 2000-02-29 12:34:56.789", 125955908967890000ULL);
    ft_to_st("FILETIME of 2024-12-31 23:59:59.999", 133801631999990000ULL);
    ft_to_st("FILETIME 2^63", 0x8000000000000000ULL);
    st_to_ft("SYSTEMTIME 1601-01-01", 1601, 1, 1, 0, 0, 0, 0);
    st_to_ft("SYSTEMTIME 1970-01-01", 1970, 1, 1, 0, 0, 0, 0);
    st_to_ft("SYSTEMTIME 2000-02-29 12:34:56.789", 2000, 2, 29, 12, 34, 56, 789);
    st_to_ft("SYSTEMTIME month 13", 2023, 13, 1, 0, 0, 0, 0);
    st_to_ft("SYSTEMTIME hour 24", 2023, 1, 1, 24, 0, 0, 0);
    st_to_ft("SYSTEMTIME year 1600", 1600, 12, 31, 0, 0, 0, 0);

    static const TCHAR *pairs[][2] = {
        {TEXT("abc"), TEXT("abc")}, {TEXT("abc"), TEXT("abd")}, {TEXT("a"), TEXT("B")},     {TEXT("B"), TEXT("a")},
        {TEXT("ab"), TEXT("AB")},   {TEXT("AB"), TEXT("ab")},   {TEXT("aB"), TEXT("Ab")},   {TEXT("abc"), TEXT("ab")},
        {TEXT(""), TEXT("a")},      {TEXT("1"), TEXT("a")},     {TEXT("10"), TEXT("9")},    {TEXT("a1"), TEXT("A2")},
        {TEXT("Zebra"), TEXT("apple")}, {TEXT("hello world"), TEXT("Hello World")}, {TEXT("x"), TEXT("X")},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        say("lstrcmp(%s, %s) = %d, lstrcmpi = %d", TA(pairs[i][0]), TA(pairs[i][1]), sign(lstrcmp(pairs[i][0], pairs[i][1])),
            sign(lstrcmpi(pairs[i][0], pairs[i][1])));
    TCHAR b[16];
    int same = lstrcpy(b, TEXT("named")) == b;
    say("lstrcpy returns its destination: %d [%s]", same, TA(b));
    same = lstrcat(b, TEXT("-shm")) == b;
    say("lstrcat returns its destination: %d [%s]", same, TA(b));
    say("lstrlen: %d", lstrlen(b));
    same = lstrcpyn(b, TEXT("abcdefgh"), 4) == b;
    say("lstrcpyn 4: %d [%s]", same, TA(b));
    say("lstrcpyn 1: [%s]", TA(lstrcpyn(b, TEXT("abcdefgh"), 1)));
    say("lstrlen(NULL): %d", lstrlen(NULL));
    return 0;
}
