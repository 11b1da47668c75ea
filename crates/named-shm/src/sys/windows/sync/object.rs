//! What events and mutexes share: creating or opening a named object with
//! the access its DACL allows, and the object's identity in this process.

use crate::error::{Error, ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use crate::sys::windows::security::{self, Security, READ_CONTROL};
use crate::sys::windows::{last_error, name_error, owned, wide, ERROR_ACCESS_DENIED, ERROR_ALREADY_EXISTS};
use crate::sys::Disposition;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;

/// How to make and open one kind of synchronization object.
pub(super) struct Kind {
    pub(super) kind: ObjectKind,
    /// Full access for opening; the fallback without the modify right.
    pub(super) access: u32,
    pub(super) read_only_access: u32,
    pub(super) open: unsafe extern "system" fn(u32, i32, *const u16) -> HANDLE,
    pub(super) open_op: &'static str,
    pub(super) create_op: &'static str,
}

/// A handle to a named event or mutex, with its identity. Dropping it is
/// `CloseHandle`.
#[derive(Debug)]
pub(super) struct Object {
    handle: OwnedHandle,
    id: usize,
    /// The name without its prefix: the handle's key in the registry.
    base: Box<str>,
}

impl Object {
    pub(super) fn raw(&self) -> HANDLE {
        self.handle.as_raw_handle()
    }

    /// The same number for every handle of this process to the same object,
    /// and a different one for every other live object.
    pub(super) fn id(&self) -> usize {
        self.id
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        // Before the handle closes (fields drop after this), so that every
        // handle in the registry is open while the registry is locked.
        identity::forget(&self.base, self.raw());
    }
}

/// What [`acquire`] got.
pub(super) struct Acquired {
    pub(super) object: Object,
    pub(super) created: bool,
    pub(super) writable: bool,
}

/// Creates (with `create`, which calls `Create*W`) or opens a named object.
pub(super) fn acquire(
    name: &ObjectName,
    disp: Disposition,
    opts: &SyncOptions,
    k: &Kind,
    create: impl Fn(*const SECURITY_ATTRIBUTES, *const u16) -> HANDLE,
) -> Result<Acquired> {
    let w = wide(name);
    let open = |access: u32| {
        let access = access
            | if opts.require_owner.is_some() {
                READ_CONTROL
            } else {
                0
            };
        // SAFETY: w is NUL-terminated UTF-16 and outlives the call.
        let h = unsafe { (k.open)(access, 0, w.as_ptr()) };
        owned(h).ok_or_else(last_error)
    };
    // Like Linux: a handle the DACL refuses the modify right gets a read-only
    // handle instead (it may wait, but not set, reset or lock).
    let open_any = || match open(k.access) {
        Ok(h) => Ok((h, false, true)),
        Err(ERROR_ACCESS_DENIED) => open(k.read_only_access)
            .map(|h| (h, false, false))
            .map_err(|code| name_error(name, k.kind, code, k.open_op, 0)),
        Err(code) => Err(name_error(name, k.kind, code, k.open_op, 0)),
    };
    let got = match disp {
        Disposition::Open => open_any()?,
        Disposition::Create | Disposition::OpenOrCreate | Disposition::Anonymous => {
            let sec = Security::new(k.kind, opts.mode)
                .map_err(|source| name.io("building the security descriptor", source))?;
            // An unnamed object: a NULL name.
            let name_ptr = if disp == Disposition::Anonymous {
                std::ptr::null()
            } else {
                w.as_ptr()
            };
            let h = create(sec.attrs(), name_ptr);
            let code = last_error();
            match owned(h) {
                Some(_) if code == ERROR_ALREADY_EXISTS && disp == Disposition::Create => {
                    return Err(name.already_exists())
                }
                Some(h) => (h, code != ERROR_ALREADY_EXISTS, true),
                // An unnamed object has no name to be refused for.
                None if disp == Disposition::Anonymous => {
                    return Err(name_error(name, k.kind, code, k.create_op, 0))
                }
                // The name exists but its DACL refuses what `Create*W` asks
                // for: an exclusive create is "already exists"; open-or-create
                // opens it with the access the DACL allows.
                None if code == ERROR_ACCESS_DENIED => match (disp, open_any()) {
                    (Disposition::Create, Ok(_)) => return Err(name.already_exists()),
                    (Disposition::Create, Err(Error::PermissionDenied { .. })) => {
                        return Err(name.already_exists())
                    }
                    (_, Ok(got)) => got,
                    (_, Err(Error::NotFound { .. })) => {
                        return Err(name_error(name, k.kind, code, k.create_op, 0))
                    }
                    (_, Err(e)) => return Err(e),
                },
                None => return Err(name_error(name, k.kind, code, k.create_op, 0)),
            }
        }
    };
    let (handle, created, writable) = got;
    if !created && opts.require_owner.is_some() {
        let mine = security::owned_by_caller(handle.as_raw_handle())
            .map_err(|source| name.io("GetSecurityInfo", source))?;
        if !mine {
            return Err(name.denied(format!("the {} belongs to another user (require_owner)", k.kind)));
        }
    }
    let id = identity::register(name, handle.as_raw_handle());
    Ok(Acquired {
        object: Object {
            handle,
            id,
            base: name.base().into(),
        },
        created,
        writable,
    })
}

/// Object identity. A handle value names a handle, not an object: two opens
/// of one name give two values. Windows compares the objects themselves
/// (`WaitForMultipleObjects` refuses one object twice in a wait-all, however
/// many handles it has), and so must the duplicate check above the backend.
///
/// Every live handle of this process is registered under its base name with
/// a number; a new handle takes the number of a registered handle to the
/// same object, or a fresh one. Two live handles of one canonical name are
/// one object (the kernel keeps a name bound to its object while a handle is
/// open). `Local\X` and `Global\X` are the same object only where the local
/// namespace is the global one (session 0): `CompareObjectHandles` tells
/// (Windows 10 1607 and later, Wine); where it is missing they count as two,
/// and a wait-all on both fails in the kernel with `ERROR_INVALID_PARAMETER`
/// instead.
mod identity {
    use crate::name::{Namespace, ObjectName};
    use std::collections::HashMap;
    use std::ffi::c_void;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, MutexGuard, OnceLock};
    use windows_sys::Win32::Foundation::HANDLE;

    struct Entry {
        ns: Namespace,
        /// A handle owned by a live `Object`, as an integer (`HANDLE` is a
        /// pointer, and not `Send`).
        handle: usize,
        id: usize,
    }

    fn live() -> MutexGuard<'static, HashMap<String, Vec<Entry>>> {
        static LIVE: OnceLock<Mutex<HashMap<String, Vec<Entry>>>> = OnceLock::new();
        // No code panics with the lock held; a poisoned map is still whole.
        LIVE.get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Registers the open handle `h` of `name`: its object's number. An
    /// unnamed object is a new object: a fresh number, and no entry (no
    /// other open can reach it).
    pub(super) fn register(name: &ObjectName, h: HANDLE) -> usize {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        if name.is_unnamed() {
            return NEXT.fetch_add(1, Ordering::Relaxed);
        }
        let mut live = live();
        let entries = live.entry(name.base().to_owned()).or_default();
        let same = |e: &Entry| e.ns == name.namespace() || same_object(e.handle as HANDLE, h) == Some(true);
        let id = entries
            .iter()
            .find(|e| same(e))
            .map_or_else(|| NEXT.fetch_add(1, Ordering::Relaxed), |e| e.id);
        entries.push(Entry {
            ns: name.namespace(),
            handle: h as usize,
            id,
        });
        id
    }

    /// Unregisters `h`, an open handle registered under `base`.
    pub(super) fn forget(base: &str, h: HANDLE) {
        let mut live = live();
        if let Some(entries) = live.get_mut(base) {
            // Handle values are unique among the open handles of a process.
            entries.retain(|e| e.handle != h as usize);
            if entries.is_empty() {
                live.remove(base);
            }
        }
    }

    type CompareObjectHandles = unsafe extern "system" fn(HANDLE, HANDLE) -> i32;

    #[link(name = "kernel32")]
    extern "system" {
        fn GetModuleHandleW(name: *const u16) -> *mut c_void;
        fn GetProcAddress(
            module: *mut c_void,
            name: *const u8,
        ) -> Option<unsafe extern "system" fn() -> isize>;
    }

    /// `CompareObjectHandles(a, b)`, or `None` where kernelbase lacks it.
    pub(super) fn same_object(a: HANDLE, b: HANDLE) -> Option<bool> {
        static FUNC: OnceLock<Option<CompareObjectHandles>> = OnceLock::new();
        let f = (*FUNC.get_or_init(|| {
            let module: Vec<u16> = "kernelbase.dll\0".encode_utf16().collect();
            // SAFETY: both strings are NUL-terminated and outlive the calls;
            // kernelbase is loaded in every process and never unloaded.
            let p = unsafe {
                let m = GetModuleHandleW(module.as_ptr());
                if m.is_null() {
                    return None;
                }
                GetProcAddress(m, c"CompareObjectHandles".as_ptr().cast())
            };
            // SAFETY: CompareObjectHandles has this signature (handleapi.h).
            p.map(|p| unsafe {
                std::mem::transmute::<unsafe extern "system" fn() -> isize, CompareObjectHandles>(p)
            })
        }))?;
        // SAFETY: both handles are open (registered handles are forgotten
        // before they close, under the lock the caller holds).
        Some(unsafe { f(a, b) } != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::identity::same_object;
    use crate::sys::windows::owned;
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::Threading::CreateEventW;

    fn event(name: &str) -> std::os::windows::io::OwnedHandle {
        let w: Vec<u16> = name.encode_utf16().chain(std::iter::once(0)).collect();
        // SAFETY: w is NUL-terminated and outlives the call; default security.
        owned(unsafe { CreateEventW(std::ptr::null(), 1, 0, w.as_ptr()) }).expect("CreateEventW")
    }

    /// Wine 8 and Windows 10 1607 and later have `CompareObjectHandles`.
    #[test]
    fn compare_object_handles_tells_one_object_from_two() {
        let name = format!("win-cmp-{}", std::process::id());
        let (a, b) = (event(&name), event(&name));
        let other = event(&format!("{name}-other"));
        assert_ne!(a.as_raw_handle(), b.as_raw_handle());
        assert_eq!(same_object(a.as_raw_handle(), b.as_raw_handle()), Some(true));
        assert_eq!(same_object(a.as_raw_handle(), other.as_raw_handle()), Some(false));
    }
}
