//! JSON layout and colouring at the token level.
//!
//! Working on tokens rather than on a parsed `serde_json::Value` keeps what the server sent:
//! object keys stay in their order (a `Value` would sort them), and numbers keep their exact
//! spelling (`1.0`, `1e400`, 30-digit integers). Validity is checked first with serde_json.

use serde_json::value::RawValue;

use crate::style::{sgr, Style};

/// How to lay the tokens out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// No whitespace at all: what `wq` sends.
    Compact,
    /// One member per line, four spaces per level, `"key": value` (as HTTPie prints).
    Indented,
    /// The whitespace of the input, untouched (colouring only).
    Original,
}

const INDENT: &str = "    ";

/// Whether `text` is one well-formed JSON value (surrounding whitespace allowed).
pub fn is_valid(text: &str) -> bool {
    serde_json::from_str::<&RawValue>(text).is_ok()
}

/// Validates `text` as JSON and returns it without insignificant whitespace.
pub fn minify(text: &str) -> Result<String, serde_json::Error> {
    serde_json::from_str::<&RawValue>(text)?;
    Ok(format(text, Layout::Compact, Style { colors: false })
        .expect("serde_json accepted it, so it tokenizes"))
}

/// Whether a `Content-Type` names JSON: `application/json`, `text/json`, or any `+json` suffix
/// (`application/merge-patch+json`, `application/problem+json`, ...).
pub fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

/// Whether a body of this `Content-Type` may be JSON that the server did not label: the type
/// is missing, or one that servers commonly use by mistake.
pub fn may_be_unlabelled_json(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "" | "text/plain" | "text/javascript" | "application/javascript" | "application/x-json"
    )
}

/// Re-lays out and optionally colours a JSON text. Returns `None` when the text does not
/// tokenize as JSON; call it on text that [`is_valid`] accepted.
pub fn format(input: &str, layout: Layout, style: Style) -> Option<String> {
    let b = input.as_bytes();
    let mut out = String::with_capacity(input.len() + input.len() / 2);
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => {
                let end = skip_ws(b, i);
                if layout == Layout::Original {
                    out.push_str(&input[i..end]);
                }
                i = end;
            }
            open @ (b'{' | b'[') => {
                out.push(char::from(open));
                let close = if open == b'{' { b'}' } else { b']' };
                let next = skip_ws(b, i + 1);
                // `{}` and `[]` stay on one line rather than opening an empty block.
                if layout != Layout::Original && b.get(next) == Some(&close) {
                    out.push(char::from(close));
                    i = next + 1;
                    continue;
                }
                depth += 1;
                if layout == Layout::Indented {
                    newline(&mut out, depth);
                }
                i += 1;
            }
            close @ (b'}' | b']') => {
                depth = depth.checked_sub(1)?;
                if layout == Layout::Indented {
                    newline(&mut out, depth);
                }
                out.push(char::from(close));
                i += 1;
            }
            b',' => {
                out.push(',');
                if layout == Layout::Indented {
                    newline(&mut out, depth);
                }
                i += 1;
            }
            b':' => {
                out.push(':');
                if layout == Layout::Indented {
                    out.push(' ');
                }
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i)?;
                let is_key = b.get(skip_ws(b, end)) == Some(&b':');
                let code = if is_key { sgr::KEY } else { sgr::STRING };
                style.paint(&mut out, code, &input[i..end]);
                i = end;
            }
            b'-' | b'0'..=b'9' => {
                let end = scan(b, i, |c| {
                    c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')
                });
                style.paint(&mut out, sgr::NUMBER, &input[i..end]);
                i = end;
            }
            b'a'..=b'z' => {
                let end = scan(b, i, |c| c.is_ascii_lowercase());
                let code = match &input[i..end] {
                    "true" | "false" => sgr::BOOL,
                    "null" => sgr::NULL,
                    _ => return None,
                };
                style.paint(&mut out, code, &input[i..end]);
                i = end;
            }
            _ => return None,
        }
    }
    (depth == 0).then_some(out)
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str(INDENT);
    }
}

fn skip_ws(b: &[u8], from: usize) -> usize {
    scan(b, from, |c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
}

fn scan(b: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while i < b.len() && keep(b[i]) {
        i += 1;
    }
    i
}

/// The index just past the closing quote of the string starting at `start`.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Style = Style { colors: false };

    #[test]
    fn indented_keeps_key_order_and_number_spelling() {
        let s = r#"{"z":1.0,"a":[1,2,{}],"n":null,"big":123456789012345678901234567890,"e":[]}"#;
        let got = format(s, Layout::Indented, PLAIN).unwrap();
        assert_eq!(
            got,
            "{\n    \"z\": 1.0,\n    \"a\": [\n        1,\n        2,\n        {}\n    ],\n    \
             \"n\": null,\n    \"big\": 123456789012345678901234567890,\n    \"e\": []\n}"
        );
    }

    #[test]
    fn compact_drops_whitespace_but_not_inside_strings() {
        let s = " { \"a b\" : [ 1 , \"x \\\" y\" ] } ";
        assert_eq!(minify(s).unwrap(), r#"{"a b":[1,"x \" y"]}"#);
    }

    #[test]
    fn original_layout_colours_keys_and_values_differently() {
        let got = format(
            "{\"k\": \"v\", \"t\": true}",
            Layout::Original,
            Style { colors: true },
        )
        .unwrap();
        assert_eq!(
            got,
            "{\x1b[1;34m\"k\"\x1b[0m: \x1b[32m\"v\"\x1b[0m, \x1b[1;34m\"t\"\x1b[0m: \x1b[33mtrue\x1b[0m}"
        );
    }

    #[test]
    fn format_rejects_what_does_not_tokenize() {
        assert!(format("{\"a\": nope}", Layout::Indented, PLAIN).is_none());
        assert!(format("[1, 2", Layout::Indented, PLAIN).is_none());
        assert!(format("\"open", Layout::Indented, PLAIN).is_none());
        assert!(minify("{'a': 1}").is_err());
    }

    #[test]
    fn media_types_recognised() {
        assert!(is_json_media_type("application/json; charset=utf-8"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(is_json_media_type("Application/JSON"));
        assert!(!is_json_media_type("text/html"));
        assert!(may_be_unlabelled_json(None));
        assert!(may_be_unlabelled_json(Some("text/plain; charset=utf-8")));
        assert!(!may_be_unlabelled_json(Some("text/html")));
    }
}
