//! The rest of the surface: system information, console input, message boxes,
//! wide `argv` for `wmain`.

use std::ffi::{c_char, c_int, CStr};
use std::io::Write;

/// `SYSTEM_INFO`, laid out as in the Windows SDK for x64.
#[repr(C)]
#[allow(non_snake_case, missing_docs)]
pub struct SystemInfo {
    pub wProcessorArchitecture: u16,
    pub wReserved: u16,
    pub dwPageSize: u32,
    pub lpMinimumApplicationAddress: *mut std::ffi::c_void,
    pub lpMaximumApplicationAddress: *mut std::ffi::c_void,
    pub dwActiveProcessorMask: usize,
    pub dwNumberOfProcessors: u32,
    pub dwProcessorType: u32,
    pub dwAllocationGranularity: u32,
    pub wProcessorLevel: u16,
    pub wProcessorRevision: u16,
}

pub(crate) fn system_info() -> SystemInfo {
    // SAFETY: sysconf has no memory-safety preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.clamp(1, 64) as u32;
    SystemInfo {
        wProcessorArchitecture: if cfg!(target_arch = "aarch64") { 12 } else { 9 },
        wReserved: 0,
        dwPageSize: crate::consts::PAGE_SIZE as u32,
        lpMinimumApplicationAddress: 0x10000 as *mut _,
        lpMaximumApplicationAddress: 0x7FFF_FFFE_FFFF_usize as *mut _,
        dwActiveProcessorMask: if n >= 64 { usize::MAX } else { (1usize << n) - 1 },
        dwNumberOfProcessors: n,
        dwProcessorType: 8664,
        dwAllocationGranularity: crate::consts::ALLOCATION_GRANULARITY as u32,
        wProcessorLevel: 6,
        wProcessorRevision: 0,
    }
}

extern "C" {
    /// glibc's `stdout` stream, so that message boxes interleave correctly
    /// with the program's own `printf` output.
    static mut stdout: *mut libc::FILE;
}

/// Prints a message box as one line, `caption: text`, through C's `stdout`.
pub(crate) fn message_box(text: &str, caption: &str) {
    let line = format!("{caption}: {text}\n");
    let Ok(c) = std::ffi::CString::new(line.replace('\0', "")) else {
        return;
    };
    // SAFETY: `stdout` is glibc's stream, valid for the process lifetime; we
    // only read the pointer. fputs/fflush accept any valid stream.
    unsafe {
        let out = stdout;
        libc::fputs(c.as_ptr(), out);
        libc::fflush(out);
    }
}

/// `_getch`/`_getche`: one key from a terminal (raw, no echo unless `echo`),
/// one byte from a pipe or file, `-1` at once at end of input.
pub(crate) fn getch(echo: bool) -> c_int {
    // Windows consoles are unbuffered: show any prompt before blocking.
    // SAFETY: fflush(NULL) flushes every output stream; no preconditions.
    unsafe { libc::fflush(std::ptr::null_mut()) };
    let mut saved = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: isatty and tcgetattr only write into the termios we own.
    let tty = unsafe { libc::isatty(0) == 1 && libc::tcgetattr(0, saved.as_mut_ptr()) == 0 };
    if tty {
        // SAFETY: tcgetattr succeeded, so `saved` is initialised.
        let saved = unsafe { saved.assume_init() };
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        // SAFETY: raw is a valid termios; fd 0 is a terminal.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &raw) };
        let c = read_byte();
        // SAFETY: restores the settings read above.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &saved) };
        if echo && c >= 0 {
            let _ = std::io::stdout().write_all(&[c as u8]);
            let _ = std::io::stdout().flush();
        }
        c
    } else {
        read_byte()
    }
}

fn read_byte() -> c_int {
    let mut b = 0u8;
    loop {
        // SAFETY: reads at most one byte into `b`.
        let n = unsafe { libc::read(0, (&mut b as *mut u8).cast(), 1) };
        if n == 1 {
            return c_int::from(b);
        }
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        return -1;
    }
}

/// `_kbhit`: whether a key (byte) is waiting on standard input.
pub(crate) fn kbhit() -> c_int {
    let mut p = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    c_int::from(unsafe { libc::poll(&mut p, 1, 0) } == 1 && p.revents & libc::POLLIN != 0)
}

/// Converts `argv` (UTF-8) into a NULL-terminated array of UTF-16 strings
/// that lives until the process exits (for the `wmain` shim).
///
/// # Safety
/// `argv` holds `argc` valid C strings.
pub(crate) unsafe fn wide_argv(argc: c_int, argv: *const *const c_char) -> *mut *mut u16 {
    let mut out: Vec<*mut u16> = Vec::with_capacity(argc.max(0) as usize + 1);
    for i in 0..argc.max(0) as usize {
        // SAFETY: the caller guarantees argc valid strings.
        let arg = unsafe { CStr::from_ptr(*argv.add(i)) }.to_string_lossy();
        let mut w: Vec<u16> = arg.encode_utf16().collect();
        w.push(0);
        out.push(Box::leak(w.into_boxed_slice()).as_mut_ptr());
    }
    out.push(std::ptr::null_mut());
    Box::leak(out.into_boxed_slice()).as_mut_ptr()
}
