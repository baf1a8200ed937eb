//! An ordered, duplicate-keeping header map, stored as one byte buffer plus ranges.

use std::fmt;

use crate::error::Error;

/// `tchar` from RFC 9110 §5.6.2.
const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`'
        | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// Whether `s` is a non-empty RFC 9110 token (method names, header names).
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Whether `v` may be sent as a header value: no control bytes but HTAB (so never CR, LF or
/// NUL, which would split or truncate the head), and no leading whitespace (as requests).
pub fn is_valid_value(v: &[u8]) -> bool {
    if matches!(v.first(), Some(b' ' | b'\t')) {
        return false;
    }
    v.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[derive(Debug, Clone, Copy)]
struct Field {
    name: (u32, u32),
    value: (u32, u32),
    /// Where the value's text lives: the value itself when it is UTF-8, else its Latin-1
    /// decoding appended to the buffer (what requests shows for such a value).
    text: (u32, u32),
}

/// Header fields in the order they were added, duplicates kept, names compared ASCII
/// case-insensitively.
///
/// Every value is reachable as the exact bytes received ([`HeaderMap::get_bytes`]); the `&str`
/// views decode a value that is not UTF-8 as ISO-8859-1, as HTTP/1.1 and Python's `requests` do.
///
/// ```
/// use wirequest_wire::HeaderMap;
/// let mut h = HeaderMap::new();
/// h.append("Set-Cookie", "a=1").unwrap();
/// h.append("set-cookie", "b=2").unwrap();
/// assert_eq!(h.get("SET-COOKIE"), Some("a=1"));
/// assert_eq!(h.get_all("Set-Cookie").collect::<Vec<_>>(), ["a=1", "b=2"]);
/// assert!(h.append("X-Bad", "a\r\nInjected: 1").is_err());
/// ```
#[derive(Clone, Default)]
pub struct HeaderMap {
    buf: Vec<u8>,
    fields: Vec<Field>,
    /// Set once `buf` stops being exactly the fields' wire form (`Name: value\r\n` each, in
    /// order): after a removal, a reordering, a Latin-1 copy or parsing. Until then a request
    /// head takes the whole block in one copy.
    irregular: bool,
}

impl HeaderMap {
    /// An empty map.
    pub fn new() -> HeaderMap {
        HeaderMap::default()
    }

    /// An empty map with room for `fields` fields of about `bytes` bytes in all.
    pub fn with_capacity(fields: usize, bytes: usize) -> HeaderMap {
        HeaderMap {
            buf: Vec::with_capacity(bytes),
            fields: Vec::with_capacity(fields),
            irregular: false,
        }
    }

    /// Number of fields, duplicates counted.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Adds a field after the others, after checking the name is a token and the value is valid.
    pub fn append(&mut self, name: &str, value: &str) -> Result<(), Error> {
        self.append_bytes(name, value.as_bytes())
    }

    /// [`HeaderMap::append`] for a value given as bytes (ISO-8859-1 values are allowed).
    pub fn append_bytes(&mut self, name: &str, value: &[u8]) -> Result<(), Error> {
        if !is_token(name.as_bytes()) {
            return Err(Error::InvalidHeaderName(name.to_owned()));
        }
        if !is_valid_value(value) {
            return Err(Error::InvalidHeaderValue(name.to_owned()));
        }
        self.push_unchecked(name.as_bytes(), value);
        Ok(())
    }

    /// Replaces every field named `name` with one field holding `value` (at the position of the
    /// first one removed, or at the end).
    pub fn insert(&mut self, name: &str, value: &str) -> Result<(), Error> {
        if !is_token(name.as_bytes()) {
            return Err(Error::InvalidHeaderName(name.to_owned()));
        }
        if !is_valid_value(value.as_bytes()) {
            return Err(Error::InvalidHeaderValue(name.to_owned()));
        }
        let at = self.position(name);
        self.remove(name);
        self.push_unchecked(name.as_bytes(), value.as_bytes());
        if let Some(at) = at {
            let field = self.fields.pop().expect("just pushed");
            self.fields.insert(at, field);
            self.irregular = true;
        }
        Ok(())
    }

