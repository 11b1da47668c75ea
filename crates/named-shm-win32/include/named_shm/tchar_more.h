/*
 * More generic-text names (tchar.h) over the wide C library of
 * named_shm/wstring.h and the narrow one.
 */
#ifndef NAMED_SHM_TCHAR_MORE_H
#define NAMED_SHM_TCHAR_MORE_H
#ifdef _UNICODE
#include <wchar.h>
#define _tcsnlen wcsnlen
#define _tcsncpy wcsncpy
#define _tcsncat wcsncat
#define _tcschr wcschr
#define _tcsrchr wcsrchr
#define _tcsstr wcsstr
#define _tcsspn wcsspn
#define _tcscspn wcscspn
#define _tcspbrk wcspbrk
#define _tcsicmp _wcsicmp
#define _tcsnicmp _wcsnicmp
#define _tcsdup _wcsdup
#define _tcslwr _wcslwr
#define _tcsupr _wcsupr
#define _tcstol wcstol
#define _tcstoul wcstoul
#define _tcstoi64 _wcstoi64
#define _tcstod wcstod
#define _ttoi _wtoi
#define _ttol _wtol
#define _tstoi _wtoi
#define _ttof _wtof
#define _fputts fputws
#define _vstprintf vswprintf
#define _vsntprintf _vsnwprintf
#define _tcsftime wcsftime
#else
#define _tcsnlen strnlen
#define _tcsncpy strncpy
#define _tcsncat strncat
#define _tcschr strchr
#define _tcsrchr strrchr
#define _tcsstr strstr
#define _tcsspn strspn
#define _tcscspn strcspn
#define _tcspbrk strpbrk
#define _tcsicmp _stricmp
#define _tcsnicmp _strnicmp
#define _tcsdup _strdup
#define _tcstol strtol
#define _tcstoul strtoul
#define _tcstoi64 strtoll
#define _tcstod strtod
#define _ttoi atoi
#define _ttol atol
#define _tstoi atoi
#define _ttof atof
#define _fputts fputs
#define _vstprintf vsprintf
#define _vsntprintf _vsnprintf
#define _tcsftime strftime
#endif
#endif
