/*
 * Calls a Windows program commonly makes that named-shm-win32 does not
 * provide (files, processes, modules, the registry, virtual memory,
 * windows). Each is declared so that calling it stops the compilation with
 * a message naming docs/win32.md, in C and in C++, instead of an implicit
 * declaration or a link error. Included by windows.h.
 */
#ifndef NAMED_SHM_WIN32_UNSUPPORTED_H
#define NAMED_SHM_WIN32_UNSUPPORTED_H

#define __NSHM_UNSUP_MSG(name) #name " is not provided by named-shm-win32 (the supported calls: docs/win32.md)"
#if defined(__cplusplus)
#define __NSHM_UNSUP(ret, name) extern "C" ret name(...) __attribute__((error(__NSHM_UNSUP_MSG(name))));
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ > 201710L
#define __NSHM_UNSUP(ret, name) ret name(...) __attribute__((error(__NSHM_UNSUP_MSG(name))));
#else
#define __NSHM_UNSUP(ret, name) ret name() __attribute__((error(__NSHM_UNSUP_MSG(name))));
#endif

/* files and consoles */
__NSHM_UNSUP(HANDLE, CreateFileA)
__NSHM_UNSUP(HANDLE, CreateFileW)
__NSHM_UNSUP(BOOL, ReadFile)
__NSHM_UNSUP(BOOL, WriteFile)
__NSHM_UNSUP(BOOL, DeleteFileA)
__NSHM_UNSUP(BOOL, DeleteFileW)
__NSHM_UNSUP(BOOL, CopyFileA)
__NSHM_UNSUP(BOOL, CopyFileW)
__NSHM_UNSUP(BOOL, MoveFileA)
__NSHM_UNSUP(BOOL, MoveFileW)
__NSHM_UNSUP(HANDLE, FindFirstFileA)
__NSHM_UNSUP(HANDLE, FindFirstFileW)
__NSHM_UNSUP(BOOL, FindNextFileA)
__NSHM_UNSUP(BOOL, FindNextFileW)
__NSHM_UNSUP(BOOL, FindClose)
__NSHM_UNSUP(DWORD, GetFileSize)
__NSHM_UNSUP(BOOL, GetFileSizeEx)
__NSHM_UNSUP(DWORD, SetFilePointer)
__NSHM_UNSUP(BOOL, SetFilePointerEx)
__NSHM_UNSUP(BOOL, FlushFileBuffers)
__NSHM_UNSUP(BOOL, SetEndOfFile)
__NSHM_UNSUP(DWORD, GetFileAttributesA)
__NSHM_UNSUP(DWORD, GetFileAttributesW)
__NSHM_UNSUP(BOOL, CreateDirectoryA)
__NSHM_UNSUP(BOOL, CreateDirectoryW)
__NSHM_UNSUP(BOOL, RemoveDirectoryA)
__NSHM_UNSUP(BOOL, RemoveDirectoryW)
__NSHM_UNSUP(DWORD, GetTempPathA)
__NSHM_UNSUP(DWORD, GetTempPathW)
__NSHM_UNSUP(UINT, GetTempFileNameA)
__NSHM_UNSUP(UINT, GetTempFileNameW)
__NSHM_UNSUP(DWORD, GetCurrentDirectoryA)
__NSHM_UNSUP(DWORD, GetCurrentDirectoryW)
__NSHM_UNSUP(BOOL, SetCurrentDirectoryA)
__NSHM_UNSUP(BOOL, SetCurrentDirectoryW)
__NSHM_UNSUP(DWORD, GetFullPathNameA)
__NSHM_UNSUP(DWORD, GetFullPathNameW)
__NSHM_UNSUP(BOOL, LockFileEx)
__NSHM_UNSUP(BOOL, UnlockFileEx)
__NSHM_UNSUP(BOOL, DeviceIoControl)
__NSHM_UNSUP(HANDLE, GetStdHandle)
__NSHM_UNSUP(BOOL, WriteConsoleA)
__NSHM_UNSUP(BOOL, WriteConsoleW)
__NSHM_UNSUP(BOOL, ReadConsoleA)
__NSHM_UNSUP(BOOL, ReadConsoleW)
__NSHM_UNSUP(BOOL, SetConsoleCtrlHandler)
__NSHM_UNSUP(BOOL, SetConsoleTitleA)
__NSHM_UNSUP(BOOL, SetConsoleTitleW)
__NSHM_UNSUP(HANDLE, CreatePipe)
__NSHM_UNSUP(HANDLE, CreateNamedPipeA)
__NSHM_UNSUP(HANDLE, CreateNamedPipeW)
__NSHM_UNSUP(BOOL, ConnectNamedPipe)
__NSHM_UNSUP(BOOL, PeekNamedPipe)
__NSHM_UNSUP(HANDLE, CreateMailslotA)
__NSHM_UNSUP(HANDLE, CreateMailslotW)
__NSHM_UNSUP(HANDLE, CreateIoCompletionPort)
__NSHM_UNSUP(BOOL, GetQueuedCompletionStatus)
#ifdef UNICODE
#define CreateFile CreateFileW
#define DeleteFile DeleteFileW
#define CopyFile CopyFileW
#define MoveFile MoveFileW
#define FindFirstFile FindFirstFileW
#define FindNextFile FindNextFileW
#define GetFileAttributes GetFileAttributesW
#define CreateDirectory CreateDirectoryW
#define RemoveDirectory RemoveDirectoryW
#define GetTempPath GetTempPathW
#define GetTempFileName GetTempFileNameW
#define GetCurrentDirectory GetCurrentDirectoryW
#define SetCurrentDirectory SetCurrentDirectoryW
#define GetFullPathName GetFullPathNameW
#define WriteConsole WriteConsoleW
#define ReadConsole ReadConsoleW
#define SetConsoleTitle SetConsoleTitleW
#define CreateNamedPipe CreateNamedPipeW
#define CreateMailslot CreateMailslotW
#else
#define CreateFile CreateFileA
#define DeleteFile DeleteFileA
#define CopyFile CopyFileA
#define MoveFile MoveFileA
#define FindFirstFile FindFirstFileA
#define FindNextFile FindNextFileA
#define GetFileAttributes GetFileAttributesA
#define CreateDirectory CreateDirectoryA
#define RemoveDirectory RemoveDirectoryA
#define GetTempPath GetTempPathA
#define GetTempFileName GetTempFileNameA
#define GetCurrentDirectory GetCurrentDirectoryA
#define SetCurrentDirectory SetCurrentDirectoryA
#define GetFullPathName GetFullPathNameA
#define WriteConsole WriteConsoleA
#define ReadConsole ReadConsoleA
#define SetConsoleTitle SetConsoleTitleA
#define CreateNamedPipe CreateNamedPipeA
#define CreateMailslot CreateMailslotA
#endif

