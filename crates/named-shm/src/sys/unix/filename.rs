//! Object names as file names: the encoding every Unix backend uses to store
//! `Local\\X` and `Global\\X` as a file `X'` in the namespace's directory.
//!
//! The file name contains only `[A-Za-z0-9._-]` and `%`, never starts with
//! `.`, and is at most 255 bytes. The mapping is injective: readable names are
//! percent-encoded (`%XX`, upper-case hex), long ones become `%h` plus a
//! SHA-256 of the base name, which the direct form can never produce (the
//! full name is kept in the object's header).

use crate::name::ObjectName;
use sha2::{Digest, Sha256};
use std::ffi::CString;

/// File names up to this many bytes are stored readably; longer encodings are
/// replaced by a hash.
const MAX_DIRECT_FILE_NAME: usize = 200;

/// The object's file name in its namespace directory, as a C string.
pub(crate) fn file_name(name: &ObjectName) -> CString {
    let mut bytes = encode_file_name_bytes(name.base(), 1);
    bytes.push(0);
    debug_assert!(bytes.iter().position(|&b| b == 0) == Some(bytes.len() - 1));
    // SAFETY: the encoding produces only `[A-Za-z0-9._%-]`, so the NUL just
    // pushed is the only one and it ends the bytes.
    unsafe { CString::from_vec_with_nul_unchecked(bytes) }
}

pub(crate) fn encode_file_name(base: &str) -> String {
    // Only ASCII bytes are produced.
    String::from_utf8(encode_file_name_bytes(base, 0)).expect("ASCII")
}

/// Bytes that stand for themselves in a file name (`.` only after the first).
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.';
        b += 1;
    }
    t
};

/// The encoded file name as bytes, with room for `spare` more at the end.
fn encode_file_name_bytes(base: &str, spare: usize) -> Vec<u8> {
    let bytes = base.as_bytes();
    let plain = |i: usize, b: u8| PLAIN[b as usize] && (b != b'.' || i > 0);
    let escapes = if bytes.first() != Some(&b'.') && !bytes.iter().any(|&b| !PLAIN[b as usize]) {
        0
    } else {
        bytes.iter().enumerate().filter(|&(i, &b)| !plain(i, b)).count()
    };
    let len = bytes.len() + 2 * escapes;
    if len <= MAX_DIRECT_FILE_NAME {
        let mut out = Vec::with_capacity(len + spare);
        if escapes == 0 {
            out.extend_from_slice(bytes);
            return out;
        }
        for (i, &b) in bytes.iter().enumerate() {
            if plain(i, b) {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            }
        }
        return out;
    }
    let digest = Sha256::digest(bytes);
    let mut h = Vec::with_capacity(2 + 64 + spare);
    h.extend_from_slice(b"%h");
    for b in digest {
        h.extend_from_slice(&[HEX_LOWER[(b >> 4) as usize], HEX_LOWER[(b & 15) as usize]]);
    }
    h
}

