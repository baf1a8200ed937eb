//! The bench's own HTTP/1.1 server: a thread per connection, precomputed responses, big reads
//! and writes, so that the client under test is the bottleneck.
//!
//! Routes (the same on nginx, see `nginx.rs`):
//! - `GET /small`: 13-byte body `Hello, World!`, keep-alive.
//! - `GET /close`: the same body with `Connection: close`; the server closes after it.
//! - `PATCH /json`: reads the body, answers `{"ok":true}`.
//! - `PATCH /upload`: reads the body (Content-Length or chunked), answers `{"ok":true}`.
//! - `GET /big`: 100 MiB of `x` with `Content-Length`.
//! - `GET /chunked`: 100 MiB of `x`, chunked in 8 KiB chunks.
//!
//! A request with `Expect: 100-continue` gets `100 Continue` before its body is read.

use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Size of the download bodies.
pub const BIG: u64 = 100 * 1024 * 1024;
/// The small body.
pub const SMALL_BODY: &[u8] = b"Hello, World!";
/// The chunk size of `/chunked` on this server.
pub const CHUNK: usize = 8 * 1024;

const SMALL: &[u8] =
    b"HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
const SMALL_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, World!";
const JSON_OK: &[u8] = b"HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\nServer: bench\r\nContent-Length: 0\r\n\r\n";
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// 1 MiB of body bytes, and the same 1 MiB as 8 KiB chunks (framing included).
struct Blocks {
    plain: Vec<u8>,
    chunked: Vec<u8>,
}

fn blocks() -> &'static Blocks {
    static B: OnceLock<Blocks> = OnceLock::new();
    B.get_or_init(|| {
        let plain = vec![b'x'; 1024 * 1024];
        let mut chunked = Vec::with_capacity(plain.len() + 2048);
        for piece in plain.chunks(CHUNK) {
            chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            chunked.extend_from_slice(piece);
            chunked.extend_from_slice(b"\r\n");
        }
        Blocks { plain, chunked }
    })
}

static ACCEPTED: AtomicU64 = AtomicU64::new(0);

/// Connections accepted so far (all servers started by this process).
pub fn accepted() -> u64 {
    ACCEPTED.load(Ordering::Relaxed)
}

/// The exact bytes of the `/chunked` response body on the wire (for the raw client).
pub fn chunked_wire_len() -> u64 {
    blocks().chunked.len() as u64 * (BIG / (1024 * 1024)) + 5
}

/// Starts the server on 127.0.0.1 (a free port); it lives as long as the process.
pub fn start() -> io::Result<SocketAddr> {
    blocks();
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::Builder::new()
        .name("bench-accept".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                ACCEPTED.fetch_add(1, Ordering::Relaxed);
                let _ = std::thread::Builder::new()
                    .name("bench-conn".into())
                    .stack_size(256 * 1024)
                    .spawn(move || {
                        let _ = serve(stream);
                    });
            }
        })?;
    Ok(addr)
}

/// What the head said about the body and the connection.
struct Req {
    route: Route,
    length: Option<u64>,
    chunked: bool,
    expect: bool,
    close: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    Small,
    Close,
    Json,
    Big,
    Chunked,
    NotFound,
}

fn parse(head: &[u8]) -> Result<Option<(Req, usize)>, ()> {
    let mut slots = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut slots);
    let used = match req.parse(head) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(()),
    };
    let route = match (req.method.unwrap_or(""), req.path.unwrap_or("")) {
        (_, "/small") => Route::Small,
        (_, "/close") => Route::Close,
        (_, "/json") | (_, "/upload") => Route::Json,
        (_, "/big") => Route::Big,
        (_, "/chunked") => Route::Chunked,
        _ => Route::NotFound,
    };
    let mut r = Req {
        route,
        length: None,
        chunked: false,
        expect: false,
        close: false,
    };
    for h in req.headers.iter() {
        let v = h.value;
        if h.name.eq_ignore_ascii_case("content-length") {
            let s = std::str::from_utf8(v).map_err(|_| ())?;
            r.length = Some(s.trim().parse().map_err(|_| ())?);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            r.chunked = v.eq_ignore_ascii_case(b"chunked");
        } else if h.name.eq_ignore_ascii_case("expect") {
            r.expect = v.eq_ignore_ascii_case(b"100-continue");
        } else if h.name.eq_ignore_ascii_case("connection") {
            r.close = v.eq_ignore_ascii_case(b"close");
        }
    }
    Ok(Some((r, used)))
}

