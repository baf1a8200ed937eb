//! Plain TCP: connect over every resolved address under one timeout, `TCP_NODELAY` on.

use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::{IdleState, Stream};
use crate::error::Error;

/// Resolves `host` (a name or an IP literal, with or without brackets) and port.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| Error::Connect(format!("failed to resolve {bare:?}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(Error::Connect(format!("{bare:?} resolved to no address")));
    }
    Ok(addrs)
}

/// Connects to the first of `addrs` that answers, trying them in turn (interleaving IPv6 and
/// IPv4 as RFC 8305 suggests). `timeout` bounds the whole attempt, shared across addresses so
/// one black hole cannot eat all of it when others remain.
pub fn connect(addrs: &[SocketAddr], timeout: Option<Duration>) -> Result<TcpStream, Error> {
    let ordered = interleave(addrs);
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut last = None;
    for (i, addr) in ordered.iter().enumerate() {
        let attempt = match deadline {
            None => TcpStream::connect(addr),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Timeout("connect"));
                }
                // Give each remaining address a fair share, the last one everything left.
                let share = left / (ordered.len() - i) as u32;
                let share = if i + 1 == ordered.len() {
                    left
                } else {
                    share.max(Duration::from_millis(250)).min(left)
                };
                TcpStream::connect_timeout(addr, share)
            }
        };
        match attempt {
            Ok(s) => {
                s.set_nodelay(true)
                    .map_err(|e| Error::from_io(e, "connect"))?;
                return Ok(s);
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    match last {
        Some((_, e))
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            Err(Error::Timeout("connect"))
        }
        Some((addr, e)) => Err(Error::Connect(format!("{addr}: {e}"))),
        None => Err(Error::Connect("no address to connect to".into())),
    }
}

fn interleave(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let (v6, v4): (Vec<_>, Vec<_>) = addrs.iter().partition(|a| a.is_ipv6());
    let first_v6 = addrs.first().is_some_and(|a| a.is_ipv6());
    let (a, b) = if first_v6 { (v6, v4) } else { (v4, v6) };
    let mut out = Vec::with_capacity(addrs.len());
    for i in 0..a.len().max(b.len()) {
        out.extend(a.get(i));
        out.extend(b.get(i));
    }
    out
}

/// Whether an idle socket is still usable, without blocking: a one-byte peek.
pub(crate) fn peek_idle(s: &TcpStream) -> IdleState {
    match peek_nonblocking(s) {
        Ok(0) => IdleState::Closed,
        Ok(_) => IdleState::Unsolicited,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => IdleState::Quiet,
        Err(_) => IdleState::Closed,
    }
}

/// `recv(MSG_PEEK | MSG_DONTWAIT)`: one syscall, where std needs three (set non-blocking, peek,
/// set blocking). This runs before every reuse of a pooled connection, so it is on the hot path
/// of every keep-alive request.
#[cfg(unix)]
#[allow(unsafe_code)]
fn peek_nonblocking(s: &TcpStream) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let mut b = [0u8; 1];
    // SAFETY: the fd is a live socket owned by `s` for the whole call, and the buffer pointer
    // and length describe `b`, a local that outlives the call. recv writes at most 1 byte.
    let n = unsafe {
        libc::recv(
            s.as_raw_fd(),
            b.as_mut_ptr().cast(),
            b.len(),
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

#[cfg(not(unix))]
fn peek_nonblocking(s: &TcpStream) -> io::Result<usize> {
    s.set_nonblocking(true)?;
    let mut b = [0u8; 1];
    let r = s.peek(&mut b);
    s.set_nonblocking(false)?;
    r
}

/// A TCP stream that remembers its timeouts, so setting the same value costs no syscall.
#[derive(Debug)]
pub struct TcpTransport {
    stream: TcpStream,
    read_timeout: Option<Option<Duration>>,
    write_timeout: Option<Option<Duration>>,
}

impl TcpTransport {
    /// Wraps a connected stream.
    pub fn new(stream: TcpStream) -> TcpTransport {
        TcpTransport {
            stream,
            read_timeout: None,
            write_timeout: None,
        }
    }

    /// The socket.
    pub fn get_ref(&self) -> &TcpStream {
        &self.stream
    }

    /// Gives the socket back.
    pub fn into_inner(self) -> TcpStream {
        self.stream
    }
}

/// `set_read_timeout(Some(0))` is an error in std; a zero wait means "already late".
fn clamp_timeout(t: Option<Duration>) -> Option<Duration> {
    t.map(|t| t.max(Duration::from_millis(1)))
}

impl Read for TcpTransport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

impl Write for TcpTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.stream.write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Stream for TcpTransport {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let t = clamp_timeout(timeout);
        if self.read_timeout != Some(t) {
            self.stream.set_read_timeout(t)?;
            self.read_timeout = Some(t);
        }
        Ok(())
    }
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let t = clamp_timeout(timeout);
        if self.write_timeout != Some(t) {
            self.stream.set_write_timeout(t)?;
            self.write_timeout = Some(t);
        }
        Ok(())
    }
    fn idle_state(&mut self) -> IdleState {
        peek_idle(&self.stream)
    }
    fn write_bufs(&mut self, bufs: &[&[u8]]) -> io::Result<()> {
        write_all_vectored(&mut self.stream, bufs)
    }
}

