//! # wirequest
//!
//! A small, blocking HTTP/1.1 client that feels like Python's `requests`: free functions for
//! one-off calls, a [`Client`] session with a keep-alive pool, builders that keep their errors
//! until [`send`](RequestBuilder::send), redirects, auth, JSON, and PATCH made first class
//! ([`RequestBuilder::merge_patch`], [`RequestBuilder::json_patch`], [`patch_doc`]).
//!
//! ```no_run
//! use serde_json::json;
//!
//! // requests.patch(url, json={"email": "loremipsum@example.com"})
//! let resp = wirequest::patch("http://127.0.0.1:8080/users/53")
//!     .json(&json!({"email": "loremipsum@example.com"}))
//!     .send()?;
//! if resp.status() == 200 {
//!     let user: serde_json::Value = resp.json()?;
//! }
//! # Ok::<(), wirequest::Error>(())
//! ```
//!
//! Status codes are not errors unless you ask: see [`Response::error_for_status`].
//!
//! Features: `tls` (rustls + webpki-roots), `json` (serde), `gzip` (response decoding) — all
//! on by default — and `cookies` (a session cookie jar), `digest-auth`, `http` (conversions to
//! and from the `http` crate) and `log`, off by default. With `default-features = false` the
//! crate still speaks plain `http://`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
mod body;
mod client;
mod config;
#[cfg(feature = "cookies")]
pub mod cookie;
#[cfg(feature = "digest-auth")]
pub mod digest;
mod error;
#[cfg(feature = "http")]
mod http_interop;
#[cfg(feature = "gzip")]
mod inflate;
#[cfg(feature = "log")]
mod logging;
pub mod multipart;
#[cfg(feature = "json")]
pub mod patch_doc;
mod pool;
mod proxy;
mod random;
mod reader;
mod redirect;
mod request;
mod response;
mod run;
mod text;
#[cfg(feature = "json")]
mod update;

pub use body::Body;
pub use client::{Client, ClientBuilder};
pub use config::DEFAULT_USER_AGENT;
pub use error::{Error, ErrorKind};
pub use request::RequestBuilder;
pub use response::{Redirect, Response, ResponseReader};
#[cfg(feature = "json")]
pub use update::{PatchFormat, Update, Updated};
pub use url::Url;
pub use wirequest_wire::{HeaderMap, Method, Version};

use std::sync::OnceLock;

/// The process-wide client behind the free functions, built on first use.
fn default_client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(Client::new)
}

/// Starts a request with any method on the default client (requests' `requests.request`).
///
/// ```no_run
/// let resp = wirequest::request(wirequest::Method::OPTIONS, "http://127.0.0.1:8080/").send()?;
/// # Ok::<(), wirequest::Error>(())
/// ```
pub fn request(method: Method, url: impl AsRef<str>) -> RequestBuilder {
    default_client().request(method, url)
}

macro_rules! free_fns {
    ($($name:ident $method:ident),*) => {$(
        #[doc = concat!("Starts a `", stringify!($method), "` request on the default client (requests' `requests.", stringify!($name), "`).")]
        ///
        /// ```no_run
        #[doc = concat!("let resp = wirequest::", stringify!($name), "(\"http://127.0.0.1:8080/\").send()?;")]
        /// println!("{}", resp.status());
        /// # Ok::<(), wirequest::Error>(())
        /// ```
        pub fn $name(url: impl AsRef<str>) -> RequestBuilder {
            request(Method::$method, url)
        }
    )*};
}

free_fns!(get GET, post POST, put PUT, patch PATCH, delete DELETE, head HEAD, options OPTIONS);
