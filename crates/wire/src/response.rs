//! Response heads: incremental end-of-head detection and parsing with httparse (sans-IO).

use std::borrow::Cow;
use std::mem::MaybeUninit;

use crate::error::Error;
use crate::header::HeaderMap;
use crate::limits::Limits;

/// The HTTP version of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    Http11,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        })
    }
}

/// Opt-in leniencies for response heads; all off by default. Each one is named in the README's
/// "HTTP support" section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Leniency {
    /// Accept obsolete line folding (RFC 9112 §5.2); the fold becomes spaces.
    pub allow_obsolete_line_folding: bool,
    /// Accept whitespace between a header name and its colon (`Name : value`).
    pub allow_space_before_colon: bool,
    /// Accept several spaces between the status line's parts.
    pub allow_multiple_spaces_in_status_line: bool,
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The version from the status line.
    pub version: Version,
    /// The status code.
    pub status: u16,
    /// The reason phrase (ISO-8859-1 decoded when it is not UTF-8). The usual phrases are
    /// borrowed from a static table, so most responses need no allocation for it.
    pub reason: Cow<'static, str>,
    /// The header fields, in order.
    pub headers: HeaderMap,
}

impl ResponseHead {
    /// Whether this is an interim (1xx) response.
    pub fn is_interim(&self) -> bool {
        (100..200).contains(&self.status)
    }
}

/// Finds the end of a response head incrementally.
///
/// Feed it the growing buffer; it scans only bytes it has not seen (keeping a 3-byte overlap), so
/// a head that arrives one byte at a time costs linear, not quadratic, work.
#[derive(Debug, Clone, Default)]
pub struct HeadScanner {
    scanned: usize,
    /// Length of the blank-line run before the status line, remembered so a server that drips
    /// blank lines costs linear, not quadratic, work.
    skip: usize,
}

impl HeadScanner {
    /// A scanner at the start of a head.
    pub fn new() -> HeadScanner {
        HeadScanner::default()
    }

    /// [`check_head_start`] on `buf`, without rescanning the blank lines already seen.
    pub fn check_start(&mut self, buf: &[u8]) -> Result<(), Error> {
        let skip = self.leading(buf);
        check_head_start(&buf[skip..])
    }

    fn leading(&mut self, buf: &[u8]) -> usize {
        while self.skip < buf.len() && matches!(buf[self.skip], b'\r' | b'\n') {
            self.skip += 1;
        }
        self.skip
    }

    /// Returns the head's length (including its final blank line) once `buf` holds all of it.
    /// Accepts CRLF and bare LF line ends, as httparse does.
    pub fn find_end(&mut self, buf: &[u8]) -> Option<usize> {
        // Empty lines before the status line are skipped (as httparse does), so they can never
        // end a head: only a blank line after some head bytes can.
        let skip = self.leading(buf);
        let from = self.scanned.saturating_sub(3).max(skip + 1);
        for i in from..buf.len() {
            if buf[i] != b'\n' {
                continue;
            }
            if buf[i - 1] == b'\n' && i > skip + 1 {
                return Some(i + 1);
            }
            if buf[i - 1] == b'\r' && i > skip + 2 && buf[i - 2] == b'\n' {
                return Some(i + 1);
            }
        }
        self.scanned = buf.len();
        None
    }
}

/// Rejects a head whose first bytes can never start a status line (an HTTP/0.9 reply, a TLS
/// alert on a plain connection), without waiting for an end of head that may never come.
///
/// Empty lines before the status line are skipped, as httparse does, so the verdict is the same
/// however the bytes were split across reads.
pub fn check_head_start(buf: &[u8]) -> Result<(), Error> {
    const PREFIX: &[u8] = b"HTTP/";
    let skip = buf
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let buf = &buf[skip..];
    let n = buf.len().min(PREFIX.len());
    if buf[..n] == PREFIX[..n] {
        Ok(())
    } else {
        Err(Error::MalformedHead("not an HTTP/1.x status line"))
    }
}

