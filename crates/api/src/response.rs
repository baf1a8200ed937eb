//! `Response`: the head, the final URL and redirect history, and the body to read once.

use std::io::Write;
use std::time::Duration;

use url::Url;
use wirequest_wire::{HeaderMap, Version};

pub use crate::reader::ResponseReader;

use crate::error::{Error, ErrorKind};

/// One hop of a followed redirect: the status and the URL that answered with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub(crate) status: u16,
    pub(crate) url: Url,
}

impl Redirect {
    /// The redirect's status (301, 302, 303, 307 or 308).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The URL that answered with the redirect.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// A response. The head is here; the body is read once, with [`bytes`](Response::bytes),
/// [`text`](Response::text), [`json`](Response::json), [`copy_to`](Response::copy_to) or
/// [`into_reader`](Response::into_reader). Dropping it unread is fine: the connection is then
/// closed rather than reused (unless the rest of the body already arrived).
///
/// ```no_run
/// let resp = wirequest::get("http://127.0.0.1:8080/users/53").send()?;
/// if resp.status() == 200 {
///     let user: serde_json::Value = resp.json()?;
///     println!("{}", user["email"]);
/// }
/// # Ok::<(), wirequest::Error>(())
/// ```
#[derive(Debug)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) reason: std::borrow::Cow<'static, str>,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) url: Url,
    pub(crate) history: Vec<Redirect>,
    pub(crate) elapsed: Duration,
    pub(crate) body: ResponseReader,
    pub(crate) max_body_size: u64,
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase as the server sent it.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Whether the status is below 400, as requests' `ok`.
    pub fn ok(&self) -> bool {
        self.status < 400
    }

