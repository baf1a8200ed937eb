//! The main loop: connect or reuse, send, read the head, follow redirects.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use url::{Position, Url};
use wirequest_wire::io::RequestBody;
use wirequest_wire::transport::tcp::{self, TcpTransport};
use wirequest_wire::{
    BodyKind as WireBodyKind, BodyReader, CloseReason, Connection, ErrorClass, HeaderMap, Leniency,
    Method, RequestHead, Target, Timeouts,
};

use crate::body::{Body, BodyKind};
use crate::client::{Client, ClientInner};
use crate::error::{Error, ErrorKind};
use crate::proxy::Proxy;
use crate::reader::{RawBody, ResponseReader};
use crate::redirect;
use crate::request::{check_url, Overrides};
use crate::response::{Redirect, Response};

/// A request ready to go: headers merged with the client's defaults.
pub(crate) struct Prepared<'a> {
    pub method: Method,
    pub url: Url,
    /// Borrowed from the client when the request adds nothing to its defaults.
    pub headers: Cow<'a, HeaderMap>,
    pub body: Body,
    pub overrides: Overrides,
    /// Digest credentials, used on a `401` from the request's own origin.
    #[cfg(feature = "digest-auth")]
    pub digest: Option<(String, String)>,
}

/// The timeouts of one exchange, resolved from client settings and overrides.
struct Plan {
    expect_continue: Option<Duration>,
    connect: Option<Duration>,
    read: Option<Duration>,
    write: Option<Duration>,
    deadline: Option<Instant>,
}

impl Plan {
    fn connect_timeout(&self) -> Result<Option<Duration>, Error> {
        match self.deadline {
            None => Ok(self.connect),
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::wire(wirequest_wire::Error::Timeout("deadline")));
                }
                Ok(Some(self.connect.map_or(left, |c| c.min(left))))
            }
        }
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts {
            read: self.read,
            write: self.write,
            deadline: self.deadline,
        }
    }
}

