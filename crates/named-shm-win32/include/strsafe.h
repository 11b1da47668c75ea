/*
 * strsafe.h for named-shm-win32: StringCch* and StringCb* (copy, copy N,
 * cat, cat N, printf, vprintf, length) in A, W and TCHAR forms, with
 * Microsoft's results: S_OK; STRSAFE_E_INSUFFICIENT_BUFFER (0x8007007A)
 * with the text truncated and NUL-terminated; STRSAFE_E_INVALID_PARAMETER
 * (0x80070057) for a zero or too large size (the destination is untouched)
 * or a destination not terminated within its size (StringCchCat). Sizes
 * above STRSAFE_MAX_CCH (2147483647) are invalid. W forms work on 16-bit
 * units; StringCchPrintfW uses Microsoft's wide format rules.
 */
#ifndef NAMED_SHM_WIN32_STRSAFE_H
#define NAMED_SHM_WIN32_STRSAFE_H
#include <stdarg.h>
#include <stdio.h>
#include "windows.h"

#ifndef S_OK
#define S_OK ((HRESULT)0L)
#endif
#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif
#define STRSAFE_MAX_CCH 2147483647
#define STRSAFE_E_INSUFFICIENT_BUFFER ((HRESULT)0x8007007AL)
#define STRSAFE_E_INVALID_PARAMETER ((HRESULT)0x80070057L)
#define STRSAFE_E_END_OF_FILE ((HRESULT)0x80070026L)
#define STRSAFEAPI static __inline__ __attribute__((unused)) HRESULT
typedef char *STRSAFE_LPSTR;
typedef const char *STRSAFE_LPCSTR;
typedef WCHAR *STRSAFE_LPWSTR;
typedef const WCHAR *STRSAFE_LPCWSTR;

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the A forms (char) and the W forms (WCHAR), from one body */
#define __NSHM_T char
#define __NSHM_F(name) name##A
#define __NSHM_VPRINTF vsnprintf
#include "named_shm/strsafe_forms.h"
#undef __NSHM_T
#undef __NSHM_F
#undef __NSHM_VPRINTF

#define __NSHM_T WCHAR
#define __NSHM_F(name) name##W
#define __NSHM_VPRINTF __nshm_vswprintf
#include "named_shm/strsafe_forms.h"
#undef __NSHM_T
#undef __NSHM_F
#undef __NSHM_VPRINTF
#ifdef __cplusplus
}
#endif

#ifdef UNICODE
#define StringCchCopy StringCchCopyW
#define StringCchCopyN StringCchCopyNW
#define StringCchCat StringCchCatW
#define StringCchCatN StringCchCatNW
#define StringCchLength StringCchLengthW
#define StringCbCopy StringCbCopyW
#define StringCbCopyN StringCbCopyNW
#define StringCbCat StringCbCatW
#define StringCbCatN StringCbCatNW
#define StringCbLength StringCbLengthW
#define StringCchVPrintf StringCchVPrintfW
#define StringCchPrintf StringCchPrintfW
#define StringCbVPrintf StringCbVPrintfW
#define StringCbPrintf StringCbPrintfW
#else
#define StringCchCopy StringCchCopyA
#define StringCchCopyN StringCchCopyNA
#define StringCchCat StringCchCatA
#define StringCchCatN StringCchCatNA
#define StringCchLength StringCchLengthA
#define StringCbCopy StringCbCopyA
#define StringCbCopyN StringCbCopyNA
#define StringCbCat StringCbCatA
#define StringCbCatN StringCbCatNA
#define StringCbLength StringCbLengthA
#define StringCchVPrintf StringCchVPrintfA
#define StringCchPrintf StringCchPrintfA
#define StringCbVPrintf StringCbVPrintfA
#define StringCbPrintf StringCbPrintfA
#endif
#endif
