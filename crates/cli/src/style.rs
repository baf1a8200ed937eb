//! Terminal colours: a handful of ANSI SGR codes, written by hand (a crate would add nothing
//! but weight for this).

/// SGR parameters for each thing `wq` colours.
pub mod sgr {
    /// `HTTP/1.1` in a status or request line.
    pub const VERSION: &str = "34";
    /// A 1xx status.
    pub const INFO: &str = "1;36";
    /// A 2xx status.
    pub const SUCCESS: &str = "1;32";
    /// A 3xx status.
    pub const REDIRECT: &str = "1;33";
    /// A 4xx or 5xx status.
    pub const ERROR: &str = "1;31";
    /// A header name.
    pub const HEADER_NAME: &str = "36";
    /// The request method in `-v`.
    pub const METHOD: &str = "1";
    /// The `> ` marker in front of request lines, and notes.
    pub const DIM: &str = "2";
    /// A JSON object key.
    pub const KEY: &str = "1;34";
    /// A JSON string.
    pub const STRING: &str = "32";
    /// A JSON number.
    pub const NUMBER: &str = "36";
    /// `true` and `false`.
    pub const BOOL: &str = "33";
    /// `null`.
    pub const NULL: &str = "35";
    /// The finished part of a progress bar.
    pub const BAR_DONE: &str = "32";
    /// The rest of a progress bar.
    pub const BAR_LEFT: &str = "2";
}

/// Whether to colour, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Emit ANSI escapes at all.
    pub colors: bool,
}

impl Style {
    /// Appends `text` to `out`, wrapped in the SGR `code` when colouring.
    pub fn paint(&self, out: &mut String, code: &str, text: &str) {
        if self.colors && !text.is_empty() {
            out.push_str("\x1b[");
            out.push_str(code);
            out.push('m');
            out.push_str(text);
            out.push_str("\x1b[0m");
        } else {
            out.push_str(text);
        }
    }

    /// The SGR code for a status, by its class.
    pub fn status_code(status: u16) -> &'static str {
        match status {
            100..=199 => sgr::INFO,
            200..=299 => sgr::SUCCESS,
            300..=399 => sgr::REDIRECT,
            _ => sgr::ERROR,
        }
    }
}

/// Whether the environment asks for no colours: `NO_COLOR` set to anything non-empty
/// (no-color.org), or a terminal that declares itself `dumb`.
pub fn env_forbids_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_wraps_only_when_colouring() {
        let mut s = String::new();
        Style { colors: true }.paint(&mut s, sgr::KEY, "id");
        assert_eq!(s, "\x1b[1;34mid\x1b[0m");
        let mut s = String::new();
        Style { colors: false }.paint(&mut s, sgr::KEY, "id");
        assert_eq!(s, "id");
    }

    #[test]
    fn status_code_follows_class() {
        assert_eq!(Style::status_code(204), sgr::SUCCESS);
        assert_eq!(Style::status_code(302), sgr::REDIRECT);
        assert_eq!(Style::status_code(503), sgr::ERROR);
    }
}
