//! Body decoders (sans-IO): each turns wire bytes into body bytes.
//!
//! Every decoder has the same shape: `decode(input, out) -> (input_used, output_used)`, leaving
//! any bytes after the body unconsumed; `is_done()`; `on_eof()` when the peer closes; and a
//! "direct" window telling the blocking reader how many raw bytes it may read straight into the
//! caller's buffer because they are body data as they stand.

mod chunked;
mod close;
mod length;

pub use chunked::ChunkedDecoder;
pub use close::CloseDecoder;
pub use length::LengthDecoder;

use crate::error::Error;
use crate::framing::BodyKind;
use crate::header::HeaderMap;
use crate::limits::Limits;

/// Any of the body decoders, with sticky errors: once one fails, it fails the same way forever.
#[derive(Debug, Clone)]
pub struct BodyDecoder {
    inner: Inner,
    error: Option<Error>,
}

#[derive(Debug, Clone)]
enum Inner {
    Empty,
    Length(LengthDecoder),
    Chunked(Box<ChunkedDecoder>),
    Close(CloseDecoder),
}

impl BodyDecoder {
    /// The decoder for a body of this kind.
    pub fn new(kind: BodyKind, limits: &Limits) -> BodyDecoder {
        let inner = match kind {
            BodyKind::Empty => Inner::Empty,
            BodyKind::Length(0) => Inner::Empty,
            BodyKind::Length(n) => Inner::Length(LengthDecoder::new(n)),
            BodyKind::Chunked => Inner::Chunked(Box::new(ChunkedDecoder::new(limits))),
            BodyKind::CloseDelimited => Inner::Close(CloseDecoder::new()),
        };
        BodyDecoder { inner, error: None }
    }

