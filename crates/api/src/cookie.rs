//! An RFC 6265 cookie jar, as a requests `Session` keeps one.
//!
//! [`CookieJar::store`] takes each `Set-Cookie` value of a response (parsed as RFC 6265 §5.2
//! says, stored as §5.3 says), and [`CookieJar::header_for`] gives the `Cookie` header value for
//! the next request (§5.4). The jar is `Send + Sync`: it locks an internal `Mutex`, so one jar can
//! be shared by every clone of a client.
//!
//! Why not the `cookie_store` crate: footprint. It brings crates such as `cookie`, `time`,
//! `publicsuffix` (with its compiled-in list) and `serde` into every build that turns cookies
//! on, for what is a few hundred lines of well-specified algorithms here (`url`, already a
//! dependency, does the IDNA part). What that costs: there is no Public Suffix List. A `Domain`
//! of one label (`com`, `localhost`) is refused unless it is the request's own host, but a
//! registry-level domain of two labels (`co.uk`, `github.io`) is not recognised, so a site under
//! it could set a cookie for its siblings. A client talks to few sites per session, and Python's
//! `http.cookiejar` has the same gap.
//!
//! Choices, beyond RFC 6265:
//! - From RFC 6265bis: a `Secure` cookie is only accepted over `https`, and a cookie set over
//!   `http` cannot replace or shadow a `Secure` one; a cookie line holding control characters
//!   is ignored; an attribute value over 1024 bytes is ignored; expiry is capped at 400 days.
//! - `https` is the only secure scheme: `http://localhost` and `http://127.0.0.1` are not
//!   treated as secure (browsers do; a client has no reason to).
//! - `SameSite` and `HttpOnly` are parsed and kept, but change nothing: there is no script to
//!   hide cookies from and no notion of a top-level site in a client.
//! - Limits against a hostile server: [`MAX_COOKIE_SIZE`], [`MAX_COOKIES_PER_DOMAIN`],
//!   [`MAX_COOKIES`], evicting the least recently used cookie first (§5.3 step 12).
//!
//! ```
//! use url::Url;
//! use wirequest::cookie::CookieJar;
//!
//! let jar = CookieJar::new();
//! let login = Url::parse("https://example.com/login").unwrap();
//! jar.store(&login, b"session=abc123; Path=/; Secure; HttpOnly");
//! jar.store(&login, b"theme=dark; Domain=example.com");
//!
//! let page = Url::parse("https://www.example.com/account").unwrap();
//! assert_eq!(jar.header_for(&page).as_deref(), Some("theme=dark"));
//! let page = Url::parse("https://example.com/account").unwrap();
//! assert_eq!(jar.header_for(&page).as_deref(), Some("session=abc123; theme=dark"));
//! ```

use std::fmt;
use std::net::Ipv6Addr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use url::{Host, Url};

/// The largest cookie kept, in bytes of name and value together; larger ones are ignored.
/// RFC 6265 §6.1 asks for at least 4096, and browsers stop there.
pub const MAX_COOKIE_SIZE: usize = 4096;

/// The most cookies kept for one domain; past it the least recently used goes. RFC 6265 §6.1
/// asks for at least 50 per domain.
pub const MAX_COOKIES_PER_DOMAIN: usize = 50;

/// The most cookies kept in all; past it the least recently used goes. RFC 6265 §6.1 asks for
/// at least 3000.
pub const MAX_COOKIES: usize = 3000;

/// The longest attribute value, in bytes; a longer attribute is ignored (RFC 6265bis §5.6).
/// Also the longest `Path` and `Domain` a cookie may end up with.
pub const MAX_ATTRIBUTE_VALUE_SIZE: usize = 1024;

/// The furthest expiry kept, 400 days from now (RFC 6265bis §5.5, as browsers do).
pub const MAX_EXPIRY: Duration = Duration::from_secs(400 * 24 * 60 * 60);

/// The `SameSite` attribute of a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

/// One stored cookie, as [`CookieJar::cookies`] shows it.
///
/// ```
/// use url::Url;
/// use wirequest::cookie::{CookieJar, SameSite};
///
/// let jar = CookieJar::new();
/// let url = Url::parse("https://a.example.com/app/page").unwrap();
/// jar.store(&url, b"id=7; Domain=.Example.COM; SameSite=Lax; Max-Age=60");
/// let c = &jar.cookies()[0];
/// assert_eq!((c.name(), c.value()), ("id", "7"));
/// assert_eq!(c.domain(), "example.com");
/// assert!(!c.host_only());
/// assert_eq!(c.path(), "/app");
/// assert_eq!(c.same_site(), Some(SameSite::Lax));
/// assert!(c.expires().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    name: String,
    value: String,
    /// Lowercase, without a leading dot; the request host for a host-only cookie.
    domain: String,
    path: String,
    host_only: bool,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
    /// `None` for a session cookie.
    expires: Option<SystemTime>,
    /// Creation order, kept when a cookie is replaced (§5.3 step 11.3); orders the header.
    created: u64,
    /// Last use, by the jar's counter; the least recently used cookie is evicted first.
    accessed: u64,
}

impl Cookie {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value, as the server sent it (quotes included, if any).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The domain: the request host for a host-only cookie, else the `Domain` attribute,
    /// lowercase and without a leading dot.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the cookie goes only to exactly [`domain`](Cookie::domain) (no `Domain`
    /// attribute was given), not to its subdomains too.
    pub fn host_only(&self) -> bool {
        self.host_only
    }

    /// `Secure`: sent only over `https`.
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// `HttpOnly`.
    pub fn http_only(&self) -> bool {
        self.http_only
    }

    /// `SameSite`, when given with a known value.
    pub fn same_site(&self) -> Option<SameSite> {
        self.same_site
    }

    /// When the cookie expires; `None` for a session cookie, which lives as long as the jar.
    pub fn expires(&self) -> Option<SystemTime> {
        self.expires
    }

    fn is_expired(&self, now: SystemTime) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }
}

impl fmt::Display for Cookie {
    /// `name=value`, as in a `Cookie` header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// A cookie jar: stores the cookies of responses and gives the `Cookie` header of requests.
///
/// `Send + Sync`, with every method taking `&self` (an internal `Mutex`); share it in an `Arc`.
///
/// ```
/// use url::Url;
/// use wirequest::cookie::CookieJar;
///
/// let jar = CookieJar::new();
/// let url = Url::parse("http://example.com/a/login").unwrap();
/// jar.store(&url, b"sid=1");
/// jar.store(&url, b"lang=en; Path=/");
/// // The longer path first.
/// let next = Url::parse("http://example.com/a/home").unwrap();
/// assert_eq!(jar.header_for(&next).as_deref(), Some("sid=1; lang=en"));
/// assert_eq!(jar.len(), 2);
/// jar.store(&url, b"sid=; Max-Age=0");
/// assert_eq!(jar.len(), 1);
/// ```
pub struct CookieJar {
    inner: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    cookies: Vec<Cookie>,
    /// Counter behind `Cookie::created` and `Cookie::accessed`.
    clock: u64,
}

impl Store {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn remove_expired(&mut self, now: SystemTime) {
        self.cookies.retain(|c| !c.is_expired(now));
    }

