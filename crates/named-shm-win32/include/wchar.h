/*
 * wchar.h under scripts/wincc: the C library's, then (with wincc's 16-bit
 * wchar_t) every wide function redirected to a UTF-16 implementation;
 * see named_shm/wstring.h and docs/win32.md ("Wide strings").
 */
#pragma GCC system_header /* #include_next under -pedantic */
#include_next <wchar.h>
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2 && !defined(NAMED_SHM_WSTRING_H)
#include "named_shm/wstring.h"
#endif