    /// Decodes from `input` into `out`; returns `(input_used, output_used)`.
    pub fn decode(&mut self, input: &[u8], out: &mut [u8]) -> Result<(usize, usize), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let r = match &mut self.inner {
            Inner::Empty => Ok((0, 0)),
            Inner::Length(d) => Ok(d.decode(input, out)),
            Inner::Chunked(d) => d.decode(input, out),
            Inner::Close(d) => Ok(d.decode(input, out)),
        };
        self.stick(r)
    }

    /// Whether the whole body has been decoded.
    pub fn is_done(&self) -> bool {
        self.error.is_none()
            && match &self.inner {
                Inner::Empty => true,
                Inner::Length(d) => d.is_done(),
                Inner::Chunked(d) => d.is_done(),
                Inner::Close(d) => d.is_done(),
            }
    }

    /// The peer closed the connection: fine for a close-delimited or finished body, an
    /// incomplete-body error otherwise.
    pub fn on_eof(&mut self) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let r = match &mut self.inner {
            Inner::Empty => Ok(()),
            Inner::Length(d) => d.on_eof(),
            Inner::Chunked(d) => d.on_eof(),
            Inner::Close(d) => {
                d.on_eof();
                Ok(())
            }
        };
        self.stick(r)
    }

    /// Records an error from outside (a failed read) so later calls repeat it.
    pub fn fail(&mut self, e: Error) -> Error {
        self.error.get_or_insert(e).clone()
    }

    /// How many raw bytes from the transport are body data as they stand (0 when the next
    /// bytes are framing).
    pub fn direct_window(&self) -> u64 {
        if self.error.is_some() {
            return 0;
        }
        match &self.inner {
            Inner::Empty => 0,
            Inner::Length(d) => d.remaining(),
            Inner::Chunked(d) => d.data_remaining(),
            Inner::Close(d) => {
                if d.is_done() {
                    0
                } else {
                    u64::MAX
                }
            }
        }
    }

    /// Accounts for `n` bytes read straight into the caller's buffer (`n <= direct_window()`).
    pub fn consume_direct(&mut self, n: usize) {
        match &mut self.inner {
            Inner::Empty => {}
            Inner::Length(d) => d.consume(n as u64),
            Inner::Chunked(d) => d.consume_data(n as u64),
            Inner::Close(d) => d.consume(n as u64),
        }
    }

    /// Body bytes produced so far.
    pub fn received(&self) -> u64 {
        match &self.inner {
            Inner::Empty => 0,
            Inner::Length(d) => d.received(),
            Inner::Chunked(d) => d.received(),
            Inner::Close(d) => d.received(),
        }
    }

    /// The chunked body's trailer fields, once it is done.
    pub fn trailers(&self) -> Option<&HeaderMap> {
        match &self.inner {
            Inner::Chunked(d) => d.trailers(),
            _ => None,
        }
    }

    fn stick<T>(&mut self, r: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &r {
            self.error = Some(e.clone());
        }
        r
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Feeds a decoder the same input in every way the network could deliver it.

    use super::*;

    /// Runs `dec` over `pieces` (delivered one after another) with an output buffer of
    /// `out_size`, then signals EOF when `eof`. Returns the body and how many input bytes were
    /// used, or the first error.
    pub fn run(
        mut dec: BodyDecoder,
        pieces: &[&[u8]],
        out_size: usize,
        eof: bool,
    ) -> Result<(Vec<u8>, usize, BodyDecoder), Error> {
        let mut pending: Vec<u8> = Vec::new();
        let mut body = Vec::new();
        let mut used_total = 0;
        let mut out = vec![0u8; out_size];
        for piece in pieces {
            pending.extend_from_slice(piece);
            // Bounded: every turn either uses input, produces output, or stops.
            for _ in 0..(pending.len() + 2) * 4 + 16 {
                let (used, produced) = dec.decode(&pending, &mut out)?;
                body.extend_from_slice(&out[..produced]);
                pending.drain(..used);
                used_total += used;
                if used == 0 && produced == 0 {
                    break;
                }
            }
        }
        if eof && !dec.is_done() {
            dec.on_eof()?;
        }
        Ok((body, used_total, dec))
    }

    /// Checks that `input` decodes to `body` whole, at every two-way split, one byte at a time,
    /// with tiny output buffers, and that `trailing` bytes after it stay unconsumed.
    pub fn check_all_splits(make: impl Fn() -> BodyDecoder, input: &[u8], body: &[u8]) {
        let trailing = b"HTTP/1.1 200 OK\r\n";
        let mut with_trailing = input.to_vec();
        with_trailing.extend_from_slice(trailing);
        let (got, used, dec) = run(make(), &[&with_trailing], 64 * 1024, false).unwrap();
        assert_eq!(got, body, "whole");
        assert!(dec.is_done(), "whole: not done");
        assert_eq!(used, input.len(), "trailing bytes were consumed");
        for split in 0..=input.len() {
            let (a, b) = input.split_at(split);
            let (got, used, dec) = run(make(), &[a, b], 7, false).unwrap();
            assert_eq!(got, body, "split at {split}");
            assert!(dec.is_done(), "split at {split}: not done");
            assert_eq!(used, input.len());
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let (got, _, dec) = run(make(), &bytes, 1, false).unwrap();
        assert_eq!(got, body, "byte at a time");
        assert!(dec.is_done());
    }

    /// Checks that `input` fails with `err` however it is split.
    pub fn check_error(make: impl Fn() -> BodyDecoder, input: &[u8], err: Error) {
        assert_eq!(run(make(), &[input], 4096, true).unwrap_err(), err, "whole");
        for split in 0..=input.len() {
            let (a, b) = input.split_at(split);
            assert_eq!(
                run(make(), &[a, b], 3, true).unwrap_err(),
                err,
                "split at {split}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn decoder_errors_are_sticky() {
        let mut d = BodyDecoder::new(BodyKind::Chunked, &Limits::default());
        let mut out = [0u8; 8];
        assert!(d.decode(b"zz\r\n", &mut out).is_err());
        assert_eq!(
            d.decode(b"5\r\nhello", &mut out),
            Err(Error::InvalidChunkSize)
        );
        assert_eq!(d.on_eof(), Err(Error::InvalidChunkSize));
        assert!(!d.is_done());
        assert_eq!(d.direct_window(), 0);
    }

    #[test]
    fn decoder_empty_is_done_without_input() {
        let d = BodyDecoder::new(BodyKind::Length(0), &Limits::default());
        let (body, used, d) = run(d, &[b"HTTP/1.1"], 8, false).unwrap();
        assert!(body.is_empty() && used == 0 && d.is_done());
    }
}

/// `min(window, n)` for sizing a direct read.
pub(crate) fn clamp_window(window: u64, n: usize) -> usize {
    length::clamp(window, n)
}
