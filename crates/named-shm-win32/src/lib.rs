//! Win32 C ABI over `named-shm` (placeholder until the layer lands).
