//! The bodies of the wire engine's fuzz targets, one `pub fn(&[u8])` per target.
//!
//! cargo-fuzz runs them through the one-line wrappers in `fuzz_targets/`, and the stable test
//! `tests/fuzz_corpus.rs` includes this very file as a module and runs them over the committed
//! corpus, so CI exercises the same invariants. That is why it uses nothing but
//! `wirequest_wire`, `httparse`, `flate2`, `miniz_oxide` (through the decoder it includes, see
//! `mod inflate` below) and `std`, all dependencies of the root package's tests too, and never
//! names `libfuzzer_sys`.
//!
//! Each body panics only when an invariant breaks: a panic in the engine, an error of the wrong
//! class, a hang (every loop here has a bound derived from the input's length), or a round trip
//! that does not give back what went in. The first few bytes of an input choose the knobs
//! (split sizes, buffer sizes, limits, method); the rest is the bytes under test, so a raw HTTP
//! message behind a few zero bytes is a useful seed.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::Compression;
use wirequest_wire::decode::BodyDecoder;
use wirequest_wire::encode::{ChunkedEncoder, LAST_CHUNK};
use wirequest_wire::{
    chunk_header, is_token, is_valid_value, parse_content_length, parse_head, write_head, BodyKind,
    BodyLength, BodyReader, CloseReason, Connection, Error, ErrorClass, HeadScanner, HeaderMap,
    IdleState, Leniency, Limits, MemoryStream, Method, RequestBody, RequestFraming, RequestHead,
    ResponseHead, Stream, Target, Version,
};

// `wirequest`'s gzip/zlib/deflate decoder is private to it, and uses nothing but `std` and
// `miniz_oxide`, so it is compiled in here from its own file. (A `#[path]` is relative to the
// folder of the file it is in, so this one resolves the same when `tests/fuzz_corpus.rs`
// includes this file; there, with `cfg(test)`, the decoder's own unit tests come along and run
// too, using the root package's `flate2`.)
#[allow(dead_code)]
#[path = "../../crates/api/src/inflate.rs"]
mod inflate;

use inflate::{Format, Inflate};

/// Reads a fuzz input front to back. Past the end every read gives zeros or nothing, so every
/// input, even an empty one, maps to some test.
struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        taken
    }

    /// A length byte, then that many bytes.
    fn field(&mut self) -> &'a [u8] {
        let n = usize::from(self.byte());
        self.bytes(n)
    }

    fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        let taken = self.bytes(8);
        b[..taken.len()].copy_from_slice(taken);
        u64::from_le_bytes(b)
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// A deterministic stream of piece sizes from one seed byte: the low 3 bits pick the largest
/// piece, the rest seed a xorshift, so the fuzzer can steer between byte-at-a-time and big reads.
struct Splits {
    state: u32,
    max: usize,
}

impl Splits {
    /// Everything at once.
    fn whole() -> Splits {
        Splits {
            state: 1,
            max: usize::MAX,
        }
    }

    fn new(seed: u8) -> Splits {
        const MAX: [usize; 8] = [1, 2, 3, 5, 16, 64, 1024, 64 * 1024];
        Splits {
            state: 0x9e37_79b9 ^ u32::from(seed >> 3),
            max: MAX[usize::from(seed & 7)],
        }
    }

    /// The next size, in `1..=max`.
    fn next_size(&mut self) -> usize {
        if self.max == usize::MAX {
            return usize::MAX;
        }
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        (self.state as usize % self.max) + 1
    }
}

fn leniency_from(bits: u8) -> Leniency {
    Leniency {
        allow_obsolete_line_folding: bits & 1 != 0,
        allow_space_before_colon: bits & 2 != 0,
        allow_multiple_spaces_in_status_line: bits & 4 != 0,
    }
}

