//! The practical limit: a client that writes fixed request bytes and reads a response of a
//! length it learned once. The first request to a path parses the response properly (head,
//! `Content-Length` or the chunked terminator, `Connection: close`); every later one writes the
//! same bytes and reads exactly that many bytes back, with no parsing at all.

use std::io::{self, Read};
use std::net::TcpStream;

use crate::clients::{Payload, Session, R};
use crate::server::write_all_vectored;

/// What one path's response looks like.
#[derive(Clone, Copy)]
struct Learned {
    /// Bytes of the whole response, head included.
    len: u64,
    /// Bytes of its body (for a chunked one: of the first one seen, framing included).
    body: u64,
    /// Chunked: nginx's chunk boundaries differ from one response to the next, so such a
    /// response is read until it ends with the last chunk instead of to a fixed length.
    chunked: bool,
    /// The server closes the connection after it.
    close: bool,
}

/// Allocation-free in the steady state: lookups compare strings, nothing is copied.
pub struct Raw {
    conn: Option<TcpStream>,
    /// Path -> what its response looks like.
    learned: Vec<(String, Learned)>,
    /// (method, url) -> the fixed request bytes.
    requests: Vec<(&'static str, String, Vec<u8>)>,
    buf: Vec<u8>,
}

impl Default for Raw {
    fn default() -> Self {
        Raw::new()
    }
}

/// `http://host:port/path` split into `host:port` and `/path`.
fn split(url: &str) -> (&str, &str) {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    }
}

impl Raw {
    pub fn new() -> Raw {
        Raw {
            conn: None,
            learned: Vec::new(),
            requests: Vec::new(),
            buf: vec![0; 64 * 1024],
        }
    }