/// Parses a whole head (`buf` holds exactly what [`HeadScanner::find_end`] measured, or more).
///
/// Returns the head and the bytes it used. Interim 1xx heads are returned like any other; the
/// caller skips them.
pub fn parse_head(
    buf: &[u8],
    limits: &Limits,
    leniency: &Leniency,
) -> Result<(ResponseHead, usize), Error> {
    const STACK: usize = crate::limits::MAX_HEADERS;
    // Uninitialized slots: httparse writes only the ones it fills, so a typical 10-field head
    // does not pay for clearing 100 of them.
    let mut stack = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; STACK];
    let mut heap;
    let slots: &mut [MaybeUninit<httparse::Header<'_>>] = if limits.max_headers <= STACK {
        &mut stack[..limits.max_headers]
    } else {
        heap = Vec::with_capacity(limits.max_headers);
        heap.resize_with(limits.max_headers, MaybeUninit::uninit);
        &mut heap
    };
    let mut config = httparse::ParserConfig::default();
    config
        .allow_obsolete_multiline_headers_in_responses(leniency.allow_obsolete_line_folding)
        .allow_spaces_after_header_name_in_responses(leniency.allow_space_before_colon)
        .allow_multiple_spaces_in_response_status_delimiters(
            leniency.allow_multiple_spaces_in_status_line,
        );
    let mut resp = httparse::Response::new(&mut []);
    let used = match config.parse_response_with_uninit_headers(&mut resp, buf, slots) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            if buf.len() > limits.max_head_bytes {
                return Err(Error::HeadTooLarge {
                    limit: limits.max_head_bytes,
                });
            }
            return Err(Error::MalformedHead(
                "head ended where httparse wanted more",
            ));
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Error::TooManyHeaders {
                limit: limits.max_headers,
            })
        }
        Err(e) => return Err(map_httparse(e)),
    };
    if used > limits.max_head_bytes {
        return Err(Error::HeadTooLarge {
            limit: limits.max_head_bytes,
        });
    }
    let version = match resp.version {
        Some(0) => Version::Http10,
        Some(1) => Version::Http11,
        _ => return Err(Error::UnsupportedVersion),
    };
    let status = resp.code.ok_or(Error::MalformedHead("no status code"))?;
    // Three digits, but no class below 1xx exists (Python's http.client refuses these too).
    if status < 100 {
        return Err(Error::MalformedHead("status code below 100"));
    }
    // httparse gives the phrase when it is UTF-8, else an empty one: only then look again.
    let reason = match resp.reason {
        // Spaces before the phrase (allowed by one leniency) are dropped, as http.client does.
        Some(r) if !r.is_empty() => match r.trim_start_matches(' ') {
            "" => Cow::Borrowed(""),
            r => common_reason(r).unwrap_or_else(|| Cow::Owned(r.to_owned())),
        },
        _ => reason_phrase(buf),
    };
    let headers = HeaderMap::from_parsed(
        &buf[..used],
        resp.headers,
        leniency.allow_obsolete_line_folding,
    );
    Ok((
        ResponseHead {
            version,
            status,
            reason,
            headers,
        },
        used,
    ))
}

fn map_httparse(e: httparse::Error) -> Error {
    match e {
        httparse::Error::Version => Error::UnsupportedVersion,
        httparse::Error::Status => Error::MalformedHead("bad status code"),
        httparse::Error::HeaderName => Error::MalformedHead("bad header name"),
        httparse::Error::HeaderValue => Error::MalformedHead("bad header value"),
        httparse::Error::NewLine => Error::MalformedHead("bad line ending"),
        httparse::Error::Token => Error::MalformedHead("bad token"),
        httparse::Error::TooManyHeaders => Error::MalformedHead("too many headers"),
    }
}

/// The reason phrase straight from the status line (httparse already validated its bytes), so
/// a Latin-1 phrase is kept rather than dropped.
fn reason_phrase(buf: &[u8]) -> Cow<'static, str> {
    // httparse skips empty lines before the status line; so must we.
    let skip = buf
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let buf = &buf[skip..];
    let line_end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    let mut line = &buf[..line_end];
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    // "HTTP/1.1" SP+ 3DIGIT [SP+ reason] (several spaces only with the leniency)
    let after_version = line.get(8..).unwrap_or(b"");
    let digits_at = after_version.iter().position(|&b| b != b' ').unwrap_or(0);
    let mut rest = after_version.get(digits_at + 3..).unwrap_or(b"");
    while let [b' ', tail @ ..] = rest {
        rest = tail;
    }
    if rest.is_empty() {
        return Cow::Borrowed("");
    }
    match std::str::from_utf8(rest) {
        Ok(s) => common_reason(s).unwrap_or_else(|| Cow::Owned(s.to_owned())),
        Err(_) => Cow::Owned(rest.iter().map(|&b| char::from(b)).collect()),
    }
}

