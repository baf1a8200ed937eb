//! `Expect: 100-continue` and client certificates, end to end.

mod support;

use std::time::{Duration, Instant};

use support::raw_server::{ConnCtx, ScriptServer};
use support::tls_server::{make_pki, TlsServer};
use wirequest::{Client, ErrorKind};

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn expect_continue_sends_body_after_100() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        let Some(head) = ctx.read_request_head_only() else {
            return;
        };
        if head.header("expect") != Some("100-continue") {
            ctx.send(&ok("no expect header"));
            return;
        }
        ctx.send(b"HTTP/1.1 100 Continue\r\n\r\n");
        // The body follows the head on the same connection; read it as the next bytes.
        let mut body = vec![0u8; 5];
        use std::io::Read;
        ctx.stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .ok();
        if ctx.stream.read_exact(&mut body).is_ok() {
            ctx.send(&ok(&format!("got {}", String::from_utf8_lossy(&body))));
        }
    });
    let resp = Client::new()
        .put(server.url("/upload"))
        .body("hello")
        .expect_continue(Duration::from_secs(5))
        .send()
        .unwrap();
    assert_eq!(resp.text().unwrap(), "got hello");
}

#[test]
fn expect_continue_early_final_status_skips_body() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request_head_only().is_some() {
            ctx.send(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
            ctx.close_gracefully();
        }
    });
    let start = Instant::now();
    let resp = Client::new()
        .put(server.url("/upload"))
        .body(vec![7u8; 1 << 20])
        .expect_continue(Duration::from_secs(5))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "must not wait for the timeout"
    );
}

#[test]
fn expect_continue_silent_server_gets_body_after_wait() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if let Some(req) = ctx.read_request() {
            ctx.send(&ok(&format!("{} bytes", req.body.len())));
        }
    });
    let start = Instant::now();
    let resp = Client::new()
        .post(server.url("/"))
        .body(vec![1u8; 1000])
        .expect_continue(Duration::from_millis(300))
        .send()
        .unwrap();
    assert_eq!(resp.text().unwrap(), "1000 bytes");
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[test]
fn expect_continue_not_sent_without_body() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if let Some(req) = ctx.read_request() {
            ctx.send(&ok(req.header("expect").unwrap_or("none")));
        }
    });
    let resp = Client::new()
        .get(server.url("/"))
        .expect_continue(Duration::from_secs(5))
        .send()
        .unwrap();
    assert_eq!(resp.text().unwrap(), "none");
}

#[test]
fn mtls_client_certificate_accepted_and_required() {
    let server_pki = make_pki(&["localhost"], false);
    let client_pki = make_pki(&["client.test"], false);
    let server = TlsServer::start(&server_pki, Some(&client_pki.ca_pem));
    let url = format!("https://localhost:{}/", server.addr().port());
    let with_cert = Client::builder()
        .add_root_certificate_pem(server_pki.ca_pem.as_bytes())
        .client_certificate_pem(
            client_pki.leaf_pem.as_bytes(),
            client_pki.leaf_key_pem.as_bytes(),
        )
        .build()
        .unwrap();
    assert_eq!(with_cert.get(&url).send().unwrap().text().unwrap(), "ok");
    let without = Client::builder()
        .add_root_certificate_pem(server_pki.ca_pem.as_bytes())
        .build()
        .unwrap();
    let err = without.get(&url).send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(
        server.handshakes(),
        1,
        "only the client with a certificate got through"
    );
}

#[test]
fn mtls_bad_pem_fails_the_build() {
    let err = Client::builder()
        .client_certificate_pem(b"nope", b"nope")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
}
