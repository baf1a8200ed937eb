//! Chunked request bodies: a size line before the caller's bytes and CRLF after them; the
//! bytes themselves are never copied by the encoder.

/// The last chunk with an empty trailer section.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Writes the size line for a chunk of `len` bytes (`len > 0`) into `buf`; returns its length.
///
/// ```
/// let mut buf = [0u8; 18];
/// let n = wirequest_wire::chunk_header(26, &mut buf);
/// assert_eq!(&buf[..n], b"1a\r\n");
/// ```
pub fn chunk_header(len: usize, buf: &mut [u8; 18]) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = len as u64;
    loop {
        i -= 1;
        digits[i] = HEX[(n & 0xf) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    let d = &digits[i..];
    buf[..d.len()].copy_from_slice(d);
    buf[d.len()..d.len() + 2].copy_from_slice(b"\r\n");
    d.len() + 2
}

/// Frames a body of unknown length as chunks.
#[derive(Debug, Clone, Default)]
pub struct ChunkedEncoder {
    finished: bool,
}

impl ChunkedEncoder {
    /// An encoder at the start of a body.
    pub fn new() -> ChunkedEncoder {
        ChunkedEncoder::default()
    }

    /// The framing around `data`: `(size line, trailing CRLF)`. Empty data gives empty framing,
    /// since a zero-size chunk would end the body early.
    pub fn frame(&self, data: &[u8], header: &mut [u8; 18]) -> (usize, &'static [u8]) {
        if data.is_empty() || self.finished {
            return (0, b"");
        }
        (chunk_header(data.len(), header), b"\r\n")
    }

    /// The bytes that end the body; empty after the first call.
    pub fn finish(&mut self) -> &'static [u8] {
        if self.finished {
            return b"";
        }
        self.finished = true;
        LAST_CHUNK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::BodyDecoder;
    use crate::framing::BodyKind;
    use crate::limits::Limits;

    fn encode(pieces: &[&[u8]]) -> Vec<u8> {
        let mut e = ChunkedEncoder::new();
        let mut out = Vec::new();
        for p in pieces {
            let mut h = [0u8; 18];
            let (n, tail) = e.frame(p, &mut h);
            out.extend_from_slice(&h[..n]);
            out.extend_from_slice(p);
            out.extend_from_slice(tail);
        }
        out.extend_from_slice(e.finish());
        assert!(e.finish().is_empty());
        out
    }

    #[test]
    fn chunked_encoder_skips_empty_pieces() {
        assert_eq!(
            encode(&[b"ab", b"", b"cde"]),
            b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"
        );
        assert_eq!(encode(&[]), b"0\r\n\r\n");
    }

    #[test]
    fn chunked_encoder_roundtrips_through_decoder() {
        let big = vec![7u8; 70_000];
        let input = encode(&[b"x", &big, b"yz"]);
        let mut d = BodyDecoder::new(BodyKind::Chunked, &Limits::default());
        let mut out = vec![0u8; 100_000];
        let (used, produced) = d.decode(&input, &mut out).unwrap();
        assert_eq!((used, produced), (input.len(), 70_003));
        assert!(d.is_done());
    }

    #[test]
    fn chunk_header_formats_hex() {
        let mut b = [0u8; 18];
        for (len, want) in [(1usize, "1"), (15, "f"), (16, "10"), (65536, "10000")] {
            let n = chunk_header(len, &mut b);
            assert_eq!(&b[..n], format!("{want}\r\n").as_bytes());
        }
    }
}
