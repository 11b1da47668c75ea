//! Named events: `CreateEvent`, `OpenEvent`, `SetEvent`, `ResetEvent`,
//! `WaitForSingleObject`.

use crate::error::{Error, Result};
use crate::name::ObjectName;
use crate::shm::Access;
use crate::sync::{SyncOptions, WaitStatus};
use crate::sys::{self, Disposition};
use crate::sys::{DeadlineImp as _, EventImp as _, ObjectImp as _};
use std::time::Duration;

/// The builder for events: every parameter of `CreateEvent`/`OpenEvent` as
/// a named setter, then [`create`](Self::create), [`open`](Self::open),
/// [`open_or_create`](Self::open_or_create) or
/// [`create_anonymous`](Self::create_anonymous). Get one from
/// [`Event::options`]; the setters take and return `&mut Self`, as those of
/// [`std::fs::OpenOptions`] do.
///
/// Defaults: auto-reset, not signalled, mode `0o600`, the most access the
/// event's permissions allow, no owner check.
///
/// ```ignore-windows
/// use named_shm::{Access, Event};
/// let name = format!("doc-event-options-{}", std::process::id());
/// let ev = Event::options()
///     .manual_reset(true) // releases every waiter until reset
///     .initially_set(false)
///     .mode(0o640)
///     .create(&name)?;
/// assert_eq!(ev.mode(), 0o640);
/// let waiter = Event::options()
///     .access(Access::Read) // may wait, not set or reset
///     .require_owner(ev.owner_uid())
///     .open(&name)?;
/// assert!(waiter.is_manual_reset());
/// assert!(waiter.set().is_err());
/// # Ok::<(), named_shm::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct EventOptions {
    opts: SyncOptions,
    manual_reset: bool,
    initially_set: bool,
}

impl EventOptions {
    /// Auto-reset, not signalled, mode 0600, no owner check: the same as
    /// [`Event::options`].
    pub fn new() -> Self {
        Self::default()
    }

    /// `bManualReset` of `CreateEvent`. `true`: a [`set`](Event::set)
    /// releases every waiter and the event stays signalled until
    /// [`reset`](Event::reset). `false` (default): each `set` releases one
    /// waiter and the event resets itself. Used only when the call creates
    /// the event: an existing event keeps its type.
    pub fn manual_reset(&mut self, manual_reset: bool) -> &mut Self {
        self.manual_reset = manual_reset;
        self
    }

    /// `bInitialState` of `CreateEvent`: whether a new event starts signalled
    /// (default `false`). Used only when the call creates the event: an
    /// existing event keeps its state.
    pub fn initially_set(&mut self, initially_set: bool) -> &mut Self {
        self.initially_set = initially_set;
        self
    }

    /// What the handle may do. [`Access::ReadWrite`] (Windows:
    /// `EVENT_MODIFY_STATE | SYNCHRONIZE`): wait, set, reset and pulse; the
    /// call fails with [`Error::PermissionDenied`] if the event's
    /// permissions allow this process only to read it. [`Access::Read`]
    /// (`SYNCHRONIZE`): wait only; [`set`](Event::set),
    /// [`reset`](Event::reset) and [`pulse`](Event::pulse) fail with
    /// [`Error::PermissionDenied`]. Not called (default): the most the
    /// permissions allow, read-write or else read.
    pub fn access(&mut self, access: Access) -> &mut Self {
        self.opts.access = Some(access);
        self
    }

    /// Permission bits of a new event, applied exactly whatever the umask
    /// (default `0o600`). A process that may read but not write the event can
    /// wait on a manual-reset event, but not set, reset, or take an
    /// auto-reset one (Windows: `SYNCHRONIZE` without `EVENT_MODIFY_STATE`).
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.opts.mode = mode & 0o777;
        self
    }

    /// Refuse to open an event that does not belong to this uid.
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

    /// Creates a new event with the type and state set on the builder.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if the name is live (use
    /// [`open_or_create`](Self::open_or_create) for Windows' behaviour);
    /// [`Error::WrongType`] if another kind of object has the name.
    #[doc(alias = "CreateEvent")]
    pub fn create(&self, name: &str) -> Result<Event> {
        Event::acquire(self, ObjectName::parse(name)?, Disposition::Create)
    }

    /// Opens an existing event (`OpenEvent`); the type and state set on the
    /// builder are not used.
    ///
    /// # Errors
    /// [`Error::NotFound`] if no live object has the name;
    /// [`Error::WrongType`] for another kind; [`Error::PermissionDenied`] if
    /// its permissions do not allow the [`access`](Self::access) asked for.
    #[doc(alias = "OpenEvent")]
    pub fn open(&self, name: &str) -> Result<Event> {
        Event::acquire(self, ObjectName::parse(name)?, Disposition::Open)
    }

    /// Opens the event, or creates it with the type and state set on the
    /// builder: `CreateEvent` exactly. An existing event keeps its type and
    /// state; [`Event::created`] tells which (`false`:
    /// `ERROR_ALREADY_EXISTS`).
    pub fn open_or_create(&self, name: &str) -> Result<Event> {
        Event::acquire(self, ObjectName::parse(name)?, Disposition::OpenOrCreate)
    }

    /// Creates an unnamed event: `CreateEvent` with a NULL name. Nobody can
    /// open it; processes share it by inheriting the handle (`fork`), it is
    /// not listed by [`admin::list`](crate::admin::list), leaves nothing
    /// behind and dies with its last handle. Its [`Event::name`] is
    /// [unnamed](ObjectName::is_unnamed).
    ///
    /// ```
    /// use named_shm::{Event, WaitStatus};
    /// use std::time::Duration;
    /// let ev = Event::options().manual_reset(true).create_anonymous()?;
    /// assert!(ev.name().is_unnamed());
    /// ev.set()?;
    /// assert_eq!(ev.wait(Some(Duration::ZERO))?, WaitStatus::Signaled);
    /// assert!(ev.is_set()); // manual-reset: still set
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    pub fn create_anonymous(&self) -> Result<Event> {
        Event::acquire(self, ObjectName::unnamed(), Disposition::Anonymous)
    }
}

