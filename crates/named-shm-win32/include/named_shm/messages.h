/*
 * Registered window messages and broadcasts (winuser.h). There are no
 * windows on Linux: RegisterWindowMessage returns an id in 0xC000-0xFFFF
 * that is the same for the same name (case-insensitive) in every process,
 * and a broadcast (HWND_BROADCAST) succeeds with no window to receive it.
 * Posting to any other window fails with ERROR_INVALID_WINDOW_HANDLE.
 */
#ifndef NAMED_SHM_MESSAGES_H
#define NAMED_SHM_MESSAGES_H

#define HWND_BROADCAST ((HWND)0xffff)
#define HWND_TOPMOST ((HWND)-1)
#define WM_NULL 0x0000
#define WM_USER 0x0400
#define WM_APP 0x8000
#define MAKEWPARAM(l, h) ((WPARAM)(DWORD)MAKELONG(l, h))
#define MAKELPARAM(l, h) ((LPARAM)(DWORD)MAKELONG(l, h))
#define MAKELRESULT(l, h) ((LRESULT)(DWORD)MAKELONG(l, h))

#ifdef __cplusplus
extern "C" {
#endif
UINT WINAPI RegisterWindowMessageA(LPCSTR lpString);
UINT WINAPI RegisterWindowMessageW(LPCWSTR lpString);
BOOL WINAPI PostMessageA(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam);
BOOL WINAPI PostMessageW(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam);
BOOL WINAPI SendNotifyMessageA(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam);
BOOL WINAPI SendNotifyMessageW(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam);
#ifdef __cplusplus
}
#endif

#ifdef UNICODE
#define RegisterWindowMessage RegisterWindowMessageW
#define PostMessage PostMessageW
#define SendNotifyMessage SendNotifyMessageW
#else
#define RegisterWindowMessage RegisterWindowMessageA
#define PostMessage PostMessageA
#define SendNotifyMessage SendNotifyMessageA
#endif

#endif
