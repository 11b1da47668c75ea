/* The Interlocked* family (named-shm-win32): GCC __atomic builtins,
 * sequentially consistent (full barriers, as on Windows). They work on any
 * aligned memory, shared views included. LONG is 32-bit, LONG64 64-bit.
 * Included by windows.h. */
#ifndef NAMED_SHM_WIN32_INTERLOCKED_H
#define NAMED_SHM_WIN32_INTERLOCKED_H

typedef long long LONG64;
typedef LONG64 *PLONG64;

#define __NSHM_IL static __inline__ __attribute__((unused, always_inline))

__NSHM_IL LONG InterlockedIncrement(LONG volatile *a) { return __atomic_add_fetch(a, 1, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG InterlockedDecrement(LONG volatile *a) { return __atomic_sub_fetch(a, 1, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG InterlockedExchange(LONG volatile *a, LONG v) { return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG InterlockedExchangeAdd(LONG volatile *a, LONG v) { return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG InterlockedAdd(LONG volatile *a, LONG v) { return __atomic_add_fetch(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG InterlockedCompareExchange(LONG volatile *a, LONG exchange, LONG comparand)
{
    __atomic_compare_exchange_n(a, &comparand, exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return comparand;
}
__NSHM_IL LONG InterlockedAnd(LONG volatile *a, LONG v) { return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG InterlockedOr(LONG volatile *a, LONG v) { return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG InterlockedXor(LONG volatile *a, LONG v) { return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST); }

__NSHM_IL LONG64 InterlockedIncrement64(LONG64 volatile *a) { return __atomic_add_fetch(a, 1, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG64 InterlockedDecrement64(LONG64 volatile *a) { return __atomic_sub_fetch(a, 1, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG64 InterlockedExchange64(LONG64 volatile *a, LONG64 v) { return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG64 InterlockedExchangeAdd64(LONG64 volatile *a, LONG64 v) { return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG64 InterlockedAdd64(LONG64 volatile *a, LONG64 v) { return __atomic_add_fetch(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG64 InterlockedCompareExchange64(LONG64 volatile *a, LONG64 exchange, LONG64 comparand)
{
    __atomic_compare_exchange_n(a, &comparand, exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return comparand;
}
__NSHM_IL LONG64 InterlockedAnd64(LONG64 volatile *a, LONG64 v) { return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG64 InterlockedOr64(LONG64 volatile *a, LONG64 v) { return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL LONG64 InterlockedXor64(LONG64 volatile *a, LONG64 v) { return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST); }

__NSHM_IL PVOID InterlockedExchangePointer(PVOID volatile *a, PVOID v) { return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST); }
__NSHM_IL PVOID InterlockedCompareExchangePointer(PVOID volatile *a, PVOID exchange, PVOID comparand)
{
    __atomic_compare_exchange_n(a, &comparand, exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return comparand;
}

__NSHM_IL SHORT InterlockedIncrement16(SHORT volatile *a) { return __atomic_add_fetch(a, 1, __ATOMIC_SEQ_CST); }
__NSHM_IL SHORT InterlockedDecrement16(SHORT volatile *a) { return __atomic_sub_fetch(a, 1, __ATOMIC_SEQ_CST); }
__NSHM_IL SHORT InterlockedCompareExchange16(SHORT volatile *a, SHORT exchange, SHORT comparand)
{
    __atomic_compare_exchange_n(a, &comparand, exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return comparand;
}

#define _InterlockedIncrement InterlockedIncrement
#define _InterlockedDecrement InterlockedDecrement
#define _InterlockedExchange InterlockedExchange
#define _InterlockedExchangeAdd InterlockedExchangeAdd
#define _InterlockedCompareExchange InterlockedCompareExchange
#define _InterlockedAnd InterlockedAnd
#define _InterlockedOr InterlockedOr
#define _InterlockedXor InterlockedXor
#define _InterlockedIncrement64 InterlockedIncrement64
#define _InterlockedDecrement64 InterlockedDecrement64
#define _InterlockedExchange64 InterlockedExchange64
#define _InterlockedExchangeAdd64 InterlockedExchangeAdd64
#define _InterlockedCompareExchange64 InterlockedCompareExchange64
#define _InterlockedExchangePointer InterlockedExchangePointer
#define _InterlockedCompareExchangePointer InterlockedCompareExchangePointer
#define InterlockedIncrementAcquire InterlockedIncrement
#define InterlockedIncrementRelease InterlockedIncrement
#define InterlockedDecrementAcquire InterlockedDecrement
#define InterlockedDecrementRelease InterlockedDecrement
#define InterlockedCompareExchangeAcquire InterlockedCompareExchange
#define InterlockedCompareExchangeRelease InterlockedCompareExchange
#define InterlockedExchangeAcquire InterlockedExchange
#define MemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#if defined(__x86_64__) || defined(__i386__)
#define YieldProcessor() __builtin_ia32_pause()
#else
#define YieldProcessor() ((void)0)
#endif
#undef __NSHM_IL
#endif