/// Strips trailing SP and HTAB, as httparse does to every header value it returns.
fn trim_trailing_ows(mut v: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// What every successfully parsed response head must satisfy, whatever bytes it came from.
fn check_parsed_head(head: &ResponseHead, limits: &Limits) {
    assert!(head.status <= 999, "status {} is not 3 digits", head.status);
    assert!(
        head.headers.len() <= limits.max_headers,
        "{} headers over the limit {}",
        head.headers.len(),
        limits.max_headers
    );
    assert!(
        !head.reason.contains(['\r', '\n']),
        "CR/LF in reason {:?}",
        head.reason
    );
    for (name, value) in head.headers.iter_bytes() {
        assert!(
            is_token(name.as_bytes()),
            "header name {name:?} is no token"
        );
        assert!(
            !value.contains(&b'\r') && !value.contains(&b'\n'),
            "CR/LF in the value of {name:?}: {value:?}"
        );
    }
    for (name, text) in head.headers.iter() {
        assert!(
            !text.contains(['\r', '\n']),
            "CR/LF in the text of {name:?}: {text:?}"
        );
    }
}

/// `response_head`: `HeadScanner` and `parse_head` over arbitrary bytes.
///
/// Input: a flags byte (bits 0-2 leniencies, bit 3 custom limits, bits 4-7 the scanner's feed
/// sizes), a header-count byte and a head-size byte (used with bit 3), then the head.
///
/// Invariants: no panic; the incremental scanner finds the same end as a one-shot scan; a parse
/// is `Ok` or a protocol/limit error; an `Ok` head has no CR/LF in any value or the reason, at
/// most the limit's headers, and httparse's reason phrase; it ends (`used`) exactly where the
/// scanner ends the head, whether the bytes after it are given or not.
pub fn response_head(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let max_headers = input.byte();
    let max_head = input.byte();
    let leniency = leniency_from(flags);
    let limits = if flags & 8 != 0 {
        Limits {
            max_headers: usize::from(max_headers),
            max_head_bytes: usize::from(max_head) * 16,
            ..Limits::default()
        }
    } else {
        Limits::default()
    };
    let buf = input.rest();

    let end = HeadScanner::new().find_end(buf);
    if let Some(end) = end {
        assert!(end <= buf.len());
    }
    // Fed a growing buffer, as the exchange does, the scanner must agree with one scan.
    let mut scanner = HeadScanner::new();
    let mut splits = Splits::new(flags >> 4);
    let mut fed = 0;
    let incremental = loop {
        fed = (fed + splits.next_size()).min(buf.len());
        if let Some(e) = scanner.find_end(&buf[..fed]) {
            break Some(e);
        }
        if fed == buf.len() {
            break None;
        }
    };
    assert_eq!(incremental, end, "incremental scan disagrees with one scan");

    let check = |r: &Result<(ResponseHead, usize), Error>, len: usize| match r {
        Ok((head, used)) => {
            assert!(*used <= len, "used {used} of {len} bytes");
            assert!(*used <= limits.max_head_bytes);
            check_parsed_head(head, &limits);
        }
        Err(e) => {
            assert!(
                matches!(e.class(), ErrorClass::Protocol | ErrorClass::TooLarge),
                "unexpected error class for {e:?}"
            );
            let _ = e.to_string();
        }
    };
    let scanned = end.map(|end| parse_head(&buf[..end], &limits, &leniency));
    if let (Some(end), Some(r)) = (end, &scanned) {
        check(r, end);
        if let Ok((_, used)) = r {
            // The exchange parses exactly the scanned bytes and moves on by `used`: were they
            // to differ, head bytes would be read as body (or body bytes as a head), a desync.
            assert_eq!(
                *used, end,
                "the head parsed from the scanned bytes ends elsewhere"
            );
        }
    }
    let whole = parse_head(buf, &limits, &leniency);
    check(&whole, buf.len());
    if let Ok((head, used)) = &whole {
        assert_reason_as_httparse(buf, head, &limits, &leniency);
        // Both skip blank lines before the status line and end the head at the first blank
        // line after it.
        assert_eq!(
            end,
            Some(*used),
            "httparse and the scanner end the head apart"
        );
        let cut = parse_head(&buf[..*used], &limits, &leniency);
        assert_eq!(cut, whole, "head parses differently when cut at its end");
    }
}

/// The reason phrase must be the one httparse found, where httparse reports one (it reports an
/// empty one for a phrase with obs-text, which the engine keeps as Latin-1), minus leading
/// spaces.
fn assert_reason_as_httparse(
    buf: &[u8],
    head: &ResponseHead,
    limits: &Limits,
    leniency: &Leniency,
) {
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut resp = httparse::Response::new(&mut slots);
    let mut config = httparse::ParserConfig::default();
    config
        .allow_obsolete_multiline_headers_in_responses(leniency.allow_obsolete_line_folding)
        .allow_spaces_after_header_name_in_responses(leniency.allow_space_before_colon)
        .allow_multiple_spaces_in_response_status_delimiters(
            leniency.allow_multiple_spaces_in_status_line,
        );
    if config.parse_response(&mut resp, buf).is_ok() {
        // The engine drops spaces before the phrase, as Python's http.client does.
        if let Some(reason) = resp.reason.filter(|r| !r.is_empty()) {
            let reason = reason.trim_start_matches(' ');
            assert_eq!(head.reason, reason, "reason phrase differs from httparse's");
        }
    }
}

/// What feeding a decoder some way produced.
#[derive(Debug)]
struct Decoded {
    body: Vec<u8>,
    /// Input bytes the decoder reported using (meaningful when `result` is `Ok`).
    used: usize,
    /// `Ok(())` when the body ended, else the first error (an early EOF included).
    result: Result<(), Error>,
    trailers: Option<Vec<(String, Vec<u8>)>>,
}

/// Checks that a failed decoder keeps failing the same way, whatever it is given next.
fn assert_sticky(dec: &mut BodyDecoder, e: &Error) {
    let mut out = [0u8; 16];
    assert_eq!(dec.decode(b"0\r\n\r\n", &mut out).as_ref(), Err(e));
    assert_eq!(dec.decode(b"", &mut out).as_ref(), Err(e));
    assert_eq!(dec.on_eof().as_ref(), Err(e));
    assert!(!dec.is_done(), "done after {e:?}");
    assert_eq!(dec.direct_window(), 0, "direct window open after {e:?}");
}

/// Ends a decoding run: a decoder that is not done at EOF must report an early end, counting
/// the bytes it produced.
fn finish(mut dec: BodyDecoder, body: Vec<u8>, used: usize) -> Decoded {
    assert_eq!(dec.received(), body.len() as u64, "received() miscounts");
    let result = if dec.is_done() {
        assert!(dec.on_eof().is_ok(), "a done decoder rejects EOF");
        Ok(())
    } else {
        let r = dec.on_eof();
        if let Err(e) = &r {
            assert_sticky(&mut dec, e);
        }
        r
    };
    let trailers = dec.trailers().map(|t| {
        t.iter_bytes()
            .map(|(n, v)| (n.to_owned(), v.to_vec()))
            .collect()
    });
    if result.is_ok() {
        assert!(trailers.is_some(), "done without a trailer map");
    }
    Decoded {
        body,
        used,
        result,
        trailers,
    }
}

/// Feeds `input` to a chunked decoder in pieces of `sizes`, into an output buffer of
/// `out_size`, decoding everything buffered before the next piece arrives.
fn decode_pieces(limits: &Limits, input: &[u8], sizes: &mut Splits, out_size: usize) -> Decoded {
    let mut dec = BodyDecoder::new(BodyKind::Chunked, limits);
    let mut out = vec![0u8; out_size];
    let mut pending: Vec<u8> = Vec::new();
    let mut body = Vec::new();
    let mut used_total = 0;
    let mut fed = 0;
    loop {
        let n = sizes.next_size().min(input.len() - fed);
        pending.extend_from_slice(&input[fed..fed + n]);
        fed += n;
        // Every call but the last uses or produces at least one byte.
        let mut stalled = false;
        for _ in 0..pending.len() + 2 {
            match dec.decode(&pending, &mut out) {
                Ok((used, produced)) => {
                    assert!(used <= pending.len(), "used {used} of {}", pending.len());
                    assert!(produced <= out.len());
                    assert!(produced <= used, "more output than input");
                    body.extend_from_slice(&out[..produced]);
                    pending.drain(..used);
                    used_total += used;
                    if used == 0 && produced == 0 {
                        stalled = true;
                        break;
                    }
                }
                Err(e) => {
                    assert_sticky(&mut dec, &e);
                    return Decoded {
                        body,
                        used: used_total,
                        result: Err(e),
                        trailers: None,
                    };
                }
            }
        }
        assert!(stalled, "decoder kept going without input");
        if !pending.is_empty() {
            assert!(
                dec.is_done(),
                "input left unused by a decoder that is not done"
            );
        }
        if fed == input.len() {
            break;
        }
    }
    finish(dec, body, used_total)
}

/// Feeds `input` the way `BodyReader` does: buffered bytes through `decode`, and, when nothing
/// is buffered and the decoder is inside chunk data, raw bytes straight into the output with
/// `consume_direct`.
fn decode_direct(limits: &Limits, input: &[u8], sizes: &mut Splits, out_size: usize) -> Decoded {
    let mut dec = BodyDecoder::new(BodyKind::Chunked, limits);
    let mut out = vec![0u8; out_size];
    let mut pending: Vec<u8> = Vec::new();
    let mut body = Vec::new();
    let mut used_total = 0;
    let mut pos = 0;
    // Each turn decodes, reads directly or buffers at least one byte, or stops.
    for _ in 0..2 * input.len() + 8 {
        if dec.is_done() {
            return finish(dec, body, used_total);
        }
        if !pending.is_empty() {
            match dec.decode(&pending, &mut out) {
                Ok((used, produced)) => {
                    assert!(used <= pending.len() && produced <= used);
                    body.extend_from_slice(&out[..produced]);
                    pending.drain(..used);
                    used_total += used;
                    if used > 0 || produced > 0 {
                        continue;
                    }
                }
                Err(e) => {
                    assert_sticky(&mut dec, &e);
                    return Decoded {
                        body,
                        used: used_total,
                        result: Err(e),
                        trailers: None,
                    };
                }
            }
        }
        if pos == input.len() {
            return finish(dec, body, used_total);
        }
        let window = dec.direct_window();
        let n = sizes.next_size().min(input.len() - pos);
        if pending.is_empty() && window > 0 {
            let n = n
                .min(out.len())
                .min(usize::try_from(window).unwrap_or(usize::MAX));
            body.extend_from_slice(&input[pos..pos + n]);
            dec.consume_direct(n);
            used_total += n;
            pos += n;
        } else {
            pending.extend_from_slice(&input[pos..pos + n]);
            pos += n;
        }
    }
    panic!("direct decoding made no progress");
}

/// Two ways of feeding the same bytes must agree: the same body, end and trailers, or the same
/// error with one partial body a prefix of the other (output produced in the failing call is
/// not reported, so a split can show a little more of it).
fn assert_same_decoding(reference: &Decoded, other: &Decoded, what: &str) {
    match (&reference.result, &other.result) {
        (Ok(()), Ok(())) => {
            assert_eq!(reference.body, other.body, "{what}: bodies differ");
            assert_eq!(reference.used, other.used, "{what}: input used differs");
            assert_eq!(
                reference.trailers, other.trailers,
                "{what}: trailers differ"
            );
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "{what}: errors differ");
            let (short, long) = if reference.body.len() <= other.body.len() {
                (&reference.body, &other.body)
            } else {
                (&other.body, &reference.body)
            };
            assert!(long.starts_with(short), "{what}: partial bodies diverge");
        }
        (a, b) => panic!("{what}: whole gave {a:?}, split gave {b:?}"),
    }
}

