//! The one error type of the crate.

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
}

impl ObjectKind {
    /// A lower-case word for messages and listings: `mapping`, `event`, `mutex`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Mapping => "mapping",
            ObjectKind::Event => "event",
            ObjectKind::Mutex => "mutex",
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
        reason: &'static str,
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
            Error::AlreadyExists { .. } => 183,
            Error::NotFound { .. } => 2,
            Error::PermissionDenied { .. } => 5,
            Error::InvalidName { reason, .. } => {
                if *reason == name_reasons::UNKNOWN_PREFIX {
                    3
                } else if *reason == name_reasons::TOO_LONG {
                    206
                } else {
                    123
                }
            }
            Error::InvalidSize { .. } => 87,
            Error::OutOfMemory { .. } => 8,
            Error::WrongType { .. } => 6,
            Error::MisalignedOffset { .. } => 1132,
            Error::OutOfRange { offset, size, .. } => {
                if offset >= size {
                    87
                } else {
                    5
                }
            }
            Error::InvalidArgument { .. } => 87,
            Error::AddressInUse { .. } => 487,
            Error::NotOwner { .. } => 288,
            Error::Timeout { .. } => 258,
            Error::NameOccupied { .. } => 5,
            Error::UnsafeNamespace { .. } => 5,
            Error::Unsupported { .. } => 50,
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
            | Error::WrongType { .. } => K::InvalidInput,
            Error::OutOfMemory { .. } => K::OutOfMemory,
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

/// The fixed reasons given by [`Error::InvalidName`].
pub mod name_reasons {
    /// The name is empty.
    pub const EMPTY: &str = "the name is empty";
    /// A `\` other than after `Local` or `Global`.
    pub const UNKNOWN_PREFIX: &str =
        "a backslash may only follow the `Local` or `Global` prefix (no such directory)";
    /// The name contains a NUL character.
    pub const NUL: &str = "the name contains a NUL character";
    /// Longer than [`MAX_NAME_LEN`](crate::MAX_NAME_LEN).
    pub const TOO_LONG: &str = "the name is longer than 1024 bytes";
    /// `Session\` is reserved by Windows.
    pub const SESSION: &str = "the `Session\\` prefix is reserved for the system";
    /// Not valid text (from a C caller).
    pub const NOT_TEXT: &str = "the name is not valid UTF-8/UTF-16 text";
}
