//! Every default in one place.

use std::net::SocketAddr;
use std::time::Duration;

use wirequest_wire::{HeaderMap, Limits};

/// The `User-Agent` sent unless the caller sets one.
pub const DEFAULT_USER_AGENT: &str = concat!("wirequest/", env!("CARGO_PKG_VERSION"));

/// A client's settings. Built by [`ClientBuilder`](crate::ClientBuilder).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub default_headers: HeaderMap,
    pub timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    pub max_redirects: u32,
    pub follow_redirects: bool,
    pub max_idle_per_host: usize,
    pub idle_timeout: Duration,
    pub limits: Limits,
    pub max_body_size: u64,
    pub connect_to: Vec<(String, SocketAddr)>,
    /// Whether the client keeps a cookie jar (feature `cookies`).
    #[cfg(feature = "cookies")]
    pub cookie_store: bool,
    /// Resolved when the client is built (the environment by default).
    pub proxy: crate::proxy::ProxyConfig,
    #[cfg(feature = "tls")]
    pub tls: wirequest_wire::transport::tls::TlsSettings,
}

impl Default for Config {
    fn default() -> Config {
        let mut default_headers = HeaderMap::new();
        default_headers
            .append("User-Agent", DEFAULT_USER_AGENT)
            .expect("valid header");
        default_headers
            .append("Accept", "*/*")
            .expect("valid header");
        // Only what we decode: with feature gzip, responses in these codings are decoded.
        #[cfg(feature = "gzip")]
        default_headers
            .append("Accept-Encoding", "gzip, deflate")
            .expect("valid header");
        Config {
            default_headers,
            // As requests: no overall deadline unless asked.
            timeout: None,
            connect_timeout: Some(Duration::from_secs(30)),
            read_timeout: Some(Duration::from_secs(30)),
            write_timeout: Some(Duration::from_secs(30)),
            // requests' DEFAULT_REDIRECT_LIMIT.
            max_redirects: 30,
            follow_redirects: true,
            max_idle_per_host: 3,
            // Shorter than the usual server keep-alive (nginx 75 s, Apache 5 s is the outlier the
            // stale-connection retry covers), so we rarely pick a connection the server dropped.
            idle_timeout: Duration::from_secs(15),
            limits: Limits::default(),
            max_body_size: 64 * 1024 * 1024,
            connect_to: Vec::new(),
            proxy: crate::proxy::ProxyConfig::none(),
            // As a requests Session: a jar unless turned off.
            #[cfg(feature = "cookies")]
            cookie_store: true,
            #[cfg(feature = "tls")]
            tls: Default::default(),
        }
    }
}
