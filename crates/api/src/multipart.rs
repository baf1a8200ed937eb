//! `multipart/form-data` bodies (RFC 7578), requests' `files=`.
//!
//! A [`Form`] holds text fields and file parts; [`Form::into_reader`] streams the encoding:
//! part heads are generated as each part is reached, in-memory parts are moved (not copied) into
//! the reader, and file readers are read through, so a large upload never sits in memory.
//! [`Form::content_length`] is known when every part's length is, and a reader that gives more
//! or fewer bytes than it declared is an error, so a `Content-Length` built from it is never a lie.
//!
//! ```
//! use std::io::Read;
//! use wirequest::multipart::Form;
//!
//! let form = Form::new()
//!     .text("title", "holiday")
//!     .file_bytes("photo", "beach.jpg", Some("image/jpeg"), vec![0xff, 0xd8, 0xff]);
//! let content_type = form.content_type();
//! assert!(content_type.starts_with("multipart/form-data; boundary=----wirequest-"));
//! let len = form.content_length();
//!
//! let mut body = Vec::new();
//! form.into_reader().read_to_end(&mut body)?;
//! assert_eq!(Some(body.len() as u64), len);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::VecDeque;
use std::fmt;

use crate::random::random_u64;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// What every boundary starts with: recognisable in a capture, and the leading dashes keep it
/// from looking like ordinary text.
pub const BOUNDARY_PREFIX: &str = "----wirequest-";

/// The number of random `[0-9A-Za-z]` characters after [`BOUNDARY_PREFIX`] (about 190 bits);
/// prefix and all stay within RFC 2046's 70-character limit.
pub const BOUNDARY_RANDOM_CHARS: usize = 32;

/// The content type of a file part whose type was not given nor guessed (RFC 7578 §4.4).
pub const DEFAULT_FILE_CONTENT_TYPE: &str = "application/octet-stream";

/// Why a form cannot be encoded. Kept by the [`Form`] builder methods (the first one wins),
/// reported by [`Form::error`] and by the first read of [`Form::into_reader`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultipartError {
    /// A field name holding a NUL byte, which no server can be expected to handle.
    NulInName(String),
    /// A filename holding a NUL byte.
    NulInFilename(String),
    /// A part's content type holding a control character such as CR or LF, which would end the
    /// header line early.
    InvalidContentType(String),
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MultipartError::NulInName(n) => write!(f, "multipart field name {n:?} contains NUL"),
            MultipartError::NulInFilename(n) => {
                write!(f, "multipart filename {n:?} contains NUL")
            }
            MultipartError::InvalidContentType(c) => {
                write!(f, "invalid multipart part content type {c:?}")
            }
        }
    }
}

impl std::error::Error for MultipartError {}

/// A `multipart/form-data` body being built: text fields and files, in order.
///
/// The boundary is chosen at random and changed whenever an in-memory part (text or bytes)
/// contains it, so read [`boundary`](Form::boundary) and [`content_type`](Form::content_type)
/// after the last part is added. Content coming from readers cannot be checked in advance; with
/// about 190 random bits in the boundary an accidental match is negligible.
///
/// ```
/// use wirequest::multipart::Form;
///
/// let form = Form::new()
///     .text("name", "value")
///     .file_reader("log", "app.log", Some("text/plain"), std::io::Cursor::new(b"line\n".to_vec()), Some(5));
/// assert!(form.error().is_none());
/// assert!(form.content_length().is_some());
/// ```
pub struct Form {
    boundary: String,
    parts: Vec<Part>,
    error: Option<MultipartError>,
}

struct Part {
    name: String,
    /// `Some` for a file part.
    filename: Option<String>,
    content_type: Option<String>,
    body: PartBody,
}

enum PartBody {
    Bytes(Vec<u8>),
    Reader {
        reader: Box<dyn Read + Send>,
        len: Option<u64>,
    },
}

