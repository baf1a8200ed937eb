//! `Content-Length` bodies.

use crate::error::Error;

/// Decodes a body of a known length.
#[derive(Debug, Clone)]
pub struct LengthDecoder {
    expected: u64,
    remaining: u64,
}

impl LengthDecoder {
    /// A decoder for exactly `n` bytes.
    pub fn new(n: u64) -> LengthDecoder {
        LengthDecoder {
            expected: n,
            remaining: n,
        }
    }

    /// Copies up to the remaining length; returns `(input_used, output_used)`.
    pub fn decode(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        let n = clamp(self.remaining, input.len().min(out.len()));
        out[..n].copy_from_slice(&input[..n]);
        self.remaining -= n as u64;
        (n, n)
    }

    /// Whether every byte arrived.
    pub fn is_done(&self) -> bool {
        self.remaining == 0
    }

    /// An early close is an error carrying the counts.
    pub fn on_eof(&mut self) -> Result<(), Error> {
        if self.remaining == 0 {
            Ok(())
        } else {
            Err(Error::IncompleteBody {
                received: self.received(),
                expected: self.expected,
            })
        }
    }

    /// Bytes still expected.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Accounts for bytes delivered directly.
    pub fn consume(&mut self, n: u64) {
        self.remaining -= n.min(self.remaining);
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.expected - self.remaining
    }
}

/// `min(limit, n)` without truncating a `u64` on 32-bit targets.
pub(crate) fn clamp(limit: u64, n: usize) -> usize {
    if limit < n as u64 {
        limit as usize
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use crate::decode::testing::*;
    use crate::decode::BodyDecoder;
    use crate::error::Error;
    use crate::framing::BodyKind;
    use crate::limits::Limits;

    fn make(n: u64) -> impl Fn() -> BodyDecoder {
        move || BodyDecoder::new(BodyKind::Length(n), &Limits::default())
    }

    #[test]
    fn length_exact_body_decodes_and_leaves_trailing() {
        check_all_splits(make(5), b"hello", b"hello");
    }

    #[test]
    fn length_short_then_eof_reports_counts() {
        check_error(
            make(10),
            b"hello",
            Error::IncompleteBody {
                received: 5,
                expected: 10,
            },
        );
    }

    #[test]
    fn length_direct_window_counts_down() {
        let mut d = make(10)();
        assert_eq!(d.direct_window(), 10);
        d.consume_direct(4);
        assert_eq!(d.direct_window(), 6);
        assert_eq!(d.received(), 4);
    }
}