/// `chunked_decode`: a chunked body decoded whole, in input-chosen pieces, and through the
/// direct-read path.
///
/// Input: a split seed (see `Splits`), an output-size byte, a limits byte (bit 0: small
/// extension and trailer budgets from the other bits), then the chunked body.
///
/// Invariants: no panic; every call uses at most what it was given and produces at most what it
/// used; errors are sticky; the result does not depend on how the input was split.
pub fn chunked_decode(data: &[u8]) {
    let mut input = Input::new(data);
    let split_seed = input.byte();
    let out_byte = input.byte();
    let limit_byte = input.byte();
    let limits = if limit_byte & 1 != 0 {
        Limits {
            max_chunk_extensions_bytes: usize::from((limit_byte >> 1) & 7) * 8,
            max_trailer_bytes: usize::from(limit_byte >> 4) * 8,
            ..Limits::default()
        }
    } else {
        Limits::default()
    };
    let body = input.rest();
    let out_size = usize::from(out_byte % 64) + 1;

    let whole = decode_pieces(&limits, body, &mut Splits::whole(), body.len().max(1));
    if whole.result.is_ok() {
        assert!(whole.used <= body.len());
    }
    let split = decode_pieces(&limits, body, &mut Splits::new(split_seed), out_size);
    assert_same_decoding(&whole, &split, "split");
    let direct = decode_direct(&limits, body, &mut Splits::new(split_seed), out_size);
    assert_same_decoding(&whole, &direct, "direct");
}

/// What one blocking exchange produced.
#[derive(Debug)]
struct Exchanged {
    head: Result<(ResponseHead, BodyKind), Error>,
    body: Vec<u8>,
    result: Result<(), Error>,
    /// Whether the connection could carry another request, and if not why.
    reuse: Result<(), CloseReason>,
    trailers: Option<Vec<(String, Vec<u8>)>>,
}

static METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::CONNECT,
    Method::OPTIONS,
    Method::TRACE,
    Method::PATCH,
];

