//! `Client` (requests' `Session`) and its builder.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::pool::Pool;
use crate::proxy::ProxyConfig;
use crate::request::RequestBuilder;
use crate::{HeaderMap, Method};

/// A session: default headers, timeouts and a pool of keep-alive connections shared by every
/// request made through it. Cheap to clone; clones share the pool.
///
/// ```no_run
/// let client = wirequest::Client::builder().user_agent("me/1.0").build()?;
/// let resp = client.get("https://example.com/").query(&[("page", "2")]).send()?.error_for_status()?;
/// println!("{}", resp.text()?);
/// # Ok::<(), wirequest::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

#[derive(Debug)]
pub(crate) struct ClientInner {
    pub config: Config,
    /// The default headers plus each body-implied `Content-Type`, built once, so the common
    /// `.json(..).send()` borrows its headers instead of merging them per request.
    pub typed_defaults: Vec<(&'static str, HeaderMap)>,
    #[cfg(feature = "cookies")]
    pub jar: Option<crate::cookie::CookieJar>,
    pub pool: Pool,
    #[cfg(feature = "tls")]
    pub tls: wirequest_wire::transport::tls::TlsConfig,
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

macro_rules! method_fns {
    ($($name:ident $method:ident),*) => {$(
        #[doc = concat!("Starts a `", stringify!($method), "` request to `url`.")]
        ///
        /// ```no_run
        /// let client = wirequest::Client::new();
        #[doc = concat!("let resp = client.", stringify!($name), "(\"http://127.0.0.1:8080/\").send()?;")]
        /// # Ok::<(), wirequest::Error>(())
        /// ```
        pub fn $name(&self, url: impl AsRef<str>) -> RequestBuilder {
            self.request(Method::$method, url)
        }
    )*};
}

impl Client {
    /// A client with the default settings (see [`ClientBuilder`]).
    ///
    /// ```
    /// let client = wirequest::Client::new();
    /// let same_pool = client.clone();
    /// # drop(same_pool);
    /// ```
    pub fn new() -> Client {
        // The defaults carry no user input (no PEM to parse), so building cannot fail.
        ClientBuilder::new()
            .build()
            .expect("default client settings are valid")
    }

    /// A builder for a client with custom settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Starts a request with any method, extension methods included.
    ///
    /// ```no_run
    /// let purge: wirequest::Method = "PURGE".parse().unwrap();
    /// let resp = wirequest::Client::new().request(purge, "http://127.0.0.1:8080/cache").send()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn request(&self, method: Method, url: impl AsRef<str>) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, url.as_ref())
    }

    method_fns!(get GET, post POST, put PUT, patch PATCH, delete DELETE, head HEAD, options OPTIONS);

    /// The session's cookie jar (feature `cookies`; `None` after `cookie_store(false)`).
    ///
    /// ```
    /// let client = wirequest::Client::new();
    /// assert_eq!(client.cookie_jar().map(|jar| jar.len()), Some(0));
    /// ```
    #[cfg(feature = "cookies")]
    pub fn cookie_jar(&self) -> Option<&crate::cookie::CookieJar> {
        self.inner.jar.as_ref()
    }

    /// Idle connections currently pooled (all hosts).
    pub fn idle_connections(&self) -> usize {
        self.inner.pool.idle_count()
    }
}

/// Builds a [`Client`]. Every setting has the default API.md gives: 30 s connect, read and write
/// timeouts and no overall deadline; up to 30 redirects; 3 idle connections per host kept for
/// 15 s; a 64 KiB response head; a 64 MiB buffered body.
///
/// ```
/// use std::time::Duration;
/// let client = wirequest::Client::builder()
///     .user_agent("inventory-sync/2.1")
///     .default_header("X-Team", "platform")
///     .timeout(Duration::from_secs(10))
///     .max_redirects(5)
///     .build()?;
/// # Ok::<(), wirequest::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    config: Config,
    error: Option<Error>,
    proxy: ProxySetting,
}

/// Where the proxy settings come from.
#[derive(Debug)]
enum ProxySetting {
    Env,
    Off,
    Url(String),
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// A builder holding the defaults.
    pub fn new() -> ClientBuilder {
        ClientBuilder {
            config: Config::default(),
            error: None,
            proxy: ProxySetting::Env,
        }
    }

    fn keep_error(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Sends this header with every request, replacing an earlier default of that name.
    /// A request's own header of the same name wins.
    pub fn default_header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        if let Err(e) = self
            .config
            .default_headers
            .insert(name.as_ref(), value.as_ref())
        {
            self.keep_error(Error::wire(e));
        }
        self
    }

    /// The `User-Agent` to send (default `wirequest/<version>`).
    pub fn user_agent(self, value: impl AsRef<str>) -> Self {
        self.default_header("User-Agent", value)
    }

