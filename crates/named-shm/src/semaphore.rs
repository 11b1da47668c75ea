//! Named semaphores: `CreateSemaphore`, `OpenSemaphore`, `ReleaseSemaphore`,
//! `WaitForSingleObject`.

use crate::error::{Error, ErrorName, Result};
use crate::name::ObjectName;
use crate::shm::Access;
use crate::sync::{SyncOptions, WaitStatus};
use crate::sys::{self, Disposition};
use crate::sys::{DeadlineImp as _, ObjectImp as _, SemaphoreImp as _};
use std::time::Duration;

/// The builder for semaphores: every parameter of
/// `CreateSemaphore`/`OpenSemaphore` as a named setter, then
/// [`create`](Self::create), [`open`](Self::open),
/// [`open_or_create`](Self::open_or_create) or
/// [`create_anonymous`](Self::create_anonymous). Get one from
/// [`Semaphore::options`].
///
/// Defaults: initial count 0, maximum 1 (a binary semaphore that starts
/// taken; a forgotten `maximum` shows at the first release past one count,
/// [`Error::TooManyPosts`] (298), instead of admitting any count), mode
/// `0o600`, the most access the semaphore's permissions allow, no owner
/// check.
///
/// ```ignore-windows
/// use named_shm::Semaphore;
/// let name = format!("doc-sem-options-{}", std::process::id());
/// let slots = Semaphore::options()
///     .initial(0) // nothing to take yet
///     .maximum(8)
///     .mode(0o640)
///     .create(&name)?;
/// assert_eq!(slots.mode(), 0o640);
/// let again = Semaphore::options().require_owner(slots.owner_uid()).open(&name)?;
/// assert_eq!(again.maximum(), 8);
/// # Ok::<(), named_shm::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SemaphoreOptions {
    opts: SyncOptions,
    initial: i32,
    maximum: i32,
}

impl Default for SemaphoreOptions {
    fn default() -> Self {
        SemaphoreOptions {
            opts: SyncOptions::default(),
            initial: 0,
            maximum: 1,
        }
    }
}

impl SemaphoreOptions {
    /// Initial count 0, maximum 1, mode 0600, no owner check: the same as
    /// [`Semaphore::options`].
    pub fn new() -> Self {
        Self::default()
    }

    /// `lInitialCount` of `CreateSemaphore`: the counts available in a new
    /// semaphore (default 0). Creating fails with
    /// [`Error::InvalidArgument`] (87) unless `0 <= initial <= maximum`.
    pub fn initial(&mut self, initial: i32) -> &mut Self {
        self.initial = initial;
        self
    }

    /// `lMaximumCount` of `CreateSemaphore`: the most counts the semaphore
    /// holds (default 1). Creating fails with [`Error::InvalidArgument`]
    /// (87) unless `maximum > 0`.
    pub fn maximum(&mut self, maximum: i32) -> &mut Self {
        self.maximum = maximum;
        self
    }

    /// What the handle may do. [`Access::ReadWrite`] (Windows:
    /// `SEMAPHORE_MODIFY_STATE | SYNCHRONIZE`): wait and release; the call
    /// fails with [`Error::PermissionDenied`] if the semaphore's permissions
    /// allow this process only to read it. [`Access::Read`] (`SYNCHRONIZE`):
    /// wait (on Linux only where the permissions allow writing, see the
    /// platform differences of [`Semaphore`]); [`release`](Semaphore::release)
    /// fails with [`Error::PermissionDenied`]. Not called (default): the
    /// most the permissions allow, read-write or else read.
    pub fn access(&mut self, access: Access) -> &mut Self {
        self.opts.access = Some(access);
        self
    }