/// Sends one request over a `MemoryStream` holding `response` and reads the response through
/// `read_response_head` and `BodyReader::read_body`.
fn exchange(
    method: &Method,
    response: &[u8],
    max_read: usize,
    out_size: usize,
    opts: u8,
) -> Exchanged {
    let mut stream = MemoryStream::new(response.to_vec());
    stream.max_read = max_read;
    let mut conn = Connection::new(Box::new(stream));
    let limits = if opts & 0x10 != 0 {
        Limits {
            max_head_bytes: 512,
            max_headers: 8,
            max_chunk_extensions_bytes: 32,
            max_trailer_bytes: 64,
        }
    } else {
        Limits::default()
    };
    conn.set_parsing(limits, leniency_from(opts));
    let headers = HeaderMap::new();
    let head = RequestHead {
        method,
        target: Target::Origin {
            path: "/fuzz",
            query: None,
        },
        host: Some("fuzz.example"),
        headers: &headers,
    };
    let body = if opts & 0x20 != 0 {
        RequestBody::Bytes(b"{\"op\":\"fuzz\"}")
    } else {
        RequestBody::None
    };
    conn.send_request(&head, body)
        .expect("a valid request to a memory stream is always sent");

    let (resp, kind) = match conn.read_response_head(method) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                matches!(
                    e.class(),
                    ErrorClass::Protocol | ErrorClass::TooLarge | ErrorClass::Incomplete
                ),
                "unexpected error class reading the head: {e:?}"
            );
            return Exchanged {
                head: Err(e),
                body: Vec::new(),
                result: Ok(()),
                reuse: Err(CloseReason::Error),
                trailers: None,
            };
        }
    };
    check_parsed_head(&resp, &limits);
    assert!(
        !resp.is_interim() && resp.status != 101,
        "interim head returned"
    );
    if *method == Method::HEAD || resp.status == 204 || resp.status == 304 {
        assert_eq!(kind, BodyKind::Empty, "a body on a bodiless response");
    }
    if kind == BodyKind::Chunked {
        assert_eq!(resp.version, Version::Http11, "chunked on HTTP/1.0");
    }

    let mut reader = BodyReader::new(conn, &resp, kind);
    assert_eq!(reader.read_body(&mut []), Ok(0));
    let mut out = vec![0u8; out_size];
    let mut body = Vec::new();
    // Every successful call returns at least one byte, and there are no more body bytes than
    // input bytes, so one call per input byte (and one to end) is enough.
    let mut result = None;
    for _ in 0..response.len() + 2 {
        match reader.read_body(&mut out) {
            Ok(0) => {
                result = Some(Ok(()));
                break;
            }
            Ok(n) => {
                assert!(n <= out.len());
                body.extend_from_slice(&out[..n]);
                assert!(body.len() <= response.len(), "more body than input");
            }
            Err(e) => {
                result = Some(Err(e));
                break;
            }
        }
    }
    let result = result.expect("read_body neither ended nor failed: a hang");
    match &result {
        Ok(()) => {
            // (After an error it may count bytes decoded in the failing call, never returned.)
            assert_eq!(reader.received(), body.len() as u64, "received() miscounts");
            assert!(reader.is_done());
            assert_eq!(reader.read_body(&mut out), Ok(0), "read after the end");
            match kind {
                BodyKind::Length(n) => {
                    assert_eq!(
                        body.len() as u64,
                        n,
                        "Content-Length body of the wrong size"
                    )
                }
                BodyKind::Empty => assert!(body.is_empty(), "bytes from an empty body"),
                BodyKind::CloseDelimited => {
                    assert!(reader.close_reason().is_some(), "close-delimited reused")
                }
                BodyKind::Chunked => assert!(reader.trailers().is_some()),
            }
        }
        Err(e) => {
            assert!(
                matches!(
                    e.class(),
                    ErrorClass::Protocol | ErrorClass::TooLarge | ErrorClass::Incomplete
                ),
                "unexpected error class reading the body: {e:?}"
            );
            assert_eq!(reader.read_body(&mut out).as_ref(), Err(e), "not sticky");
            assert_eq!(reader.close_reason(), Some(CloseReason::BodyNotFinished));
        }
    }
    let trailers = reader.trailers().map(|t| {
        t.iter_bytes()
            .map(|(n, v)| (n.to_owned(), v.to_vec()))
            .collect()
    });
    // Bytes after the body show up in `close_reason` when they were already buffered and in
    // `check_idle` when they were not: together they decide reuse the same way either way.
    let reuse = match reader.into_connection() {
        Ok(mut conn) => conn.check_idle(),
        Err(reason) => Err(reason),
    };
    Exchanged {
        head: Ok((resp, kind)),
        body,
        result,
        reuse,
        trailers,
    }
}

/// `body_framing`: a whole response stream through the blocking exchange.
///
/// Input: a method byte, a read-size byte (`MemoryStream::max_read`; 0 means unbounded), an
/// output-size byte, an options byte (bits 0-2 leniencies, bit 4 small limits, bit 5 send a
/// request body), then the response bytes.
///
/// Invariants: no panic and no hang; errors only of the protocol, limit or early-end classes;
/// no more body than input; a completed `Content-Length` body has exactly that length; errors
/// are sticky; and the outcome is the same as with unbounded reads and a large buffer.
pub fn body_framing(data: &[u8]) {
    let mut input = Input::new(data);
    let method = &METHODS[usize::from(input.byte()) % METHODS.len()];
    let max_read = match input.byte() {
        0 => usize::MAX,
        n => usize::from(n),
    };
    let out_size = match input.byte() {
        n if n >= 0xf0 => 64 * 1024,
        n => usize::from(n) + 1,
    };
    let opts = input.byte();
    let response = input.rest();

    let got = exchange(method, response, max_read, out_size, opts);
    let reference = exchange(method, response, usize::MAX, 64 * 1024, opts);
    assert_eq!(got.head, reference.head, "head depends on read sizes");
    match (&reference.result, &got.result) {
        (Ok(()), Ok(())) => {
            assert_eq!(got.body, reference.body, "body depends on read sizes");
            assert_eq!(got.reuse, reference.reuse, "reuse depends on read sizes");
            assert_eq!(got.trailers, reference.trailers);
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "error depends on read sizes");
            let (short, long) = if got.body.len() <= reference.body.len() {
                (&got.body, &reference.body)
            } else {
                (&reference.body, &got.body)
            };
            assert!(long.starts_with(short), "partial bodies diverge");
        }
        (a, b) => panic!("unbounded reads gave {a:?}, small reads gave {b:?}"),
    }
}

/// Hands out its pieces one `read` at a time (or less, if the buffer is smaller), as a request
/// body source.
struct PieceReader<'a> {
    pieces: std::vec::IntoIter<&'a [u8]>,
    current: &'a [u8],
}

impl Read for PieceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.current.is_empty() {
            self.current = self.pieces.next().unwrap_or(b"");
        }
        let n = self.current.len().min(buf.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = &self.current[n..];
        Ok(n)
    }
}

/// A stream that records what is written where the test can still see it after the
/// `Connection` took ownership.
struct Recorder(Arc<Mutex<Vec<u8>>>);

