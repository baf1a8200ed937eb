//! Raw-socket servers on 127.0.0.1:0: [`RawServer`] plays one conformance case the way the
//! conformance suite's `server.py` does (`tests/vectors/README.md`), [`ScriptServer`] runs ad-hoc
//! misbehaviour written in a test. Both record every request they read.
//!
//! Everything is bounded so a broken client cannot hang a test run: a connection waits
//! [`READ_TIMEOUT`] for a request and [`KEEPALIVE_IDLE`] for the next one, a stall lasts at most
//! [`STALL_HOLD`], and the accept loop ends when the server value is dropped or after
//! [`IDLE_STOP`] without activity. Server threads never panic on what a client does; they close.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::cases::{Case, SendPlan, ServerBehavior};

/// How long a connection waits for (the rest of) a request; each received byte extends it.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a kept-open connection waits for another request.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(5);
/// Longest silent hold of a stalled connection (clients use a 3 s read timeout).
pub const STALL_HOLD: Duration = Duration::from_secs(8);
/// How long a graceful close drains what the client still sends after our FIN.
pub const DRAIN: Duration = Duration::from_secs(2);
/// The accept loop ends after this long with no connection open and nothing happening.
pub const IDLE_STOP: Duration = Duration::from_secs(30);
/// A client that stops reading a large response is given up on after this long.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more are closed on accept (server.py's default).
const MAX_CONNS: usize = 64;
/// Largest request head read, as in server.py.
const MAX_HEAD: usize = 1 << 20;
/// Largest request body read, as in server.py.
const MAX_BODY: usize = 64 << 20;
/// Longest chunk-size or trailer line read.
const MAX_LINE: usize = 64 << 10;
/// How often background waits look at the clock and the stop flag.
const POLL: Duration = Duration::from_millis(200);

// ---------------------------------------------------------------------------- requests

/// How the request body was delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    ContentLength,
    Chunked,
    None,
}

impl Framing {
    /// The vectors' word: `content-length`, `chunked` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Framing::ContentLength => "content-length",
            Framing::Chunked => "chunked",
            Framing::None => "none",
        }
    }
}

/// One request as a server read it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Connection id, from 1 in accept order.
    pub conn: u64,
    /// Index of the request on its connection, from 0.
    pub idx: usize,
    pub method: String,
    pub target: String,
    /// Names lowercased, values trimmed, bytes read as Latin-1; in wire order.
    pub headers: Vec<(String, String)>,
    /// The exact bytes read: head and body as sent (still chunked).
    pub raw: Vec<u8>,
    /// The body after de-chunking (empty when only the head was read).
    pub body: Vec<u8>,
    pub framing: Framing,
}

impl RecordedRequest {
    /// The first value of the field `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the field `name` (any case), in order.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first line of the request, without its line end.
    pub fn request_line(&self) -> String {
        let end = self
            .raw
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.raw.len());
        let line = self.raw[..end]
            .strip_suffix(b"\r")
            .unwrap_or(&self.raw[..end]);
        latin1(line)
    }

    /// The path of the target (absolute-form targets lose scheme and authority).
    pub fn path(&self) -> &str {
        let rest = strip_authority(&self.target);
        let end = rest.find(['?', '#']).unwrap_or(rest.len());
        &rest[..end]
    }

    /// The query of the target, without `?`.
    pub fn query(&self) -> Option<&str> {
        let rest = strip_authority(&self.target);
        let rest = &rest[..rest.find('#').unwrap_or(rest.len())];
        rest.find('?').map(|i| &rest[i + 1..])
    }
}