    /// Permission bits of a new semaphore, applied exactly whatever the
    /// umask (default `0o600`). Releasing and (on Linux) waiting need write
    /// permission.
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.opts.mode = mode & 0o777;
        self
    }

    /// Refuse to open a semaphore that does not belong to this uid.
    pub fn require_owner(&mut self, uid: u32) -> &mut Self {
        self.opts.require_owner = Some(uid);
        self
    }

    /// How long an open may wait while another process closes or reclaims
    /// the object (default 10 s).
    pub fn lock_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.opts.lock_timeout = timeout;
        self
    }

    /// Creates a new semaphore with the counts set on the builder.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] (87) unless `0 < maximum` and
    /// `0 <= initial <= maximum`, checked before the name is looked at;
    /// [`Error::AlreadyExists`] if the name is live (use
    /// [`open_or_create`](Self::open_or_create) for Windows' behaviour);
    /// [`Error::WrongType`] if another kind of object has the name.
    #[doc(alias = "CreateSemaphore")]
    pub fn create(&self, name: &str) -> Result<Semaphore> {
        Semaphore::acquire(self, ObjectName::parse(name)?, Disposition::Create)
    }

    /// Opens an existing semaphore (`OpenSemaphore`); the counts set on the
    /// builder are neither used nor checked.
    ///
    /// # Errors
    /// [`Error::NotFound`] if no live object has the name;
    /// [`Error::WrongType`] for another kind; [`Error::PermissionDenied`] if
    /// its permissions do not allow the [`access`](Self::access) asked for.
    #[doc(alias = "OpenSemaphore")]
    pub fn open(&self, name: &str) -> Result<Semaphore> {
        Semaphore::acquire(self, ObjectName::parse(name)?, Disposition::Open)
    }

    /// Opens the semaphore, or creates it with the counts set on the
    /// builder: `CreateSemaphore` exactly. An existing semaphore keeps its
    /// count and maximum, but the counts set must still be valid (as on
    /// Windows); [`Semaphore::created`] tells which.
    pub fn open_or_create(&self, name: &str) -> Result<Semaphore> {
        Semaphore::acquire(self, ObjectName::parse(name)?, Disposition::OpenOrCreate)
    }

    /// Creates an unnamed semaphore with the counts set on the builder:
    /// `CreateSemaphore` with a NULL name. Nobody can open it; processes
    /// share it by inheriting the handle (`fork`); it is not listed, leaves
    /// nothing behind and dies with its last handle.
    ///
    /// ```
    /// use named_shm::{Semaphore, WaitStatus};
    /// use std::time::Duration;
    /// let s = Semaphore::options().initial(1).maximum(1).create_anonymous()?;
    /// assert!(s.name().is_unnamed());
    /// assert_eq!(s.wait(Some(Duration::ZERO))?, WaitStatus::Signaled);
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    pub fn create_anonymous(&self) -> Result<Semaphore> {
        Semaphore::acquire(self, ObjectName::unnamed(), Disposition::Anonymous)
    }
}

/// A handle to a named semaphore: Windows' semaphore `HANDLE`.
///
/// A count between 0 and a maximum fixed at creation: each wait takes one
/// (sleeping while it is 0), [`release`](Self::release) adds some. The name
/// lives while any handle is open, in any process, and dies with the last
/// one, even after a crash; a waiter killed at any moment takes no count
/// with it. Semaphores, events, mutexes and mappings share one namespace.
///
/// ```
/// use named_shm::{Semaphore, WaitStatus};
/// use std::time::Duration;
/// let name = format!("doc-sem-{}", std::process::id());
/// let items = Semaphore::options()
///     .initial(0) // nothing to take yet
///     .maximum(16)
///     .create(&name)?; // or Semaphore::create(&name, 0, 16)
///
/// // A consumer (another process; here a thread) waits by name.
/// let consumer = std::thread::spawn({
///     let name = name.clone();
///     move || Semaphore::open(&name)?.wait(Some(Duration::from_secs(10)))
/// });
/// assert_eq!(items.release(1)?, 0); // the previous count
/// assert_eq!(consumer.join().unwrap()?, WaitStatus::Signaled);
/// assert_eq!(items.wait(Some(Duration::ZERO))?, WaitStatus::TimedOut);
/// # Ok::<(), named_shm::Error>(())
/// ```
///
/// # Platform differences
/// On Linux a semaphore is a file of one page in the namespace directory,
/// its count a process-shared futex word. A handle whose process may only
/// read the file can neither release nor wait ([`Error::PermissionDenied`]:
/// taking a count writes; Windows allows a wait with `SYNCHRONIZE` alone).
#[derive(Debug)]
pub struct Semaphore {
    inner: sys::SysSemaphore,
    name: ObjectName,
    /// The handle may release ([`SemaphoreOptions::access`]).
    may_modify: bool,
}