/* processes, modules, environment */
__NSHM_UNSUP(BOOL, CreateProcessA)
__NSHM_UNSUP(BOOL, CreateProcessW)
__NSHM_UNSUP(HANDLE, OpenProcess)
__NSHM_UNSUP(BOOL, TerminateProcess)
__NSHM_UNSUP(BOOL, GetExitCodeProcess)
__NSHM_UNSUP(BOOL, TerminateThread)
__NSHM_UNSUP(DWORD, SuspendThread)
__NSHM_UNSUP(DWORD, ResumeThread)
__NSHM_UNSUP(HANDLE, OpenThread)
__NSHM_UNSUP(DWORD, GetModuleFileNameA)
__NSHM_UNSUP(DWORD, GetModuleFileNameW)
__NSHM_UNSUP(HMODULE, GetModuleHandleA)
__NSHM_UNSUP(HMODULE, GetModuleHandleW)
__NSHM_UNSUP(HMODULE, LoadLibraryA)
__NSHM_UNSUP(HMODULE, LoadLibraryW)
__NSHM_UNSUP(HMODULE, LoadLibraryExA)
__NSHM_UNSUP(HMODULE, LoadLibraryExW)
__NSHM_UNSUP(BOOL, FreeLibrary)
__NSHM_UNSUP(void *, GetProcAddress)
__NSHM_UNSUP(LPSTR, GetCommandLineA)
__NSHM_UNSUP(LPSTR, GetCommandLineW)
__NSHM_UNSUP(DWORD, GetEnvironmentVariableA)
__NSHM_UNSUP(DWORD, GetEnvironmentVariableW)
__NSHM_UNSUP(BOOL, SetEnvironmentVariableA)
__NSHM_UNSUP(BOOL, SetEnvironmentVariableW)
__NSHM_UNSUP(DWORD, ExpandEnvironmentStringsA)
__NSHM_UNSUP(DWORD, ExpandEnvironmentStringsW)
__NSHM_UNSUP(BOOL, GetComputerNameA)
__NSHM_UNSUP(BOOL, GetComputerNameW)
__NSHM_UNSUP(BOOL, GetUserNameA)
__NSHM_UNSUP(BOOL, GetUserNameW)
__NSHM_UNSUP(BOOL, GetVersionExA)
__NSHM_UNSUP(BOOL, GetVersionExW)
__NSHM_UNSUP(DWORD, QueueUserAPC)
__NSHM_UNSUP(void, RaiseException)
__NSHM_UNSUP(void *, SetUnhandledExceptionFilter)
__NSHM_UNSUP(BOOL, IsDebuggerPresent)
__NSHM_UNSUP(void, DebugBreak)
__NSHM_UNSUP(HANDLE, CreateWaitableTimerA)
__NSHM_UNSUP(HANDLE, CreateWaitableTimerW)
__NSHM_UNSUP(BOOL, SetWaitableTimer)
__NSHM_UNSUP(BOOL, CancelWaitableTimer)
#ifdef UNICODE
#define CreateProcess CreateProcessW
#define GetModuleFileName GetModuleFileNameW
#define GetModuleHandle GetModuleHandleW
#define LoadLibrary LoadLibraryW
#define LoadLibraryEx LoadLibraryExW
#define GetCommandLine GetCommandLineW
#define GetEnvironmentVariable GetEnvironmentVariableW
#define SetEnvironmentVariable SetEnvironmentVariableW
#define ExpandEnvironmentStrings ExpandEnvironmentStringsW
#define GetComputerName GetComputerNameW
#define GetUserName GetUserNameW
#define GetVersionEx GetVersionExW
#define CreateWaitableTimer CreateWaitableTimerW
#else
#define CreateProcess CreateProcessA
#define GetModuleFileName GetModuleFileNameA
#define GetModuleHandle GetModuleHandleA
#define LoadLibrary LoadLibraryA
#define LoadLibraryEx LoadLibraryExA
#define GetCommandLine GetCommandLineA
#define GetEnvironmentVariable GetEnvironmentVariableA
#define SetEnvironmentVariable SetEnvironmentVariableA
#define ExpandEnvironmentStrings ExpandEnvironmentStringsA
#define GetComputerName GetComputerNameA
#define GetUserName GetUserNameA
#define GetVersionEx GetVersionExA
#define CreateWaitableTimer CreateWaitableTimerA
#endif