/// `http://host:1/p?q` -> `/p?q`; other targets unchanged.
fn strip_authority(target: &str) -> &str {
    match target.find("://") {
        Some(i)
            if i > 0
                && target[..i]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            let after = &target[i + 3..];
            &after[after.find(['/', '?', '#']).unwrap_or(after.len())..]
        }
        _ => target,
    }
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Python's `bytes.strip()`: ASCII whitespace including VT and FF.
fn trim(mut bytes: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    while let Some((first, rest)) = bytes.split_first() {
        if !ws(first) {
            break;
        }
        bytes = rest;
    }
    while let Some((last, rest)) = bytes.split_last() {
        if !ws(last) {
            break;
        }
        bytes = rest;
    }
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// End of the head: after the first CRLFCRLF, or after LFLF if that comes first (server.py).
fn head_end(buf: &[u8]) -> Option<usize> {
    match (find(buf, b"\r\n\r\n"), find(buf, b"\n\n")) {
        (Some(i), Some(j)) if j < i => Some(j + 2),
        (Some(i), _) => Some(i + 4),
        (None, Some(j)) => Some(j + 2),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------------------- shared state

struct Shared {
    stop: AtomicBool,
    accepted: AtomicU64,
    active: AtomicUsize,
    started: Instant,
    /// Milliseconds since `started` of the last accept, read or write.
    last_activity_ms: AtomicU64,
    requests: Mutex<Vec<RecordedRequest>>,
}

impl Shared {
    fn touch(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last_activity_ms.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }

    /// A panicking test thread must not hide the log from the others.
    fn requests(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counts a connection as open until its thread ends, even by panic.
struct ActiveGuard(Arc<Shared>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
        self.0.touch();
    }
}

type Handler = Arc<dyn Fn(ConnCtx) + Send + Sync>;

/// A listening socket with its accept thread; stops the accept loop when dropped.
pub(super) struct Listening {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
    /// Dropping it wakes the watchdog, which then exits.
    _watchdog: mpsc::Sender<()>,
}

impl Listening {
    /// Binds 127.0.0.1:0 and runs `handler` on its own thread for each connection.
    pub(super) fn start(handler: Handler) -> Listening {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("local address of the test server");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            accepted: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            started: Instant::now(),
            last_activity_ms: AtomicU64::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let accept = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("test-server-{}", addr.port()))
                .spawn(move || accept_loop(listener, shared, handler))
                .expect("spawn the accept thread")
        };
        let (tx, rx) = mpsc::channel();
        {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("test-server-{}-watchdog", addr.port()))
                .spawn(move || watchdog(addr, shared, rx))
                .expect("spawn the watchdog thread");
        }
        Listening {
            addr,
            shared,
            accept: Some(accept),
            _watchdog: tx,
        }
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(super) fn connections_accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    pub(super) fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests().clone()
    }

    pub(super) fn take_requests(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut *self.shared.requests())
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        // Join only when the wake-up connect went through, so a drop can never hang.
        if !self.shared.stop.swap(true, Ordering::SeqCst) && wake(self.addr) {
            if let Some(accept) = self.accept.take() {
                let _ = accept.join();
            }
        }
    }
}

/// Unblocks `accept` by connecting to ourselves.
fn wake(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, handler: Handler) {
    // Accept errors (EMFILE...) are retried, but not forever in a row.
    let mut errors_in_a_row = 0;
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                errors_in_a_row += 1;
                if errors_in_a_row > 100 {
                    break;
                }
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        errors_in_a_row = 0;
        shared.touch();
        if shared.active.load(Ordering::SeqCst) >= MAX_CONNS {
            continue;
        }
        let _ = stream.set_nodelay(true);
        let conn = shared.accepted.fetch_add(1, Ordering::SeqCst) + 1;
        shared.active.fetch_add(1, Ordering::SeqCst);
        let guard = ActiveGuard(Arc::clone(&shared));
        let ctx = ConnCtx {
            stream,
            conn,
            buf: Vec::new(),
            next_idx: 0,
            shared: Arc::clone(&shared),
        };
        let handler = Arc::clone(&handler);
        // A failed spawn drops the closure: the guard and the stream go with it.
        let _ = thread::Builder::new()
            .name(format!("test-server-conn-{conn}"))
            .spawn(move || {
                let _guard = guard;
                handler(ctx);
            });
    }
}

