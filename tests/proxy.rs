//! Proxies end to end: a forward proxy for http (absolute-form requests) and a CONNECT proxy
//! that really tunnels to a TLS server, both written for the tests and counting what passes.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::raw_server::{ConnCtx, ScriptServer};
use support::tls_server::{make_pki, TlsServer};
use wirequest::{Client, ErrorKind};

/// Answers every request itself, echoing the request head it received as the body.
fn forward_proxy() -> ScriptServer {
    ScriptServer::start(|mut ctx: ConnCtx| {
        while let Some(req) = ctx.read_request() {
            let head = String::from_utf8_lossy(&req.raw).into_owned();
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{head}",
                head.len()
            );
            if !ctx.send(resp.as_bytes()) {
                return;
            }
        }
    })
}

/// A CONNECT proxy: `status` other than 200 refuses; 200 tunnels bytes both ways.
fn connect_proxy(status: &'static str) -> ScriptServer {
    ScriptServer::start(move |mut ctx: ConnCtx| {
        let Some(req) = ctx.read_request_head_only() else {
            return;
        };
        if req.method != "CONNECT" || status != "200" {
            ctx.send(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes());
            return;
        }
        let Ok(upstream) = TcpStream::connect(req.target.as_str()) else {
            ctx.send(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        if !ctx.send(b"HTTP/1.1 200 Connection established\r\n\r\n") {
            return;
        }
        let client = ctx.stream.try_clone().unwrap();
        pipe_both_ways(client, upstream);
    })
}

fn pipe_both_ways(client: TcpStream, upstream: TcpStream) {
    fn pipe(mut from: TcpStream, mut to: TcpStream) {
        from.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let mut buf = [0u8; 16 * 1024];
        // Bounded by the read timeout and EOF.
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        to.shutdown(std::net::Shutdown::Write).ok();
    }
    let (c2, u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let t = std::thread::spawn(move || pipe(u2, c2));
    pipe(client, upstream);
    t.join().ok();
}

#[test]
fn http_goes_through_proxy_in_absolute_form_with_credentials() {
    let proxy = forward_proxy();
    let client = Client::builder()
        .proxy(&format!("http://ada:s3cret@127.0.0.1:{}", proxy.port()))
        .build()
        .unwrap();
    let text = client
        .get("http://origin.test:8080/a/b?q=1#frag")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        text.starts_with("GET http://origin.test:8080/a/b?q=1 HTTP/1.1\r\n"),
        "{text}"
    );
    assert!(text.contains("Host: origin.test:8080\r\n"), "{text}");
    assert!(
        text.contains("Proxy-Authorization: Basic YWRhOnMzY3JldA==\r\n"),
        "{text}"
    );
    let other = client
        .get("http://other.test/")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        other.starts_with("GET http://other.test/ HTTP/1.1\r\n"),
        "{other}"
    );
    assert_eq!(
        proxy.connections_accepted(),
        1,
        "one proxy connection serves every origin"
    );
}

#[test]
fn https_goes_through_connect_tunnel() {
    let pki = make_pki(&["localhost"], false);
    let origin = TlsServer::start(&pki, None);
    let proxy = connect_proxy("200");
    let client = Client::builder()
        .proxy(&format!("http://u:p@127.0.0.1:{}", proxy.port()))
        .add_root_certificate_pem(pki.ca_pem.as_bytes())
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/secret", origin.addr().port());
    for _ in 0..2 {
        assert_eq!(client.get(&url).send().unwrap().text().unwrap(), "ok");
    }
    let reqs = proxy.requests();
    assert_eq!(reqs.len(), 1, "one CONNECT, the tunnel reused");
    assert_eq!(
        reqs[0].target,
        format!("localhost:{}", origin.addr().port())
    );
    assert_eq!(reqs[0].header("proxy-authorization"), Some("Basic dTpw"));
    assert_eq!(origin.handshakes(), 1);
}

#[test]
fn refused_connect_is_connect_error_naming_the_proxy() {
    let proxy = connect_proxy("407 Proxy Authentication Required");
    let client = Client::builder()
        .proxy(&format!("127.0.0.1:{}", proxy.port()))
        .build()
        .unwrap();
    let err = client.get("https://localhost:1/").send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    let msg = err.to_string();
    assert!(
        msg.contains("refused CONNECT to localhost:1") && msg.contains("407"),
        "{msg}"
    );
}

#[test]
fn unreachable_proxy_is_connect_error_naming_the_proxy() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .proxy(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let err = client.get("http://example.test/").send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert!(
        err.to_string().contains(&format!(
            "could not connect to proxy 127.0.0.1:{port} (from proxy())"
        )),
        "{err}"
    );
}

#[test]
fn bad_proxy_url_fails_the_build_and_no_proxy_overrides() {
    let err = Client::builder()
        .proxy("socks5://127.0.0.1:1080")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUrl);
    assert!(err.to_string().contains("socks5"), "{err}");
    let proxy = forward_proxy();
    let origin = forward_proxy();
    let client = Client::builder()
        .proxy(&format!("127.0.0.1:{}", proxy.port()))
        .no_proxy()
        .build()
        .unwrap();
    let text = client
        .get(origin.url("/direct"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(text.starts_with("GET /direct HTTP/1.1"), "{text}");
    assert_eq!(proxy.connections_accepted(), 0);
}
