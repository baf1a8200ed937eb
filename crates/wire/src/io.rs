//! The blocking exchange: a connection that writes request heads and bodies, reads response
//! heads, and hands out a body reader that knows when the body ends and whether the connection
//! can be reused.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use crate::decode::BodyDecoder;
use crate::encode::{ChunkedEncoder, LengthEncoder};
use crate::error::{Error, ErrorClass};
use crate::framing::{keep_alive, response_body_kind, BodyKind, CloseReason};
use crate::header::HeaderMap;
use crate::limits::Limits;
use crate::method::Method;
use crate::request::{write_head_noting_close, BodyLength, RequestFraming, RequestHead};
use crate::response::{parse_head, HeadScanner, Leniency, ResponseHead};
use crate::transport::{IdleState, Stream};

/// Most interim (1xx) responses skipped before one request's final response. A server that sends
/// them forever would otherwise hold the client with bytes that never make progress.
pub const MAX_INTERIM_RESPONSES: usize = 32;

/// Bodies up to this size leave in the same `write` as the head.
const SMALL_BODY: usize = 64 * 1024;
/// Read buffer size to start with; it grows for large heads up to the head limit.
const INITIAL_READ_BUF: usize = 16 * 1024;
/// Reads from a request body reader use buffers of this size.
const BODY_CHUNK: usize = 64 * 1024;

/// The timeouts one exchange runs under.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Longest wait for the next bytes from the server.
    pub read: Option<Duration>,
    /// Longest wait for one write to go out.
    pub write: Option<Duration>,
    /// A point in time after which every read and write fails with a timeout.
    pub deadline: Option<Instant>,
}

/// A request body as the exchange sends it.
pub enum RequestBody<'a> {
    /// No body.
    None,
    /// Bytes in memory.
    Bytes(&'a [u8]),
    /// A reader, with its length when known (else sent chunked). A reader that returns
    /// `ErrorKind::Interrupted` is read again.
    Reader {
        /// The source.
        reader: &'a mut dyn Read,
        /// Its exact length, when known.
        len: Option<u64>,
    },
}

/// One connection to a server, with its reusable buffers.
///
/// The state lives behind one box: a connection moves in and out of pools, body readers and
/// responses on every request, and a pointer moves cheaper than its 200 bytes.
pub struct Connection {
    s: Box<ConnState>,
}

struct ConnState {
    stream: Box<dyn Stream>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    wbuf: Vec<u8>,
    body_buf: Vec<u8>,
    timeouts: Timeouts,
    limits: Limits,
    leniency: Leniency,
    response_bytes: bool,
    requests_sent: u64,
    client_close: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("buffered", &(self.s.end - self.s.start))
            .field("requests_sent", &self.s.requests_sent)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection over `stream` with default limits and no timeouts.
    pub fn new(stream: Box<dyn Stream>) -> Connection {
        let s = Box::new(ConnState {
            stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
            wbuf: Vec::new(),
            body_buf: Vec::new(),
            timeouts: Timeouts::default(),
            limits: Limits::default(),
            leniency: Leniency::default(),
            response_bytes: false,
            requests_sent: 0,
            client_close: false,
        });
        Connection { s }
    }

    /// Sets the timeouts for what follows.
    pub fn set_timeouts(&mut self, timeouts: Timeouts) {
        self.s.timeouts = timeouts;
    }

    /// Sets the parsing limits and leniencies for what follows.
    pub fn set_parsing(&mut self, limits: Limits, leniency: Leniency) {
        self.s.limits = limits;
        self.s.leniency = leniency;
    }

    /// Requests sent on this connection so far.
    pub fn requests_sent(&self) -> u64 {
        self.s.requests_sent
    }

    /// Whether any byte of a response arrived since the last request was sent. A request that
    /// failed before any did may be retried on a new connection (when idempotent).
    pub fn received_response_bytes(&self) -> bool {
        self.s.response_bytes
    }

    /// [`Connection::check_idle`] without asking the socket: only that nothing unasked is
    /// already buffered. No syscall; for a connection idle too briefly for the full check to
    /// find anything but a race.
    pub fn check_buffered(&self) -> Result<(), CloseReason> {
        if self.s.start != self.s.end {
            return Err(CloseReason::UnsolicitedBytes);
        }
        Ok(())
    }

