//! Transports: the byte streams an exchange runs over.

pub mod tcp;
#[cfg(feature = "tls")]
pub mod tls;

use std::io::{self, Read, Write};
use std::time::Duration;

/// What a cheap look at an idle connection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleState {
    /// Open and silent: safe to reuse.
    Quiet,
    /// The peer closed it.
    Closed,
    /// Bytes arrived that nobody asked for.
    Unsolicited,
}

/// A bidirectional byte stream with timeouts, as the blocking exchange needs it.
pub trait Stream: Read + Write + Send {
    /// Sets the longest wait for one read (`None`: wait forever).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
    /// Sets the longest wait for one write (`None`: wait forever).
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
    /// Looks, without blocking, whether an idle connection is still usable.
    fn idle_state(&mut self) -> IdleState;
    /// Writes several buffers; the default writes them one by one.
    fn write_bufs(&mut self, bufs: &[&[u8]]) -> io::Result<()> {
        for b in bufs {
            self.write_all(b)?;
        }
        Ok(())
    }
}

impl<S: Stream + ?Sized> Stream for Box<S> {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        (**self).set_read_timeout(timeout)
    }
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        (**self).set_write_timeout(timeout)
    }
    fn idle_state(&mut self) -> IdleState {
        (**self).idle_state()
    }
    fn write_bufs(&mut self, bufs: &[&[u8]]) -> io::Result<()> {
        (**self).write_bufs(bufs)
    }
}

/// An in-memory stream for tests and fuzzing: reads come from a script, writes are recorded.
#[derive(Debug, Default)]
pub struct MemoryStream {
    input: Vec<u8>,
    pos: usize,
    /// The largest read it answers, to exercise short reads.
    pub max_read: usize,
    /// Everything written to it.
    pub written: Vec<u8>,
}

impl MemoryStream {
    /// A stream that will deliver `input`, then EOF.
    pub fn new(input: Vec<u8>) -> MemoryStream {
        MemoryStream {
            input,
            pos: 0,
            max_read: usize::MAX,
            written: Vec::new(),
        }
    }
}

impl Read for MemoryStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.input.len() - self.pos)
            .min(buf.len())
            .min(self.max_read.max(1));
        buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for MemoryStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Stream for MemoryStream {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn set_write_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn idle_state(&mut self) -> IdleState {
        if self.pos < self.input.len() {
            IdleState::Unsolicited
        } else {
            IdleState::Closed
        }
    }
}