/// Windows' checks of `CreateSemaphore`'s counts, made before the name is
/// looked at (as `NtCreateSemaphore` does): `ERROR_INVALID_PARAMETER`.
fn check_counts(name: &ObjectName, initial: i32, maximum: i32) -> Result<(u32, u32)> {
    if maximum <= 0 {
        return Err(name.invalid_arg(format!("the maximum count {maximum} is not positive")));
    }
    if initial < 0 || initial > maximum {
        return Err(name.invalid_arg(format!(
            "the initial count {initial} is not between 0 and the maximum {maximum}"
        )));
    }
    Ok((initial as u32, maximum as u32))
}

impl Semaphore {
    fn acquire(o: &SemaphoreOptions, name: ObjectName, disp: Disposition) -> Result<Semaphore> {
        // `OpenSemaphore` takes no counts; every creating call checks them.
        let (initial, maximum) = if disp == Disposition::Open {
            (0, 1)
        } else {
            check_counts(&name, o.initial, o.maximum)?
        };
        let inner = sys::SysSemaphore::acquire(&name, disp, initial, maximum, &o.opts)?;
        let may_modify = o.opts.may_modify(&name, "semaphore", inner.writable())?;
        Ok(Semaphore {
            inner,
            name,
            may_modify,
        })
    }

    /// Creates a new semaphore with `initial` counts available and at most
    /// `maximum`: the same as
    /// `Semaphore::options().initial(initial).maximum(maximum).create(name)`.
    /// The counts are in `CreateSemaphore`'s order; swapped, they fail the
    /// check below unless they are equal.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] (87) unless `0 < maximum` and
    /// `0 <= initial <= maximum`; [`Error::AlreadyExists`] if the name is
    /// live (use [`open_or_create`](Self::open_or_create) for Windows'
    /// behaviour); [`Error::WrongType`] if another kind of object has it.
    #[doc(alias = "CreateSemaphore")]
    pub fn create(name: &str, initial: i32, maximum: i32) -> Result<Semaphore> {
        SemaphoreOptions::new()
            .initial(initial)
            .maximum(maximum)
            .create(name)
    }

    /// Opens an existing semaphore, with the most access its permissions
    /// allow.
    ///
    /// # Errors
    /// [`Error::NotFound`] if no live object has the name; [`Error::WrongType`]
    /// for another kind; [`Error::PermissionDenied`] if it may not even be read.
    #[doc(alias = "OpenSemaphore")]
    pub fn open(name: &str) -> Result<Semaphore> {
        SemaphoreOptions::new().open(name)
    }

    /// Opens the semaphore or creates it: `CreateSemaphore` exactly, the same
    /// as `Semaphore::options().initial(initial).maximum(maximum).open_or_create(name)`.
    /// If it existed (`created() == false`, `ERROR_ALREADY_EXISTS`), its
    /// count and maximum stay as they are, but the counts given are still
    /// checked.
    pub fn open_or_create(name: &str, initial: i32, maximum: i32) -> Result<Semaphore> {
        SemaphoreOptions::new()
            .initial(initial)
            .maximum(maximum)
            .open_or_create(name)
    }

    /// The builder: the counts, access, mode and owner check.
    pub fn options() -> SemaphoreOptions {
        SemaphoreOptions::new()
    }