fn watchdog(addr: SocketAddr, shared: Arc<Shared>, rx: mpsc::Receiver<()>) {
    // Any other result means the server value is gone, and its drop stopped the loop.
    while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(POLL) {
        let idle = shared.active.load(Ordering::SeqCst) == 0 && shared.idle_for() >= IDLE_STOP;
        if idle || shared.stop.load(Ordering::SeqCst) {
            break;
        }
    }
    if !shared.stop.swap(true, Ordering::SeqCst) {
        wake(addr);
    }
}

// ---------------------------------------------------------------------------- connections

/// One accepted connection, handed to a server's handler.
pub struct ConnCtx {
    /// The socket itself, for writes a helper does not cover.
    pub stream: TcpStream,
    /// Connection id, from 1 in accept order.
    pub conn: u64,
    /// Bytes read past the last request.
    buf: Vec<u8>,
    next_idx: usize,
    shared: Arc<Shared>,
}

impl ConnCtx {
    /// Requests read so far on this connection.
    pub fn requests_read(&self) -> usize {
        self.next_idx
    }

    /// Reads and records one whole request (body by Content-Length or chunked). Waits
    /// [`READ_TIMEOUT`] for the first request, [`KEEPALIVE_IDLE`] for later ones; `None` on EOF,
    /// timeout, error, or a request over the limits.
    pub fn read_request(&mut self) -> Option<RecordedRequest> {
        self.read(false)
    }

    /// Like [`Self::read_request`] but leaves the body unread.
    pub fn read_request_head_only(&mut self) -> Option<RecordedRequest> {
        self.read(true)
    }

