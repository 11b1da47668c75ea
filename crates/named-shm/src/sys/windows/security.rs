//! Unix permission bits → a Windows security descriptor.
//!
//! `ShmOptions::mode` (and the same option of events and mutexes) is applied
//! as a protected DACL (`D:P`, nothing inherited) with at most two entries:
//!
//! | bits | trustee | what it grants |
//! |---|---|---|
//! | owner `r` (0o400) | the calling user's SID | mapping: `SECTION_QUERY`, `SECTION_MAP_READ`; event: `EVENT_QUERY_STATE`, `SYNCHRONIZE` (wait); mutex: `MUTANT_QUERY_STATE`; semaphore: `SEMAPHORE_QUERY_STATE` |
//! | owner `w` (0o200) | the calling user's SID | mapping: `SECTION_MAP_WRITE`; event: `EVENT_MODIFY_STATE` (set, reset); mutex: `SYNCHRONIZE` (lock); semaphore: `SEMAPHORE_MODIFY_STATE`, `SYNCHRONIZE` (release, wait) |
//! | other `r`/`w` (0o004/0o002) | Everyone (`S-1-1-0`) | the same rights as for the owner |
//!
//! Every readable entry also grants `READ_CONTROL`. What does not map: the
//! group bits (a Windows object has no owning group that access checks use),
//! the execute bits, and Unix's root override (an administrator is subject to
//! the DACL like anyone, though it may take ownership). The owner implicitly
//! keeps `READ_CONTROL | WRITE_DAC`, so it can always change the DACL back.
//! The creator's own handle has full access whatever the mode, as on Linux.

use crate::error::ObjectKind;
use crate::sys::windows::{last_error, os_error, owned};
use std::io;
use std::sync::OnceLock;
use windows_sys::Win32::Foundation::{LocalFree, HANDLE, HLOCAL};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, GetSecurityInfo,
    SDDL_REVISION_1, SE_KERNEL_OBJECT,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TokenOwner, TokenUser, OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID,
    SECURITY_ATTRIBUTES, TOKEN_INFORMATION_CLASS, TOKEN_OWNER, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

// Access rights (winnt.h), for the DACLs here and the opens of the backend.
pub(crate) const READ_CONTROL: u32 = 0x0002_0000;
/// `DELETE | READ_CONTROL | WRITE_DAC | WRITE_OWNER`.
const STANDARD_RIGHTS_REQUIRED: u32 = 0x000F_0000;
pub(crate) const SYNCHRONIZE: u32 = 0x0010_0000;
const SECTION_QUERY: u32 = 0x1;
const SECTION_MAP_WRITE: u32 = 0x2;
const SECTION_MAP_READ: u32 = 0x4;
pub(crate) const EVENT_QUERY_STATE: u32 = 0x1;
pub(crate) const EVENT_MODIFY_STATE: u32 = 0x2;
pub(crate) const MUTANT_QUERY_STATE: u32 = 0x1;
pub(crate) const SEMAPHORE_QUERY_STATE: u32 = 0x1;
pub(crate) const SEMAPHORE_MODIFY_STATE: u32 = 0x2;

/// The access mask granted by read and by write permission on `kind`.
fn rights(kind: ObjectKind) -> (u32, u32) {
    match kind {
        ObjectKind::Event => (READ_CONTROL | EVENT_QUERY_STATE | SYNCHRONIZE, EVENT_MODIFY_STATE),
        ObjectKind::Mutex => (READ_CONTROL | MUTANT_QUERY_STATE, SYNCHRONIZE),
        ObjectKind::Mapping => (READ_CONTROL | SECTION_QUERY | SECTION_MAP_READ, SECTION_MAP_WRITE),
        // Waiting writes nothing on Windows, but on Linux taking a count
        // needs write permission: the same here, so modes mean the same.
        ObjectKind::Semaphore => (
            READ_CONTROL | SEMAPHORE_QUERY_STATE,
            SEMAPHORE_MODIFY_STATE | SYNCHRONIZE,
        ),
    }
}