/// A connection's read side: a buffer with unread bytes in `start..end`.
struct Input {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Input {
    /// Reads more; returns false at EOF.
    fn fill(&mut self) -> io::Result<bool> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n > 0)
    }

    /// Discards `n` body bytes: buffered ones first, then big reads.
    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        let buffered = ((self.end - self.start) as u64).min(n);
        self.start += buffered as usize;
        n -= buffered;
        if n == 0 {
            return Ok(());
        }
        // The buffer is empty now: read big pieces straight through it.
        self.start = 0;
        self.end = 0;
        while n > 0 {
            let want = (self.buf.len() as u64).min(n) as usize;
            let got = self.stream.read(&mut self.buf[..want])?;
            if got == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            n -= got as u64;
        }
        Ok(())
    }

    /// One CRLF-terminated line (without it), from the buffer.
    fn line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(i) = self.buf[self.start..self.end]
                .iter()
                .position(|&b| b == b'\n')
            {
                let mut line = self.buf[self.start..self.start + i].to_vec();
                self.start += i + 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if !self.fill()? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Discards a chunked body, trailers included.
    fn skip_chunked(&mut self) -> io::Result<()> {
        loop {
            let line = self.line()?;
            let hex = line.split(|&b| b == b';').next().unwrap_or(&[]);
            let hex = std::str::from_utf8(hex).map_err(|_| io::ErrorKind::InvalidData)?;
            let size =
                u64::from_str_radix(hex.trim(), 16).map_err(|_| io::ErrorKind::InvalidData)?;
            if size == 0 {
                // Trailers up to the blank line.
                while !self.line()?.is_empty() {}
                return Ok(());
            }
            self.skip(size)?;
            if !self.line()?.is_empty() {
                return Err(io::ErrorKind::InvalidData.into());
            }
        }
    }
}

fn serve(stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut input = Input {
        stream,
        buf: vec![0; 256 * 1024],
        start: 0,
        end: 0,
    };
    loop {
        let (req, used) = loop {
            match parse(&input.buf[input.start..input.end]) {
                Ok(Some(parsed)) => break parsed,
                Ok(None) => {
                    if !input.fill()? {
                        return Ok(());
                    }
                }
                Err(()) => {
                    out.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
                    return Ok(());
                }
            }
        };
        input.start += used;
        let has_body = req.chunked || req.length.is_some_and(|n| n > 0);
        if req.expect && has_body {
            out.write_all(CONTINUE)?;
        }
        if req.chunked {
            input.skip_chunked()?;
        } else if let Some(n) = req.length {
            input.skip(n)?;
        }
        match req.route {
            Route::Small => out.write_all(SMALL)?,
            Route::Close => {
                out.write_all(SMALL_CLOSE)?;
                return Ok(());
            }
            Route::Json => out.write_all(JSON_OK)?,
            Route::NotFound => out.write_all(NOT_FOUND)?,
            Route::Big => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: application/octet-stream\r\nContent-Length: {BIG}\r\n\r\n"
                );
                let b = &blocks().plain;
                write_all_vectored(&mut out, &[head.as_bytes(), b])?;
                for _ in 1..BIG / b.len() as u64 {
                    out.write_all(b)?;
                }
            }
            Route::Chunked => {
                let head = "HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
                let b = &blocks().chunked;
                write_all_vectored(&mut out, &[head.as_bytes(), b])?;
                for _ in 1..BIG / (1024 * 1024) {
                    out.write_all(b)?;
                }
                out.write_all(b"0\r\n\r\n")?;
            }
        }
        if req.close {
            return Ok(());
        }
    }
}

/// Writes every byte of up to 8 buffers, with `writev` (no allocation).
pub fn write_all_vectored(w: &mut impl Write, bufs: &[&[u8]]) -> io::Result<()> {
    assert!(bufs.len() <= 8, "at most 8 buffers");
    let total: usize = bufs.iter().map(|b| b.len()).sum();
    let mut done = 0usize;
    while done < total {
        let mut slices = [IoSlice::new(&[]); 8];
        let mut n = 0;
        let mut skip = done;
        for b in bufs {
            if skip >= b.len() {
                skip -= b.len();
                continue;
            }
            slices[n] = IoSlice::new(&b[skip..]);
            n += 1;
            skip = 0;
        }
        match w.write_vectored(&slices[..n]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