    /// Checks, without blocking, that an idle connection can carry another request: nothing
    /// buffered or arriving unasked (a desync), and not closed by the peer.
    pub fn check_idle(&mut self) -> Result<(), CloseReason> {
        self.check_buffered()?;
        match self.s.stream.idle_state() {
            IdleState::Quiet => Ok(()),
            IdleState::Closed => Err(CloseReason::PeerClosed),
            IdleState::Unsolicited => Err(CloseReason::UnsolicitedBytes),
        }
    }

    /// Writes a request: the head, then the body framed as the head announced. A small body
    /// leaves in the same write as the head.
    pub fn send_request(
        &mut self,
        head: &RequestHead<'_>,
        body: RequestBody<'_>,
    ) -> Result<(), Error> {
        let mut wbuf = std::mem::take(&mut self.s.wbuf);
        let result = self
            .start_request(head, &body, &mut wbuf)
            .and_then(|framing| self.write_body(&mut wbuf, framing, body));
        self.s.wbuf = wbuf;
        result
    }

    /// Serializes the head into `wbuf` and resets the per-request state; returns the framing.
    fn start_request(
        &mut self,
        head: &RequestHead<'_>,
        body: &RequestBody<'_>,
        wbuf: &mut Vec<u8>,
    ) -> Result<RequestFraming, Error> {
        let length = match body {
            RequestBody::None => BodyLength::None,
            RequestBody::Bytes(b) => BodyLength::Known(b.len() as u64),
            RequestBody::Reader { len: Some(n), .. } => BodyLength::Known(*n),
            RequestBody::Reader { len: None, .. } => BodyLength::Unknown,
        };
        wbuf.clear();
        let (framing, client_close) = write_head_noting_close(head, length, wbuf)?;
        self.s.client_close = client_close;
        self.s.response_bytes = false;
        self.s.requests_sent += 1;
        self.apply_write_timeout()?;
        Ok(framing)
    }

    fn write_body(
        &mut self,
        head: &mut Vec<u8>,
        framing: RequestFraming,
        body: RequestBody<'_>,
    ) -> Result<(), Error> {
        match (body, framing) {
            (RequestBody::None, _) | (_, RequestFraming::None) => self.write_all(&[head]),
            (RequestBody::Bytes(b), RequestFraming::Length(_)) if b.len() <= SMALL_BODY => {
                head.extend_from_slice(b);
                self.write_all(&[head])
            }
            (RequestBody::Bytes(b), RequestFraming::Length(_)) => self.write_all(&[head, b]),
            (RequestBody::Bytes(b), RequestFraming::Chunked) => {
                let mut enc = ChunkedEncoder::new();
                let mut size = [0u8; 18];
                let (n, crlf) = enc.frame(b, &mut size);
                self.write_all(&[head, &size[..n], b, crlf, enc.finish()])
            }
            (RequestBody::Reader { reader, .. }, RequestFraming::Length(n)) => {
                let mut enc = LengthEncoder::new(n);
                let mut chunk = std::mem::take(&mut self.s.body_buf);
                chunk.resize(BODY_CHUNK, 0);
                let mut pending_head = true;
                let r = loop {
                    // Ask for one byte past the end, to catch a reader longer than announced.
                    let want = (enc.remaining().min(BODY_CHUNK as u64 - 1) + 1) as usize;
                    let got = match read_source(reader, &mut chunk[..want]) {
                        Ok(g) => g,
                        Err(e) => break Err(e),
                    };
                    if got == 0 {
                        break enc.finish().and_then(|_| {
                            if pending_head {
                                self.write_all(&[head])
                            } else {
                                Ok(())
                            }
                        });
                    }
                    if let Err(e) = enc.encode(got) {
                        break Err(e);
                    }
                    let h: &[u8] = if pending_head { head } else { b"" };
                    pending_head = false;
                    if let Err(e) = self.write_all(&[h, &chunk[..got]]) {
                        break Err(e);
                    }
                };
                self.s.body_buf = chunk;
                r
            }
            (RequestBody::Reader { reader, .. }, RequestFraming::Chunked) => {
                let mut enc = ChunkedEncoder::new();
                let mut chunk = std::mem::take(&mut self.s.body_buf);
                chunk.resize(BODY_CHUNK, 0);
                let mut pending_head = true;
                let r = loop {
                    let got = match read_source(reader, &mut chunk) {
                        Ok(g) => g,
                        Err(e) => break Err(e),
                    };
                    let h: &[u8] = if pending_head { head } else { b"" };
                    pending_head = false;
                    if got == 0 {
                        break self.write_all(&[h, enc.finish()]);
                    }
                    let mut size = [0u8; 18];
                    let (n, crlf) = enc.frame(&chunk[..got], &mut size);
                    if let Err(e) = self.write_all(&[h, &size[..n], &chunk[..got], crlf]) {
                        break Err(e);
                    }
                };
                self.s.body_buf = chunk;
                r
            }
        }
    }