pub(crate) fn execute(client: &Client, req: Prepared<'_>) -> Result<Response, Error> {
    let inner = &client.inner;
    let cfg = &inner.config;
    let o = req.overrides;
    let start = Instant::now();
    let plan = Plan {
        expect_continue: o.expect_continue,
        connect: o.connect_timeout.or(cfg.connect_timeout),
        read: o.read_timeout.or(cfg.read_timeout),
        write: o.write_timeout.or(cfg.write_timeout),
        deadline: o.timeout.or(cfg.timeout).map(|t| start + t),
    };
    let follow = o.follow_redirects.unwrap_or(cfg.follow_redirects);
    let max_redirects = o.max_redirects.unwrap_or(cfg.max_redirects);

    #[cfg(feature = "digest-auth")]
    let mut digest = req.digest.clone();
    let Prepared {
        mut method,
        mut url,
        mut headers,
        mut body,
        ..
    } = req;
    let mut history: Vec<Redirect> = Vec::new();
    let mut first_hop = Some(start);
    // Whether the Cookie header is the jar's (replaced every hop) or the caller's own.
    #[cfg(feature = "cookies")]
    let mut jar_cookie = false;
    loop {
        #[cfg(feature = "cookies")]
        if let Some(jar) = &inner.jar {
            if jar_cookie || !headers.contains_key("cookie") {
                let value = jar.header_for(&url);
                if jar_cookie || value.is_some() {
                    let h = headers.to_mut();
                    h.remove("cookie");
                    if let Some(v) = value {
                        h.append("Cookie", &v).map_err(Error::wire)?;
                    }
                    jar_cookie = true;
                }
            }
        }
        // The first hop starts with the request (one clock read fewer); later ones now.
        let hop_start = first_hop.take().unwrap_or_else(Instant::now);
        let sent = send_once(client, &plan, &method, &url, &headers, &mut body);
        #[cfg(feature = "log")]
        crate::logging::exchange(&method, &url, &headers, &sent, hop_start.elapsed());
        let mut resp = sent?;
        resp.elapsed = hop_start.elapsed();
        #[cfg(feature = "cookies")]
        if let Some(jar) = &inner.jar {
            for value in resp.headers.get_all_bytes("set-cookie") {
                jar.store(&url, value);
            }
        }
        #[cfg(feature = "digest-auth")]
        if resp.status == 401 && body.is_replayable() {
            if let Some((user, pass)) = digest.take() {
                let challenge = crate::digest::choose(resp.headers.get_all("www-authenticate"));
                if let Some(challenge) = challenge {
                    let uri = &url[Position::BeforePath..Position::AfterQuery];
                    let cnonce = crate::digest::new_cnonce();
                    let answer =
                        challenge.authorization(&user, &pass, method.as_str(), uri, 1, &cnonce);
                    headers
                        .to_mut()
                        .insert("Authorization", &answer)
                        .map_err(Error::wire)?;
                    resp.body.discard();
                    continue;
                }
            }
        }
        let location = match resp.headers.get("location") {
            Some(l) if follow && redirect::is_redirect(resp.status) => l.to_owned(),
            _ => return Ok(resp.finish(url, history)),
        };
        let (next_method, keep_body) = redirect::next_method(resp.status, &method);
        if keep_body && !body.is_replayable() {
            // A streamed body is gone; the caller gets the redirect to act on.
            return Ok(resp.finish(url, history));
        }
        if history.len() as u32 >= max_redirects {
            let looped = history.iter().any(|h| h.url == url);
            let msg = if looped {
                format!("redirect loop: exceeded {max_redirects} redirects")
            } else {
                format!("exceeded {max_redirects} redirects")
            };
            return Err(Error::new(ErrorKind::TooManyRedirects, msg)
                .with_status(resp.status)
                .with_url(&url));
        }
        let next = url.join(&location).map_err(|e| {
            Error::new(
                ErrorKind::InvalidUrl,
                format!("invalid redirect location {location:?}"),
            )
            .with_source(e)
            .with_url(&url)
        })?;
        check_url(&next).map_err(|e| e.with_url(&url))?;
        let headers = headers.to_mut();
        if !keep_body {
            body = Body::empty();
            headers.remove("content-type");
            headers.remove("content-length");
            headers.remove("transfer-encoding");
        }
        if redirect::origin_changed(&url, &next) {
            headers.remove("authorization");
            headers.remove("proxy-authorization");
            // A Cookie the caller set was meant for this origin only (the jar's own cookies
            // are chosen again for the next URL).
            headers.remove("cookie");
            #[cfg(feature = "digest-auth")]
            {
                digest = None;
            }
            if let Some(auth) = crate::auth::from_url(&next) {
                headers
                    .append("Authorization", &auth)
                    .map_err(Error::wire)?;
            }
        }
        history.push(Redirect {
            status: resp.status,
            url,
        });
        resp.body.discard();
        method = next_method;
        url = next;
    }
}

/// A response head and its body reader, before the final URL and history are attached.
pub(crate) struct Exchange {
    pub status: u16,
    pub reason: Cow<'static, str>,
    pub version: wirequest_wire::Version,
    pub headers: HeaderMap,
    pub elapsed: Duration,
    pub body: ResponseReader,
    pub max_body_size: u64,
}

impl Exchange {
    fn finish(self, url: Url, history: Vec<Redirect>) -> Response {
        Response {
            status: self.status,
            reason: self.reason,
            version: self.version,
            headers: self.headers,
            url,
            history,
            elapsed: self.elapsed,
            body: self.body,
            max_body_size: self.max_body_size,
        }
    }
}