impl Part {
    /// `--boundary CRLF`, the part's header lines and the empty line.
    fn head(&self, boundary: &str) -> String {
        let mut h = String::with_capacity(boundary.len() + self.name.len() + 80);
        h.push_str("--");
        h.push_str(boundary);
        h.push_str("\r\nContent-Disposition: form-data; name=\"");
        push_escaped(&mut h, &self.name);
        h.push('"');
        if let Some(filename) = &self.filename {
            h.push_str("; filename=\"");
            push_escaped(&mut h, filename);
            h.push('"');
        }
        h.push_str("\r\n");
        if let Some(ct) = &self.content_type {
            h.push_str("Content-Type: ");
            h.push_str(ct);
            h.push_str("\r\n");
        }
        h.push_str("\r\n");
        h
    }

    fn body_len(&self) -> Option<u64> {
        match &self.body {
            PartBody::Bytes(b) => Some(b.len() as u64),
            PartBody::Reader { len, .. } => *len,
        }
    }
}

impl Form {
    /// An empty form with a fresh random boundary.
    pub fn new() -> Form {
        Form {
            boundary: new_boundary(),
            parts: Vec::new(),
            error: None,
        }
    }

    /// Adds a text field (`name=value`, no content type, as browsers send).
    ///
    /// ```
    /// let form = wirequest::multipart::Form::new().text("q", "rust").text("page", "2");
    /// assert!(form.content_length().is_some());
    /// ```
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Form {
        self.push(
            name.into(),
            None,
            None,
            PartBody::Bytes(value.into().into_bytes()),
        )
    }

