//! Object names: Windows rules in, a safe file name out.
//!
//! A name is `Global\X`, `Local\X` or `X` (the same object as `Local\X`).
//! Names are case-sensitive, and so are the two prefixes. Any other backslash is
//! rejected, as is `Session\` (reserved by Windows). The rest may hold any
//! character but NUL: it is encoded so that it can never leave the namespace
//! directory and two different names never share a file.

// The file-name encoding below serves the Linux backend only.
#![cfg_attr(windows, allow(dead_code))]

use crate::error::{name_reasons as why, Error, Result};
use sha2::{Digest, Sha256};

/// The longest name accepted, in bytes of UTF-8, prefix excluded.
pub const MAX_NAME_LEN: usize = 1024;

/// File names up to this many bytes are stored readably; longer encodings are
/// replaced by a hash (the full name is kept in the object's header).
const MAX_DIRECT_FILE_NAME: usize = 200;

/// Which namespace an object lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// The caller's own namespace (`Local\X` or plain `X`): private to the user.
    Local,
    /// The machine-wide namespace (`Global\X`).
    Global,
}

impl Namespace {
    /// `Local` or `Global`.
    pub fn as_str(self) -> &'static str {
        match self {
            Namespace::Local => "Local",
            Namespace::Global => "Global",
        }
    }
}

impl std::fmt::Display for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed, validated object name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectName {
    full: String,
    ns: Namespace,
    base_start: usize,
}

impl ObjectName {
    /// Parses and validates a name.
    ///
    /// ```
    /// use named_shm::{Namespace, ObjectName};
    /// let n = ObjectName::parse("Global\\MyFileMappingObject")?;
    /// assert_eq!(n.namespace(), Namespace::Global);
    /// assert_eq!(n.base(), "MyFileMappingObject");
    /// assert_eq!(ObjectName::parse("X")?.namespace(), Namespace::Local);
    /// assert!(ObjectName::parse("a\\b").is_err());
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    pub fn parse(name: &str) -> Result<ObjectName> {
        let invalid = |reason| Error::InvalidName {
            name: name.to_owned(),
            reason,
        };
        let (ns, base_start) = if let Some(rest) = name.strip_prefix("Global\\") {
            (Namespace::Global, name.len() - rest.len())
        } else if let Some(rest) = name.strip_prefix("Local\\") {
            (Namespace::Local, name.len() - rest.len())
        } else if name.starts_with("Session\\") {
            return Err(invalid(why::SESSION));
        } else {
            (Namespace::Local, 0)
        };
        let base = &name[base_start..];
        if base.is_empty() {
            return Err(invalid(why::EMPTY));
        }
        if base.contains('\\') {
            return Err(invalid(why::UNKNOWN_PREFIX));
        }
        if base.contains('\0') {
            return Err(invalid(why::NUL));
        }
        if base.len() > MAX_NAME_LEN {
            return Err(invalid(why::TOO_LONG));
        }
        Ok(ObjectName {
            full: name.to_owned(),
            ns,
            base_start,
        })
    }

    /// The name as given, prefix included.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The namespace.
    pub fn namespace(&self) -> Namespace {
        self.ns
    }

    /// The name without its `Global\`/`Local\` prefix.
    pub fn base(&self) -> &str {
        &self.full[self.base_start..]
    }

    /// The canonical form: `Global\X` or `Local\X`.
    pub fn canonical(&self) -> String {
        format!("{}\\{}", self.ns.as_str(), self.base())
    }

    /// The file name inside the namespace directory. It contains only
    /// `[A-Za-z0-9._-]` and `%`, never starts with `.`, and is at most 255 bytes.
    /// The mapping is injective: readable names are percent-encoded (`%XX`,
    /// upper-case hex), long ones become `%h` plus a SHA-256 of the base name,
    /// which the direct form can never produce.
    pub(crate) fn file_name(&self) -> String {
        encode_file_name(self.base())
    }
}

impl std::fmt::Display for ObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full)
    }
}

pub(crate) fn encode_file_name(base: &str) -> String {
    let mut out = String::with_capacity(base.len());
    for (i, b) in base.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && i > 0);
        if plain {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
        if out.len() > MAX_DIRECT_FILE_NAME {
            break;
        }
    }
    if out.len() <= MAX_DIRECT_FILE_NAME {
        return out;
    }
    let digest = Sha256::digest(base.as_bytes());
    let mut h = String::with_capacity(2 + 64);
    h.push_str("%h");
    for b in digest {
        h.push(HEX_LOWER[(b >> 4) as usize] as char);
        h.push(HEX_LOWER[(b & 15) as usize] as char);
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

    #[test]
    fn prefixes_select_namespaces() {
        assert_eq!(ObjectName::parse("X").unwrap().namespace(), Namespace::Local);
        assert_eq!(
            ObjectName::parse("Local\\X").unwrap().file_name(),
            ObjectName::parse("X").unwrap().file_name()
        );
        assert_eq!(
            ObjectName::parse("Global\\X").unwrap().namespace(),
            Namespace::Global
        );
        // Prefixes are case-sensitive: `global\X` is a name with a backslash.
        assert!(ObjectName::parse("global\\X").is_err());
        assert!(ObjectName::parse("Session\\1\\X").is_err());
    }

    #[test]
    fn file_names_never_escape() {
        for n in ["..", ".", "../x", "a/b", "/", ".hidden", "%h00", "x y", "é"] {
            let f = ObjectName::parse(n).unwrap().file_name();
            assert!(!f.contains('/'), "{n} -> {f}");
            assert!(!f.starts_with('.'), "{n} -> {f}");
            assert_eq!(decode_file_name(&f).as_deref(), Some(n));
        }
    }

    #[test]
    fn long_names_hash_and_stay_short() {
        let long = "a".repeat(1024);
        let f = ObjectName::parse(&long).unwrap().file_name();
        assert!(f.starts_with("%h") && f.len() == 66);
        assert!(decode_file_name(&f).is_none());
        assert!(ObjectName::parse(&"a".repeat(1025)).is_err());
    }
}