    /// A deadline for each whole exchange, redirects and body included (default: none).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = Some(timeout);
        self
    }

    /// Longest wait to establish a connection, TLS handshake included (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = Some(timeout);
        self
    }

    /// Longest wait for the next bytes from the server (default 30 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.config.read_timeout = Some(timeout);
        self
    }

    /// Longest wait for a write to the server to progress (default 30 s).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.config.write_timeout = Some(timeout);
        self
    }

    /// Most redirects followed for one request (default 30, as requests).
    pub fn max_redirects(mut self, max: u32) -> Self {
        self.config.max_redirects = max;
        self
    }

    /// Whether to follow redirects at all (default true).
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.config.follow_redirects = follow;
        self
    }

    /// Trusts the certificates in this PEM data in addition to the built-in roots.
    #[cfg(feature = "tls")]
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.config.tls.extra_roots_pem.push(pem.to_vec());
        self
    }

    /// Accepts any server certificate, as requests' `verify=False`. Only for tests and
    /// networks you control: anyone on the path can read and change the traffic.
    #[cfg(feature = "tls")]
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.config.tls.accept_invalid_certs = accept;
        self
    }

    /// Presents this client certificate (mutual TLS): `cert_chain_pem` holds the certificate
    /// and any intermediates, `key_pem` its private key (PKCS#8, PKCS#1 or SEC1). Bad PEM is
    /// reported by `build`.
    ///
    /// ```no_run
    /// let client = wirequest::Client::builder()
    ///     .client_certificate_pem(&std::fs::read("client.pem")?, &std::fs::read("client.key")?)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn client_certificate_pem(mut self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Self {
        self.config.tls.client_cert_pem = Some((cert_chain_pem.to_vec(), key_pem.to_vec()));
        self
    }

    /// Whether to keep a cookie jar, as a requests `Session` does (default true with feature
    /// `cookies`): `Set-Cookie` is stored and matching cookies are sent back (RFC 6265 domain,
    /// path, `Secure` and expiry rules), across redirects included.
    ///
    /// ```
    /// let client = wirequest::Client::builder().cookie_store(false).build()?;
    /// assert!(client.cookie_jar().is_none());
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    #[cfg(feature = "cookies")]
    pub fn cookie_store(mut self, enabled: bool) -> Self {
        self.config.cookie_store = enabled;
        self
    }

    /// Idle connections kept per host (default 3); 0 disables keep-alive reuse.
    pub fn max_idle_per_host(mut self, max: usize) -> Self {
        self.config.max_idle_per_host = max;
        self
    }

    /// How long an idle connection may wait in the pool (default 15 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = timeout;
        self
    }

    /// Largest response head accepted, in bytes (default 64 KiB).
    pub fn max_response_header_size(mut self, bytes: usize) -> Self {
        self.config.limits.max_head_bytes = bytes;
        self
    }

    /// Most response header fields accepted (default 100).
    pub fn max_response_headers(mut self, count: usize) -> Self {
        self.config.limits.max_headers = count;
        self
    }

    /// Largest body `bytes`, `text` and `json` will buffer (default 64 MiB); streaming with
    /// `into_reader` is not limited.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.config.max_body_size = bytes;
        self
    }

    /// Sends every connection for `host` to `addr`, whatever the URL's port, as curl's
    /// `--connect-to`; `Host` and the TLS name still come from the URL.
    ///
    /// ```
    /// let client = wirequest::Client::builder()
    ///     .connect_to("api.example.com", "127.0.0.1:8443".parse().unwrap())
    ///     .build()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn connect_to(mut self, host: &str, addr: SocketAddr) -> Self {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.config.connect_to.retain(|(h, _)| *h != host);
        self.config.connect_to.push((host, addr));
        self
    }

    /// Sends every request through this HTTP proxy (`http://[user:pass@]host:port`; a bare
    /// `host:port` means http), instead of what the environment says. Plain `http://` requests
    /// go to it in absolute form; `https://` ones through a `CONNECT` tunnel. Credentials in the
    /// URL are sent as `Proxy-Authorization: Basic`.
    ///
    /// ```
    /// let client = wirequest::Client::builder().proxy("http://user:pw@127.0.0.1:3128").build()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = ProxySetting::Url(url.to_owned());
        self
    }

    /// Uses no proxy, whatever the environment says. By default `HTTP_PROXY`, `HTTPS_PROXY`,
    /// `ALL_PROXY` and `NO_PROXY` (and their lowercase forms) are read when the client is
    /// built.
    ///
    /// ```
    /// let client = wirequest::Client::builder().no_proxy().build()?;
    /// # Ok::<(), wirequest::Error>(())
    /// ```
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::Off;
        self
    }

    /// Builds the client; a bad default header, PEM or proxy URL is reported here.
    pub fn build(mut self) -> Result<Client, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.config.proxy = match &self.proxy {
            ProxySetting::Env => ProxyConfig::from_env(|name| std::env::var(name).ok()),
            ProxySetting::Off => ProxyConfig::none(),
            ProxySetting::Url(url) => {
                ProxyConfig::explicit(url).map_err(|msg| Error::new(ErrorKind::InvalidUrl, msg))?
            }
        };
        if self.config.limits.max_head_bytes == 0 || self.config.limits.max_headers == 0 {
            return Err(Error::new(
                ErrorKind::TooLarge,
                "response head limits must be above zero",
            ));
        }
        #[cfg(feature = "tls")]
        let tls = wirequest_wire::transport::tls::TlsConfig::new(&self.config.tls)
            .map_err(Error::wire)?;
        let pool = Pool::new(self.config.max_idle_per_host, self.config.idle_timeout);
        #[cfg(feature = "cookies")]
        let jar = self.config.cookie_store.then(crate::cookie::CookieJar::new);
        let typed_defaults = crate::request::IMPLIED_CONTENT_TYPES
            .iter()
            .map(|ct| {
                let mut h = self.config.default_headers.clone();
                h.insert("Content-Type", ct).map(|_| (*ct, h))
            })
            .collect::<Result<_, _>>()
            .map_err(Error::wire)?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                config: self.config,
                typed_defaults,
                #[cfg(feature = "cookies")]
                jar,
                pool,
                #[cfg(feature = "tls")]
                tls,
            }),
        })
    }
}
