//! The backend for targets without one: the crate builds, and every call
//! fails with [`Error::Unsupported`] naming the object and the target.
//!
//! No handle can exist, so the handle types are uninhabited: their methods
//! are unreachable by construction (`match *self {}`), and only the
//! constructors and the calls that need no handle have bodies.

use crate::admin::{ForeignEntry, HolderIndex, ObjectInfo, ReapReport};
use crate::error::{Error, Result};
use crate::name::{Namespace, ObjectName};
use crate::shm::ShmOptions;
use crate::sync::SyncOptions;
use crate::sys::{
    AsyncWaitImp, Backend, DeadlineImp, Disposition, EventImp, Locked, MapRequest, Multi, MutexImp,
    ObjectImp, RawView, SemaphoreImp, ShmImp, SysObject,
};
use std::io;
use std::ptr::NonNull;
use std::time::Duration;

/// The backend of targets that named-shm does not support yet.
pub(crate) struct Unsupported;

/// The error of every call: the object's name would be no help, the target is.
fn unsupported<T>(_name: &str) -> Result<T> {
    Err(Error::Unsupported {
        what: "named objects on this operating system (named-shm supports Linux and Windows)",
    })
}

/// A mapping handle that cannot exist.
#[derive(Debug)]
pub(crate) enum NoShm {}
/// An event handle that cannot exist.
#[derive(Debug)]
pub(crate) enum NoEvent {}
/// A mutex handle that cannot exist.
#[derive(Debug)]
pub(crate) enum NoMutex {}
/// A semaphore handle that cannot exist.
#[derive(Debug)]
pub(crate) enum NoSemaphore {}

/// A deadline; no wait ever starts, so it is never read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoDeadline;

impl DeadlineImp for NoDeadline {
    fn after(_timeout: Option<Duration>) -> Option<NoDeadline> {
        Some(NoDeadline)
    }
}

/// An async wait that cannot start: there is no object to wait for.
#[derive(Debug)]
pub(crate) enum NoAsyncWait {}

impl AsyncWaitImp for NoAsyncWait {
    fn poll(
        _state: &mut Option<NoAsyncWait>,
        objs: &[SysObject<'_>],
        wait_all: bool,
        deadline: Option<NoDeadline>,
        _waker: &std::task::Waker,
    ) -> io::Result<Option<Multi>> {
        Unsupported::wait_multiple(objs, wait_all, deadline).map(Some)
    }
}

impl Backend for Unsupported {
    type Shm = NoShm;
    type Event = NoEvent;
    type Mutex = NoMutex;
    type Semaphore = NoSemaphore;
    type Deadline = NoDeadline;
    type AsyncWait = NoAsyncWait;

    fn wait_multiple(
        objs: &[SysObject<'_>],
        _wait_all: bool,
        _deadline: Option<NoDeadline>,
    ) -> io::Result<Multi> {
        match objs.first() {
            Some(SysObject::Event(never)) => match **never {},
            Some(SysObject::Mutex(never)) => match **never {},
            Some(SysObject::Semaphore(never)) => match **never {},
            None => Err(io::Error::from(io::ErrorKind::Unsupported)),
        }
    }

    unsafe fn unmap(_ptr: NonNull<u8>, _len: usize) {
        // No view is ever mapped here.
    }

    fn flush(_ptr: NonNull<u8>, _len: usize) -> io::Result<()> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    fn win32_code(_e: &io::Error) -> u32 {
        50 // ERROR_NOT_SUPPORTED
    }

    fn out_of_handles(_e: &io::Error) -> Option<Option<u64>> {
        None
    }

    fn list(ns: Namespace) -> Result<Vec<ObjectInfo>> {
        unsupported(ns.as_str())
    }
    fn list_foreign(ns: Namespace) -> Result<Vec<ForeignEntry>> {
        unsupported(ns.as_str())
    }
    fn info(name: &ObjectName) -> Result<ObjectInfo> {
        unsupported(name.as_str())
    }
    fn holder_index() -> HolderIndex {
        HolderIndex::default()
    }
    fn remove(name: &ObjectName) -> Result<()> {
        unsupported(name.as_str())
    }
    fn reap(_dry_run: bool) -> Result<ReapReport> {
        unsupported("")
    }
}

macro_rules! no_object {
    ($($t:ty),*) => {$(
        impl ObjectImp for $t {
            fn created(&self) -> bool {
                match *self {}
            }
            fn owner_uid(&self) -> u32 {
                match *self {}
            }
            fn mode(&self) -> u32 {
                match *self {}
            }
        }
    )*};
}
no_object!(NoShm, NoEvent, NoMutex, NoSemaphore);

impl ShmImp for NoShm {
    fn acquire(name: &ObjectName, _disp: Disposition, _size: u64, _opts: &ShmOptions) -> Result<NoShm> {
        unsupported(name.as_str())
    }
    fn size(&self) -> u64 {
        match *self {}
    }
    fn committed(&self) -> bool {
        match *self {}
    }
    fn section_writable(&self) -> bool {
        match *self {}
    }
    fn map(&self, _name: &ObjectName, _req: &MapRequest) -> Result<RawView> {
        match *self {}
    }
}

impl EventImp for NoEvent {
    fn acquire(
        name: &ObjectName,
        _disp: Disposition,
        _manual_reset: bool,
        _initially_set: bool,
        _opts: &SyncOptions,
    ) -> Result<NoEvent> {
        unsupported(name.as_str())
    }
    fn writable(&self) -> bool {
        match *self {}
    }
    fn manual_reset(&self) -> bool {
        match *self {}
    }
    fn is_set(&self) -> bool {
        match *self {}
    }
    fn set(&self) {
        match *self {}
    }
    fn reset(&self) {
        match *self {}
    }
    fn pulse(&self) {
        match *self {}
    }
    fn wait(&self, _deadline: Option<NoDeadline>) -> bool {
        match *self {}
    }
    fn wait_spin(&self, _spin: Duration, _deadline: Option<NoDeadline>) -> bool {
        match *self {}
    }
    fn id(&self) -> usize {
        match *self {}
    }
}

impl MutexImp for NoMutex {
    fn acquire(
        name: &ObjectName,
        _disp: Disposition,
        _opts: &SyncOptions,
        _initial_owner: bool,
    ) -> Result<NoMutex> {
        unsupported(name.as_str())
    }
    fn writable(&self) -> bool {
        match *self {}
    }
    fn lock(&self, _deadline: Option<NoDeadline>) -> io::Result<Locked> {
        match *self {}
    }
    fn unlock(&self) -> bool {
        match *self {}
    }
    fn owner(&self) -> Option<(u32, u32)> {
        match *self {}
    }
    fn id(&self) -> usize {
        match *self {}
    }
}

impl SemaphoreImp for NoSemaphore {
    fn acquire(
        name: &ObjectName,
        _disp: Disposition,
        _initial: u32,
        _maximum: u32,
        _opts: &SyncOptions,
    ) -> Result<Self> {
        unsupported(name.as_str())
    }
    fn writable(&self) -> bool {
        match *self {}
    }
    fn maximum(&self) -> u32 {
        match *self {}
    }
    fn count(&self) -> u32 {
        match *self {}
    }
    fn may_wait(&self) -> bool {
        match *self {}
    }
    fn release(&self, _n: u32) -> io::Result<Option<u32>> {
        match *self {}
    }
    fn wait(&self, _deadline: Option<NoDeadline>) -> bool {
        match *self {}
    }
    fn id(&self) -> usize {
        match *self {}
    }
}