impl Read for Recorder {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Stream for Recorder {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn set_write_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn idle_state(&mut self) -> IdleState {
        IdleState::Quiet
    }
}

/// Decodes a complete chunked body in pieces from `seed`; asserts it gives `expect` and ends
/// exactly at the end of `wire` (bytes after it left alone).
fn assert_decodes_to(wire: &[u8], expect: &[u8], seed: u8) {
    let mut with_next = wire.to_vec();
    with_next.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    let mut splits = if seed == 0 {
        Splits::whole()
    } else {
        Splits::new(seed)
    };
    let d = decode_pieces(&Limits::default(), &with_next, &mut splits, 7);
    assert_eq!(d.result, Ok(()), "encoded body does not decode");
    assert_eq!(d.body, expect, "round trip changed the body");
    assert_eq!(d.used, wire.len(), "decoder did not stop at the last chunk");
    assert_eq!(d.trailers, Some(Vec::new()));
}

/// `chunked_roundtrip`: pieces framed with `ChunkedEncoder` (and by the exchange's own chunked
/// request writer) decode back to their concatenation.
///
/// Input: a split seed, eight bytes of a length for `chunk_header`, then pieces, each a length
/// byte and that many bytes (zero-length pieces included).
///
/// Invariants: `chunk_header` writes the length in hex; empty pieces get no framing; the
/// decoder gives back exactly the concatenation and stops at the end of the last chunk.
pub fn chunked_roundtrip(data: &[u8]) {
    let mut input = Input::new(data);
    let seed = input.byte();
    let len = input.u64() as usize;
    if len > 0 {
        let mut h = [0u8; 18];
        let n = chunk_header(len, &mut h);
        let line = std::str::from_utf8(&h[..n]).expect("chunk header is ASCII");
        let hex = line
            .strip_suffix("\r\n")
            .expect("chunk header ends in CRLF");
        assert_eq!(usize::from_str_radix(hex, 16), Ok(len), "{line:?}");
        assert!(!hex.starts_with('0'), "leading zero in {line:?}");
    }
    let mut pieces = Vec::new();
    while !input.is_empty() {
        pieces.push(input.field());
    }

    let mut enc = ChunkedEncoder::new();
    let mut wire = Vec::new();
    let mut expect = Vec::new();
    for p in &pieces {
        let mut h = [0u8; 18];
        let (n, tail) = enc.frame(p, &mut h);
        if p.is_empty() {
            assert_eq!((n, tail), (0, &b""[..]), "framing around an empty piece");
        } else {
            let mut want = [0u8; 18];
            let m = chunk_header(p.len(), &mut want);
            assert_eq!((&h[..n], tail), (&want[..m], &b"\r\n"[..]));
        }
        wire.extend_from_slice(&h[..n]);
        wire.extend_from_slice(p);
        wire.extend_from_slice(tail);
        expect.extend_from_slice(p);
    }
    assert_eq!(enc.finish(), LAST_CHUNK);
    assert!(enc.finish().is_empty(), "last chunk written twice");
    let mut h = [0u8; 18];
    assert_eq!(
        enc.frame(b"late", &mut h),
        (0, &b""[..]),
        "data after the end"
    );
    wire.extend_from_slice(LAST_CHUNK);
    assert_decodes_to(&wire, &expect, 0);
    assert_decodes_to(&wire, &expect, seed);

    // The exchange's own writer, with a reader of unknown length: chunked on the wire.
    let written = Arc::new(Mutex::new(Vec::new()));
    let mut conn = Connection::new(Box::new(Recorder(written.clone())));
    let headers = HeaderMap::new();
    let head = RequestHead {
        method: &Method::POST,
        target: Target::Origin {
            path: "/upload",
            query: None,
        },
        host: Some("fuzz.example"),
        headers: &headers,
    };
    // A reader's empty read means EOF, so only the non-empty pieces can be handed out.
    let mut reader = PieceReader {
        pieces: pieces
            .iter()
            .copied()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .into_iter(),
        current: b"",
    };
    conn.send_request(
        &head,
        RequestBody::Reader {
            reader: &mut reader,
            len: None,
        },
    )
    .expect("sending to a recorder cannot fail");
    let sent = written.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut slots = [httparse::EMPTY_HEADER; 4];
    let mut req = httparse::Request::new(&mut slots);
    let head_len = match req.parse(&sent) {
        Ok(httparse::Status::Complete(n)) => n,
        other => panic!("request head does not parse: {other:?}"),
    };
    assert!(req
        .headers
        .iter()
        .any(|h| h.name == "Transfer-Encoding" && h.value == b"chunked"));
    assert_decodes_to(&sent[head_len..], &expect, seed);
}

/// `request_roundtrip`: request heads built from fuzz input go through `write_head` and come
/// back out of `httparse::Request` unchanged.
///
/// Input: a flags byte (bits 0-3 method: one of nine standard ones or, from 9 up, a custom
/// string field; bits 4-5 target form; bit 6 a query; bit 7 a `Host`), a body byte (kind and
/// size), then string fields (length byte + bytes, non-UTF-8 replaced): the custom method, the
/// target, the query, the host, and header name/value pairs to the end.
///
/// Invariants: a rejected head appends nothing; an accepted one parses completely, with the
/// same method and target, `Host` first when the engine adds it, the caller's headers in order
/// (values minus trailing whitespace, which httparse strips), then the framing header the
/// engine adds; the wire's framing headers agree with the returned `RequestFraming` and the
/// body; `HeaderMap` rejects only invalid names and values.
pub fn request_roundtrip(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let body_byte = input.byte();
    let method = match usize::from(flags & 0x0f) {
        i if i < METHODS.len() => METHODS[i].clone(),
        _ => {
            let s = String::from_utf8_lossy(input.field()).into_owned();
            match s.parse::<Method>() {
                Ok(m) => {
                    assert_eq!(m.as_str(), s);
                    m
                }
                Err(e) => {
                    assert_eq!(e, Error::InvalidMethod);
                    assert!(!is_token(s.as_bytes()), "token {s:?} rejected as a method");
                    return;
                }
            }
        }
    };
    let target_text = String::from_utf8_lossy(input.field()).into_owned();
    let query_text = String::from_utf8_lossy(input.field()).into_owned();
    let host_text = String::from_utf8_lossy(input.field()).into_owned();
    let target = match (flags >> 4) & 3 {
        0 => Target::Origin {
            path: &target_text,
            query: (flags & 0x40 != 0).then_some(query_text.as_str()),
        },
        1 => Target::Absolute(&target_text),
        2 => Target::Authority(&target_text),
        _ => Target::Asterisk,
    };
    let host = (flags & 0x80 != 0).then_some(host_text.as_str());
    let body = match body_byte % 4 {
        0 | 1 => BodyLength::None,
        2 => BodyLength::Known(u64::from(body_byte >> 2)),
        _ => BodyLength::Unknown,
    };

    let mut headers = HeaderMap::new();
    let mut accepted: Vec<(String, Vec<u8>)> = Vec::new();
    while !input.is_empty() {
        let name = String::from_utf8_lossy(input.field()).into_owned();
        let value = input.field();
        match headers.append_bytes(&name, value) {
            Ok(()) => accepted.push((name, value.to_vec())),
            Err(e) => {
                assert!(
                    !is_token(name.as_bytes()) || !is_valid_value(value),
                    "valid header {name:?}: {value:?} rejected with {e:?}"
                );
                assert_eq!(e.class(), ErrorClass::InvalidInput);
            }
        }
    }

    const SENTINEL: &[u8] = b"earlier bytes\r\n";
    let mut out = SENTINEL.to_vec();
    let head = RequestHead {
        method: &method,
        target,
        host,
        headers: &headers,
    };
    let framing = match write_head(&head, body, &mut out) {
        Ok(f) => f,
        Err(e) => {
            assert_eq!(out, SENTINEL, "bytes appended by a rejected head");
            assert_eq!(e.class(), ErrorClass::InvalidInput, "{e:?}");
            return;
        }
    };
    assert!(out.starts_with(SENTINEL), "write_head cleared its output");
    let wire = &out[SENTINEL.len()..];

    let mut slots = vec![httparse::EMPTY_HEADER; accepted.len() + 3];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(wire) {
        Ok(httparse::Status::Complete(n)) => assert_eq!(n, wire.len(), "bytes after the head"),
        other => panic!(
            "httparse rejects the head ({other:?}): {:?}",
            String::from_utf8_lossy(wire)
        ),
    }
    assert_eq!(req.method, Some(method.as_str()));
    assert_eq!(req.version, Some(1));
    let want_target = match target {
        Target::Origin { path, query } => {
            let path = if path.is_empty() { "/" } else { path };
            match query {
                Some(q) => format!("{path}?{q}"),
                None => path.to_owned(),
            }
        }
        Target::Absolute(t) | Target::Authority(t) => t.to_owned(),
        Target::Asterisk => "*".to_owned(),
    };
    assert_eq!(req.path, Some(want_target.as_str()));

    let caller_cl = headers.contains_key("content-length");
    let caller_te = headers.contains_key("transfer-encoding");
    let mut want: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(h) = host {
        if !headers.contains_key("host") {
            want.push(("Host".to_owned(), h.as_bytes().to_vec()));
        }
    }
    want.extend(accepted.iter().cloned());
    match framing {
        RequestFraming::Length(n) if !caller_cl => {
            want.push(("Content-Length".to_owned(), n.to_string().into_bytes()))
        }
        RequestFraming::Chunked if !caller_te => {
            want.push(("Transfer-Encoding".to_owned(), b"chunked".to_vec()))
        }
        _ => {}
    }
    let want: Vec<(&str, &[u8])> = want
        .iter()
        .map(|(n, v)| (n.as_str(), trim_trailing_ows(v)))
        .collect();
    let got: Vec<(&str, &[u8])> = req.headers.iter().map(|h| (h.name, h.value)).collect();
    assert_eq!(got, want, "headers changed on the way through");

    // The framing headers on the wire must say what write_head returned.
    let cls: Vec<&[u8]> = got
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| *v)
        .collect();
    let tes: Vec<&[u8]> = got
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
        .map(|(_, v)| *v)
        .collect();
    match framing {
        RequestFraming::None => {
            assert!(
                cls.is_empty() && tes.is_empty(),
                "framing header for no body"
            );
            assert_eq!(body, BodyLength::None);
            assert!(!method.expects_body());
        }
        RequestFraming::Length(n) => {
            assert!(tes.is_empty(), "both framing headers sent");
            assert_eq!(cls.len(), 1, "Content-Length sent {} times", cls.len());
            assert_eq!(parse_content_length(cls[0]), Ok(n));
            match body {
                BodyLength::None => assert_eq!(n, 0),
                BodyLength::Known(k) => assert_eq!(n, k),
                BodyLength::Unknown => assert!(caller_cl),
            }
        }
        RequestFraming::Chunked => {
            assert!(cls.is_empty(), "both framing headers sent");
            assert_eq!(tes.len(), 1, "Transfer-Encoding sent {} times", tes.len());
            assert!(tes[0].eq_ignore_ascii_case(b"chunked"), "{:?}", tes[0]);
            assert_ne!(body, BodyLength::None, "chunked without a body");
        }
    }
}

