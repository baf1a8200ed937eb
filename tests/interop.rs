//! The `http` feature's conversions and the `log` feature's redacted exchange log.

mod support;

use std::io::Read;
use std::sync::Mutex;

use support::echo_server::EchoServer;

/// Collects every record; installed once for this test binary.
struct Collect(Mutex<Vec<String>>);

impl log::Log for Collect {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target() == "wirequest" {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

static LOGGER: Collect = Collect(Mutex::new(Vec::new()));

#[test]
fn log_records_exchanges_with_secrets_redacted() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let server = EchoServer::start();
    let url = format!("http://ada:pw123@127.0.0.1:{}/echo/logged", server.port());
    wirequest::Client::new()
        .get(&url)
        .bearer_auth("super-secret-token")
        .header("Cookie", "session=hunter2")
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let lines = LOGGER.0.lock().unwrap().join("\n");
    assert!(
        lines.contains(&format!(
            "DEBUG GET http://127.0.0.1:{}/echo/logged -> 200 OK",
            server.port()
        )),
        "{lines}"
    );
    assert!(
        lines.contains("TRACE > Authorization: [redacted]"),
        "{lines}"
    );
    assert!(
        lines.contains("TRACE < Content-Type: application/octet-stream"),
        "{lines}"
    );
    for secret in ["super-secret-token", "hunter2", "pw123"] {
        assert!(
            !lines.contains(secret),
            "{secret} leaked into the log:\n{lines}"
        );
    }
}

#[test]
fn http_request_converts_in_and_response_converts_out() {
    let server = EchoServer::start();
    let req = http::Request::patch(server.url("/echo/h"))
        .header("content-type", "application/json")
        .header("x-tag", "a")
        .header("x-tag", "b")
        .body(r#"{"a":1}"#)
        .unwrap();
    let resp = wirequest::Client::new()
        .from_http(req)
        .send()
        .unwrap()
        .into_http()
        .unwrap();
    assert_eq!(resp.status(), http::StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        resp.extensions().get::<wirequest::Url>().unwrap().path(),
        "/echo/h"
    );
    let mut body = String::new();
    resp.into_body().read_to_string(&mut body).unwrap();
    assert!(body.starts_with("PATCH /echo/h HTTP/1.1\r\n"), "{body}");
    assert!(
        body.contains("x-tag: a\r\nx-tag: b\r\n") && body.ends_with("{\"a\":1}"),
        "{body}"
    );
}
