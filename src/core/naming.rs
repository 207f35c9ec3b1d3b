//! Snapshot names: the `-p` template, and which snapshots the tool owns.
//!
//! The tool only ever deletes snapshots it made, and it recognises them by name: the expanded
//! prefix followed by exactly a UTC time as `YYYYMMDDTHHMMSSZ`. (The seed matched a
//! substring, which could claim a snapshot a person named by hand.)

use super::model::{STAMP_LEN, Snapshot};
use crate::time::Timestamp;

/// A parsed `-p` template such as `$droplet-autosnapshot-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixTemplate {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Droplet,
    Tag,
}

impl Part {
    /// The text this part stands for in one droplet's prefix.
    fn text<'a>(&'a self, droplet: &'a str, tag: &'a str) -> &'a str {
        match self {
            Part::Text(t) => t,
            Part::Droplet => droplet,
            Part::Tag => tag,
        }
    }
}

/// Why a `-p` value is not a usable template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    #[error(
        "`{text}` uses an unknown variable `${name}`; the variables are $droplet and $tag \
         (write $$ for a literal $)"
    )]
    UnknownVariable { text: String, name: String },
    #[error("`{0}` has a `$` that starts no variable; write $droplet, $tag, or $$ for a literal $")]
    StrayDollar(String),
    #[error("`{0}` has a control character; snapshot names must be printable")]
    Control(String),
}

impl PrefixTemplate {
    /// Parses `$droplet`, `${droplet}`, `$tag`, `${tag}` and `$$`; any other `$` is an error.
    pub fn parse(text: &str) -> Result<PrefixTemplate, PrefixError> {
        if text.chars().any(char::is_control) {
            return Err(PrefixError::Control(text.to_string()));
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            literal.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                literal.push('$');
                rest = tail;
                continue;
            }
            let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
                let close = braced
                    .find('}')
                    .ok_or_else(|| PrefixError::StrayDollar(text.to_string()))?;
                (&braced[..close], &braced[close + 1..])
            } else {
                let len = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..len], &after[len..])
            };
            let part = match name {
                "droplet" => Part::Droplet,
                "tag" => Part::Tag,
                "" => return Err(PrefixError::StrayDollar(text.to_string())),
                other => {
                    return Err(PrefixError::UnknownVariable {
                        text: text.to_string(),
                        name: other.to_string(),
                    });
                }
            };
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.push(part);
            rest = tail;
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(PrefixTemplate { parts })
    }

    /// The prefix for one droplet.
    pub fn expand(&self, droplet: &str, tag: &str) -> Prefix {
        let text = |part| Part::text(part, droplet, tag);
        // Sized once: every run of a simulation expands the prefix again.
        let mut out = String::with_capacity(self.parts.iter().map(|p| text(p).len()).sum());
        for part in &self.parts {
            out.push_str(text(part));
        }
        Prefix(out)
    }
}

/// An expanded prefix: names the tool's snapshots of one droplet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix(String);

impl Prefix {
    /// The time in the snapshot's name when the tool owns it: its name is this prefix followed
    /// by exactly a real UTC time as `YYYYMMDDTHHMMSSZ` (`…99999999T999999Z` is not one).
    pub fn owns(&self, snapshot: &Snapshot) -> Option<Timestamp> {
        let name = &snapshot.name;
        snapshot
            .stamp
            .filter(|_| name.len() == self.0.len() + STAMP_LEN && name.starts_with(&self.0))
    }

    /// The name of a snapshot taken at `at`.
    pub fn name_at(&self, at: Timestamp) -> String {
        let mut name = String::with_capacity(self.0.len() + 16);
        name.push_str(&self.0);
        at.push_compact(&mut name);
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_the_seed_default() {
        let p = PrefixTemplate::parse("$droplet-autosnapshot-").unwrap();
        let prefix = p.expand("web-01", "autosnapshot");
        let t = Timestamp::parse("2018-10-09T01:47:36Z").unwrap();
        assert_eq!(prefix.name_at(t), "web-01-autosnapshot-20181009T014736Z");
    }

    #[test]
    fn expands_every_variable_form() {
        let p = PrefixTemplate::parse("${tag}/$droplet.${droplet}$$-").unwrap();
        assert_eq!(p.expand("db", "prod"), Prefix("prod/db.db$-".into()));
    }

    #[test]
    fn rejects_unknown_variables_and_stray_dollars() {
        assert!(matches!(
            PrefixTemplate::parse("$host-"),
            Err(PrefixError::UnknownVariable { .. })
        ));
        assert!(matches!(
            PrefixTemplate::parse("$dropletx-"),
            Err(PrefixError::UnknownVariable { .. })
        ));
        for bad in ["a$", "a$-b", "${droplet"] {
            assert!(
                matches!(PrefixTemplate::parse(bad), Err(PrefixError::StrayDollar(_))),
                "{bad}"
            );
        }
        assert!(PrefixTemplate::parse("a\nb").is_err());
    }

    #[test]
    fn owns_only_prefix_plus_exact_timestamp() {
        let prefix = PrefixTemplate::parse("$droplet-autosnapshot-")
            .unwrap()
            .expand("web", "autosnapshot");
        let owns = |name: &str| {
            let s = Snapshot::new(1, name.to_string(), Timestamp::EPOCH, 1, Vec::new());
            prefix.owns(&s)
        };
        assert_eq!(
            owns("web-autosnapshot-20181009T014736Z"),
            Timestamp::parse("2018-10-09T01:47:36Z").ok()
        );
        for other in [
            "web-autosnapshot-20181009T014736Z-manual",
            "manual-web-autosnapshot-20181009T014736Z",
            "web-autosnapshot-",
            "web-autosnapshot-2018",
            "web-01-autosnapshot-20181009T014736Z",
            "web-1595954862243",
            "web-autosnapshot-99999999T999999Z",
            "web-autosnapshot-20261399T256199Z",
            "web-autosnapshot-20260230T000000Z",
        ] {
            assert_eq!(owns(other), None, "{other}");
        }
    }
}
