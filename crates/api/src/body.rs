//! Request bodies: bytes in memory, or a reader streamed with or without a known length.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

/// A request body. Made from `Vec<u8>`, `&'static [u8]`, `String` or `&'static str`; readers go
/// through [`RequestBuilder::body_reader`](crate::RequestBuilder::body_reader) and
/// [`RequestBuilder::body_reader_sized`](crate::RequestBuilder::body_reader_sized).
///
/// ```
/// let body = wirequest::Body::from("plain text");
/// assert_eq!(body.len(), Some(10));
/// ```
pub struct Body {
    pub(crate) kind: BodyKind,
}

pub(crate) enum BodyKind {
    Empty,
    Bytes(Cow<'static, [u8]>),
    Reader {
        reader: Box<dyn Read + Send>,
        len: Option<u64>,
    },
}

impl Body {
    /// No body.
    pub fn empty() -> Body {
        Body {
            kind: BodyKind::Empty,
        }
    }

    /// A reader sent with `Transfer-Encoding: chunked`.
    pub fn from_reader(reader: impl Read + Send + 'static) -> Body {
        Body {
            kind: BodyKind::Reader {
                reader: Box::new(reader),
                len: None,
            },
        }
    }

    /// A reader of exactly `len` bytes, sent with `Content-Length`.
    pub fn sized_reader(reader: impl Read + Send + 'static, len: u64) -> Body {
        Body {
            kind: BodyKind::Reader {
                reader: Box::new(reader),
                len: Some(len),
            },
        }
    }

    /// The length, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.kind {
            BodyKind::Empty => Some(0),
            BodyKind::Bytes(b) => Some(b.len() as u64),
            BodyKind::Reader { len, .. } => *len,
        }
    }

    /// Whether this is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Whether the body can be sent again (for a redirect or retry): readers cannot.
    pub(crate) fn is_replayable(&self) -> bool {
        !matches!(self.kind, BodyKind::Reader { .. })
    }
}

impl Default for Body {
    fn default() -> Body {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyKind::Empty => f.write_str("Body::Empty"),
            BodyKind::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            BodyKind::Reader { len, .. } => write!(f, "Body::Reader(len: {len:?})"),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Body {
        Body {
            kind: BodyKind::Bytes(Cow::Owned(v)),
        }
    }
}

impl From<&'static [u8]> for Body {
    fn from(v: &'static [u8]) -> Body {
        Body {
            kind: BodyKind::Bytes(Cow::Borrowed(v)),
        }
    }
}

impl<const N: usize> From<&'static [u8; N]> for Body {
    fn from(v: &'static [u8; N]) -> Body {
        Body {
            kind: BodyKind::Bytes(Cow::Borrowed(v)),
        }
    }
}

impl From<String> for Body {
    fn from(v: String) -> Body {
        Body::from(v.into_bytes())
    }
}

impl From<&'static str> for Body {
    fn from(v: &'static str) -> Body {
        Body::from(v.as_bytes())
    }
}
