//! Request items, HTTPie's syntax: `name=value`, `name:=json`, `Header:value`, `name==value`,
//! and `name=@FILE`, `name:=@FILE` to read the value from a file.

use std::fs;

use crate::failure::Failure;
use crate::json;

/// One request item from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `Header:value`: a request header.
    Header {
        /// The header name.
        name: String,
        /// The value, surrounding spaces removed.
        value: String,
    },
    /// `name==value`: a query parameter.
    Query {
        /// The parameter name.
        name: String,
        /// Its value, not yet encoded.
        value: String,
    },
    /// `name=value` or `name=@FILE`: a JSON string field, or a form field with `--form`.
    Field {
        /// The field name.
        name: String,
        /// Its value.
        value: String,
    },
    /// `name:=json` or `name:=@FILE`: a raw JSON field.
    JsonField {
        /// The field name.
        name: String,
        /// The value, validated and minified.
        json: String,
    },
}

impl Item {
    /// Whether the item puts data in the body (and so makes the default method POST).
    pub fn is_data(&self) -> bool {
        matches!(self, Item::Field { .. } | Item::JsonField { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    JsonFile,
    Query,
    Json,
    FieldFile,
    Field,
    Header,
}

/// At each position the longest separator wins (`:=` over `:`, `==` over `=`); the leftmost
/// position wins over all, so `X-Time:12:00` is a header and `url=http://x` a field.
const SEPARATORS: [(&str, Sep); 6] = [
    (":=@", Sep::JsonFile),
    ("==", Sep::Query),
    (":=", Sep::Json),
    ("=@", Sep::FieldFile),
    ("=", Sep::Field),
    (":", Sep::Header),
];

/// Characters a backslash makes literal inside a name.
fn escapable(c: char) -> bool {
    matches!(c, ':' | '=' | '@' | '\\')
}

/// Splits `arg` at its first unescaped separator: the unescaped name, the separator, the value.
fn split(arg: &str) -> Option<(String, Sep, &str)> {
    let mut name = String::new();
    let mut chars = arg.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some(&(_, next)) = chars.peek() {
                if escapable(next) {
                    name.push(next);
                    chars.next();
                    continue;
                }
            }
            name.push(c);
            continue;
        }
        let rest = &arg[i..];
        if let Some((sep_text, sep)) = SEPARATORS.iter().find(|(s, _)| rest.starts_with(s)) {
            return Some((name, *sep, &rest[sep_text.len()..]));
        }
        name.push(c);
    }
    None
}

/// Parses one item; files named by `=@` and `:=@` are read here.
pub fn parse(arg: &str) -> Result<Item, Failure> {
    let not_an_item = || {
        Failure::usage(format!(
            "{arg:?} is not a request item (expected name=value, name:=json, Header:value \
             or name==value)"
        ))
    };
    let (name, sep, value) = split(arg).ok_or_else(not_an_item)?;
    if name.is_empty() {
        return Err(not_an_item());
    }
    let value = value.to_owned();
    Ok(match sep {
        Sep::Header => Item::Header {
            name,
            value: value.trim().to_owned(),
        },
        Sep::Query => Item::Query { name, value },
        Sep::Field => Item::Field { name, value },
        Sep::FieldFile => {
            let bytes = read_file(&value)?;
            let value = String::from_utf8(bytes).map_err(|_| {
                Failure::usage(format!(
                    "{arg:?}: {value:?} is not UTF-8 text; send binary data with --data @FILE"
                ))
            })?;
            Item::Field { name, value }
        }
        Sep::Json => {
            let json = json::minify(&value).map_err(|e| {
                Failure::usage(format!("{arg:?}: the value after := is not JSON ({e})"))
            })?;
            Item::JsonField { name, json }
        }
        Sep::JsonFile => {
            let bytes = read_file(&value)?;
            let text = String::from_utf8_lossy(&bytes);
            let json = json::minify(&text).map_err(|e| {
                Failure::usage(format!("{arg:?}: {value:?} does not hold JSON ({e})"))
            })?;
            Item::JsonField { name, json }
        }
    })
}

fn read_file(path: &str) -> Result<Vec<u8>, Failure> {
    fs::read(path).map_err(|e| Failure::io(format_args!("reading {path:?}"), &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, value: &str) -> Item {
        Item::Field {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn items_each_kind_parsed() {
        assert_eq!(parse("name=Ada").unwrap(), field("name", "Ada"));
        assert_eq!(
            parse("age:=36").unwrap(),
            Item::JsonField {
                name: "age".into(),
                json: "36".into()
            }
        );
        assert_eq!(
            parse("X-Api-Key: abc ").unwrap(),
            Item::Header {
                name: "X-Api-Key".into(),
                value: "abc".into()
            }
        );
        assert_eq!(
            parse("q==a b").unwrap(),
            Item::Query {
                name: "q".into(),
                value: "a b".into()
            }
        );
    }

    #[test]
    fn items_leftmost_then_longest_separator_wins() {
        assert_eq!(parse("url=http://x/").unwrap(), field("url", "http://x/"));
        assert_eq!(
            parse("X-Time:12:00").unwrap(),
            Item::Header {
                name: "X-Time".into(),
                value: "12:00".into()
            }
        );
        assert_eq!(parse("a=b=c").unwrap(), field("a", "b=c"));
        assert_eq!(
            parse("tags:=[\"a\", \"b\"]").unwrap(),
            Item::JsonField {
                name: "tags".into(),
                json: "[\"a\",\"b\"]".into()
            }
        );
    }

    #[test]
    fn items_backslash_escapes_separator_in_name() {
        assert_eq!(parse(r"a\:b=c").unwrap(), field("a:b", "c"));
        assert_eq!(
            parse(r"a\=b==c").unwrap(),
            Item::Query {
                name: "a=b".into(),
                value: "c".into()
            }
        );
        assert_eq!(parse(r"back\\=x").unwrap(), field(r"back\", "x"));
    }

    #[test]
    fn items_without_separator_or_name_are_usage_errors() {
        for bad in ["plain", "=x", ":v", r"only\=escaped"] {
            assert!(matches!(parse(bad), Err(Failure::Usage(_))), "{bad}");
        }
    }

    #[test]
    fn items_bad_json_is_usage_error() {
        assert!(matches!(parse("n:={oops"), Err(Failure::Usage(_))));
    }

    #[test]
    fn items_missing_file_is_io_error() {
        assert!(matches!(
            parse("f=@/nonexistent/wq-test-file"),
            Err(Failure::Local(wirequest::ErrorKind::Io, _))
        ));
    }
}