/// One request and its response head, on a pooled or new connection, retried once on a new
/// connection when a reused one failed before any response byte and replay is safe.
fn send_once(
    client: &Client,
    plan: &Plan,
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    body: &mut Body,
) -> Result<Exchange, Error> {
    let inner = &client.inner;
    let cfg = &inner.config;
    let https = url.scheme() == "https";
    let host = url.host_str().unwrap_or_default();
    let port = url
        .port_or_known_default()
        .unwrap_or(if https { 443 } else { 80 });
    let proxy = match cfg.proxy.for_url(url) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(msg)) => {
            return Err(
                Error::new(ErrorKind::Connect, format!("unusable proxy setting: {msg}"))
                    .with_url(url),
            )
        }
    };
    let via = proxy.map(Proxy::address);
    // Plain http through a proxy shares the proxy's connections whatever the origin; https
    // tunnels are per origin.
    let forward = proxy.filter(|_| !https);
    let retry_safe = method.is_idempotent() && body.is_replayable();
    let (key, mut pooled) = match forward {
        Some(p) => inner
            .pool
            .checkout(false, &p.host, p.port, via.as_deref(), retry_safe),
        None => inner
            .pool
            .checkout(https, host, port, via.as_deref(), retry_safe),
    };
    let absolute;
    let target = match forward {
        // absolute-form, without userinfo or fragment
        Some(_) => {
            absolute = format!(
                "http://{}",
                &url[Position::BeforeHost..Position::AfterQuery]
            );
            Target::Absolute(&absolute)
        }
        None => Target::Origin {
            path: url.path(),
            query: url.query(),
        },
    };
    let mut with_proxy_auth;
    let headers = match forward.and_then(|p| p.auth.as_deref()) {
        Some(auth) if !headers.contains_key("proxy-authorization") => {
            with_proxy_auth = headers.clone();
            with_proxy_auth
                .append("Proxy-Authorization", auth)
                .map_err(Error::wire)?;
            &with_proxy_auth
        }
        _ => headers,
    };
    // The URL serializes the port only when it is not the scheme's default, and IPv6 hosts in
    // brackets: exactly the Host value, without formatting one.
    let head = RequestHead {
        method,
        target,
        host: Some(&url[Position::BeforeHost..Position::AfterPort]),
        headers,
    };
    let mut retried = false;
    loop {
        let (mut conn, reused) = match pooled.take() {
            Some(c) => (c, true),
            None => {
                let origin = (https, host, port);
                let conn = connect(inner, origin, proxy, headers, plan);
                (conn.map_err(|e| e.with_url(url))?, false)
            }
        };
        conn.set_timeouts(plan.timeouts());
        conn.set_parsing(cfg.limits, Leniency::default());
        let sent = match plan.expect_continue {
            None => conn.send_request(&head, wire_body(body)).map(|_| None),
            Some(wait) => conn.send_request_with_continue(&head, wire_body(body), wait, method),
        };
        let result = match sent {
            // The server answered before the body went: that answer is the response.
            Ok(Some(early)) => Ok((early, Some(CloseReason::ClientClose))),
            Ok(None) => conn.read_response_head(method).map(|r| (r, None)),
            // The server may have answered (413, 401...) and closed before taking the whole
            // body; its answer is more useful than the broken pipe.
            Err(e @ wirequest_wire::Error::Io(..)) if conn.requests_sent() > 0 => conn
                .read_response_head(method)
                .map(|r| (r, Some(CloseReason::Error)))
                .map_err(|_| e),
            Err(e) => Err(e),
        };
        match result {
            Ok(((head, kind), forbid)) => {
                let remaining_hint = match kind {
                    WireBodyKind::Length(n) => Some(n),
                    WireBodyKind::Empty => Some(0),
                    _ => None,
                };
                let mut reader = BodyReader::new(conn, &head, kind);
                if let Some(reason) = forbid {
                    reader.forbid_reuse(reason);
                }
                let body = ResponseReader::new(
                    RawBody {
                        reader: Some(reader),
                        pool: Some((client.inner.clone(), key)),
                        trailers: None,
                    },
                    remaining_hint,
                    head.headers.get("content-encoding"),
                );
                return Ok(Exchange {
                    status: head.status,
                    reason: head.reason,
                    version: head.version,
                    headers: head.headers,
                    elapsed: Duration::ZERO,
                    body,
                    max_body_size: cfg.max_body_size,
                });
            }
            Err(e) => {
                // A reused connection that died before answering was most likely closed by
                // the server while idle: one new try, if sending again cannot do harm.
                let stale = reused
                    && !retried
                    && !conn.received_response_bytes()
                    && retry_safe
                    && matches!(e.class(), ErrorClass::Io | ErrorClass::Incomplete);
                if stale {
                    retried = true;
                    continue;
                }
                return Err(Error::wire(e).with_url(url));
            }
        }
    }
}