fn mask(kind: ObjectKind, bits: u32) -> u32 {
    let (r, w) = rights(kind);
    (if bits & 4 != 0 { r } else { 0 }) | (if bits & 2 != 0 { w } else { 0 })
}

/// The SDDL text for `mode` on an object of `kind` owned by `user_sid`.
pub(crate) fn sddl(kind: ObjectKind, mode: u32, user_sid: &str) -> String {
    // The owner is the user, whatever the token's default owner (an elevated
    // administrator's would be `Administrators`).
    let mut s = format!("O:{user_sid}D:P");
    let mut owner = mask(kind, (mode >> 6) & 7);
    if owner != 0 {
        // `CreateFileMappingW`, `CreateEventW` and `CreateMutexW` of an existing
        // name ask for `STANDARD_RIGHTS_REQUIRED`: grant it to the owner so that
        // its own open-or-create works, as the default DACL would.
        owner |= STANDARD_RIGHTS_REQUIRED;
        s.push_str(&format!("(A;;{owner:#x};;;{user_sid})"));
    }
    let other = mask(kind, mode & 7);
    if other != 0 {
        s.push_str(&format!("(A;;{other:#x};;;WD)"));
    }
    s
}

/// The text form of a SID.
fn sid_text(sid: PSID) -> io::Result<String> {
    let mut text = std::ptr::null_mut();
    // SAFETY: sid is a valid SID for the call; text receives a LocalAlloc'd string.
    if unsafe { ConvertSidToStringSidW(sid, &mut text) } == 0 {
        return Err(os_error(last_error()));
    }
    // SAFETY: text is a NUL-terminated UTF-16 string from ConvertSidToStringSidW.
    let s = unsafe {
        let len = (0..).take_while(|&i| *text.add(i) != 0).count();
        String::from_utf16_lossy(std::slice::from_raw_parts(text, len))
    };
    // SAFETY: text was allocated with LocalAlloc and is not used afterwards.
    unsafe { LocalFree(text as HLOCAL) };
    Ok(s)
}

/// Whether the object behind `h` (opened with `READ_CONTROL`) is owned by the
/// calling process's user: `ShmOptions::require_owner` on Windows, where
/// owners are SIDs and the uid given is not used.
pub(crate) fn owned_by_caller(h: HANDLE) -> io::Result<bool> {
    let mut owner: PSID = std::ptr::null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: h is an open handle; owner points into sd, freed below.
    let code = unsafe {
        GetSecurityInfo(
            h,
            SE_KERNEL_OBJECT,
            OWNER_SECURITY_INFORMATION,
            &mut owner,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    if code != 0 {
        return Err(os_error(code));
    }
    let text = sid_text(owner);
    // SAFETY: sd was LocalAlloc'd by GetSecurityInfo; owner is not used after this.
    unsafe { LocalFree(sd as HLOCAL) };
    let text = text?;
    Ok(text == user_sid()? || text == default_owner_sid()?)
}

/// The calling process's user SID as text (`S-1-5-21-…`), read once.
fn user_sid() -> io::Result<&'static str> {
    static SID: OnceLock<String> = OnceLock::new();
    if let Some(s) = SID.get() {
        return Ok(s);
    }
    let s = token_sid(TokenUser)?;
    Ok(SID.get_or_init(|| s))
}

/// The SID the token gives as owner of new objects by default (`TokenOwner`:
/// the user, or `Administrators` for an elevated administrator), read once.
fn default_owner_sid() -> io::Result<&'static str> {
    static SID: OnceLock<String> = OnceLock::new();
    if let Some(s) = SID.get() {
        return Ok(s);
    }
    let s = token_sid(TokenOwner)?;
    Ok(SID.get_or_init(|| s))
}