/// Stops a decoding once it has produced this much: a decompression bomb is a valid input.
const INFLATE_CAP: usize = 1 << 20;

/// gzip header flags (FLG), for the members the round trip builds by hand.
const GZ_FHCRC: u8 = 0x02;
const GZ_FEXTRA: u8 = 0x04;
const GZ_FNAME: u8 = 0x08;
const GZ_FCOMMENT: u8 = 0x10;

/// A `BufRead` over `data` that shows it in pieces of `splits` sizes: `fill_buf` gives the rest
/// of the current piece, and a new piece only once that one is consumed.
struct Pieces<'a> {
    data: &'a [u8],
    pos: usize,
    /// The end of the current piece.
    end: usize,
    splits: Splits,
    /// Every other `fill_buf` fails with `WouldBlock` instead, as a non-blocking socket may.
    flaky: bool,
    /// The last `fill_buf` failed so, on purpose.
    blocked: bool,
    /// At the end of `data`, `WouldBlock` instead of EOF: the peer may send more.
    open: bool,
}

impl<'a> Pieces<'a> {
    fn new(data: &'a [u8], splits: Splits) -> Pieces<'a> {
        Pieces {
            data,
            pos: 0,
            end: 0,
            splits,
            flaky: false,
            blocked: false,
            open: false,
        }
    }

    fn flaky(self, flaky: bool) -> Pieces<'a> {
        Pieces { flaky, ..self }
    }

    fn open(self) -> Pieces<'a> {
        Pieces { open: true, ..self }
    }
}

