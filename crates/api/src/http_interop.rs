//! Conversions to and from the `http` crate's types (feature `http`), for code that already
//! speaks `http::Request` and `http::Response`.

use crate::body::Body;
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::reader::ResponseReader;
use crate::request::RequestBuilder;
use crate::response::Response;
use crate::Method;

impl Client {
    /// Starts a request from an `http::Request`: its method, URI (which must be absolute),
    /// headers in order, and body. The request's version is ignored (always HTTP/1.1).
    ///
    /// ```no_run
    /// let req = http::Request::patch("http://127.0.0.1:8080/users/53")
    ///     .header("content-type", "application/json")
    ///     .body(r#"{"email":"new@example.com"}"#)
    ///     .unwrap();
    /// let resp = wirequest::Client::new().from_http(req).send()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn from_http<B: Into<Body>>(&self, req: http::Request<B>) -> RequestBuilder {
        let (parts, body) = req.into_parts();
        let method = parts
            .method
            .as_str()
            .parse::<Method>()
            .unwrap_or(Method::GET);
        let mut builder = self.request(method, parts.uri.to_string()).body(body);
        for (name, value) in &parts.headers {
            builder = builder.header_append_bytes(name.as_str(), value.as_bytes());
        }
        builder
    }
}

impl Response {
    /// The response as an `http::Response` whose body streams from the connection. The final
    /// URL is in the extensions as a [`url::Url`].
    ///
    /// ```no_run
    /// let resp: http::Response<wirequest::ResponseReader> =
    ///     wirequest::get("http://127.0.0.1:8080/").send()?.into_http()?;
    /// assert!(resp.status().is_success());
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn into_http(self) -> Result<http::Response<ResponseReader>, Error> {
        let bad = |what: &str| {
            Error::new(
                ErrorKind::Protocol,
                format!("not representable as http::Response: {what}"),
            )
        };
        let mut builder = http::Response::builder()
            .status(http::StatusCode::from_u16(self.status).map_err(|_| bad("status"))?)
            .version(match self.version {
                wirequest_wire::Version::Http10 => http::Version::HTTP_10,
                wirequest_wire::Version::Http11 => http::Version::HTTP_11,
            })
            .extension(self.url.clone());
        for (name, value) in self.headers.iter_bytes() {
            builder = builder.header(
                name,
                http::HeaderValue::from_bytes(value).map_err(|_| bad("header value"))?,
            );
        }
        let url = self.url.clone();
        builder
            .body(self.into_reader())
            .map_err(|e| bad("head").with_source(e).with_url(&url))
    }
}
