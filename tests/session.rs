//! Cookies, multipart uploads and digest authentication, end to end.

mod support;

use sha2::{Digest, Sha256};
use support::raw_server::{ConnCtx, RecordedRequest, ScriptServer};
use wirequest::multipart::Form;
use wirequest::Client;

fn respond(ctx: &mut ConnCtx, status: &str, headers: &[&str], body: &str) -> bool {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    ctx.send(out.as_bytes())
}

/// Routes: /login sets a path=/app cookie and a site cookie; /app/* and /other echo the Cookie
/// header they got; /hop redirects to /app/after.
fn cookie_server() -> ScriptServer {
    ScriptServer::start(|mut ctx: ConnCtx| {
        while let Some(req) = ctx.read_request() {
            let cookie = req.header("cookie").unwrap_or("none").to_owned();
            let ok = match req.path() {
                "/login" => respond(
                    &mut ctx,
                    "200 OK",
                    &[
                        "Set-Cookie: session=abc; Path=/app; HttpOnly",
                        "Set-Cookie: theme=dark",
                    ],
                    "in",
                ),
                "/hop" => respond(
                    &mut ctx,
                    "302 Found",
                    &["Location: /app/after", "Set-Cookie: hop=1; Path=/"],
                    "",
                ),
                "/logout" => respond(
                    &mut ctx,
                    "200 OK",
                    &["Set-Cookie: session=; Path=/app; Max-Age=0"],
                    "out",
                ),
                _ => respond(&mut ctx, "200 OK", &[], &cookie),
            };
            if !ok {
                return;
            }
        }
    })
}

#[test]
fn cookies_round_trip_by_path_and_across_redirects() {
    let server = cookie_server();
    let client = Client::new();
    let get = |path: &str| client.get(server.url(path)).send().unwrap().text().unwrap();
    assert_eq!(get("/app/x"), "none");
    get("/login");
    assert_eq!(
        get("/app/x"),
        "session=abc; theme=dark",
        "longer path first"
    );
    assert_eq!(get("/other"), "theme=dark", "a /app cookie stays on /app");
    assert_eq!(
        get("/hop"),
        "session=abc; theme=dark; hop=1",
        "set on the redirect, sent after it"
    );
    get("/logout");
    assert_eq!(get("/app/x"), "theme=dark; hop=1", "Max-Age=0 deletes");
    assert_eq!(client.cookie_jar().unwrap().len(), 2);
}