/* virtual memory */
__NSHM_UNSUP(LPVOID, VirtualAlloc)
__NSHM_UNSUP(BOOL, VirtualFree)
__NSHM_UNSUP(BOOL, VirtualProtect)
__NSHM_UNSUP(SIZE_T, VirtualQuery)
__NSHM_UNSUP(BOOL, VirtualLock)
__NSHM_UNSUP(BOOL, VirtualUnlock)
__NSHM_UNSUP(LPVOID, VirtualAllocEx)
__NSHM_UNSUP(BOOL, ReadProcessMemory)
__NSHM_UNSUP(BOOL, WriteProcessMemory)
#ifdef UNICODE
#else
#endif

/* the registry */
__NSHM_UNSUP(LONG, RegOpenKeyExA)
__NSHM_UNSUP(LONG, RegOpenKeyExW)
__NSHM_UNSUP(LONG, RegCreateKeyExA)
__NSHM_UNSUP(LONG, RegCreateKeyExW)
__NSHM_UNSUP(LONG, RegQueryValueExA)
__NSHM_UNSUP(LONG, RegQueryValueExW)
__NSHM_UNSUP(LONG, RegSetValueExA)
__NSHM_UNSUP(LONG, RegSetValueExW)
__NSHM_UNSUP(LONG, RegDeleteKeyA)
__NSHM_UNSUP(LONG, RegDeleteKeyW)
__NSHM_UNSUP(LONG, RegDeleteValueA)
__NSHM_UNSUP(LONG, RegDeleteValueW)
__NSHM_UNSUP(LONG, RegCloseKey)
__NSHM_UNSUP(LONG, RegEnumKeyExA)
__NSHM_UNSUP(LONG, RegEnumKeyExW)
__NSHM_UNSUP(LONG, RegEnumValueA)
__NSHM_UNSUP(LONG, RegEnumValueW)
#ifdef UNICODE
#define RegOpenKeyEx RegOpenKeyExW
#define RegCreateKeyEx RegCreateKeyExW
#define RegQueryValueEx RegQueryValueExW
#define RegSetValueEx RegSetValueExW
#define RegDeleteKey RegDeleteKeyW
#define RegDeleteValue RegDeleteValueW
#define RegEnumKeyEx RegEnumKeyExW
#define RegEnumValue RegEnumValueW
#else
#define RegOpenKeyEx RegOpenKeyExA
#define RegCreateKeyEx RegCreateKeyExA
#define RegQueryValueEx RegQueryValueExA
#define RegSetValueEx RegSetValueExA
#define RegDeleteKey RegDeleteKeyA
#define RegDeleteValue RegDeleteValueA
#define RegEnumKeyEx RegEnumKeyExA
#define RegEnumValue RegEnumValueA
#endif