    fn write_all(&mut self, bufs: &[&[u8]]) -> Result<(), Error> {
        self.s
            .stream
            .write_bufs(bufs)
            .map_err(|e| Error::from_io(e, self.write_what()))
    }

    fn write_what(&self) -> &'static str {
        match (self.s.timeouts.deadline, self.s.timeouts.write) {
            (Some(d), Some(w)) if d.saturating_duration_since(Instant::now()) > w => "write",
            (Some(_), _) => "deadline",
            _ => "write",
        }
    }

    fn apply_write_timeout(&mut self) -> Result<(), Error> {
        let t = effective(self.s.timeouts.write, self.s.timeouts.deadline)?.0;
        self.s
            .stream
            .set_write_timeout(t)
            .map_err(|e| Error::from_io(e, "write"))
    }

    /// Reads the final response head, skipping interim 1xx responses, and decides the body's
    /// framing for a request made with `method`.
    pub fn read_response_head(
        &mut self,
        method: &Method,
    ) -> Result<(ResponseHead, BodyKind), Error> {
        for _ in 0..=MAX_INTERIM_RESPONSES {
            let head = self.read_one_head()?;
            if head.is_interim() {
                continue;
            }
            let kind = response_body_kind(method, &head)?;
            return Ok((head, kind));
        }
        Err(Error::MalformedHead("too many interim 1xx responses"))
    }

    /// Reads one head, interim or final; an unexpected 101 is an error.
    fn read_one_head(&mut self) -> Result<ResponseHead, Error> {
        let mut scanner = HeadScanner::new();
        let mut first_look = true;
        let (head, used) = loop {
            // Checked on every turn, before the end is looked for, so the verdict does not
            // depend on how the bytes were split across reads.
            let buf = &self.s.buf[self.s.start..self.s.end];
            scanner.check_start(buf)?;
            if first_look && !buf.is_empty() {
                first_look = false;
                // Most heads arrive whole in one read: then one httparse pass finds the end and
                // parses. Anything else (more to come, or an error) takes the scanner's way
                // below, whose verdict never depends on how the bytes were split.
                if let Ok(parsed) = parse_head(buf, &self.s.limits, &self.s.leniency) {
                    break parsed;
                }
            }
            if let Some(head_len) = scanner.find_end(buf) {
                if head_len > self.s.limits.max_head_bytes {
                    return Err(Error::HeadTooLarge {
                        limit: self.s.limits.max_head_bytes,
                    });
                }
                break parse_head(
                    &self.s.buf[self.s.start..self.s.start + head_len],
                    &self.s.limits,
                    &self.s.leniency,
                )?;
            }
            if self.s.end - self.s.start > self.s.limits.max_head_bytes {
                return Err(Error::HeadTooLarge {
                    limit: self.s.limits.max_head_bytes,
                });
            }
            if self.fill()? == 0 {
                return Err(Error::IncompleteHead {
                    received: self.s.end - self.s.start,
                });
            }
        };
        self.s.start += used;
        if head.status == 101 {
            return Err(Error::UnexpectedSwitchingProtocols);
        }
        Ok(head)
    }

    /// Sends a request announced with `Expect: 100-continue` (the caller puts that header in
    /// `head`): the head goes first, then the body once the server says `100 Continue`, or
    /// after `wait` without an answer (servers that ignore `Expect` are common). A final
    /// response that comes first is returned and the body is never sent; the connection is
    /// then not reused, since the server may still expect or discard a body.
    pub fn send_request_with_continue(
        &mut self,
        head: &RequestHead<'_>,
        body: RequestBody<'_>,
        wait: Duration,
        method: &Method,
    ) -> Result<Option<(ResponseHead, BodyKind)>, Error> {
        let mut wbuf = std::mem::take(&mut self.s.wbuf);
        let sent = self
            .start_request(head, &body, &mut wbuf)
            .and_then(|framing| self.write_all(&[&wbuf]).map(|_| framing));
        wbuf.clear();
        self.s.wbuf = wbuf;
        let framing = sent?;
        let saved = self.s.timeouts;
        let mut interim = 0;
        let early = loop {
            // Only the wait for the first byte is shortened; a head that started arriving is
            // read under the usual timeout.
            let partial = self.s.start != self.s.end;
            if !partial {
                self.s.timeouts.read = Some(saved.read.map_or(wait, |r| r.min(wait)));
            }
            let got = self.read_one_head();
            self.s.timeouts = saved;
            match got {
                Ok(h) if h.status == 100 => break None,
                // Other interim responses (102, 103) say nothing about the body: keep waiting.
                Ok(h) if h.is_interim() => {
                    interim += 1;
                    if interim > MAX_INTERIM_RESPONSES {
                        return Err(Error::MalformedHead("too many interim 1xx responses"));
                    }
                }
                Ok(h) => break Some(h),
                // Silence: the server ignores Expect, so the body goes anyway.
                Err(Error::Timeout(_)) if self.s.start == self.s.end => break None,
                Err(Error::Timeout(_)) if !partial => {}
                Err(e) => return Err(e),
            }
        };
        if let Some(h) = early {
            self.s.client_close = true;
            let kind = response_body_kind(method, &h)?;
            return Ok(Some((h, kind)));
        }
        let mut empty = Vec::new();
        self.apply_write_timeout()?;
        self.write_body(&mut empty, framing, body)?;
        Ok(None)
    }

    /// Reads more bytes into the buffer (growing it for a large head); returns how many, 0 at EOF.
    fn fill(&mut self) -> Result<usize, Error> {
        if self.s.start == self.s.end {
            self.s.start = 0;
            self.s.end = 0;
        } else if self.s.start > 0 && self.s.end == self.s.buf.len() {
            self.s.buf.copy_within(self.s.start..self.s.end, 0);
            self.s.end -= self.s.start;
            self.s.start = 0;
        }
        if self.s.end == self.s.buf.len() {
            let cap = (self.s.limits.max_head_bytes + 1).max(INITIAL_READ_BUF);
            let grown =
                (self.s.buf.len() * 2).clamp(INITIAL_READ_BUF, cap.max(self.s.buf.len() + 1));
            self.s.buf.resize(grown, 0);
        }
        let end = self.s.end;
        let n = self.read_stream(|s, buf| s.read(&mut buf[end..]))?;
        self.s.end += n;
        Ok(n)
    }

    fn read_stream(
        &mut self,
        mut f: impl FnMut(&mut dyn Stream, &mut Vec<u8>) -> io::Result<usize>,
    ) -> Result<usize, Error> {
        let (timeout, what) = effective(self.s.timeouts.read, self.s.timeouts.deadline)?;
        self.s
            .stream
            .set_read_timeout(timeout)
            .map_err(|e| Error::from_io(e, what))?;
        loop {
            match f(&mut *self.s.stream, &mut self.s.buf) {
                Ok(n) => {
                    if n > 0 {
                        self.s.response_bytes = true;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::from_io(e, what)),
            }
        }
    }

    fn read_direct(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let (timeout, what) = effective(self.s.timeouts.read, self.s.timeouts.deadline)?;
        self.s
            .stream
            .set_read_timeout(timeout)
            .map_err(|e| Error::from_io(e, what))?;
        loop {
            match self.s.stream.read(out) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::from_io(e, what)),
            }
        }
    }

    /// Gives up the stream for a tunnel (after a 2xx to CONNECT). Bytes the server already sent
    /// past the head would belong to the tunnel; TLS servers never speak first, so any such byte
    /// is a protocol error.
    pub fn into_stream(self) -> Result<Box<dyn Stream>, Error> {
        if self.s.start != self.s.end {
            return Err(Error::MalformedHead("bytes after a connect response"));
        }
        Ok(self.s.stream)
    }
}

