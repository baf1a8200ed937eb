//! Request heads: validation and serialization (sans-IO).

use crate::error::Error;
use crate::header::{is_token, trim_ows, value_has_token, HeaderMap};
use crate::method::Method;

/// The request-target, in one of the forms of RFC 9112 §3.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// origin-form: `path[?query]`, the usual form. An empty path is sent as `/`.
    Origin {
        /// The absolute path, already percent-encoded.
        path: &'a str,
        /// The query without its `?`, already percent-encoded.
        query: Option<&'a str>,
    },
    /// absolute-form: the whole URL, for requests through an HTTP proxy.
    Absolute(&'a str),
    /// authority-form: `host:port`, for `CONNECT`.
    Authority(&'a str),
    /// asterisk-form: `*`, for server-wide `OPTIONS`.
    Asterisk,
}

/// What the request's body is, as far as framing is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLength {
    /// No body at all.
    None,
    /// A body of exactly this many bytes: `Content-Length`.
    Known(u64),
    /// A body of unknown length: `Transfer-Encoding: chunked`.
    Unknown,
}

/// How the body will actually be framed on the wire, decided by [`write_head`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFraming {
    /// Nothing follows the head.
    None,
    /// Exactly this many bytes follow.
    Length(u64),
    /// Chunks follow, ended by the last chunk.
    Chunked,
}

/// Everything in a request head.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    /// The method.
    pub method: &'a Method,
    /// The request-target.
    pub target: Target<'a>,
    /// The `Host` value (see [`host_header`]); ignored when `headers` has its own `Host`.
    pub host: Option<&'a str>,
    /// Caller headers, sent in order after `Host`.
    pub headers: &'a HeaderMap,
}

