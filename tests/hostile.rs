//! Servers that misbehave on purpose, through the facade: each must end in the right error or
//! the right response, never a hang, a short success, or bytes from the wrong response.

mod support;

use std::io::Read;
use std::time::{Duration, Instant};

use support::raw_server::{ConnCtx, ScriptServer};
use wirequest::{Client, ErrorKind};

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn drip_forever_ends_at_deadline() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() {
            ctx.send(b"HTTP/1.1 200 OK\r\n");
            // One header byte every 10 ms, for longer than any client should wait.
            ctx.drip(&[b'a'; 800], 1, Duration::from_millis(10));
        }
    });
    let start = Instant::now();
    let client = Client::builder()
        .timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let err = client.get(server.url("/")).send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("deadline"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn endless_header_section_is_too_large() {
    for line in [
        &b"X-Endless: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\r\n"[..],
        b"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv",
    ] {
        let line = line.to_vec();
        let server = ScriptServer::start(move |mut ctx: ConnCtx| {
            if ctx.read_request().is_some() && ctx.send(b"HTTP/1.1 200 OK\r\n") {
                for _ in 0..100_000 {
                    if !ctx.send(&line) {
                        return;
                    }
                }
            }
        });
        let err = Client::new().get(server.url("/")).send().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
    }
}

/// Sends an endless body: chunked, or delimited by a close that never comes.
fn endless_body(chunked: bool) -> ScriptServer {
    ScriptServer::start(move |mut ctx: ConnCtx| {
        if ctx.read_request().is_none() {
            return;
        }
        let head: &[u8] = if chunked {
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        } else {
            b"HTTP/1.1 200 OK\r\n\r\n"
        };
        ctx.send(head);
        let data = vec![b'z'; 64 * 1024];
        for _ in 0..100_000 {
            let sent = if chunked {
                ctx.send(b"10000\r\n") && ctx.send(&data) && ctx.send(b"\r\n")
            } else {
                ctx.send(&data)
            };
            if !sent {
                return;
            }
        }
    })
}

#[test]
fn endless_bodies_stop_at_max_body_size() {
    for chunked in [true, false] {
        let server = endless_body(chunked);
        let client = Client::builder().max_body_size(1 << 20).build().unwrap();
        let err = client
            .get(server.url("/"))
            .send()
            .unwrap()
            .bytes()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooLarge, "chunked={chunked}: {err}");
    }
}

#[test]
fn endless_body_streams_in_bounded_reads() {
    let server = endless_body(true);
    let mut reader = Client::new()
        .get(server.url("/"))
        .send()
        .unwrap()
        .into_reader();
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0usize;
    while total < 32 << 20 {
        let n = reader.read(&mut buf).unwrap();
        assert!(n > 0 && n <= buf.len());
        total += n;
    }
}

/// How a reset server behaves: `before` the head, `during` it, `after` it, or mid-body.
fn resetting(at: &'static str) -> ScriptServer {
    ScriptServer::start(move |mut ctx: ConnCtx| {
        if ctx.read_request().is_none() {
            return;
        }
        let bytes: &[u8] = match at {
            "before" => b"",
            "during" => b"HTTP/1.1 200 OK\r\nContent-Le",
            "after" => b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
            _ => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        };
        ctx.send(bytes);
        std::thread::sleep(Duration::from_millis(50));
        ctx.reset();
    })
}

#[test]
fn resets_are_errors_never_short_successes() {
    for at in ["before", "during", "after", "mid-body"] {
        let server = resetting(at);
        let result = Client::new()
            .get(server.url("/"))
            .send()
            .and_then(|r| r.bytes());
        let err = result.expect_err(at);
        assert!(
            matches!(err.kind(), ErrorKind::Io | ErrorKind::Incomplete),
            "{at}: {err}"
        );
    }
}

#[test]
fn bytes_on_idle_connection_never_become_a_response() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() && ctx.send(&ok("first")) {
            std::thread::sleep(Duration::from_millis(100));
            ctx.send(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED");
            while ctx.read_request().is_some() {
                if !ctx.send(&ok("wrong connection")) {
                    return;
                }
            }
        }
    });
    let client = Client::new();
    assert_eq!(
        client.get(server.url("/")).send().unwrap().text().unwrap(),
        "first"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        client.get(server.url("/")).send().unwrap().text().unwrap(),
        "first"
    );
    assert_eq!(
        server.connections_accepted(),
        2,
        "the desynced connection must be dropped"
    );
}

#[test]
fn server_closing_idle_connection_costs_no_patch_twice() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() && ctx.send(&ok("done")) {
            std::thread::sleep(Duration::from_millis(50));
            ctx.close_gracefully();
        }
    });
    let client = Client::new();
    client.get(server.url("/")).send().unwrap().bytes().unwrap();
    std::thread::sleep(Duration::from_millis(250));
    let resp = client
        .patch(server.url("/"))
        .json(&serde_json::json!({"a": 1}))
        .send()
        .unwrap();
    assert_eq!(resp.text().unwrap(), "done");
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(client.get(server.url("/")).send().unwrap().status(), 200);
    let patches = server
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(patches, 1);
}

#[test]
fn extra_bytes_after_content_length_never_read_as_next_response() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() {
            let mut both = ok("hello");
            both.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED");
            ctx.send(&both);
            while ctx.read_request().is_some() {
                if !ctx.send(&ok("same connection")) {
                    return;
                }
            }
        }
    });
    let client = Client::new();
    for _ in 0..2 {
        assert_eq!(
            client.get(server.url("/")).send().unwrap().text().unwrap(),
            "hello"
        );
    }
    assert_eq!(server.connections_accepted(), 2);
}