    /// Removes every field named `name`; returns whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.fields.len();
        let buf = &self.buf;
        self.fields
            .retain(|f| !slice(buf, f.name).eq_ignore_ascii_case(name.as_bytes()));
        let removed = before != self.fields.len();
        self.irregular |= removed;
        removed
    }

    /// Whether a field named `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// The first value of `name`, as text.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name).map(|i| self.text(&self.fields[i]))
    }

    /// The first value of `name`, as the exact bytes.
    pub fn get_bytes(&self, name: &str) -> Option<&[u8]> {
        self.position(name)
            .map(|i| slice(&self.buf, self.fields[i].value))
    }

    /// Every value of `name`, in order, as text.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.matching(name).map(move |f| self.text(f))
    }

    /// Every value of `name`, in order, as the exact bytes.
    pub fn get_all_bytes<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.matching(name).map(move |f| slice(&self.buf, f.value))
    }

    /// Every field as `(name, value)` text, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.fields
            .iter()
            .map(move |f| (self.name(f), self.text(f)))
    }

    /// Every field as `(name, value bytes)`, in order.
    pub fn iter_bytes(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.fields
            .iter()
            .map(move |f| (self.name(f), slice(&self.buf, f.value)))
    }

    /// Every field as `(name, value)` bytes, in order: for serializing, which needs no text.
    pub(crate) fn raw_fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.fields
            .iter()
            .map(move |f| (slice(&self.buf, f.name), slice(&self.buf, f.value)))
    }

    /// Whether a comma-separated field `name` holds `token` (ASCII case-insensitive), as in
    /// `Connection: keep-alive, Upgrade`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all_bytes(name)
            .any(|v| value_has_token(v, token.as_bytes()))
    }

    /// Adds a field whose name and value were already validated (by httparse or by us). Obsolete
    /// line folding, if the parser let it through, becomes spaces so CR/LF never leak out.
    pub(crate) fn push_unchecked(&mut self, name: &[u8], value: &[u8]) {
        self.buf.reserve(name.len() + value.len() + 4);
        let name_at = self.buf.len();
        self.buf.extend_from_slice(name);
        let name_end = self.buf.len();
        self.buf.extend_from_slice(b": ");
        let value_at = self.buf.len();
        self.buf.extend_from_slice(value);
        let end = self.buf.len();
        self.buf.extend_from_slice(b"\r\n");
        let text = self.value_text(value_at, end);
        self.fields.push(Field {
            name: (name_at as u32, name_end as u32),
            value: (value_at as u32, end as u32),
            text,
        });
    }

    /// The whole map as it goes on the wire (`Name: value\r\n` per field, in order), when
    /// its buffer still is exactly that.
    pub(crate) fn wire_block(&self) -> Option<&[u8]> {
        (!self.irregular).then_some(&self.buf[..])
    }

    /// Makes `buf[at..end]` (a value just stored) safe to show, and says where its text is:
    /// folded CR/LF become spaces; a value that is not UTF-8 gets its Latin-1 decoding appended.
    fn value_text(&mut self, at: usize, end: usize) -> (u32, u32) {
        let value = &mut self.buf[at..end];
        if value.is_ascii() && !value.contains(&b'\n') && !value.contains(&b'\r') {
            return (at as u32, end as u32);
        }
        for b in value.iter_mut() {
            if *b == b'\r' || *b == b'\n' {
                *b = b' ';
            }
        }
        if std::str::from_utf8(&self.buf[at..end]).is_ok() {
            return (at as u32, end as u32);
        }
        self.irregular = true;
        let text_at = self.buf.len();
        for i in at..end {
            let c = char::from(self.buf[i]);
            let mut utf8 = [0u8; 4];
            self.buf
                .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        (text_at as u32, self.buf.len() as u32)
    }

    /// The fields httparse found in `head`, with one copy: the bytes from the first name to the
    /// end of the last value are taken as they are, and each field points into them.
    ///
    /// `folding` says whether the parser let obsolete line folding through; without it, a
    /// value can hold neither CR nor LF, and an all-ASCII head needs no per-value checks.
    pub(crate) fn from_parsed(
        head: &[u8],
        parsed: &[httparse::Header<'_>],
        folding: bool,
    ) -> HeaderMap {
        // httparse hands out slices of `head`, in order; should one ever point elsewhere, copy
        // field by field instead of trusting the arithmetic.
        let (Some(first), Some(last)) = (parsed.first(), parsed.last()) else {
            return HeaderMap::new();
        };
        let base = head.as_ptr() as usize;
        let from = (first.name.as_ptr() as usize).wrapping_sub(base);
        let to = (last.value.as_ptr() as usize)
            .wrapping_sub(base)
            .wrapping_add(last.value.len());
        if from > to || to > head.len() {
            return HeaderMap::copied(parsed);
        }
        let span = &head[from..to];
        let mut map = HeaderMap::with_capacity(parsed.len(), span.len());
        map.buf.extend_from_slice(span);
        map.irregular = true;
        let plain = !folding && span.is_ascii();
        let start = span.as_ptr() as usize;
        // Offsets into the span; a slice outside it wraps around to a huge offset.
        let at = |s: &[u8]| {
            let at = (s.as_ptr() as usize).wrapping_sub(start);
            (at, at.wrapping_add(s.len()))
        };
        let len = span.len();
        let mut inside = true;
        map.fields.extend(parsed.iter().map(|h| {
            let (name_at, name_end) = at(h.name.as_bytes());
            let (value_at, end) = at(h.value);
            inside &= name_end <= len && end <= len && name_at <= name_end && value_at <= end;
            let value = (value_at as u32, end as u32);
            Field {
                name: (name_at as u32, name_end as u32),
                value,
                text: value,
            }
        }));
        if !inside {
            return HeaderMap::copied(parsed);
        }
        if !plain {
            for i in 0..map.fields.len() {
                let (at, end) = map.fields[i].value;
                map.fields[i].text = map.value_text(at as usize, end as usize);
            }
        }
        map
    }

    fn copied(parsed: &[httparse::Header<'_>]) -> HeaderMap {
        let bytes = parsed
            .iter()
            .map(|h| h.name.len() + h.value.len() + 4)
            .sum();
        let mut map = HeaderMap::with_capacity(parsed.len(), bytes);
        for h in parsed {
            map.push_unchecked(h.name.as_bytes(), h.value);
        }
        map
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| slice(&self.buf, f.name).eq_ignore_ascii_case(name.as_bytes()))
    }

    fn matching<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields
            .iter()
            .filter(move |f| slice(&self.buf, f.name).eq_ignore_ascii_case(name.as_bytes()))
    }

    fn name(&self, f: &Field) -> &str {
        // Names are tokens (ASCII), checked on the way in.
        std::str::from_utf8(slice(&self.buf, f.name)).unwrap_or("")
    }

    fn text(&self, f: &Field) -> &str {
        std::str::from_utf8(slice(&self.buf, f.text)).unwrap_or("")
    }
}

