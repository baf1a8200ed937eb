//! `RequestBuilder`: everything a request carries, with errors kept until `send`.

use std::borrow::{Borrow, Cow};
use std::io::Read;
use std::time::Duration;

use url::Url;
use wirequest_wire::HeaderMap;

use crate::body::Body;
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::response::Response;
use crate::Method;

/// Per-request overrides of the client's settings.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Overrides {
    pub timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    pub max_redirects: Option<u32>,
    pub follow_redirects: Option<bool>,
    pub expect_continue: Option<Duration>,
}

/// A request being built. Errors found while building (a bad header, an unserializable body)
/// are kept and returned by [`send`](RequestBuilder::send).
///
/// ```no_run
/// use serde_json::json;
/// // requests.patch(url, json={"email": "loremipsum@example.com"}, headers={"Authorization": "Bearer T"})
/// let resp = wirequest::patch("http://127.0.0.1:8080/users/53")
///     .json(&json!({"email": "loremipsum@example.com"}))
///     .bearer_auth("T")
///     .send()?;
/// assert!(resp.ok());
/// # Ok::<(), wirequest::Error>(())
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    client: Client,
    method: Method,
    url: Result<Url, Error>,
    headers: HeaderMap,
    implicit_content_type: Option<Cow<'static, str>>,
    #[cfg(feature = "digest-auth")]
    digest: Option<(String, String)>,
    body: Body,
    overrides: Overrides,
    error: Option<Error>,
}

impl std::fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field(
                "url",
                &self.url.as_ref().map(Url::as_str).unwrap_or("<invalid>"),
            )
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// The `Content-Type`s that `json`, `form`, `merge_patch` and `json_patch` imply.
pub(crate) const IMPLIED_CONTENT_TYPES: [&str; 4] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/merge-patch+json",
    "application/json-patch+json",
];

/// Longest URL the per-thread cache keeps, in bytes.
const MAX_CACHED_URL: usize = 2048;

thread_local! {
    /// The last URL this thread parsed, with its input: programs send to the same URL over and
    /// over, and parsing one (IDNA, host checks, serializing) costs more than the rest of a
    /// keep-alive request. Parsing is a pure function of the input, so a hit is exact.
    static LAST_URL: std::cell::RefCell<Option<(String, Url)>> = const { std::cell::RefCell::new(None) };
}

/// Parses a URL the way users expect: http and https only, a host required.
pub(crate) fn parse_url(s: &str) -> Result<Url, Error> {
    let s = s.trim();
    let hit = LAST_URL.with(|last| match &*last.borrow() {
        Some((input, url)) if input == s => Some(url.clone()),
        _ => None,
    });
    if let Some(url) = hit {
        return Ok(url);
    }
    let url = parse_url_uncached(s)?;
    // A long URL (a big query string) is not kept: the cache must stay small on every thread.
    if s.len() > MAX_CACHED_URL {
        return Ok(url);
    }
    LAST_URL.with(|last| {
        let mut last = last.borrow_mut();
        match &mut *last {
            // Reuse the input's buffer: a miss then costs one allocation (the clone).
            Some((input, cached)) => {
                input.clear();
                input.push_str(s);
                cached.clone_from(&url);
            }
            None => *last = Some((s.to_owned(), url.clone())),
        }
    });
    Ok(url)
}

fn parse_url_uncached(s: &str) -> Result<Url, Error> {
    let url = Url::parse(s).map_err(|e| {
        let msg = if e == url::ParseError::RelativeUrlWithoutBase {
            format!("invalid url {s:?}: no scheme (did you mean http://{s}?)")
        } else {
            format!("invalid url {s:?}")
        };
        Error::new(ErrorKind::InvalidUrl, msg).with_source(e)
    })?;
    check_url(&url)?;
    Ok(url)
}

