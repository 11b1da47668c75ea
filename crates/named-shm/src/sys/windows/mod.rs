//! Windows backend: the native Win32 calls (not implemented yet).

compile_error!("the Windows backend is not implemented yet");
