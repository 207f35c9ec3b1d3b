//! The one way out of the process. Everything the program writes (stdout, stderr, syslog, the
//! metrics file) goes through `scrub`, which removes the token: its actual value, the word after `Bearer`, and
//! anything shaped like a DigitalOcean token. An API or proxy that echoes the `Authorization`
//! header in an error body therefore cannot make the tool print it, whichever path the text
//! takes (a table cell, a log line, a retry warning, the JSON).
//!
//! Writing never fails the run: a closed stdout (`| head`) or a dead log reader on stderr loses
//! the text, not the backups.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use crate::syslog::Severity;
use crate::token::looks_like_token;

/// What replaces a secret.
const MASK: &str = "<token>";

/// A token value shorter than this is only masked by shape: masking every occurrence of a
/// two-letter "token" would garble the output, and no real token is that short.
const MIN_SECRET_LEN: usize = 8;

static SECRET: OnceLock<String> = OnceLock::new();

/// Registers the token's value, so every later write masks it. Called once, as soon as the
/// token is known; a second call is ignored.
pub fn protect(secret: &str) {
    if secret.len() >= MIN_SECRET_LEN {
        let _ = SECRET.set(secret.to_string());
    }
}

/// `text` with the registered token, bearer credentials and token-shaped words masked.
pub fn scrub(text: &str) -> Cow<'_, str> {
    scrub_with(text, SECRET.get().map(String::as_str))
}

/// `scrub` with the secret given, for tests.
fn scrub_with<'a>(text: &'a str, secret: Option<&str>) -> Cow<'a, str> {
    let mut text = Cow::Borrowed(text);
    if let Some(secret) = secret
        && text.contains(secret)
    {
        text = Cow::Owned(text.replace(secret, MASK));
    }
    if needs_word_pass(&text) {
        text = Cow::Owned(mask_words(&text));
    }
    text
}

/// Cheap test for the word passes: a token shape needs a `_v1_` marker or a long hex run, and a
/// credential needs the word `Bearer`.
fn needs_word_pass(text: &str) -> bool {
    if text.contains("_v1_") || text.contains("earer") || text.contains("EARER") {
        return true;
    }
    let mut run = 0;
    for b in text.bytes() {
        run = if b.is_ascii_hexdigit() { run + 1 } else { 0 };
        if run >= 32 {
            return true;
        }
    }
    false
}

/// Masks the credential after each `Bearer ` (any case, any shape of at least
/// `MIN_SECRET_LEN` characters), then every token-shaped word.
fn mask_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_bearer(rest) {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let len = tail
            .find(|c: char| c.is_whitespace() || "\"'`,;<>\\".contains(c))
            .unwrap_or(tail.len());
        if tail[..len].chars().count() >= MIN_SECRET_LEN {
            out.push_str(MASK);
        } else {
            out.push_str(&tail[..len]);
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    mask_shapes(&out)
}

/// Where the credential after the next `Bearer` and its spaces starts, if any.
fn find_bearer(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("bearer") {
        let after = from + i + "bearer".len();
        let spaces = text[after..].len() - text[after..].trim_start_matches(' ').len();
        if spaces > 0 && after + spaces < text.len() {
            return Some(after + spaces);
        }
        from = after;
    }
    None
}

/// Replaces each word (letters, digits, `_`) shaped like a DigitalOcean token.
fn mask_shapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        out.push_str(&rest[..start]);
        let len = rest[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + len];
        out.push_str(if looks_like_token(word) { MASK } else { word });
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// Writes `text` to stdout, scrubbed.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(scrub(text).as_bytes())
        .and_then(|()| out.flush());
}

/// Writes `text` to stderr, scrubbed.
pub fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(scrub(text).as_bytes());
}

/// Writes one line to stderr (a newline is added).
pub fn stderr_line(text: &str) {
    stderr(&format!("{text}\n"));
}

/// Sends one line to syslog, scrubbed.
pub fn syslog(severity: Severity, text: &str) {
    crate::syslog::send(severity, &scrub(text));
}

/// Replaces the file at `path` with `text`, scrubbed, atomically: written to a temporary file
/// beside it, then renamed over it, so a reader (node_exporter) never sees half a file.
pub fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    let written =
        std::fs::write(&temp, scrub(text).as_bytes()).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn masks_the_value_whatever_its_shape() {
        let text = "error: proxy said: token=not-a-token-shape-42 denied";
        assert_eq!(
            scrub_with(text, Some("not-a-token-shape-42")),
            "error: proxy said: token=<token> denied"
        );
        assert_eq!(scrub_with("abc", Some("short")), "abc");
    }

    #[test]
    fn masks_bearer_credentials_and_token_shapes() {
        assert_eq!(
            scrub_with("Authorization: Bearer hunter2-xyz, next", None),
            "Authorization: Bearer <token>, next"
        );
        assert_eq!(
            scrub_with(r#"{"auth":"BEARER   abc.def-ghi"}"#, None),
            r#"{"auth":"BEARER   <token>"}"#
        );
        let legacy = "ab".repeat(32);
        let text = format!("got '{GOOD}' and {legacy}; url /v2/x?t={GOOD}&a=1");
        assert_eq!(
            scrub_with(&text, None),
            "got '<token>' and <token>; url /v2/x?t=<token>&a=1"
        );
        assert_eq!(scrub_with("dop_v1_short.", None), "<token>.");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for text in [
            "web-01-autosnapshot-20260101T040000Z: kept under -k 1w:1m",
            "request id 6a2f0c1e-3b7d-4e5f-8a9b-0c1d2e3f4a5b",
            "the bearer of bad news",
            "Bearer short",
            "ünïcode – fine",
            "",
        ] {
            assert_eq!(scrub_with(text, None), text);
        }
    }

    #[test]
    fn borrowed_when_nothing_changes() {
        assert!(matches!(scrub_with("plain text", None), Cow::Borrowed(_)));
    }
}
