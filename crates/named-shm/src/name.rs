//! Object names: Windows rules in, a safe file name out.
//!
//! A name is `Global\X`, `Local\X` or `X` (the same object as `Local\X`).
//! Names are case-sensitive, and so are the two prefixes. Any other backslash is
//! rejected, as is `Session\` (reserved by Windows). The rest may hold any
//! character but NUL. How a backend stores a name (the Unix backends encode it
//! into a file name, `sys/unix/filename.rs`) is the backend's business.

use crate::error::{ErrorName, NameError, Result};

/// The longest name accepted, in bytes of UTF-8, prefix excluded.
pub const MAX_NAME_LEN: usize = 1024;

/// Which namespace an object lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// The caller's own namespace (`Local\X` or plain `X`): private to the
    /// user; no other user can deny or enter it.
    Local,
    /// The machine-wide namespace (`Global\X`). As on Windows, where creating
    /// needs `SeCreateGlobalPrivilege`, creating needs a grant: root, or
    /// membership of the group `nshm setup-global` grants (otherwise
    /// [`Error::PermissionDenied`](crate::Error::PermissionDenied), code 5);
    /// opening an existing object needs only its mode.
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
    full: std::sync::Arc<str>,
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
        let invalid = |reason| name.invalid_name(reason);
        let (ns, base_start) = if let Some(rest) = name.strip_prefix("Global\\") {
            (Namespace::Global, name.len() - rest.len())
        } else if let Some(rest) = name.strip_prefix("Local\\") {
            (Namespace::Local, name.len() - rest.len())
        } else if name.starts_with("Session\\") {
            return Err(invalid(NameError::Session));
        } else {
            (Namespace::Local, 0)
        };
        let base = &name[base_start..];
        if base.is_empty() {
            return Err(invalid(NameError::Empty));
        }
        // One pass over short strings beats two `memchr`s.
        if let Some(&b) = base.as_bytes().iter().find(|&&b| b == b'\\' || b == 0) {
            return Err(invalid(if b == 0 {
                NameError::Nul
            } else {
                NameError::UnknownPrefix
            }));
        }
        if base.len() > MAX_NAME_LEN {
            return Err(invalid(NameError::TooLong));
        }
        Ok(ObjectName {
            full: name.into(),
            ns,
            base_start,
        })
    }

    /// The name of an unnamed object (one made by `create_anonymous`): no
    /// name at all, shown as `(unnamed)` in messages. It is never equal to a
    /// parsed name, and its [`base`](Self::base) is empty.
    pub(crate) fn unnamed() -> ObjectName {
        const SHOWN: &str = "(unnamed)";
        ObjectName {
            full: SHOWN.into(),
            ns: Namespace::Local,
            base_start: SHOWN.len(),
        }
    }

    /// Whether this is the name of an unnamed object (created with
    /// [`SharedMemory::create_anonymous`](crate::SharedMemory::create_anonymous)
    /// or the `Event`/`Mutex` equivalents): such an object has no name
    /// anybody could open it by; [`as_str`](Self::as_str) is `(unnamed)`,
    /// only for messages, and [`base`](Self::base) is empty.
    pub fn is_unnamed(&self) -> bool {
        self.base_start == self.full.len()
    }

    /// The name as given, prefix included.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The name as given, shared without a copy.
    pub(crate) fn shared(&self) -> std::sync::Arc<str> {
        self.full.clone()
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
}

impl std::fmt::Display for ObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_select_namespaces() {
        assert_eq!(ObjectName::parse("X").unwrap().namespace(), Namespace::Local);
        assert_eq!(
            ObjectName::parse("Local\\X").unwrap().canonical(),
            ObjectName::parse("X").unwrap().canonical()
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
    fn the_unnamed_name_differs_from_every_parsed_name() {
        let u = ObjectName::unnamed();
        assert!(u.is_unnamed());
        assert_eq!(u.base(), "");
        assert_ne!(ObjectName::parse(u.as_str()).unwrap(), u);
        assert!(!ObjectName::parse(u.as_str()).unwrap().is_unnamed());
    }
}
