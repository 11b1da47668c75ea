//! Named mutexes: `CreateMutex`, `OpenMutex`, `WaitForSingleObject`,
//! `ReleaseMutex`, with abandoned-owner detection.

#[cfg(doc)]
use crate::error::Error;
use crate::error::{ErrorName, Result};
use crate::name::ObjectName;
use crate::shm::Access;
use crate::sync::{SyncOptions, WaitStatus};
use crate::sys::{self, Disposition, Locked};
use crate::sys::{DeadlineImp as _, MutexImp as _, ObjectImp as _};
use std::marker::PhantomData;
use std::time::Duration;

/// The builder for mutexes: every parameter of `CreateMutex`/`OpenMutex` as
/// a named setter, then [`create`](Self::create), [`open`](Self::open),
/// [`open_or_create`](Self::open_or_create) or
/// [`create_anonymous`](Self::create_anonymous). Get one from
/// [`Mutex::options`].
///
/// Defaults: not owned at creation, mode `0o600`, the most access the
/// mutex's permissions allow, no owner check.
///
/// ```
/// use named_shm::Mutex;
/// let name = format!("doc-mutex-options-{}", std::process::id());
/// let m = Mutex::options()
///     .initial_owner(true) // locked by this thread before anyone can open it
///     .mode(0o600)
///     .create(&name)?;
/// m.release()?; // the initial ownership is released like any acquisition
/// let again = Mutex::options().require_owner(m.owner_uid()).open(&name)?;
/// drop(again.lock()?);
/// # Ok::<(), named_shm::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MutexOptions {
    opts: SyncOptions,
    initial_owner: bool,
}

impl MutexOptions {
    /// Not owned at creation, mode 0600, no owner check: the same as
    /// [`Mutex::options`].
    pub fn new() -> Self {
        Self::default()
    }

    /// `bInitialOwner` of `CreateMutex`: whether the calling thread owns a
    /// mutex this call creates (default `false`). It is locked before its
    /// name is published, so nobody can take it first; the thread releases
    /// it with [`Mutex::release`]. An existing mutex is only opened, never
    /// acquired ([`Mutex::created`] tells which).
    pub fn initial_owner(&mut self, initial_owner: bool) -> &mut Self {
        self.initial_owner = initial_owner;
        self
    }

    /// What the handle may do. [`Access::ReadWrite`] (Windows:
    /// `SYNCHRONIZE | MUTEX_MODIFY_STATE`): lock and release; the call fails
    /// with [`Error::PermissionDenied`] if the mutex's permissions allow this
    /// process only to read it. [`Access::Read`] (`MUTANT_QUERY_STATE`):
    /// look only ([`Mutex::owner`]); locking fails with
    /// [`Error::PermissionDenied`]. Not called (default): the most the
    /// permissions allow, read-write or else read.
    pub fn access(&mut self, access: Access) -> &mut Self {
        self.opts.access = Some(access);
        self
    }

    /// Permission bits of a new mutex, applied exactly whatever the umask
    /// (default `0o600`). Locking needs write permission.
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.opts.mode = mode & 0o777;
        self
    }

    /// Refuse to open a mutex that does not belong to this uid.
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

    /// Creates a new mutex, owned by the calling thread if
    /// [`initial_owner`](Self::initial_owner) was set.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if the name is live; [`Error::WrongType`] if
    /// another kind of object has the name.
    #[doc(alias = "CreateMutex")]
    pub fn create(&self, name: &str) -> Result<Mutex> {
        Mutex::acquire_with(self, ObjectName::parse(name)?, Disposition::Create)
    }

    /// Opens an existing mutex (`OpenMutex`); `initial_owner` is not used.
    ///
    /// # Errors
    /// [`Error::NotFound`] if no live object has the name;
    /// [`Error::WrongType`] for another kind; [`Error::PermissionDenied`] if
    /// its permissions do not allow the [`access`](Self::access) asked for.
    #[doc(alias = "OpenMutex")]
    pub fn open(&self, name: &str) -> Result<Mutex> {
        Mutex::acquire_with(self, ObjectName::parse(name)?, Disposition::Open)
    }

    /// Opens the mutex, or creates it: `CreateMutex` exactly. The caller gets
    /// initial ownership only if it really created it ([`Mutex::created`]).
    pub fn open_or_create(&self, name: &str) -> Result<Mutex> {
        Mutex::acquire_with(self, ObjectName::parse(name)?, Disposition::OpenOrCreate)
    }

    /// Creates an unnamed mutex, owned by the calling thread if
    /// [`initial_owner`](Self::initial_owner) was set: `CreateMutex` with a
    /// NULL name. Nobody can open it; processes share it by inheriting the
    /// handle (`fork`), it is not listed by
    /// [`admin::list`](crate::admin::list), leaves nothing behind and dies
    /// with its last handle. Its [`Mutex::name`] is
    /// [unnamed](ObjectName::is_unnamed).
    ///
    /// ```
    /// use named_shm::Mutex;
    /// let m = Mutex::options().create_anonymous()?;
    /// assert!(m.name().is_unnamed());
    /// drop(m.lock()?);
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    pub fn create_anonymous(&self) -> Result<Mutex> {
        Mutex::acquire_with(self, ObjectName::unnamed(), Disposition::Anonymous)
    }
}

