//! Every response case of the conformance vectors, played by a raw server on 127.0.0.1 and
//! judged against its expected outcome, through the wire engine and through the facade.

mod support;

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::cases::{load_cases, BodyDigest, Case, Outcome};
use support::raw_server::RawServer;
use wirequest_wire::transport::tcp::{self, TcpTransport};
use wirequest_wire::{
    BodyReader, Connection, ErrorClass, HeaderMap, Method, RequestBody, RequestHead, Target,
    Timeouts,
};

/// Cases expect a client read timeout of about 3 s.
const READ_TIMEOUT: Duration = Duration::from_secs(3);
/// Cases run this many at a time, so the timeout cases overlap.
const WORKERS: usize = 12;

fn class_word(e: &wirequest_wire::Error) -> &'static str {
    match e.class() {
        ErrorClass::Protocol => "protocol",
        ErrorClass::Incomplete => "incomplete",
        ErrorClass::TooLarge => "too_large",
        ErrorClass::Timeout => "timeout",
        ErrorClass::Connect => "connect",
        ErrorClass::Tls => "tls",
        ErrorClass::InvalidInput => "invalid_input",
        _ => "io",
    }
}

/// Reads a body into memory, or only its digest for the large cases.
fn collect(
    mut r: impl Read,
    large: bool,
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
) -> std::io::Result<Outcome> {
    if large {
        let mut digest = BodyDigest::new();
        std::io::copy(&mut r, &mut digest)?;
        let (body_len, body_sha256) = digest.finish();
        Ok(Outcome::OkHashed {
            status,
            body_len,
            body_sha256,
            headers,
        })
    } else {
        let mut body = Vec::new();
        r.read_to_end(&mut body)?;
        Ok(Outcome::Ok {
            status,
            body,
            headers,
        })
    }
}

fn headers_of(h: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    h.iter_bytes()
        .map(|(n, v)| (n.to_owned(), v.to_vec()))
        .collect()
}

/// One request on `pooled` (if still usable) or a new connection; returns the outcome and the
/// connection when it may be reused.
fn wire_request(
    case: &Case,
    server: &RawServer,
    pooled: Option<Connection>,
) -> (Outcome, Option<Connection>) {
    let method: Method = case.request_method.parse().unwrap();
    let reusable = pooled.and_then(|mut c| c.check_idle().is_ok().then_some(c));
    let mut conn = match reusable {
        Some(c) => c,
        None => {
            let addrs = tcp::resolve("127.0.0.1", server.port()).unwrap();
            let stream = tcp::connect(&addrs, Some(Duration::from_secs(5))).unwrap();
            Connection::new(Box::new(TcpTransport::new(stream)))
        }
    };
    conn.set_timeouts(Timeouts {
        read: Some(READ_TIMEOUT),
        write: Some(READ_TIMEOUT),
        deadline: None,
    });
    let headers = HeaderMap::new();
    let path = format!("/case/{}", case.id);
    let head = RequestHead {
        method: &method,
        target: Target::Origin {
            path: &path,
            query: None,
        },
        host: Some("127.0.0.1"),
        headers: &headers,
    };
    let body = case.request_body.as_ref().map(|b| b.to_vec());
    let sent = conn.send_request(
        &head,
        match &body {
            Some(b) => RequestBody::Bytes(b),
            None => RequestBody::None,
        },
    );
    let result = sent.and_then(|_| conn.read_response_head(&method));
    let (head, kind) = match result {
        Ok(h) => h,
        Err(e) => return (Outcome::err(class_word(&e)), None),
    };
    let mut reader = BodyReader::new(conn, &head, kind);
    match collect(
        &mut reader,
        case.is_large(),
        head.status,
        headers_of(&head.headers),
    ) {
        Ok(outcome) => (outcome, reader.into_connection().ok()),
        Err(e) => {
            let class = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<wirequest_wire::Error>())
                .map_or("io", class_word);
            (Outcome::err(class), None)
        }
    }
}

fn run_wire_case(case: &Case) -> Result<(), String> {
    let server = RawServer::start(case);
    let (outcome, mut pooled) = wire_request(case, &server, None);
    case.expect.judge(outcome)?;
    for follow in &case.expect_followups {
        if let Some(seq) = &case.sequence {
            std::thread::sleep(seq.delay());
        }
        let (outcome, conn) = wire_request(case, &server, pooled.take());
        pooled = conn;
        follow.judge(outcome)?;
        follow.judge_connections(&server.requests())?;
    }
    Ok(())
}

fn facade_request(case: &Case, server: &RawServer, client: &wirequest::Client) -> Outcome {
    let method: wirequest::Method = case.request_method.parse().unwrap();
    let mut req = client.request(method, server.url());
    if let Some(b) = &case.request_body {
        req = req.body(b.to_vec());
    }
    let resp = match req.send() {
        Ok(r) => r,
        Err(e) => return Outcome::err(e.kind().to_string()),
    };
    let (status, headers) = (resp.status(), headers_of(resp.headers()));
    let result = if case.is_large() {
        collect(resp.into_reader(), true, status, headers)
    } else {
        match resp.bytes() {
            Ok(body) => Ok(Outcome::Ok {
                status,
                body,
                headers,
            }),
            Err(e) => return Outcome::err(e.kind().to_string()),
        }
    };
    result.unwrap_or_else(|e| {
        let class = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<wirequest::Error>())
            .map_or("io".to_owned(), |w| w.kind().to_string());
        Outcome::err(class)
    })
}

fn run_facade_case(case: &Case) -> Result<(), String> {
    let server = RawServer::start(case);
    let client = wirequest::Client::builder()
        .read_timeout(READ_TIMEOUT)
        .write_timeout(READ_TIMEOUT)
        .max_body_size(200 << 20)
        .build()
        .unwrap();
    case.expect.judge(facade_request(case, &server, &client))?;
    for follow in &case.expect_followups {
        if let Some(seq) = &case.sequence {
            std::thread::sleep(seq.delay());
        }
        follow.judge(facade_request(case, &server, &client))?;
        follow.judge_connections(&server.requests())?;
    }
    Ok(())
}

/// Runs every case on a few worker threads and reports all failures at once.
fn run_all(run: fn(&Case) -> Result<(), String>) {
    let cases = load_cases();
    assert!(cases.len() >= 149, "only {} cases loaded", cases.len());
    let queue = Arc::new(Mutex::new(cases));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let queue = queue.clone();
            let failures = failures.clone();
            std::thread::spawn(move || loop {
                let Some(case) = queue.lock().unwrap().pop() else {
                    break;
                };
                if let Err(msg) = run(&case) {
                    failures.lock().unwrap().push(msg);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn conformance_cases_pass_through_wire() {
    run_all(run_wire_case);
}

#[test]
fn conformance_cases_pass_through_facade() {
    run_all(run_facade_case);
}
