//! End-to-end tests of the facade against local servers: pool, retries, redirects, timeouts,
//! limits, text, errors and headers.

mod support;

use std::io::Read;
use std::time::{Duration, Instant};

use support::echo_server::EchoServer;
use support::raw_server::{ConnCtx, ScriptServer};
use wirequest::{Client, ErrorKind};

fn ok_response(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A server that answers every request on a connection with `response`.
fn answering(response: Vec<u8>) -> ScriptServer {
    ScriptServer::start(move |mut ctx: ConnCtx| {
        for _ in 0..100 {
            if ctx.read_request().is_none() || !ctx.send(&response) {
                return;
            }
        }
    })
}

fn echo_text(client: &Client, url: String) -> String {
    client.get(url).send().unwrap().text().unwrap()
}

// ------------------------------------------------------------------------------------ pool

#[test]
fn pool_sequential_requests_share_one_connection() {
    let server = EchoServer::start();
    let client = Client::new();
    for i in 0..5 {
        let resp = client
            .get(server.url(&format!("/echo/{i}")))
            .send()
            .unwrap();
        assert_eq!(resp.header("x-conn"), Some("1"));
        resp.bytes().unwrap();
    }
    assert_eq!(server.connections_accepted(), 1);
    assert_eq!(client.idle_connections(), 1);
}

#[test]
fn pool_clones_share_connections_and_streamed_bodies_return_them() {
    let server = EchoServer::start();
    let client = Client::new();
    let clone = client.clone();
    let mut reader = client
        .get(server.url("/echo/a"))
        .send()
        .unwrap()
        .into_reader();
    let mut body = Vec::new();
    reader.read_to_end(&mut body).unwrap();
    let mut sink = Vec::new();
    clone
        .get(server.url("/echo/b"))
        .send()
        .unwrap()
        .copy_to(&mut sink)
        .unwrap();
    assert!(sink.starts_with(b"GET /echo/b "));
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn pool_unread_large_body_costs_the_connection() {
    let big = "x".repeat(1 << 20);
    let server = answering(ok_response(&big));
    let client = Client::new();
    let resp = client.get(server.url("/")).send().unwrap();
    drop(resp);
    assert_eq!(
        client
            .get(server.url("/"))
            .send()
            .unwrap()
            .bytes()
            .unwrap()
            .len(),
        1 << 20
    );
    assert_eq!(server.connections_accepted(), 2);
}

#[test]
fn pool_idle_timeout_expires_connections() {
    let server = EchoServer::start();
    let client = Client::builder()
        .idle_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    echo_text(&client, server.url("/echo/1"));
    std::thread::sleep(Duration::from_millis(300));
    echo_text(&client, server.url("/echo/2"));
    assert_eq!(server.connections_accepted(), 2);
}

#[test]
fn pool_max_idle_zero_disables_reuse() {
    let server = EchoServer::start();
    let client = Client::builder().max_idle_per_host(0).build().unwrap();
    echo_text(&client, server.url("/echo/1"));
    echo_text(&client, server.url("/echo/2"));
    assert_eq!(server.connections_accepted(), 2);
}

#[test]
fn pool_server_closed_idle_connection_is_replaced() {
    // Answers one request per connection, keep-alive, then closes 50 ms later.
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() && ctx.send(&ok_response("hi")) {
            std::thread::sleep(Duration::from_millis(50));
            ctx.close_gracefully();
        }
    });
    let client = Client::new();
    for _ in 0..3 {
        assert_eq!(
            client.get(server.url("/")).send().unwrap().text().unwrap(),
            "hi"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(server.connections_accepted(), 3);
}

/// Connection 1 answers its first request, then swallows the second and closes: a reused
/// connection that dies before any response byte.
fn dies_on_second_request() -> ScriptServer {
    ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_none() || !ctx.send(&ok_response("first")) {
            return;
        }
        if ctx.conn == 1 {
            if ctx.read_request().is_some() {
                ctx.close_gracefully();
            }
        } else {
            while ctx.read_request().is_some() {
                if !ctx.send(&ok_response("fresh")) {
                    return;
                }
            }
        }
    })
}

