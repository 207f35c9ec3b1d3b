//! The API token: where it comes from, whether it looks right, and keeping it out of every
//! output. `Token` has no `Display`, and its `Debug` prints a placeholder.

use std::fmt;
use std::path::{Path, PathBuf};

/// A bearer token. The only way to read it is `Token::bearer`, used when building a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    /// The `Authorization` header value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// Tells `output` the value, so that nothing the program writes from now on carries it.
    pub fn protect_output(&self) {
        crate::output::protect(&self.0);
    }

    /// The environment variables a child process (a hook) must not inherit: the two the token
    /// is read from, and any other whose value carries it.
    pub fn carriers(&self) -> Vec<std::ffi::OsString> {
        let mut names: Vec<std::ffi::OsString> = ["DO_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"]
            .into_iter()
            .map(Into::into)
            .collect();
        for (name, value) in std::env::vars_os() {
            if value.to_string_lossy().contains(&self.0) && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Wraps a raw token (tests and the emulator).
    pub fn new(raw: &str) -> Token {
        Token(raw.to_string())
    }
}

/// Why no usable token could be found. Messages name files, never the token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "no API token: pass --token FILE (a file holding the token) or set DO_TOKEN (or \
         DIGITALOCEAN_ACCESS_TOKEN, as doctl reads) \
         (or use --simulate, which needs none)"
    )]
    Missing,
    #[error("--token: cannot read the token file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--token: the token file {0} is empty")]
    EmptyFile(PathBuf),
    #[error("{0}: the token is empty")]
    Empty(&'static str),
    #[error(
        "{0}: the token has spaces, control or non-ASCII characters inside it, which cannot be \
         sent in an HTTP header; check what was copied"
    )]
    BadCharacters(String),
    #[error("--token {0} is a directory; give the path of the file holding the token")]
    Directory(PathBuf),
}

/// A token and the warnings about how it was given.
#[derive(Debug)]
pub struct Resolved {
    pub token: Token,
    pub warnings: Vec<String>,
}

/// Finds the token: `--token` (a file path if such a file exists, else the token itself), then
/// the environment's token: `env` is the variable's name and value (`DO_TOKEN`, else doctl's
/// `DIGITALOCEAN_ACCESS_TOKEN`). `home` expands a leading `~`.
pub fn resolve(
    flag: Option<&str>,
    env: Option<(&'static str, &str)>,
    home: Option<&Path>,
) -> Result<Resolved, TokenError> {
    let mut warnings = Vec::new();
    let (raw, source) = match flag {
        Some(value) => {
            let path = expand_home(value, home);
            if path.is_dir() {
                return Err(TokenError::Directory(path));
            }
            if path.is_file() || looks_like_path(value) {
                (
                    read_file(&path, &mut warnings)?,
                    format!("--token file {}", path.display()),
                )
            } else {
                warnings.push(
                    "--token was given the token itself, which other users can see in `ps`; \
                     put it in a file readable only by you and pass the file's path, or set DO_TOKEN"
                        .to_string(),
                );
                (value.to_string(), "--token".to_string())
            }
        }
        None => match env {
            Some((name, value)) => (value.to_string(), name.to_string()),
            None => return Err(TokenError::Missing),
        },
    };
    // Like godo: tolerate surrounding whitespace and quotes from copy and paste, and the byte
    // order mark some editors put at the start of a file.
    let token = raw
        .trim_start_matches('\u{FEFF}')
        .trim()
        .trim_matches(|c| c == '\'' || c == '"')
        .trim();
    if token.is_empty() {
        return Err(match flag {
            Some(_) => TokenError::Empty("--token"),
            None => TokenError::Empty(env.map_or("DO_TOKEN", |(name, _)| name)),
        });
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TokenError::BadCharacters(source));
    }
    if let Some(w) = format_warning(token, &source) {
        warnings.push(w);
    }
    Ok(Resolved {
        token: Token(token.to_string()),
        warnings,
    })
}