    fn stream(&mut self, authority: &str) -> io::Result<&mut TcpStream> {
        if self.conn.is_none() {
            let s = TcpStream::connect(authority)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
            self.conn = Some(s);
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }

    /// Sends `head` and `body` (one writev) and reads the response; returns its body length.
    fn exchange(&mut self, url: &str, head: &[u8], body: &[u8], chunked: bool) -> R<u64> {
        let (authority, path) = split(url);
        let learned = self
            .learned
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, l)| *l);
        let mut buf = std::mem::take(&mut self.buf);
        let result = (|| -> R<Learned> {
            let s = self.stream(authority)?;
            if chunked {
                write_chunked(s, head, body)?;
            } else {
                write_all_vectored(s, &[head, body])?;
            }
            match learned {
                Some(l) if l.chunked => {
                    read_to_last_chunk(s, &mut buf)?;
                    Ok(l)
                }
                Some(l) => {
                    read_exact_count(s, &mut buf, l.len)?;
                    Ok(l)
                }
                None => learn(s, &mut buf),
            }
        })();
        self.buf = buf;
        match result {
            Ok(l) => {
                if l.close {
                    self.conn = None;
                }
                if learned.is_none() {
                    self.learned.push((path.to_owned(), l));
                }
                Ok(l.body)
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }

    /// Sends the fixed request for (`method`, `url`), built once by `build`.
    fn fixed(
        &mut self,
        method: &'static str,
        url: &str,
        build: impl FnOnce() -> R<Vec<u8>>,
    ) -> R<u64> {
        let i = match self
            .requests
            .iter()
            .position(|(m, u, _)| *m == method && u == url)
        {
            Some(i) => i,
            None => {
                self.requests.push((method, url.to_owned(), build()?));
                self.requests.len() - 1
            }
        };
        let req = std::mem::take(&mut self.requests[i].2);
        let r = self.exchange(url, &req, b"", false);
        self.requests[i].2 = req;
        r
    }
}

/// Request bytes: the request line, Host, an optional Content-Type, and a body with its length.
fn request_bytes(
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> Vec<u8> {
    let (authority, path) = split(url);
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(ct) = content_type {
        r.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    if let Some(b) = body {
        r.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b);
    }
    bytes
}

/// A chunked body in 64 KiB chunks, each chunk one writev.
fn write_chunked(s: &mut TcpStream, head: &[u8], body: &[u8]) -> io::Result<()> {
    let mut first = true;
    for piece in body.chunks(64 * 1024) {
        let size = format!("{:x}\r\n", piece.len());
        let h: &[u8] = if first { head } else { b"" };
        first = false;
        write_all_vectored(s, &[h, size.as_bytes(), piece, b"\r\n"])?;
    }
    let h: &[u8] = if first { head } else { b"" };
    write_all_vectored(s, &[h, b"0\r\n\r\n"])
}

/// Reads until the bytes end with the last chunk (`0 CRLF CRLF`; these bodies have neither
/// trailers nor such bytes in their data).
fn read_to_last_chunk(s: &mut TcpStream, buf: &mut [u8]) -> io::Result<()> {
    let mut tail = [0u8; 5];
    loop {
        let n = s.read(buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if n >= 5 {
            tail.copy_from_slice(&buf[n - 5..n]);
        } else {
            tail.copy_within(n.., 0);
            tail[5 - n..].copy_from_slice(&buf[..n]);
        }
        if &tail == b"0\r\n\r\n" {
            return Ok(());
        }
    }
}

fn read_exact_count(s: &mut TcpStream, buf: &mut [u8], mut left: u64) -> io::Result<()> {
    while left > 0 {
        let want = (buf.len() as u64).min(left) as usize;
        let n = s.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        left -= n as u64;
    }
    Ok(())
}

/// Reads one response properly, to learn its length; returns it and the body's length.
fn learn(s: &mut TcpStream, buf: &mut [u8]) -> R<Learned> {
    let mut head = Vec::new();
    let (head_len, length, chunked, close) = loop {
        let n = s.read(buf)?;
        if n == 0 {
            return Err("closed before the response head".into());
        }
        head.extend_from_slice(&buf[..n]);
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut slots);
        if let httparse::Status::Complete(used) = resp.parse(&head)? {
            if resp.code != Some(200) {
                return Err(format!("status {:?}", resp.code).into());
            }
            let mut length = None;
            let mut chunked = false;
            let mut close = false;
            for h in resp.headers.iter() {
                if h.name.eq_ignore_ascii_case("content-length") {
                    length = Some(std::str::from_utf8(h.value)?.trim().parse::<u64>()?);
                } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = h.value.eq_ignore_ascii_case(b"chunked");
                } else if h.name.eq_ignore_ascii_case("connection") {
                    close = h.value.eq_ignore_ascii_case(b"close");
                }
            }
            break (used as u64, length, chunked, close);
        }
    };
    let mut total = head.len() as u64;
    if let Some(n) = length {
        let want = head_len + n;
        if total < want {
            read_exact_count(s, buf, want - total)?;
            total = want;
        }
        return Ok(Learned {
            len: total,
            body: n,
            chunked: false,
            close,
        });
    }
    if !chunked {
        return Err("the raw client needs Content-Length or chunked".into());
    }
    // Chunked: read until the stream ends with the last chunk (these bodies have no trailers).
    let mut tail: Vec<u8> = head[head_len as usize..].to_vec();
    while !tail.ends_with(b"0\r\n\r\n") || tail.len() < 5 {
        let n = s.read(buf)?;
        if n == 0 {
            return Err("closed inside a chunked body".into());
        }
        total += n as u64;
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > 16 {
            tail.drain(..tail.len() - 16);
        }
    }
    Ok(Learned {
        len: total,
        body: total - head_len,
        chunked: true,
        close,
    })
}

impl Session for Raw {
    fn get(&mut self, url: &str) -> R<usize> {
        let n = self.fixed("GET", url, || Ok(request_bytes("GET", url, None, None)))?;
        Ok(n as usize)
    }
    fn patch_json(&mut self, url: &str, payload: &Payload) -> R<usize> {
        let n = self.fixed("PATCH", url, || {
            let json = serde_json::to_vec(payload)?;
            Ok(request_bytes(
                "PATCH",
                url,
                Some("application/json"),
                Some(&json),
            ))
        })?;
        Ok(n as usize)
    }
    fn download(&mut self, url: &str, _buf: &mut [u8]) -> R<u64> {
        // Reads through its own 64 KiB buffer, the size the others are given.
        self.fixed("GET", url, || Ok(request_bytes("GET", url, None, None)))
    }
    fn upload(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let (authority, path) = split(url);
        let head = format!(
            "PATCH {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
            data.len()
        );
        Ok(self.exchange(url, head.as_bytes(), data, false)? as usize)
    }
    fn upload_reader(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let (authority, path) = split(url);
        let head = format!(
            "PATCH {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        Ok(self.exchange(url, head.as_bytes(), data, true)? as usize)
    }
    fn fork(&self) -> R<Box<dyn Session>> {
        Ok(Box::new(Raw::new()))
    }
}
