/*
 * The standard names of named_shm/wstring.h's UTF-16 functions. No include
 * guard: cwchar includes it again after libstdc++'s <cwchar> #undefs them.
 */
#ifdef __NSHM_WSTRING_ON
#undef wcslen
#define wcslen __nshm_wcslen
#undef wcsnlen
#define wcsnlen __nshm_wcsnlen
#undef wcscpy
#define wcscpy __nshm_wcscpy
#undef wcsncpy
#define wcsncpy __nshm_wcsncpy
#undef wcscat
#define wcscat __nshm_wcscat
#undef wcsncat
#define wcsncat __nshm_wcsncat
#undef wcscmp
#define wcscmp __nshm_wcscmp
#undef wcsncmp
#define wcsncmp __nshm_wcsncmp
#define _wcsicmp __nshm_wcsicmp
#define wcsicmp __nshm_wcsicmp
#define _wcsnicmp __nshm_wcsnicmp
#define wcsnicmp __nshm_wcsnicmp
#undef wcschr
#define wcschr __nshm_wcschr
#undef wcsrchr
#define wcsrchr __nshm_wcsrchr
#undef wcsstr
#define wcsstr __nshm_wcsstr
#undef wcsspn
#define wcsspn __nshm_wcsspn
#undef wcscspn
#define wcscspn __nshm_wcscspn
#undef wcspbrk
#define wcspbrk __nshm_wcspbrk
#undef wcsdup
#define wcsdup __nshm_wcsdup
#define _wcsdup __nshm_wcsdup
#define _wcslwr __nshm_wcslwr
#define _wcsupr __nshm_wcsupr
#undef wmemcpy
#define wmemcpy __nshm_wmemcpy
#undef wmemmove
#define wmemmove __nshm_wmemmove
#undef wmemset
#define wmemset __nshm_wmemset
#undef wmemcmp
#define wmemcmp __nshm_wmemcmp
#undef wmemchr
#define wmemchr __nshm_wmemchr
#undef wcstol
#define wcstol __nshm_wcstol
#undef wcstoul
#define wcstoul __nshm_wcstoul
#undef wcstoll
#define wcstoll __nshm_wcstoll
#undef wcstoull
#define wcstoull __nshm_wcstoull
#define _wcstoi64 __nshm_wcstoll
#define _wcstoui64 __nshm_wcstoull
#undef wcstod
#define wcstod __nshm_wcstod
#undef wcstof
#define wcstof __nshm_wcstof
#define _wtoi __nshm_wtoi
#define _wtol __nshm_wtoi
#define _wtoi64 __nshm_wtoi64
#define _wtof __nshm_wtof
#undef wcstombs
#define wcstombs __nshm_wcstombs
#undef mbstowcs
#define mbstowcs __nshm_mbstowcs
#define wcstombs_s __nshm_wcstombs_s
#define mbstowcs_s __nshm_mbstowcs_s
#undef wprintf
#define wprintf __nshm_wprintf
#undef fwprintf
#define fwprintf __nshm_fwprintf
#undef vwprintf
#define vwprintf __nshm_vwprintf
#undef vfwprintf
#define vfwprintf __nshm_vfwprintf
#undef swprintf
#define swprintf __nshm_swprintf_iso
#undef vswprintf
#define vswprintf __nshm_vswprintf_iso
#define _snwprintf __nshm_snwprintf_ms
#define _vsnwprintf __nshm_vswprintf
#undef fputws
#define fputws __nshm_fputws
#define _putws __nshm_putws
#undef wcscoll
#define wcscoll __nshm_no_wcscoll
#undef wcsxfrm
#define wcsxfrm __nshm_no_wcsxfrm
#undef wcsftime
#define wcsftime __nshm_no_wcsftime
#undef wcstok
#define wcstok __nshm_no_wcstok
#undef mbrtowc
#define mbrtowc __nshm_no_mbrtowc
#undef wcrtomb
#define wcrtomb __nshm_no_wcrtomb
#undef mbsrtowcs
#define mbsrtowcs __nshm_no_mbsrtowcs
#undef wcsrtombs
#define wcsrtombs __nshm_no_wcsrtombs
#undef mbtowc
#define mbtowc __nshm_no_mbtowc
#undef wctomb
#define wctomb __nshm_no_wctomb
#undef wscanf
#define wscanf __nshm_no_wscanf
#undef swscanf
#define swscanf __nshm_no_swscanf
#undef fwscanf
#define fwscanf __nshm_no_fwscanf
#undef fgetws
#define fgetws __nshm_no_fgetws
#undef fgetwc
#define fgetwc __nshm_no_fgetwc
#undef getwchar
#define getwchar __nshm_no_getwchar
#undef fputwc
#define fputwc __nshm_no_fputwc
#undef putwchar
#define putwchar __nshm_no_putwchar
#undef wcstold
#define wcstold __nshm_no_wcstold
#undef wcscasecmp
#define wcscasecmp __nshm_no_wcscasecmp
#undef wcsncasecmp
#define wcsncasecmp __nshm_no_wcsncasecmp
#undef wcpcpy
#define wcpcpy __nshm_no_wcpcpy
#undef wcswidth
#define wcswidth __nshm_no_wcswidth
#endif