/// The usual phrases, borrowed from a table so most responses need no allocation for theirs.
fn common_reason(phrase: &str) -> Option<Cow<'static, str>> {
    const COMMON: [&str; 16] = [
        "OK",
        "Created",
        "Accepted",
        "No Content",
        "Moved Permanently",
        "Found",
        "See Other",
        "Not Modified",
        "Temporary Redirect",
        "Permanent Redirect",
        "Bad Request",
        "Unauthorized",
        "Forbidden",
        "Not Found",
        "Precondition Failed",
        "Internal Server Error",
    ];
    COMMON
        .iter()
        .find(|&&c| c == phrase)
        .map(|&c| Cow::Borrowed(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(buf: &[u8]) -> Result<(ResponseHead, usize), Error> {
        let mut scanner = HeadScanner::new();
        let end = scanner.find_end(buf).expect("complete head");
        parse_head(&buf[..end], &Limits::default(), &Leniency::default())
    }

    #[test]
    fn head_basic_parses_with_reason_and_headers() {
        let (h, used) = parse(b"HTTP/1.1 404 Not Found\r\nX-A: 1\r\nx-a: 2\r\n\r\nbody").unwrap();
        assert_eq!(used, 42);
        assert_eq!(
            (h.version, h.status, &*h.reason),
            (Version::Http11, 404, "Not Found")
        );
        assert_eq!(h.headers.get_all("X-A").collect::<Vec<_>>(), ["1", "2"]);
    }

    #[test]
    fn head_scanner_finds_end_one_byte_at_a_time() {
        let full = b"HTTP/1.0 200 OK\r\nA: b\r\n\r\nrest";
        let mut s = HeadScanner::new();
        for n in 0..full.len() {
            match s.find_end(&full[..n]) {
                Some(end) => {
                    assert_eq!(end, full.len() - 4);
                    assert_eq!(n, end);
                    return;
                }
                None => assert!(n < full.len() - 4),
            }
        }
        panic!("end never found");
    }

    #[test]
    fn head_scanner_leading_blank_lines_never_end_a_head() {
        let mut s = HeadScanner::new();
        assert_eq!(s.find_end(b"\n\r\n"), None);
        assert_eq!(s.find_end(b"\n\r\n\r\n"), None);
        let full = b"\r\n\nHTTP/1.1 200 OK\r\n\r\n";
        assert_eq!(HeadScanner::new().find_end(full), Some(full.len()));
        let mut s = HeadScanner::new();
        for n in 0..full.len() {
            assert_eq!(s.find_end(&full[..n]), None, "ended early at {n}");
        }
        assert_eq!(s.find_end(full), Some(full.len()));
    }

    #[test]
    fn head_scanner_accepts_bare_lf() {
        assert_eq!(
            HeadScanner::new().find_end(b"HTTP/1.1 200 OK\nA: b\n\nx"),
            Some(22)
        );
    }

    #[test]
    fn head_start_partial_is_not_invalid() {
        assert!(check_head_start(b"").is_ok());
        assert!(check_head_start(b"HT").is_ok());
        assert!(check_head_start(b"HTTP/1.1 200").is_ok());
        assert!(check_head_start(b"hello").is_err());
        assert!(check_head_start(b"http/").is_err());
        assert!(check_head_start(b"\x15\x03\x01").is_err());
        assert!(check_head_start(b"\r\n\r\nHTTP/1.1").is_ok());
        assert!(check_head_start(b"\r\nhttp").is_err());
    }

    #[test]
    fn head_latin1_reason_kept() {
        let (h, _) = parse(b"HTTP/1.1 200 Caf\xe9\r\n\r\n").unwrap();
        assert_eq!(h.reason, "Café");
        let (h, _) = parse(b"HTTP/1.1 200 \r\n\r\n").unwrap();
        assert_eq!(h.reason, "");
        let (h, _) = parse(b"\r\nHTTP/1.1 200 Fine\r\n\r\n").unwrap();
        assert_eq!(h.reason, "Fine");
        let lenient = Leniency {
            allow_multiple_spaces_in_status_line: true,
            ..Leniency::default()
        };
        let (h, _) =
            parse_head(b"HTTP/1.1  200  OK\r\n\r\n", &Limits::default(), &lenient).unwrap();
        assert_eq!((h.status, &*h.reason), (200, "OK"));
    }

    #[test]
    fn head_too_many_headers_errors() {
        let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..101 {
            buf.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        buf.extend_from_slice(b"\r\n");
        assert_eq!(
            parse(&buf).unwrap_err(),
            Error::TooManyHeaders { limit: 100 }
        );
        let limits = Limits {
            max_headers: 200,
            ..Limits::default()
        };
        assert!(parse_head(&buf, &limits, &Leniency::default()).is_ok());
    }

    #[test]
    fn head_malformed_status_lines_error() {
        for bad in [
            &b"http/1.1 200 OK\r\n\r\n"[..],
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1 200 OK\r\n\r\n",
            b"HTTP/1.1  200 OK\r\n\r\n",
            b"hello world\r\n\r\n",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn head_fields_keep_order_bytes_and_latin1_text() {
        let buf = b"HTTP/1.1 200 OK\r\nA: 1\r\nX-Name: Caf\xe9\r\nEmpty:\r\nb:  two words \r\nA: 3\r\n\r\nBODY";
        let (h, used) = parse(buf).unwrap();
        assert_eq!(used, buf.len() - 4);
        let fields: Vec<_> = h.headers.iter().collect();
        assert_eq!(
            fields,
            [
                ("A", "1"),
                ("X-Name", "Caf\u{e9}"),
                ("Empty", ""),
                ("b", "two words"),
                ("A", "3")
            ]
        );
        assert_eq!(h.headers.get_bytes("x-name"), Some(&b"Caf\xe9"[..]));
        assert_eq!(h.headers.get_all("a").collect::<Vec<_>>(), ["1", "3"]);
        let (none, _) = parse(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
        assert!(none.headers.is_empty());
    }

    #[test]
    fn head_reason_loses_leading_spaces_and_stays_borrowed_when_common() {
        let lenient = Leniency {
            allow_multiple_spaces_in_status_line: true,
            ..Leniency::default()
        };
        let limits = Limits::default();
        let (h, _) = parse_head(
            b"HTTP/1.1 500    Internal Server Error\r\n\r\n",
            &limits,
            &lenient,
        )
        .unwrap();
        assert_eq!(h.reason, "Internal Server Error");
        assert!(matches!(h.reason, Cow::Borrowed(_)));
        let (h, _) = parse_head(b"HTTP/1.1 200   \r\n\r\n", &limits, &lenient).unwrap();
        assert_eq!(h.reason, "");
        let (h, _) = parse(b"HTTP/1.1 299 Fine Thanks\r\n\r\n").unwrap();
        assert_eq!(h.reason, "Fine Thanks");
    }

    #[test]
    fn head_status_below_100_is_malformed() {
        for line in ["HTTP/1.1 099 Odd\r\n\r\n", "HTTP/1.1 000 Zero\r\n\r\n"] {
            assert_eq!(
                parse(line.as_bytes()).unwrap_err(),
                Error::MalformedHead("status code below 100"),
                "{line:?}"
            );
        }
        assert_eq!(
            parse(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap().0.status,
            100
        );
        assert_eq!(parse(b"HTTP/1.1 999 Custom\r\n\r\n").unwrap().0.status, 999);
    }

    #[test]
    fn head_folded_field_among_others() {
        let buf = b"HTTP/1.1 200 OK\r\nA: 1\r\nX: a\r\n b\r\nZ: \xff\r\n\r\n";
        let lenient = Leniency {
            allow_obsolete_line_folding: true,
            ..Leniency::default()
        };
        let (h, _) = parse_head(buf, &Limits::default(), &lenient).unwrap();
        assert_eq!(h.headers.get("a"), Some("1"));
        assert_eq!(
            h.headers
                .get("x")
                .map(str::split_whitespace)
                .unwrap()
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(h.headers.get("z"), Some("\u{ff}"));
    }

    #[test]
    fn head_obs_fold_rejected_unless_allowed() {
        let buf = b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n";
        assert!(parse(buf).is_err());
        let lenient = Leniency {
            allow_obsolete_line_folding: true,
            ..Leniency::default()
        };
        let (h, _) = parse_head(buf, &Limits::default(), &lenient).unwrap();
        assert!(!h.headers.get("x").unwrap().contains(['\r', '\n']));
    }

    #[test]
    fn head_space_before_colon_rejected_unless_allowed() {
        let buf = b"HTTP/1.1 200 OK\r\nX : a\r\n\r\n";
        assert!(parse(buf).is_err());
        let lenient = Leniency {
            allow_space_before_colon: true,
            ..Leniency::default()
        };
        let (h, _) = parse_head(buf, &Limits::default(), &lenient).unwrap();
        assert_eq!(h.headers.get("x"), Some("a"));
    }
}
