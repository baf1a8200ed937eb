//! Streaming a response body: the raw body off its connection (handing the connection back to
//! the pool at the end), and with feature `gzip` the gzip or deflate decoding on top.

use std::io::{self, Read};
use std::sync::Arc;

use url::Url;
use wirequest_wire::{BodyReader, HeaderMap};

use crate::client::ClientInner;
use crate::error::Error;
#[cfg(feature = "gzip")]
use crate::error::ErrorKind;
#[cfg(feature = "gzip")]
use crate::inflate::{Format, Inflate};
use crate::pool::PoolKey;

/// The body as the server framed it.
pub(crate) struct RawBody {
    pub reader: Option<BodyReader>,
    pub pool: Option<(Arc<ClientInner>, Arc<PoolKey>)>,
    /// A chunked body's trailers, kept when its connection goes back to the pool.
    pub trailers: Option<HeaderMap>,
}

impl RawBody {
    fn read_typed(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(0);
        };
        match reader.read_body(out) {
            Ok(0) if !out.is_empty() => {
                self.release();
                Ok(0)
            }
            Ok(n) => {
                // The last bytes: the connection goes back now, not when the caller reads the
                // end (which a caller that knows the length may never do).
                if reader.is_done() {
                    self.release();
                }
                Ok(n)
            }
            Err(e) => Err(Error::wire(e)),
        }
    }

    /// Hands a finished connection back to the pool.
    fn release(&mut self) {
        let Some((client, key)) = self.pool.as_ref() else {
            return;
        };
        if self
            .reader
            .as_ref()
            .is_some_and(|r| r.close_reason().is_none())
        {
            self.trailers = self.reader.as_ref().and_then(|r| r.trailers().cloned());
            if let Some(Ok(conn)) = self.reader.take().map(BodyReader::into_connection) {
                client.pool.checkin(key, conn);
            }
        }
    }

    #[cfg(feature = "gzip")]
    /// Reads what is left of a small body (a gzip stream can end before its framing does), so
    /// the connection can be reused; gives up past 64 KiB.
    fn finish(&mut self) {
        let mut buf = [0u8; 4096];
        for _ in 0..16 {
            match self.read_typed(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }
}

impl Read for RawBody {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.read_typed(out).map_err(io::Error::from)
    }
}

impl Drop for RawBody {
    fn drop(&mut self) {
        if self.reader.as_mut().is_some_and(BodyReader::drain_buffered) {
            self.release();
        }
    }
}

#[cfg(feature = "gzip")]
type Buffered = io::BufReader<RawBody>;

enum Decoded {
    Plain(RawBody),
    /// gzip, or deflate (zlib-wrapped or raw).
    #[cfg(feature = "gzip")]
    Inflate(Box<Inflate<Buffered>>),
}

/// A response body being streamed. Implements [`Read`]; errors are `io::Error`s whose inner
/// error is a [`wirequest::Error`](crate::Error) with the kind and URL. With feature `gzip`,
/// `gzip` and `deflate` content codings are decoded on the fly.
pub struct ResponseReader {
    body: Decoded,
    /// Set when the reader outlives its `Response`, so errors still name the URL.
    pub(crate) url: Option<Url>,
    /// The decoded length when the head announced it (never for decoded content).
    pub(crate) remaining_hint: Option<u64>,
}

impl std::fmt::Debug for ResponseReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseReader")
            .field("url", &self.url.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

impl ResponseReader {
    /// A reader over `raw`, decoding `content_encoding` when it is one we decode.
    pub(crate) fn new(
        raw: RawBody,
        remaining_hint: Option<u64>,
        content_encoding: Option<&str>,
    ) -> ResponseReader {
        #[cfg(feature = "gzip")]
        if remaining_hint != Some(0) {
            let coding = content_encoding.map(|c| c.trim().to_ascii_lowercase());
            let format = match coding.as_deref() {
                Some("gzip" | "x-gzip") => Some(Format::Gzip),
                Some("deflate") => Some(Format::Deflate),
                _ => None,
            };
            if let Some(format) = format {
                let d = Inflate::new(io::BufReader::new(raw), format);
                return ResponseReader {
                    body: Decoded::Inflate(Box::new(d)),
                    url: None,
                    remaining_hint: None,
                };
            }
        }
        let _ = content_encoding;
        ResponseReader {
            body: Decoded::Plain(raw),
            url: None,
            remaining_hint,
        }
    }

    pub(crate) fn remaining_hint(&self) -> Option<u64> {
        self.remaining_hint
    }

    fn raw(&self) -> Option<&RawBody> {
        match &self.body {
            Decoded::Plain(raw) => Some(raw),
            #[cfg(feature = "gzip")]
            Decoded::Inflate(d) => Some(d.get_ref().get_ref()),
        }
    }

    /// The trailer fields of a chunked body, once it has been read to its end.
    pub fn trailers(&self) -> Option<&HeaderMap> {
        let raw = self.raw()?;
        match &raw.reader {
            Some(reader) => reader.trailers(),
            None => raw.trailers.as_ref(),
        }
    }

    pub(crate) fn read_typed(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let r = self.read_inner(out);
        match (&self.url, r) {
            (Some(url), Err(e)) => Err(e.with_url(url)),
            (_, r) => r,
        }
    }

    #[cfg(not(feature = "gzip"))]
    fn read_inner(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let Decoded::Plain(raw) = &mut self.body;
        raw.read_typed(out)
    }

    #[cfg(feature = "gzip")]
    fn read_inner(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let (result, raw) = match &mut self.body {
            Decoded::Plain(raw) => return raw.read_typed(out),
            Decoded::Inflate(d) => (d.read(out), d.get_mut().get_mut()),
        };
        match result {
            Ok(0) if !out.is_empty() => {
                raw.finish();
                Ok(0)
            }
            Ok(n) => Ok(n),
            Err(e) => Err(from_io(e)),
        }
    }

    /// Reads and drops a small body so the connection can be reused; gives up on a large one.
    pub(crate) fn discard(mut self) {
        let mut buf = [0u8; 8192];
        for _ in 0..8 {
            match self.read_typed(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }
}

/// An error from inside a decoder: our own (the body failed) or the decoder's (corrupt data).
#[cfg(feature = "gzip")]
fn from_io(e: io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        if let Some(Ok(ours)) = e.into_inner().map(|inner| inner.downcast::<Error>()) {
            return *ours;
        }
        return Error::new(ErrorKind::Io, "reading the response body failed");
    }
    Error::new(ErrorKind::Decode, "corrupt compressed response body").with_source(e)
}

impl Read for ResponseReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.read_typed(out).map_err(io::Error::from)
    }
}
