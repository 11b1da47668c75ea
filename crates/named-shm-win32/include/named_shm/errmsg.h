/* FormatMessage and OutputDebugString (named-shm-win32). Included by
 * windows.h.
 *
 * FormatMessageA/W with FORMAT_MESSAGE_FROM_SYSTEM know Windows' English
 * text (with its trailing "\r\n") for every error code this layer produces;
 * other codes fail with ERROR_MR_MID_NOT_FOUND (317). Inserts (%1) are
 * left as they are (FORMAT_MESSAGE_IGNORE_INSERTS; the system messages the
 * layer produces have none but 193's). FORMAT_MESSAGE_FROM_STRING copies
 * the string (inserts ignored). The language is always English. */
#ifndef NAMED_SHM_WIN32_ERRMSG_H
#define NAMED_SHM_WIN32_ERRMSG_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_MESSAGE_IGNORE_INSERTS 0x00000200
#define FORMAT_MESSAGE_FROM_STRING 0x00000400
#define FORMAT_MESSAGE_FROM_HMODULE 0x00000800
#define FORMAT_MESSAGE_FROM_SYSTEM 0x00001000
#define FORMAT_MESSAGE_ARGUMENT_ARRAY 0x00002000
#define FORMAT_MESSAGE_MAX_WIDTH_MASK 0x000000FF
#define FORMAT_MESSAGE_ALLOCATE_BUFFER 0x00000100
#define LANG_NEUTRAL 0x00
#define LANG_ENGLISH 0x09
#define SUBLANG_NEUTRAL 0x00
#define SUBLANG_DEFAULT 0x01
#define SUBLANG_SYS_DEFAULT 0x02
#define SUBLANG_ENGLISH_US 0x01
#define MAKELANGID(p, s) ((((WORD)(s)) << 10) | (WORD)(p))
#define PRIMARYLANGID(lgid) ((WORD)(lgid) & 0x3ff)
#define SUBLANGID(lgid) ((WORD)(lgid) >> 10)
#define ERROR_MR_MID_NOT_FOUND 317L
#ifndef ERROR_GEN_FAILURE
#define ERROR_GEN_FAILURE 31L
#endif
#ifndef ERROR_NO_SYSTEM_RESOURCES
#define ERROR_NO_SYSTEM_RESOURCES 1450L
#endif
#ifndef ERROR_BAD_PATHNAME
#define ERROR_BAD_PATHNAME 161L
#endif

#define __NSHM_E static __inline__ __attribute__((unused))

static const struct {
    DWORD code;
    const char *text;
} __nshm_messages[] = {
    {0, "The operation completed successfully.\r\n"},
    {1, "Incorrect function.\r\n"},
    {2, "The system cannot find the file specified.\r\n"},
    {3, "The system cannot find the path specified.\r\n"},
    {5, "Access is denied.\r\n"},
    {6, "The handle is invalid.\r\n"},
    {8, "Not enough memory resources are available to process this command.\r\n"},
    {14, "Not enough memory resources are available to complete this operation.\r\n"},
    {31, "A device attached to the system is not functioning.\r\n"},
    {50, "The request is not supported.\r\n"},
    {87, "The parameter is incorrect.\r\n"},
    {122, "The data area passed to a system call is too small.\r\n"},
    {123, "The filename, directory name, or volume label syntax is incorrect.\r\n"},
    {161, "The specified path is invalid.\r\n"},
    {183, "Cannot create a file when that file already exists.\r\n"},
    {193, "%1 is not a valid Win32 application.\r\n"},
    {206, "The filename or extension is too long.\r\n"},
    {258, "The wait operation timed out.\r\n"},
    {288, "Attempt to release mutex not owned by caller.\r\n"},
    {298, "Too many posts were made to a semaphore.\r\n"},
    {487, "Attempt to access invalid address.\r\n"},
    {998, "Invalid access to memory location.\r\n"},
    {1006, "The volume for a file has been externally altered so that the opened file is no longer valid.\r\n"},
    {1132, "The base address or the file offset specified does not have the proper alignment.\r\n"},
    {1314, "A required privilege is not held by the client.\r\n"},
    {1359, "An internal error occurred.\r\n"},
    {1450, "Insufficient system resources exist to complete the requested service.\r\n"},
    {1455, "The paging file is too small for this operation to complete.\r\n"},
    {1460, "This operation returned because the timeout period expired.\r\n"},
};

