//! Win32 constants, with the Windows SDK's values (see
//! `docs/win32-semantics.md`). The C headers repeat them. Error codes come
//! from the library's table (`named_shm::code`); only the ones the library
//! never reports are added here.

#![allow(missing_docs)]

// The error codes: the library's one table.
pub use named_shm::code::*;
/// Invalid access to memory location (a bad output pointer).
pub const ERROR_NOACCESS: u32 = 998;

pub const PAGE_NOACCESS: u32 = 0x01;
pub const PAGE_READONLY: u32 = 0x02;
pub const PAGE_READWRITE: u32 = 0x04;
pub const PAGE_WRITECOPY: u32 = 0x08;
pub const PAGE_EXECUTE: u32 = 0x10;
pub const PAGE_EXECUTE_READ: u32 = 0x20;
pub const PAGE_EXECUTE_READWRITE: u32 = 0x40;
pub const PAGE_EXECUTE_WRITECOPY: u32 = 0x80;

pub const SEC_FILE: u32 = 0x0080_0000;
pub const SEC_IMAGE: u32 = 0x0100_0000;
pub const SEC_RESERVE: u32 = 0x0400_0000;
pub const SEC_COMMIT: u32 = 0x0800_0000;
pub const SEC_NOCACHE: u32 = 0x1000_0000;
pub const SEC_WRITECOMBINE: u32 = 0x4000_0000;
pub const SEC_LARGE_PAGES: u32 = 0x8000_0000;
/// Every `SEC_*` bit `CreateFileMapping` separates from the page protection.
pub const SEC_MASK: u32 =
    SEC_FILE | SEC_IMAGE | SEC_RESERVE | SEC_COMMIT | SEC_NOCACHE | SEC_WRITECOMBINE | SEC_LARGE_PAGES;

pub const SECTION_QUERY: u32 = 0x1;
pub const SECTION_MAP_WRITE: u32 = 0x2;
pub const SECTION_MAP_READ: u32 = 0x4;
pub const SECTION_MAP_EXECUTE: u32 = 0x8;
pub const SECTION_EXTEND_SIZE: u32 = 0x10;
pub const SECTION_ALL_ACCESS: u32 = 0xF001F;
pub const FILE_MAP_COPY: u32 = 0x1;
pub const FILE_MAP_WRITE: u32 = 0x2;
pub const FILE_MAP_READ: u32 = 0x4;
pub const FILE_MAP_EXECUTE: u32 = 0x20;

pub const STANDARD_RIGHTS_REQUIRED: u32 = 0xF0000;
pub const STANDARD_RIGHTS_READ: u32 = 0x20000;
pub const STANDARD_RIGHTS_WRITE: u32 = 0x20000;
pub const STANDARD_RIGHTS_EXECUTE: u32 = 0x20000;
pub const SYNCHRONIZE: u32 = 0x10_0000;
pub const GENERIC_READ: u32 = 0x8000_0000;
pub const GENERIC_WRITE: u32 = 0x4000_0000;
pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
pub const GENERIC_ALL: u32 = 0x1000_0000;
pub const MAXIMUM_ALLOWED: u32 = 0x0200_0000;

pub const EVENT_QUERY_STATE: u32 = 0x1;
pub const EVENT_MODIFY_STATE: u32 = 0x2;
pub const EVENT_ALL_ACCESS: u32 = 0x1F0003;
pub const MUTANT_QUERY_STATE: u32 = 0x1;
pub const MUTEX_ALL_ACCESS: u32 = 0x1F0001;

pub const WAIT_OBJECT_0: u32 = 0;
pub const WAIT_ABANDONED_0: u32 = 0x80;
pub const WAIT_TIMEOUT: u32 = 0x102;
pub const WAIT_FAILED: u32 = 0xFFFF_FFFF;
pub const INFINITE: u32 = 0xFFFF_FFFF;
pub const MAXIMUM_WAIT_OBJECTS: u32 = 64;

pub const DUPLICATE_CLOSE_SOURCE: u32 = 1;
pub const DUPLICATE_SAME_ACCESS: u32 = 2;

pub const MAX_PATH: usize = 260;
pub const ALLOCATION_GRANULARITY: usize = 0x10000;
pub const PAGE_SIZE: usize = 0x1000;