#[test]
fn retry_idempotent_request_once_on_fresh_connection() {
    let server = dies_on_second_request();
    let client = Client::new();
    client
        .get(server.url("/a"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let resp = client.put(server.url("/b")).body("v").send().unwrap();
    assert_eq!(
        resp.text().unwrap(),
        "first",
        "the fresh connection's first answer"
    );
    let puts = server
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count();
    assert_eq!(puts, 2, "PUT is idempotent: sent again on a new connection");
    assert_eq!(server.connections_accepted(), 2);
}

#[test]
fn retry_never_replays_patch() {
    let server = dies_on_second_request();
    let client = Client::new();
    client
        .get(server.url("/a"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let err = client
        .patch(server.url("/b"))
        .json(&serde_json::json!({"n": 1}))
        .send()
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Incomplete | ErrorKind::Io),
        "{err}"
    );
    let patches = server
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(patches, 1, "a PATCH must never be sent twice");
}

// ------------------------------------------------------------------------------- redirects

#[test]
fn redirects_followed_with_history_and_final_url() {
    let server = EchoServer::start();
    let resp = Client::new()
        .get(server.url("/redirect/302/2/echo/end?q=1"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.url().path(), "/echo/end");
    assert_eq!(resp.url().query(), Some("q=1"));
    let hops: Vec<(u16, String)> = resp
        .history()
        .iter()
        .map(|h| (h.status(), h.url().path().to_owned()))
        .collect();
    let want: Vec<(u16, String)> = (0..3)
        .rev()
        .map(|n| (302, format!("/redirect/302/{n}/echo/end")))
        .collect();
    assert_eq!(hops, want);
}

#[test]
fn redirects_303_turns_patch_into_get_without_body() {
    let server = EchoServer::start();
    let resp = Client::new()
        .patch(server.url("/redirect/303/0/echo/after"))
        .json(&serde_json::json!({"a": 1}))
        .send()
        .unwrap();
    let text = resp.text().unwrap();
    assert!(text.starts_with("GET /echo/after HTTP/1.1"), "{text}");
    assert!(
        !text.to_ascii_lowercase().contains("content-type"),
        "{text}"
    );
    assert!(
        !text.to_ascii_lowercase().contains("content-length"),
        "{text}"
    );
}

#[test]
fn redirects_over_limit_is_too_many_redirects() {
    let server = EchoServer::start();
    let err = Client::new()
        .get(server.url("/redirect/302/5/echo/x"))
        .max_redirects(3)
        .send()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooManyRedirects);
    assert_eq!(
        err.to_string().split(':').next().unwrap(),
        "exceeded 3 redirects for url http"
    );
}

#[test]
fn redirects_loop_is_too_many_redirects_and_named() {
    let server =
        answering(b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n".to_vec());
    let err = Client::new().get(server.url("/loop")).send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooManyRedirects);
    assert!(err.to_string().contains("redirect loop"), "{err}");
    assert_eq!(
        server.requests().len(),
        31,
        "the first request and 30 redirects"
    );
}

#[test]
fn redirects_not_followed_when_disabled() {
    let server = EchoServer::start();
    let resp = Client::builder()
        .follow_redirects(false)
        .build()
        .unwrap()
        .get(server.url("/redirect/301/0/echo/x"))
        .send()
        .unwrap();
    assert_eq!(
        (resp.status(), resp.header("location")),
        (301, Some("/echo/x"))
    );
    let resp = Client::new()
        .get(server.url("/redirect/301/0/echo/x"))
        .follow_redirects(false)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 301);
}

#[test]
fn redirects_to_other_origin_drop_authorization() {
    let a = EchoServer::start();
    let b = EchoServer::start();
    let target = format!("http://127.0.0.1:{}/echo/other", b.port());
    let to_b = format!(
        "/to/302?url={}",
        target.replace(':', "%3A").replace('/', "%2F")
    );
    let resp = Client::new()
        .get(a.url(&to_b))
        .bearer_auth("secret")
        .send()
        .unwrap();
    let text = resp.text().unwrap().to_ascii_lowercase();
    assert!(text.starts_with("get /echo/other"), "{text}");
    assert!(
        !text.contains("authorization"),
        "credentials leaked to another origin: {text}"
    );
    let same = Client::new()
        .get(a.url("/redirect/302/0/echo/same"))
        .bearer_auth("secret")
        .send()
        .unwrap();
    assert!(same
        .text()
        .unwrap()
        .contains("Authorization: Bearer secret"));
}

#[test]
fn redirects_307_with_reader_body_returns_the_redirect() {
    let server = EchoServer::start();
    let resp = Client::new()
        .post(server.url("/redirect/307/0/echo/x"))
        .body_reader(std::io::Cursor::new(b"streamed".to_vec()))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 307);
    assert!(resp.history().is_empty());
}

