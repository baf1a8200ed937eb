//! Local servers and a runner for the `wq` binary. Every server listens on 127.0.0.1:0, stops
//! when dropped, and gives up by itself after 30 s; every loop is bounded.
#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long any server lives at most.
const SERVER_LIFETIME: Duration = Duration::from_secs(30);

/// How long one `wq` run may take before the test kills it.
const RUN_DEADLINE: Duration = Duration::from_secs(20);

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// A plain-HTTP test server with a few routes:
///
/// - `/echo` (and anything unknown): 200, a JSON description of the request (the body
///   itself only up to 1 MiB)
/// - `/status/NNN`: that status, a small JSON body
/// - `/redirect/N`: a 302 chain of N hops ending at `/echo`; `/loop` redirects to itself
/// - `/slow`: answers only after 3 s
/// - `/bytes/N`: N bytes of `application/octet-stream`
/// - `/binary`: a short body with NUL bytes
/// - `/text`: `text/plain` without a final newline
/// - `/unlabelled-json`: JSON sent as `text/plain`
/// - `/gzip`: a gzip-encoded JSON body
/// - `/truncated`: announces 100 bytes, sends 10, closes
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        spawn_accept_loop(listener, stop.clone(), |stream| {
            let _ = serve_http(stream);
        });
        Server { addr, stop }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.addr.port())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Accepts connections on a non-blocking listener until `stop` or the lifetime runs out.
fn spawn_accept_loop(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    handle: impl Fn(TcpStream) + Send + Sync + Copy + 'static,
) {
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        let start = Instant::now();
        while !stop.load(Ordering::SeqCst) && start.elapsed() < SERVER_LIFETIME {
            match listener.accept() {
                Ok((stream, _)) => {
                    thread::spawn(move || handle(stream));
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
}

fn serve_http(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(seen) = read_request(&mut reader)? else {
        return Ok(());
    };
    respond(stream, &seen)
}

/// Reads one request: head, then a Content-Length or chunked body.
pub fn read_request(reader: &mut impl BufRead) -> std::io::Result<Option<Seen>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    for _ in 0..200 {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.to_owned(), v.trim().to_owned()));
        }
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if let Some(len) = get("content-length") {
        let len: usize = len.parse().unwrap();
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if get("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        // Bounded by the 64 MiB the tests could ever send.
        while body.len() < 64 << 20 {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    Ok(Some(Seen {
        method,
        target,
        headers,
        body,
    }))
}

fn respond(mut stream: TcpStream, seen: &Seen) -> std::io::Result<()> {
    let path = seen.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let send = |stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]| {
        let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
        for (n, v) in headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        stream.write_all(out.as_bytes())?;
        stream.write_all(body)?;
        stream.flush()
    };
    match segments.as_slice() {
        ["status", code] => {
            let code: u16 = code.parse().unwrap();
            let reason = match code {
                200 => "OK",
                301 => "Moved Permanently",
                302 => "Found",
                404 => "Not Found",
                500 => "Internal Server Error",
                503 => "Service Unavailable",
                _ => "Whatever",
            };
            let body = json!({ "status": code }).to_string();
            send(
                &mut stream,
                &format!("{code} {reason}"),
                &[
                    ("Content-Type", "application/json".into()),
                    ("Location", "/echo".into()),
                ],
                body.as_bytes(),
            )
        }
        ["redirect", n] => {
            let n: u32 = n.parse().unwrap();
            let next = if n <= 1 {
                "/echo".to_owned()
            } else {
                format!("/redirect/{}", n - 1)
            };
            send(&mut stream, "302 Found", &[("Location", next)], b"")
        }
        ["loop"] => send(
            &mut stream,
            "302 Found",
            &[("Location", "/loop".into())],
            b"",
        ),
        ["slow"] => {
            thread::sleep(Duration::from_secs(3));
            send(&mut stream, "200 OK", &[], b"late")
        }
        ["bytes", n] => {
            let n: usize = n.parse().unwrap();
            let body: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            send(
                &mut stream,
                "200 OK",
                &[("Content-Type", "application/octet-stream".into())],
                &body,
            )
        }
        ["binary"] => send(
            &mut stream,
            "200 OK",
            &[("Content-Type", "image/png".into())],
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        ),
        ["text"] => send(
            &mut stream,
            "200 OK",
            &[("Content-Type", "text/plain; charset=utf-8".into())],
            b"hello\nworld",
        ),
        ["unlabelled-json"] => send(
            &mut stream,
            "200 OK",
            &[("Content-Type", "text/plain".into())],
            br#"{"b":1,"a":[true,null]}"#,
        ),
        ["gzip"] => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(br#"{"compressed":true}"#)?;
            send(
                &mut stream,
                "200 OK",
                &[
                    ("Content-Type", "application/json".into()),
                    ("Content-Encoding", "gzip".into()),
                ],
                &enc.finish()?,
            )
        }
        ["truncated"] => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")?;
            stream.flush()
        }
        _ => {
            let body = json!({
                "method": seen.method,
                "target": seen.target,
                "headers": seen.headers,
                // Large bodies are only counted: echoing them would make the tests slow.
                "body": if seen.body.len() <= 1 << 20 {
                    String::from_utf8_lossy(&seen.body).into_owned()
                } else {
                    String::new()
                },
                "body_len": seen.body.len(),
            })
            .to_string();
            send(
                &mut stream,
                "200 OK",
                &[("Content-Type", "application/json".into())],
                body.as_bytes(),
            )
        }
    }
}

/// A finished `wq` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The echo route's JSON, from stdout.
    pub fn echo(&self) -> Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout_text()))
    }

    /// Asserts success and returns the echo.
    pub fn ok_echo(&self) -> Value {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        self.echo()
    }
}

