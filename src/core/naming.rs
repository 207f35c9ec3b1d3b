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
    /// Only in `--volume-prefix`.
    Volume,
}

impl Part {
    /// The text this part stands for in one droplet's (or volume's) prefix.
    fn text<'a>(&'a self, volume: &'a str, droplet: &'a str, tag: &'a str) -> &'a str {
        match self {
            Part::Text(t) => t,
            Part::Droplet => droplet,
            Part::Tag => tag,
            Part::Volume => volume,
        }
    }
}

/// Why a `-p` value is not a usable template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    #[error(
        "`{text}` uses an unknown variable `${name}`; the variables are {allowed} (write $$ \
         for a literal $)"
    )]
    UnknownVariable {
        text: String,
        name: String,
        allowed: &'static str,
    },
    #[error("`{0}` has a `$` that starts no variable; write $droplet, $tag, or $$ for a literal $")]
    StrayDollar(String),
    #[error("`{0}` has a control character; snapshot names must be printable")]
    Control(String),
}

impl PrefixTemplate {
    /// Parses `$droplet`, `${droplet}`, `$tag`, `${tag}` and `$$`; any other `$` is an error.
    pub fn parse(text: &str) -> Result<PrefixTemplate, PrefixError> {
        Self::parse_with(text, false)
    }

    /// Parses a `--volume-prefix`: `$volume` too.
    pub fn parse_volume(text: &str) -> Result<PrefixTemplate, PrefixError> {
        Self::parse_with(text, true)
    }