#[test]
fn redirects_to_unsupported_scheme_is_invalid_url() {
    let server = answering(
        b"HTTP/1.1 302 Found\r\nLocation: ftp://x/y\r\nContent-Length: 0\r\n\r\n".to_vec(),
    );
    let err = Client::new().get(server.url("/")).send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUrl);
}

// -------------------------------------------------------------------------------- timeouts

#[test]
fn timeout_read_stall_is_timeout_kind() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() {
            ctx.hold_open(Duration::from_secs(3));
        }
    });
    let start = Instant::now();
    let err = Client::new()
        .get(server.url("/"))
        .read_timeout(Duration::from_millis(200))
        .send()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.is_timeout());
    assert!(err.to_string().contains("read timed out"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn timeout_deadline_bounds_streamed_body() {
    // A 200-byte body dripped a byte every 20 ms: 4 s in all, far over the 500 ms deadline,
    // though no single read waits long.
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() {
            let body = "b".repeat(200);
            ctx.send(b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n");
            ctx.drip(body.as_bytes(), 1, Duration::from_millis(20));
        }
    });
    let client = Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let mut reader = client.get(server.url("/")).send().unwrap().into_reader();
    let start = Instant::now();
    let mut body = Vec::new();
    let err = reader.read_to_end(&mut body).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<wirequest::Error>())
        .unwrap();
    assert_eq!(inner.kind(), ErrorKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(body.len() < 200);
}

#[test]
fn connect_refused_is_connect_kind_with_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/x");
    let err = wirequest::get(&url).send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert_eq!(err.url().map(|u| u.as_str()), Some(url.as_str()));
    assert!(
        err.to_string().contains(&url) && err.to_string().contains("refused"),
        "{err}"
    );
}

// ---------------------------------------------------------------------- input validation

#[test]
fn invalid_urls_are_invalid_url_kind() {
    for bad in [
        "no scheme",
        "ftp://example.com/",
        "http://",
        "localhost:8080/x",
        "http://exa mple.com/",
    ] {
        let err = wirequest::get(bad).send().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{bad}: {err}");
    }
}

#[test]
fn invalid_headers_are_kept_until_send() {
    let server = EchoServer::start();
    let err = Client::new()
        .get(server.url("/echo"))
        .header("X-Bad", "a\r\nInjected: 1")
        .send()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidHeader);
    let err = Client::new()
        .get(server.url("/echo"))
        .header("Bad Name", "v")
        .send()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidHeader);
    assert_eq!(server.requests().len(), 0, "nothing may be sent");
    assert!(Client::builder()
        .default_header("X", "a\nb")
        .build()
        .is_err());
}

// ---------------------------------------------------------------------------------- limits

#[test]
fn limits_max_body_size_applies_to_bytes_not_reader() {
    let server = answering(ok_response("0123456789abcdef"));
    let client = Client::builder().max_body_size(10).build().unwrap();
    let err = client
        .get(server.url("/"))
        .send()
        .unwrap()
        .bytes()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    let mut all = String::new();
    client
        .get(server.url("/"))
        .send()
        .unwrap()
        .into_reader()
        .read_to_string(&mut all)
        .unwrap();
    assert_eq!(all, "0123456789abcdef");
}

#[test]
fn limits_max_body_size_stops_unannounced_body() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() {
            ctx.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for _ in 0..1000 {
                if !ctx.send(b"400\r\n") || !ctx.send(&[b'z'; 1024]) || !ctx.send(b"\r\n") {
                    return;
                }
            }
        }
    });
    let client = Client::builder().max_body_size(64 * 1024).build().unwrap();
    let err = client
        .get(server.url("/"))
        .send()
        .unwrap()
        .text()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
}

