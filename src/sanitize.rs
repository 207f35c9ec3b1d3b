//! Names that come from the API are untrusted: a droplet named with terminal escape sequences
//! could rewrite the screen of whoever reads the log. Everything from the API passes through
//! `Clean` before it reaches a terminal or log.

use std::fmt;

/// Displays a string with control, bidirectional-override and zero-width characters escaped
/// as `\u{..}` (tabs and newlines included), leaving everything else as it is.
#[derive(Clone, Copy)]
pub struct Clean<'a>(pub &'a str);

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

impl fmt::Display for Clean<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.chars().any(is_unsafe) {
            return f.write_str(self.0);
        }
        for c in self.0.chars() {
            if is_unsafe(c) {
                write!(f, "\\u{{{:x}}}", u32::from(c))?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Clean;

    #[test]
    fn escapes_terminal_tricks_and_keeps_the_rest() {
        assert_eq!(Clean("web-01").to_string(), "web-01");
        assert_eq!(Clean("ünïcode ok").to_string(), "ünïcode ok");
        assert_eq!(Clean("a\x1b[2Jb").to_string(), "a\\u{1b}[2Jb");
        assert_eq!(Clean("x\ny\r").to_string(), "x\\u{a}y\\u{d}");
        assert_eq!(Clean("evil\u{202E}txt").to_string(), "evil\\u{202e}txt");
    }
}
