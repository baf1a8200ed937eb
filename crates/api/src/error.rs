//! The one error type users see, and what kind of failure it is.

use std::error::Error as StdError;
use std::fmt;

use url::Url;

/// What went wrong, as a word a program can match on. `Display` gives the snake_case word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Unparsable URL, unsupported scheme, no host (requests' `InvalidURL`, `MissingSchema`).
    InvalidUrl,
    /// A header name that is not a token, or a value with CR, LF or NUL (`InvalidHeader`).
    InvalidHeader,
    /// A method name that is not a token.
    InvalidMethod,
    /// DNS failure, connection refused or unreachable, proxy refused (`ConnectionError`).
    Connect,
    /// A connect, read or write timeout, or the overall deadline, ran out (`Timeout`).
    Timeout,
    /// The TLS handshake failed or the certificate was rejected (`SSLError`).
    Tls,
    /// The server broke HTTP/1.1: bad status line, bad header, bad or conflicting framing.
    Protocol,
    /// The body ended early (`ChunkedEncodingError`).
    Incomplete,
    /// A head, header count or buffered body over its limit.
    TooLarge,
    /// More redirects than allowed, or a loop (`TooManyRedirects`).
    TooManyRedirects,
    /// From [`Response::error_for_status`](crate::Response::error_for_status) (`HTTPError`).
    Status,
    /// JSON or content decoding failed (`JSONDecodeError`, `ContentDecodingError`).
    Decode,
    /// Any other I/O failure, including a request body reader's own error.
    Io,
}

impl ErrorKind {
    /// The snake_case word for this kind, as `Display` prints it.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::InvalidUrl => "invalid_url",
            ErrorKind::InvalidHeader => "invalid_header",
            ErrorKind::InvalidMethod => "invalid_method",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Incomplete => "incomplete",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::TooManyRedirects => "too_many_redirects",
            ErrorKind::Status => "status",
            ErrorKind::Decode => "decode",
            ErrorKind::Io => "io",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type Source = Box<dyn StdError + Send + Sync + 'static>;

/// A failed request: its [`ErrorKind`], the URL it concerned, the status for
/// [`ErrorKind::Status`], and the underlying cause through [`std::error::Error::source`].
///
/// `Display` is one line holding the message, the URL and the whole cause chain.
///
/// ```
/// let err = wirequest::get("no scheme here").send().unwrap_err();
/// assert_eq!(err.kind(), wirequest::ErrorKind::InvalidUrl);
/// assert!(err.to_string().contains("no scheme here"));
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    url: Option<Url>,
    status: Option<u16>,
    source: Option<Source>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                url: None,
                status: None,
                source: None,
            }),
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<Source>) -> Error {
        self.inner.source = Some(source.into());
        self
    }

    /// Sets the URL unless one is already there (the innermost URL is the most precise).
    pub(crate) fn with_url(mut self, url: &Url) -> Error {
        if self.inner.url.is_none() {
            self.inner.url = Some(url.clone());
        }
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Error {
        self.inner.status = Some(status);
        self
    }

    /// Maps an engine error to the user-facing kind, keeping it as the source.
    pub(crate) fn wire(e: wirequest_wire::Error) -> Error {
        use wirequest_wire::{Error as W, ErrorClass as C};
        let (kind, message) = match (&e, e.class()) {
            (W::InvalidMethod, _) => (ErrorKind::InvalidMethod, "invalid method"),
            (
                W::InvalidHeaderName(_)
                | W::InvalidHeaderValue(_)
                | W::DuplicateHost
                | W::ConflictingFraming(_),
                _,
            ) => (ErrorKind::InvalidHeader, "invalid header"),
            (W::InvalidTarget, _) => (ErrorKind::InvalidUrl, "invalid request target"),
            (W::BodyLengthMismatch { .. } | W::BodyRead(..), _) => (ErrorKind::Io, "request body"),
            (_, C::Protocol) => (ErrorKind::Protocol, "protocol error"),
            (_, C::Incomplete) => (ErrorKind::Incomplete, "incomplete response"),
            (_, C::TooLarge) => (ErrorKind::TooLarge, "response too large"),
            (_, C::Timeout) => (ErrorKind::Timeout, "timed out"),
            (_, C::Connect) => (ErrorKind::Connect, "connection failed"),
            (_, C::Tls) => (ErrorKind::Tls, "tls failed"),
            _ => (ErrorKind::Io, "i/o error"),
        };
        Error::new(kind, message).with_source(e)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The URL of the request that failed, when there was one.
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }

    /// The response status, for errors made from a response ([`ErrorKind::Status`]).
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// Whether this is a timeout.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// The engine error behind this one, if any.
    pub fn wire_error(&self) -> Option<&wirequest_wire::Error> {
        self.inner.source.as_ref()?.downcast_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)?;
        if self.inner.kind != ErrorKind::Status {
            if let Some(url) = &self.inner.url {
                write!(f, " for url {url}")?;
            }
        }
        let mut cause = self.source();
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind);
        d.field("message", &self.inner.message);
        if let Some(url) = &self.inner.url {
            d.field("url", &url.as_str());
        }
        if let Some(s) = self.inner.status {
            d.field("status", &s);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| &**s as &(dyn StdError + 'static))
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        let kind = match e.kind() {
            ErrorKind::Timeout => std::io::ErrorKind::TimedOut,
            ErrorKind::Incomplete => std::io::ErrorKind::UnexpectedEof,
            ErrorKind::Io => match e.wire_error() {
                Some(wirequest_wire::Error::Io(k, _) | wirequest_wire::Error::BodyRead(k, _)) => *k,
                _ => std::io::ErrorKind::Other,
            },
            _ => std::io::ErrorKind::InvalidData,
        };
        std::io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_display_has_message_url_and_chain() {
        let url = Url::parse("http://example.test/x").unwrap();
        let e = Error::wire(wirequest_wire::Error::Timeout("read")).with_url(&url);
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert_eq!(
            e.to_string(),
            "timed out for url http://example.test/x: read timed out"
        );
        assert!(e.source().is_some());
    }

    #[test]
    fn error_kind_words_are_snake_case() {
        assert_eq!(
            ErrorKind::TooManyRedirects.to_string(),
            "too_many_redirects"
        );
        assert_eq!(ErrorKind::InvalidUrl.to_string(), "invalid_url");
    }

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: StdError + Send + Sync + 'static>() {}
        check::<Error>();
    }
}
