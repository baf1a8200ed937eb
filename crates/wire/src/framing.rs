//! The one place that decides how a response body is framed and whether the connection
//! survives it.

use crate::error::Error;
use crate::header::{trim_ows, HeaderMap};
use crate::method::Method;
use crate::response::{ResponseHead, Version};

/// How a response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body (HEAD, 1xx, 204, 304, a 2xx to CONNECT).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Everything until the server closes the connection.
    CloseDelimited,
}

/// Why a connection is not reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The server sent `Connection: close`.
    ServerClose,
    /// The client sent `Connection: close`.
    ClientClose,
    /// HTTP/1.0 without `Connection: keep-alive`.
    Http10,
    /// The body was delimited by the close itself.
    CloseDelimited,
    /// The body was not read to its end.
    BodyNotFinished,
    /// An error happened on the connection.
    Error,
    /// Bytes arrived that belong to no request: a desync, never a response.
    UnsolicitedBytes,
    /// The peer closed the idle connection.
    PeerClosed,
    /// The connection became a tunnel or switched protocols.
    Upgraded,
    /// The pool did not want it (idle limit reached, expired).
    PoolPolicy,
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CloseReason::ServerClose => "server sent connection: close",
            CloseReason::ClientClose => "client sent connection: close",
            CloseReason::Http10 => "http/1.0 without keep-alive",
            CloseReason::CloseDelimited => "body delimited by close",
            CloseReason::BodyNotFinished => "body not read to its end",
            CloseReason::Error => "error on the connection",
            CloseReason::UnsolicitedBytes => "unsolicited bytes on the connection",
            CloseReason::PeerClosed => "peer closed the connection",
            CloseReason::Upgraded => "connection upgraded",
            CloseReason::PoolPolicy => "pool policy",
        })
    }
}

/// Parses one `Content-Length` value: plain ASCII digits (leading zeros allowed) that fit in a
/// `u64`. A sign, space, `_`, hex prefix, decimal point or list is rejected: two parsers that
/// read such a value differently disagree on where the message ends (smuggling).
pub fn parse_content_length(v: &[u8]) -> Result<u64, Error> {
    let v = trim_ows(v);
    if v.is_empty() {
        return Err(Error::InvalidContentLength);
    }
    let mut n: u64 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return Err(Error::InvalidContentLength);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(Error::InvalidContentLength)?;
    }
    Ok(n)
}

/// Decides a response's framing: RFC 9112 §6.3, step by step.
///
/// ```
/// use wirequest_wire::{response_body_kind, BodyKind, HeaderMap, Method, ResponseHead, Version};
/// let mut headers = HeaderMap::new();
/// headers.append("Content-Length", "5").unwrap();
/// let head = ResponseHead { version: Version::Http11, status: 200, reason: "OK".into(), headers };
/// assert_eq!(response_body_kind(&Method::GET, &head).unwrap(), BodyKind::Length(5));
/// assert_eq!(response_body_kind(&Method::HEAD, &head).unwrap(), BodyKind::Empty);
/// ```
pub fn response_body_kind(method: &Method, head: &ResponseHead) -> Result<BodyKind, Error> {
    let status = head.status;
    let h = &head.headers;
    // 1. HEAD responses, 1xx, 204 and 304 never have a body, whatever their headers say.
    if *method == Method::HEAD || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(BodyKind::Empty);
    }
    // 2. A 2xx to CONNECT turns the connection into a tunnel: no body.
    if *method == Method::CONNECT && (200..300).contains(&status) {
        return Ok(BodyKind::Empty);
    }
    // One pass over the fields finds both framing headers; the rules below then apply in
    // RFC order.
    let (mut te, mut cl) = (false, false);
    let mut length: Result<Option<u64>, Error> = Ok(None);
    for (name, value) in h.raw_fields() {
        match name.len() {
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => te = true,
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                cl = true;
                // 5. Content-Length: every value plain digits, and all of them equal.
                if let Ok(seen) = length {
                    length = match (parse_content_length(value), seen) {
                        (Err(e), _) => Err(e),
                        // Differing lengths: no safe choice exists between them.
                        (Ok(n), Some(m)) if n != m => Err(Error::ConflictingContentLength),
                        (Ok(n), _) => Ok(Some(n)),
                    };
                }
            }
            _ => {}
        }
    }
    // 3. Transfer-Encoding overrides Content-Length (RFC 9112 §6.3 step 3).
    if te {
        // HTTP/1.0 has no transfer codings: a 1.0 hop would frame this differently (smuggling).
        if head.version == Version::Http10 {
            return Err(Error::TransferEncodingOnHttp10);
        }
        // Both headers is the classic smuggling signature; reject instead of picking one.
        if cl {
            return Err(Error::TransferEncodingWithContentLength);
        }
        return transfer_coding(h);
    }
    match length? {
        Some(n) => Ok(BodyKind::Length(n)),
        // 7. No framing at all: the body runs until the server closes.
        None => Ok(BodyKind::CloseDelimited),
    }
}

/// Step 4 of RFC 9112 §6.3: chunked must be the final coding, applied once. This engine decodes
/// no other transfer coding, and a server may only use codings the client announced in `TE`
/// (RFC 9110 §10.1.4), which we never send, so any other coding is rejected rather than handed
/// to the caller as if it were the body.
fn transfer_coding(h: &HeaderMap) -> Result<BodyKind, Error> {
    let mut codings = Vec::new();
    for v in h.get_all_bytes("transfer-encoding") {
        for c in v.split(|&b| b == b',') {
            codings.push(trim_ows(c));
        }
    }
    match codings.as_slice() {
        [only] if only.eq_ignore_ascii_case(b"chunked") => Ok(BodyKind::Chunked),
        _ => {
            let all: Vec<String> = codings
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            Err(Error::UnsupportedTransferCoding(all.join(", ")))
        }
    }
}