/// A handle to a named mutex: Windows' mutex `HANDLE`.
///
/// Ownership is per thread and recursive: the owner may lock again, and must
/// release once per acquisition. If the owning thread or process dies holding
/// it, the next locker gets it with [`WaitStatus::Abandoned`]
/// ([`MutexGuard::was_abandoned`]), so it can check the data it guards; later
/// lockers see a normal mutex. Dropping a handle does not release a mutex the
/// thread owns (as `CloseHandle` does not).
///
/// ```
/// use named_shm::Mutex;
/// let name = format!("doc-mutex-{}", std::process::id());
/// let m = Mutex::options().initial_owner(false).create(&name)?; // or Mutex::create(&name)
/// {
///     let guard = m.lock()?;
///     assert!(!guard.was_abandoned());
///     let again = m.lock()?; // recursive
///     drop(again);
/// } // released
///
/// // The raw Win32 style: acquire, release, and an error for an extra release.
/// assert_eq!(m.acquire(None)?, named_shm::WaitStatus::Signaled);
/// m.release()?;
/// assert!(matches!(m.release(), Err(named_shm::Error::NotOwner { .. })));
/// # Ok::<(), named_shm::Error>(())
/// ```
///
/// # Platform differences
/// On Linux a mutex is one futex word (the owner's thread id) in a one-page
/// file of the namespace directory; recursion and ownership are kept in the
/// owning thread's private memory. An owner thread that exits marks its
/// mutexes abandoned; the death of a whole process is noticed by waiters,
/// which check every 10 ms whether the owner still exists. Locking needs
/// write permission on the file. A process owning the mutex keeps its 4 KiB
/// mapping after closing every handle, until it releases the mutex (through
/// a new handle) or the owning thread exits. Anyone who can write the file
/// can hold or release the mutex, but cannot crash or corrupt the processes
/// that use it.
#[derive(Debug)]
pub struct Mutex {
    inner: sys::SysMutex,
    name: ObjectName,
    /// The handle may lock ([`MutexOptions::access`]).
    may_modify: bool,
}

/// Proof that the calling thread owns a [`Mutex`]; releases it on drop.
///
/// Not `Send`: a mutex is owned by a thread and only that thread may release it.
///
/// ```compile_fail
/// fn needs_send<T: Send>() {}
/// needs_send::<named_shm::MutexGuard<'static>>();
/// ```
#[derive(Debug)]
#[must_use = "the mutex is released as soon as the guard is dropped"]
pub struct MutexGuard<'a> {
    mutex: &'a Mutex,
    abandoned: bool,
    _not_send: PhantomData<*const ()>,
}

impl MutexGuard<'_> {
    /// Whether the previous owner died holding the mutex (`WAIT_ABANDONED`).
    pub fn was_abandoned(&self) -> bool {
        self.abandoned
    }

    /// The mutex.
    pub fn mutex(&self) -> &Mutex {
        self.mutex
    }
}

impl Drop for MutexGuard<'_> {
    fn drop(&mut self) {
        // The guard proves ownership by this thread (it is !Send), so the
        // release cannot fail; if it did, there is nothing to undo.
        let _ = self.mutex.release();
    }
}

impl Mutex {
    fn acquire_with(o: &MutexOptions, name: ObjectName, disp: Disposition) -> Result<Mutex> {
        // A mutex this call creates is locked before its name is published,
        // so nobody can take it first; an existing one is only opened.
        let inner = sys::SysMutex::acquire(&name, disp, &o.opts, o.initial_owner)?;
        let may_modify = o.opts.may_modify(&name, "mutex", inner.writable())?;
        Ok(Mutex {
            inner,
            name,
            may_modify,
        })
    }