/* The message's text, or NULL. */
__NSHM_E const char *__nshm_message(DWORD code)
{
    for (size_t i = 0; i < sizeof __nshm_messages / sizeof __nshm_messages[0]; i++)
        if (__nshm_messages[i].code == code)
            return __nshm_messages[i].text;
    return NULL;
}

/* The source text for FormatMessage (narrow, ASCII), or NULL with the error set. */
__NSHM_E const char *__nshm_fm_source(DWORD flags, LPCVOID src, DWORD id)
{
    if (flags & FORMAT_MESSAGE_FROM_STRING)
        return (const char *)src;
    if (flags & FORMAT_MESSAGE_FROM_SYSTEM) {
        const char *t = __nshm_message(id);
        if (!t)
            SetLastError(ERROR_MR_MID_NOT_FOUND);
        return t;
    }
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
}

__NSHM_E DWORD FormatMessageA(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId, LPSTR lpBuffer,
                              DWORD nSize, va_list *Arguments)
{
    (void)dwLanguageId;
    (void)Arguments;
    const char *t = __nshm_fm_source(dwFlags, lpSource, dwMessageId);
    if (!t)
        return 0;
    size_t n = strlen(t);
    if (dwFlags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
        size_t cap = n + 1 > nSize ? n + 1 : nSize;
        char *p = (char *)LocalAlloc(LMEM_FIXED, cap);
        if (!p)
            return 0;
        memcpy(p, t, n + 1);
        *(char **)lpBuffer = p;
        return (DWORD)n;
    }
    if (!lpBuffer || n + 1 > nSize) {
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    memcpy(lpBuffer, t, n + 1);
    return (DWORD)n;
}

__NSHM_E DWORD FormatMessageW(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId, LPWSTR lpBuffer,
                              DWORD nSize, va_list *Arguments)
{
    (void)dwLanguageId;
    (void)Arguments;
    size_t n;
    const WCHAR *ws = NULL;
    const char *t = NULL;
    if (dwFlags & FORMAT_MESSAGE_FROM_STRING) {
        ws = (const WCHAR *)lpSource;
        for (n = 0; ws[n]; n++)
            ;
    } else {
        t = __nshm_fm_source(dwFlags, lpSource, dwMessageId);
        if (!t)
            return 0;
        n = strlen(t);
    }
    WCHAR *out;
    if (dwFlags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
        size_t cap = n + 1 > nSize ? n + 1 : nSize;
        out = (WCHAR *)LocalAlloc(LMEM_FIXED, cap * sizeof(WCHAR));
        if (!out)
            return 0;
        *(WCHAR **)lpBuffer = out;
    } else {
        if (!lpBuffer || n + 1 > nSize) {
            SetLastError(ERROR_INSUFFICIENT_BUFFER);
            return 0;
        }
        out = lpBuffer;
    }
    for (size_t i = 0; i <= n; i++)
        out[i] = ws ? ws[i] : (WCHAR)(unsigned char)t[i];
    return (DWORD)n;
}

/* OutputDebugString: the text goes to standard error (there is no debugger
 * channel), as it is, without a newline added. */
__NSHM_E void OutputDebugStringA(LPCSTR lpOutputString)
{
    if (lpOutputString) {
        fputs(lpOutputString, stderr);
        fflush(stderr);
    }
}

static char *__nshm_utf16_to_utf8(const WCHAR *s);
__NSHM_E void OutputDebugStringW(LPCWSTR lpOutputString)
{
    char *s = lpOutputString ? __nshm_utf16_to_utf8(lpOutputString) : NULL;
    if (s) {
        fputs(s, stderr);
        fflush(stderr);
        free(s);
    }
}

#ifdef UNICODE
#define FormatMessage FormatMessageW
#define OutputDebugString OutputDebugStringW
#else
#define FormatMessage FormatMessageA
#define OutputDebugString OutputDebugStringA
#endif
#undef __NSHM_E
#endif
