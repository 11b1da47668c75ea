//! The Win32 error codes named-shm reports, in one table: [`Error::win32_code`](crate::Error::win32_code),
//! both backends and the C layer (`named-shm-win32`) use these names, never
//! the numbers. Values are `winerror.h`'s; see
//! <https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes>.
//!
//! ```
//! use named_shm::{code, SharedMemory};
//! let e = SharedMemory::options().access(named_shm::Access::Read).open("doc-code-never-created").unwrap_err();
//! assert_eq!(e.win32_code(), code::ERROR_FILE_NOT_FOUND);
//! ```

/// The operation completed successfully.
pub const ERROR_SUCCESS: u32 = 0;
/// No object has the name.
pub const ERROR_FILE_NOT_FOUND: u32 = 2;
/// A `\` in a name after an unknown prefix (no such object directory).
pub const ERROR_PATH_NOT_FOUND: u32 = 3;
/// The caller may not do this to the object.
pub const ERROR_ACCESS_DENIED: u32 = 5;
/// Not a handle, or the name belongs to an object of another type.
pub const ERROR_INVALID_HANDLE: u32 = 6;
/// Not enough memory (or address space) for the request.
pub const ERROR_NOT_ENOUGH_MEMORY: u32 = 8;
/// Not enough memory to complete the operation.
pub const ERROR_OUTOFMEMORY: u32 = 14;
/// A general failure of the system (no more specific code applies).
pub const ERROR_GEN_FAILURE: u32 = 31;
/// The request is not supported.
pub const ERROR_NOT_SUPPORTED: u32 = 50;
/// An invalid parameter.
pub const ERROR_INVALID_PARAMETER: u32 = 87;
/// The name is malformed.
pub const ERROR_INVALID_NAME: u32 = 123;
/// A path name is malformed.
pub const ERROR_BAD_PATHNAME: u32 = 161;
/// The name is already in use (also the "opened an existing object" code
/// of a successful `Create*`).
pub const ERROR_ALREADY_EXISTS: u32 = 183;
/// `SEC_IMAGE` without an executable image.
pub const ERROR_BAD_EXE_FORMAT: u32 = 193;
/// The name is too long.
pub const ERROR_FILENAME_EXCED_RANGE: u32 = 206;
/// A wait timed out (`WAIT_TIMEOUT` as an error code).
pub const WAIT_TIMEOUT: u32 = 258;
/// A mutex was released by a thread that does not own it.
pub const ERROR_NOT_OWNER: u32 = 288;
/// A semaphore's count would exceed its maximum.
pub const ERROR_TOO_MANY_POSTS: u32 = 298;
/// The address of a fixed view is not free, or not valid.
pub const ERROR_INVALID_ADDRESS: u32 = 487;
/// A view offset is not a multiple of the allocation granularity.
pub const ERROR_MAPPED_ALIGNMENT: u32 = 1132;
/// A privilege (e.g. `SeCreateGlobalPrivilege`) is missing.
pub const ERROR_PRIVILEGE_NOT_HELD: u32 = 1314;
/// An internal error (the C layer reports a caught panic with it).
pub const ERROR_INTERNAL_ERROR: u32 = 1359;
/// Not enough system resources (handles) for the request.
pub const ERROR_NO_SYSTEM_RESOURCES: u32 = 1450;
/// The paging file is too small for the commit.
pub const ERROR_COMMITMENT_LIMIT: u32 = 1455;
