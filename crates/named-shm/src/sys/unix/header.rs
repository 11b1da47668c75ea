//! The header page of every object file.
//!
//! A mapping's file is its payload followed by the header page, so that the
//! payload starts at file offset 0 and the file can back a Windows section
//! too (a Windows view of a file always starts at one of the file's 64 KiB
//! boundaries and a section has no offset of its own, so the bytes a
//! Windows program maps are those at offset 0); an event's, mutex's or
//! semaphore's file is the header page alone. Either way the header page is
//! the file's last page, found from its size ([`header_offset`]):
//!
//! ```text
//! file offset 0            payload (mappings only)  `size` bytes, page-rounded
//! file offset size         header page:
//!   0     magic "NSHMOBJ1"          8 bytes
//!   8     version (2)               u32   (1: the header page came first)
//!   12    kind (1 map, 2 evt, 3 mtx, 4 sem) u32
//!   16    payload size              u64   page-rounded mapping size; 0 for sync objects
//!   24    creator uid               u32
//!   28    creator pid               u32
//!   32    created (unix ns)         u64
//!   40    flags                     u32   FLAG_*
//!   44    name length               u32
//!   48    requested mode            u32   permission bits asked for at creation (0: not recorded)
//!   52    reserved                  12 bytes
//!   64    base name (UTF-8)         up to 1024 bytes
//!   2048  sync area                 events, mutexes and semaphores keep their state here
//! ```
//!
//! The handle count (a shared lock on byte 0 of the file, see
//! `linux/object.rs`) is independent of the layout: locks are on file
//! offsets, not on the bytes stored there.
//!
//! The header is written in full before the file is published, so no process
//! can ever see a partial one; parsing still validates every field, since a
//! file could have been planted by someone else, and the file's size must be
//! exactly the payload size the header records plus the header page.

use crate::error::ObjectKind;
use crate::name::MAX_NAME_LEN;

/// Size of the header page: the bytes after the payload, and the whole file
/// of an event, mutex or semaphore.
pub(crate) const HEADER_SIZE: u64 = 4096;
/// Offset of the sync area inside the header page.
pub(crate) const SYNC_OFFSET: usize = 2048;
/// Size of the sync area: the rest of the header page.
pub(crate) const SYNC_SIZE: usize = 2048;
const _: () = assert!(SYNC_OFFSET + SYNC_SIZE == HEADER_SIZE as usize);

const MAGIC: [u8; 8] = *b"NSHMOBJ1";
const VERSION: u32 = 2;
const NAME_OFFSET: usize = 64;

/// Where the header page of a file of `file_size` bytes starts (its last
/// page), or `None` if the size cannot be an object file's: shorter than a
/// header page, or not a whole number of pages. The size comes from
/// `fstat` of a file anyone with write access may have resized; the header
/// found there is validated like any other, and its recorded payload size
/// must match the offset ([`Header::decode`] and the caller's size check).
pub(crate) fn header_offset(file_size: u64) -> Option<u64> {
    (file_size >= HEADER_SIZE && file_size % HEADER_SIZE == 0).then(|| file_size - HEADER_SIZE)
}

/// The mapping was created with `commit(false)` (`SEC_RESERVE`): its pages are
/// not reserved in advance.
pub(crate) const FLAG_RESERVE: u32 = 1;
/// The mapping was created read-only (`PAGE_READONLY`): no handle may map a
/// writable shared view of it, whatever its access.
pub(crate) const FLAG_READONLY: u32 = 4;
/// The event is manual-reset.
pub(crate) const FLAG_MANUAL_RESET: u32 = 2;
/// Set in [`Header::mode`] when it holds the creator's requested mode.
pub(crate) const MODE_RECORDED: u32 = 1 << 31;

/// A parsed header. `S` holds the base name: `String` when it is kept,
/// `&str` borrowed from the buffer while checking it, `()` once checked (an
/// open object needs only the fixed part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header<S = String> {
    pub kind: ObjectKind,
    pub size: u64,
    pub creator_uid: u32,
    pub creator_pid: u32,
    pub created_ns: u64,
    pub flags: u32,
    /// [`MODE_RECORDED`] | the permission bits the creator asked for, or 0
    /// in files made before the field existed. The file's own mode always
    /// grants its owner read and write (so that any of the owner's handles
    /// can end the object, see `object.rs`); the owner's access is checked
    /// against this value instead. See [`Header::requested_mode`].
    pub mode: u32,
    pub name: S,
}

/// Why a header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderError {
    Short,
    Magic,
    Version,
    Kind,
    Name,
    Size,
}

impl HeaderError {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            HeaderError::Short => "a file too short for an object header",
            HeaderError::Magic => "a file without an object header",
            HeaderError::Version => "an object of an unknown format version",
            HeaderError::Kind => "an object of an unknown kind",
            HeaderError::Name => "an object header with an invalid name",
            HeaderError::Size => "an object header with an invalid size",
        }
    }
}

fn kind_code(kind: ObjectKind) -> u32 {
    match kind {
        ObjectKind::Mapping => 1,
        ObjectKind::Event => 2,
        ObjectKind::Mutex => 3,
        ObjectKind::Semaphore => 4,
    }
}