    /// Removes the least recently used cookie among those `filter` selects.
    fn evict_one(&mut self, filter: impl Fn(&Cookie) -> bool) {
        let oldest = self
            .cookies
            .iter()
            .enumerate()
            .filter(|(_, c)| filter(c))
            .min_by_key(|(_, c)| c.accessed)
            .map(|(i, _)| i);
        if let Some(i) = oldest {
            self.cookies.remove(i);
        }
    }
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> CookieJar {
        CookieJar {
            inner: Mutex::new(Store::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // Nothing here panics while holding the lock; if a caller's thread did, the store is
        // still consistent, so a poisoned lock is used as is.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores the cookie of one `Set-Cookie` value received in a response to `url`. A value
    /// that RFC 6265 says to ignore (no `=`, an empty name, a `Domain` the host is not in, a
    /// `Secure` cookie over `http`, too large) changes nothing; an expiry in the past deletes the
    /// stored cookie of the same name, domain and path.
    ///
    /// ```
    /// use url::Url;
    /// use wirequest::cookie::CookieJar;
    ///
    /// let jar = CookieJar::new();
    /// let url = Url::parse("https://shop.example.com/").unwrap();
    /// jar.store(&url, b"cart=3; Expires=Wed, 21 Oct 2099 07:28:00 GMT");
    /// jar.store(&url, b"nope; Path=/");             // no `=`: ignored
    /// jar.store(&url, b"x=1; Domain=other.example"); // not this host's domain: ignored
    /// assert_eq!(jar.len(), 1);
    /// ```
    pub fn store(&self, url: &Url, set_cookie: &[u8]) {
        self.store_at(url, set_cookie, SystemTime::now());
    }

    fn store_at(&self, url: &Url, set_cookie: &[u8], now: SystemTime) {
        let Some((host, host_is_ip)) = request_host(url) else {
            return;
        };
        let Some(parsed) = parse_set_cookie(set_cookie) else {
            return;
        };
        let secure_origin = is_secure(url);
        // RFC 6265bis §5.7 step 8: only a secure origin may set a Secure cookie.
        if parsed.secure && !secure_origin {
            return;
        }

        // §5.3 step 3: Max-Age wins over Expires, whatever their order.
        let expires = match parsed.max_age {
            Some(MaxAge::Expire) => Some(UNIX_EPOCH),
            Some(MaxAge::Secs(secs)) => now.checked_add(Duration::from_secs(secs).min(MAX_EXPIRY)),
            None => parsed.expires.map(|t| match now.checked_add(MAX_EXPIRY) {
                Some(cap) => t.min(cap),
                None => t,
            }),
        };

        // §5.3 steps 4-6.
        let (domain, host_only) = match parsed.domain.as_deref() {
            None | Some("") => (host.clone(), true),
            Some(attr) => {
                let Some((domain, domain_is_ip)) = canonical_domain(attr) else {
                    return;
                };
                let single_label = !domain.trim_matches('.').contains('.');
                if domain == host {
                    // An IP or a one-label name set by that very host is kept, as host-only
                    // (§5.3 step 5's rule for a public suffix equal to the host).
                    (host.clone(), domain_is_ip || single_label)
                } else if domain_is_ip || single_label {
                    // An IP literal names one host; a lone label (`com`) is a top-level domain.
                    return;
                } else if domain_match(&host, host_is_ip, &domain) {
                    (domain, false)
                } else {
                    return;
                }
            }
        };
        let path = match parsed.path {
            Some(p) if p.starts_with('/') => p,
            _ => default_path(url.path()).to_owned(),
        };
        if domain.len() > MAX_ATTRIBUTE_VALUE_SIZE || path.len() > MAX_ATTRIBUTE_VALUE_SIZE {
            return;
        }

        let mut store = self.lock();
        store.remove_expired(now);
        // RFC 6265bis §5.7 step 16: an insecure origin cannot replace or shadow a Secure cookie.
        if !secure_origin
            && store.cookies.iter().any(|c| {
                c.secure
                    && c.name == parsed.name
                    && domains_overlap(&c.domain, &domain)
                    && path_match(&path, &c.path)
            })
        {
            return;
        }
        // §5.3 step 11: replace the cookie with the same name, domain and path, keeping its
        // creation order.
        let old = store
            .cookies
            .iter()
            .position(|c| c.name == parsed.name && c.domain == domain && c.path == path);
        let created = match old {
            Some(i) => store.cookies.remove(i).created,
            None => store.tick(),
        };
        if expires.is_some_and(|e| e <= now) {
            // Expired on arrival: a deletion.
            return;
        }
        let accessed = store.tick();
        store.cookies.push(Cookie {
            name: parsed.name,
            value: parsed.value,
            domain,
            path,
            host_only,
            secure: parsed.secure,
            http_only: parsed.http_only,
            same_site: parsed.same_site,
            expires,
            created,
            accessed,
        });

        // §5.3 step 12: over a limit, the least recently used goes (never the new one, which
        // is the most recent).
        let domain = store
            .cookies
            .last()
            .map(|c| c.domain.clone())
            .unwrap_or_default();
        while store.cookies.iter().filter(|c| c.domain == domain).count() > MAX_COOKIES_PER_DOMAIN {
            store.evict_one(|c| c.domain == domain);
        }
        while store.cookies.len() > MAX_COOKIES {
            store.evict_one(|_| true);
        }
    }

    /// The `Cookie` header value for a request to `url` (`name=value; name2=value2`), or `None`
    /// when no cookie applies. Cookies with longer paths come first, then older ones (§5.4).
    ///
    /// ```
    /// use url::Url;
    /// use wirequest::cookie::CookieJar;
    ///
    /// let jar = CookieJar::new();
    /// jar.store(&Url::parse("https://example.com/").unwrap(), b"token=t; Secure");
    /// let https = Url::parse("https://example.com/x").unwrap();
    /// assert_eq!(jar.header_for(&https).as_deref(), Some("token=t"));
    /// let http = Url::parse("http://example.com/x").unwrap();
    /// assert_eq!(jar.header_for(&http), None);
    /// ```
    pub fn header_for(&self, url: &Url) -> Option<String> {
        self.header_for_at(url, SystemTime::now())
    }

    fn header_for_at(&self, url: &Url, now: SystemTime) -> Option<String> {
        let (host, host_is_ip) = request_host(url)?;
        let secure = is_secure(url);
        let path = url.path();
        let mut store = self.lock();
        store.remove_expired(now);
        let mut chosen: Vec<usize> = store
            .cookies
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let domain_ok = if c.host_only {
                    host == c.domain
                } else {
                    domain_match(&host, host_is_ip, &c.domain)
                };
                domain_ok && path_match(path, &c.path) && (secure || !c.secure)
            })
            .map(|(i, _)| i)
            .collect();
        if chosen.is_empty() {
            return None;
        }
        chosen.sort_by_key(|&i| {
            let c = &store.cookies[i];
            (std::cmp::Reverse(c.path.len()), c.created)
        });
        let mut header = String::new();
        for i in chosen {
            let tick = store.tick();
            let c = &mut store.cookies[i];
            c.accessed = tick;
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(&c.name);
            header.push('=');
            header.push_str(&c.value);
        }
        Some(header)
    }

    /// Removes every cookie.
    ///
    /// ```
    /// let jar = wirequest::cookie::CookieJar::new();
    /// jar.store(&url::Url::parse("http://example.com/").unwrap(), b"a=1");
    /// jar.clear();
    /// assert!(jar.is_empty());
    /// ```
    pub fn clear(&self) {
        self.lock().cookies.clear();
    }

    /// The number of cookies stored and not expired.
    ///
    /// ```
    /// let jar = wirequest::cookie::CookieJar::new();
    /// jar.store(&url::Url::parse("http://example.com/").unwrap(), b"a=1");
    /// assert_eq!(jar.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let mut store = self.lock();
        store.remove_expired(SystemTime::now());
        store.cookies.len()
    }

