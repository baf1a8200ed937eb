//! A well-behaved keep-alive server for request-side tests, the twin of server.py's non-case
//! routes:
//!
//! | path | response |
//! | --- | --- |
//! | `/echo[/...]` | `200`, body = the exact raw request; `X-Conn`, `X-Req-Index`; no body for HEAD |
//! | `/redirect/<code>/<n>/<rest>` | `<code>` to `/redirect/<code>/<n-1>/<rest>`, or `/<rest>` at 0 (query kept) |
//! | `/to/<code>?url=<pct-encoded>` | `<code>` with `Location: <url>` (decoded) |
//! | anything else | `404` |

use std::net::SocketAddr;
use std::sync::Arc;

use super::raw_server::{ConnCtx, Listening, RecordedRequest};

pub struct EchoServer {
    inner: Listening,
}

impl EchoServer {
    pub fn start() -> EchoServer {
        EchoServer {
            inner: Listening::start(Arc::new(serve)),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr()
    }

    pub fn port(&self) -> u16 {
        self.inner.addr().port()
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    pub fn connections_accepted(&self) -> u64 {
        self.inner.connections_accepted()
    }

    /// Every request read so far, in the order they were read.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.requests()
    }

    /// Like [`Self::requests`], and forgets them, so one server can serve several checks.
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        self.inner.take_requests()
    }
}

fn serve(mut ctx: ConnCtx) {
    while let Some(request) = ctx.read_request() {
        if !ctx.send(&respond(&request)) {
            return;
        }
    }
}

fn respond(req: &RecordedRequest) -> Vec<u8> {
    let path = req.path();
    let head = req.method == "HEAD";
    if path == "/echo" || path.starts_with("/echo/") {
        let headers = [
            ("Content-Type", b"application/octet-stream".to_vec()),
            ("X-Conn", req.conn.to_string().into_bytes()),
            ("X-Req-Index", req.idx.to_string().into_bytes()),
        ];
        return simple(200, "OK", &headers, &req.raw, head);
    }
    if let Some(rest) = path.strip_prefix("/redirect/") {
        let mut bits = rest.splitn(3, '/');
        let code = bits.next().and_then(|c| c.parse::<u16>().ok());
        let n = bits.next().and_then(|n| n.parse::<i64>().ok());
        let tail = bits.next().unwrap_or_default();
        let (Some(code), Some(n)) = (code, n) else {
            return simple(400, "Bad Request", &[], b"", false);
        };
        let mut location = if n > 0 {
            format!("/redirect/{code}/{}/{tail}", n - 1)
        } else {
            format!("/{tail}")
        };
        if let Some(query) = req.query().filter(|q| !q.is_empty()) {
            location.push('?');
            location.push_str(query);
        }
        return simple(
            code,
            "Redirect",
            &[("Location", location.into_bytes())],
            b"",
            false,
        );
    }
    if let Some(rest) = path.strip_prefix("/to/") {
        let code = rest
            .split('/')
            .next()
            .and_then(|c| c.parse::<u16>().ok())
            .unwrap_or(302);
        let location = req
            .query()
            .and_then(|q| query_param(q, "url"))
            .unwrap_or_else(|| b"/echo".to_vec());
        return simple(code, "Redirect", &[("Location", location)], b"", false);
    }
    simple(404, "Not Found", &[], b"no such route\n", head)
}

/// The first non-empty value of `key`, decoded like Python's `parse_qs`.
fn query_param(query: &str, key: &str) -> Option<Vec<u8>> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (form_decode(k) == key.as_bytes() && !v.is_empty()).then(|| form_decode(v))
    })
}

/// `+` is a space and `%XX` a byte; a malformed escape stays as it is.
fn form_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn simple(
    code: u16,
    reason: &str,
    headers: &[(&str, Vec<u8>)],
    body: &[u8],
    head: bool,
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {code} {reason}\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    if !head {
        out.extend_from_slice(body);
    }
    out
}