impl<S> Header<S> {
    /// The same header with the name replaced.
    pub(crate) fn with_name<T>(self, name: T) -> Header<T> {
        Header {
            kind: self.kind,
            size: self.size,
            creator_uid: self.creator_uid,
            creator_pid: self.creator_pid,
            created_ns: self.created_ns,
            flags: self.flags,
            mode: self.mode,
            name,
        }
    }
}

impl<S> Header<S> {
    /// The permission bits the creator asked for, if the header records them.
    pub(crate) fn requested_mode(&self) -> Option<u32> {
        (self.mode & MODE_RECORDED != 0).then_some(self.mode & 0o7777)
    }
}

impl Header {
    /// Parses and validates a header. Never panics, whatever the bytes.
    pub(crate) fn decode(buf: &[u8]) -> Result<Header, HeaderError> {
        Header::decode_borrowed(buf).map(|h| {
            let name = h.name.to_owned();
            h.with_name(name)
        })
    }
}

impl<S: AsRef<str>> Header<S> {
    /// Serialises the header into the first bytes of a page.
    pub(crate) fn encode(&self, page: &mut [u8]) {
        let name = self.name.as_ref();
        debug_assert!(page.len() >= NAME_OFFSET + name.len());
        page[0..8].copy_from_slice(&MAGIC);
        page[8..12].copy_from_slice(&VERSION.to_le_bytes());
        page[12..16].copy_from_slice(&kind_code(self.kind).to_le_bytes());
        page[16..24].copy_from_slice(&self.size.to_le_bytes());
        page[24..28].copy_from_slice(&self.creator_uid.to_le_bytes());
        page[28..32].copy_from_slice(&self.creator_pid.to_le_bytes());
        page[32..40].copy_from_slice(&self.created_ns.to_le_bytes());
        page[40..44].copy_from_slice(&self.flags.to_le_bytes());
        page[44..48].copy_from_slice(&(name.len() as u32).to_le_bytes());
        page[48..52].copy_from_slice(&self.mode.to_le_bytes());
        page[NAME_OFFSET..NAME_OFFSET + name.len()].copy_from_slice(name.as_bytes());
    }
}

