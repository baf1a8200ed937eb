//! The request-side checks of the conformance vectors, driven through the facade against an
//! echo server that records the raw requests.

mod support;

use std::io::{self, Read};

use support::cases::{load_semantics, SemanticsCheck};
use support::echo_server::EchoServer;

/// A reader that gives each piece in one read; an empty piece is `Interrupted` (a source with
/// nothing to give right now), which must not end the body.
struct Pieces(std::collections::VecDeque<Vec<u8>>);

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0.pop_front() {
            None => Ok(0),
            Some(p) if p.is_empty() => {
                Err(io::Error::new(io::ErrorKind::Interrupted, "nothing yet"))
            }
            Some(p) => {
                let n = p.len().min(buf.len());
                buf[..n].copy_from_slice(&p[..n]);
                if n < p.len() {
                    self.0.push_front(p[n..].to_vec());
                }
                Ok(n)
            }
        }
    }
}

fn run_check(check: &SemanticsCheck, server: &EchoServer) -> Result<(), String> {
    let url = check.url(server.port());
    let mut builder = wirequest::Client::builder();
    if check.connect_override {
        let host = wirequest::Url::parse(&url).map_err(|e| e.to_string())?;
        builder = builder.connect_to(host.host_str().unwrap_or_default(), server.addr());
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let method: wirequest::Method = check.method().parse().map_err(|e| format!("{e}"))?;
    let mut req = client.request(method, &url);
    if let Some(params) = check.call_pairs("params") {
        req = req.query(&params);
    }
    for (k, v) in check.call_headers() {
        req = req.header(k, v);
    }
    if let Some((user, pass)) = check.call_auth() {
        req = req.basic_auth(&user, Some(&pass));
    }
    if let Some(json) = check.call.get("json") {
        req = req.json(json);
    }
    if let Some(data) = check.call.get("data").and_then(|d| d.as_object()) {
        let pairs: Vec<(String, String)> = data
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        req = req.form(&pairs);
    }
    if let Some(pairs) = check.call_pairs("data_pairs") {
        req = req.form(&pairs);
    }
    if let Some(bytes) = check.call_b64("data_b64") {
        req = req.body(bytes);
    }
    if let Some(text) = check.call_str("data_text") {
        req = req.body(text.to_owned());
    }
    if let Some(chunks) = check.call_chunks() {
        req = req.body_reader(Pieces(chunks.into()));
    }
    if let Some(file) = check.call_b64("data_file_b64") {
        let len = file.len() as u64;
        req = req.body_reader_sized(io::Cursor::new(file), len);
    }
    let (error, status) = match req.send() {
        Ok(resp) => {
            let status = resp.status();
            resp.bytes()
                .map_err(|e| format!("{}: reading body: {e}", check.id))?;
            (None, Some(status))
        }
        Err(e) => (Some(e.kind().to_string()), None),
    };
    check.judge(
        error.as_deref(),
        status,
        &server.take_requests(),
        server.port(),
    )
}

#[test]
fn requests_semantics_checks_pass_through_facade() {
    let checks = load_semantics();
    assert!(checks.len() >= 32, "only {} checks loaded", checks.len());
    let server = EchoServer::start();
    let failures: Vec<String> = checks
        .iter()
        .filter_map(|c| run_check(c, &server).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} check(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