/// The echoed value of a request header, first one.
pub fn header<'a>(echo: &'a Value, name: &str) -> Option<&'a str> {
    echo["headers"]
        .as_array()?
        .iter()
        .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|h| h[1].as_str())
}

/// A `wq` command with a clean environment: no stdin, no colour or proxy settings.
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wq"));
    for var in [
        "NO_COLOR",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs `wq` with `args`.
pub fn wq(args: &[&str]) -> Run {
    run(command().args(args), None)
}

/// Runs `wq` with `args` and `input` on stdin.
pub fn wq_stdin(args: &[&str], input: &[u8]) -> Run {
    run(command().args(args), Some(input))
}

/// Runs a prepared command to its end, killing it past the deadline.
pub fn run(cmd: &mut Command, input: Option<&[u8]>) -> Run {
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    // Drain both pipes in threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > RUN_DEADLINE {
            let _ = child.kill();
            panic!("wq ran for over {RUN_DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    let stdout = out_reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// The full output of a command run in a pseudo-terminal by util-linux `script`, or `None`
/// (with a note) when `script` is not there.
pub fn in_terminal(shell_command: &str, env: &[(&str, &str)]) -> Option<(i32, String)> {
    let available = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        eprintln!("SKIPPED: util-linux `script` is not installed, so no pseudo-terminal test");
        return None;
    }
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", shell_command, "/dev/null"]);
    // The locale decides the bar's characters; tests set LANG, so nothing may override it.
    for var in [
        "NO_COLOR",
        "LC_ALL",
        "LC_CTYPE",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("TERM", "xterm-256color").stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let r = run(&mut cmd, None);
    let text = String::from_utf8_lossy(&r.stdout).into_owned();
    Some((r.code, text))
}

/// `'...'` quoting for a shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A CA's PEM and a TLS server whose certificate it signed for `name`.
pub struct TlsServer {
    pub ca_pem: String,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl TlsServer {
    /// Answers every request with `200 OK` and the body `tls ok`.
    pub fn start(name: &str) -> TlsServer {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec![name.to_owned()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], key)
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        listener.set_nonblocking(true).unwrap();
        let stop2 = stop.clone();
        thread::spawn(move || {
            let start = Instant::now();
            while !stop2.load(Ordering::SeqCst) && start.elapsed() < SERVER_LIFETIME {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        let config = config.clone();
                        thread::spawn(move || serve_tls(tcp, config));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TlsServer {
            ca_pem: ca_cert.pem(),
            addr,
            stop,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve_tls(tcp: TcpStream, config: Arc<rustls::ServerConfig>) {
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    // A failed handshake (the client rejected the certificate) ends here.
    if let Ok(Some(_)) = read_request(&mut tls) {
        let _ = tls
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 6\r\n\r\ntls ok");
        let _ = tls.get_mut().flush();
    }
}