/// Formats a `Host` value: brackets around an IPv6 literal, the port only when it is not the
/// scheme's default.
///
/// ```
/// use wirequest_wire::host_header;
/// assert_eq!(host_header("example.com", 443, 443), "example.com");
/// assert_eq!(host_header("::1", 8080, 80), "[::1]:8080");
/// ```
pub fn host_header(host: &str, port: u16, default_port: u16) -> String {
    let bracket = host.contains(':') && !host.starts_with('[');
    let mut out = String::with_capacity(host.len() + 8);
    if bracket {
        out.push('[');
    }
    out.push_str(host);
    if bracket {
        out.push(']');
    }
    if port != default_port {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out
}

/// A target must be visible ASCII: a space or control byte would split the request line, and a
/// `#` fragment is never sent.
fn check_target_part(s: &str) -> Result<(), Error> {
    if s.bytes().all(|b| b > 0x20 && b < 0x7f && b != b'#') {
        Ok(())
    } else {
        Err(Error::InvalidTarget)
    }
}

/// Appends `n` in decimal without going through `fmt`.
pub(crate) fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Serializes a request head into `out` (which is not cleared) and returns how the body must be
/// framed. Nothing is appended when an error is returned.
///
/// The framing header comes from `body`: `Content-Length` for a known length (and
/// `Content-Length: 0` for an absent body on POST, PUT and PATCH, as requests does),
/// `Transfer-Encoding: chunked` for an unknown one. A caller's own `Content-Length` is honoured
/// when it agrees with the body (or when the length was unknown: then the body must produce
/// exactly that many bytes); any other combination is [`Error::ConflictingFraming`].
///
/// ```
/// use wirequest_wire::{write_head, BodyLength, HeaderMap, Method, RequestFraming, RequestHead, Target};
/// let mut headers = HeaderMap::new();
/// headers.append("Content-Type", "application/json").unwrap();
/// let head = RequestHead {
///     method: &Method::PATCH,
///     target: Target::Origin { path: "/users/53", query: None },
///     host: Some("api.example.com"),
///     headers: &headers,
/// };
/// let mut out = Vec::new();
/// let framing = write_head(&head, BodyLength::Known(2), &mut out).unwrap();
/// assert_eq!(framing, RequestFraming::Length(2));
/// assert_eq!(
///     out,
///     b"PATCH /users/53 HTTP/1.1\r\nHost: api.example.com\r\n\
///       Content-Type: application/json\r\nContent-Length: 2\r\n\r\n"
/// );
/// ```
pub fn write_head(
    head: &RequestHead<'_>,
    body: BodyLength,
    out: &mut Vec<u8>,
) -> Result<RequestFraming, Error> {
    write_head_noting_close(head, body, out).map(|(framing, _)| framing)
}

/// [`write_head`], also saying whether the caller's fields ask to close the connection
/// (`Connection: close`), found in the same pass over them.
pub(crate) fn write_head_noting_close(
    head: &RequestHead<'_>,
    body: BodyLength,
    out: &mut Vec<u8>,
) -> Result<(RequestFraming, bool), Error> {
    if !is_token(head.method.as_str().as_bytes()) {
        return Err(Error::InvalidMethod);
    }
    match head.target {
        Target::Origin { path, query } => {
            check_target_part(path)?;
            if !(path.is_empty() || path.starts_with('/')) {
                return Err(Error::InvalidTarget);
            }
            if let Some(q) = query {
                check_target_part(q)?;
            }
        }
        Target::Absolute(t) | Target::Authority(t) => {
            if t.is_empty() {
                return Err(Error::InvalidTarget);
            }
            check_target_part(t)?;
        }
        Target::Asterisk => {}
    }
    if let Some(host) = head.host {
        if !crate::header::is_valid_value(host.as_bytes()) || host.is_empty() {
            return Err(Error::InvalidHeaderValue("Host".into()));
        }
    }
    let fields = CallerFields::scan(head.headers);
    if fields.hosts > 1 {
        return Err(Error::DuplicateHost);
    }
    let framing = decide_framing(head.method, &fields, body)?;

    out.extend_from_slice(head.method.as_str().as_bytes());
    out.push(b' ');
    match head.target {
        Target::Origin { path, query } => {
            out.extend_from_slice(if path.is_empty() {
                b"/"
            } else {
                path.as_bytes()
            });
            if let Some(q) = query {
                out.push(b'?');
                out.extend_from_slice(q.as_bytes());
            }
        }
        Target::Absolute(t) | Target::Authority(t) => out.extend_from_slice(t.as_bytes()),
        Target::Asterisk => out.push(b'*'),
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");
    if let Some(host) = head.host {
        if fields.hosts == 0 {
            out.extend_from_slice(b"Host: ");
            out.extend_from_slice(host.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    match head.headers.wire_block() {
        Some(block) => out.extend_from_slice(block),
        None => {
            for (name, value) in head.headers.raw_fields() {
                out.extend_from_slice(name);
                out.extend_from_slice(b": ");
                out.extend_from_slice(value);
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    match framing {
        RequestFraming::Length(n) if fields.lengths == 0 => {
            out.extend_from_slice(b"Content-Length: ");
            push_decimal(out, n);
            out.extend_from_slice(b"\r\n");
        }
        RequestFraming::Chunked if fields.codings == 0 => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
        }
        _ => {}
    }
    out.extend_from_slice(b"\r\n");
    Ok((framing, fields.close))
}

/// What the serializer must know of the caller's own fields, found in one pass.
#[derive(Default)]
struct CallerFields<'a> {
    hosts: usize,
    close: bool,
    lengths: usize,
    length: &'a [u8],
    codings: usize,
    coding: &'a [u8],
}

impl<'a> CallerFields<'a> {
    fn scan(headers: &'a HeaderMap) -> CallerFields<'a> {
        let mut f = CallerFields::default();
        for (name, value) in headers.raw_fields() {
            match name.len() {
                4 if name.eq_ignore_ascii_case(b"host") => f.hosts += 1,
                10 if name.eq_ignore_ascii_case(b"connection") => {
                    f.close |= value_has_token(value, b"close");
                }
                14 if name.eq_ignore_ascii_case(b"content-length") => {
                    f.lengths += 1;
                    f.length = value;
                }
                17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                    f.codings += 1;
                    f.coding = value;
                }
                _ => {}
            }
        }
        f
    }
}

fn decide_framing(
    method: &Method,
    fields: &CallerFields<'_>,
    body: BodyLength,
) -> Result<RequestFraming, Error> {
    // One plain decimal value: a second or malformed one could be read differently by the
    // server than by us, which is how request smuggling starts.
    let caller_len = match fields.lengths {
        0 => None,
        1 => Some(
            crate::framing::parse_content_length(fields.length).map_err(|_| {
                Error::ConflictingFraming("content-length is not a plain decimal number")
            })?,
        ),
        _ => return Err(Error::ConflictingFraming("content-length given twice")),
    };
    let caller_te = match fields.codings {
        0 => false,
        1 if trim_ows(fields.coding).eq_ignore_ascii_case(b"chunked") => true,
        _ => {
            return Err(Error::ConflictingFraming(
                "only transfer-encoding: chunked can be sent, and only once",
            ))
        }
    };
    if caller_te && caller_len.is_some() {
        return Err(Error::ConflictingFraming(
            "both content-length and transfer-encoding",
        ));
    }
    match (body, caller_len, caller_te) {
        (BodyLength::None, None, false) if method.expects_body() => Ok(RequestFraming::Length(0)),
        (BodyLength::None, None, false) => Ok(RequestFraming::None),
        (BodyLength::None, Some(0), _) => Ok(RequestFraming::Length(0)),
        (BodyLength::Known(n), None, false) => Ok(RequestFraming::Length(n)),
        (BodyLength::Known(n), Some(m), _) if n == m => Ok(RequestFraming::Length(n)),
        (BodyLength::Known(_), None, true) => Ok(RequestFraming::Chunked),
        (BodyLength::Unknown, Some(m), _) => Ok(RequestFraming::Length(m)),
        (BodyLength::Unknown, None, _) => Ok(RequestFraming::Chunked),
        (BodyLength::None, _, _) => Err(Error::ConflictingFraming(
            "a framing header was given for a request without a body",
        )),
        (BodyLength::Known(_), Some(_), _) => Err(Error::ConflictingFraming(
            "content-length differs from the body's length",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head<'a>(m: &'a Method, t: Target<'a>, h: &'a HeaderMap) -> RequestHead<'a> {
        RequestHead {
            method: m,
            target: t,
            host: Some("h"),
            headers: h,
        }
    }

    fn write(m: &Method, t: Target<'_>, h: &HeaderMap, b: BodyLength) -> Result<String, Error> {
        let mut out = Vec::new();
        write_head(&head(m, t, h), b, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    const ROOT: Target<'static> = Target::Origin {
        path: "",
        query: None,
    };

    #[test]
    fn request_empty_path_sends_slash_and_keeps_query() {
        let h = HeaderMap::new();
        let s = write(
            &Method::GET,
            Target::Origin {
                path: "",
                query: Some("a=1"),
            },
            &h,
            BodyLength::None,
        );
        assert_eq!(s.unwrap(), "GET /?a=1 HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    #[test]
    fn request_absolute_and_authority_forms_written_verbatim() {
        let h = HeaderMap::new();
        let s = write(
            &Method::GET,
            Target::Absolute("http://x/y"),
            &h,
            BodyLength::None,
        )
        .unwrap();
        assert!(s.starts_with("GET http://x/y HTTP/1.1\r\n"));
        let s = write(
            &Method::CONNECT,
            Target::Authority("x:443"),
            &h,
            BodyLength::None,
        )
        .unwrap();
        assert!(s.starts_with("CONNECT x:443 HTTP/1.1\r\n"));
        let s = write(&Method::OPTIONS, Target::Asterisk, &h, BodyLength::None).unwrap();
        assert!(s.starts_with("OPTIONS * HTTP/1.1\r\n"));
    }

    #[test]
    fn request_empty_body_on_patch_sends_content_length_zero() {
        let h = HeaderMap::new();
        let s = write(&Method::PATCH, ROOT, &h, BodyLength::None).unwrap();
        assert!(s.contains("Content-Length: 0\r\n"));
        let s = write(&Method::GET, ROOT, &h, BodyLength::None).unwrap();
        assert!(!s.contains("Content-Length"));
    }

    #[test]
    fn request_unknown_length_sends_chunked() {
        let h = HeaderMap::new();
        let mut out = Vec::new();
        let f = write_head(
            &head(&Method::POST, ROOT, &h),
            BodyLength::Unknown,
            &mut out,
        )
        .unwrap();
        assert_eq!(f, RequestFraming::Chunked);
        assert!(String::from_utf8(out)
            .unwrap()
            .ends_with("Transfer-Encoding: chunked\r\n\r\n"));
    }

    #[test]
    fn request_caller_host_wins() {
        let mut h = HeaderMap::new();
        h.append("Host", "other").unwrap();
        let s = write(&Method::GET, ROOT, &h, BodyLength::None).unwrap();
        assert_eq!(s, "GET / HTTP/1.1\r\nHost: other\r\n\r\n");
    }

    #[test]
    fn request_two_host_fields_refused() {
        let mut h = HeaderMap::new();
        h.append("Host", "a").unwrap();
        h.append("host", "b").unwrap();
        let mut out = Vec::new();
        let r = write_head(&head(&Method::GET, ROOT, &h), BodyLength::None, &mut out);
        assert_eq!(r.unwrap_err(), Error::DuplicateHost);
        assert!(out.is_empty(), "nothing may be written");
    }

    #[test]
    fn request_conflicting_framing_errors() {
        let mut h = HeaderMap::new();
        h.append("Content-Length", "3").unwrap();
        assert!(matches!(
            write(&Method::POST, ROOT, &h, BodyLength::Known(4)),
            Err(Error::ConflictingFraming(_))
        ));
        assert!(
            write(&Method::POST, ROOT, &h, BodyLength::Known(3))
                .unwrap()
                .matches("Content-Length")
                .count()
                == 1
        );
        let mut out = Vec::new();
        let f = write_head(
            &head(&Method::POST, ROOT, &h),
            BodyLength::Unknown,
            &mut out,
        )
        .unwrap();
        assert_eq!(f, RequestFraming::Length(3));
        h.append("Transfer-Encoding", "chunked").unwrap();
        assert!(write(&Method::POST, ROOT, &h, BodyLength::Unknown).is_err());
        let mut h = HeaderMap::new();
        h.append("Transfer-Encoding", "gzip").unwrap();
        assert!(write(&Method::POST, ROOT, &h, BodyLength::Unknown).is_err());
        let mut h = HeaderMap::new();
        h.append("Content-Length", "+3").unwrap();
        assert!(write(&Method::POST, ROOT, &h, BodyLength::Known(3)).is_err());
    }

    #[test]
    fn request_bad_target_errors_and_writes_nothing() {
        let h = HeaderMap::new();
        for t in ["/a b", "/a\r\n", "/a\0", "/é", "/a#frag", "noslash"] {
            let mut out = Vec::new();
            let r = write_head(
                &head(
                    &Method::GET,
                    Target::Origin {
                        path: t,
                        query: None,
                    },
                    &h,
                ),
                BodyLength::None,
                &mut out,
            );
            assert_eq!(r, Err(Error::InvalidTarget), "{t:?}");
            assert!(out.is_empty());
        }
        assert!(write(
            &Method::GET,
            Target::Origin {
                path: "/",
                query: Some("a b")
            },
            &h,
            BodyLength::None
        )
        .is_err());
    }

    #[test]
    fn request_host_header_brackets_ipv6_and_drops_default_port() {
        assert_eq!(host_header("example.com", 80, 80), "example.com");
        assert_eq!(host_header("example.com", 8080, 80), "example.com:8080");
        assert_eq!(host_header("::1", 443, 443), "[::1]");
        assert_eq!(host_header("[::1]", 81, 80), "[::1]:81");
    }

    #[test]
    fn request_decimal_formatting_matches_std() {
        for n in [0u64, 7, 10, 99, 12345, u64::MAX] {
            let mut v = Vec::new();
            push_decimal(&mut v, n);
            assert_eq!(v, n.to_string().into_bytes());
        }
    }
}