    /// Adds a file part from bytes in memory. `content_type` defaults to
    /// `application/octet-stream`.
    ///
    /// ```
    /// let form = wirequest::multipart::Form::new()
    ///     .file_bytes("doc", "notes.txt", Some("text/plain; charset=utf-8"), b"hello".to_vec());
    /// assert!(form.error().is_none());
    /// ```
    pub fn file_bytes(
        self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Form {
        self.push(
            name.into(),
            Some(filename.into()),
            Some(content_type.unwrap_or(DEFAULT_FILE_CONTENT_TYPE).to_owned()),
            PartBody::Bytes(bytes),
        )
    }

    /// Adds a file part read from `reader` while the body is sent. With `len`, the reader must
    /// give exactly that many bytes, or reading the form fails; without it, the form has no
    /// known length (and goes out chunked). `content_type` defaults to
    /// `application/octet-stream`.
    ///
    /// ```
    /// let data = std::io::Cursor::new(vec![1u8, 2, 3]);
    /// let form = wirequest::multipart::Form::new().file_reader("blob", "data.bin", None, data, Some(3));
    /// assert!(form.content_length().is_some());
    /// ```
    pub fn file_reader(
        self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: Option<&str>,
        reader: impl Read + Send + 'static,
        len: Option<u64>,
    ) -> Form {
        self.push(
            name.into(),
            Some(filename.into()),
            Some(content_type.unwrap_or(DEFAULT_FILE_CONTENT_TYPE).to_owned()),
            PartBody::Reader {
                reader: Box::new(reader),
                len,
            },
        )
    }

    /// Adds the file at `path` as a file part, streamed when the body is sent. The filename is
    /// the path's last component; the content type is guessed from a short table of common
    /// extensions, else `application/octet-stream`. A regular file's length is taken now (and
    /// must not change before it is sent); other files (pipes) have no known length.
    ///
    /// ```no_run
    /// let form = wirequest::multipart::Form::new().file_path("report", "/tmp/report.pdf")?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn file_path(self, name: impl Into<String>, path: impl AsRef<Path>) -> io::Result<Form> {
        let path = path.as_ref();
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is a directory", path.display()),
            ));
        }
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let content_type = guess_content_type(path);
        let len = meta.is_file().then_some(meta.len());
        Ok(self.file_reader(name, filename, Some(content_type), file, len))
    }

    fn push(
        mut self,
        name: String,
        filename: Option<String>,
        content_type: Option<String>,
        body: PartBody,
    ) -> Form {
        if self.error.is_none() {
            self.error = if name.contains('\0') {
                Some(MultipartError::NulInName(name.clone()))
            } else if filename.as_ref().is_some_and(|f| f.contains('\0')) {
                filename.clone().map(MultipartError::NulInFilename)
            } else if content_type
                .as_ref()
                .is_some_and(|c| c.chars().any(|ch| ch.is_control()))
            {
                content_type.clone().map(MultipartError::InvalidContentType)
            } else {
                None
            };
        }
        let collides = matches!(&body, PartBody::Bytes(b) if contains(b, self.boundary.as_bytes()));
        self.parts.push(Part {
            name,
            filename,
            content_type,
            body,
        });
        if collides {
            self.regenerate_boundary();
        }
        self
    }

    /// Draws boundaries until none occurs in any in-memory part.
    fn regenerate_boundary(&mut self) {
        loop {
            self.boundary = new_boundary();
            let clash = self.parts.iter().any(|p| match &p.body {
                PartBody::Bytes(b) => contains(b, self.boundary.as_bytes()),
                PartBody::Reader { .. } => false,
            });
            if !clash {
                return;
            }
        }
    }

    /// The boundary between parts (without the leading `--`).
    ///
    /// ```
    /// let form = wirequest::multipart::Form::new();
    /// assert!(form.boundary().starts_with(wirequest::multipart::BOUNDARY_PREFIX));
    /// assert!(form.boundary().len() <= 70);
    /// ```
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The request's `Content-Type`: `multipart/form-data; boundary=...`.
    ///
    /// ```
    /// let form = wirequest::multipart::Form::new();
    /// assert_eq!(form.content_type(), format!("multipart/form-data; boundary={}", form.boundary()));
    /// ```
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The encoded length in bytes, when every part's length is known.
    ///
    /// ```
    /// use wirequest::multipart::Form;
    ///
    /// assert!(Form::new().text("a", "b").content_length().is_some());
    /// let unknown = Form::new().file_reader("f", "f", None, std::io::empty(), None);
    /// assert_eq!(unknown.content_length(), None);
    /// ```
    pub fn content_length(&self) -> Option<u64> {
        let mut total = closing(&self.boundary).len() as u64;
        for part in &self.parts {
            total = total
                .checked_add(part.head(&self.boundary).len() as u64 + 2)?
                .checked_add(part.body_len()?)?;
        }
        Some(total)
    }

    /// The first problem a builder method found (a NUL in a name, a control character in a
    /// content type), which makes [`into_reader`](Form::into_reader) fail.
    ///
    /// ```
    /// use wirequest::multipart::{Form, MultipartError};
    ///
    /// let form = Form::new().text("bad\0name", "x");
    /// assert!(matches!(form.error(), Some(MultipartError::NulInName(_))));
    /// ```
    pub fn error(&self) -> Option<&MultipartError> {
        self.error.as_ref()
    }

    /// The encoded body as a reader that produces it piece by piece.
    ///
    /// Reading fails with `InvalidInput` (and produces nothing) when the form holds an
    /// [`error`](Form::error); with `UnexpectedEof` when a reader of declared length ends early;
    /// with `InvalidData` when it has more to give. Errors of the part readers pass through,
    /// `Interrupted` included (read again to go on).
    ///
    /// ```
    /// use std::io::Read;
    ///
    /// let form = wirequest::multipart::Form::new().text("a", "1");
    /// let boundary = form.boundary().to_owned();
    /// let mut s = String::new();
    /// form.into_reader().read_to_string(&mut s)?;
    /// assert_eq!(
    ///     s,
    ///     format!("--{boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--{boundary}--\r\n")
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_reader(self) -> impl Read + Send + 'static {
        FormReader {
            boundary: self.boundary,
            parts: self.parts.into_iter(),
            queue: VecDeque::new(),
            closed: false,
            failure: self
                .error
                .map(|e| (io::ErrorKind::InvalidInput, e.to_string())),
        }
    }
}

impl Default for Form {
    fn default() -> Form {
        Form::new()
    }
}

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Parts<'a>(&'a [Part]);
        impl fmt::Debug for Parts<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(
                        self.0
                            .iter()
                            .map(|p| (&p.name, &p.filename, &p.content_type, p.body_len())),
                    )
                    .finish()
            }
        }
        f.debug_struct("Form")
            .field("boundary", &self.boundary)
            .field("parts", &Parts(&self.parts))
            .field("error", &self.error)
            .finish()
    }
}

