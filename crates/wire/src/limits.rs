//! Every limit the engine enforces, each a named constant with its unit and precedent.

/// Longest response head (status line, headers, final blank line), in bytes.
/// Precedent: 64 KiB is hyper's default `max_buf_size` floor and twice curl's per-header cap.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Most header fields in one response head. Precedent: curl and hyper both stop at 100.
pub const MAX_HEADERS: usize = 100;

/// Most bytes of chunk extensions over a whole body, in bytes. Precedent: hyper bounds
/// extensions to 16 KiB per message to stop a peer streaming them forever.
pub const MAX_CHUNK_EXTENSIONS_BYTES: usize = 16 * 1024;

/// Longest trailer section, in bytes of its fields (the blank line that ends it is not counted,
/// so 0 means no trailers). Precedent: hyper's 16 KiB trailer budget.
pub const MAX_TRAILER_BYTES: usize = 16 * 1024;

/// Most trailer fields parsed. Precedent: the header count limit, scaled down as trailers are rare.
pub const MAX_TRAILERS: usize = 32;

/// The limits one exchange runs under; `Default` gives the constants above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_HEAD_BYTES`].
    pub max_head_bytes: usize,
    /// See [`MAX_HEADERS`].
    pub max_headers: usize,
    /// See [`MAX_CHUNK_EXTENSIONS_BYTES`].
    pub max_chunk_extensions_bytes: usize,
    /// See [`MAX_TRAILER_BYTES`].
    pub max_trailer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: MAX_HEAD_BYTES,
            max_headers: MAX_HEADERS,
            max_chunk_extensions_bytes: MAX_CHUNK_EXTENSIONS_BYTES,
            max_trailer_bytes: MAX_TRAILER_BYTES,
        }
    }
}