impl BufRead for Pieces<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.flaky {
            self.blocked = !self.blocked;
            if self.blocked {
                return Err(io::ErrorKind::WouldBlock.into());
            }
        }
        if self.open && self.pos == self.data.len() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        if self.pos == self.end {
            self.end = self.pos + self.splits.next_size().min(self.data.len() - self.pos);
        }
        Ok(&self.data[self.pos..self.end])
    }

    fn consume(&mut self, n: usize) {
        assert!(
            n <= self.end - self.pos,
            "consumed {n} of the {} bytes fill_buf gave",
            self.end - self.pos
        );
        self.pos += n;
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let piece = self.fill_buf()?;
        let n = piece.len().min(out.len());
        out[..n].copy_from_slice(&piece[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// What decoding some compressed bytes produced.
#[derive(Debug)]
struct Inflated {
    out: Vec<u8>,
    /// Stopped at the output cap (`out` holds exactly the cap) before any end.
    capped: bool,
    /// Compressed bytes consumed from the reader.
    used: usize,
    /// `Ok(())` when the data ended, else the first error's kind and message (`WouldBlock`:
    /// an open reader's end reached, see `Pieces::open`).
    result: Result<(), (io::ErrorKind, String)>,
}

/// Decodes what `pieces` hands over as `format`, read into a buffer of `out_size` bytes, until
/// it ends, fails, waits at the end of an open reader, or has produced `cap` bytes. A flaky
/// reader's `WouldBlock` is retried.
///
/// Asserts that other errors are `InvalidData` or `UnexpectedEof` and come back on every later
/// read, that no read returns more than its buffer, that a finished decoder stays finished
/// without consuming more, and that one waiting for input keeps waiting.
fn inflate_pieces(format: Format, pieces: Pieces, out_size: usize, cap: usize) -> Inflated {
    let len = pieces.data.len();
    let mut dec = Inflate::new(pieces, format);
    assert_eq!(dec.read(&mut []).ok(), Some(0), "read into an empty buffer");
    let mut buf = vec![0u8; out_size];
    let mut out = Vec::new();
    // Every read returns at least one byte, ends, fails, or blocks (then the next `fill_buf`
    // succeeds), and each step of the decoder consumes input or produces output.
    let bound = 4 * (len + cap) + 64;
    for _ in 0..bound {
        if out.len() >= cap {
            out.truncate(cap);
            let used = dec.get_ref().pos;
            return Inflated {
                out,
                capped: true,
                used,
                result: Ok(()),
            };
        }
        match dec.read(&mut buf) {
            Ok(0) => {
                let used = dec.get_ref().pos;
                dec.get_mut().flaky = false;
                assert_eq!(dec.read(&mut buf).ok(), Some(0), "data after the end");
                assert_eq!(dec.get_ref().pos, used, "input consumed after the end");
                return Inflated {
                    out,
                    capped: false,
                    used,
                    result: Ok(()),
                };
            }
            Ok(n) => {
                assert!(n <= buf.len(), "read {n} bytes into {}", buf.len());
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && dec.get_ref().blocked => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let used = dec.get_ref().pos;
                assert!(
                    dec.get_ref().open && used == len,
                    "{e:?} not from the reader"
                );
                // Nothing decoded may be held back while waiting for more input.
                dec.get_mut().flaky = false;
                match dec.read(&mut buf) {
                    Err(again) if again.kind() == io::ErrorKind::WouldBlock => {}
                    other => panic!("{other:?} after waiting for input, with none new"),
                }
                return Inflated {
                    out,
                    capped: false,
                    used,
                    result: Err((e.kind(), e.to_string())),
                };
            }
            Err(e) => {
                assert!(
                    matches!(
                        e.kind(),
                        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
                    ),
                    "unexpected error kind: {e:?}"
                );
                // The module docs: "an error in the data is returned again on the next read"
                // (and the end of the input is still there).
                dec.get_mut().flaky = false;
                let mut again_count = 0;
                for _ in 0..3 {
                    match dec.read(&mut buf) {
                        Err(again) => {
                            assert_eq!(
                                (again.kind(), again.to_string()),
                                (e.kind(), e.to_string()),
                                "error not sticky"
                            );
                            again_count += 1;
                        }
                        Ok(n) => panic!("read gave {n} bytes after {e:?}"),
                    }
                }
                assert!(again_count >= 2, "error not sticky");
                let used = dec.get_ref().pos;
                return Inflated {
                    out,
                    capped: false,
                    used,
                    result: Err((e.kind(), e.to_string())),
                };
            }
        }
    }
    panic!("inflate neither ended nor failed in {bound} reads: a hang");
}

/// The same compressed bytes decoded whole and in pieces must give the same data, verdict and
/// end, up to where either stopped at its cap. Data decoded in a read that fails is not
/// returned, so after an error one output may be longer, never different.
fn assert_same_inflate(whole: &Inflated, split: &Inflated) {
    let (short, long) = if whole.out.len() <= split.out.len() {
        (&whole.out, &split.out)
    } else {
        (&split.out, &whole.out)
    };
    assert!(
        long.starts_with(short),
        "outputs diverge at byte {}",
        short.iter().zip(long).take_while(|(a, b)| a == b).count()
    );
    match (whole.capped, split.capped) {
        (false, false) => {
            assert_eq!(
                whole.result, split.result,
                "whole and split verdicts differ"
            );
            if whole.result.is_ok() {
                assert_eq!(whole.out.len(), split.out.len(), "outputs differ in length");
                assert_eq!(whole.used, split.used, "input used differs");
            }
        }
        // Capped at fewer bytes than the other decoded in all: but never past a clean end.
        (true, false) => assert!(
            split.result.is_err() || whole.out.len() <= split.out.len(),
            "whole decoding went on past the end the split one found"
        ),
        (false, true) => assert!(
            whole.result.is_err() || split.out.len() <= whole.out.len(),
            "split decoding went on past the end the whole one found"
        ),
        (true, true) => {}
    }
}

/// The same pieces with the reader left open at the end (`WouldBlock` where EOF was) must have
/// handed out everything the closed one did before it waits, and agree with it on everything
/// that did not depend on seeing the end.
fn assert_open_like_closed(format: Format, closed: &Inflated, open: &Inflated) {
    let waits =
        |r: &Result<(), (io::ErrorKind, String)>| matches!(r, Err((io::ErrorKind::WouldBlock, _)));
    assert!(
        open.out == closed.out && open.capped == closed.capped,
        "an open reader gives {} bytes{}, a closed one {}{}",
        open.out.len(),
        if open.capped { " (capped)" } else { "" },
        closed.out.len(),
        if closed.capped { " (capped)" } else { "" },
    );
    if closed.capped {
        return;
    }
    match (&closed.result, &open.result) {
        (Ok(()), Ok(())) => assert_eq!(closed.used, open.used, "input used differs"),
        // gzip: another member may follow; zlib and raw: an empty body so far. Only the end
        // tells.
        (Ok(()), r) if waits(r) => assert!(
            format == Format::Gzip || closed.used == 0,
            "{format:?}: an open reader waits after the end of the stream"
        ),
        (Err((io::ErrorKind::UnexpectedEof, _)), r) if waits(r) => {}
        (Err(a), Err(b)) if a.0 == io::ErrorKind::InvalidData => {
            assert_eq!(a, b, "open and closed readers fail differently")
        }
        (a, b) => panic!("a closed reader gives {a:?}, an open one {b:?}"),
    }
}

fn compressed(format: Format, data: &[u8], level: Compression) -> Vec<u8> {
    // Writing to a Vec cannot fail.
    match format {
        Format::Gzip => {
            let mut e = GzEncoder::new(Vec::new(), level);
            e.write_all(data).expect("in memory");
            e.finish().expect("in memory")
        }
        Format::Zlib => {
            let mut e = ZlibEncoder::new(Vec::new(), level);
            e.write_all(data).expect("in memory");
            e.finish().expect("in memory")
        }
        // `Deflate` decodes either; callers pick which one they encode.
        Format::Raw | Format::Deflate => {
            let mut e = DeflateEncoder::new(Vec::new(), level);
            e.write_all(data).expect("in memory");
            e.finish().expect("in memory")
        }
    }
}

/// One gzip member of `data`: flate2's own when `flags` is 0, else built here with the optional
/// header sections `flags` asks for (flate2 cannot write FHCRC), checksummed by flate2's `Crc`.
fn gzip_member(data: &[u8], level: Compression, flags: u8) -> Vec<u8> {
    if flags == 0 {
        return compressed(Format::Gzip, data, level);
    }
    let mut m = vec![0x1f, 0x8b, 8, flags];
    m.extend_from_slice(&(data.len() as u32).to_le_bytes()); // MTIME: anything
    m.extend_from_slice(&[0, 255]);
    if flags & GZ_FEXTRA != 0 {
        let extra = &data[..data.len().min(40)];
        m.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        m.extend_from_slice(extra);
    }
    if flags & GZ_FNAME != 0 {
        m.extend(data.iter().filter(|&&b| b != 0).take(16));
        m.push(0);
    }
    if flags & GZ_FCOMMENT != 0 {
        m.extend(data.iter().rev().filter(|&&b| b != 0).take(24));
        m.push(0);
    }
    if flags & GZ_FHCRC != 0 {
        let mut crc = flate2::Crc::new();
        crc.update(&m);
        m.extend_from_slice(&(crc.sum() as u16).to_le_bytes());
    }
    m.extend_from_slice(&compressed(Format::Raw, data, level));
    let mut crc = flate2::Crc::new();
    crc.update(data);
    m.extend_from_slice(&crc.sum().to_le_bytes());
    m.extend_from_slice(&crc.amount().to_le_bytes());
    m
}

/// `inflate`: `wirequest`'s gzip/zlib/raw-deflate decoder (`crates/api/src/inflate.rs`) over
/// the input as compressed bytes, and over flate2's compression of it.
///
/// Input: a mode byte (bits 0-1 format: gzip, zlib, raw, or deflate, which sniffs zlib or raw
/// from the first two bytes; bit 2 a reader whose every other
/// `fill_buf` fails with `WouldBlock`; bits 3-6 the round trip's gzip header sections FHCRC,
/// FEXTRA, FNAME, FCOMMENT; bit 7 two gzip members), a split seed (see `Splits`), an
/// output-size byte, a level byte (low nibble the compression level, mod 10; high nibble how
/// many bytes follow the compressed stream: zero padding after gzip, a copy of the stream's
/// start after zlib and raw), a byte placing the cut between two gzip members (for deflate, its
/// low bit encodes the round trip as zlib rather than raw), then the bytes.
///
/// Invariants: no panic and no hang (output is capped, not judged: bombs are valid); errors are
/// `InvalidData` or `UnexpectedEof` and are returned again on later reads; the bytes decode to
/// the same data, verdict and end whether whole or in pieces, into any buffer size; a reader
/// left open at the end (`WouldBlock`, not EOF) gets all that a closed one gets before it waits,
/// and the same verdict where the end did not decide it; flate2's compression of them, at any
/// level, with any header sections, as two members and with trailing padding, decodes back to
/// exactly them, stopping exactly at the end of the stream.
pub fn inflate(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.byte();
    let split_seed = input.byte();
    let out_size = match input.byte() {
        n if n >= 0xf0 => 64 * 1024,
        n => usize::from(n) + 1,
    };
    let level_byte = input.byte();
    let cut_byte = input.byte();
    let bytes = input.rest();
    let format = [Format::Gzip, Format::Zlib, Format::Raw, Format::Deflate][usize::from(mode & 3)];
    let flaky = mode & 4 != 0;

    // The bytes as compressed data. Small reads are capped sooner: one read per output byte.
    let whole = inflate_pieces(
        format,
        Pieces::new(bytes, Splits::whole()),
        32 * 1024,
        INFLATE_CAP,
    );
    let split_cap = INFLATE_CAP.min(out_size * 4096);
    let pieces = || Pieces::new(bytes, Splits::new(split_seed)).flaky(flaky);
    let split = inflate_pieces(format, pieces(), out_size, split_cap);
    assert_same_inflate(&whole, &split);
    let open = inflate_pieces(format, pieces().open(), out_size, split_cap);
    assert_open_like_closed(format, &split, &open);
    if whole.result.is_ok() && !whole.capped {
        assert!(whole.used <= bytes.len());
    }

    // The bytes as plain data, compressed by flate2.
    let level = Compression::new(u32::from(level_byte & 0x0f) % 10);
    let after = usize::from(level_byte >> 4);
    let mut stream = if format == Format::Gzip {
        let flags = (mode >> 2) & (GZ_FHCRC | GZ_FEXTRA | GZ_FNAME | GZ_FCOMMENT);
        if mode & 0x80 != 0 {
            let (a, b) = bytes.split_at(bytes.len() * usize::from(cut_byte) / 255);
            [gzip_member(a, level, flags), gzip_member(b, level, 0)].concat()
        } else {
            gzip_member(bytes, level, flags)
        }
    } else if format == Format::Deflate && cut_byte & 1 == 1 {
        compressed(Format::Zlib, bytes, level)
    } else {
        compressed(format, bytes, level)
    };
    let end = stream.len();
    if format == Format::Gzip {
        stream.resize(end + after, 0);
    } else {
        let start: Vec<u8> = stream.iter().copied().cycle().take(after).collect();
        stream.extend_from_slice(&start);
    }
    for (pieces, out_size) in [
        (Pieces::new(&stream, Splits::whole()), 32 * 1024),
        (
            Pieces::new(&stream, Splits::new(split_seed)).flaky(flaky),
            out_size,
        ),
    ] {
        let got = inflate_pieces(format, pieces, out_size, bytes.len() + 1);
        assert_eq!(got.result, Ok(()), "{format:?} round trip fails");
        assert!(got.out == bytes, "{format:?} round trip changes the data");
        assert_eq!(
            got.used, end,
            "{format:?} decoding stops off the end of the stream"
        );
    }
}