/// The streaming encoder: a queue of pieces, refilled one part at a time.
struct FormReader {
    boundary: String,
    parts: std::vec::IntoIter<Part>,
    queue: VecDeque<Piece>,
    /// Whether the closing delimiter has been queued.
    closed: bool,
    /// Once set, every read fails with it: nothing more of a broken body goes out.
    failure: Option<(io::ErrorKind, String)>,
}

enum Piece {
    Bytes {
        bytes: Vec<u8>,
        pos: usize,
    },
    Reader {
        reader: Box<dyn Read + Send>,
        /// The declared length, if any.
        len: Option<u64>,
        got: u64,
        name: String,
    },
}

impl FormReader {
    /// Queues the next part (or the closing delimiter); false when everything was queued.
    fn refill(&mut self) -> bool {
        if let Some(part) = self.parts.next() {
            let head = part.head(&self.boundary).into_bytes();
            self.queue.push_back(Piece::Bytes {
                bytes: head,
                pos: 0,
            });
            match part.body {
                PartBody::Bytes(bytes) => self.queue.push_back(Piece::Bytes { bytes, pos: 0 }),
                PartBody::Reader { reader, len } => self.queue.push_back(Piece::Reader {
                    reader,
                    len,
                    got: 0,
                    name: part.name,
                }),
            }
            self.queue.push_back(Piece::Bytes {
                bytes: b"\r\n".to_vec(),
                pos: 0,
            });
            true
        } else if !self.closed {
            self.closed = true;
            self.queue.push_back(Piece::Bytes {
                bytes: closing(&self.boundary).into_bytes(),
                pos: 0,
            });
            true
        } else {
            false
        }
    }

    fn fail(&mut self, kind: io::ErrorKind, message: String) -> io::Error {
        self.failure = Some((kind, message.clone()));
        io::Error::new(kind, message)
    }
}

impl Read for FormReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((kind, message)) = &self.failure {
            return Err(io::Error::new(*kind, message.clone()));
        }
        let mut filled = 0;
        while filled < buf.len() {
            let Some(piece) = self.queue.front_mut() else {
                if self.refill() {
                    continue;
                }
                break;
            };
            match piece {
                Piece::Bytes { bytes, pos } => {
                    let rest = bytes.get(*pos..).unwrap_or_default();
                    let n = rest.len().min(buf.len() - filled);
                    buf[filled..filled + n].copy_from_slice(&rest[..n]);
                    filled += n;
                    *pos += n;
                    if *pos >= bytes.len() {
                        self.queue.pop_front();
                    }
                }
                Piece::Reader {
                    reader,
                    len,
                    got,
                    name,
                } => {
                    // Hand back what is ready rather than block on the reader with it.
                    if filled > 0 {
                        break;
                    }
                    match *len {
                        Some(len) if *got >= len => {
                            // Declared length reached: the reader must be at its end.
                            let mut probe = [0u8; 1];
                            if reader.read(&mut probe)? > 0 {
                                let msg = format!(
                                    "multipart part {name:?}: reader has more than its declared {len} bytes"
                                );
                                return Err(self.fail(io::ErrorKind::InvalidData, msg));
                            }
                            self.queue.pop_front();
                        }
                        _ => {
                            let want = match *len {
                                Some(len) => usize::try_from(len - *got)
                                    .unwrap_or(usize::MAX)
                                    .min(buf.len()),
                                None => buf.len(),
                            };
                            let n = reader.read(&mut buf[..want])?;
                            if n == 0 {
                                if let Some(len) = *len {
                                    let msg = format!(
                                        "multipart part {name:?}: reader ended after {got} of its declared {len} bytes"
                                    );
                                    return Err(self.fail(io::ErrorKind::UnexpectedEof, msg));
                                }
                                self.queue.pop_front();
                            } else {
                                *got += n as u64;
                                return Ok(n);
                            }
                        }
                    }
                }
            }
        }
        Ok(filled)
    }
}