/// `write_all` over several buffers with `writev`, so a chunk's size line, data and CRLF leave
/// in one syscall.
pub(crate) fn write_all_vectored(w: &mut impl Write, bufs: &[&[u8]]) -> io::Result<()> {
    // The exchange writes at most five pieces (head, size line, data, CRLF, last chunk); the
    // slices live on the stack so a write costs no allocation.
    const MAX: usize = 8;
    if bufs.len() > MAX {
        return bufs.iter().try_for_each(|b| w.write_all(b));
    }
    let mut skip = 0usize; // bytes of the concatenation already written
    let total: usize = bufs.iter().map(|b| b.len()).sum();
    while skip < total {
        let mut slices = [IoSlice::new(&[]); MAX];
        let mut used = 0;
        let mut offset = skip;
        for b in bufs {
            if offset >= b.len() {
                offset -= b.len();
                continue;
            }
            slices[used] = IoSlice::new(&b[offset..]);
            used += 1;
            offset = 0;
        }
        match w.write_vectored(&slices[..used]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write whole buffer",
                ))
            }
            Ok(n) => skip += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn tcp_interleave_alternates_families() {
        let a: Vec<SocketAddr> = ["[::1]:1", "[::2]:1", "127.0.0.1:1", "127.0.0.2:1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let got: Vec<String> = interleave(&a).iter().map(|a| a.to_string()).collect();
        assert_eq!(got, ["[::1]:1", "127.0.0.1:1", "[::2]:1", "127.0.0.2:1"]);
    }

    #[test]
    fn tcp_refused_is_connect_error() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let addrs = resolve("127.0.0.1", port).unwrap();
        assert!(matches!(
            connect(&addrs, Some(Duration::from_secs(2))),
            Err(Error::Connect(_))
        ));
    }

    #[test]
    fn tcp_idle_peek_sees_quiet_data_and_close() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addrs = resolve("[127.0.0.1]", l.local_addr().unwrap().port()).unwrap();
        let mut c = TcpTransport::new(connect(&addrs, None).unwrap());
        let (mut server, _) = l.accept().unwrap();
        assert_eq!(c.idle_state(), IdleState::Quiet);
        server.write_all(b"x").unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while c.idle_state() != IdleState::Unsolicited && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(c.idle_state(), IdleState::Unsolicited);
        let mut b = [0u8; 1];
        c.read_exact(&mut b).unwrap();
        drop(server);
        while c.idle_state() != IdleState::Closed && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(c.idle_state(), IdleState::Closed);
    }

    #[test]
    fn tcp_vectored_write_sends_everything_in_order() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addrs = resolve("127.0.0.1", l.local_addr().unwrap().port()).unwrap();
        let mut c = TcpTransport::new(connect(&addrs, None).unwrap());
        let (mut server, _) = l.accept().unwrap();
        let big = vec![b'z'; 300_000];
        let t = std::thread::spawn(move || {
            c.write_bufs(&[b"ab", &big, b"", b"cd"]).unwrap();
        });
        let mut got = Vec::new();
        server
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        while got.len() < 300_004 {
            let mut buf = [0u8; 65536];
            let n = server.read(&mut buf).unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        t.join().unwrap();
        assert_eq!(&got[..2], b"ab");
        assert_eq!(&got[got.len() - 2..], b"cd");
        assert_eq!(got.len(), 300_004);
    }
}