fn slice(buf: &[u8], (start, end): (u32, u32)) -> &[u8] {
    &buf[start as usize..end as usize]
}

/// Whether the comma-separated value `v` holds `token` (ASCII case-insensitive).
pub(crate) fn value_has_token(v: &[u8], token: &[u8]) -> bool {
    v.split(|&b| b == b',')
        .any(|t| trim_ows(t).eq_ignore_ascii_case(token))
}

/// Strips optional whitespace (SP and HTAB) from both ends.
pub(crate) fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

impl fmt::Debug for HeaderMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for HeaderMap {
    fn eq(&self, other: &HeaderMap) -> bool {
        self.len() == other.len() && self.iter_bytes().eq(other.iter_bytes())
    }
}

impl Eq for HeaderMap {}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(h: &HeaderMap) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, v) in h.raw_fields() {
            out.extend_from_slice(n);
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    #[test]
    fn header_wire_block_is_the_fields_as_sent_or_absent() {
        let mut h = HeaderMap::new();
        assert_eq!(h.wire_block(), Some(&b""[..]));
        h.append("User-Agent", "wq/1").unwrap();
        h.append("Accept", "*/*").unwrap();
        h.insert("X-New", "1").unwrap();
        assert_eq!(h.wire_block().unwrap(), rendered(&h).as_slice());
        assert_eq!(
            h.wire_block().unwrap(),
            b"User-Agent: wq/1\r\nAccept: */*\r\nX-New: 1\r\n"
        );
        let mut cloned = h.clone();
        cloned.append("A", "b").unwrap();
        assert_eq!(cloned.wire_block().unwrap(), rendered(&cloned).as_slice());
        // Whatever leaves stale or reordered bytes behind gives up the block.
        let mut removed = h.clone();
        removed.remove("accept");
        assert_eq!(removed.wire_block(), None);
        let mut replaced = h.clone();
        replaced.insert("user-agent", "other").unwrap();
        assert_eq!(replaced.wire_block(), None);
        assert_eq!(
            rendered(&replaced),
            b"user-agent: other\r\nAccept: */*\r\nX-New: 1\r\n"
        );
        let mut latin1 = h.clone();
        latin1.append_bytes("X-Name", b"Caf\xe9").unwrap();
        assert_eq!(latin1.wire_block(), None);
        assert_eq!(latin1.get("x-name"), Some("Caf\u{e9}"));
    }