    /// Writes all of `bytes`; false when the client is gone or stopped reading.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        let _ = self.stream.set_write_timeout(Some(WRITE_TIMEOUT));
        let ok = self.stream.write_all(bytes).is_ok();
        self.shared.touch();
        ok
    }

    /// Sends `bytes` in `chunk_size` pieces with `interval` between them.
    pub fn drip(&mut self, bytes: &[u8], chunk_size: usize, interval: Duration) -> bool {
        let plan = SendPlan {
            chunk_size,
            interval_ms: interval.as_millis() as u64,
            head_first: false,
        };
        self.send_pieces([Cow::Borrowed(bytes)], Some(&plan))
    }

    /// Sends a stream of pieces, re-cut and paced by `plan` as server.py's `send_stream` does:
    /// with `head_first` the head goes at once and every body chunk waits an interval first;
    /// otherwise chunks are spaced by the interval. Without a plan each piece is written as is.
    pub fn send_pieces<'a>(
        &mut self,
        pieces: impl IntoIterator<Item = Cow<'a, [u8]>>,
        plan: Option<&SendPlan>,
    ) -> bool {
        let mut pieces = pieces.into_iter();
        let Some(plan) = plan else {
            return pieces.all(|p| self.send(&p));
        };
        let size = plan.chunk_size.max(1);
        let mut pending: Vec<u8> = Vec::new();
        let mut head_sent = !plan.head_first;
        let mut chunks_sent = 0usize;
        let mut exhausted = false;
        loop {
            match pieces.next() {
                Some(piece) => pending.extend_from_slice(&piece),
                None => exhausted = true,
            }
            if !head_sent {
                match find(&pending, b"\r\n\r\n") {
                    Some(k) => {
                        if !self.send(&pending[..k + 4]) {
                            return false;
                        }
                        pending.drain(..k + 4);
                        head_sent = true;
                    }
                    // No head end at all: server.py sends everything as the "head".
                    None if exhausted => return self.send(&pending),
                    None => continue,
                }
            }
            let mut start = 0;
            while pending.len() - start >= size || (exhausted && start < pending.len()) {
                let end = (start + size).min(pending.len());
                if plan.head_first || chunks_sent > 0 {
                    thread::sleep(plan.interval());
                }
                if !self.send(&pending[start..end]) {
                    return false;
                }
                chunks_sent += 1;
                start = end;
            }
            pending.drain(..start);
            if exhausted {
                return true;
            }
        }
    }

    /// Holds the connection open silently (discarding what arrives) until the client closes or
    /// `max` (at most [`STALL_HOLD`]) passes, then closes.
    pub fn hold_open(mut self, max: Duration) {
        self.discard_until_eof(max.min(STALL_HOLD));
    }

    /// FIN, then reads until the client closes (at most [`DRAIN`]) so the close stays graceful.
    pub fn close_gracefully(mut self) {
        if self.stream.shutdown(Shutdown::Write).is_ok() {
            self.discard_until_eof(DRAIN);
        }
    }

    /// Closes with RST (SO_LINGER 0).
    pub fn reset(self) {
        let _ = socket2::SockRef::from(&self.stream).set_linger(Some(Duration::ZERO));
    }

    fn discard_until_eof(&mut self, max: Duration) {
        let end = Instant::now() + max;
        let mut scratch = vec![0u8; 64 << 10];
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            if left.is_zero() || self.stream.set_read_timeout(Some(left.min(POLL))).is_err() {
                break;
            }
            match self.stream.read(&mut scratch) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(_) => break,
            }
        }
    }

    /// Reads more bytes into `buf`; false on EOF, error, or when `deadline` passes.
    /// Arriving bytes push the deadline to at least [`READ_TIMEOUT`] from now.
    fn fill(&mut self, deadline: &mut Instant) -> bool {
        const READ_SIZE: usize = 64 << 10;
        loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            if left.is_zero() || self.stream.set_read_timeout(Some(left)).is_err() {
                return false;
            }
            let old = self.buf.len();
            self.buf.resize(old + READ_SIZE, 0);
            let got = self.stream.read(&mut self.buf[old..]);
            self.buf.truncate(old + *got.as_ref().unwrap_or(&0));
            match got {
                Ok(0) => return false,
                Ok(_) => {
                    self.shared.touch();
                    *deadline = (*deadline).max(Instant::now() + READ_TIMEOUT);
                    return true;
                }
                Err(e) if is_timeout(&e) => {}
                Err(_) => return false,
            }
        }
    }

    fn need(&mut self, len: usize, deadline: &mut Instant) -> bool {
        while self.buf.len() < len {
            if !self.fill(deadline) {
                return false;
            }
        }
        true
    }

    /// Position just past the next LF at or after `pos`.
    fn line_end(&mut self, pos: usize, deadline: &mut Instant) -> Option<usize> {
        loop {
            if let Some(k) = self.buf[pos..].iter().position(|&b| b == b'\n') {
                return Some(pos + k + 1);
            }
            if self.buf.len() - pos > MAX_LINE || !self.fill(deadline) {
                return None;
            }
        }
    }

    /// Reads a chunked body starting at `pos` into `body`; returns the position after it.
    fn read_chunked(
        &mut self,
        mut pos: usize,
        deadline: &mut Instant,
        body: &mut Vec<u8>,
    ) -> Option<usize> {
        loop {
            let eol = self.line_end(pos, deadline)?;
            let line = trim(&self.buf[pos..eol]);
            let size_field = line.split(|&b| b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(trim(size_field))
                .ok()
                .and_then(|s| usize::from_str_radix(s, 16).ok())?;
            pos = eol;
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    let eol = self.line_end(pos, deadline)?;
                    let blank = trim(&self.buf[pos..eol]).is_empty();
                    pos = eol;
                    if blank {
                        return Some(pos);
                    }
                }
            }
            if body.len().checked_add(size)? > MAX_BODY || !self.need(pos + size, deadline) {
                return None;
            }
            body.extend_from_slice(&self.buf[pos..pos + size]);
            pos = self.line_end(pos + size, deadline)?;
        }
    }

    fn read(&mut self, head_only: bool) -> Option<RecordedRequest> {
        let first_wait = if self.next_idx == 0 {
            READ_TIMEOUT
        } else {
            KEEPALIVE_IDLE
        };
        let mut deadline = Instant::now() + first_wait;
        let end = loop {
            if let Some(end) = head_end(&self.buf) {
                break end;
            }
            if self.buf.len() > MAX_HEAD || !self.fill(&mut deadline) {
                return None;
            }
        };
        let mut lines = self.buf[..end]
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let mut request_line = lines.next().unwrap_or_default().split(|&b| b == b' ');
        let method = latin1(request_line.next().unwrap_or_default());
        let target = latin1(request_line.next().unwrap_or_default());
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| {
                let colon = line.iter().position(|&b| b == b':')?;
                let name = latin1(trim(&line[..colon])).to_ascii_lowercase();
                Some((name, latin1(trim(&line[colon + 1..]))))
            })
            .collect();
        let te = headers
            .iter()
            .filter(|(n, _)| n == "transfer-encoding")
            .map(|(_, v)| v.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(",");
        let content_length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| v.trim().parse::<usize>().unwrap_or(0).min(MAX_BODY));
        let framing = match (te.contains("chunked"), content_length) {
            (true, _) => Framing::Chunked,
            (false, Some(_)) => Framing::ContentLength,
            (false, None) => Framing::None,
        };
        let mut pos = end;
        let mut body = Vec::new();
        if !head_only {
            let mut deadline = Instant::now() + READ_TIMEOUT;
            match (framing, content_length) {
                (Framing::Chunked, _) => pos = self.read_chunked(pos, &mut deadline, &mut body)?,
                (_, Some(n)) => {
                    if !self.need(pos + n, &mut deadline) {
                        return None;
                    }
                    body = self.buf[pos..pos + n].to_vec();
                    pos += n;
                }
                _ => {}
            }
        }
        let raw: Vec<u8> = self.buf.drain(..pos).collect();
        let request = RecordedRequest {
            conn: self.conn,
            idx: self.next_idx,
            method,
            target,
            headers,
            raw,
            body,
            framing,
        };
        self.next_idx += 1;
        self.shared.requests().push(request.clone());
        Some(request)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