/// True for a word shaped like a DigitalOcean token: starting `dop_v1_`, `doo_v1_` or
/// `dor_v1_`, or 32 or more hex digits.
pub fn looks_like_token(word: &str) -> bool {
    let prefixed = ["dop_v1_", "doo_v1_", "dor_v1_"]
        .iter()
        .any(|p| word.starts_with(p));
    prefixed || (word.len() >= 32 && word.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn looks_like_path(value: &str) -> bool {
    value.starts_with('~') || value.starts_with('.') || value.contains('/')
}

fn expand_home(value: &str, home: Option<&Path>) -> PathBuf {
    match (value.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if value == "~" => home.map_or_else(|| PathBuf::from(value), Path::to_path_buf),
        _ => PathBuf::from(value),
    }
}

fn read_file(path: &Path, warnings: &mut Vec<String>) -> Result<String, TokenError> {
    let unreadable = |source| TokenError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    if text.trim().is_empty() {
        return Err(TokenError::EmptyFile(path.to_path_buf()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(unreadable)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            warnings.push(format!(
                "the token file {} can be read by other users (mode {:o}); run: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    Ok(text)
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A warning when the token is not in a current format (it is still sent: formats change).
fn format_warning(token: &str, source: &str) -> Option<String> {
    let tail = |p: &str| token.strip_prefix(p).is_some_and(is_hex64);
    if tail("dop_v1_") || tail("doo_v1_") {
        None
    } else if tail("dor_v1_") {
        Some(format!(
            "{source}: this is an OAuth refresh token (dor_v1_), which the API does not accept \
             for requests; use a personal access token (dop_v1_)"
        ))
    } else if is_hex64(token) {
        Some(format!(
            "{source}: this token has the legacy format (64 hex digits); consider a new \
             personal access token (dop_v1_...)"
        ))
    } else {
        Some(format!(
            "{source}: this does not look like a DigitalOcean token (expected dop_v1_ and 64 \
             hex digits); trying it anyway"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn literal_token_warns_about_ps() {
        let r = resolve(Some(GOOD), None, None).unwrap();
        assert_eq!(r.token, Token(GOOD.into()));
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("`ps`"));
        assert!(!r.warnings[0].contains(GOOD));
    }

    #[test]
    fn file_token_is_trimmed_and_loose_modes_warn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tok");
        std::fs::write(&path, format!("  '{GOOD}'\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let r = resolve(Some("~/tok"), None, Some(dir.path())).unwrap();
        assert_eq!(r.token, Token(GOOD.into()));
        assert!(
            r.warnings.iter().any(|w| w.contains("chmod 600")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn env_and_missing() {
        assert!(
            resolve(None, Some(("DO_TOKEN", GOOD)), None)
                .unwrap()
                .warnings
                .is_empty()
        );
        assert!(matches!(
            resolve(None, None, None),
            Err(TokenError::Missing)
        ));
        let msg = TokenError::Missing.to_string();
        assert!(msg.contains("--token") && msg.contains("DO_TOKEN"));
    }

    #[test]
    fn formats_are_recognised() {
        let legacy = "a".repeat(64);
        assert!(format_warning(&legacy, "x").unwrap().contains("legacy"));
        assert!(
            format_warning("hunter2", "x")
                .unwrap()
                .contains("does not look like")
        );
        assert!(format_warning(GOOD, "x").is_none());
        assert_eq!(format!("{:?}", Token(GOOD.into())), "Token(<redacted>)");
    }

    #[test]
    fn a_byte_order_mark_is_stripped_and_a_directory_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tok");
        std::fs::write(&path, format!("\u{FEFF}{GOOD}\r\n")).unwrap();
        let r = resolve(Some(path.to_str().unwrap()), None, None).unwrap();
        assert_eq!(r.token, Token(GOOD.into()));
        let err = resolve(Some(dir.path().to_str().unwrap()), None, None).unwrap_err();
        assert!(matches!(err, TokenError::Directory(_)), "{err}");
        let err = resolve(Some("dop_v1_abc\u{e9}"), None, None).unwrap_err();
        assert!(matches!(err, TokenError::BadCharacters(_)), "{err}");
    }

    #[test]
    fn a_missing_token_file_is_an_error_naming_the_path() {
        let err = resolve(Some("/nonexistent/tok"), None, None).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/tok"));
    }
}
