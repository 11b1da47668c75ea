//! The one error type of the crate, and the one place its values are built
//! ([`ErrorName`]: `name.not_found()`, `name.io("op", e)`, ...).

use crate::code::*;
use std::io;

/// The kind of a named object. All kinds share one namespace: a name held by
/// an object of one kind cannot be created or opened as another kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A named file mapping (shared memory section).
    Mapping,
    /// A named event.
    Event,
    /// A named mutex.
    Mutex,
    /// A named semaphore.
    Semaphore,
}

impl ObjectKind {
    /// A lower-case word for messages and listings: `mapping`, `event`,
    /// `mutex`, `semaphore`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Mapping => "mapping",
            ObjectKind::Event => "event",
            ObjectKind::Mutex => "mutex",
            ObjectKind::Semaphore => "semaphore",
        }
    }
}

impl std::fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong. Every message names the object and the cause;
/// when the operating system caused the failure, its error is the `source`.
///
/// Match the variants for what a program handles, and use
/// [`win32_code`](Self::win32_code) where a Windows error code is expected:
///
/// ```
/// use named_shm::{Access, Error, Event, SharedMemory};
///
/// let name = format!("doc-error-{}", std::process::id());
/// match SharedMemory::open(&name) {
///     Err(Error::NotFound { .. }) => {} // nobody holds the name (yet)
///     other => panic!("{other:?}"),
/// }
///
/// let shm = SharedMemory::create(&name, 4096)?;
/// let e = Event::open(&name).unwrap_err(); // the name is a mapping's
/// assert!(matches!(e, Error::WrongType { .. }));
/// assert_eq!(e.win32_code(), 6); // ERROR_INVALID_HANDLE, as on Windows
/// assert_eq!(e.win32_code(), named_shm::code::ERROR_INVALID_HANDLE);
/// println!("{e}"); // names the object and what it is
/// # drop(shm);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `create` found the name already in use (Windows: `ERROR_ALREADY_EXISTS`, 183).
    #[error("named object `{name}` already exists")]
    AlreadyExists {
        /// The object's name as the caller gave it.
        name: String,
    },

    /// No live object has this name (Windows: `ERROR_FILE_NOT_FOUND`, 2).
    #[error("named object `{name}` does not exist")]
    NotFound {
        /// The object's name as the caller gave it.
        name: String,
    },

    /// The caller may not do this to the object (Windows: `ERROR_ACCESS_DENIED`, 5).
    /// Creating in `Global\` without the grant is one such case: the message
    /// then says how an administrator grants it.
    #[error("access to `{name}` denied: {reason}{}", global_create_hint(name, reason))]
    PermissionDenied {
        /// The object's name as the caller gave it.
        name: String,
        /// What was refused.
        reason: String,
        /// The operating system's error, when it refused.
        #[source]
        source: Option<io::Error>,
    },

    /// The name is malformed (Windows: `ERROR_INVALID_NAME`, 123, or
    /// `ERROR_PATH_NOT_FOUND`, 3, for an unknown `\` prefix).
    #[error("invalid object name `{name}`: {reason}")]
    InvalidName {
        /// The name as the caller gave it (lossy for non-text bytes).
        name: String,
        /// What is wrong with it.
        reason: NameError,
    },

    /// The size is zero or too large to describe (Windows: `ERROR_INVALID_PARAMETER`, 87).
    #[error("invalid size {size} for `{name}`: {reason}")]
    InvalidSize {
        /// The object's name.
        name: String,
        /// The size asked for.
        size: u64,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The memory for the object could not be reserved (Windows:
    /// `ERROR_NOT_ENOUGH_MEMORY`, 8, or `ERROR_COMMITMENT_LIMIT`, 1455).
    /// Nothing was left behind.
    #[error("not enough memory for {size} bytes of `{name}`")]
    OutOfMemory {
        /// The object's name.
        name: String,
        /// The size asked for, in bytes.
        size: u64,
        /// The operating system's error.
        #[source]
        source: Option<io::Error>,
    },

    /// The name belongs to an object of another kind (Windows: `ERROR_INVALID_HANDLE`, 6).
    #[error("`{name}` is used by another object type: it is a {found}, not a {expected}")]
    WrongType {
        /// The object's name.
        name: String,
        /// The kind the caller asked for.
        expected: ObjectKind,
        /// The kind the name belongs to.
        found: ObjectKind,
    },

    /// A view offset is not a multiple of [`ALLOCATION_GRANULARITY`](crate::ALLOCATION_GRANULARITY)
    /// (Windows: `ERROR_MAPPED_ALIGNMENT`, 1132).
    #[error("view offset {offset:#x} of `{name}` is not a multiple of the 64 KiB allocation granularity")]
    MisalignedOffset {
        /// The object's name.
        name: String,
        /// The offset asked for.
        offset: u64,
    },

    /// A view or access range does not fit the object (Windows: offset past the end
    /// is `ERROR_INVALID_PARAMETER`, 87; a view too long is `ERROR_ACCESS_DENIED`, 5).
    #[error("range offset {offset:#x} length {len:#x} is outside `{name}` of {size:#x} bytes")]
    OutOfRange {
        /// The object's name.
        name: String,
        /// Start of the range.
        offset: u64,
        /// Length of the range.
        len: u64,
        /// Size of the object or view.
        size: u64,
    },

    /// An invalid argument other than name, size or range (Windows: `ERROR_INVALID_PARAMETER`, 87).
    #[error("invalid argument for `{name}`: {reason}")]
    InvalidArgument {
        /// The object's name.
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// A view was asked for at an address that is not free (Windows:
    /// `ERROR_INVALID_ADDRESS`, 487).
    #[error("cannot map a view of `{name}` at {addr:#x}: the address range is in use")]
    AddressInUse {
        /// The object's name.
        name: String,
        /// The address asked for.
        addr: usize,
    },

    /// A mutex was released by a thread that does not own it (Windows: `ERROR_NOT_OWNER`, 288).
    #[error("mutex `{name}` is not owned by the calling thread")]
    NotOwner {
        /// The mutex's name.
        name: String,
    },

    /// The process (or the system) has no descriptor left for another handle
    /// (Windows: `ERROR_NO_SYSTEM_RESOURCES`, 1450, what Windows reports
    /// when its handle table cannot grow). On Linux every handle is an open
    /// file: the first use of the crate raises the soft `RLIMIT_NOFILE` to
    /// the hard limit (see the README), and this error names the limit.
    #[error("cannot open another handle for `{name}`: {}", handle_limit_text(*limit))]
    OutOfHandles {
        /// The object's name.
        name: String,
        /// The process's descriptor limit, or `None` when the system-wide
        /// table is full.
        limit: Option<u64>,
    },

    /// A semaphore release would pass its maximum count; nothing was added
    /// (Windows: `ERROR_TOO_MANY_POSTS`, 298).
    #[error("releasing {count} to semaphore `{name}` would pass its maximum count {maximum}")]
    TooManyPosts {
        /// The semaphore's name.
        name: String,
        /// The count asked to release.
        count: i32,
        /// The semaphore's maximum count.
        maximum: i32,
    },

    /// A wait or lock did not complete in time (Windows: `WAIT_TIMEOUT`, 258).
    #[error("timed out waiting for `{name}` ({what})")]
    Timeout {
        /// The object's name.
        name: String,
        /// What was being waited for.
        what: &'static str,
    },

    /// Something that is not one of our objects sits at the name (a symlink, FIFO,
    /// directory, a file of a foreign owner or without a valid header), or an
    /// orphan the caller may not reclaim. It is never adopted, truncated or written.
    #[error("name `{name}` is occupied by {what}; refusing to use it")]
    NameOccupied {
        /// The object's name.
        name: String,
        /// What was found there.
        what: String,
    },

    /// The namespace directory is unsafe (foreign owner, wrong mode, a symlink or a
    /// file in its place); nothing in it is trusted.
    #[error("namespace directory {path} is unsafe: {reason}")]
    UnsafeNamespace {
        /// The directory's path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The operation or option is not supported on this platform or system.
    #[error("{what} is not supported here")]
    Unsupported {
        /// What was asked for.
        what: &'static str,
    },

    /// Any other operating-system failure.
    #[error("{op} failed for `{name}`")]
    Io {
        /// The object's name (or the path involved).
        name: String,
        /// The operation, e.g. `mmap`.
        op: &'static str,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// The Win32 error code Windows reports for the same failure
    /// (`GetLastError()` after the corresponding kernel32 call).
    pub fn win32_code(&self) -> u32 {
        match self {
            Error::AlreadyExists { .. } => ERROR_ALREADY_EXISTS,
            Error::NotFound { .. } => ERROR_FILE_NOT_FOUND,
            Error::PermissionDenied { .. } => ERROR_ACCESS_DENIED,
            Error::InvalidName { reason, .. } => reason.win32_code(),
            Error::InvalidSize { .. } => ERROR_INVALID_PARAMETER,
            Error::OutOfMemory { .. } => ERROR_NOT_ENOUGH_MEMORY,
            Error::WrongType { .. } => ERROR_INVALID_HANDLE,
            Error::MisalignedOffset { .. } => ERROR_MAPPED_ALIGNMENT,
            Error::OutOfRange { offset, size, .. } => {
                if offset >= size {
                    ERROR_INVALID_PARAMETER
                } else {
                    ERROR_ACCESS_DENIED
                }
            }
            Error::InvalidArgument { .. } => ERROR_INVALID_PARAMETER,
            Error::AddressInUse { .. } => ERROR_INVALID_ADDRESS,
            Error::NotOwner { .. } => ERROR_NOT_OWNER,
            Error::TooManyPosts { .. } => ERROR_TOO_MANY_POSTS,
            Error::OutOfHandles { .. } => ERROR_NO_SYSTEM_RESOURCES,
            Error::Timeout { .. } => WAIT_TIMEOUT,
            Error::NameOccupied { .. } => ERROR_ACCESS_DENIED,
            Error::UnsafeNamespace { .. } => ERROR_ACCESS_DENIED,
            Error::Unsupported { .. } => ERROR_NOT_SUPPORTED,
            Error::Io { source, .. } => crate::sys::win32_code(source),
        }
    }

    /// The `std::io::ErrorKind` that best describes this error.
    pub fn io_kind(&self) -> io::ErrorKind {
        use io::ErrorKind as K;
        match self {
            Error::AlreadyExists { .. } => K::AlreadyExists,
            Error::NotFound { .. } => K::NotFound,
            Error::PermissionDenied { .. } | Error::NameOccupied { .. } | Error::UnsafeNamespace { .. } => {
                K::PermissionDenied
            }
            Error::InvalidName { .. }
            | Error::InvalidSize { .. }
            | Error::MisalignedOffset { .. }
            | Error::OutOfRange { .. }
            | Error::InvalidArgument { .. }
            | Error::WrongType { .. }
            | Error::TooManyPosts { .. } => K::InvalidInput,
            Error::OutOfMemory { .. } => K::OutOfMemory,
            Error::OutOfHandles { .. } => K::Other,
            Error::NotOwner { .. } => K::PermissionDenied,
            Error::AddressInUse { .. } => K::AddrInUse,
            Error::Timeout { .. } => K::TimedOut,
            Error::Unsupported { .. } => K::Unsupported,
            Error::Io { source, .. } => source.kind(),
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(e.io_kind(), e)
    }
}

fn handle_limit_text(limit: Option<u64>) -> String {
    match limit {
        Some(n) => format!(
            "the process has reached its limit of {n} open descriptors (RLIMIT_NOFILE: raise the hard \
             limit with `ulimit -Hn`, `LimitNOFILE=` in a systemd unit or /etc/security/limits.conf)"
        ),
        None => "the system's table of open files is full (fs.file-max)".to_owned(),
    }
}

/// Appended to the reason when creating in `Global\` is refused: how the
/// grant (the counterpart of Windows' `SeCreateGlobalPrivilege`) is given.
pub(crate) const GLOBAL_GRANT_HINT: &str = "; creating in `Global\\` needs a grant, as on Windows \
(SeCreateGlobalPrivilege): an administrator runs `nshm setup-global` (as root) and adds the user \
to its group (`usermod -aG named-shm USER`, effective at the next login); `Local\\` names need no grant";

/// The hint for a refused create or publish of a `Global\` object (whose
/// reasons start with "cannot create" / "cannot publish"), else nothing.
fn global_create_hint(name: &str, reason: &str) -> &'static str {
    let creating = reason.starts_with("cannot create") || reason.starts_with("cannot publish");
    if creating && name.starts_with("Global\\") && !reason.contains(GLOBAL_GRANT_HINT) {
        GLOBAL_GRANT_HINT
    } else {
        ""
    }
}

/// What is wrong with a name ([`Error::InvalidName`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty (after its prefix).
    #[error("the name is empty")]
    Empty,
    /// A `\` other than after `Local` or `Global`.
    #[error("a backslash may only follow the `Local` or `Global` prefix (no such directory)")]
    UnknownPrefix,
    /// The name contains a NUL character.
    #[error("the name contains a NUL character")]
    Nul,
    /// Longer than [`MAX_NAME_LEN`](crate::MAX_NAME_LEN) bytes.
    #[error("the name is longer than 1024 bytes")]
    TooLong,
    /// `Session\` is reserved by Windows.
    #[error("the `Session\\` prefix is reserved for the system")]
    Session,
    /// Not valid text (from a C caller).
    #[error("the name is not valid UTF-8/UTF-16 text")]
    NotText,
    /// The operating system refused the name (Windows: `ERROR_INVALID_NAME`).
    #[error("the system rejected the name")]
    RejectedBySystem,
}

impl NameError {
    /// The Win32 code Windows reports: `ERROR_PATH_NOT_FOUND` (3) for an
    /// unknown prefix, `ERROR_FILENAME_EXCED_RANGE` (206) for a name too
    /// long, else `ERROR_INVALID_NAME` (123).
    pub fn win32_code(self) -> u32 {
        match self {
            NameError::UnknownPrefix => ERROR_PATH_NOT_FOUND,
            NameError::TooLong => ERROR_FILENAME_EXCED_RANGE,
            NameError::Empty
            | NameError::Nul
            | NameError::Session
            | NameError::NotText
            | NameError::RejectedBySystem => ERROR_INVALID_NAME,
        }
    }
}

/// Builds the errors of one object: each variant is made here and nowhere
/// else, from whatever names the object (`ObjectName`, `&str`, `Arc<str>`).
// Each backend builds the errors it can meet; not every one meets all.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) trait ErrorName {
    /// The name as the caller gave it, for the message.
    fn err_name(&self) -> String;

    fn not_found(&self) -> Error {
        Error::NotFound {
            name: self.err_name(),
        }
    }
    fn already_exists(&self) -> Error {
        Error::AlreadyExists {
            name: self.err_name(),
        }
    }
    fn invalid_name(&self, reason: NameError) -> Error {
        Error::InvalidName {
            name: self.err_name(),
            reason,
        }
    }
    /// `PermissionDenied` decided by us (no OS error).
    fn denied(&self, reason: impl Into<String>) -> Error {
        Error::PermissionDenied {
            name: self.err_name(),
            reason: reason.into(),
            source: None,
        }
    }
    /// `PermissionDenied` reported by the operating system.
    fn denied_by(&self, reason: impl Into<String>, source: io::Error) -> Error {
        Error::PermissionDenied {
            name: self.err_name(),
            reason: reason.into(),
            source: Some(source),
        }
    }
    fn invalid_size(&self, size: u64, reason: &'static str) -> Error {
        Error::InvalidSize {
            name: self.err_name(),
            size,
            reason,
        }
    }
    fn out_of_memory(&self, size: u64, source: Option<io::Error>) -> Error {
        Error::OutOfMemory {
            name: self.err_name(),
            size,
            source,
        }
    }
    fn wrong_type(&self, expected: ObjectKind, found: ObjectKind) -> Error {
        Error::WrongType {
            name: self.err_name(),
            expected,
            found,
        }
    }
    fn misaligned(&self, offset: u64) -> Error {
        Error::MisalignedOffset {
            name: self.err_name(),
            offset,
        }
    }
    fn out_of_range(&self, offset: u64, len: u64, size: u64) -> Error {
        Error::OutOfRange {
            name: self.err_name(),
            offset,
            len,
            size,
        }
    }
    fn invalid_arg(&self, reason: impl Into<String>) -> Error {
        Error::InvalidArgument {
            name: self.err_name(),
            reason: reason.into(),
        }
    }
    fn address_in_use(&self, addr: usize) -> Error {
        Error::AddressInUse {
            name: self.err_name(),
            addr,
        }
    }
    fn not_owner(&self) -> Error {
        Error::NotOwner {
            name: self.err_name(),
        }
    }
    fn timeout(&self, what: &'static str) -> Error {
        Error::Timeout {
            name: self.err_name(),
            what,
        }
    }
    fn occupied(&self, what: impl Into<String>) -> Error {
        Error::NameOccupied {
            name: self.err_name(),
            what: what.into(),
        }
    }
    /// The namespace directory at this path is unsafe.
    fn unsafe_namespace(&self, reason: impl Into<String>) -> Error {
        Error::UnsafeNamespace {
            path: self.err_name(),
            reason: reason.into(),
        }
    }
    /// An OS failure without a semantic variant; `op` says what was being
    /// done in words that fit every platform ("map the view", not "mmap").
    fn io(&self, op: &'static str, source: io::Error) -> Error {
        if let Some(limit) = crate::sys::out_of_handles(&source) {
            return Error::OutOfHandles {
                name: self.err_name(),
                limit,
            };
        }
        Error::Io {
            name: self.err_name(),
            op,
            source,
        }
    }
}

impl ErrorName for crate::name::ObjectName {
    fn err_name(&self) -> String {
        self.as_str().to_owned()
    }
}

impl ErrorName for str {
    fn err_name(&self) -> String {
        self.to_owned()
    }
}

impl ErrorName for String {
    fn err_name(&self) -> String {
        self.clone()
    }
}

impl ErrorName for std::sync::Arc<str> {
    fn err_name(&self) -> String {
        self.to_string()
    }
}