/* windows and messages */
__NSHM_UNSUP(HWND, CreateWindowExA)
__NSHM_UNSUP(HWND, CreateWindowExW)
__NSHM_UNSUP(LRESULT, DefWindowProcA)
__NSHM_UNSUP(LRESULT, DefWindowProcW)
__NSHM_UNSUP(BOOL, GetMessageA)
__NSHM_UNSUP(BOOL, GetMessageW)
__NSHM_UNSUP(LRESULT, DispatchMessageA)
__NSHM_UNSUP(LRESULT, DispatchMessageW)
__NSHM_UNSUP(BOOL, TranslateMessage)
__NSHM_UNSUP(BOOL, PeekMessageA)
__NSHM_UNSUP(BOOL, PeekMessageW)
__NSHM_UNSUP(LRESULT, SendMessageA)
__NSHM_UNSUP(LRESULT, SendMessageW)
__NSHM_UNSUP(WORD, RegisterClassExA)
__NSHM_UNSUP(WORD, RegisterClassExW)
__NSHM_UNSUP(WORD, RegisterClassA)
__NSHM_UNSUP(WORD, RegisterClassW)
__NSHM_UNSUP(BOOL, ShowWindow)
__NSHM_UNSUP(BOOL, UpdateWindow)
__NSHM_UNSUP(BOOL, DestroyWindow)
__NSHM_UNSUP(void, PostQuitMessage)
__NSHM_UNSUP(HWND, FindWindowA)
__NSHM_UNSUP(HWND, FindWindowW)
__NSHM_UNSUP(UINT_PTR, SetTimer)
__NSHM_UNSUP(BOOL, KillTimer)
__NSHM_UNSUP(BOOL, MessageBeep)
#ifdef UNICODE
#define CreateWindowEx CreateWindowExW
#define DefWindowProc DefWindowProcW
#define GetMessage GetMessageW
#define DispatchMessage DispatchMessageW
#define PeekMessage PeekMessageW
#define SendMessage SendMessageW
#define RegisterClassEx RegisterClassExW
#define RegisterClass RegisterClassW
#define FindWindow FindWindowW
#else
#define CreateWindowEx CreateWindowExA
#define DefWindowProc DefWindowProcA
#define GetMessage GetMessageA
#define DispatchMessage DispatchMessageA
#define PeekMessage PeekMessageA
#define SendMessage SendMessageA
#define RegisterClassEx RegisterClassExA
#define RegisterClass RegisterClassA
#define FindWindow FindWindowA
#endif
#endif