    /// Turns a 4xx or 5xx status into an [`ErrorKind::Status`] error (requests'
    /// `raise_for_status`), with a message such as `404 Client Error: Not Found for url: ...`.
    ///
    /// ```no_run
    /// let body = wirequest::get("http://127.0.0.1:8080/users/1").send()?.error_for_status()?.text()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn error_for_status(self) -> Result<Response, Error> {
        let class = match self.status {
            400..=499 => "Client Error",
            500..=599 => "Server Error",
            _ => return Ok(self),
        };
        let msg = format!(
            "{} {class}: {} for url: {}",
            self.status, self.reason, self.url
        );
        Err(Error::new(ErrorKind::Status, msg)
            .with_status(self.status)
            .with_url(&self.url))
    }

    /// The header fields, in order, duplicates kept.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of a header, looked up case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The final URL, after redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The redirects followed to get here, first one first.
    pub fn history(&self) -> &[Redirect] {
        &self.history
    }

    /// Time from sending the request to having the response head.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The HTTP version of the response.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `Content-Length`, when the response has a plain one.
    pub fn content_length(&self) -> Option<u64> {
        let v = self.headers.get_bytes("content-length")?;
        wirequest_wire::parse_content_length(v).ok()
    }

    /// The `ETag`, for a later `If-Match`.
    pub fn etag(&self) -> Option<&str> {
        self.headers.get("etag")
    }

    /// Reads the whole body, up to the client's `max_body_size` (else [`ErrorKind::TooLarge`]).
    ///
    /// ```no_run
    /// let png = wirequest::get("http://127.0.0.1:8080/logo.png").send()?.bytes()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn bytes(mut self) -> Result<Vec<u8>, Error> {
        let url = &self.url;
        let limit = self.max_body_size;
        let mut out = match self.body.remaining_hint() {
            Some(n) if n > limit => return Err(too_large(limit).with_url(url)),
            // Announced: one allocation of exactly the right size.
            Some(n) => Vec::with_capacity(n as usize),
            None => Vec::new(),
        };
        loop {
            if out.len() == out.capacity() {
                // Full: probe before growing, so a body of the announced size costs exactly one
                // allocation (the probe normally just confirms the end).
                let mut probe = [0u8; 512];
                let n = self
                    .body
                    .read_typed(&mut probe)
                    .map_err(|e| e.with_url(url))?;
                if n == 0 {
                    return Ok(out);
                }
                if (out.len() + n) as u64 > limit {
                    return Err(too_large(limit).with_url(url));
                }
                out.reserve(out.capacity().max(8192));
                out.extend_from_slice(&probe[..n]);
                continue;
            }
            let filled = out.len();
            // Read into the spare room, never more than one byte past the limit.
            let room = ((out.capacity() - filled) as u64)
                .min(limit.saturating_add(1) - filled as u64) as usize;
            out.resize(filled + room, 0);
            let n = self
                .body
                .read_typed(&mut out[filled..])
                .map_err(|e| e.with_url(url))?;
            out.truncate(filled + n);
            if n == 0 {
                return Ok(out);
            }
            if out.len() as u64 > limit {
                return Err(too_large(limit).with_url(url));
            }
        }
    }

    /// Reads the body as text: the charset from `Content-Type` (UTF-8, ISO-8859-1,
    /// windows-1252 and US-ASCII), else UTF-8; invalid bytes become U+FFFD, as requests does.
    ///
    /// ```no_run
    /// let page = wirequest::get("http://127.0.0.1:8080/").send()?.text()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn text(self) -> Result<String, Error> {
        let charset = self
            .headers
            .get("content-type")
            .and_then(charset)
            .map(str::to_owned);
        let bytes = self.bytes()?;
        Ok(crate::text::decode(bytes, charset.as_deref()))
    }

    /// Parses the body as JSON into any `Deserialize` type; a parse failure is an
    /// [`ErrorKind::Decode`] error naming the line and column.
    ///
    /// ```no_run
    /// #[derive(serde::Deserialize)]
    /// struct User { id: u64, email: String }
    /// let user: User = wirequest::get("http://127.0.0.1:8080/users/53").send()?.json()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        let url = self.url.clone();
        let bytes = self.bytes()?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(ErrorKind::Decode, "invalid json in response body")
                .with_source(e)
                .with_url(&url)
        })
    }

    /// Streams the body into `w`; returns the bytes copied. Not limited by `max_body_size`.
    ///
    /// ```no_run
    /// let mut file = std::fs::File::create("download.bin").unwrap();
    /// let n = wirequest::get("http://127.0.0.1:8080/big").send()?.copy_to(&mut file)?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn copy_to(mut self, w: &mut impl Write) -> Result<u64, Error> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = self
                .body
                .read_typed(&mut buf)
                .map_err(|e| e.with_url(&self.url))?;
            if n == 0 {
                return Ok(total);
            }
            w.write_all(&buf[..n]).map_err(|e| {
                Error::new(ErrorKind::Io, "writing the response body failed")
                    .with_source(e)
                    .with_url(&self.url)
            })?;
            total += n as u64;
        }
    }

    /// The body as a reader that streams it (memory stays flat however large it is); the
    /// connection goes back to the pool once the body is read to its end.
    ///
    /// ```no_run
    /// use std::io::Read;
    /// let mut reader = wirequest::get("http://127.0.0.1:8080/big").send()?.into_reader();
    /// let mut first = [0u8; 16];
    /// reader.read_exact(&mut first).unwrap();
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn into_reader(mut self) -> ResponseReader {
        self.body.url = Some(self.url);
        self.body
    }
}

fn too_large(limit: u64) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("response body over max_body_size ({limit} bytes)"),
    )
}

/// The `charset` parameter of a `Content-Type` value.
fn charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_param_found_case_insensitively() {
        assert_eq!(
            charset("text/html; Charset=\"ISO-8859-1\""),
            Some("ISO-8859-1")
        );
        assert_eq!(charset("application/json"), None);
        assert_eq!(
            charset("text/plain;charset=utf-8;format=flowed"),
            Some("utf-8")
        );
    }
}