pub(crate) fn check_url(url: &Url) -> Result<(), Error> {
    match url.scheme() {
        "http" => {}
        #[cfg(feature = "tls")]
        "https" => {}
        #[cfg(not(feature = "tls"))]
        "https" => {
            return Err(Error::new(
                ErrorKind::InvalidUrl,
                format!("https is not supported without the \"tls\" feature: {url}"),
            ))
        }
        other => {
            return Err(Error::new(
                ErrorKind::InvalidUrl,
                format!("unsupported url scheme {other:?} in {url}"),
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::new(
            ErrorKind::InvalidUrl,
            format!("no host in url {url}"),
        ));
    }
    Ok(())
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, method: Method, url: &str) -> RequestBuilder {
        RequestBuilder {
            client,
            method,
            url: parse_url(url),
            headers: HeaderMap::new(),
            implicit_content_type: None,
            #[cfg(feature = "digest-auth")]
            digest: None,
            body: Body::empty(),
            overrides: Overrides::default(),
            error: None,
        }
    }

    fn keep_error(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Sets a header, replacing earlier values of that name (the client's defaults included),
    /// as requests' header dict does.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").header("Accept", "application/json");
    /// # drop(req);
    /// ```
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        if let Err(e) = self.headers.insert(name.as_ref(), value.as_ref()) {
            self.keep_error(Error::wire(e));
        }
        self
    }

    /// Adds a header, keeping earlier values of that name.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/")
    ///     .header_append("X-Tag", "a")
    ///     .header_append("X-Tag", "b");
    /// # drop(req);
    /// ```
    pub fn header_append(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        if let Err(e) = self.headers.append(name.as_ref(), value.as_ref()) {
            self.keep_error(Error::wire(e));
        }
        self
    }

    /// Adds a header whose value is given as bytes (ISO-8859-1 values allowed).
    #[cfg(feature = "http")]
    pub(crate) fn header_append_bytes(mut self, name: &str, value: &[u8]) -> Self {
        if let Err(e) = self.headers.append_bytes(name, value) {
            self.keep_error(Error::wire(e));
        }
        self
    }

    /// Sets several headers, each as [`header`](RequestBuilder::header) does.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").headers([("X-A", "1"), ("X-B", "2")]);
    /// # drop(req);
    /// ```
    pub fn headers<I, K, V>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (k, v) in headers {
            self = self.header(k, v);
        }
        self
    }

    /// Appends query parameters, form-encoded as requests' `params=` does.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/search?q=x").query(&[("page", "2"), ("tag", "a b")]);
    /// # drop(req);
    /// ```
    pub fn query<I, K, V>(mut self, pairs: I) -> Self
    where
        I: IntoIterator,
        I::Item: Borrow<(K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        if let Ok(url) = &mut self.url {
            let mut added = false;
            {
                let mut q = url.query_pairs_mut();
                for pair in pairs {
                    let (k, v) = pair.borrow();
                    q.append_pair(k.as_ref(), v.as_ref());
                    added = true;
                }
            }
            if !added && url.query() == Some("") {
                url.set_query(None);
            }
        }
        self
    }

    /// Sends `value` as JSON with `Content-Type: application/json` (requests' `json=`).
    ///
    /// ```
    /// let req = wirequest::post("http://127.0.0.1:1/users").json(&serde_json::json!({"name": "Ada"}));
    /// # drop(req);
    /// ```
    #[cfg(feature = "json")]
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        self.json_body(value, "application/json")
    }

    #[cfg(feature = "json")]
    pub(crate) fn json_body<T: serde::Serialize + ?Sized>(
        mut self,
        value: &T,
        content_type: &'static str,
    ) -> Self {
        match serde_json::to_vec(value) {
            Ok(bytes) => {
                self.body = Body::from(bytes);
                self.implicit_content_type = Some(Cow::Borrowed(content_type));
            }
            Err(e) => self.keep_error(
                Error::new(ErrorKind::Decode, "could not serialize the json body").with_source(e),
            ),
        }
        self
    }

    /// Sends `pairs` urlencoded with `Content-Type: application/x-www-form-urlencoded`
    /// (requests' `data=dict`); repeated keys are kept in order.
    ///
    /// ```
    /// let req = wirequest::post("http://127.0.0.1:1/login").form(&[("user", "ada"), ("tag", "a"), ("tag", "b")]);
    /// # drop(req);
    /// ```
    pub fn form<I, K, V>(mut self, pairs: I) -> Self
    where
        I: IntoIterator,
        I::Item: Borrow<(K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for pair in pairs {
            let (k, v) = pair.borrow();
            s.append_pair(k.as_ref(), v.as_ref());
        }
        self.body = Body::from(s.finish());
        self.implicit_content_type = Some(Cow::Borrowed("application/x-www-form-urlencoded"));
        self
    }

    /// Sends these bytes as they are (requests' `data=bytes`).
    ///
    /// ```
    /// let req = wirequest::put("http://127.0.0.1:1/blob").body(vec![1u8, 2, 3]);
    /// # drop(req);
    /// ```
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self.implicit_content_type = None;
        self
    }

    /// Streams a reader of unknown length, sent chunked. It cannot be replayed, so a redirect
    /// that would resend it returns the redirect response instead.
    ///
    /// ```
    /// let file = std::io::Cursor::new(b"streamed".to_vec());
    /// let req = wirequest::post("http://127.0.0.1:1/upload").body_reader(file);
    /// # drop(req);
    /// ```
    pub fn body_reader(self, reader: impl Read + Send + 'static) -> Self {
        self.body(Body::from_reader(reader))
    }

    /// Streams a reader of exactly `len` bytes, sent with `Content-Length`; a reader that gives
    /// more or fewer bytes fails the request.
    ///
    /// ```
    /// let data = std::io::Cursor::new(vec![0u8; 1024]);
    /// let req = wirequest::put("http://127.0.0.1:1/upload").body_reader_sized(data, 1024);
    /// # drop(req);
    /// ```
    pub fn body_reader_sized(self, reader: impl Read + Send + 'static, len: u64) -> Self {
        self.body(Body::sized_reader(reader, len))
    }

    /// Sends a `multipart/form-data` body (requests' `files=`), streamed: file readers are read
    /// as the body goes out, never copied whole into memory. `Content-Length` is sent when every
    /// part's length is known, else the body goes chunked.
    ///
    /// ```
    /// use wirequest::multipart::Form;
    /// let form = Form::new()
    ///     .text("title", "Quarterly report")
    ///     .file_bytes("report", "q3.csv", Some("text/csv"), b"a,b\n1,2\n".to_vec());
    /// let req = wirequest::post("http://127.0.0.1:1/upload").multipart(form);
    /// # drop(req);
    /// ```
    pub fn multipart(mut self, form: crate::multipart::Form) -> Self {
        if let Some(e) = form.error() {
            let e = Error::new(ErrorKind::InvalidHeader, "invalid multipart form")
                .with_source(e.clone());
            self.keep_error(e);
            return self;
        }
        let content_type = form.content_type();
        let body = match form.content_length() {
            Some(len) => Body::sized_reader(form.into_reader(), len),
            None => Body::from_reader(form.into_reader()),
        };
        self = self.body(body);
        self.implicit_content_type = Some(Cow::Owned(content_type));
        self
    }

    /// HTTP Digest authentication (requests' `HTTPDigestAuth`, feature `digest-auth`): on a
    /// `401` with a `Digest` challenge (MD5 or SHA-256, `qop=auth`), the request is sent once
    /// more with the answer. The body must be replayable (not a reader) for that second try;
    /// the credentials are not used after a redirect to another origin.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/private").digest_auth("Mufasa", "Circle of Life");
    /// # drop(req);
    /// ```
    #[cfg(feature = "digest-auth")]
    pub fn digest_auth(mut self, user: &str, pass: &str) -> Self {
        self.digest = Some((user.to_owned(), pass.to_owned()));
        self
    }

    /// HTTP Basic authentication (requests' `auth=(user, pass)`), UTF-8 encoded.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").basic_auth("ada", Some("secret"));
    /// # drop(req);
    /// ```
    pub fn basic_auth(self, user: &str, pass: Option<&str>) -> Self {
        let value = crate::auth::basic(user, pass);
        self.header("Authorization", value)
    }

    /// `Authorization: Bearer <token>`.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").bearer_auth("T");
    /// # drop(req);
    /// ```
    pub fn bearer_auth(self, token: impl AsRef<str>) -> Self {
        let value = format!("Bearer {}", token.as_ref());
        self.header("Authorization", value)
    }

    /// A deadline for this whole exchange, redirects and body reading included.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").timeout(std::time::Duration::from_secs(5));
    /// # drop(req);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.overrides.timeout = Some(timeout);
        self
    }

    /// Longest wait to connect, for this request.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").connect_timeout(std::time::Duration::from_secs(2));
    /// # drop(req);
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.connect_timeout = Some(timeout);
        self
    }

    /// Longest wait for the next bytes, for this request.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").read_timeout(std::time::Duration::from_secs(3));
    /// # drop(req);
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.read_timeout = Some(timeout);
        self
    }

    /// Longest wait for a write to progress, for this request.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").write_timeout(std::time::Duration::from_secs(3));
    /// # drop(req);
    /// ```
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.write_timeout = Some(timeout);
        self
    }

    /// Most redirects followed for this request.
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").max_redirects(3);
    /// # drop(req);
    /// ```
    pub fn max_redirects(mut self, max: u32) -> Self {
        self.overrides.max_redirects = Some(max);
        self
    }

    /// Whether to follow redirects for this request (requests' `allow_redirects=`).
    ///
    /// ```
    /// let req = wirequest::get("http://127.0.0.1:1/").follow_redirects(false);
    /// # drop(req);
    /// ```
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.overrides.follow_redirects = Some(follow);
        self
    }

    /// Sends `Expect: 100-continue` and holds the body back until the server says
    /// `100 Continue`, or for at most `wait` (many servers never answer it). A server that
    /// answers at once with a final status (401, 413...) gets no body at all: worth it for large
    /// uploads that might be refused. Ignored for requests without a body.
    ///
    /// ```
    /// use std::time::Duration;
    /// let big = vec![0u8; 64 << 20];
    /// let req = wirequest::put("http://127.0.0.1:1/upload").body(big).expect_continue(Duration::from_secs(1));
    /// # drop(req);
    /// ```
    pub fn expect_continue(mut self, wait: Duration) -> Self {
        self.overrides.expect_continue = Some(wait);
        self
    }

    /// Sends `patch` as a JSON Merge Patch (RFC 7396), `Content-Type:
    /// application/merge-patch+json`: members present are set, `null` members are removed,
    /// everything else is left alone.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// let resp = wirequest::patch("http://127.0.0.1:8080/users/53")
    ///     .merge_patch(&json!({"email": "new@example.com", "telephone": null}))
    ///     .send()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn merge_patch<T: serde::Serialize + ?Sized>(self, patch: &T) -> Self {
        self.json_body(patch, "application/merge-patch+json")
    }

    /// Sends a JSON Patch (RFC 6902), `Content-Type: application/json-patch+json`.
    ///
    /// ```no_run
    /// use wirequest::patch_doc::JsonPatch;
    /// let ops: JsonPatch = r#"[{"op": "test", "path": "/version", "value": 3},
    ///                         {"op": "replace", "path": "/email", "value": "new@example.com"}]"#
    ///     .parse()
    ///     .unwrap();
    /// let resp = wirequest::patch("http://127.0.0.1:8080/users/53").json_patch(&ops).send()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn json_patch(self, patch: &crate::patch_doc::JsonPatch) -> Self {
        self.json_body(patch, "application/json-patch+json")
    }

    /// Sends `If-Match: <etag>`, so the server applies the request only if the resource is
    /// still the version you read (optimistic concurrency; a stale one gets `412`).
    ///
    /// ```no_run
    /// let client = wirequest::Client::new();
    /// let current = client.get("http://127.0.0.1:8080/users/53").send()?;
    /// let etag = current.etag().unwrap_or("*").to_owned();
    /// let resp = client
    ///     .patch("http://127.0.0.1:8080/users/53")
    ///     .if_match(&etag)
    ///     .merge_patch(&serde_json::json!({"name": "Ada"}))
    ///     .send()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn if_match(self, etag: impl AsRef<str>) -> Self {
        self.header("If-Match", etag)
    }

    /// Sends the request and returns the response head; the body is read from the
    /// [`Response`]. A status of 4xx or 5xx is not an error unless you ask
    /// ([`Response::error_for_status`]).
    ///
    /// Connections are reused from the client's pool. A request on a reused connection that
    /// fails before any response byte arrives is retried once on a new connection, but only
    /// for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) with a replayable body:
    /// a PATCH or POST is never sent twice.
    ///
    /// ```no_run
    /// let resp = wirequest::get("http://127.0.0.1:8080/health").send()?;
    /// println!("{} {}", resp.status(), resp.reason());
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn send(mut self) -> Result<Response, Error> {
        let url = self.url?;
        if let Some(e) = self.error {
            return Err(e.with_url(&url));
        }
        if self.overrides.expect_continue.is_some() && !self.body.is_empty() {
            self.headers
                .insert("Expect", "100-continue")
                .map_err(Error::wire)?;
        } else {
            self.overrides.expect_continue = None;
        }
        let config = &self.client.inner.config;
        let url_auth =
            crate::auth::from_url(&url).filter(|_| !self.headers.contains_key("authorization"));
        let content_type = self
            .implicit_content_type
            .as_deref()
            .filter(|_| !self.headers.contains_key("content-type"));
        let inner = &self.client.inner;
        let borrowed = match content_type {
            _ if !self.headers.is_empty() || url_auth.is_some() => None,
            None => Some(&config.default_headers),
            Some(ct) => inner
                .typed_defaults
                .iter()
                .find(|(t, _)| *t == ct)
                .map(|(_, h)| h),
        };
        let headers = if let Some(h) = borrowed {
            // Nothing but a body-implied type to add to the client's defaults: send a
            // prepared set as it is, no copy.
            Cow::Borrowed(h)
        } else {
            // Request headers replace the client's defaults of the same name.
            let mut merged = HeaderMap::with_capacity(
                config.default_headers.len() + self.headers.len() + 2,
                256,
            );
            for (name, value) in config.default_headers.iter_bytes() {
                if !self.headers.contains_key(name) {
                    merged.append_bytes(name, value).map_err(Error::wire)?;
                }
            }
            for (name, value) in self.headers.iter_bytes() {
                merged.append_bytes(name, value).map_err(Error::wire)?;
            }
            if let Some(ct) = content_type {
                merged.insert("Content-Type", ct).map_err(Error::wire)?;
            }
            if let Some(auth) = url_auth {
                merged
                    .append("Authorization", &auth)
                    .map_err(|e| Error::wire(e).with_url(&url))?;
            }
            Cow::Owned(merged)
        };
        crate::run::execute(
            &self.client,
            crate::run::Prepared {
                method: self.method,
                url,
                headers,
                body: self.body,
                overrides: self.overrides,
                #[cfg(feature = "digest-auth")]
                digest: self.digest,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::parse_url;
    use crate::ErrorKind;

    #[test]
    fn url_cache_answers_exactly_what_parsing_would() {
        let inputs = [
            "http://a.test/x",
            "http://a.test/x",
            " http://a.test/x ",
            "http://b.test:8080/y?q=1",
            "http://a.test/x",
            "http://a.test/x#frag",
            "http://A.TEST/x",
        ];
        for s in inputs {
            let fresh = url::Url::parse(s.trim()).unwrap();
            let got = parse_url(s).unwrap();
            assert_eq!(got, fresh, "{s:?}");
            assert_eq!(got.as_str(), fresh.as_str());
        }
    }

    #[test]
    fn url_cache_skips_long_urls_and_still_parses_them() {
        let long = format!("http://a.test/?q={}", "x".repeat(super::MAX_CACHED_URL));
        assert_eq!(parse_url(&long).unwrap().as_str(), long);
        assert_eq!(
            parse_url("http://b.test/").unwrap().as_str(),
            "http://b.test/"
        );
        assert_eq!(parse_url(&long).unwrap().as_str(), long);
        super::LAST_URL.with(|last| {
            let last = last.borrow();
            let (input, _) = last.as_ref().expect("the short URL is cached");
            assert_eq!(input, "http://b.test/");
        });
    }

    #[test]
    fn url_cache_never_holds_an_error() {
        assert_eq!(
            parse_url("http://ok.test/").unwrap().host_str(),
            Some("ok.test")
        );
        for bad in [
            "ftp://ok.test/",
            "no-scheme",
            "http://",
            "http://ok.test:99999/",
        ] {
            assert_eq!(
                parse_url(bad).unwrap_err().kind(),
                ErrorKind::InvalidUrl,
                "{bad:?}"
            );
            // And the bad input does not poison the next lookups either way.
            assert_eq!(
                parse_url(bad).unwrap_err().kind(),
                ErrorKind::InvalidUrl,
                "{bad:?}"
            );
            assert_eq!(
                parse_url("http://ok.test/").unwrap().as_str(),
                "http://ok.test/"
            );
        }
    }
}
