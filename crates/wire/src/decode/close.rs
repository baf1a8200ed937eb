//! Close-delimited bodies: everything until the server closes.

/// Decodes a body that ends when the connection does.
#[derive(Debug, Clone, Default)]
pub struct CloseDecoder {
    received: u64,
    done: bool,
}

impl CloseDecoder {
    /// A decoder at the start of the body.
    pub fn new() -> CloseDecoder {
        CloseDecoder::default()
    }

    /// Passes everything through; returns `(input_used, output_used)`.
    pub fn decode(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        if self.done {
            return (0, 0);
        }
        let n = input.len().min(out.len());
        out[..n].copy_from_slice(&input[..n]);
        self.received += n as u64;
        (n, n)
    }

    /// Done only once the peer closed.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The close ends the body.
    pub fn on_eof(&mut self) {
        self.done = true;
    }

    /// Accounts for bytes delivered directly.
    pub fn consume(&mut self, n: u64) {
        self.received += n;
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }
}

#[cfg(test)]
mod tests {
    use crate::decode::testing::*;
    use crate::decode::BodyDecoder;
    use crate::framing::BodyKind;
    use crate::limits::Limits;

    #[test]
    fn close_body_ends_at_eof() {
        let make = || BodyDecoder::new(BodyKind::CloseDelimited, &Limits::default());
        for split in 0..=5 {
            let (a, b) = b"hello".split_at(split);
            let (body, used, d) = run(make(), &[a, b], 2, true).unwrap();
            assert_eq!((body.as_slice(), used), (&b"hello"[..], 5));
            assert!(d.is_done());
        }
        let (_, _, d) = run(make(), &[b"abc"], 8, false).unwrap();
        assert!(!d.is_done(), "done before eof");
    }
}