/// The SID of `TokenUser` or `TokenOwner` of the calling process, as text.
fn token_sid(class: TOKEN_INFORMATION_CLASS) -> io::Result<String> {
    let mut token = std::ptr::null_mut();
    // SAFETY: GetCurrentProcess returns a pseudo-handle; token is a valid out pointer.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Err(os_error(last_error()));
    }
    let token = owned(token).expect("OpenProcessToken succeeded");
    // TOKEN_USER / TOKEN_OWNER plus the SID it points to; 256 bytes hold any SID.
    let mut buf = [0u64; 64];
    let mut len = 0u32;
    // SAFETY: buf is writable for its full size in bytes, 8-aligned as the
    // structures need.
    let ok = unsafe {
        use std::os::windows::io::AsRawHandle;
        GetTokenInformation(
            token.as_raw_handle(),
            class,
            buf.as_mut_ptr().cast(),
            std::mem::size_of_val(&buf) as u32,
            &mut len,
        )
    };
    if ok == 0 {
        return Err(os_error(last_error()));
    }
    // SAFETY: GetTokenInformation filled buf with a TOKEN_USER (a SID_AND_ATTRIBUTES,
    // whose first field is the SID pointer) or a TOKEN_OWNER (the SID pointer).
    let sid = unsafe {
        if class == TokenUser {
            (*buf.as_ptr().cast::<TOKEN_USER>()).User.Sid
        } else {
            (*buf.as_ptr().cast::<TOKEN_OWNER>()).Owner
        }
    };
    sid_text(sid)
}

/// A self-relative security descriptor with its `SECURITY_ATTRIBUTES`.
pub(crate) struct Security {
    sd: PSECURITY_DESCRIPTOR,
    attrs: SECURITY_ATTRIBUTES,
}

impl Security {
    /// The descriptor for `mode` on an object of `kind`.
    pub(crate) fn new(kind: ObjectKind, mode: u32) -> io::Result<Security> {
        let text: Vec<u16> = sddl(kind, mode, user_sid()?)
            .encode_utf16()
            .chain(std::iter::once(0))
            .collect();
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: text is NUL-terminated; sd receives a LocalAlloc'd descriptor
        // that Drop frees.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                text.as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(os_error(last_error()));
        }
        Ok(Security {
            sd,
            attrs: SECURITY_ATTRIBUTES {
                nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
                lpSecurityDescriptor: sd,
                bInheritHandle: 0,
            },
        })
    }

    /// For the `lpAttributes` argument of a `Create*W` call; valid while `self` lives.
    pub(crate) fn attrs(&self) -> *const SECURITY_ATTRIBUTES {
        &self.attrs
    }
}

impl Drop for Security {
    fn drop(&mut self) {
        // SAFETY: sd came from ConvertStringSecurityDescriptorToSecurityDescriptorW
        // (LocalAlloc) and nothing refers to it any more. LocalFree cannot fail
        // for such a pointer; its result is ignored.
        unsafe { LocalFree(self.sd as HLOCAL) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_only_mode_grants_only_the_user() {
        assert_eq!(
            sddl(ObjectKind::Mapping, 0o600, "S-1-5-21-1"),
            "O:S-1-5-21-1D:P(A;;0xf0007;;;S-1-5-21-1)"
        );
        assert_eq!(
            sddl(ObjectKind::Mapping, 0o644, "S-1-5-21-1"),
            "O:S-1-5-21-1D:P(A;;0xf0007;;;S-1-5-21-1)(A;;0x20005;;;WD)"
        );
        assert_eq!(sddl(ObjectKind::Mapping, 0o070, "S"), "O:SD:P");
    }

    #[test]
    fn descriptors_build_for_every_kind() {
        for kind in crate::sys::windows::KINDS {
            for mode in [0o600, 0o666, 0o400, 0] {
                assert!(Security::new(kind, mode).is_ok(), "{kind} {mode:o}");
            }
        }
    }
}