/// The read/write timeout to set now, given the per-operation timeout and the deadline, and
/// which one it is (for the error message).
fn effective(
    per_op: Option<Duration>,
    deadline: Option<Instant>,
) -> Result<(Option<Duration>, &'static str), Error> {
    match deadline {
        None => Ok((per_op, "read")),
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout("deadline"));
            }
            match per_op {
                Some(t) if t <= left => Ok((Some(t), "read")),
                _ => Ok((Some(left), "deadline")),
            }
        }
    }
}

fn read_source(reader: &mut dyn Read, buf: &mut [u8]) -> Result<usize, Error> {
    loop {
        match reader.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::BodyRead(e.kind(), e.to_string())),
        }
    }
}

/// Reads a response body off its connection; hands the connection back when the body ended
/// cleanly and the connection may carry another request.
pub struct BodyReader {
    conn: Connection,
    decoder: BodyDecoder,
    reuse: Result<(), CloseReason>,
}

impl std::fmt::Debug for BodyReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyReader")
            .field("done", &self.decoder.is_done())
            .field("received", &self.decoder.received())
            .finish_non_exhaustive()
    }
}

impl BodyReader {
    /// A reader for the body that follows `head` on `conn`.
    pub fn new(conn: Connection, head: &ResponseHead, kind: BodyKind) -> BodyReader {
        let mut reuse = keep_alive(head, kind);
        if conn.s.client_close {
            reuse = reuse.and(Err(CloseReason::ClientClose));
        }
        let decoder = BodyDecoder::new(kind, &conn.s.limits);
        BodyReader {
            conn,
            decoder,
            reuse,
        }
    }