/// A handle to a named event: Windows' event `HANDLE`.
///
/// A manual-reset event stays signalled until [`reset`](Self::reset) and
/// releases every waiter; an auto-reset event releases one waiter per
/// [`set`](Self::set) and resets itself. The name lives while any handle is
/// open, in any process, and dies with the last one, even after a crash.
/// Events, mutexes and mappings share one namespace.
///
/// ```
/// use named_shm::{Event, WaitStatus};
/// use std::time::Duration;
/// let name = format!("doc-event-{}", std::process::id());
/// let ready = Event::options()
///     .manual_reset(false) // auto-reset: each set releases one waiter
///     .initially_set(false)
///     .create(&name)?; // `Event::create(&name)` is the same
///
/// // Another process (here: a thread) waits for it by name.
/// let waiter = std::thread::spawn({
///     let name = name.clone();
///     move || Event::open(&name)?.wait(Some(Duration::from_secs(10)))
/// });
/// ready.set()?;
/// assert_eq!(waiter.join().unwrap()?, WaitStatus::Signaled);
/// assert!(!ready.is_set()); // the waiter consumed it
/// assert_eq!(ready.wait(Some(Duration::ZERO))?, WaitStatus::TimedOut);
/// # Ok::<(), named_shm::Error>(())
/// ```
///
/// # Platform differences
/// On Linux an event is a file of one page in the namespace directory, its
/// state a process-shared futex word. A handle whose process may only read
/// the file (mode) can wait on a manual-reset event, but not set, reset or
/// take an auto-reset one ([`Error::PermissionDenied`]; Windows allows the
/// latter with `SYNCHRONIZE` alone). A process killed *while waiting* on an
/// auto-reset event leaves its registration behind: a later `set` may be
/// granted to it and then passes to the next waiter, even after a `reset`.
#[derive(Debug)]
pub struct Event {
    inner: sys::SysEvent,
    name: ObjectName,
    /// The handle may set, reset and pulse ([`EventOptions::access`]).
    may_modify: bool,
}

impl Event {
    fn acquire(o: &EventOptions, name: ObjectName, disp: Disposition) -> Result<Event> {
        let inner = sys::SysEvent::acquire(&name, disp, o.manual_reset, o.initially_set, &o.opts)?;
        let may_modify = o.opts.may_modify(&name, "event", inner.writable())?;
        Ok(Event {
            inner,
            name,
            may_modify,
        })
    }

    /// Creates a new auto-reset event, not signalled: the same as
    /// `Event::options().create(name)`. A manual-reset or initially
    /// signalled event comes from the builder:
    /// `Event::options().manual_reset(true).initially_set(true).create(name)`.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if the name is live (use
    /// [`open_or_create`](Self::open_or_create) for Windows' behaviour);
    /// [`Error::WrongType`] if another kind of object has the name.
    #[doc(alias = "CreateEvent")]
    pub fn create(name: &str) -> Result<Event> {
        EventOptions::new().create(name)
    }

    /// Opens an existing event, with the most access its permissions allow.
    ///
    /// # Errors
    /// [`Error::NotFound`] if no live object has the name; [`Error::WrongType`]
    /// for another kind; [`Error::PermissionDenied`] if it may not even be read.
    #[doc(alias = "OpenEvent")]
    pub fn open(name: &str) -> Result<Event> {
        EventOptions::new().open(name)
    }

    /// Opens the event or creates it auto-reset and not signalled:
    /// `CreateEvent` exactly, the same as
    /// `Event::options().open_or_create(name)`. An existing event
    /// (`created() == false`, `ERROR_ALREADY_EXISTS`) keeps its type and
    /// state.
    pub fn open_or_create(name: &str) -> Result<Event> {
        EventOptions::new().open_or_create(name)
    }

    /// The builder: the type, initial state, access, mode and owner check.
    pub fn options() -> EventOptions {
        EventOptions::new()
    }

    pub(crate) fn sys(&self) -> &sys::SysEvent {
        &self.inner
    }

