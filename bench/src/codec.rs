//! Micro-benchmarks of the wire codec: response head parsing against bare httparse, and chunked
//! decoding throughput. Plain `Instant` loops; each figure is the median of several batches.

use std::hint::black_box;
use std::time::Instant;

use wirequest_wire::decode::BodyDecoder;
use wirequest_wire::{parse_head, BodyKind, HeadScanner, Leniency, Limits};

/// A typical response head: status line and 10 header fields (341 bytes).
pub const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\n\
Date: Tue, 24 Nov 2026 10:00:00 GMT\r\n\
Server: nginx/1.22.1\r\n\
Content-Type: application/json; charset=utf-8\r\n\
Content-Length: 1234\r\n\
Connection: keep-alive\r\n\
Cache-Control: no-cache, private\r\n\
ETag: \"33a64df551425fcc55e4d42a148795d9f25f89d4\"\r\n\
Vary: Accept-Encoding\r\n\
X-Request-Id: 2b1c6f3e-6d8a-4b6c-9f0e-3c2d1a7b8e9f\r\n\
Strict-Transport-Security: max-age=31536000\r\n\
\r\n";

/// Nanoseconds per call of `f`: the median over `batches` batches of `iters` calls.
fn ns_per_call(batches: usize, iters: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..iters / 4 {
        f();
    }
    let mut v: Vec<f64> = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub struct HeadResult {
    pub name: &'static str,
    pub ns: f64,
}

/// Head parsing: each result is ns per head.
pub fn heads(quick: bool) -> Vec<HeadResult> {
    let (batches, iters) = if quick { (7, 50_000) } else { (15, 200_000) };
    let limits = Limits::default();
    let leniency = Leniency::default();
    let mut out = Vec::new();
    out.push(HeadResult {
        name: "httparse, 16 header slots (bare)",
        ns: ns_per_call(batches, iters, || {
            let mut slots = [httparse::EMPTY_HEADER; 16];
            let mut r = httparse::Response::new(&mut slots);
            let n = r.parse(black_box(HEAD)).expect("valid head");
            black_box((n, r.code));
        }),
    });
    out.push(HeadResult {
        name: "httparse, 100 header slots (bare, wirequest's limit)",
        ns: ns_per_call(batches, iters, || {
            let mut slots = [httparse::EMPTY_HEADER; 100];
            let mut r = httparse::Response::new(&mut slots);
            let n = r.parse(black_box(HEAD)).expect("valid head");
            black_box((n, r.code));
        }),
    });
    out.push(HeadResult {
        name: "httparse, 100 uninitialized header slots (bare)",
        ns: ns_per_call(batches, iters, || {
            let mut slots = [const { std::mem::MaybeUninit::uninit() }; 100];
            let mut r = httparse::Response::new(&mut []);
            let n = httparse::ParserConfig::default()
                .parse_response_with_uninit_headers(&mut r, black_box(HEAD), &mut slots)
                .expect("valid head");
            black_box((n, r.code));
        }),
    });
    // What a response costs when its head arrives in one read (the usual case): the start
    // check, then parse_head on the buffer, which finds the end as it parses.
    out.push(HeadResult {
        name: "wirequest, head in one read: check_start + parse_head (owned ResponseHead)",
        ns: ns_per_call(batches, iters, || {
            let mut s = HeadScanner::new();
            s.check_start(black_box(HEAD)).expect("valid start");
            let r = parse_head(black_box(HEAD), &limits, &leniency).expect("valid head");
            black_box(r);
        }),
    });
    out.push(HeadResult {
        name: "wirequest HeadScanner::find_end",
        ns: ns_per_call(batches, iters, || {
            let mut s = HeadScanner::new();
            black_box(s.find_end(black_box(HEAD)));
        }),
    });
    // A head that came in pieces: the scanner finds its end first, then it is parsed once.
    out.push(HeadResult {
        name: "wirequest, head in pieces: find_end + parse_head",
        ns: ns_per_call(batches, iters, || {
            let mut s = HeadScanner::new();
            let n = s.find_end(black_box(HEAD)).expect("complete head");
            let r = parse_head(&HEAD[..n], &limits, &leniency).expect("valid head");
            black_box(r);
        }),
    });
    out
}

pub struct DecodeResult {
    pub name: String,
    pub mib_s: f64,
}

fn encode_chunked(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / chunk * 12 + 16);
    for piece in body.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// Decodes `wire` with a fresh decoder, feeding 64 KiB windows (as a read buffer would) into a
/// 64 KiB output buffer; returns the body bytes.
fn decode_all(kind: BodyKind, wire: &[u8], out: &mut [u8], limits: &Limits) -> u64 {
    let mut d = BodyDecoder::new(kind, limits);
    let mut pos = 0usize;
    let mut total = 0u64;
    while !d.is_done() {
        let end = (pos + 64 * 1024).min(wire.len());
        let (used, produced) = d.decode(&wire[pos..end], out).expect("valid body");
        black_box(&out[..produced]);
        pos += used;
        total += produced as u64;
        if used == 0 && produced == 0 {
            panic!("decoder made no progress at {pos}");
        }
    }
    total
}

/// Chunked decoding throughput (MiB of body per second) for several chunk sizes, with the
/// Content-Length decoder and a plain copy of the same bytes as references.
pub fn chunked(quick: bool) -> Vec<DecodeResult> {
    let body_len = 16 * 1024 * 1024;
    let body: Vec<u8> = (0..body_len).map(|i| b'a' + (i % 26) as u8).collect();
    let mut out = vec![0u8; 64 * 1024];
    let limits = Limits::default();
    let rounds = if quick { 5 } else { 11 };
    let mut results = Vec::new();
    let mut time = |name: String, f: &mut dyn FnMut() -> u64| {
        let mut v: Vec<f64> = (0..rounds)
            .map(|_| {
                let t = Instant::now();
                let n = f();
                assert_eq!(n, body_len as u64, "{name}");
                n as f64 / (1024.0 * 1024.0) / t.elapsed().as_secs_f64()
            })
            .collect();
        v.sort_by(f64::total_cmp);
        results.push(DecodeResult {
            name,
            mib_s: v[v.len() / 2],
        });
    };
    time("memcpy in 64 KiB pieces (reference)".into(), &mut || {
        let mut total = 0u64;
        for piece in body.chunks(64 * 1024) {
            out[..piece.len()].copy_from_slice(black_box(piece));
            black_box(&out);
            total += piece.len() as u64;
        }
        total
    });
    time("Content-Length decoder".into(), &mut || {
        decode_all(BodyKind::Length(body_len as u64), &body, &mut out, &limits)
    });
    for chunk in [64 * 1024, 8 * 1024, 1024, 64] {
        let wire = encode_chunked(&body, chunk);
        let name = if chunk >= 1024 {
            format!("chunked decoder, {} KiB chunks", chunk / 1024)
        } else {
            format!("chunked decoder, {chunk} B chunks")
        };
        time(name, &mut || {
            decode_all(BodyKind::Chunked, &wire, &mut out, &limits)
        });
    }
    results
}