    /// Reads body bytes into `out`; `Ok(0)` only at the body's clean end. Errors are sticky.
    pub fn read_body(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if out.is_empty() {
            return Ok(0);
        }
        // Bounded: each turn consumes input, produces output, ends the body, or reads the socket
        // (which returns data, EOF or an error).
        loop {
            if self.decoder.is_done() {
                return Ok(0);
            }
            let c = &mut self.conn;
            if c.s.start < c.s.end {
                let (used, produced) = self.decoder.decode(&c.s.buf[c.s.start..c.s.end], out)?;
                c.s.start += used;
                if produced > 0 {
                    return Ok(produced);
                }
                if used > 0 || self.decoder.is_done() {
                    continue;
                }
            }
            let window = self.decoder.direct_window();
            if c.s.start == c.s.end && window > 0 {
                let n = crate::decode::clamp_window(window, out.len());
                let got = match c.read_direct(&mut out[..n]) {
                    Ok(got) => got,
                    Err(e) => return Err(self.decoder.fail(e)),
                };
                if got == 0 {
                    self.decoder.on_eof()?;
                    continue;
                }
                self.decoder.consume_direct(got);
                return Ok(got);
            }
            match c.fill() {
                Ok(0) => self.decoder.on_eof()?,
                Ok(_) => {}
                Err(e) => return Err(self.decoder.fail(e)),
            }
        }
    }

    /// Marks the connection as not reusable whatever the response said (for example after
    /// the request failed to send completely).
    pub fn forbid_reuse(&mut self, reason: CloseReason) {
        self.reuse = Err(reason);
    }

    /// Whether the body was read to its end.
    pub fn is_done(&self) -> bool {
        self.decoder.is_done()
    }

    /// Body bytes read so far.
    pub fn received(&self) -> u64 {
        self.decoder.received()
    }

    /// The trailer fields of a chunked body, once it is done.
    pub fn trailers(&self) -> Option<&HeaderMap> {
        self.decoder.trailers()
    }

    /// Sets the timeouts for the rest of the body.
    pub fn set_timeouts(&mut self, timeouts: Timeouts) {
        self.conn.set_timeouts(timeouts);
    }

    /// Finishes the body from bytes already buffered, without touching the socket, so a small
    /// unread remainder does not cost the connection. Returns whether the body is now done.
    pub fn drain_buffered(&mut self) -> bool {
        let mut scratch = [0u8; 4096];
        while !self.decoder.is_done() && self.conn.s.start < self.conn.s.end {
            let c = &mut self.conn;
            match self
                .decoder
                .decode(&c.s.buf[c.s.start..c.s.end], &mut scratch)
            {
                Ok((0, 0)) | Err(_) => break,
                Ok((used, _)) => c.s.start += used,
            }
        }
        self.decoder.is_done()
    }

    /// Why the connection cannot be reused, if it cannot be.
    pub fn close_reason(&self) -> Option<CloseReason> {
        if !self.decoder.is_done() {
            return Some(CloseReason::BodyNotFinished);
        }
        if let Err(r) = self.reuse {
            return Some(r);
        }
        if self.conn.s.start != self.conn.s.end {
            // Bytes after the body's end: not ours to read as the next response.
            return Some(CloseReason::UnsolicitedBytes);
        }
        None
    }