/// Decodes a direct file name back into the base name; `None` for hashed names
/// (whose base name is in the header) and for anything we would not produce.
pub(crate) fn decode_file_name(file: &str) -> Option<String> {
    if file.starts_with("%h") || file.starts_with('.') {
        return None;
    }
    let bytes = file.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_val(*bytes.get(i + 1)?)?;
            let lo = hex_val(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    (encode_file_name(&s) == file).then_some(s)
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::name::{ObjectName, MAX_NAME_LEN};

    fn fname(n: &ObjectName) -> String {
        encode_file_name(n.base())
    }

    #[test]
    fn local_and_bare_names_share_a_file() {
        assert_eq!(
            fname(&ObjectName::parse("Local\\X").unwrap()),
            fname(&ObjectName::parse("X").unwrap())
        );
        assert_ne!(
            fname(&ObjectName::parse("Local\\X").unwrap()),
            fname(&ObjectName::parse("Local\\x").unwrap())
        );
    }

    #[test]
    fn file_names_never_escape() {
        for n in ["..", ".", "../x", "a/b", "/", ".hidden", "%h00", "x y", "é"] {
            let f = fname(&ObjectName::parse(n).unwrap());
            assert!(!f.contains('/'), "{n} -> {f}");
            assert!(!f.starts_with('.'), "{n} -> {f}");
            assert_eq!(decode_file_name(&f).as_deref(), Some(n));
        }
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

    /// Names built from the characters that matter: separators, dots, the
    /// escape and hash markers, NUL, case variants, non-ASCII.
    fn tricky() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            ".",
            "..",
            "/",
            "\\",
            "%",
            "%h",
            "%2F",
            "%2f",
            "\0",
            "h",
            "A",
            "a",
            "0",
            "-",
            "_",
            " ",
            "é",
            "€",
            "\u{10FFFF}",
            "Global\\",
            "Local\\",
            "global\\",
            "LOCAL\\",
            "Session\\",
            "\n",
            "\u{7f}",
        ]);
        (
            prop::collection::vec(atoms, 0..40),
            prop::collection::vec(any::<char>(), 0..4),
            0usize..1100,
        )
            .prop_map(|(parts, extra, pad)| {
                let mut s: String = parts.concat();
                s.extend(extra);
                if pad > 1000 {
                    s.push_str(&"x".repeat(pad));
                }
                s
            })
    }

    fn any_name() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "\\PC{0,300}", tricky()]
    }

    /// The properties every accepted name's file name must have.
    fn check_file_name(base: &str, f: &str) -> std::result::Result<(), TestCaseError> {
        prop_assert!(!f.is_empty() && f.len() <= 255, "{base:?} -> {f:?} (length)");
        prop_assert!(
            f != "." && f != ".." && !f.starts_with('.'),
            "{base:?} -> {f:?} (dot)"
        );
        prop_assert!(
            f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-%".contains(&b)),
            "{base:?} -> {f:?} (charset: no '/', no NUL, nothing a shell or path would interpret)"
        );
        // Joined to the directory it stays a direct child of it.
        let p = std::path::Path::new("/ns").join(f);
        prop_assert_eq!(p.parent(), Some(std::path::Path::new("/ns")));
        prop_assert_eq!(p.components().count(), 3);
        match decode_file_name(f) {
            Some(back) => prop_assert_eq!(back, base, "round trip"),
            None => prop_assert!(
                f.starts_with("%h") && f.len() == 66,
                "{base:?} -> {f:?} not decodable"
            ),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(cases())]

        #[test]
        fn parsing_any_string_never_panics_and_accepted_names_encode_safely(s in any_name()) {
            match ObjectName::parse(&s) {
                Ok(n) => {
                    prop_assert!(s.ends_with(n.base()));
                    prop_assert!(!n.base().is_empty() && n.base().len() <= MAX_NAME_LEN);
                    prop_assert!(!n.base().contains(['\\', '\0']));
                    check_file_name(n.base(), &fname(&n))?;
                }
                Err(Error::InvalidName { reason, .. }) => {
                    let base = s.strip_prefix("Global\\").or_else(|| s.strip_prefix("Local\\")).unwrap_or(&s);
                    prop_assert!(
                        base.is_empty() || base.contains(['\\', '\0']) || base.len() > MAX_NAME_LEN
                            || s.starts_with("Session\\"),
                        "{s:?} rejected: {reason}"
                    );
                }
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn two_different_names_never_share_a_file(a in any_name(), b in any_name()) {
            let (Ok(x), Ok(y)) = (ObjectName::parse(&a), ObjectName::parse(&b)) else { return Ok(()) };
            if x.base() != y.base() {
                prop_assert_ne!(fname(&x), fname(&y), "{:?} and {:?}", x.base(), y.base());
            }
        }

        #[test]
        fn near_names_never_share_a_file(a in tricky(), i in any::<prop::sample::Index>(), c in any::<char>()) {
            // One character replaced: the closest pairs the encoding must keep apart.
            let chars: Vec<char> = a.chars().collect();
            if chars.is_empty() { return Ok(()) }
            let k = i.index(chars.len());
            let mut b = chars.clone();
            b[k] = c;
            let b: String = b.into_iter().collect();
            if let (Ok(x), Ok(y)) = (ObjectName::parse(&a), ObjectName::parse(&b)) {
                if x.base() != y.base() {
                    prop_assert_ne!(fname(&x), fname(&y));
                }
            }
        }

        #[test]
        fn decoding_any_file_name_never_panics_and_only_accepts_our_encodings(f in "[%A-Za-z0-9._/-]{0,80}") {
            if let Some(base) = decode_file_name(&f) {
                prop_assert_eq!(encode_file_name(&base), f);
            }
        }
    }

    #[test]
    fn long_names_hash_and_stay_short() {
        let long = "a".repeat(1024);
        let f = fname(&ObjectName::parse(&long).unwrap());
        assert!(f.starts_with("%h") && f.len() == 66);
        assert!(decode_file_name(&f).is_none());
        assert!(ObjectName::parse(&"a".repeat(1025)).is_err());
    }
}
