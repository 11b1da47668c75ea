/*
 * bcryptprimitives.dll shim for Wine 8.
 *
 * Rust's standard library for Windows (since 1.78) imports `ProcessPrng` from
 * bcryptprimitives.dll, which Wine 8.0 does not ship: every Rust .exe then
 * dies at start with status c0000135. This DLL exports that one function,
 * implemented with SystemFunction036 (RtlGenRandom) from advapi32.
 *
 * Built and installed by scripts/setup-wine.sh:
 *   x86_64-w64-mingw32-gcc -O2 -shared -o bcryptprimitives.dll processprng.c -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom is exported by advapi32 as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG; feed larger requests in chunks. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    /* Windows documents that ProcessPrng always returns TRUE. */
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst;
    (void)reason;
    (void)reserved;
    return TRUE;
}
