//! TLS end to end against an in-test rustls server with certificates generated at test time.

mod support;

use std::io::Read;
use std::time::Duration;

use support::tls_server::{make_pki, TlsServer};
use wirequest_wire::transport::tcp;
use wirequest_wire::transport::tls::{TlsConfig, TlsSettings};
use wirequest_wire::{
    BodyReader, Connection, Error, HeaderMap, Method, RequestBody, RequestHead, Target,
};

fn settings(roots: &[&str]) -> TlsSettings {
    TlsSettings {
        extra_roots_pem: roots.iter().map(|r| r.as_bytes().to_vec()).collect(),
        ..TlsSettings::default()
    }
}

/// One GET over TLS through the wire engine, naming the server `name`.
fn wire_get(
    server: &TlsServer,
    name: &str,
    settings: &TlsSettings,
) -> Result<(u16, String), Error> {
    let config = TlsConfig::new(settings)?;
    let stream = tcp::connect(&[server.addr()], Some(Duration::from_secs(5)))?;
    let tls = config.connect(stream, name, Some(Duration::from_secs(5)))?;
    assert_eq!(tls.alpn_protocol(), Some(&b"http/1.1"[..]));
    let mut conn = Connection::new(Box::new(tls));
    let headers = HeaderMap::new();
    let head = RequestHead {
        method: &Method::GET,
        target: Target::Origin {
            path: "/",
            query: None,
        },
        host: Some(name),
        headers: &headers,
    };
    conn.send_request(&head, RequestBody::None)?;
    let (head, kind) = conn.read_response_head(&Method::GET)?;
    let mut body = String::new();
    BodyReader::new(conn, &head, kind)
        .read_to_string(&mut body)
        .unwrap();
    Ok((head.status, body))
}

#[test]
fn tls_added_root_succeeds() {
    let pki = make_pki(&["localhost"], false);
    let server = TlsServer::start(&pki, None);
    let got = wire_get(&server, "localhost", &settings(&[&pki.ca_pem])).unwrap();
    assert_eq!(got, (200, "ok".to_owned()));
}

#[test]
fn tls_ip_address_certificate_succeeds() {
    let pki = make_pki(&["127.0.0.1"], false);
    let server = TlsServer::start(&pki, None);
    assert_eq!(
        wire_get(&server, "127.0.0.1", &settings(&[&pki.ca_pem]))
            .unwrap()
            .0,
        200
    );
}

#[test]
fn tls_unknown_ca_rejected() {
    let pki = make_pki(&["localhost"], false);
    let server = TlsServer::start(&pki, None);
    let err = wire_get(&server, "localhost", &settings(&[])).unwrap_err();
    assert!(
        matches!(err, Error::Tls(ref m) if m.contains("UnknownIssuer")),
        "{err:?}"
    );
    assert_eq!(server.handshakes(), 0);
}

#[test]
fn tls_wrong_host_name_rejected() {
    let pki = make_pki(&["localhost"], false);
    let server = TlsServer::start(&pki, None);
    let err = wire_get(&server, "other.test", &settings(&[&pki.ca_pem])).unwrap_err();
    assert!(
        matches!(err, Error::Tls(ref m) if m.contains("not valid for name")),
        "{err:?}"
    );
}

#[test]
fn tls_expired_certificate_rejected() {
    let pki = make_pki(&["localhost"], true);
    let server = TlsServer::start(&pki, None);
    let err = wire_get(&server, "localhost", &settings(&[&pki.ca_pem])).unwrap_err();
    assert!(
        matches!(err, Error::Tls(ref m) if m.contains("expired")),
        "{err:?}"
    );
}

#[test]
fn tls_bad_root_pem_is_tls_error() {
    assert!(matches!(
        TlsConfig::new(&settings(&["not a pem"])),
        Err(Error::Tls(_))
    ));
}

#[test]
fn tls_accept_invalid_certs_connects_to_unknown_ca() {
    let pki = make_pki(&["localhost"], true);
    let server = TlsServer::start(&pki, None);
    let s = TlsSettings {
        accept_invalid_certs: true,
        ..TlsSettings::default()
    };
    assert_eq!(wire_get(&server, "localhost", &s).unwrap().0, 200);
}

#[test]
fn tls_facade_with_root_and_connect_to_reuses_connection() {
    let pki = make_pki(&["api.example.test"], false);
    let server = TlsServer::start(&pki, None);
    let client = wirequest::Client::builder()
        .add_root_certificate_pem(pki.ca_pem.as_bytes())
        .connect_to("api.example.test", server.addr())
        .build()
        .unwrap();
    for _ in 0..3 {
        let resp = client.get("https://api.example.test/users").send().unwrap();
        assert_eq!(resp.text().unwrap(), "ok");
    }
    assert_eq!(
        server.handshakes(),
        1,
        "keep-alive over TLS should reuse one connection"
    );
}

#[test]
fn tls_facade_unknown_ca_is_tls_kind_and_insecure_works() {
    let pki = make_pki(&["localhost"], false);
    let server = TlsServer::start(&pki, None);
    let url = format!("https://localhost:{}/", server.addr().port());
    let strict = wirequest::Client::builder()
        .connect_to("localhost", server.addr())
        .build()
        .unwrap();
    let err = strict.get(&url).send().unwrap_err();
    assert_eq!(err.kind(), wirequest::ErrorKind::Tls, "{err}");
    assert!(err.to_string().contains(&url), "{err}");
    let insecure = wirequest::Client::builder()
        .connect_to("localhost", server.addr())
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    assert_eq!(insecure.get(&url).send().unwrap().status(), 200);
}
