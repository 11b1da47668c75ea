//! The documented exit codes, and how an error chooses one.

use named_shm::Error;

/// What `nshm` returns to its caller. The numbers are documented in `nshm
/// --help` and `docs/cli.md`; never renumber them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: the command did what it was asked.
    Success,
    /// 1: any other failure (I/O, out of memory, a declined confirmation).
    Failure,
    /// 2: the command line is malformed (reported by clap).
    #[allow(dead_code)] // clap exits with 2 itself; listed for completeness
    Usage,
    /// 3: no live object has the name.
    NotFound,
    /// 4: permissions refuse the operation, or the name is occupied by
    /// something that is not ours.
    AccessDenied,
    /// 5: `create` found the name in use.
    AlreadyExists,
    /// 6: a bad size, offset, length, timeout, mode or name, data that does not
    /// fit, or a name that belongs to an object of another type.
    InvalidInput,
    /// 7: a wait or lock timed out.
    Timeout,
    /// 130: interrupted by Ctrl-C while waiting.
    Interrupted,
}

impl From<ExitCode> for i32 {
    fn from(code: ExitCode) -> i32 {
        match code {
            ExitCode::Success => 0,
            ExitCode::Failure => 1,
            ExitCode::Usage => 2,
            ExitCode::NotFound => 3,
            ExitCode::AccessDenied => 4,
            ExitCode::AlreadyExists => 5,
            ExitCode::InvalidInput => 6,
            ExitCode::Timeout => 7,
            ExitCode::Interrupted => 130,
        }
    }
}

/// An error raised by the CLI itself, with the exit code it stands for.
#[derive(Debug)]
pub struct Failure {
    pub code: ExitCode,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Shorthand: an `anyhow::Error` with the given exit code.
pub fn fail(code: ExitCode, message: impl Into<String>) -> anyhow::Error {
    Failure {
        code,
        message: message.into(),
    }
    .into()
}

/// Shorthand for [`ExitCode::InvalidInput`].
pub fn invalid(message: impl Into<String>) -> anyhow::Error {
    fail(ExitCode::InvalidInput, message)
}

impl ExitCode {
    /// The code for an error: the first link of its chain that we know decides.
    pub fn of(e: &anyhow::Error) -> ExitCode {
        for cause in e.chain() {
            if let Some(f) = cause.downcast_ref::<Failure>() {
                return f.code;
            }
            if let Some(e) = cause.downcast_ref::<Error>() {
                return Self::of_library(e);
            }
            if let Some(e) = cause.downcast_ref::<std::io::Error>() {
                return match e.kind() {
                    std::io::ErrorKind::NotFound => ExitCode::NotFound,
                    std::io::ErrorKind::PermissionDenied => ExitCode::AccessDenied,
                    std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
                        ExitCode::InvalidInput
                    }
                    std::io::ErrorKind::TimedOut => ExitCode::Timeout,
                    _ => ExitCode::Failure,
                };
            }
        }
        ExitCode::Failure
    }

    fn of_library(e: &Error) -> ExitCode {
        match e {
            Error::NotFound { .. } => ExitCode::NotFound,
            Error::PermissionDenied { .. }
            | Error::NameOccupied { .. }
            | Error::UnsafeNamespace { .. }
            | Error::NotOwner { .. } => ExitCode::AccessDenied,
            Error::AlreadyExists { .. } => ExitCode::AlreadyExists,
            Error::InvalidName { .. }
            | Error::InvalidSize { .. }
            | Error::MisalignedOffset { .. }
            | Error::OutOfRange { .. }
            | Error::InvalidArgument { .. }
            | Error::WrongType { .. }
            | Error::TooManyPosts { .. } => ExitCode::InvalidInput,
            Error::Timeout { .. } => ExitCode::Timeout,
            _ => ExitCode::Failure,
        }
    }
}

/// Writing to a closed pipe (`nshm read X | head`) is not an error worth a message.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_map_to_documented_codes() {
        let nf: anyhow::Error = Error::NotFound { name: "x".into() }.into();
        assert_eq!(ExitCode::of(&nf), ExitCode::NotFound);
        let ctx = nf.context("reading `x`");
        assert_eq!(ExitCode::of(&ctx), ExitCode::NotFound);
        assert_eq!(ExitCode::of(&invalid("bad")), ExitCode::InvalidInput);
        assert_eq!(ExitCode::of(&anyhow::anyhow!("other")), ExitCode::Failure);
        assert_eq!(i32::from(ExitCode::Timeout), 7);
    }
}
