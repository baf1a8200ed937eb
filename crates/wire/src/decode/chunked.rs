//! Chunked bodies (RFC 9112 §7.1), strictly: hex sizes without sign, prefix or whitespace,
//! extensions checked against the grammar and bounded, CRLF exactly where the grammar says.

use crate::decode::length::clamp;
use crate::error::Error;
use crate::header::HeaderMap;
use crate::limits::{Limits, MAX_TRAILERS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first hex digit of a size.
    SizeStart,
    /// Inside the hex digits.
    Size,
    /// Whitespace after the digits: only `;` may follow.
    SizeBws,
    Ext(Ext),
    /// After the size line's CR.
    SizeLf,
    Data,
    DataCr,
    DataLf,
    Trailers,
    Done,
}

/// Where we are inside `*( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ext {
    BeforeName,
    Name,
    AfterName,
    BeforeValue,
    Token,
    Quoted,
    QuotedEscape,
    AfterValue,
}

/// Decodes a chunked body, exposing its trailers when done.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    /// The size being parsed, then the data left in the current chunk.
    size: u64,
    /// Hex digits seen in the current size (leading zeros included).
    digits: u32,
    /// Extension (and excess leading-zero) bytes over the whole body.
    ext_bytes: usize,
    max_ext: usize,
    trailer_buf: Vec<u8>,
    max_trailer: usize,
    trailers: Option<HeaderMap>,
    received: u64,
    /// An error found after data already went out in the same call: that data is returned
    /// first (so `received` counts only what the caller got), the error on the next call.
    pending: Option<Error>,
}

const fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`'
        | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// `qdtext` from RFC 9110 §5.6.4.
const fn is_qdtext(b: u8) -> bool {
    b == b'\t' || b == b' ' || b == 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b != 0x7f)
}

impl ChunkedDecoder {
    /// A decoder at the start of a chunked body, under `limits`' extension and trailer budgets.
    pub fn new(limits: &Limits) -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::SizeStart,
            size: 0,
            digits: 0,
            ext_bytes: 0,
            max_ext: limits.max_chunk_extensions_bytes,
            trailer_buf: Vec::new(),
            max_trailer: limits.max_trailer_bytes,
            trailers: None,
            received: 0,
            pending: None,
        }
    }

    /// Whether the last chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The trailer fields (empty when there were none), once done.
    pub fn trailers(&self) -> Option<&HeaderMap> {
        self.trailers.as_ref()
    }

    /// Body bytes produced so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Bytes of the current chunk's data still to come (0 outside chunk data).
    pub fn data_remaining(&self) -> u64 {
        if self.state == State::Data {
            self.size
        } else {
            0
        }
    }

    /// Accounts for data bytes delivered directly (`n <= data_remaining()`).
    pub fn consume_data(&mut self, n: u64) {
        if self.state == State::Data {
            let n = n.min(self.size);
            self.size -= n;
            self.received += n;
            if self.size == 0 {
                self.state = State::DataCr;
            }
        }
    }

    /// An early close is an error; a close after the end is fine.
    pub fn on_eof(&mut self) -> Result<(), Error> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.state == State::Done {
            Ok(())
        } else {
            Err(Error::IncompleteChunkedBody {
                received: self.received,
            })
        }
    }

    /// Decodes from `input` into `out`; returns `(input_used, output_used)`. Stops at the end of
    /// the body, leaving later bytes unconsumed.
    pub fn decode(&mut self, input: &[u8], out: &mut [u8]) -> Result<(usize, usize), Error> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let mut i = 0;
        let mut o = 0;
        match self.decode_loop(input, out, &mut i, &mut o) {
            Err(e) if o > 0 => {
                self.pending = Some(e);
                Ok((i, o))
            }
            Err(e) => Err(e),
            Ok(()) => Ok((i, o)),
        }
    }

    /// The body of [`ChunkedDecoder::decode`], advancing `i` (input used) and `o` (output
    /// produced) as it goes, so both stand where an error stopped it.
    fn decode_loop(
        &mut self,
        input: &[u8],
        out: &mut [u8],
        i: &mut usize,
        o: &mut usize,
    ) -> Result<(), Error> {
        while *i < input.len() {
            match self.state {
                State::Done => break,
                State::Data => {
                    let n = clamp(self.size, (input.len() - *i).min(out.len() - *o));
                    if n == 0 {
                        break; // out is full
                    }
                    out[*o..*o + n].copy_from_slice(&input[*i..*i + n]);
                    *i += n;
                    *o += n;
                    self.consume_data(n as u64);
                }
                State::Trailers => {
                    *i += self.trailer_byte(input[*i])?;
                }
                _ => {
                    self.line_byte(input[*i])?;
                    *i += 1;
                }
            }
        }
        Ok(())
    }

    /// One byte of a size line or of the CRLF after data.
    fn line_byte(&mut self, b: u8) -> Result<(), Error> {
        self.state = match self.state {
            State::SizeStart | State::Size => match b {
                b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                    self.digit(b)?;
                    State::Size
                }
                _ if self.state == State::SizeStart => return Err(Error::InvalidChunkSize),
                b';' => self.ext_start()?,
                b' ' | b'\t' => {
                    self.count_ext()?;
                    State::SizeBws
                }
                b'\r' => State::SizeLf,
                // "5 xyz", "0x5", "-5", NUL: anything else makes the size ambiguous.
                _ => return Err(Error::InvalidChunkSize),
            },
            State::SizeBws => match b {
                b' ' | b'\t' => {
                    self.count_ext()?;
                    State::SizeBws
                }
                b';' => self.ext_start()?,
                _ => return Err(Error::InvalidChunkSize),
            },
            State::Ext(e) => {
                self.count_ext()?;
                self.ext_byte(e, b)?
            }
            State::SizeLf => {
                // A bare CR is a line end to some parsers and not to others: a desync risk.
                if b != b'\n' {
                    return Err(Error::InvalidChunkSize);
                }
                let size = self.size;
                self.digits = 0;
                if size == 0 {
                    State::Trailers
                } else {
                    State::Data
                }
            }
            State::DataCr if b == b'\r' => State::DataLf,
            State::DataLf if b == b'\n' => {
                self.size = 0;
                State::SizeStart
            }
            // Data longer than its size, or a bare LF: the chunk boundaries cannot be trusted.
            State::DataCr | State::DataLf => return Err(Error::MissingChunkCrlf),
            State::Data | State::Trailers | State::Done => unreachable!("handled by decode"),
        };
        Ok(())
    }

    fn digit(&mut self, b: u8) -> Result<(), Error> {
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => b - b'A' + 10,
        };
        self.digits += 1;
        if self.size == 0 && v == 0 && self.digits > 16 {
            // Leading zeros are valid but must not be an unbounded stream.
            self.count_ext()?;
        }
        // Over 16 significant hex digits cannot fit a u64; wrapping would shrink the chunk.
        if self.size > (u64::MAX >> 4) {
            return Err(Error::ChunkSizeOverflow);
        }
        self.size = (self.size << 4) | u64::from(v);
        Ok(())
    }

    fn ext_start(&mut self) -> Result<State, Error> {
        self.count_ext()?;
        Ok(State::Ext(Ext::BeforeName))
    }

    fn count_ext(&mut self) -> Result<(), Error> {
        self.ext_bytes += 1;
        if self.ext_bytes > self.max_ext {
            return Err(Error::ChunkExtensionsTooLarge {
                limit: self.max_ext,
            });
        }
        Ok(())
    }

    fn ext_byte(&mut self, e: Ext, b: u8) -> Result<State, Error> {
        let next = match (e, b) {
            (_, b'\r')
                if !matches!(
                    e,
                    Ext::Quoted | Ext::QuotedEscape | Ext::BeforeName | Ext::BeforeValue
                ) =>
            {
                return Ok(State::SizeLf)
            }
            (Ext::BeforeName, b) if is_ws(b) => Ext::BeforeName,
            (Ext::BeforeName, b) if is_tchar(b) => Ext::Name,
            (Ext::Name, b) if is_tchar(b) => Ext::Name,
            (Ext::Name | Ext::AfterName, b) if is_ws(b) => Ext::AfterName,
            (Ext::Name | Ext::AfterName, b'=') => Ext::BeforeValue,
            (Ext::Name | Ext::AfterName | Ext::Token | Ext::AfterValue, b';') => Ext::BeforeName,
            (Ext::BeforeValue, b) if is_ws(b) => Ext::BeforeValue,
            (Ext::BeforeValue, b'"') => Ext::Quoted,
            (Ext::BeforeValue | Ext::Token, b) if is_tchar(b) => Ext::Token,
            (Ext::Token | Ext::AfterValue, b) if is_ws(b) => Ext::AfterValue,
            (Ext::Quoted, b'"') => Ext::AfterValue,
            (Ext::Quoted, b'\\') => Ext::QuotedEscape,
            (Ext::Quoted, b) if is_qdtext(b) => Ext::Quoted,
            (Ext::QuotedEscape, b) if b == b'\t' || (b >= 0x20 && b != 0x7f) => Ext::Quoted,
            // A bare LF, an unbalanced quote running into CR, a stray byte: reject, since other
            // parsers may end the line somewhere else.
            _ => return Err(Error::InvalidChunkExtension),
        };
        Ok(State::Ext(next))
    }

    /// One byte of the trailer section; returns 1 (bytes used).
    fn trailer_byte(&mut self, b: u8) -> Result<usize, Error> {
        // The limit is on the fields: the blank line that ends the section always fits, so a
        // limit of 0 still takes a body without trailers.
        if self.trailer_buf.len() >= self.max_trailer.saturating_add(2) {
            return Err(Error::TrailersTooLarge {
                limit: self.max_trailer,
            });
        }
        // Only CRLF ends a line here: a bare LF is where parsers disagree.
        if b == b'\n' && self.trailer_buf.last() != Some(&b'\r') {
            return Err(Error::InvalidTrailer);
        }
        self.trailer_buf.push(b);
        let t = &self.trailer_buf;
        if t.as_slice() == b"\r\n" {
            self.trailers = Some(HeaderMap::new());
            self.trailer_buf = Vec::new();
            self.state = State::Done;
        } else if t.ends_with(b"\r\n\r\n") {
            self.parse_trailers()?;
            self.state = State::Done;
        }
        Ok(1)
    }

    fn parse_trailers(&mut self) -> Result<(), Error> {
        let mut slots = [httparse::EMPTY_HEADER; MAX_TRAILERS];
        match httparse::parse_headers(&self.trailer_buf, &mut slots) {
            Ok(httparse::Status::Complete((_, fields))) => {
                let mut map = HeaderMap::new();
                for f in fields {
                    map.push_unchecked(f.name.as_bytes(), f.value);
                }
                self.trailers = Some(map);
                self.trailer_buf = Vec::new();
                Ok(())
            }
            Err(httparse::Error::TooManyHeaders) => Err(Error::TrailersTooLarge {
                limit: self.max_trailer,
            }),
            _ => Err(Error::InvalidTrailer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ChunkedDecoder;
    use crate::decode::testing::*;
    use crate::decode::BodyDecoder;
    use crate::error::Error;
    use crate::framing::BodyKind;
    use crate::limits::Limits;

    fn make() -> BodyDecoder {
        BodyDecoder::new(BodyKind::Chunked, &Limits::default())
    }

    #[test]
    fn chunked_multi_chunks_decode_at_every_split() {
        check_all_splits(
            make,
            b"3\r\nhel\r\n3\r\nlo \r\n5\r\nworld\r\n0\r\n\r\n",
            b"hello world",
        );
    }

    #[test]
    fn chunked_hex_case_and_leading_zeros_decode() {
        let body = "x".repeat(0xAA);
        let input = format!("0aA\r\n{body}\r\n000\r\n\r\n");
        check_all_splits(make, input.as_bytes(), body.as_bytes());
        let many_zeros = format!("{}5\r\nhello\r\n0\r\n\r\n", "0".repeat(63));
        check_all_splits(make, many_zeros.as_bytes(), b"hello");
    }

    #[test]
    fn chunked_extensions_skipped() {
        check_all_splits(make, b"5;foo=bar\r\nhello\r\n0;baz\r\n\r\n", b"hello");
        check_all_splits(
            make,
            b"5 ; a = \"q\\\"x\" ;b\r\nhello\r\n0\r\n\r\n",
            b"hello",
        );
    }

    #[test]
    fn chunked_trailers_parsed_and_exposed() {
        let input = b"5\r\nhello\r\n0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n";
        check_all_splits(make, input, b"hello");
        let (_, _, d) = run(make(), &[input], 64, false).unwrap();
        let t = d.trailers().unwrap();
        assert_eq!(
            (t.get("x-trailer"), t.get("x-other")),
            (Some("yes"), Some("1"))
        );
    }

    #[test]
    fn chunked_body_after_last_chunk_left_unconsumed() {
        let input = b"5\r\nhello\r\n0\r\n\r\n5\r\nworld\r\n0\r\n\r\n";
        let (body, used, d) = run(make(), &[input], 64, false).unwrap();
        assert_eq!((body.as_slice(), used), (&b"hello"[..], 15));
        assert!(d.is_done());
    }

    #[test]
    fn chunked_bad_size_lines_error() {
        for bad in [
            &b"0x5\r\nhello\r\n0\r\n\r\n"[..],
            b"5 xyz\r\nhello\r\n0\r\n\r\n",
            b" 5\r\nhello\r\n0\r\n\r\n",
            b"-5\r\nhello\r\n0\r\n\r\n",
            b"+5\r\nhello\r\n0\r\n\r\n",
            b"g\r\nhello\r\n0\r\n\r\n",
            b"5\0\r\nhello\r\n0\r\n\r\n",
            b"0_5\r\nhello\r\n0\r\n\r\n",
            b"F\rF\r\n",
            b"5\nhello\r\n0\r\n\r\n",
        ] {
            check_error(make, bad, Error::InvalidChunkSize);
        }
    }

    #[test]
    fn chunked_size_overflow_errors() {
        check_error(
            make,
            b"f0000000000000003\r\nabc\r\n0\r\n\r\n",
            Error::ChunkSizeOverflow,
        );
        // 16 digits is the most a u64 holds, and is fine as a size.
        let mut d = make();
        let mut out = [0u8; 4];
        assert!(d.decode(b"ffffffffffffffff\r\nab", &mut out).is_ok());
    }

    #[test]
    fn chunked_bad_extensions_error() {
        check_error(
            make,
            b"5;reject\nnewlines\r\nhello\r\n0\r\n\r\n",
            Error::InvalidChunkExtension,
        );
        check_error(
            make,
            b"5;a=\"abc\r\nhello\r\n0\r\n\r\n",
            Error::InvalidChunkExtension,
        );
        check_error(
            make,
            b"5;=x\r\nhello\r\n0\r\n\r\n",
            Error::InvalidChunkExtension,
        );
    }

    #[test]
    fn chunked_extensions_over_budget_error() {
        let limits = Limits {
            max_chunk_extensions_bytes: 64,
            ..Limits::default()
        };
        let ext = format!("1;{}\r\na\r\n", "e".repeat(40));
        let input = format!("{ext}{ext}0\r\n\r\n");
        let r = run(
            BodyDecoder::new(BodyKind::Chunked, &limits),
            &[input.as_bytes()],
            64,
            true,
        );
        assert_eq!(r.unwrap_err(), Error::ChunkExtensionsTooLarge { limit: 64 });
    }

    #[test]
    fn chunked_bad_crlf_after_data_errors() {
        check_error(make, b"3\r\nhello\r\n0\r\n\r\n", Error::MissingChunkCrlf);
        check_error(make, b"5\r\nhello\n0\r\n\r\n", Error::MissingChunkCrlf);
    }

    #[test]
    fn chunked_bad_trailers_error() {
        check_error(
            make,
            b"5\r\nhello\r\n0\r\nbad\r\r\n\r\n",
            Error::InvalidTrailer,
        );
        check_error(make, b"5\r\nhello\r\n0\r\n\n", Error::InvalidTrailer);
        let limits = Limits {
            max_trailer_bytes: 16,
            ..Limits::default()
        };
        let r = run(
            BodyDecoder::new(BodyKind::Chunked, &limits),
            &[b"0\r\nX-Long: aaaaaaaaaaaaaaaaaaaa\r\n\r\n"],
            8,
            true,
        );
        assert_eq!(r.unwrap_err(), Error::TrailersTooLarge { limit: 16 });
        // The limit counts the fields, not the blank line that ends the section: 0 means
        // "no trailers", and an exact fit passes.
        let limits = |n| Limits {
            max_trailer_bytes: n,
            ..Limits::default()
        };
        for input in [&b"5\r\nhello\r\n0\r\n\r\n"[..], b"0\r\n\r\n"] {
            let r = run(
                BodyDecoder::new(BodyKind::Chunked, &limits(0)),
                &[input],
                3,
                true,
            );
            assert!(r.is_ok(), "{r:?}");
        }
        let r = run(
            BodyDecoder::new(BodyKind::Chunked, &limits(0)),
            &[b"0\r\nX: y\r\n\r\n"],
            3,
            true,
        );
        assert_eq!(r.unwrap_err(), Error::TrailersTooLarge { limit: 0 });
        let fits = run(
            BodyDecoder::new(BodyKind::Chunked, &limits(6)),
            &[b"0\r\nX: y\r\n\r\n"],
            3,
            true,
        );
        assert!(fits.is_ok(), "{fits:?}");
    }

    #[test]
    fn chunked_error_after_data_returns_the_data_first() {
        let mut d = ChunkedDecoder::new(&Limits::default());
        let mut out = [0u8; 64];
        let input = b"5\r\nhello\r\nZZ\r\n";
        let (used, produced) = d.decode(input, &mut out).unwrap();
        assert_eq!(&out[..produced], b"hello");
        assert_eq!(used, 10, "stops at the bad size byte");
        assert_eq!(d.received(), 5);
        assert_eq!(
            d.decode(&input[used..], &mut out),
            Err(Error::InvalidChunkSize)
        );
        // Nothing pending any more: the caller owns the error now.
        let mut d = ChunkedDecoder::new(&Limits::default());
        d.decode(input, &mut out).unwrap();
        assert_eq!(d.on_eof(), Err(Error::InvalidChunkSize));
    }

    #[test]
    fn chunked_early_eof_reports_received() {
        check_error(
            make,
            b"5\r\nhello\r\n",
            Error::IncompleteChunkedBody { received: 5 },
        );
        check_error(
            make,
            b"5\r\nhel",
            Error::IncompleteChunkedBody { received: 3 },
        );
        check_error(
            make,
            b"5\r\nhello\r\n0\r\n",
            Error::IncompleteChunkedBody { received: 5 },
        );
    }

    #[test]
    fn chunked_direct_window_covers_only_data() {
        let mut d = make();
        let mut out = [0u8; 16];
        assert_eq!(d.decode(b"a\r\n", &mut out).unwrap(), (3, 0));
        assert_eq!(d.direct_window(), 10);
        d.consume_direct(10);
        assert_eq!(d.direct_window(), 0);
        assert_eq!(d.decode(b"\r\n0\r\n\r\n", &mut out).unwrap(), (7, 0));
        assert!(d.is_done());
        assert_eq!(d.received(), 10);
    }
}
