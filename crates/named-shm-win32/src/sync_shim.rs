//! TEMPORARY stand-ins for `named_shm::{Event, Mutex, ...}` until the library's
//! events and mutexes land; every call fails with `Error::Unsupported` (50).
//! Replace this file's body with
//! `pub(crate) use named_shm::{wait_for_multiple, Event, MultiWaitStatus, Mutex, WaitObject, WaitStatus};`

#![allow(dead_code, missing_docs)]

use named_shm::{Error, Result};
use std::time::Duration;

fn unsupported<T>() -> Result<T> {
    Err(Error::Unsupported {
        what: "events and mutexes",
    })
}

#[derive(Debug)]
pub struct Event(());
impl Event {
    pub fn create(_: &str, _: bool, _: bool) -> Result<Event> {
        unsupported()
    }
    pub fn open(_: &str) -> Result<Event> {
        unsupported()
    }
    pub fn open_or_create(_: &str, _: bool, _: bool) -> Result<Event> {
        unsupported()
    }
    pub fn created(&self) -> bool {
        false
    }
    pub fn set(&self) -> Result<()> {
        unsupported()
    }
    pub fn reset(&self) -> Result<()> {
        unsupported()
    }
    pub fn wait(&self, _: Option<Duration>) -> Result<WaitStatus> {
        unsupported()
    }
}
#[derive(Debug)]
pub struct Mutex(());
impl Mutex {
    pub fn create(_: &str, _: bool) -> Result<Mutex> {
        unsupported()
    }
    pub fn open(_: &str) -> Result<Mutex> {
        unsupported()
    }
    pub fn open_or_create(_: &str, _: bool) -> Result<Mutex> {
        unsupported()
    }
    pub fn created(&self) -> bool {
        false
    }
    pub fn acquire(&self, _: Option<Duration>) -> Result<WaitStatus> {
        unsupported()
    }
    pub fn release(&self) -> Result<()> {
        unsupported()
    }
}
pub enum WaitStatus {
    Signaled,
    Abandoned,
    TimedOut,
}
pub enum MultiWaitStatus {
    Signaled(usize),
    Abandoned(usize),
    TimedOut,
}
pub enum WaitObject<'a> {
    Event(&'a Event),
    Mutex(&'a Mutex),
}
pub fn wait_for_multiple(_: &[WaitObject<'_>], _: bool, _: Option<Duration>) -> Result<MultiWaitStatus> {
    unsupported()
}