    /// Whether no unexpired cookie is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A snapshot of the unexpired cookies, in creation order.
    ///
    /// ```
    /// let jar = wirequest::cookie::CookieJar::new();
    /// jar.store(&url::Url::parse("http://example.com/").unwrap(), b"a=1");
    /// jar.store(&url::Url::parse("http://example.org/").unwrap(), b"b=2");
    /// let names: Vec<String> = jar.cookies().iter().map(|c| c.to_string()).collect();
    /// assert_eq!(names, ["a=1", "b=2"]);
    /// ```
    pub fn cookies(&self) -> Vec<Cookie> {
        self.cookies_at(SystemTime::now())
    }

    fn cookies_at(&self, now: SystemTime) -> Vec<Cookie> {
        let mut store = self.lock();
        store.remove_expired(now);
        let mut all = store.cookies.clone();
        all.sort_by_key(|c| c.created);
        all
    }
}

impl Default for CookieJar {
    fn default() -> CookieJar {
        CookieJar::new()
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: show only how many there are.
        f.debug_struct("CookieJar")
            .field("cookies", &self.lock().cookies.len())
            .finish()
    }
}

fn is_secure(url: &Url) -> bool {
    url.scheme().eq_ignore_ascii_case("https")
}

/// The canonicalized request host (§5.1.2) and whether it is an IP address.
fn request_host(url: &Url) -> Option<(String, bool)> {
    match url.host()? {
        Host::Domain(d) if !d.is_empty() => Some((d.to_ascii_lowercase(), false)),
        Host::Domain(_) => None,
        Host::Ipv4(ip) => Some((ip.to_string(), true)),
        Host::Ipv6(ip) => Some((ip.to_string(), true)),
    }
}

/// A `Domain` attribute (its leading dot already removed) canonicalized as a host is, and
/// whether it is an IP address; `None` when it is not a valid host.
fn canonical_domain(attr: &str) -> Option<(String, bool)> {
    let bare = attr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(attr);
    if let Ok(ip) = bare.parse::<Ipv6Addr>() {
        return Some((ip.to_string(), true));
    }
    // The url crate's host parser does what §5.1.2 asks: IDNA to A-labels, lowercase, and it
    // recognises IPv4 in all its spellings.
    match Host::parse(attr).ok()? {
        Host::Domain(d) if !d.is_empty() => Some((d.to_ascii_lowercase(), false)),
        Host::Domain(_) => None,
        Host::Ipv4(ip) => Some((ip.to_string(), true)),
        Host::Ipv6(ip) => Some((ip.to_string(), true)),
    }
}

/// §5.1.3: `host` is `domain`, or a name (not an IP) ending in `.domain`.
fn domain_match(host: &str, host_is_ip: bool, domain: &str) -> bool {
    host == domain
        || (!host_is_ip
            && host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// Whether either domain is the other or a subdomain of it.
fn domains_overlap(a: &str, b: &str) -> bool {
    let sub = |x: &str, y: &str| x.strip_suffix(y).is_some_and(|r| r.ends_with('.'));
    a == b || sub(a, b) || sub(b, a)
}

/// §5.1.4: the request path is the cookie path, or below it.
fn path_match(request_path: &str, cookie_path: &str) -> bool {
    match request_path.strip_prefix(cookie_path) {
        Some(rest) => rest.is_empty() || cookie_path.ends_with('/') || rest.starts_with('/'),
        None => false,
    }
}

/// §5.1.4's default-path: the request path up to (not including) its last `/`, or `/`.
fn default_path(uri_path: &str) -> &str {
    if !uri_path.starts_with('/') {
        return "/";
    }
    match uri_path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => uri_path.get(..i).unwrap_or("/"),
    }
}

/// What a `Set-Cookie` value says, before the jar applies it to a request.
#[derive(Debug, PartialEq)]
struct ParsedCookie {
    name: String,
    value: String,
    expires: Option<SystemTime>,
    max_age: Option<MaxAge>,
    domain: Option<String>,
    path: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum MaxAge {
    /// Zero or negative: expire now.
    Expire,
    Secs(u64),
}

/// §5.2: parses a `Set-Cookie` value; `None` when the cookie is to be ignored.
fn parse_set_cookie(line: &[u8]) -> Option<ParsedCookie> {
    // RFC 6265bis §5.6 step 1: control characters (other than tab) void the whole line.
    if line.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return None;
    }
    let (pair, attributes) = match line.iter().position(|&b| b == b';') {
        Some(i) => line.split_at(i),
        None => (line, &b""[..]),
    };
    // A name or value that is not UTF-8 could not be sent back unchanged: ignore the cookie
    // rather than alter it.
    let pair = std::str::from_utf8(pair).ok()?;
    let (name, value) = pair.split_once('=')?;
    let (name, value) = (trim_wsp(name), trim_wsp(value));
    if name.is_empty() || name.len() + value.len() > MAX_COOKIE_SIZE {
        return None;
    }
    let mut cookie = ParsedCookie {
        name: name.to_owned(),
        value: value.to_owned(),
        expires: None,
        max_age: None,
        domain: None,
        path: None,
        secure: false,
        http_only: false,
        same_site: None,
    };
    let attributes = String::from_utf8_lossy(attributes);
    // Each attribute overrides an earlier one of the same name (§5.3 uses the last).
    for attr in attributes.split(';').skip(1) {
        let (key, val) = match attr.split_once('=') {
            Some((k, v)) => (trim_wsp(k), trim_wsp(v)),
            None => (trim_wsp(attr), ""),
        };
        if val.len() > MAX_ATTRIBUTE_VALUE_SIZE {
            continue;
        }
        let is = |n: &str| key.eq_ignore_ascii_case(n);
        if is("expires") {
            // §5.2.1: a date that does not parse leaves the attribute out.
            if let Some(t) = parse_cookie_date(val) {
                cookie.expires = Some(t);
            }
        } else if is("max-age") {
            if let Some(m) = parse_max_age(val) {
                cookie.max_age = Some(m);
            }
        } else if is("domain") {
            // §5.2.3: an empty value is ignored; a leading dot is dropped.
            if !val.is_empty() {
                let d = val.strip_prefix('.').unwrap_or(val);
                cookie.domain = Some(d.to_ascii_lowercase());
            }
        } else if is("path") {
            // §5.2.4: anything not starting with `/` means the default path.
            cookie.path = val.starts_with('/').then(|| val.to_owned());
        } else if is("secure") {
            cookie.secure = true;
        } else if is("httponly") {
            cookie.http_only = true;
        } else if is("samesite") {
            cookie.same_site = [
                ("strict", SameSite::Strict),
                ("lax", SameSite::Lax),
                ("none", SameSite::None),
            ]
            .into_iter()
            .find(|(n, _)| val.eq_ignore_ascii_case(n))
            .map(|(_, s)| s);
        }
    }
    Some(cookie)
}

fn trim_wsp(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// §5.2.2: `-`? DIGIT+; anything else leaves the attribute out.
fn parse_max_age(v: &str) -> Option<MaxAge> {
    let (negative, digits) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if negative {
        return Some(MaxAge::Expire);
    }
    let secs = digits.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    Some(if secs == 0 {
        MaxAge::Expire
    } else {
        MaxAge::Secs(secs)
    })
}

/// §5.1.1's cookie-date algorithm. It reads all three HTTP-date formats (RFC 1123, RFC 850
/// with two-digit years, asctime) and the other spellings servers send; `None` when it finds no
/// valid date.
fn parse_cookie_date(s: &str) -> Option<SystemTime> {
    let is_delimiter = |c: char| {
        let b = u32::from(c);
        b == 0x09
            || (0x20..=0x2f).contains(&b)
            || (0x3b..=0x40).contains(&b)
            || (0x5b..=0x60).contains(&b)
            || (0x7b..=0x7e).contains(&b)
    };
    let mut time = None;
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for token in s.split(is_delimiter).filter(|t| !t.is_empty()) {
        if time.is_none() {
            if let Some(t) = parse_time(token) {
                time = Some(t);
                continue;
            }
        }
        if day.is_none() {
            if let Some((d, _)) = leading_digits(token, 1, 2) {
                day = Some(d);
                continue;
            }
        }
        if month.is_none() {
            if let Some(m) = parse_month(token) {
                month = Some(m);
                continue;
            }
        }
        if year.is_none() {
            if let Some((y, _)) = leading_digits(token, 2, 4) {
                year = Some(y);
                continue;
            }
        }
    }
    let (hour, minute, second) = time?;
    let (day, month, mut year) = (day?, month?, year?);
    // Two-digit years: 70-99 are 1970-1999, 00-69 are 2000-2069.
    if (70..=99).contains(&year) {
        year += 1900;
    } else if year <= 69 {
        year += 2000;
    }
    if year < 1601
        || hour > 23
        || minute > 59
        || second > 59
        || day < 1
        || day > days_in_month(year, month)
    {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

/// `min..=max` ASCII digits at the start of `token`, not followed by another digit: the value
/// and the rest (the grammar's `1*2DIGIT ( non-digit *OCTET )`).
fn leading_digits(token: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = token.bytes().take_while(u8::is_ascii_digit).count();
    if n < min || n > max {
        return None;
    }
    let (digits, rest) = token.split_at(n);
    Some((digits.parse().ok()?, rest))
}

/// `hms-time ( non-digit *OCTET )`, `hms-time = 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT`.
fn parse_time(token: &str) -> Option<(u32, u32, u32)> {
    let (h, rest) = leading_digits(token, 1, 2)?;
    let (m, rest) = leading_digits(rest.strip_prefix(':')?, 1, 2)?;
    let (s, _) = leading_digits(rest.strip_prefix(':')?, 1, 2)?;
    Some((h, m, s))
}

/// The month (1-12) named by the token's first three letters, case-insensitively.
fn parse_month(token: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = token.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(prefix))
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        _ => 28,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`: years counted from March, so the leap day ends a year).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// A fixed "now": 2020-01-01T00:00:00Z.
    const NOW: u64 = 1_577_836_800;

    fn date(s: &str) -> Option<u64> {
        parse_cookie_date(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs())
    }

    /// Stores each line for `origin` at NOW.
    fn jar_with(origin: &str, lines: &[&str]) -> CookieJar {
        let jar = CookieJar::new();
        for line in lines {
            jar.store_at(&url(origin), line.as_bytes(), at(NOW));
        }
        jar
    }

    fn header(jar: &CookieJar, u: &str) -> Option<String> {
        jar.header_for_at(&url(u), at(NOW))
    }

    // ---- dates ----

    #[test]
    fn date_rfc1123_parses() {
        assert_eq!(date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(1_445_412_480));
    }

    #[test]
    fn date_rfc850_parses() {
        assert_eq!(date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
    }

    #[test]
    fn date_asctime_parses() {
        assert_eq!(date("Sun Nov  6 08:49:37 1994"), Some(784_111_777));
    }

    #[test]
    fn date_two_digit_years_map_per_rfc6265() {
        assert_eq!(date("01 Jan 70 00:00:00"), Some(0));
        assert_eq!(
            date("Thu, 01-Jan-99 00:00:00 GMT"),
            date("01 Jan 1999 00:00:00")
        );
        assert_eq!(date("01 Jan 00 00:00:00"), date("01 Jan 2000 00:00:00"));
        assert_eq!(date("01 Jan 69 00:00:00"), date("01 Jan 2069 00:00:00"));
        assert_eq!(date("01 Jan 2069 00:00:00"), Some(3_124_224_000));
        // Three digits are taken as they are, and are before 1601.
        assert_eq!(date("01 Jan 100 00:00:00"), None);
    }

    #[test]
    fn date_lenient_spellings_parse() {
        let want = Some(1_445_412_480);
        for s in [
            "Wed, 21-Oct-2015 07:28:00 GMT",
            "21 October 2015 07:28:00",
            "2015 Oct 21 7:28:0",
            "Wednesday 21 OCT 2015 07:28:00 UTC",
            "07:28:00 21 oct 2015",
            "Wed, 21 Oct 2015 07:28:00 GMT+0100 (extra)",
            "21 Octxyz 2015 07:28:00xx",
        ] {
            assert_eq!(date(s), want, "{s}");
        }
    }

    #[test]
    fn date_invalid_is_none() {
        for s in [
            "",
            "garbage",
            "Wed, 21 Oct 2015",
            "Wed, 21 Oct 07:28:00 GMT",
            "Wed, 32 Oct 2015 07:28:00 GMT",
            "Wed, 00 Oct 2015 07:28:00 GMT",
            "Mon, 31 Feb 2021 07:28:00 GMT",
            "Thu, 29 Feb 1900 00:00:00 GMT",
            "Wed, 21 Oct 2015 24:00:00 GMT",
            "Wed, 21 Oct 2015 23:60:00 GMT",
            "Wed, 21 Oct 2015 23:59:60 GMT",
            "Wed, 21 Oct 1600 07:28:00 GMT",
            "Wed, 21 Xyz 2015 07:28:00 GMT",
            "Wed, 21 Oct 20155 07:28:00 GMT",
            "Wed, 123 Oct 2015 07:28:00 GMT",
        ] {
            assert_eq!(date(s), None, "{s}");
        }
    }

    #[test]
    fn date_leap_days_and_extremes() {
        assert_eq!(date("29 Feb 2000 00:00:00"), Some(951_782_400));
        assert_eq!(date("29 Feb 2024 12:00:00"), Some(1_709_208_000));
        assert!(date("29 Feb 2023 12:00:00").is_none());
        assert_eq!(date("31 Dec 9999 23:59:59"), Some(253_402_300_799));
        // Before 1970: a time before the epoch.
        let t = parse_cookie_date("01 Jan 1601 00:00:00").unwrap();
        assert_eq!(
            UNIX_EPOCH.duration_since(t).unwrap().as_secs(),
            11_644_473_600
        );
    }

    #[test]
    fn days_from_civil_known_points() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1601, 1, 1), -134_774);
    }

    // ---- Set-Cookie parsing ----

    #[test]
    fn parse_name_value_trimmed() {
        let c = parse_set_cookie(b" a = b c \t; Path=/").unwrap();
        assert_eq!((c.name.as_str(), c.value.as_str()), ("a", "b c"));
        let c = parse_set_cookie(b"a=b=c; x").unwrap();
        assert_eq!(c.value, "b=c");
        let c = parse_set_cookie(b"a=\"quoted\"").unwrap();
        assert_eq!(c.value, "\"quoted\"");
        let c = parse_set_cookie(b"a=").unwrap();
        assert_eq!(c.value, "");
    }

    #[test]
    fn parse_without_equals_or_name_is_ignored() {
        assert_eq!(parse_set_cookie(b"novalue"), None);
        assert_eq!(parse_set_cookie(b"novalue; a=b"), None);
        assert_eq!(parse_set_cookie(b"=value"), None);
        assert_eq!(parse_set_cookie(b"  =value"), None);
        assert_eq!(parse_set_cookie(b""), None);
        assert_eq!(parse_set_cookie(b";a=b"), None);
    }

    #[test]
    fn parse_control_chars_or_invalid_utf8_ignored() {
        assert_eq!(parse_set_cookie(b"a=b\r\nX: y"), None);
        assert_eq!(parse_set_cookie(b"a=b\0"), None);
        assert_eq!(parse_set_cookie(b"a=b\x7f"), None);
        assert_eq!(parse_set_cookie(b"a=\xff\xfe"), None);
        assert!(parse_set_cookie(b"a=b\tc").is_some());
        // Non-UTF-8 only in attributes: the cookie stays, the bad attribute is ignored.
        let c = parse_set_cookie(b"a=b; Path=/\xff; Secure").unwrap();
        assert!(c.secure);
        assert_eq!(c.path.as_deref(), Some("/\u{fffd}"));
    }

    #[test]
    fn parse_attributes_case_insensitive_last_wins() {
        let c = parse_set_cookie(
            b"a=b; PATH=/x; path=/y; SECURE; httponly; DOMAIN=.Example.com; samesite=STRICT; Max-Age=10; max-age=20",
        )
        .unwrap();
        assert_eq!(c.path.as_deref(), Some("/y"));
        assert!(c.secure && c.http_only);
        assert_eq!(c.domain.as_deref(), Some("example.com"));
        assert_eq!(c.same_site, Some(SameSite::Strict));
        assert_eq!(c.max_age, Some(MaxAge::Secs(20)));
        let c = parse_set_cookie(b"a=b; SameSite=Lax; SameSite=bogus").unwrap();
        assert_eq!(c.same_site, None);
        let c = parse_set_cookie(b"a=b; SameSite=none").unwrap();
        assert_eq!(c.same_site, Some(SameSite::None));
    }

    #[test]
    fn parse_max_age_forms() {
        assert_eq!(parse_max_age("0"), Some(MaxAge::Expire));
        assert_eq!(parse_max_age("-1"), Some(MaxAge::Expire));
        assert_eq!(parse_max_age("-0"), Some(MaxAge::Expire));
        assert_eq!(parse_max_age("42"), Some(MaxAge::Secs(42)));
        assert_eq!(
            parse_max_age("99999999999999999999999"),
            Some(MaxAge::Secs(u64::MAX))
        );
        for bad in ["", "-", "+5", "1x", " 1", "1.5", "\u{661}"] {
            assert_eq!(parse_max_age(bad), None, "{bad:?}");
        }
        // An invalid Max-Age is ignored, not a deletion.
        let c = parse_set_cookie(b"a=b; Max-Age=soon").unwrap();
        assert_eq!(c.max_age, None);
    }

    #[test]
    fn parse_long_attribute_value_ignored() {
        let line = format!("a=b; Path=/{}", "p".repeat(MAX_ATTRIBUTE_VALUE_SIZE));
        assert_eq!(parse_set_cookie(line.as_bytes()).unwrap().path, None);
        let line = format!("a=b; Path=/{}", "p".repeat(MAX_ATTRIBUTE_VALUE_SIZE - 1));
        assert!(parse_set_cookie(line.as_bytes()).unwrap().path.is_some());
    }

    #[test]
    fn default_path_algorithm() {
        assert_eq!(default_path(""), "/");
        assert_eq!(default_path("/"), "/");
        assert_eq!(default_path("/a"), "/");
        assert_eq!(default_path("/a/"), "/a");
        assert_eq!(default_path("/a/b/c"), "/a/b");
        assert_eq!(default_path("no-slash"), "/");
    }

    #[test]
    fn path_match_rules() {
        assert!(path_match("/a", "/a"));
        assert!(path_match("/a/b", "/a"));
        assert!(path_match("/a/b", "/a/"));
        assert!(path_match("/anything", "/"));
        assert!(!path_match("/ab", "/a"));
        assert!(!path_match("/b", "/a"));
        assert!(!path_match("/", "/a"));
        assert!(!path_match("/A", "/a"));
    }

    #[test]
    fn domain_match_rules() {
        assert!(domain_match("example.com", false, "example.com"));
        assert!(domain_match("a.example.com", false, "example.com"));
        assert!(!domain_match("badexample.com", false, "example.com"));
        assert!(!domain_match("example.com", false, "a.example.com"));
        assert!(domain_match("1.2.3.4", true, "1.2.3.4"));
        assert!(!domain_match("1.2.3.4", true, "2.3.4"));
    }

    // ---- the jar ----

    #[test]
    fn jar_round_trip_basic() {
        let jar = jar_with("http://example.com/", &["a=1", "b=2"]);
        assert_eq!(
            header(&jar, "http://example.com/x").as_deref(),
            Some("a=1; b=2")
        );
        assert_eq!(header(&jar, "http://example.org/"), None);
        assert_eq!(jar.len(), 2);
    }

    #[test]
    fn jar_path_a_not_sent_to_b() {
        let jar = jar_with("http://example.com/a/page", &["c=1; Path=/a"]);
        assert_eq!(header(&jar, "http://example.com/a").as_deref(), Some("c=1"));
        assert_eq!(
            header(&jar, "http://example.com/a/x/y").as_deref(),
            Some("c=1")
        );
        assert_eq!(header(&jar, "http://example.com/b"), None);
        assert_eq!(header(&jar, "http://example.com/ab"), None);
        assert_eq!(header(&jar, "http://example.com/"), None);
    }

    #[test]
    fn jar_default_path_from_request() {
        let jar = jar_with(
            "http://example.com/docs/guide/intro",
            &["d=1", "e=1; Path=rel"],
        );
        for c in jar.cookies() {
            assert_eq!(c.path(), "/docs/guide");
        }
        assert_eq!(
            header(&jar, "http://example.com/docs/guide/other").as_deref(),
            Some("d=1; e=1")
        );
        assert_eq!(header(&jar, "http://example.com/docs/"), None);
    }

    #[test]
    fn jar_host_only_vs_domain_cookies() {
        let jar = jar_with(
            "http://example.com/",
            &["host=1", "dom=1; Domain=example.com"],
        );
        assert_eq!(
            header(&jar, "http://example.com/").as_deref(),
            Some("host=1; dom=1")
        );
        assert_eq!(
            header(&jar, "http://a.example.com/").as_deref(),
            Some("dom=1")
        );
        assert_eq!(
            header(&jar, "http://x.y.example.com/").as_deref(),
            Some("dom=1")
        );
        assert_eq!(header(&jar, "http://badexample.com/"), None);
        assert_eq!(header(&jar, "http://com/"), None);

        // Set from a subdomain: host-only stays there; Domain reaches the parent and siblings.
        let jar = jar_with(
            "http://a.example.com/",
            &["sub=1", "parent=1; Domain=.example.com"],
        );
        assert_eq!(
            header(&jar, "http://a.example.com/").as_deref(),
            Some("sub=1; parent=1")
        );
        assert_eq!(
            header(&jar, "http://example.com/").as_deref(),
            Some("parent=1")
        );
        assert_eq!(
            header(&jar, "http://b.example.com/").as_deref(),
            Some("parent=1")
        );
        assert_eq!(header(&jar, "http://badexample.com/"), None);
        let cookies = jar.cookies();
        assert!(cookies[0].host_only() && cookies[0].domain() == "a.example.com");
        assert!(!cookies[1].host_only() && cookies[1].domain() == "example.com");
    }

    #[test]
    fn jar_domain_not_matching_host_ignored() {
        let jar = jar_with(
            "http://example.com/",
            &[
                "a=1; Domain=a.example.com",
                "b=1; Domain=badexample.com",
                "c=1; Domain=ample.com",
                "d=1; Domain=example.org",
            ],
        );
        assert!(jar.is_empty());
    }

    #[test]
    fn jar_domain_case_and_leading_dot_normalized() {
        let jar = jar_with("http://WWW.Example.COM/", &["a=1; Domain=.EXAMPLE.com"]);
        assert_eq!(jar.cookies()[0].domain(), "example.com");
        assert_eq!(header(&jar, "http://example.com/").as_deref(), Some("a=1"));
        // An empty Domain, or just a dot, means host-only.
        let jar = jar_with(
            "http://www.example.com/",
            &["a=1; Domain=", "b=1; Domain=."],
        );
        assert!(jar.cookies().iter().all(|c| c.host_only()));
        assert_eq!(header(&jar, "http://example.com/"), None);
    }

    #[test]
    fn jar_single_label_domain_rejected_unless_host() {
        let jar = jar_with(
            "http://example.com/",
            &["a=1; Domain=com", "b=1; Domain=.com", "c=1; Domain=com."],
        );
        assert!(jar.is_empty());
        let jar = jar_with("http://localhost:8080/", &["a=1; Domain=localhost"]);
        let c = &jar.cookies()[0];
        assert!(c.host_only());
        assert_eq!(header(&jar, "http://localhost/").as_deref(), Some("a=1"));
        let jar = jar_with("http://app.localhost/", &["a=1; Domain=localhost"]);
        assert!(jar.is_empty());
    }

    #[test]
    fn jar_ip_literal_domain_only_when_host() {
        let jar = jar_with(
            "http://127.0.0.1:5000/",
            &["a=1; Domain=127.0.0.1", "b=1; Domain=0.0.1"],
        );
        let cookies = jar.cookies();
        assert_eq!(cookies.len(), 1);
        assert!(cookies[0].host_only());
        assert_eq!(header(&jar, "http://127.0.0.1/").as_deref(), Some("a=1"));
        assert_eq!(header(&jar, "http://127.0.0.2/"), None);

        let jar = jar_with("http://a.example.com/", &["a=1; Domain=127.0.0.1"]);
        assert!(jar.is_empty());

        let jar = jar_with(
            "http://[::1]:8080/x",
            &["v6=1", "w=1; Domain=[::1]", "z=1; Domain=::2"],
        );
        assert_eq!(jar.len(), 2);
        assert_eq!(header(&jar, "http://[::1]/").as_deref(), Some("v6=1; w=1"));
        assert_eq!(header(&jar, "http://[::2]/"), None);
    }

    #[test]
    fn jar_idn_domain_canonicalized() {
        let jar = jar_with(
            "http://b\u{fc}cher.example/",
            &["a=1; Domain=B\u{dc}CHER.example"],
        );
        assert_eq!(jar.cookies()[0].domain(), "xn--bcher-kva.example");
        assert!(!jar.cookies()[0].host_only());
        assert_eq!(
            header(&jar, "http://www.xn--bcher-kva.example/").as_deref(),
            Some("a=1")
        );
    }

    #[test]
    fn jar_secure_not_sent_over_http() {
        let jar = jar_with("https://example.com/", &["s=1; Secure", "p=1"]);
        assert_eq!(
            header(&jar, "https://example.com/").as_deref(),
            Some("s=1; p=1")
        );
        assert_eq!(header(&jar, "http://example.com/").as_deref(), Some("p=1"));
        let jar = jar_with("https://localhost/", &["s=1; Secure"]);
        assert_eq!(header(&jar, "http://localhost/"), None);
        let jar = jar_with("https://127.0.0.1/", &["s=1; Secure"]);
        assert_eq!(header(&jar, "http://127.0.0.1/"), None);
        assert_eq!(header(&jar, "https://127.0.0.1/").as_deref(), Some("s=1"));
    }

    #[test]
    fn jar_secure_cookie_from_http_ignored() {
        let jar = jar_with("http://example.com/", &["s=1; Secure"]);
        assert!(jar.is_empty());
        let jar = jar_with("http://localhost/", &["s=1; Secure"]);
        assert!(jar.is_empty());
    }

    #[test]
    fn jar_http_cannot_overwrite_secure_cookie() {
        let jar = jar_with(
            "https://example.com/",
            &["s=secret; Secure; Domain=example.com"],
        );
        jar.store_at(&url("http://example.com/"), b"s=evil", at(NOW));
        jar.store_at(
            &url("http://a.example.com/"),
            b"s=evil; Path=/deeper",
            at(NOW),
        );
        jar.store_at(&url("http://example.com/"), b"s=; Max-Age=0", at(NOW));
        assert_eq!(
            header(&jar, "https://a.example.com/deeper").as_deref(),
            Some("s=secret")
        );
        // Over https it can be replaced.
        jar.store_at(
            &url("https://example.com/"),
            b"s=new; Secure; Domain=example.com",
            at(NOW),
        );
        assert_eq!(
            header(&jar, "https://example.com/").as_deref(),
            Some("s=new")
        );
        // A different name over http is fine.
        jar.store_at(&url("http://example.com/"), b"t=1", at(NOW));
        assert_eq!(jar.len(), 2);
    }

    #[test]
    fn jar_max_age_zero_deletes() {
        let jar = jar_with("http://example.com/", &["a=1", "b=1"]);
        jar.store_at(&url("http://example.com/"), b"a=gone; Max-Age=0", at(NOW));
        assert_eq!(header(&jar, "http://example.com/").as_deref(), Some("b=1"));
        jar.store_at(
            &url("http://example.com/"),
            b"b=gone; Max-Age=-100",
            at(NOW),
        );
        assert_eq!(header(&jar, "http://example.com/"), None);
        assert_eq!(jar.len(), 0);
    }

    #[test]
    fn jar_expires_in_past_deletes() {
        let jar = jar_with("http://example.com/", &["a=1"]);
        jar.store_at(
            &url("http://example.com/"),
            b"a=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            at(NOW),
        );
        assert!(jar.is_empty());
        // Deletion only hits the same name, domain and path.
        let jar = jar_with("http://example.com/p/", &["a=1; Path=/p"]);
        jar.store_at(
            &url("http://example.com/"),
            b"a=x; Path=/; Expires=Sun, 06 Nov 1994 08:49:37 GMT",
            at(NOW),
        );
        assert_eq!(jar.len(), 1);
    }

    #[test]
    fn jar_max_age_wins_over_expires() {
        let past = "Expires=Sun, 06 Nov 1994 08:49:37 GMT";
        let jar = jar_with(
            "http://example.com/",
            &[
                &format!("a=1; {past}; Max-Age=60"),
                &format!("b=1; Max-Age=60; {past}"),
                "c=1; Max-Age=0; Expires=Wed, 21 Oct 2099 07:28:00 GMT",
            ],
        );
        assert_eq!(
            header(&jar, "http://example.com/").as_deref(),
            Some("a=1; b=1")
        );
        let c = &jar.cookies_at(at(NOW))[0];
        assert_eq!(c.expires(), Some(at(NOW + 60)));
    }

    #[test]
    fn jar_cookies_expire_with_time() {
        let jar = jar_with(
            "http://example.com/",
            &[
                "short=1; Max-Age=10",
                "dated=1; Expires=Wed, 01 Jan 2020 00:01:00 GMT",
                "session=1",
            ],
        );
        let later = |secs| jar.header_for_at(&url("http://example.com/"), at(NOW + secs));
        assert_eq!(later(9).as_deref(), Some("short=1; dated=1; session=1"));
        assert_eq!(later(10).as_deref(), Some("dated=1; session=1"));
        assert_eq!(later(60).as_deref(), Some("session=1"));
        // Expired cookies were removed, not just skipped.
        assert_eq!(jar.lock().cookies.len(), 1);
        assert!(jar.cookies()[0].expires().is_none());
    }

    #[test]
    fn jar_expiry_capped_at_400_days() {
        let jar = jar_with(
            "http://example.com/",
            &[
                "a=1; Max-Age=999999999999",
                "b=1; Max-Age=99999999999999999999999",
                "c=1; Expires=31 Dec 9999 23:59:59",
            ],
        );
        let cookies = jar.cookies_at(at(NOW));
        assert_eq!(cookies.len(), 3);
        for c in cookies {
            assert_eq!(c.expires(), Some(at(NOW) + MAX_EXPIRY), "{c}");
        }
    }

    #[test]
    fn jar_replacement_keeps_creation_order() {
        let jar = jar_with("http://example.com/", &["a=1", "b=1", "a=2"]);
        assert_eq!(
            header(&jar, "http://example.com/").as_deref(),
            Some("a=2; b=1")
        );
        assert_eq!(jar.len(), 2);
        // Same name, other path: a second cookie.
        jar.store_at(&url("http://example.com/"), b"a=3; Path=/x", at(NOW));
        assert_eq!(jar.len(), 3);
        assert_eq!(
            header(&jar, "http://example.com/x").as_deref(),
            Some("a=3; a=2; b=1")
        );
        // Same name and path, but host-only vs domain: different domains only when they differ.
        jar.store_at(
            &url("http://example.com/"),
            b"a=4; Domain=example.com",
            at(NOW),
        );
        assert_eq!(jar.len(), 3);
        assert!(!jar.cookies()[0].host_only());
    }

    #[test]
    fn jar_orders_longer_path_first_then_older() {
        let jar = jar_with(
            "http://example.com/",
            &[
                "root1=1; Path=/",
                "deep=1; Path=/a/b",
                "mid=1; Path=/a",
                "root2=1; Path=/",
            ],
        );
        assert_eq!(
            header(&jar, "http://example.com/a/b/c").as_deref(),
            Some("deep=1; mid=1; root1=1; root2=1")
        );
    }

    #[test]
    fn jar_keeps_same_site_and_http_only() {
        let jar = jar_with(
            "https://example.com/",
            &["a=1; HttpOnly; SameSite=None; Secure"],
        );
        let c = &jar.cookies()[0];
        assert!(c.http_only() && c.secure());
        assert_eq!(c.same_site(), Some(SameSite::None));
        // HttpOnly cookies are sent: this is the HTTP API.
        assert_eq!(header(&jar, "https://example.com/").as_deref(), Some("a=1"));
    }

    #[test]
    fn jar_cookie_size_limit() {
        let fits = format!("n={}", "v".repeat(MAX_COOKIE_SIZE - 1));
        let too_big = format!("n={}", "v".repeat(MAX_COOKIE_SIZE));
        let jar = jar_with("http://example.com/", &[&fits]);
        assert_eq!(jar.len(), 1);
        let jar = jar_with("http://example.com/", &[&too_big]);
        assert!(jar.is_empty());
        // A too-big replacement leaves the old cookie alone.
        let jar = jar_with("http://example.com/", &["n=small", &too_big]);
        assert_eq!(
            header(&jar, "http://example.com/").as_deref(),
            Some("n=small")
        );
    }

    #[test]
    fn jar_per_domain_limit_evicts_least_recently_used() {
        let jar = CookieJar::new();
        let u = url("https://example.com/");
        // c0 is the oldest, but the only one an http request uses.
        jar.store_at(&u, b"c0=1", at(NOW));
        for i in 1..MAX_COOKIES_PER_DOMAIN {
            jar.store_at(&u, format!("c{i}=1; Secure").as_bytes(), at(NOW));
        }
        jar.store_at(&url("http://other.example/"), b"o=1", at(NOW));
        assert_eq!(header(&jar, "http://example.com/").as_deref(), Some("c0=1"));
        jar.store_at(&u, b"extra=1", at(NOW));
        let names: Vec<String> = jar
            .cookies()
            .iter()
            .filter(|c| c.domain() == "example.com")
            .map(|c| c.name().to_owned())
            .collect();
        assert_eq!(names.len(), MAX_COOKIES_PER_DOMAIN);
        assert!(names.contains(&"c0".to_owned()));
        assert!(!names.contains(&"c1".to_owned()));
        assert!(names.contains(&"c2".to_owned()));
        assert!(names.contains(&"extra".to_owned()));
        // Other domains are untouched.
        assert_eq!(
            header(&jar, "http://other.example/").as_deref(),
            Some("o=1")
        );
    }

    #[test]
    fn jar_total_limit_evicts_oldest() {
        let jar = CookieJar::new();
        let per = MAX_COOKIES_PER_DOMAIN;
        let domains = MAX_COOKIES / per + 2;
        for d in 0..domains {
            let u = url(&format!("http://d{d}.example/"));
            for i in 0..per {
                jar.store_at(&u, format!("c{i}=1").as_bytes(), at(NOW));
            }
        }
        assert_eq!(jar.len(), MAX_COOKIES);
        // The first two domains, the oldest, went.
        assert_eq!(header(&jar, "http://d0.example/"), None);
        assert_eq!(header(&jar, "http://d1.example/"), None);
        assert!(header(&jar, "http://d2.example/").is_some());
        assert!(header(&jar, &format!("http://d{}.example/", domains - 1)).is_some());
    }

    #[test]
    fn jar_clear_len_and_snapshot() {
        let jar = jar_with("http://example.com/", &["a=1", "b=2; Path=/p"]);
        let snap = jar.cookies();
        assert_eq!(snap.len(), 2);
        assert_eq!(snap[1].to_string(), "b=2");
        assert_eq!(snap[1].path(), "/p");
        assert!(snap[1].expires().is_none());
        jar.clear();
        assert_eq!(jar.len(), 0);
        assert!(jar.is_empty());
        assert_eq!(header(&jar, "http://example.com/p"), None);
        // The snapshot is independent of the jar.
        assert_eq!(snap.len(), 2);
    }

    #[test]
    fn jar_urls_without_host_ignored() {
        let jar = CookieJar::new();
        jar.store(&url("data:text/plain,hi"), b"a=1");
        jar.store(&url("file:///tmp/x"), b"a=1");
        assert!(jar.is_empty());
        assert_eq!(jar.header_for(&url("data:text/plain,hi")), None);
    }

    #[test]
    fn jar_is_send_sync_and_debug_hides_values() {
        fn check<T: Send + Sync>() {}
        check::<CookieJar>();
        let jar = jar_with("http://example.com/", &["secret=hunter2"]);
        let dbg = format!("{jar:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }

    #[test]
    fn jar_never_panics_on_odd_input() {
        let jar = CookieJar::new();
        let u = url("https://a.b.example.com/x/y");
        let line: &[u8] = b"n=v; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Max-Age=-; Domain=..; Path=; Secure; SameSite=";
        for i in 0..=line.len() {
            jar.store_at(&u, &line[..i], at(NOW));
            jar.store_at(&u, &line[i..], at(NOW));
        }
        for b in 0..=255u8 {
            jar.store_at(&u, &[b'a', b'=', b, b';', b' ', b, b'=', b], at(NOW));
            jar.store_at(
                &u,
                &[
                    b'a', b'=', b'1', b';', b'D', b'o', b'm', b'a', b'i', b'n', b'=', b,
                ],
                at(NOW),
            );
            let _ = parse_cookie_date(&String::from_utf8_lossy(&[b'1', b, b'2', b':', b, b'9']));
        }
        for d in [
            "Domain=[",
            "Domain=[]",
            "Domain=%",
            "Domain=a..b",
            "Domain=-.com",
            "Domain=\u{ff}",
            "Domain=.",
            "Domain=..",
            "Domain=999.999.999.999",
            "Domain=[::1",
        ] {
            jar.store_at(&u, format!("a=1; {d}").as_bytes(), at(NOW));
        }
        let _ = jar.header_for_at(&u, at(NOW));
    }
}