    /// Creates a new mutex, not owned: the same as
    /// `Mutex::options().create(name)`. One owned by the calling thread from
    /// the start comes from the builder:
    /// `Mutex::options().initial_owner(true).create(name)`.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if the name is live; [`Error::WrongType`] if
    /// another kind of object has the name.
    #[doc(alias = "CreateMutex")]
    pub fn create(name: &str) -> Result<Mutex> {
        MutexOptions::new().create(name)
    }

    /// Opens an existing mutex, with the most access its permissions allow.
    ///
    /// # Errors
    /// [`Error::NotFound`] if no live object has the name; [`Error::WrongType`]
    /// for another kind.
    #[doc(alias = "OpenMutex")]
    pub fn open(name: &str) -> Result<Mutex> {
        MutexOptions::new().open(name)
    }

    /// Opens the mutex or creates it, not owned: `CreateMutex` exactly, the
    /// same as `Mutex::options().open_or_create(name)`.
    pub fn open_or_create(name: &str) -> Result<Mutex> {
        MutexOptions::new().open_or_create(name)
    }

    /// The builder: initial ownership, access, mode and owner check.
    pub fn options() -> MutexOptions {
        MutexOptions::new()
    }

    pub(crate) fn sys(&self) -> &sys::SysMutex {
        &self.inner
    }

    pub(crate) fn check_writable(&self, what: &str) -> Result<()> {
        if self.may_modify {
            Ok(())
        } else {
            Err(crate::sync::denied_to(
                &self.name,
                self.inner.writable(),
                what,
                "the mutex",
            ))
        }
    }

    /// What this handle may do: [`Access::ReadWrite`] (lock and release) or
    /// [`Access::Read`] (look only). See [`MutexOptions::access`].
    pub fn access(&self) -> Access {
        crate::sync::access_of(self.may_modify)
    }

    /// Locks the mutex, waiting as long as it takes; the guard releases it.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for a read-only handle.
    pub fn lock(&self) -> Result<MutexGuard<'_>> {
        Ok(self.try_lock_for(None)?.expect("no timeout, so never timed out"))
    }

    /// Locks the mutex, waiting at most `timeout` (`None`: forever).
    /// `Ok(None)` if it timed out.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for a read-only handle.
    pub fn try_lock_for(&self, timeout: Option<Duration>) -> Result<Option<MutexGuard<'_>>> {
        Ok(match self.acquire(timeout)? {
            WaitStatus::TimedOut => None,
            st => Some(MutexGuard {
                mutex: self,
                abandoned: st == WaitStatus::Abandoned,
                _not_send: PhantomData,
            }),
        })
    }

    /// `WaitForSingleObject` on the mutex: [`WaitStatus::Signaled`] (acquired),
    /// [`WaitStatus::Abandoned`] (acquired; the previous owner died holding
    /// it) or [`WaitStatus::TimedOut`]. Each acquisition needs one
    /// [`release`](Self::release) by the same thread.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for a read-only handle.
    #[doc(alias = "WaitForSingleObject")]
    pub fn acquire(&self, timeout: Option<Duration>) -> Result<WaitStatus> {
        self.check_writable("lock")?;
        let r = self
            .inner
            .lock(sys::Deadline::after(timeout))
            .map_err(|e| self.name.io("lock the mutex", e))?;
        Ok(match r {
            Locked::Acquired => WaitStatus::Signaled,
            Locked::Abandoned => WaitStatus::Abandoned,
            Locked::TimedOut => WaitStatus::TimedOut,
        })
    }

    /// `ReleaseMutex`: releases one acquisition by the calling thread.
    ///
    /// # Errors
    /// [`Error::NotOwner`] (Windows error 288) if the calling thread does not
    /// own the mutex.
    #[doc(alias = "ReleaseMutex")]
    pub fn release(&self) -> Result<()> {
        if self.inner.unlock() {
            Ok(())
        } else {
            Err(self.name.not_owner())
        }
    }

    /// The owner as (process id, thread id), if it is held; best effort (for
    /// listings such as `nshm info`): it may be stale by the time it returns.
    pub fn owner(&self) -> Option<(u32, u32)> {
        self.inner.owner()
    }

    /// The name as given.
    pub fn name(&self) -> &ObjectName {
        &self.name
    }

    /// Whether this call created the mutex (`false`: `ERROR_ALREADY_EXISTS`).
    pub fn created(&self) -> bool {
        self.inner.created()
    }

    /// The owner's uid (of the object, not of the lock).
    pub fn owner_uid(&self) -> u32 {
        self.inner.owner_uid()
    }

    /// Permission bits.
    pub fn mode(&self) -> u32 {
        self.inner.mode()
    }
}
