/*
 * stdio.h under scripts/wincc: the C library's, plus time_t, which
 * Microsoft's stdio.h declares (through corecrt.h) and Windows programs
 * use after including only it (iRacing's irsdk_defines.h does).
 */
#pragma GCC system_header /* #include_next under -pedantic */
#include_next <stdio.h>
#if __has_include(<bits/types/time_t.h>)
#include <bits/types/time_t.h>
#else
#include <time.h>
#endif