// ---------------------------------------------------------------------------- servers

/// Plays one case: every request on a fresh connection gets the case's response, a later one
/// on the same connection its `followup_response`, then the case's `server_behavior` applies.
pub struct RawServer {
    inner: Listening,
    case_id: String,
}

impl RawServer {
    pub fn start(case: &Case) -> RawServer {
        let case = Arc::new(case.clone());
        let case_id = case.id.clone();
        let inner = Listening::start(Arc::new(move |ctx| serve_case(&case, ctx)));
        RawServer { inner, case_id }
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr()
    }

    pub fn port(&self) -> u16 {
        self.inner.addr().port()
    }

    /// `http://127.0.0.1:<port>/case/<id>` (any path gets the same answer).
    pub fn url(&self) -> String {
        format!("http://{}/case/{}", self.addr(), self.case_id)
    }

    pub fn connections_accepted(&self) -> u64 {
        self.inner.connections_accepted()
    }

    /// Every request read so far, in the order they were read.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.requests()
    }
}

fn serve_case(case: &Case, mut ctx: ConnCtx) {
    loop {
        let request = if case.server_reads_head_only {
            ctx.read_request_head_only()
        } else {
            ctx.read_request()
        };
        let Some(request) = request else { return };
        let followup = request.idx > 0;
        if !ctx.send_pieces(case.response_pieces(followup), case.send_plan.as_ref()) {
            return;
        }
        match case.server_behavior {
            ServerBehavior::SendKeepOpen => {}
            ServerBehavior::SendThenStall => return ctx.hold_open(STALL_HOLD),
            ServerBehavior::ResetAfterSend { reset_delay_ms } => {
                thread::sleep(Duration::from_millis(reset_delay_ms));
                return ctx.reset();
            }
            ServerBehavior::SendThenClose { close_delay_ms } => {
                thread::sleep(Duration::from_millis(close_delay_ms));
                return ctx.close_gracefully();
            }
        }
    }
}

/// Runs a test's own handler on each connection, for one-off misbehaving servers.
pub struct ScriptServer {
    inner: Listening,
}

impl ScriptServer {
    /// `handler` runs on the connection's own thread; the connection closes when it returns.
    pub fn start(handler: impl Fn(ConnCtx) + Send + Sync + 'static) -> ScriptServer {
        ScriptServer {
            inner: Listening::start(Arc::new(handler)),
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

    /// Every request the handlers read, in the order they were read.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.requests()
    }
}