    #[test]
    fn header_lookup_ignores_case_and_keeps_order() {
        let mut h = HeaderMap::new();
        h.append("A", "1").unwrap();
        h.append("b", "2").unwrap();
        h.append("a", "3").unwrap();
        assert_eq!(h.get("a"), Some("1"));
        assert_eq!(h.get_all("A").collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!(
            h.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            ["A", "b", "a"]
        );
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn header_insert_replaces_all_in_place() {
        let mut h = HeaderMap::new();
        h.append("X", "1").unwrap();
        h.append("Y", "2").unwrap();
        h.append("x", "3").unwrap();
        h.insert("x", "new").unwrap();
        assert_eq!(h.iter().collect::<Vec<_>>(), [("x", "new"), ("Y", "2")]);
    }

    #[test]
    fn header_bad_names_and_values_error() {
        let mut h = HeaderMap::new();
        for name in ["", "a b", "a:b", "é", "a\r\n"] {
            assert!(
                matches!(h.append(name, "v"), Err(Error::InvalidHeaderName(_))),
                "{name:?}"
            );
        }
        for value in ["a\rb", "a\nb", "a\0b", " lead", "\tlead", "a\x01"] {
            assert!(
                matches!(h.append("X", value), Err(Error::InvalidHeaderValue(_))),
                "{value:?}"
            );
        }
        assert!(h.append("X", "tab\tinside and trailing ").is_ok());
        assert!(h.append("X", "").is_ok());
    }

    #[test]
    fn header_latin1_value_kept_as_bytes_and_decoded_as_text() {
        let mut h = HeaderMap::new();
        h.push_unchecked(b"X-Name", b"Caf\xe9");
        assert_eq!(h.get_bytes("x-name"), Some(&b"Caf\xe9"[..]));
        assert_eq!(h.get("x-name"), Some("Café"));
    }

    #[test]
    fn header_folded_value_never_exposes_crlf() {
        let mut h = HeaderMap::new();
        h.push_unchecked(b"X", b"a\r\n b");
        assert_eq!(h.get("X"), Some("a   b"));
    }

    #[test]
    fn header_has_token_splits_lists() {
        let mut h = HeaderMap::new();
        h.append("Connection", "Upgrade, Keep-Alive").unwrap();
        assert!(h.has_token("connection", "keep-alive"));
        assert!(!h.has_token("connection", "close"));
    }

    #[test]
    fn header_remove_reports_presence() {
        let mut h = HeaderMap::new();
        h.append("A", "1").unwrap();
        assert!(h.remove("a"));
        assert!(!h.remove("a"));
        assert!(h.is_empty());
    }
}
