//! gzip and deflate response decoding (feature `gzip`), bombs and corrupt streams included.

mod support;

use std::io::{Read, Write};

use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::Compression;
use support::echo_server::EchoServer;
use support::raw_server::{ConnCtx, ScriptServer};
use wirequest::{Client, ErrorKind};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Serves `body` with `Content-Encoding: coding`, chunked (so the gzip stream ends before the
/// framing does), to every request on a connection.
fn serving(coding: &'static str, body: Vec<u8>) -> ScriptServer {
    ScriptServer::start(move |mut ctx: ConnCtx| {
        while ctx.read_request().is_some() {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nTransfer-Encoding: chunked\r\n\r\n");
            let mut out = head.into_bytes();
            for piece in body.chunks(1000) {
                out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            if !ctx.send(&out) {
                return;
            }
        }
    })
}

const TEXT: &str = "the quick brown fox jumps over the lazy dog. ";

#[test]
fn gzip_body_decoded_and_connection_reused() {
    let plain = TEXT.repeat(500);
    let server = serving("gzip", gzip(plain.as_bytes()));
    let client = Client::new();
    for _ in 0..2 {
        assert_eq!(
            client.get(server.url("/")).send().unwrap().text().unwrap(),
            plain
        );
    }
    assert_eq!(
        server.connections_accepted(),
        1,
        "the gzip stream's end must not cost the connection"
    );
    let req = &server.requests()[0];
    assert_eq!(req.header("accept-encoding"), Some("gzip, deflate"));
}

#[test]
fn deflate_zlib_and_raw_both_decoded() {
    let plain = TEXT.repeat(100);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(plain.as_bytes()).unwrap();
    let mut raw = DeflateEncoder::new(Vec::new(), Compression::default());
    raw.write_all(plain.as_bytes()).unwrap();
    for body in [z.finish().unwrap(), raw.finish().unwrap()] {
        let server = serving("deflate", body);
        assert_eq!(
            Client::new()
                .get(server.url("/"))
                .send()
                .unwrap()
                .text()
                .unwrap(),
            plain
        );
    }
}

#[test]
fn gzip_bomb_stops_at_max_body_size() {
    // 128 MiB of zeros is about 128 KiB compressed: far over the 4 MiB limit.
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..128 {
        e.write_all(&zeros).unwrap();
    }
    let server = serving("gzip", e.finish().unwrap());
    let client = Client::builder().max_body_size(4 << 20).build().unwrap();
    let err = client
        .get(server.url("/"))
        .send()
        .unwrap()
        .bytes()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
}

#[test]
fn corrupt_gzip_is_decode_error() {
    let mut body = gzip(TEXT.repeat(50).as_bytes());
    let mid = body.len() / 2;
    for b in &mut body[mid..mid + 8] {
        *b ^= 0x5a;
    }
    let server = serving("gzip", body);
    let err = Client::new()
        .get(server.url("/"))
        .send()
        .unwrap()
        .bytes()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    let server = serving("gzip", b"not gzip at all".to_vec());
    let mut reader = Client::new()
        .get(server.url("/"))
        .send()
        .unwrap()
        .into_reader();
    let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<wirequest::Error>())
        .unwrap();
    assert_eq!(inner.kind(), ErrorKind::Decode);
}

#[test]
fn unknown_coding_and_caller_accept_encoding_left_alone() {
    let server = serving("br", b"opaque".to_vec());
    assert_eq!(
        Client::new()
            .get(server.url("/"))
            .send()
            .unwrap()
            .bytes()
            .unwrap(),
        b"opaque"
    );
    let echo = EchoServer::start();
    let text = Client::new()
        .get(echo.url("/echo"))
        .header("Accept-Encoding", "identity")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        text.contains("Accept-Encoding: identity\r\n") && !text.contains("gzip"),
        "{text}"
    );
}

#[test]
fn empty_gzip_body_on_head_is_fine() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        while ctx.read_request().is_some() {
            if !ctx.send(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n")
            {
                return;
            }
        }
    });
    assert!(Client::new()
        .get(server.url("/"))
        .send()
        .unwrap()
        .bytes()
        .unwrap()
        .is_empty());
    assert!(Client::new()
        .head(server.url("/"))
        .send()
        .unwrap()
        .bytes()
        .unwrap()
        .is_empty());
}

#[test]
fn gzip_padding_and_empty_chunked_body_are_fine() {
    // Zero padding after the member (some servers add it) is ignored, as urllib3 does, and
    // the rest of the body is still read so the connection is reused.
    let plain = TEXT.repeat(20);
    let body = [gzip(plain.as_bytes()), vec![0; 100]].concat();
    let server = serving("gzip", body);
    let client = Client::new();
    for _ in 0..2 {
        assert_eq!(
            client.get(server.url("/")).send().unwrap().text().unwrap(),
            plain
        );
    }
    assert_eq!(server.connections_accepted(), 1);
    // No bytes at all, without Content-Length: 0 to say so.
    let server = serving("gzip", Vec::new());
    assert!(Client::new()
        .get(server.url("/"))
        .send()
        .unwrap()
        .bytes()
        .unwrap()
        .is_empty());
}

#[test]
fn deflate_body_cut_before_its_first_byte_keeps_failing() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some() {
            ctx.send(b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: 50\r\n\r\n");
        }
    });
    let mut reader = Client::new()
        .get(server.url("/"))
        .send()
        .unwrap()
        .into_reader();
    let mut buf = [0u8; 64];
    for _ in 0..3 {
        let err = reader.read(&mut buf).unwrap_err();
        let inner = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<wirequest::Error>());
        assert_eq!(
            inner.map(|e| e.kind()),
            Some(ErrorKind::Incomplete),
            "{err}"
        );
    }
}