fn wire_body(body: &mut Body) -> RequestBody<'_> {
    match &mut body.kind {
        BodyKind::Empty => RequestBody::None,
        BodyKind::Bytes(b) => RequestBody::Bytes(b),
        BodyKind::Reader { reader, len } => RequestBody::Reader {
            reader: &mut **reader,
            len: *len,
        },
    }
}

/// A new connection: `connect_to` overrides or DNS, TCP (to the proxy when there is one), a
/// `CONNECT` tunnel for https through a proxy, and TLS for https.
fn connect(
    inner: &ClientInner,
    (https, host, port): (bool, &str, u16),
    proxy: Option<&Proxy>,
    headers: &HeaderMap,
    plan: &Plan,
) -> Result<Connection, Error> {
    let (dial_host, dial_port) = proxy.map_or((host, port), |p| (p.host.as_str(), p.port));
    let bare = dial_host.trim_start_matches('[').trim_end_matches(']');
    let timeout = plan.connect_timeout()?;
    let dialed = match inner
        .config
        .connect_to
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(bare))
    {
        Some((_, addr)) => Ok(vec![*addr]),
        None => tcp::resolve(bare, dial_port),
    }
    .and_then(|addrs| tcp::connect(&addrs, timeout));
    let stream = match (dialed, proxy) {
        (Ok(s), _) => s,
        (Err(e), Some(p)) => {
            let msg = format!(
                "could not connect to proxy {} (from {})",
                p.address(),
                p.source
            );
            return Err(Error::new(ErrorKind::Connect, msg).with_source(e));
        }
        (Err(e), None) => return Err(Error::wire(e)),
    };
    if !https {
        return Ok(Connection::new(Box::new(TcpTransport::new(stream))));
    }
    if let Some(p) = proxy {
        tunnel(&stream, host, port, p, headers, plan)?;
    }
    #[cfg(feature = "tls")]
    {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let tls = inner
            .tls
            .connect(stream, bare, timeout)
            .map_err(Error::wire)?;
        Ok(Connection::new(Box::new(tls)))
    }
    #[cfg(not(feature = "tls"))]
    {
        drop(stream);
        Err(Error::new(
            ErrorKind::InvalidUrl,
            "https needs the \"tls\" feature",
        ))
    }
}

/// Opens a `CONNECT` tunnel through `proxy` to `host:port` on `stream`. The exchange runs on a
/// duplicate of the socket, so the engine's parser and limits apply and the socket itself is
/// left positioned at the start of the tunnel.
fn tunnel(
    stream: &std::net::TcpStream,
    host: &str,
    port: u16,
    proxy: &Proxy,
    headers: &HeaderMap,
    plan: &Plan,
) -> Result<(), Error> {
    let refused = |detail: String| {
        Error::new(
            ErrorKind::Connect,
            format!(
                "proxy {} (from {}) refused CONNECT to {host}:{port}: {detail}",
                proxy.address(),
                proxy.source
            ),
        )
    };
    let dup = stream.try_clone().map_err(|e| refused(e.to_string()))?;
    let mut conn = Connection::new(Box::new(TcpTransport::new(dup)));
    conn.set_timeouts(plan.timeouts());
    let authority = format!("{host}:{port}");
    let mut connect_headers = HeaderMap::new();
    if let Some(ua) = headers.get("user-agent") {
        connect_headers
            .append("User-Agent", ua)
            .map_err(Error::wire)?;
    }
    if let Some(auth) = &proxy.auth {
        connect_headers
            .append("Proxy-Authorization", auth)
            .map_err(Error::wire)?;
    }
    let head = RequestHead {
        method: &Method::CONNECT,
        target: Target::Authority(&authority),
        host: Some(&authority),
        headers: &connect_headers,
    };
    conn.send_request(&head, RequestBody::None)
        .and_then(|_| conn.read_response_head(&Method::CONNECT))
        .map_err(|e| refused(e.to_string()).with_source(e))
        .and_then(|(resp, _)| {
            if (200..300).contains(&resp.status) {
                conn.into_stream()
                    .map(drop)
                    .map_err(|e| refused(e.to_string()).with_source(e))
            } else {
                Err(refused(format!("{} {}", resp.status, resp.reason)))
            }
        })
}