    fn denied(&self, what: &str) -> Error {
        crate::sync::denied_to(&self.name, self.inner.writable(), what, "the event")
    }

    pub(crate) fn check_can_wait(&self) -> Result<()> {
        if self.inner.manual_reset() || self.inner.writable() {
            Ok(())
        } else {
            Err(self.denied("wait for (consume) an auto-reset"))
        }
    }

    /// `SetEvent`: signals the event. A manual-reset event releases every
    /// waiter and stays set; an auto-reset event releases one waiter (or, if
    /// none waits, the next one to come) and resets.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for a handle that cannot write the event.
    #[doc(alias = "SetEvent")]
    pub fn set(&self) -> Result<()> {
        if !self.may_modify {
            return Err(self.denied("set"));
        }
        self.inner.set();
        Ok(())
    }

    /// `ResetEvent`: makes the event non-signalled.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for a handle that cannot write the event.
    #[doc(alias = "ResetEvent")]
    pub fn reset(&self) -> Result<()> {
        if !self.may_modify {
            return Err(self.denied("reset"));
        }
        self.inner.reset();
        Ok(())
    }

    /// `PulseEvent`: releases the waiters of this moment and leaves the
    /// event non-signalled. A manual-reset event releases every thread that
    /// is waiting on it when the call is made; an auto-reset event releases
    /// one waiting thread if there is one. With nobody waiting it only
    /// resets the event: a later `wait` is not released.
    ///
    /// ```no_run
    /// # fn main() -> named_shm::Result<()> {
    /// let ev = named_shm::Event::options().manual_reset(true).create("Local\\DataValid")?;
    /// ev.pulse()?; // nobody waits: the event stays non-signalled
    /// assert!(!ev.is_set());
    /// # Ok(()) }
    /// ```
    ///
    /// On Linux, a wait on several objects ([`wait_for_multiple`]) is
    /// released by the pulse of a manual-reset event in wait-any mode only:
    /// not in wait-all mode (the events must be signalled at one time), nor
    /// for an auto-reset event (such waits do not take its one-waiter grant).
    ///
    /// [`wait_for_multiple`]: crate::wait_for_multiple
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for a handle that cannot write the event.
    #[doc(alias = "PulseEvent")]
    pub fn pulse(&self) -> Result<()> {
        if !self.may_modify {
            return Err(self.denied("pulse"));
        }
        self.inner.pulse();
        Ok(())
    }

    /// `WaitForSingleObject`: waits until the event is set, or until `timeout`
    /// (`None`: `INFINITE`). Consumes an auto-reset event. Returns
    /// [`WaitStatus::Signaled`] or [`WaitStatus::TimedOut`].
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for an auto-reset event through a handle
    /// that cannot write it.
    #[doc(alias = "WaitForSingleObject")]
    pub fn wait(&self, timeout: Option<Duration>) -> Result<WaitStatus> {
        self.check_can_wait()?;
        Ok(if self.inner.wait(sys::Deadline::after(timeout)) {
            WaitStatus::Signaled
        } else {
            WaitStatus::TimedOut
        })
    }

    /// `WaitForSingleObject` for a peer that answers quickly: first polls the
    /// event for up to `spin` without sleeping, then waits as
    /// [`wait`](Self::wait) does until `timeout` (which counts from the call,
    /// spin included). A round trip between two busy processes then costs a
    /// few hundred nanoseconds instead of two kernel wake-ups. The spin burns
    /// CPU time while it lasts; on a machine with a single CPU it is skipped.
    /// Same results and errors as `wait`.
    ///
    /// ```
    /// use named_shm::{Event, WaitStatus};
    /// use std::time::Duration;
    /// # let name = format!("doc-wait-spin-{}", std::process::id());
    /// let ev = Event::options().initially_set(true).create(&name)?;
    /// let st = ev.wait_spin(Duration::from_micros(50), Some(Duration::from_millis(10)))?;
    /// assert_eq!(st, WaitStatus::Signaled);
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    pub fn wait_spin(&self, spin: Duration, timeout: Option<Duration>) -> Result<WaitStatus> {
        self.check_can_wait()?;
        Ok(if self.inner.wait_spin(spin, sys::Deadline::after(timeout)) {
            WaitStatus::Signaled
        } else {
            WaitStatus::TimedOut
        })
    }

    /// Whether the event is signalled right now (a snapshot).
    pub fn is_set(&self) -> bool {
        self.inner.is_set()
    }

    /// What this handle may do: [`Access::ReadWrite`] (wait, set, reset,
    /// pulse) or [`Access::Read`] (wait only). See [`EventOptions::access`].
    pub fn access(&self) -> Access {
        crate::sync::access_of(self.may_modify)
    }

    /// Whether the event is manual-reset.
    pub fn is_manual_reset(&self) -> bool {
        self.inner.manual_reset()
    }

    /// The name as given.
    pub fn name(&self) -> &ObjectName {
        &self.name
    }

    /// Whether this call created the event (`false`: `ERROR_ALREADY_EXISTS`).
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
