//! The descriptor limit. Every handle is an open file (and an open view
//! none), so a process that holds many objects meets `RLIMIT_NOFILE` long
//! before Windows' limit of about 16 million handles. As Go's runtime does
//! (since 1.19), the first object a process creates or opens raises the soft
//! limit to the hard limit; `NAMED_SHM_KEEP_NOFILE=1` in the environment
//! keeps the soft limit as it is. Child processes inherit the raised limit
//! (programs that use `select(2)` with descriptors above 1023 must not be
//! started from such a process without lowering it again).

use std::sync::Once;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit, once per process,
/// unless `NAMED_SHM_KEEP_NOFILE` is set to something other than `0`.
pub(crate) fn raise_once() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("NAMED_SHM_KEEP_NOFILE").is_some_and(|v| v != "0") {
            return;
        }
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `lim` is a valid out-pointer for one rlimit.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 || lim.rlim_cur >= lim.rlim_max {
            return;
        }
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: `lim` is a valid rlimit; raising the soft limit up to the
        // hard one needs no privilege. A failure leaves the limit as it was.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    });
}

/// The soft `RLIMIT_NOFILE` now (for error messages).
pub(crate) fn soft_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid out-pointer for one rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 0;
    }
    lim.rlim_cur
}