impl<'a> Header<&'a str> {
    /// [`Header::decode`] without copying the name out of `buf`.
    pub(crate) fn decode_borrowed(buf: &'a [u8]) -> Result<Header<&'a str>, HeaderError> {
        Header::decode_expecting(buf, None)
    }

    /// [`decode_borrowed`](Self::decode_borrowed) for a caller that expects
    /// the (valid) base name `expected`: a header naming exactly it is
    /// accepted without re-validating the name's characters; any other name
    /// is validated (and returned) as usual.
    pub(crate) fn decode_expecting(
        buf: &'a [u8],
        expected: Option<&'a str>,
    ) -> Result<Header<&'a str>, HeaderError> {
        if buf.len() < NAME_OFFSET {
            return Err(HeaderError::Short);
        }
        let u32_at = |o: usize| u32::from_le_bytes([buf[o], buf[o + 1], buf[o + 2], buf[o + 3]]);
        let u64_at = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[o..o + 8]);
            u64::from_le_bytes(b)
        };
        if buf[0..8] != MAGIC {
            return Err(HeaderError::Magic);
        }
        if u32_at(8) != VERSION {
            return Err(HeaderError::Version);
        }
        let kind = match u32_at(12) {
            1 => ObjectKind::Mapping,
            2 => ObjectKind::Event,
            3 => ObjectKind::Mutex,
            4 => ObjectKind::Semaphore,
            _ => return Err(HeaderError::Kind),
        };
        let size = u64_at(16);
        if size % HEADER_SIZE != 0 || size > i64::MAX as u64 - HEADER_SIZE {
            return Err(HeaderError::Size);
        }
        if kind != ObjectKind::Mapping && size != 0 {
            return Err(HeaderError::Size);
        }
        let name_len = u32_at(44) as usize;
        if name_len == 0 || name_len > MAX_NAME_LEN {
            return Err(HeaderError::Name);
        }
        let name_bytes = buf
            .get(NAME_OFFSET..NAME_OFFSET + name_len)
            .ok_or(HeaderError::Short)?;
        let name = match expected {
            // The expected name is a valid one: equal bytes need no checks.
            Some(want) if want.as_bytes() == name_bytes => want,
            _ => {
                if name_bytes.iter().any(|&b| b == 0 || b == b'\\') {
                    return Err(HeaderError::Name);
                }
                std::str::from_utf8(name_bytes).map_err(|_| HeaderError::Name)?
            }
        };
        Ok(Header {
            kind,
            size,
            creator_uid: u32_at(24),
            creator_pid: u32_at(28),
            created_ns: u64_at(32),
            flags: u32_at(40),
            mode: u32_at(48),
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        Header {
            kind: ObjectKind::Event,
            size: 0,
            creator_uid: 1000,
            creator_pid: 42,
            created_ns: 7,
            flags: FLAG_MANUAL_RESET,
            mode: MODE_RECORDED | 0o640,
            name: "x y".into(),
        }
    }

    #[test]
    fn the_header_page_is_the_last_page_of_a_whole_number_of_pages() {
        assert_eq!(header_offset(4096), Some(0));
        assert_eq!(header_offset(3 * 4096), Some(2 * 4096));
        assert_eq!(
            header_offset(u64::MAX / 4096 * 4096),
            Some(u64::MAX / 4096 * 4096 - 4096)
        );
        for bad in [0, 1, 4095, 4097, 2 * 4096 + 1, u64::MAX] {
            assert_eq!(header_offset(bad), None, "{bad}");
        }
    }

    #[test]
    fn header_round_trips() {
        let mut page = vec![0u8; HEADER_SIZE as usize];
        sample().encode(&mut page);
        assert_eq!(Header::decode(&page), Ok(sample()));
    }

    #[test]
    fn decode_expecting_accepts_the_expected_name_and_reports_any_other() {
        let mut page = vec![0u8; HEADER_SIZE as usize];
        sample().encode(&mut page);
        let h = Header::decode_expecting(&page, Some("x y")).unwrap();
        assert_eq!(h.name, "x y");
        let h = Header::decode_expecting(&page, Some("other")).unwrap();
        assert_eq!(h.name, "x y", "another expected name returns the header's own");
        // A name the expected one would not excuse is still refused.
        let mut bad = sample();
        bad.name = "a\\b".into();
        bad.encode(&mut page);
        assert_eq!(
            Header::decode_expecting(&page, Some("ab")),
            Err(HeaderError::Name)
        );
    }

    use proptest::prelude::*;

    /// Cases per property: `PROPTEST_CASES` (the fuzz run sets it high), else 2000.
    fn cases() -> ProptestConfig {
        let n = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2000);
        ProptestConfig::with_cases(n)
    }

    fn any_header() -> impl Strategy<Value = Header> {
        (
            prop::sample::select(vec![ObjectKind::Mapping, ObjectKind::Event, ObjectKind::Mutex]),
            0u64..(1 << 40),
            any::<(u32, u32, u64, u32)>(),
            0u32..0o10000,
            "[^\\\\\u{0}]{1,250}",
        )
            .prop_map(|(kind, pages, (uid, pid, ns, flags), mode, name)| Header {
                kind,
                size: if kind == ObjectKind::Mapping {
                    pages * HEADER_SIZE
                } else {
                    0
                },
                creator_uid: uid,
                creator_pid: pid,
                created_ns: ns,
                flags,
                mode,
                name,
            })
    }

    /// What any accepted header satisfies, whatever bytes it came from.
    fn check_valid(h: &Header) -> std::result::Result<(), TestCaseError> {
        prop_assert!(h.size % HEADER_SIZE == 0);
        prop_assert!(
            h.size <= i64::MAX as u64 - HEADER_SIZE,
            "size {} overflows a file offset",
            h.size
        );
        prop_assert!(h.kind == ObjectKind::Mapping || h.size == 0);
        prop_assert!(!h.name.is_empty() && h.name.len() <= MAX_NAME_LEN);
        prop_assert!(!h.name.contains(['\\', '\0']));
        Ok(())
    }

    proptest! {
        #![proptest_config(cases())]

        #[test]
        fn decoding_random_bytes_never_panics(buf in prop::collection::vec(any::<u8>(), 0..2200)) {
            if let Ok(h) = Header::decode(&buf) {
                check_valid(&h)?;
            }
        }

        #[test]
        fn decoding_a_header_with_magic_and_random_fields_never_panics(
            fields in prop::collection::vec(any::<u8>(), 56),
            tail in prop::collection::vec(any::<u8>(), 0..1100),
        ) {
            // Past the magic, so the field checks are what is exercised.
            let mut buf = MAGIC.to_vec();
            buf.extend(fields);
            buf.extend(tail);
            if let Ok(h) = Header::decode(&buf) {
                check_valid(&h)?;
            }
        }

        #[test]
        fn encoded_headers_round_trip(h in any_header()) {
            let mut page = vec![0u8; HEADER_SIZE as usize];
            h.encode(&mut page);
            prop_assert_eq!(Header::decode(&page), Ok(h));
        }

        #[test]
        fn mutated_or_truncated_headers_are_refused_or_still_valid(
            h in any_header(),
            flips in prop::collection::vec((0usize..400, any::<u8>()), 0..6),
            cut in 0usize..4200,
        ) {
            let mut page = vec![0u8; HEADER_SIZE as usize];
            h.encode(&mut page);
            for (at, x) in flips {
                page[at] ^= x;
            }
            let page = &page[..cut.min(page.len())];
            if let Ok(d) = Header::decode(page) {
                check_valid(&d)?;
                prop_assert!(page.len() >= NAME_OFFSET + d.name.len(), "accepted a header cut inside its name");
            }
        }
    }

    #[test]
    fn header_rejects_every_truncation() {
        let mut page = vec![0u8; HEADER_SIZE as usize];
        sample().encode(&mut page);
        for n in 0..(NAME_OFFSET + 3) {
            assert!(Header::decode(&page[..n]).is_err(), "length {n}");
        }
    }
}
