/* Time (named-shm-win32): GetTickCount64, SYSTEMTIME and FILETIME,
 * GetSystemTime, GetLocalTime, GetSystemTimeAsFileTime and the conversions
 * between them. Included by windows.h. FILETIME counts 100 ns since
 * 1601-01-01 UTC; GetTickCount64 is milliseconds of CLOCK_MONOTONIC
 * (GetTickCount's clock). */
#ifndef NAMED_SHM_WIN32_WINTIME_H
#define NAMED_SHM_WIN32_WINTIME_H
#include <time.h>

typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

typedef struct _SYSTEMTIME {
    WORD wYear;
    WORD wMonth;
    WORD wDayOfWeek;
    WORD wDay;
    WORD wHour;
    WORD wMinute;
    WORD wSecond;
    WORD wMilliseconds;
} SYSTEMTIME, *PSYSTEMTIME, *LPSYSTEMTIME;

/* Seconds from 1601-01-01 to 1970-01-01. */
#define __NSHM_EPOCH_DIFF 11644473600ULL
#define __NSHM_T static __inline__ __attribute__((unused))

__NSHM_T ULONGLONG GetTickCount64(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ULONGLONG)ts.tv_sec * 1000 + (ULONGLONG)ts.tv_nsec / 1000000;
}

__NSHM_T void GetSystemTimeAsFileTime(LPFILETIME ft)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ULONGLONG t = ((ULONGLONG)ts.tv_sec + __NSHM_EPOCH_DIFF) * 10000000ULL + (ULONGLONG)ts.tv_nsec / 100;
    ft->dwLowDateTime = (DWORD)t;
    ft->dwHighDateTime = (DWORD)(t >> 32);
}
#define GetSystemTimePreciseAsFileTime GetSystemTimeAsFileTime

__NSHM_T void __nshm_tm_to_systemtime(const struct tm *tm, long ms, LPSYSTEMTIME st)
{
    st->wYear = (WORD)(tm->tm_year + 1900);
    st->wMonth = (WORD)(tm->tm_mon + 1);
    st->wDayOfWeek = (WORD)tm->tm_wday;
    st->wDay = (WORD)tm->tm_mday;
    st->wHour = (WORD)tm->tm_hour;
    st->wMinute = (WORD)tm->tm_min;
    st->wSecond = (WORD)tm->tm_sec;
    st->wMilliseconds = (WORD)ms;
}

__NSHM_T void GetSystemTime(LPSYSTEMTIME st)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    __nshm_tm_to_systemtime(&tm, ts.tv_nsec / 1000000, st);
}

__NSHM_T void GetLocalTime(LPSYSTEMTIME st)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    __nshm_tm_to_systemtime(&tm, ts.tv_nsec / 1000000, st);
}

/* FileTimeToSystemTime: FALSE with 87 for times past the year 30827. */
__NSHM_T BOOL FileTimeToSystemTime(const FILETIME *ft, LPSYSTEMTIME st)
{
    ULONGLONG t = ((ULONGLONG)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
    if (t >= 0x8000000000000000ULL) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    long long days = (long long)(t / 864000000000ULL);
    ULONGLONG rem = t % 864000000000ULL;
    /* Civil date from days since 1601-01-01 (a Monday). */
    long long z = days + 584694; /* days since 0000-03-01 */
    long long era = z / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = yoe + era * 400;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long d = doy - (153 * mp + 2) / 5 + 1;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    st->wYear = (WORD)(y + (m <= 2));
    st->wMonth = (WORD)m;
    st->wDay = (WORD)d;
    st->wDayOfWeek = (WORD)((days + 1) % 7);
    st->wHour = (WORD)(rem / 36000000000ULL);
    st->wMinute = (WORD)(rem / 600000000ULL % 60);
    st->wSecond = (WORD)(rem / 10000000ULL % 60);
    st->wMilliseconds = (WORD)(rem / 10000ULL % 1000);
    return TRUE;
}

/* SystemTimeToFileTime: FALSE with 87 for fields out of range. */
__NSHM_T BOOL SystemTimeToFileTime(const SYSTEMTIME *st, LPFILETIME ft)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long long y = st->wYear, m = st->wMonth, d = st->wDay;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1601 || y > 30827 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap) || st->wHour > 23 ||
        st->wMinute > 59 || st->wSecond > 59 || st->wMilliseconds > 999) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    y -= m <= 2;
    long long era = y / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 584694;
    ULONGLONG t = (ULONGLONG)days * 864000000000ULL +
                  (((ULONGLONG)st->wHour * 60 + st->wMinute) * 60 + st->wSecond) * 10000000ULL + st->wMilliseconds * 10000ULL;
    ft->dwLowDateTime = (DWORD)t;
    ft->dwHighDateTime = (DWORD)(t >> 32);
    return TRUE;
}
#undef __NSHM_T
#endif