#[test]
fn limits_response_head_size_is_too_large() {
    let big = format!(
        "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
        "v".repeat(4000)
    );
    let server = answering(big.into_bytes());
    let client = Client::builder()
        .max_response_header_size(1024)
        .build()
        .unwrap();
    assert_eq!(
        client.get(server.url("/")).send().unwrap_err().kind(),
        ErrorKind::TooLarge
    );
    assert_eq!(
        Client::new().get(server.url("/")).send().unwrap().status(),
        200
    );
}

// ------------------------------------------------------------------------ text, json, status

#[test]
fn text_uses_charset_and_replaces_invalid_bytes() {
    let latin1 = answering(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Length: 4\r\n\r\ncaf\xe9".to_vec());
    assert_eq!(
        Client::new()
            .get(latin1.url("/"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "café"
    );
    let bad_utf8 = answering(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\na\xffb".to_vec(),
    );
    assert_eq!(
        Client::new()
            .get(bad_utf8.url("/"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "a\u{FFFD}b"
    );
}

#[test]
fn json_decode_error_names_position() {
    let server = answering(ok_response("{\"a\": tru}"));
    let err = Client::new()
        .get(server.url("/"))
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("line 1 column"), "{err}");
}

#[test]
fn error_for_status_reads_like_requests() {
    let server = answering(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec());
    let resp = Client::new().get(server.url("/missing")).send().unwrap();
    assert!(!resp.ok());
    let err = resp.error_for_status().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status);
    assert_eq!(err.status(), Some(404));
    assert_eq!(
        err.to_string(),
        format!(
            "404 Client Error: Not Found for url: {}",
            server.url("/missing")
        )
    );
    let server =
        answering(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".to_vec());
    let err = wirequest::get(server.url("/"))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap_err();
    assert!(err
        .to_string()
        .starts_with("503 Server Error: Service Unavailable for url: "));
}

#[test]
fn response_accessors_report_the_head() {
    let server =
        answering(b"HTTP/1.1 200 OK\r\nETag: \"v7\"\r\nContent-Length: 2\r\n\r\nhi".to_vec());
    let resp = Client::new().get(server.url("/")).send().unwrap();
    assert_eq!(resp.version(), wirequest::Version::Http11);
    assert_eq!(resp.content_length(), Some(2));
    assert_eq!(resp.etag(), Some("\"v7\""));
    assert_eq!(resp.reason(), "OK");
    assert!(resp.elapsed() > Duration::ZERO);
    assert!(resp.ok());
}

#[test]
fn head_request_has_no_body_and_keeps_connection() {
    let server = EchoServer::start();
    let client = Client::new();
    let resp = client.head(server.url("/echo/h")).send().unwrap();
    assert!(resp.content_length().unwrap() > 0);
    assert!(resp.bytes().unwrap().is_empty());
    echo_text(&client, server.url("/echo/after"));
    assert_eq!(server.connections_accepted(), 1);
}

// --------------------------------------------------------------------------------- headers

#[test]
fn headers_defaults_and_caller_precedence() {
    let server = EchoServer::start();
    let client = Client::builder()
        .default_header("X-Team", "core")
        .build()
        .unwrap();
    let text = echo_text(&client, server.url("/echo"));
    assert!(
        text.contains(&format!(
            "User-Agent: wirequest/{}\r\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    assert!(text.contains("Accept: */*\r\n") && text.contains("X-Team: core\r\n"));
    let text = client
        .get(server.url("/echo"))
        .header("user-agent", "mine/2")
        .header("X-Team", "edge")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(text.matches("ser-agent").count(), 1, "{text}");
    assert!(
        text.contains("user-agent: mine/2\r\n")
            && text.contains("X-Team: edge\r\n")
            && !text.contains("core")
    );
}

#[test]
fn headers_caller_content_type_wins_in_any_order() {
    let server = EchoServer::start();
    let client = Client::new();
    let value = serde_json::json!({"a": 1});
    for resp in [
        client
            .post(server.url("/echo"))
            .header("Content-Type", "application/vnd.x+json")
            .json(&value)
            .send(),
        client
            .post(server.url("/echo"))
            .json(&value)
            .header("Content-Type", "application/vnd.x+json")
            .send(),
    ] {
        let text = resp.unwrap().text().unwrap();
        assert_eq!(
            text.to_ascii_lowercase().matches("content-type").count(),
            1,
            "{text}"
        );
        assert!(text.contains("application/vnd.x+json"), "{text}");
    }
}

#[test]
fn headers_append_keeps_both_and_url_credentials_become_basic_auth() {
    let server = EchoServer::start();
    let text = Client::new()
        .get(server.url("/echo"))
        .header_append("X-Tag", "a")
        .header_append("X-Tag", "b")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(text.contains("X-Tag: a\r\nX-Tag: b\r\n"), "{text}");
    let url = format!("http://ada:s%40cret@127.0.0.1:{}/echo", server.port());
    let text = echo_text(&Client::new(), url);
    assert!(
        text.contains("Authorization: Basic YWRhOnNAY3JldA==\r\n"),
        "{text}"
    );
}

#[test]
fn query_and_form_are_urlencoded() {
    let server = EchoServer::start();
    let text = Client::new()
        .post(server.url("/echo/q?x=1"))
        .query(&[("a b", "c&d"), ("é", "~")])
        .form(&[("k", "v w"), ("k", "z")])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        text.starts_with("POST /echo/q?x=1&a+b=c%26d&%C3%A9=%7E HTTP/1.1\r\n"),
        "{text}"
    );
    assert!(text.ends_with("\r\n\r\nk=v+w&k=z"), "{text}");
    assert!(text.contains("Content-Type: application/x-www-form-urlencoded\r\n"));
}

#[test]
fn client_is_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<Client>();
    fn send<T: Send>() {}
    send::<wirequest::Response>();
    send::<wirequest::RequestBuilder>();
}

#[test]
fn failing_body_reader_is_io_error_without_waiting() {
    struct Broken(u8);
    impl Read for Broken {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "disk says no",
                ));
            }
            self.0 -= 1;
            buf[0] = b'x';
            Ok(1)
        }
    }
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        ctx.read_request_head_only();
        ctx.hold_open(Duration::from_secs(5));
    });
    let start = Instant::now();
    let err = Client::new()
        .post(server.url("/"))
        .body_reader(Broken(3))
        .send()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("disk says no"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "a failing reader must not wait for a response"
    );
}

#[test]
fn two_host_headers_refused_before_sending() {
    let server = answering(ok_response("hi"));
    let err = Client::new()
        .get(server.url("/"))
        .header_append("Host", "a.test")
        .header_append("host", "b.test")
        .send()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidHeader, "{err}");
    assert!(err.to_string().contains("more than once"), "{err}");
    assert!(server.requests().is_empty(), "nothing may reach the server");
    // One Host of the caller's own replaces the URL's.
    let resp = Client::new()
        .get(server.url("/"))
        .header("Host", "a.test")
        .send()
        .unwrap();
    assert_eq!(resp.text().unwrap(), "hi");
    let hosts: Vec<_> = server.requests()[0]
        .headers
        .iter()
        .filter(|(n, _)| n == "host")
        .map(|(_, v)| v.clone())
        .collect();
    assert_eq!(hosts, ["a.test"]);
}

#[test]
fn trailers_survive_the_connection_going_back_to_the_pool() {
    let server = answering(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n\
          5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n"
            .to_vec(),
    );
    let client = Client::new();
    for _ in 0..2 {
        let mut reader = client.get(server.url("/")).send().unwrap().into_reader();
        assert!(reader.trailers().is_none(), "no trailers before the end");
        let mut body = String::new();
        reader.read_to_string(&mut body).unwrap();
        assert_eq!(body, "hello");
        let trailers = reader.trailers().expect("trailers after the end");
        assert_eq!(trailers.get("x-checksum"), Some("abc"));
    }
    assert_eq!(
        server.connections_accepted(),
        1,
        "the connection was reused"
    );
}

#[test]
fn connection_returns_with_the_last_byte_not_the_end_of_file() {
    let server = answering(ok_response("hello"));
    let client = Client::new();
    let mut reader = client.get(server.url("/")).send().unwrap().into_reader();
    let mut five = [0u8; 5];
    reader.read_exact(&mut five).unwrap();
    assert_eq!(&five, b"hello");
    // The reader is still alive and has not seen its end, yet its connection is free.
    assert_eq!(client.idle_connections(), 1);
    let again = client.get(server.url("/")).send().unwrap().text().unwrap();
    assert_eq!(again, "hello");
    assert_eq!(server.connections_accepted(), 1);
    assert_eq!(reader.read(&mut five).unwrap(), 0);
}