#[test]
fn cookies_never_cross_to_another_host_and_can_be_turned_off() {
    let server = cookie_server();
    let client = Client::new();
    client
        .get(server.url("/login"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    // Same server, reached under another name: a different host to the jar.
    let other = format!("http://localhost:{}/other", server.port());
    assert_eq!(client.get(other).send().unwrap().text().unwrap(), "none");
    let off = Client::builder().cookie_store(false).build().unwrap();
    off.get(server.url("/login"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(
        off.get(server.url("/app/x"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "none"
    );
}

#[test]
fn explicit_cookie_header_wins_over_the_jar() {
    let server = cookie_server();
    let client = Client::new();
    client
        .get(server.url("/login"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let text = client
        .get(server.url("/other"))
        .header("Cookie", "mine=1")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(text, "mine=1");
}

/// Splits a multipart body into (headers, content) parts.
fn parse_multipart(req: &RecordedRequest) -> Vec<(String, Vec<u8>)> {
    let ct = req.header("content-type").unwrap();
    let boundary = ct.split("boundary=").nth(1).unwrap().trim_matches('"');
    let delim = format!("--{boundary}");
    let body = &req.body;
    let mut parts = Vec::new();
    let mut rest: &[u8] = body;
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    rest = &rest[find(rest, delim.as_bytes()).unwrap() + delim.len()..];
    while rest.starts_with(b"\r\n") {
        rest = &rest[2..];
        let end = find(rest, format!("\r\n{delim}").as_bytes()).unwrap();
        let part = &rest[..end];
        let split = find(part, b"\r\n\r\n").unwrap();
        parts.push((
            String::from_utf8_lossy(&part[..split]).into_owned(),
            part[split + 4..].to_vec(),
        ));
        rest = &rest[end + 2 + delim.len()..];
    }
    assert!(rest.starts_with(b"--"), "closing delimiter");
    parts
}

#[test]
fn multipart_upload_is_parsed_back_by_the_server() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        while ctx.read_request().is_some() {
            if !respond(&mut ctx, "200 OK", &[], "stored") {
                return;
            }
        }
    });
    let big = vec![0xABu8; 300_000];
    let form = Form::new()
        .text("title", "Report \"Q3\"")
        .file_bytes(
            "csv",
            "q3.csv",
            Some("text/csv"),
            b"a,b\r\n1,2\r\n".to_vec(),
        )
        .file_reader(
            "blob",
            "blob.bin",
            None,
            std::io::Cursor::new(big.clone()),
            None,
        );
    let resp = Client::new()
        .post(server.url("/upload"))
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(resp.text().unwrap(), "stored");
    let req = &server.requests()[0];
    assert_eq!(
        req.framing.as_str(),
        "chunked",
        "a reader of unknown length streams"
    );
    let parts = parse_multipart(req);
    assert_eq!(parts.len(), 3);
    assert!(parts[0].0.contains("name=\"title\"") && parts[0].1 == b"Report \"Q3\"");
    assert!(
        parts[1].0.contains("filename=\"q3.csv\"") && parts[1].0.contains("Content-Type: text/csv")
    );
    assert_eq!(parts[1].1, b"a,b\r\n1,2\r\n");
    assert!(parts[2].0.contains("filename=\"blob.bin\""));
    assert_eq!(parts[2].1, big);
}

#[test]
fn multipart_with_known_lengths_sends_content_length() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        while ctx.read_request().is_some() {
            if !respond(&mut ctx, "200 OK", &[], "ok") {
                return;
            }
        }
    });
    let form = Form::new()
        .text("a", "1")
        .file_bytes("f", "x.txt", None, b"hi".to_vec());
    Client::new()
        .post(server.url("/"))
        .multipart(form)
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.framing.as_str(), "content-length");
    assert_eq!(
        req.header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        req.body.len()
    );
    assert_eq!(parse_multipart(req).len(), 2);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// The `name="value"` (or `name=value`) parameter of a Digest header.
fn param(header: &str, name: &str) -> String {
    let at = header.find(&format!("{name}=")).unwrap() + name.len() + 1;
    let rest = &header[at..];
    if let Some(q) = rest.strip_prefix('"') {
        q[..q.find('"').unwrap()].to_owned()
    } else {
        rest.split(',').next().unwrap().trim().to_owned()
    }
}

#[test]
fn digest_auth_answers_a_sha256_challenge() {
    // The server checks the answer with its own computation (RFC 7616 §3.4.1).
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        while let Some(req) = ctx.read_request() {
            let ok = match req.header("authorization") {
                Some(auth) if auth.starts_with("Digest ") => {
                    let ha1 = sha256("Mufasa:api@example.test:Circle of Life");
                    let ha2 = sha256(&format!("{}:{}", req.method, param(auth, "uri")));
                    let expected = sha256(&format!(
                        "{ha1}:n0nce:{}:{}:auth:{ha2}",
                        param(auth, "nc"),
                        param(auth, "cnonce")
                    ));
                    let good = param(auth, "response") == expected && param(auth, "uri") == "/private?x=1";
                    respond(&mut ctx, if good { "200 OK" } else { "403 Forbidden" }, &[], if good { "welcome" } else { "bad digest" })
                }
                _ => respond(
                    &mut ctx,
                    "401 Unauthorized",
                    &["WWW-Authenticate: Basic realm=\"x\"", "WWW-Authenticate: Digest realm=\"api@example.test\", nonce=\"n0nce\", qop=\"auth\", algorithm=SHA-256, opaque=\"op\""],
                    "",
                ),
            };
            if !ok {
                return;
            }
        }
    });
    let resp = Client::new()
        .put(server.url("/private?x=1"))
        .body("data")
        .digest_auth("Mufasa", "Circle of Life")
        .send()
        .unwrap();
    assert_eq!(
        (resp.status(), resp.text().unwrap()),
        (200, "welcome".to_owned())
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[1].body, b"data",
        "the body is sent again with the answer"
    );
    let wrong = Client::new()
        .get(server.url("/private?x=1"))
        .digest_auth("Mufasa", "wrong")
        .send()
        .unwrap();
    assert_eq!(wrong.status(), 403);
}

#[test]
fn digest_auth_without_challenge_returns_the_401() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        while ctx.read_request().is_some() {
            if !respond(
                &mut ctx,
                "401 Unauthorized",
                &["WWW-Authenticate: Bearer"],
                "",
            ) {
                return;
            }
        }
    });
    let resp = Client::new()
        .get(server.url("/"))
        .digest_auth("u", "p")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(server.requests().len(), 1);
}