fn closing(boundary: &str) -> String {
    format!("--{boundary}--\r\n")
}

/// Escapes a field name or filename as the HTML standard's multipart/form-data encoding does:
/// `"` as `%22`, CR as `%0D`, LF as `%0A`; everything else (UTF-8 included) as it is.
fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A few common types by extension; anything else is `application/octet-stream`.
fn guess_content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        _ => DEFAULT_FILE_CONTENT_TYPE,
    }
}

/// `----wirequest-` and 32 characters of `[0-9A-Za-z]`.
///
/// The randomness comes from std's `RandomState` (SipHash keys seeded from the operating
/// system once per thread, then stepped for each new state) mixed with the clock and a counter;
/// unpredictability is all a boundary needs, not cryptographic strength.
fn new_boundary() -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut s = String::with_capacity(BOUNDARY_PREFIX.len() + BOUNDARY_RANDOM_CHARS);
    s.push_str(BOUNDARY_PREFIX);
    let mut word = 0u64;
    for i in 0..BOUNDARY_RANDOM_CHARS {
        // 62^10 < 2^64: ten characters per 64-bit draw.
        if i % 10 == 0 {
            word = random_u64();
        }
        s.push(char::from(ALPHABET[(word % 62) as usize]));
        word /= 62;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn with_boundary(mut form: Form, boundary: &str) -> Form {
        form.boundary = boundary.to_owned();
        form
    }

    fn encode(form: Form) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        form.into_reader().read_to_end(&mut out)?;
        Ok(out)
    }

    /// Reads with a buffer of `size` bytes at a time.
    fn encode_in_steps(form: Form, size: usize) -> io::Result<Vec<u8>> {
        let mut r = form.into_reader();
        let mut out = Vec::new();
        let mut buf = vec![0u8; size];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return Ok(out),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// A reader that gives its data one byte per call, with an `Interrupted` before each.
    struct Trickle {
        data: Vec<u8>,
        pos: usize,
        interrupt: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            match (self.data.get(self.pos), buf.first_mut()) {
                (Some(&b), Some(slot)) => {
                    *slot = b;
                    self.pos += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn trickle(data: &[u8]) -> Trickle {
        Trickle {
            data: data.to_vec(),
            pos: 0,
            interrupt: false,
        }
    }

    fn sample_form() -> Form {
        Form::new()
            .text("title", "a \"quoted\"\r\nvalue")
            .file_bytes(
                "doc",
                "r\u{e9}sum\u{e9}.txt",
                Some("text/plain"),
                b"line 1\r\n--line 2\r\n".to_vec(),
            )
            .file_reader(
                "blob",
                "b.bin",
                None,
                Cursor::new((0..=255u8).cycle().take(5000).collect::<Vec<_>>()),
                Some(5000),
            )
            .file_reader("slow", "s", Some("x/y"), trickle(b"drip drop"), None)
            .text("empty", "")
    }

    #[test]
    fn encode_small_form_exact_bytes() {
        let form = with_boundary(
            Form::new()
                .text("a", "1")
                .file_bytes("f", "x.txt", Some("text/plain"), b"hi\n".to_vec())
                .file_bytes("g", "y", None, vec![0, 255]),
            "B",
        );
        assert_eq!(form.content_type(), "multipart/form-data; boundary=B");
        let len = form.content_length();
        let got = encode(form).unwrap();
        let want: &[u8] = b"--B\r\n\
            Content-Disposition: form-data; name=\"a\"\r\n\
            \r\n\
            1\r\n\
            --B\r\n\
            Content-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n\
            Content-Type: text/plain\r\n\
            \r\n\
            hi\n\r\n\
            --B\r\n\
            Content-Disposition: form-data; name=\"g\"; filename=\"y\"\r\n\
            Content-Type: application/octet-stream\r\n\
            \r\n\
            \x00\xff\r\n\
            --B--\r\n";
        assert_eq!(got, want, "{}", String::from_utf8_lossy(&got));
        assert_eq!(len, Some(want.len() as u64));
    }

    #[test]
    fn encode_empty_form_is_closing_delimiter() {
        let form = with_boundary(Form::new(), "B");
        assert_eq!(form.content_length(), Some(7));
        assert_eq!(encode(form).unwrap(), b"--B--\r\n");
    }

    #[test]
    fn encode_tiny_buffers_match_big_buffer() {
        let boundary = "----wirequest-fixed";
        let whole = encode_in_steps(with_boundary(sample_form(), boundary), 1 << 16).unwrap();
        for size in [1, 2, 3, 7, 64, 4095] {
            let stepped = encode_in_steps(with_boundary(sample_form(), boundary), size).unwrap();
            assert_eq!(stepped, whole, "buffer of {size}");
        }
    }

    #[test]
    fn content_length_matches_bytes_produced() {
        let form = Form::new()
            .text("a", "x".repeat(10_000))
            .file_bytes("b", "\u{1f600}.bin", None, vec![7; 123])
            .file_reader("c", "c", None, Cursor::new(vec![1; 77_777]), Some(77_777))
            .text("name \"with\" quotes\n", "v");
        let len = form.content_length().unwrap();
        assert_eq!(encode(form).unwrap().len() as u64, len);
    }

    #[test]
    fn content_length_unknown_with_unsized_reader() {
        let form = Form::new()
            .text("a", "b")
            .file_reader("f", "f", None, io::empty(), None);
        assert_eq!(form.content_length(), None);
        // It still encodes.
        assert!(encode(form).unwrap().ends_with(b"--\r\n"));
    }

    #[test]
    fn content_disposition_escapes_quotes_and_newlines() {
        let form = with_boundary(
            Form::new().file_bytes("a\"b\rc\nd", "f\"\r\n.txt", Some("text/plain"), vec![]),
            "B",
        );
        let got = String::from_utf8(encode(form).unwrap()).unwrap();
        assert!(
            got.contains(
                "Content-Disposition: form-data; name=\"a%22b%0Dc%0Ad\"; filename=\"f%22%0D%0A.txt\"\r\n"
            ),
            "{got}"
        );
    }

    #[test]
    fn filename_non_ascii_sent_as_utf8() {
        let form = with_boundary(
            Form::new().file_bytes("f", "r\u{e9}sum\u{e9} \u{65e5}.pdf", None, vec![]),
            "B",
        );
        let got = encode(form).unwrap();
        let want = "filename=\"r\u{e9}sum\u{e9} \u{65e5}.pdf\"".as_bytes();
        assert!(contains(&got, want));
    }

    #[test]
    fn name_with_nul_errors() {
        let form = Form::new()
            .text("ok", "1")
            .text("a\0b", "x")
            .text("c\0", "y");
        assert_eq!(
            form.error(),
            Some(&MultipartError::NulInName("a\0b".into()))
        );
        let err = encode(form).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("NUL"), "{err}");

        let form = Form::new().file_bytes("f", "x\0.txt", None, vec![]);
        assert!(matches!(
            form.error(),
            Some(MultipartError::NulInFilename(_))
        ));
        // Nothing at all is produced.
        let mut r = form.into_reader();
        let mut buf = [0u8; 64];
        assert!(r.read(&mut buf).is_err());
        assert!(r.read(&mut buf).is_err());
    }

    #[test]
    fn content_type_with_crlf_errors() {
        let form = Form::new().file_bytes("f", "f", Some("text/plain\r\nX-Evil: 1"), vec![]);
        assert!(matches!(
            form.error(),
            Some(MultipartError::InvalidContentType(_))
        ));
        assert_eq!(
            encode(form).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn reader_shorter_than_declared_errors() {
        let form = Form::new().file_reader("f", "f", None, Cursor::new(vec![1; 10]), Some(11));
        let err = encode(form).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("10 of its declared 11"), "{err}");
    }

    #[test]
    fn reader_longer_than_declared_errors_without_extra_bytes() {
        let form = with_boundary(
            Form::new().file_reader("f", "f", None, Cursor::new(vec![b'x'; 10]), Some(4)),
            "B",
        );
        let mut r = form.into_reader();
        let mut out = Vec::new();
        let mut buf = [0u8; 3];
        let err = loop {
            match r.read(&mut buf) {
                Ok(0) => panic!("ended without an error"),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        // Only the declared 4 bytes of the part went out, and the reader stays failed.
        assert!(out.ends_with(b"\r\n\r\nxxxx"), "{out:?}");
        assert!(r.read(&mut buf).is_err());
    }

    #[test]
    fn reader_exact_length_and_interrupted_reads_work() {
        let form = with_boundary(
            Form::new().file_reader("f", "f", Some("a/b"), trickle(b"abc"), Some(3)),
            "B",
        );
        let len = form.content_length().unwrap();
        let got = encode(form).unwrap();
        assert_eq!(got.len() as u64, len);
        assert!(got.ends_with(b"\r\n\r\nabc\r\n--B--\r\n"));
    }

    #[test]
    fn boundary_is_random_prefixed_alphanumeric() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let form = Form::new();
            let b = form.boundary();
            let random = b.strip_prefix(BOUNDARY_PREFIX).unwrap();
            assert_eq!(random.len(), BOUNDARY_RANDOM_CHARS);
            assert!(random.bytes().all(|c| c.is_ascii_alphanumeric()));
            assert!(b.len() <= 70);
            assert!(seen.insert(b.to_owned()));
        }
    }

    #[test]
    fn boundary_regenerated_when_in_memory_content_contains_it() {
        let form = Form::new().text("a", "plain");
        let first = form.boundary().to_owned();
        let form = form.text("b", format!("before {first} after"));
        let second = form.boundary().to_owned();
        assert_ne!(first, second);
        let form = form.file_bytes("c", "c", None, format!("x--{second}--").into_bytes());
        let third = form.boundary().to_owned();
        assert_ne!(second, third);
        let body = encode(form).unwrap();
        // The old boundaries are content now; the new one delimits exactly 3 parts.
        let delimiter = format!("--{third}");
        let count = body
            .windows(delimiter.len())
            .filter(|w| *w == delimiter.as_bytes())
            .count();
        assert_eq!(count, 4);
        assert!(contains(&body, first.as_bytes()));
        assert!(contains(&body, second.as_bytes()));
    }

    #[test]
    fn boundary_kept_when_no_collision() {
        let form = Form::new();
        let b = form.boundary().to_owned();
        let form = form
            .text("a", "----wirequest-")
            .file_bytes("b", "b", None, b"--".to_vec());
        assert_eq!(form.boundary(), b);
    }

    #[test]
    fn file_path_reads_name_length_and_type() {
        let dir = std::env::temp_dir().join(format!("wirequest-multipart-{}", random_u64()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("Report.JSON");
        std::fs::write(&path, b"{\"ok\":true}").unwrap();
        let other = dir.join("data.weird");
        std::fs::write(&other, b"??").unwrap();

        let form = with_boundary(
            Form::new()
                .file_path("r", &path)
                .unwrap()
                .file_path("o", &other)
                .unwrap(),
            "B",
        );
        let len = form.content_length().unwrap();
        let body = String::from_utf8(encode(form).unwrap()).unwrap();
        assert_eq!(body.len() as u64, len);
        assert!(body.contains(
            "name=\"r\"; filename=\"Report.JSON\"\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}\r\n"
        ));
        assert!(body.contains(
            "name=\"o\"; filename=\"data.weird\"\r\nContent-Type: application/octet-stream\r\n\r\n??\r\n"
        ));

        assert!(Form::new().file_path("d", &dir).is_err());
        assert_eq!(
            Form::new()
                .file_path("m", dir.join("missing"))
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn guess_content_type_table() {
        assert_eq!(guess_content_type(Path::new("a.PNG")), "image/png");
        assert_eq!(
            guess_content_type(Path::new("a.tar.gz")),
            "application/gzip"
        );
        assert_eq!(
            guess_content_type(Path::new("noext")),
            DEFAULT_FILE_CONTENT_TYPE
        );
        assert_eq!(
            guess_content_type(Path::new(".txt")),
            DEFAULT_FILE_CONTENT_TYPE
        );
    }

    #[test]
    fn form_and_reader_are_send_static() {
        fn check<T: Send + 'static>(_: &T) {}
        let form = Form::new();
        check(&form);
        check(&form.into_reader());
    }

    /// A parsed part: name, filename, content type, body.
    type Parsed = (String, Option<String>, Option<String>, Vec<u8>);

    /// A small RFC 7578 parser, independent of the encoder: split on `CRLF--boundary`, read the
    /// header lines, unescape `%22`, `%0D`, `%0A`.
    fn parse(body: &[u8], content_type: &str) -> Vec<Parsed> {
        let boundary = content_type
            .split_once("boundary=")
            .map(|(_, b)| b)
            .unwrap();
        let delimiter = format!("\r\n--{boundary}");
        // Prepending CRLF makes the first delimiter look like the others.
        let mut data = b"\r\n".to_vec();
        data.extend_from_slice(body);
        let mut pieces = Vec::new();
        let mut rest = &data[..];
        while let Some(at) = find(rest, delimiter.as_bytes()) {
            pieces.push(&rest[..at]);
            rest = &rest[at + delimiter.len()..];
        }
        assert_eq!(rest, b"--\r\n", "closing delimiter");
        assert_eq!(pieces.remove(0), b"", "nothing before the first delimiter");
        let unescape = |s: &str| {
            s.replace("%22", "\"")
                .replace("%0D", "\r")
                .replace("%0A", "\n")
        };
        pieces
            .into_iter()
            .map(|piece| {
                let piece = piece.strip_prefix(b"\r\n").unwrap();
                let split = find(piece, b"\r\n\r\n").unwrap();
                let head = std::str::from_utf8(&piece[..split]).unwrap();
                let body = piece[split + 4..].to_vec();
                let mut name = None;
                let mut filename = None;
                let mut ctype = None;
                for line in head.split("\r\n") {
                    let (h, v) = line.split_once(": ").unwrap();
                    if h.eq_ignore_ascii_case("content-type") {
                        ctype = Some(v.to_owned());
                    } else if h.eq_ignore_ascii_case("content-disposition") {
                        let params = v.strip_prefix("form-data; ").unwrap();
                        for p in params.split("; ") {
                            let (k, v) = p.split_once('=').unwrap();
                            let v =
                                unescape(v.strip_prefix('"').unwrap().strip_suffix('"').unwrap());
                            match k {
                                "name" => name = Some(v),
                                "filename" => filename = Some(v),
                                _ => panic!("unknown param {k}"),
                            }
                        }
                    }
                }
                (name.unwrap(), filename, ctype, body)
            })
            .collect()
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn parse_back_recovers_every_part() {
        let form = sample_form();
        let ct = form.content_type();
        let parts = parse(&encode(form).unwrap(), &ct);
        let blob: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let want: Vec<Parsed> = vec![
            (
                "title".into(),
                None,
                None,
                b"a \"quoted\"\r\nvalue".to_vec(),
            ),
            (
                "doc".into(),
                Some("r\u{e9}sum\u{e9}.txt".into()),
                Some("text/plain".into()),
                b"line 1\r\n--line 2\r\n".to_vec(),
            ),
            (
                "blob".into(),
                Some("b.bin".into()),
                Some("application/octet-stream".into()),
                blob,
            ),
            (
                "slow".into(),
                Some("s".into()),
                Some("x/y".into()),
                b"drip drop".to_vec(),
            ),
            ("empty".into(), None, None, vec![]),
        ];
        assert_eq!(parts, want);
    }

    #[test]
    fn parse_back_escaped_names() {
        let form = Form::new().text("we\"ird\r\nname", "v").file_bytes(
            "f",
            "a\"b\n.txt",
            None,
            vec![1, 2],
        );
        let ct = form.content_type();
        let parts = parse(&encode(form).unwrap(), &ct);
        assert_eq!(parts[0].0, "we\"ird\r\nname");
        assert_eq!(parts[1].1.as_deref(), Some("a\"b\n.txt"));
        assert_eq!(parts[1].3, vec![1, 2]);
    }
}
