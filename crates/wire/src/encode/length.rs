//! `Content-Length` request bodies: the body must produce exactly the announced bytes.

use crate::error::Error;

/// Counts a sized body's bytes against its announced length.
#[derive(Debug, Clone)]
pub struct LengthEncoder {
    expected: u64,
    written: u64,
}

impl LengthEncoder {
    /// An encoder for exactly `n` bytes.
    pub fn new(n: u64) -> LengthEncoder {
        LengthEncoder {
            expected: n,
            written: 0,
        }
    }

    /// Accepts `n` more bytes, or errors when they would overrun the length (the server would
    /// take the excess as the start of another request).
    pub fn encode(&mut self, n: usize) -> Result<(), Error> {
        let after = self.written + n as u64;
        if after > self.expected {
            return Err(Error::BodyLengthMismatch {
                expected: self.expected,
                actual: after,
            });
        }
        self.written = after;
        Ok(())
    }

    /// Bytes still owed.
    pub fn remaining(&self) -> u64 {
        self.expected - self.written
    }

    /// Ends the body: an error when it fell short (the server would wait for the rest).
    pub fn finish(&self) -> Result<(), Error> {
        if self.written == self.expected {
            Ok(())
        } else {
            Err(Error::BodyLengthMismatch {
                expected: self.expected,
                actual: self.written,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_encoder_exact_finishes() {
        let mut e = LengthEncoder::new(5);
        e.encode(2).unwrap();
        e.encode(0).unwrap();
        e.encode(3).unwrap();
        assert_eq!(e.remaining(), 0);
        e.finish().unwrap();
    }

    #[test]
    fn length_encoder_too_many_or_few_errors() {
        let mut e = LengthEncoder::new(3);
        assert_eq!(
            e.encode(4),
            Err(Error::BodyLengthMismatch {
                expected: 3,
                actual: 4
            })
        );
        e.encode(2).unwrap();
        assert_eq!(
            e.finish(),
            Err(Error::BodyLengthMismatch {
                expected: 3,
                actual: 2
            })
        );
    }
}