    /// The connection, when the body is done and it may carry another request.
    pub fn into_connection(self) -> Result<Connection, CloseReason> {
        match self.close_reason() {
            None => Ok(self.conn),
            Some(r) => Err(r),
        }
    }
}

impl Read for BodyReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.read_body(out).map_err(into_io)
    }
}

/// Wraps an engine error as an `io::Error` whose inner error is the engine's, so callers can
/// downcast it back.
pub fn into_io(e: Error) -> io::Error {
    let kind = match (&e, e.class()) {
        (Error::Io(kind, _), _) => *kind,
        (_, ErrorClass::Timeout) => io::ErrorKind::TimedOut,
        (_, ErrorClass::Incomplete) => io::ErrorKind::UnexpectedEof,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Target;
    use crate::transport::MemoryStream;

    fn exchange(
        method: &Method,
        response: &[u8],
        max_read: usize,
    ) -> Result<(ResponseHead, Vec<u8>, Option<CloseReason>), Error> {
        let mut s = MemoryStream::new(response.to_vec());
        s.max_read = max_read;
        let mut conn = Connection::new(Box::new(s));
        let headers = HeaderMap::new();
        let head = RequestHead {
            method,
            target: Target::Origin {
                path: "/",
                query: None,
            },
            host: Some("h"),
            headers: &headers,
        };
        conn.send_request(&head, RequestBody::None)?;
        let (h, kind) = conn.read_response_head(method)?;
        let mut r = BodyReader::new(conn, &h, kind);
        let mut body = Vec::new();
        let mut buf = [0u8; 3];
        for _ in 0..100_000 {
            let n = r.read_body(&mut buf)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buf[..n]);
        }
        Ok((h, body, r.close_reason()))
    }

    #[test]
    fn exchange_interim_responses_skipped() {
        let (h, body, _) = exchange(
            &Method::GET,
            b"HTTP/1.1 100 Continue\r\nX: y\r\n\r\nHTTP/1.1 103 Early\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
            5,
        )
        .unwrap();
        assert_eq!((h.status, body.as_slice()), (200, &b"hi"[..]));
        assert!(!h.headers.contains_key("x"));
    }

    #[test]
    fn exchange_unexpected_101_errors() {
        let r = exchange(
            &Method::GET,
            b"HTTP/1.1 101 Switching\r\nUpgrade: x\r\n\r\n",
            64,
        );
        assert_eq!(r.unwrap_err(), Error::UnexpectedSwitchingProtocols);
    }

    #[test]
    fn exchange_extra_bytes_after_body_prevent_reuse() {
        let (_, body, reason) = exchange(
            &Method::GET,
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA",
            4096,
        )
        .unwrap();
        assert_eq!(body, b"hello");
        assert_eq!(reason, Some(CloseReason::UnsolicitedBytes));
    }

    #[test]
    fn exchange_head_response_has_no_body() {
        let (_, body, reason) = exchange(
            &Method::HEAD,
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            4096,
        )
        .unwrap();
        assert!(body.is_empty());
        assert_eq!(reason, None);
    }

    #[test]
    fn exchange_close_delimited_body_reads_to_eof() {
        let (_, body, reason) =
            exchange(&Method::GET, b"HTTP/1.0 200 OK\r\n\r\nhello world", 2).unwrap();
        assert_eq!(body, b"hello world");
        assert_eq!(reason, Some(CloseReason::Http10));
    }

    #[test]
    fn exchange_empty_reply_is_incomplete_head() {
        assert_eq!(
            exchange(&Method::GET, b"", 64).unwrap_err(),
            Error::IncompleteHead { received: 0 }
        );
        assert_eq!(
            exchange(&Method::GET, b"HTTP/1.1 200 OK\r\n", 64).unwrap_err(),
            Error::IncompleteHead { received: 17 }
        );
    }

    #[test]
    fn exchange_head_over_limit_errors() {
        let mut resp = b"HTTP/1.1 200 OK\r\n".to_vec();
        resp.extend(std::iter::repeat_n(b'a', 200_000));
        assert_eq!(
            exchange(&Method::GET, &resp, 100_000).unwrap_err(),
            Error::HeadTooLarge { limit: 64 * 1024 }
        );
    }

    #[test]
    fn exchange_chunked_short_body_errors_and_sticks() {
        let mut s = MemoryStream::new(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel".to_vec(),
        );
        s.max_read = 64;
        let mut conn = Connection::new(Box::new(s));
        let (h, kind) = conn.read_response_head(&Method::GET).unwrap();
        let mut r = BodyReader::new(conn, &h, kind);
        let mut buf = [0u8; 64];
        assert_eq!(r.read_body(&mut buf).unwrap(), 3);
        let err = Error::IncompleteChunkedBody { received: 3 };
        assert_eq!(r.read_body(&mut buf), Err(err.clone()));
        assert_eq!(r.read_body(&mut buf), Err(err));
        assert_eq!(r.close_reason(), Some(CloseReason::BodyNotFinished));
    }

    fn sent(method: &Method, body: RequestBody<'_>) -> Result<String, Error> {
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Read for Shared {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Ok(0)
            }
        }
        impl io::Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        impl Stream for Shared {
            fn set_read_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
                Ok(())
            }
            fn set_write_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
                Ok(())
            }
            fn idle_state(&mut self) -> IdleState {
                IdleState::Quiet
            }
        }
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut conn = Connection::new(Box::new(Shared(out.clone())));
        let headers = HeaderMap::new();
        let head = RequestHead {
            method,
            target: Target::Origin {
                path: "/x",
                query: None,
            },
            host: Some("h"),
            headers: &headers,
        };
        conn.send_request(&head, body)?;
        let bytes = out.lock().unwrap().clone();
        Ok(String::from_utf8(bytes).unwrap())
    }

    /// A reader that hands out its pieces one read at a time, with `Interrupted` in between.
    struct Pieces(Vec<&'static [u8]>, bool);
    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.1 = !self.1;
            if self.1 {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "again"));
            }
            match self.0.first() {
                None => Ok(0),
                Some(p) => {
                    let n = p.len().min(buf.len());
                    buf[..n].copy_from_slice(&p[..n]);
                    if n == p.len() {
                        self.0.remove(0);
                    } else {
                        self.0[0] = &p[n..];
                    }
                    Ok(n)
                }
            }
        }
    }

    #[test]
    fn send_reader_unknown_length_is_chunked() {
        let mut r = Pieces(vec![b"ab", b"cde"], false);
        let s = sent(
            &Method::PATCH,
            RequestBody::Reader {
                reader: &mut r,
                len: None,
            },
        )
        .unwrap();
        assert!(
            s.ends_with("Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"),
            "{s}"
        );
    }

    #[test]
    fn send_reader_sized_checks_length() {
        let mut r = Pieces(vec![b"ab", b"cde"], false);
        let s = sent(
            &Method::PUT,
            RequestBody::Reader {
                reader: &mut r,
                len: Some(5),
            },
        )
        .unwrap();
        assert!(s.ends_with("Content-Length: 5\r\n\r\nabcde"), "{s}");
        let mut short = Pieces(vec![b"ab"], false);
        assert_eq!(
            sent(
                &Method::PUT,
                RequestBody::Reader {
                    reader: &mut short,
                    len: Some(5)
                }
            )
            .unwrap_err(),
            Error::BodyLengthMismatch {
                expected: 5,
                actual: 2
            }
        );
        let mut long = Pieces(vec![b"abcdef"], false);
        assert_eq!(
            sent(
                &Method::PUT,
                RequestBody::Reader {
                    reader: &mut long,
                    len: Some(5)
                }
            )
            .unwrap_err(),
            Error::BodyLengthMismatch {
                expected: 5,
                actual: 6
            }
        );
    }

    #[test]
    fn send_bytes_and_empty_bodies() {
        let s = sent(&Method::POST, RequestBody::Bytes(b"{}")).unwrap();
        assert!(s.ends_with("Content-Length: 2\r\n\r\n{}"));
        let s = sent(&Method::PATCH, RequestBody::None).unwrap();
        assert!(s.ends_with("Content-Length: 0\r\n\r\n"));
        let big = vec![b'q'; SMALL_BODY + 1];
        let s = sent(&Method::PUT, RequestBody::Bytes(&big)).unwrap();
        assert!(s.ends_with(&format!(
            "Content-Length: {}\r\n\r\n{}",
            big.len(),
            "q".repeat(big.len())
        )));
    }
}
