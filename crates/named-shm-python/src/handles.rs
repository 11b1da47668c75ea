//! Every open handle of this process, so that interpreter exit closes them.
//!
//! Python does not promise to deallocate every object at exit (objects in
//! reference cycles, or kept by a traceback or a daemon thread, may never
//! be), and a handle that is never closed leaves its object's file behind
//! as an orphan (dead: no one holds it, and the next open of the name
//! reclaims it, but it occupies memory until then). So each handle lives in
//! a [`Handle`] registered here, and `close_all` (run by `atexit`) closes the
//! ones still open, as process exit does on Windows. Memory stays mapped
//! where a memoryview still uses it.

use std::sync::{Arc, Mutex, Weak};

/// One handle that can be closed from anywhere (close(), drop, exit).
pub(crate) struct Handle<T>(Arc<Mutex<Option<Arc<T>>>>);

trait Closable: Send + Sync {
    fn close_now(&self);
}

impl<T: Send + Sync> Closable for Mutex<Option<Arc<T>>> {
    fn close_now(&self) {
        let taken = self.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(taken);
    }
}

static OPEN: Mutex<Vec<Weak<dyn Closable>>> = Mutex::new(Vec::new());

impl<T: Send + Sync + 'static> Handle<T> {
    /// Registers `obj` as open.
    pub(crate) fn new(obj: T) -> Self {
        let cell = Arc::new(Mutex::new(Some(Arc::new(obj))));
        let weak: Weak<dyn Closable> = Arc::downgrade(&cell) as Weak<dyn Closable>;
        let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the closed ones now and then, so the list stays as long as
        // the handles actually open (amortised: it at least halves).
        if open.len() >= 64 && open.len().is_power_of_two() {
            open.retain(|w| w.strong_count() > 0);
        }
        open.push(weak);
        Handle(cell)
    }

    /// The object, if still open. A caller (such as a wait) keeps it
    /// alive with its own reference even if the handle is closed meanwhile.
    pub(crate) fn get(&self) -> Option<Arc<T>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes the object out: the handle is closed once the caller drops it.
    pub(crate) fn take(&self) -> Option<Arc<T>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }
}

/// Closes every handle still open (registered with `atexit` by the package).
pub(crate) fn close_all() {
    let open = std::mem::take(&mut *OPEN.lock().unwrap_or_else(|p| p.into_inner()));
    for w in open {
        if let Some(h) = w.upgrade() {
            h.close_now();
        }
    }
}
