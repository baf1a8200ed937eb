//! The engine's one error type.

use std::fmt;
use std::io;

/// Everything that can go wrong in the engine.
///
/// Flat, comparable and `#[non_exhaustive]`: callers match on the variants they care about and
/// use [`Error::class`] for the rest. Early-EOF variants carry byte counts so a short body is never
/// mistaken for a whole one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ---- caller input, found before a byte is sent ----
    /// The method is not an RFC 9110 token.
    InvalidMethod,
    /// A header name is not a token.
    InvalidHeaderName(String),
    /// A header value holds CR, LF or NUL (or another byte that is never valid).
    InvalidHeaderValue(String),
    /// The request target is empty or holds spaces or control bytes.
    InvalidTarget,
    /// `Host` given more than once, which a server must answer with 400 (RFC 9112 §3.2).
    DuplicateHost,
    /// The caller's `Content-Length`/`Transfer-Encoding` disagrees with the body.
    ConflictingFraming(&'static str),
    /// A sized request body produced a different number of bytes than announced.
    BodyLengthMismatch {
        /// Bytes announced in `Content-Length`.
        expected: u64,
        /// Bytes the body actually produced (counting stops one past `expected`).
        actual: u64,
    },

    // ---- the peer broke HTTP/1.1 ----
    /// The status line or a header line is malformed (httparse's reason attached).
    MalformedHead(&'static str),
    /// A version other than HTTP/1.0 or HTTP/1.1.
    UnsupportedVersion,
    /// A `101 Switching Protocols` the client never asked for.
    UnexpectedSwitchingProtocols,
    /// `Content-Length` is not a plain decimal number that fits in a `u64`.
    InvalidContentLength,
    /// Several `Content-Length` values that differ.
    ConflictingContentLength,
    /// Both `Transfer-Encoding` and `Content-Length` in one response.
    TransferEncodingWithContentLength,
    /// `Transfer-Encoding` in an HTTP/1.0 response.
    TransferEncodingOnHttp10,
    /// A transfer coding this engine does not decode (only `chunked` is), or `chunked` twice.
    UnsupportedTransferCoding(String),
    /// A chunk-size line that is not hex digits with optional extensions.
    InvalidChunkSize,
    /// A chunk size over 16 hex digits (more than a `u64` holds).
    ChunkSizeOverflow,
    /// A chunk extension that breaks the RFC 9112 grammar.
    InvalidChunkExtension,
    /// Something other than CRLF after a chunk's data.
    MissingChunkCrlf,
    /// A malformed trailer field.
    InvalidTrailer,

    // ---- limits ----
    /// The response head (status line and headers) is over the byte limit.
    HeadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// More header fields than the limit.
    TooManyHeaders {
        /// The limit in fields.
        limit: usize,
    },
    /// Chunk extensions over their byte limit.
    ChunkExtensionsTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The trailer section over its byte limit.
    TrailersTooLarge {
        /// The limit in bytes.
        limit: usize,
    },

    // ---- early ends ----
    /// The connection closed before a whole response head arrived.
    IncompleteHead {
        /// Bytes of the head received.
        received: usize,
    },
    /// The connection closed before `Content-Length` bytes arrived.
    IncompleteBody {
        /// Body bytes received.
        received: u64,
        /// Body bytes announced.
        expected: u64,
    },
    /// The connection closed before the chunked body's last chunk and trailers.
    IncompleteChunkedBody {
        /// Body bytes received.
        received: u64,
    },

    // ---- transport ----
    /// A read, write or connect timeout (or the deadline) ran out.
    Timeout(&'static str),
    /// Name resolution or connecting failed.
    Connect(String),
    /// The TLS handshake failed or the certificate was rejected.
    Tls(String),
    /// Any other I/O failure.
    Io(io::ErrorKind, String),
    /// The caller's request body reader failed (not the connection).
    BodyRead(io::ErrorKind, String),
}

/// The broad class of an [`Error`], for mapping onto user-facing kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The caller's request was invalid; nothing was sent.
    InvalidInput,
    /// The peer broke HTTP/1.1.
    Protocol,
    /// The message ended early.
    Incomplete,
    /// A limit was exceeded.
    TooLarge,
    /// A timeout ran out.
    Timeout,
    /// Connecting failed.
    Connect,
    /// TLS failed.
    Tls,
    /// Other I/O failure.
    Io,
}

impl Error {
    /// The broad class of this error.
    pub fn class(&self) -> ErrorClass {
        use Error::*;
        match self {
            InvalidMethod
            | InvalidHeaderName(_)
            | InvalidHeaderValue(_)
            | InvalidTarget
            | DuplicateHost
            | ConflictingFraming(_)
            | BodyLengthMismatch { .. } => ErrorClass::InvalidInput,
            MalformedHead(_)
            | UnsupportedVersion
            | UnexpectedSwitchingProtocols
            | InvalidContentLength
            | ConflictingContentLength
            | TransferEncodingWithContentLength
            | TransferEncodingOnHttp10
            | UnsupportedTransferCoding(_)
            | InvalidChunkSize
            | ChunkSizeOverflow
            | InvalidChunkExtension
            | MissingChunkCrlf
            | InvalidTrailer => ErrorClass::Protocol,
            HeadTooLarge { .. }
            | TooManyHeaders { .. }
            | ChunkExtensionsTooLarge { .. }
            | TrailersTooLarge { .. } => ErrorClass::TooLarge,
            IncompleteHead { .. } | IncompleteBody { .. } | IncompleteChunkedBody { .. } => {
                ErrorClass::Incomplete
            }
            Timeout(_) => ErrorClass::Timeout,
            Connect(_) => ErrorClass::Connect,
            Tls(_) => ErrorClass::Tls,
            Io(..) | BodyRead(..) => ErrorClass::Io,
        }
    }

    /// Maps an I/O error from a socket: timeouts become [`Error::Timeout`] naming `what`
    /// ("read", "write"), TLS failures surfaced through `io` become [`Error::Tls`].
    pub fn from_io(err: io::Error, what: &'static str) -> Error {
        match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::Timeout(what),
            kind => {
                #[cfg(feature = "tls")]
                if err
                    .get_ref()
                    .is_some_and(|inner| inner.is::<rustls::Error>())
                {
                    return Error::Tls(err.to_string());
                }
                Error::Io(kind, err.to_string())
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            InvalidMethod => f.write_str("invalid method: not a token"),
            InvalidHeaderName(n) => write!(f, "invalid header name {n:?}"),
            InvalidHeaderValue(n) => {
                write!(f, "invalid value for header {n:?}: CR, LF, NUL or surrounding whitespace")
            }
            InvalidTarget => f.write_str("invalid request target: empty, or holds spaces or control bytes"),
            DuplicateHost => f.write_str("the Host header is given more than once"),
            ConflictingFraming(why) => write!(f, "conflicting request framing: {why}"),
            BodyLengthMismatch { expected, actual } => write!(
                f,
                "request body length mismatch: announced {expected} bytes, body gave {actual}"
            ),
            MalformedHead(why) => write!(f, "malformed response head: {why}"),
            UnsupportedVersion => f.write_str("unsupported http version (only HTTP/1.0 and HTTP/1.1)"),
            UnexpectedSwitchingProtocols => f.write_str("unexpected 101 switching protocols"),
            InvalidContentLength => f.write_str("invalid content-length value"),
            ConflictingContentLength => f.write_str("differing content-length values"),
            TransferEncodingWithContentLength => {
                f.write_str("both transfer-encoding and content-length in a response")
            }
            TransferEncodingOnHttp10 => f.write_str("transfer-encoding in an HTTP/1.0 response"),
            UnsupportedTransferCoding(c) => write!(f, "unsupported transfer-encoding {c:?}"),
            InvalidChunkSize => f.write_str("invalid chunk size line"),
            ChunkSizeOverflow => f.write_str("chunk size overflows 64 bits"),
            InvalidChunkExtension => f.write_str("invalid chunk extension"),
            MissingChunkCrlf => f.write_str("missing crlf after chunk data"),
            InvalidTrailer => f.write_str("invalid trailer field"),
            HeadTooLarge { limit } => write!(f, "response head over {limit} bytes"),
            TooManyHeaders { limit } => write!(f, "more than {limit} response header fields"),
            ChunkExtensionsTooLarge { limit } => write!(f, "chunk extensions over {limit} bytes"),
            TrailersTooLarge { limit } => write!(f, "trailer section over {limit} bytes"),
            IncompleteHead { received } => write!(
                f,
                "connection closed before the response head was complete ({received} bytes received)"
            ),
            IncompleteBody { received, expected } => write!(
                f,
                "connection closed after {received} of {expected} body bytes"
            ),
            IncompleteChunkedBody { received } => write!(
                f,
                "connection closed inside a chunked body after {received} bytes"
            ),
            Timeout(what) => write!(f, "{what} timed out"),
            Connect(msg) => write!(f, "connect failed: {msg}"),
            Tls(msg) => write!(f, "tls: {msg}"),
            Io(_, msg) => write!(f, "i/o error: {msg}"),
            BodyRead(_, msg) => write!(f, "reading the request body failed: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