    fn parse_with(text: &str, volumes: bool) -> Result<PrefixTemplate, PrefixError> {
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
                "volume" if volumes => Part::Volume,
                "" => return Err(PrefixError::StrayDollar(text.to_string())),
                other => {
                    return Err(PrefixError::UnknownVariable {
                        text: text.to_string(),
                        name: other.to_string(),
                        allowed: if volumes {
                            "$volume, $droplet and $tag"
                        } else {
                            "$droplet and $tag"
                        },
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

    /// Whether `$tag` is part of it: only then can the snapshots of a droplet that no longer
    /// exists be told to be this tag's.
    pub fn has_tag(&self) -> bool {
        self.parts.contains(&Part::Tag)
    }

    /// The prefix for one droplet.
    pub fn expand(&self, droplet: &str, tag: &str) -> Prefix {
        self.expand_volume("", droplet, tag)
    }

    /// The prefix for one volume of a droplet.
    pub fn expand_volume(&self, volume: &str, droplet: &str, tag: &str) -> Prefix {
        let text = |part| Part::text(part, volume, droplet, tag);
        // Sized once, with room for the time a snapshot's name adds (`Prefix::into_name_at`):
        // every run of a simulation expands the prefix again, and names its new snapshot.
        let length: usize = self.parts.iter().map(|p| text(p).len()).sum();
        let mut out = String::with_capacity(length + STAMP_LEN);
        for part in &self.parts {
            out.push_str(text(part));
        }
        Prefix(out)
    }

    /// For a snapshot whose droplet or volume no longer exists: the prefix its name was made
    /// with and the name it gives that volume (or, without `$volume`, that droplet), when its
    /// name is this template (with `tag`, and any droplet or volume name in place of `$droplet`
    /// and `$volume`) followed by a real UTC time. Each variable stands for the same non-empty
    /// text wherever it appears.
    pub fn former(&self, snapshot: &Snapshot, tag: &str) -> Option<(Prefix, String)> {
        snapshot.stamp?;
        let name = &snapshot.name;
        let head = name.get(..name.len().checked_sub(STAMP_LEN)?)?;
        let mut bound = [None, None];
        if !matches(&self.parts, head, tag, &mut bound) {
            return None;
        }
        let [droplet, volume] = bound;
        let (droplet, volume) = (droplet.unwrap_or(""), volume.unwrap_or(""));
        let prefix = self.expand_volume(volume, droplet, tag);
        let name = if self.parts.contains(&Part::Volume) {
            volume
        } else {
            droplet
        };
        Some((prefix, name.to_string()))
    }
}

/// Whether `text` is `parts` with `tag` for `$tag`; `bound` holds what `$droplet` and
/// `$volume` stand for once first met (backtracking over where each could end).
fn matches<'a>(parts: &[Part], text: &'a str, tag: &str, bound: &mut [Option<&'a str>; 2]) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return text.is_empty();
    };
    let fixed = match first {
        Part::Text(t) => Some(t.as_str()),
        Part::Tag => Some(tag),
        Part::Droplet => bound[0],
        Part::Volume => bound[1],
    };
    if let Some(fixed) = fixed {
        return text
            .strip_prefix(fixed)
            .is_some_and(|tail| matches(rest, tail, tag, bound));
    }
    let slot = usize::from(*first == Part::Volume);
    for end in (1..=text.len()).filter(|e| text.is_char_boundary(*e)) {
        bound[slot] = Some(&text[..end]);
        if matches(rest, &text[end..], tag, bound) {
            return true;
        }
    }
    bound[slot] = None;
    false
}

/// Whether two byte strings are equal, compared eight bytes at a time and inline. A simulation
/// asks this of every snapshot held on every run (millions of times for the reference policy),
/// and for names this short the library's general comparison costs more in its call than in
/// its work: the reference simulation (`cargo bench --bench simulate`) takes about 5% less
/// time with this.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    // The eight bytes from `at` (always there: `at + 8 <= n`), as one load.
    let word = |s: &[u8], at: usize| {
        let bytes: [u8; 8] = s[at..at + 8].try_into().unwrap_or_default();
        u64::from_ne_bytes(bytes)
    };
    // Whole words, then the last eight bytes (overlapping the last whole word if need be): an
    // index loop, which compiles to fewer instructions than zipped chunks.
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// An expanded prefix: names the tool's snapshots of one droplet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix(String);

impl Prefix {
    /// The time in the snapshot's name when the tool owns it: its name is this prefix followed
    /// by exactly a real UTC time as `YYYYMMDDTHHMMSSZ` (`…99999999T999999Z` is not one).
    pub fn owns(&self, snapshot: &Snapshot) -> Option<Timestamp> {
        let name = &snapshot.name;
        snapshot.stamp.filter(|_| {
            name.len() == self.0.len() + STAMP_LEN
                && same_bytes(&name.as_bytes()[..self.0.len()], self.0.as_bytes())
        })
    }

    /// The prefix itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name of a snapshot taken at `at`.
    pub fn name_at(&self, at: Timestamp) -> String {
        let mut name = String::with_capacity(self.0.len() + STAMP_LEN);
        name.push_str(&self.0);
        at.push_compact(&mut name);
        name
    }

    /// The name of a snapshot taken at `at`, made in the prefix's own buffer.
    pub fn into_name_at(self, at: Timestamp) -> String {
        let mut name = self.0;
        name.reserve(STAMP_LEN);
        at.push_compact(&mut name);
        name
    }

    /// The prefix of a name made by `name_at` or `into_name_at`, in the name's own buffer.
    pub fn of_name(mut name: String) -> Prefix {
        name.truncate(name.len().saturating_sub(STAMP_LEN));
        Prefix(name)
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
    fn finds_the_prefix_a_former_droplet_or_volume_had() {
        let snap = |name: &str| Snapshot::new(1, name.to_string(), Timestamp::EPOCH, 1, Vec::new());
        let p = PrefixTemplate::parse("$droplet-autosnapshot-").unwrap();
        let former = p.former(
            &snap("old-web-autosnapshot-20260101T000000Z"),
            "autosnapshot",
        );
        assert_eq!(
            former,
            Some((Prefix("old-web-autosnapshot-".into()), "old-web".into()))
        );
        for other in [
            "old-web-autosnapshot-2026",
            "-autosnapshot-20260101T000000Z",
            "old-web-manual-20260101T000000Z",
        ] {
            assert_eq!(p.former(&snap(other), "autosnapshot"), None, "{other}");
        }
        // The tag is fixed; a variable met twice stands for the same text.
        let p = PrefixTemplate::parse("$tag/$droplet.$droplet-").unwrap();
        assert_eq!(
            p.former(&snap("web/a.b.a.b-20260101T000000Z"), "web"),
            Some((Prefix("web/a.b.a.b-".into()), "a.b".into()))
        );
        assert_eq!(p.former(&snap("web/a.b-20260101T000000Z"), "web"), None);
        assert_eq!(p.former(&snap("db/a.a-20260101T000000Z"), "web"), None);
        let v = PrefixTemplate::parse_volume("$volume-of-$droplet-").unwrap();
        assert_eq!(
            v.former(&snap("data-of-db-1-20260101T000000Z"), "t"),
            Some((Prefix("data-of-db-1-".into()), "data".into()))
        );
        assert!(PrefixTemplate::parse("$volume-").is_err());
    }

    #[test]
    fn same_bytes_compares_every_byte_of_every_length() {
        let text = b"simulated-autosnapshot-0123456789";
        for n in 0..text.len() {
            let a = &text[..n];
            assert!(same_bytes(a, a));
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same_bytes(a, &b), "length {n}, byte {i}");
            }
            assert!(!same_bytes(a, &text[..n + 1]));
        }
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