/// Whether the connection may carry another request once this response's body is done
/// (RFC 9112 §9.3): HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with `keep-alive`.
pub fn keep_alive(head: &ResponseHead, kind: BodyKind) -> Result<(), CloseReason> {
    if head.status == 101 {
        return Err(CloseReason::Upgraded);
    }
    if head.headers.has_token("connection", "close") {
        return Err(CloseReason::ServerClose);
    }
    if head.version == Version::Http10 && !head.headers.has_token("connection", "keep-alive") {
        return Err(CloseReason::Http10);
    }
    if kind == BodyKind::CloseDelimited {
        return Err(CloseReason::CloseDelimited);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(version: Version, status: u16, headers: &[(&str, &str)]) -> ResponseHead {
        let mut h = HeaderMap::new();
        for (n, v) in headers {
            h.push_unchecked(n.as_bytes(), v.as_bytes());
        }
        ResponseHead {
            version,
            status,
            reason: "".into(),
            headers: h,
        }
    }

    fn kind(status: u16, headers: &[(&str, &str)]) -> Result<BodyKind, Error> {
        response_body_kind(&Method::GET, &head(Version::Http11, status, headers))
    }

    #[test]
    fn framing_no_body_statuses_are_empty() {
        for s in [100, 103, 204, 304] {
            assert_eq!(
                kind(s, &[("Content-Length", "5")]).unwrap(),
                BodyKind::Empty
            );
        }
        let h = head(Version::Http11, 200, &[("Transfer-Encoding", "chunked")]);
        assert_eq!(
            response_body_kind(&Method::HEAD, &h).unwrap(),
            BodyKind::Empty
        );
        assert_eq!(
            response_body_kind(&Method::CONNECT, &h).unwrap(),
            BodyKind::Empty
        );
    }

    #[test]
    fn framing_chunked_last_is_chunked() {
        assert_eq!(
            kind(200, &[("Transfer-Encoding", "  CHUNKED ")]).unwrap(),
            BodyKind::Chunked
        );
    }

    #[test]
    fn framing_other_codings_error() {
        for te in [
            "gzip",
            "gzip, chunked",
            "chunked, chunked",
            "chunked, identity",
            "",
            "yolo",
        ] {
            assert!(
                matches!(
                    kind(200, &[("Transfer-Encoding", te)]),
                    Err(Error::UnsupportedTransferCoding(_))
                ),
                "{te:?}"
            );
        }
        let two = [
            ("Transfer-Encoding", "identity"),
            ("Transfer-Encoding", "chunked"),
        ];
        assert!(kind(200, &two).is_err());
    }

    #[test]
    fn framing_te_with_cl_errors() {
        let h = [("Content-Length", "3"), ("Transfer-Encoding", "chunked")];
        assert_eq!(kind(200, &h), Err(Error::TransferEncodingWithContentLength));
    }

    #[test]
    fn framing_te_on_http10_errors() {
        let h = head(Version::Http10, 200, &[("Transfer-Encoding", "chunked")]);
        assert_eq!(
            response_body_kind(&Method::GET, &h),
            Err(Error::TransferEncodingOnHttp10)
        );
    }

    #[test]
    fn framing_content_length_rules() {
        assert_eq!(
            kind(200, &[("Content-Length", "0005")]).unwrap(),
            BodyKind::Length(5)
        );
        let same = [("Content-Length", "5"), ("content-length", "5")];
        assert_eq!(kind(200, &same).unwrap(), BodyKind::Length(5));
        let differ = [("Content-Length", "5"), ("Content-Length", "6")];
        assert_eq!(kind(200, &differ), Err(Error::ConflictingContentLength));
        for bad in [
            "abc",
            "-1",
            "+5",
            "1 0",
            "1_0",
            "0x5",
            "5.0",
            "5,",
            "5, 5",
            "18446744073709551616",
        ] {
            assert_eq!(
                kind(200, &[("Content-Length", bad)]),
                Err(Error::InvalidContentLength),
                "{bad}"
            );
        }
        assert_eq!(
            kind(200, &[("Content-Length", "18446744073709551615")]).unwrap(),
            BodyKind::Length(u64::MAX)
        );
    }

    #[test]
    fn framing_nothing_is_close_delimited() {
        assert_eq!(kind(200, &[]).unwrap(), BodyKind::CloseDelimited);
    }

    #[test]
    fn reuse_rules_follow_version_and_connection() {
        let h11 = head(Version::Http11, 200, &[]);
        assert_eq!(keep_alive(&h11, BodyKind::Length(1)), Ok(()));
        assert_eq!(
            keep_alive(&h11, BodyKind::CloseDelimited),
            Err(CloseReason::CloseDelimited)
        );
        let close = head(Version::Http11, 200, &[("Connection", "close")]);
        assert_eq!(
            keep_alive(&close, BodyKind::Empty),
            Err(CloseReason::ServerClose)
        );
        let h10 = head(Version::Http10, 200, &[]);
        assert_eq!(
            keep_alive(&h10, BodyKind::Length(1)),
            Err(CloseReason::Http10)
        );
        let h10ka = head(Version::Http10, 200, &[("Connection", "Keep-Alive")]);
        assert_eq!(keep_alive(&h10ka, BodyKind::Length(1)), Ok(()));
    }
}
