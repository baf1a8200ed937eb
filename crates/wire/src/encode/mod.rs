//! Body encoders (sans-IO): framing the caller's bytes without copying them.

mod chunked;
mod length;

pub use chunked::{chunk_header, ChunkedEncoder, LAST_CHUNK};
pub use length::LengthEncoder;