    pub(crate) fn sys(&self) -> &sys::SysSemaphore {
        &self.inner
    }

    pub(crate) fn check_can_wait(&self) -> Result<()> {
        if self.inner.may_wait() {
            Ok(())
        } else {
            self.check_writable("wait for (take a count of)")
        }
    }

    pub(crate) fn check_writable(&self, what: &str) -> Result<()> {
        if self.may_modify {
            Ok(())
        } else {
            Err(crate::sync::denied_to(
                &self.name,
                self.inner.writable(),
                what,
                "the semaphore",
            ))
        }
    }

    /// What this handle may do: [`Access::ReadWrite`] (wait and release) or
    /// [`Access::Read`] (wait only). See [`SemaphoreOptions::access`].
    pub fn access(&self) -> Access {
        crate::sync::access_of(self.may_modify)
    }

    /// `ReleaseSemaphore`: adds `count` and returns the count before.
    ///
    /// ```
    /// # let name = format!("doc-sem-release-{}", std::process::id());
    /// use named_shm::{code, Semaphore};
    /// let s = Semaphore::create(&name, 1, 2)?;
    /// assert_eq!(s.release(1)?, 1);
    /// let full = s.release(1).unwrap_err(); // past the maximum: nothing added
    /// assert_eq!(full.win32_code(), code::ERROR_TOO_MANY_POSTS);
    /// assert_eq!(s.count(), 2);
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] (87) for `count <= 0`;
    /// [`Error::TooManyPosts`] (298) if the count would pass the maximum,
    /// with the count unchanged; [`Error::PermissionDenied`] for a handle
    /// that cannot write the semaphore.
    #[doc(alias = "ReleaseSemaphore")]
    pub fn release(&self, count: i32) -> Result<i32> {
        if count <= 0 {
            return Err(self
                .name
                .invalid_arg(format!("the release count {count} is not positive")));
        }
        self.check_writable("release")?;
        match self
            .inner
            .release(count as u32)
            .map_err(|e| self.name.io("release the semaphore", e))?
        {
            // A scribbled count above i32::MAX is reported as the maximum.
            Some(prev) => Ok(i32::try_from(prev).unwrap_or(i32::MAX)),
            None => Err(Error::TooManyPosts {
                name: self.name.as_str().to_owned(),
                count,
                maximum: self.maximum(),
            }),
        }
    }

    /// `WaitForSingleObject`: takes one count, waiting while there is none,
    /// or until `timeout` (`None`: `INFINITE`). Returns
    /// [`WaitStatus::Signaled`] or [`WaitStatus::TimedOut`].
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for a handle that cannot write the
    /// semaphore (see the platform differences).
    #[doc(alias = "WaitForSingleObject")]
    pub fn wait(&self, timeout: Option<Duration>) -> Result<WaitStatus> {
        self.check_can_wait()?;
        Ok(if self.inner.wait(sys::Deadline::after(timeout)) {
            WaitStatus::Signaled
        } else {
            WaitStatus::TimedOut
        })
    }

    /// The count right now (a snapshot: other processes may change it at
    /// any moment). Windows has no documented call for it.
    pub fn count(&self) -> i32 {
        i32::try_from(self.inner.count()).unwrap_or(i32::MAX)
    }

    /// The maximum count, fixed at creation.
    pub fn maximum(&self) -> i32 {
        i32::try_from(self.inner.maximum()).unwrap_or(i32::MAX)
    }

    /// The name as given.
    pub fn name(&self) -> &ObjectName {
        &self.name
    }

    /// Whether this call created the semaphore (`false`: `ERROR_ALREADY_EXISTS`).
    pub fn created(&self) -> bool {
        self.inner.created()
    }

    /// The owner's uid.
    pub fn owner_uid(&self) -> u32 {
        self.inner.owner_uid()
    }

    /// Permission bits.
    pub fn mode(&self) -> u32 {
        self.inner.mode()
    }
}
