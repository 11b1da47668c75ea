/* Process memory (named-shm-win32): LocalAlloc/LocalFree, HeapAlloc and
 * friends on malloc. Included by windows.h.
 *
 * Every block carries a 16-byte header with its size, so that HeapSize,
 * LocalSize and HeapReAlloc(HEAP_ZERO_MEMORY) know it; blocks from any of
 * these functions may be freed by any other of them (LocalFree, HeapFree),
 * never by free(). LMEM_MOVEABLE memory is fixed (LocalLock returns the
 * pointer itself). There is one heap: GetProcessHeap's. */
#ifndef NAMED_SHM_WIN32_HEAP_H
#define NAMED_SHM_WIN32_HEAP_H
#include <stdlib.h>
#include <string.h>

#define LMEM_FIXED 0x0000
#define LMEM_MOVEABLE 0x0002
#define LMEM_ZEROINIT 0x0040
#define LPTR (LMEM_FIXED | LMEM_ZEROINIT)
#define LHND (LMEM_MOVEABLE | LMEM_ZEROINIT)
#define GMEM_FIXED 0x0000
#define GMEM_MOVEABLE 0x0002
#define GMEM_ZEROINIT 0x0040
#define GPTR (GMEM_FIXED | GMEM_ZEROINIT)
#define HEAP_NO_SERIALIZE 0x00000001
#define HEAP_GENERATE_EXCEPTIONS 0x00000004
#define HEAP_ZERO_MEMORY 0x00000008
#define HEAP_REALLOC_IN_PLACE_ONLY 0x00000010

#define __NSHM_H static __inline__ __attribute__((unused))
#define __NSHM_HDR 16

__NSHM_H void *__nshm_alloc(SIZE_T size, int zero)
{
    if (size > (SIZE_T)-1 - __NSHM_HDR) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    unsigned char *p = (unsigned char *)(zero ? calloc(1, size + __NSHM_HDR) : malloc(size + __NSHM_HDR));
    if (!p) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    memcpy(p, &size, sizeof size);
    return p + __NSHM_HDR;
}
__NSHM_H SIZE_T __nshm_size(const void *p)
{
    SIZE_T n;
    memcpy(&n, (const unsigned char *)p - __NSHM_HDR, sizeof n);
    return n;
}
__NSHM_H void __nshm_free(void *p)
{
    if (p)
        free((unsigned char *)p - __NSHM_HDR);
}
__NSHM_H void *__nshm_realloc(void *p, SIZE_T size, int zero)
{
    if (!p)
        return __nshm_alloc(size, zero);
    if (size > (SIZE_T)-1 - __NSHM_HDR) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    SIZE_T old = __nshm_size(p);
    unsigned char *q = (unsigned char *)realloc((unsigned char *)p - __NSHM_HDR, size + __NSHM_HDR);
    if (!q) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    memcpy(q, &size, sizeof size);
    if (zero && size > old)
        memset(q + __NSHM_HDR + old, 0, size - old);
    return q + __NSHM_HDR;
}

__NSHM_H HLOCAL LocalAlloc(UINT uFlags, SIZE_T uBytes) { return __nshm_alloc(uBytes, (uFlags & LMEM_ZEROINIT) != 0); }
/* NULL on success, as on Windows. */
__NSHM_H HLOCAL LocalFree(HLOCAL hMem)
{
    __nshm_free(hMem);
    return NULL;
}
__NSHM_H HLOCAL LocalReAlloc(HLOCAL hMem, SIZE_T uBytes, UINT uFlags)
{
    return __nshm_realloc(hMem, uBytes, (uFlags & LMEM_ZEROINIT) != 0);
}
__NSHM_H SIZE_T LocalSize(HLOCAL hMem) { return hMem ? __nshm_size(hMem) : 0; }
__NSHM_H LPVOID LocalLock(HLOCAL hMem) { return hMem; }
__NSHM_H BOOL LocalUnlock(HLOCAL hMem)
{
    (void)hMem;
    return FALSE;
}
#define GlobalAlloc(f, n) LocalAlloc((f), (n))
#define GlobalFree(h) LocalFree(h)
#define GlobalReAlloc(h, n, f) LocalReAlloc((h), (n), (f))
#define GlobalSize(h) LocalSize(h)
#define GlobalLock(h) LocalLock(h)
#define GlobalUnlock(h) LocalUnlock(h)

__NSHM_H HANDLE GetProcessHeap(void) { return (HANDLE)(ULONG_PTR)0x10000; }
__NSHM_H LPVOID HeapAlloc(HANDLE hHeap, DWORD dwFlags, SIZE_T dwBytes)
{
    (void)hHeap;
    return __nshm_alloc(dwBytes, (dwFlags & HEAP_ZERO_MEMORY) != 0);
}
__NSHM_H BOOL HeapFree(HANDLE hHeap, DWORD dwFlags, LPVOID lpMem)
{
    (void)hHeap;
    (void)dwFlags;
    __nshm_free(lpMem);
    return TRUE;
}
__NSHM_H LPVOID HeapReAlloc(HANDLE hHeap, DWORD dwFlags, LPVOID lpMem, SIZE_T dwBytes)
{
    (void)hHeap;
    if (!lpMem || (dwFlags & HEAP_REALLOC_IN_PLACE_ONLY)) {
        SetLastError(lpMem ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_PARAMETER);
        return NULL;
    }
    return __nshm_realloc(lpMem, dwBytes, (dwFlags & HEAP_ZERO_MEMORY) != 0);
}
__NSHM_H SIZE_T HeapSize(HANDLE hHeap, DWORD dwFlags, LPCVOID lpMem)
{
    (void)hHeap;
    (void)dwFlags;
    return lpMem ? __nshm_size(lpMem) : (SIZE_T)-1;
}
#undef __NSHM_H
#endif
