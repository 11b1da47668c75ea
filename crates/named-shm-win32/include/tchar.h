/*
 * tchar.h for named-shm-win32: generic-text mappings. _UNICODE selects the
 * wide (UTF-16) versions; otherwise the narrow C library is used directly.
 * In _UNICODE builds, _tmain is wmain; scripts/wincc links a main() that
 * converts argv to UTF-16 and calls it.
 */
#ifndef NAMED_SHM_WIN32_TCHAR_H
#define NAMED_SHM_WIN32_TCHAR_H

#include <stdio.h>
#include <string.h>
#include "windows.h"

#ifdef _UNICODE
#include "named_shm_wide.h"
typedef WCHAR _TCHAR;
typedef WCHAR _TSCHAR;
typedef WCHAR _TUCHAR;
#define __T(x) L##x
#define _tmain wmain
#define _tprintf __nshm_wprintf
#define _ftprintf __nshm_fwprintf
#define _vtprintf(f, ap) __nshm_vfwprintf(stdout, f, ap)
#define _vftprintf __nshm_vfwprintf
#define _stprintf __nshm_swprintf
#define _sntprintf __nshm_snwprintf
#define _tcslen __nshm_wcslen
#define _tcscpy __nshm_wcscpy
#define _tcscat __nshm_wcscat
#define _tcscmp __nshm_wcscmp
#define _tcsncmp __nshm_wcsncmp
#ifndef __cplusplus
#define wprintf __nshm_wprintf
#define fwprintf __nshm_fwprintf
#endif
#else
typedef char _TCHAR;
typedef signed char _TSCHAR;
typedef unsigned char _TUCHAR;
#define __T(x) x
#define _tmain main
#define _tprintf printf
#define _ftprintf fprintf
#define _vtprintf vprintf
#define _vftprintf vfprintf
#define _stprintf sprintf
#define _sntprintf snprintf
#define _tcslen strlen
#define _tcscpy strcpy
#define _tcscat strcat
#define _tcscmp strcmp
#define _tcsncmp strncmp
#endif

#include "named_shm/tchar_more.h"

#define _T(x) __T(x)
#define _TEXT(x) __T(x)

#endif
