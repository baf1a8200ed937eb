//! The clients under test, each behind the same small interface and used the way its
//! documentation shows: one client (agent, session, handle) reused for every request of a run,
//! bodies read to the end, JSON through the client's own JSON support.

use std::io::{self, Read};

use serde::Serialize;

use crate::raw::Raw;

/// Any failure, shown in the table as `err`.
pub type R<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A client that has no way to do what a scenario asks (shown as `n/a`).
#[derive(Debug)]
pub struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not supported by this client")
    }
}

impl std::error::Error for Unsupported {}

/// The JSON document every PATCH sends (about 100 bytes once serialized).
#[derive(Debug, Clone, Serialize)]
pub struct Payload {
    pub email: String,
    pub name: String,
    pub active: bool,
    pub tags: Vec<String>,
    pub version: u32,
}

impl Payload {
    pub fn sample() -> Payload {
        Payload {
            email: "loremipsum@example.com".into(),
            name: "Lorem Ipsum".into(),
            active: true,
            tags: vec!["admin".into(), "ops".into()],
            version: 3,
        }
    }
}

/// Which client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Wirequest,
    Ureq,
    Reqwest,
    Minreq,
    Attohttpc,
    Curl,
    Raw,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Wirequest,
        Kind::Ureq,
        Kind::Reqwest,
        Kind::Minreq,
        Kind::Attohttpc,
        Kind::Curl,
        Kind::Raw,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Wirequest => "wirequest",
            Kind::Ureq => "ureq",
            Kind::Reqwest => "reqwest",
            Kind::Minreq => "minreq",
            Kind::Attohttpc => "attohttpc",
            Kind::Curl => "curl",
            Kind::Raw => "raw",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Whether the client keeps connections open between requests (minreq has no pool,
    /// attohttpc sends `Connection: close` on every request).
    pub fn reuses_connections(self) -> bool {
        !matches!(self, Kind::Minreq | Kind::Attohttpc)
    }

    /// A new client of this kind.
    pub fn session(self) -> R<Box<dyn Session>> {
        Ok(match self {
            Kind::Wirequest => Box::new(Wq(wirequest::Client::new())),
            Kind::Ureq => Box::new(Ureq(ureq::Agent::new_with_defaults())),
            Kind::Reqwest => Box::new(Reqwest(reqwest_client()?)),
            Kind::Minreq => Box::new(Minreq),
            Kind::Attohttpc => Box::new(Atto(attohttpc::Session::new())),
            Kind::Curl => Box::new(Curl::new()),
            Kind::Raw => Box::new(Raw::new()),
        })
    }
}

/// What every client can be asked to do. Each call reads the response body to its end.
pub trait Session: Send {
    /// A GET whose body is read into memory; returns the body's length.
    fn get(&mut self, url: &str) -> R<usize>;
    /// A PATCH of `payload` as JSON; returns the response body's length.
    fn patch_json(&mut self, url: &str, payload: &Payload) -> R<usize>;
    /// A GET whose body is streamed through `buf` and dropped; returns the body's length.
    fn download(&mut self, url: &str, buf: &mut [u8]) -> R<u64>;
    /// A PATCH of `data` from memory (Content-Length).
    fn upload(&mut self, url: &str, data: &'static [u8]) -> R<usize>;
    /// A PATCH of `data` from a reader whose length the client is not told (chunked).
    fn upload_reader(&mut self, url: &str, data: &'static [u8]) -> R<usize>;
    /// A handle for another thread: the same client (pool) where the client can be shared,
    /// else a new one.
    fn fork(&self) -> R<Box<dyn Session>>;
}

/// A reader over bytes in memory that does not tell its length.
pub struct Opaque {
    data: &'static [u8],
    pos: usize,
}

impl Opaque {
    pub fn new(data: &'static [u8]) -> Opaque {
        Opaque { data, pos: 0 }
    }
}

impl Read for Opaque {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads `r` to its end through `buf`; returns the byte count.
pub fn drain(r: &mut impl Read, buf: &mut [u8]) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        match r.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => total += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

// ---------------------------------------------------------------------------------------------

struct Wq(wirequest::Client);

impl Session for Wq {
    fn get(&mut self, url: &str) -> R<usize> {
        Ok(self.0.get(url).send()?.bytes()?.len())
    }
    fn patch_json(&mut self, url: &str, payload: &Payload) -> R<usize> {
        Ok(self.0.patch(url).json(payload).send()?.bytes()?.len())
    }
    fn download(&mut self, url: &str, buf: &mut [u8]) -> R<u64> {
        let mut body = self.0.get(url).send()?.into_reader();
        Ok(drain(&mut body, buf)?)
    }
    fn upload(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let resp = self
            .0
            .patch(url)
            .header("Content-Type", "application/octet-stream")
            .body(data)
            .send()?;
        Ok(resp.bytes()?.len())
    }
    fn upload_reader(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let resp = self
            .0
            .patch(url)
            .header("Content-Type", "application/octet-stream")
            .body_reader(Opaque::new(data))
            .send()?;
        Ok(resp.bytes()?.len())
    }
    fn fork(&self) -> R<Box<dyn Session>> {
        Ok(Box::new(Wq(self.0.clone())))
    }
}

// ---------------------------------------------------------------------------------------------

struct Ureq(ureq::Agent);

impl Session for Ureq {
    fn get(&mut self, url: &str) -> R<usize> {
        let mut resp = self.0.get(url).call()?;
        Ok(resp.body_mut().read_to_vec()?.len())
    }
    fn patch_json(&mut self, url: &str, payload: &Payload) -> R<usize> {
        let mut resp = self.0.patch(url).send_json(payload)?;
        Ok(resp.body_mut().read_to_vec()?.len())
    }
    fn download(&mut self, url: &str, buf: &mut [u8]) -> R<u64> {
        let mut resp = self.0.get(url).call()?;
        Ok(drain(&mut resp.body_mut().as_reader(), buf)?)
    }
    fn upload(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let mut resp = self
            .0
            .patch(url)
            .header("Content-Type", "application/octet-stream")
            .send(data)?;
        Ok(resp.body_mut().read_to_vec()?.len())
    }
    fn upload_reader(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let mut reader = Opaque::new(data);
        let mut resp = self
            .0
            .patch(url)
            .header("Content-Type", "application/octet-stream")
            .send(ureq::SendBody::from_reader(&mut reader))?;
        Ok(resp.body_mut().read_to_vec()?.len())
    }
    fn fork(&self) -> R<Box<dyn Session>> {
        Ok(Box::new(Ureq(self.0.clone())))
    }
}

// ---------------------------------------------------------------------------------------------

/// reqwest built with `rustls-no-provider`: the ring provider (the one wirequest and ureq use)
/// is installed once, process-wide.
fn reqwest_client() -> R<reqwest::blocking::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::blocking::Client::builder().build()?)
}

struct Reqwest(reqwest::blocking::Client);

impl Session for Reqwest {
    fn get(&mut self, url: &str) -> R<usize> {
        Ok(self.0.get(url).send()?.bytes()?.len())
    }
    fn patch_json(&mut self, url: &str, payload: &Payload) -> R<usize> {
        Ok(self.0.patch(url).json(payload).send()?.bytes()?.len())
    }
    fn download(&mut self, url: &str, buf: &mut [u8]) -> R<u64> {
        let mut resp = self.0.get(url).send()?;
        Ok(drain(&mut resp, buf)?)
    }
    fn upload(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let resp = self
            .0
            .patch(url)
            .header("Content-Type", "application/octet-stream")
            .body(data)
            .send()?;
        Ok(resp.bytes()?.len())
    }
    fn upload_reader(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let resp = self
            .0
            .patch(url)
            .header("Content-Type", "application/octet-stream")
            .body(reqwest::blocking::Body::new(Opaque::new(data)))
            .send()?;
        Ok(resp.bytes()?.len())
    }
    fn fork(&self) -> R<Box<dyn Session>> {
        Ok(Box::new(Reqwest(self.0.clone())))
    }
}

// ---------------------------------------------------------------------------------------------

/// minreq has no client object and no connection reuse: every request opens a connection.
struct Minreq;

impl Session for Minreq {
    fn get(&mut self, url: &str) -> R<usize> {
        Ok(minreq::get(url).send()?.into_bytes().len())
    }
    fn patch_json(&mut self, url: &str, payload: &Payload) -> R<usize> {
        Ok(minreq::patch(url)
            .with_json(payload)?
            .send()?
            .into_bytes()
            .len())
    }
    fn download(&mut self, url: &str, buf: &mut [u8]) -> R<u64> {
        let mut resp = minreq::get(url).send_lazy()?;
        Ok(drain(&mut resp, buf)?)
    }
    fn upload(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        // `with_body` takes a Vec: the copy is part of minreq's API.
        Ok(minreq::patch(url)
            .with_header("Content-Type", "application/octet-stream")
            .with_body(data)
            .send()?
            .into_bytes()
            .len())
    }
    fn upload_reader(&mut self, _url: &str, _data: &'static [u8]) -> R<usize> {
        Err(Box::new(Unsupported))
    }
    fn fork(&self) -> R<Box<dyn Session>> {
        Ok(Box::new(Minreq))
    }
}

// ---------------------------------------------------------------------------------------------

/// attohttpc sends `Connection: close` on every request: no connection reuse.
struct Atto(attohttpc::Session);

/// A reader sent chunked through attohttpc's `Body` trait.
struct AttoReader(Opaque);

impl attohttpc::body::Body for AttoReader {
    fn kind(&mut self) -> io::Result<attohttpc::body::BodyKind> {
        Ok(attohttpc::body::BodyKind::Chunked)
    }
    fn write<W: io::Write>(&mut self, mut writer: W) -> io::Result<()> {
        io::copy(&mut self.0, &mut writer)?;
        Ok(())
    }
}

impl Session for Atto {
    fn get(&mut self, url: &str) -> R<usize> {
        Ok(self.0.get(url).send()?.bytes()?.len())
    }
    fn patch_json(&mut self, url: &str, payload: &Payload) -> R<usize> {
        Ok(self.0.patch(url).json(payload)?.send()?.bytes()?.len())
    }
    fn download(&mut self, url: &str, buf: &mut [u8]) -> R<u64> {
        let (_, _, mut body) = self.0.get(url).send()?.split();
        Ok(drain(&mut body, buf)?)
    }
    fn upload(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let resp = self
            .0
            .patch(url)
            .header("Content-Type", "application/octet-stream")
            .bytes(data)
            .send()?;
        Ok(resp.bytes()?.len())
    }
    fn upload_reader(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        let resp = self
            .0
            .patch(url)
            .header("Content-Type", "application/octet-stream")
            .body(AttoReader(Opaque::new(data)))
            .send()?;
        Ok(resp.bytes()?.len())
    }
    fn fork(&self) -> R<Box<dyn Session>> {
        Ok(Box::new(Atto(self.0.clone())))
    }
}

// ---------------------------------------------------------------------------------------------

/// What the curl handle does with the bytes it moves.
#[derive(Default)]
struct Collector {
    /// Keep the body (small responses) or only count it (downloads).
    keep: bool,
    body: Vec<u8>,
    count: u64,
    upload: Option<Opaque>,
}

impl curl::easy::Handler for Collector {
    fn write(&mut self, data: &[u8]) -> Result<usize, curl::easy::WriteError> {
        if self.keep {
            self.body.extend_from_slice(data);
        }
        self.count += data.len() as u64;
        Ok(data.len())
    }
    fn read(&mut self, out: &mut [u8]) -> Result<usize, curl::easy::ReadError> {
        match self.upload.as_mut() {
            Some(r) => Ok(r.read(out).unwrap_or(0)),
            None => Ok(0),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CurlMode {
    Fresh,
    Get,
    Patch,
    Upload,
    UploadChunked,
}

/// One libcurl easy handle reused for every request (its connection cache keeps the
/// connection). A handle is not `Sync`, so each thread gets its own.
struct Curl {
    easy: curl::easy::Easy2<Collector>,
    mode: CurlMode,
}

impl Curl {
    fn new() -> Curl {
        Curl {
            easy: curl::easy::Easy2::new(Collector::default()),
            mode: CurlMode::Fresh,
        }
    }

    /// Sets the handle up for another kind of request (reset keeps the connection cache).
    fn mode(&mut self, mode: CurlMode) -> R<()> {
        if self.mode == mode {
            return Ok(());
        }
        if self.mode != CurlMode::Fresh {
            self.easy.reset();
        }
        let mut list = curl::easy::List::new();
        match mode {
            CurlMode::Fresh | CurlMode::Get => self.easy.get(true)?,
            CurlMode::Patch => {
                self.easy.custom_request("PATCH")?;
                list.append("Content-Type: application/json")?;
            }
            CurlMode::Upload | CurlMode::UploadChunked => {
                self.easy.upload(true)?;
                self.easy.custom_request("PATCH")?;
                list.append("Content-Type: application/octet-stream")?;
                if mode == CurlMode::UploadChunked {
                    list.append("Transfer-Encoding: chunked")?;
                }
            }
        }
        self.easy.http_headers(list)?;
        self.mode = mode;
        Ok(())
    }

    fn perform(&mut self, url: &str, keep: bool) -> R<u64> {
        self.easy.url(url)?;
        let h = self.easy.get_mut();
        h.keep = keep;
        h.body.clear();
        h.count = 0;
        self.easy.perform()?;
        let code = self.easy.response_code()?;
        if code != 200 {
            return Err(format!("status {code}").into());
        }
        Ok(self.easy.get_ref().count)
    }
}

impl Session for Curl {
    fn get(&mut self, url: &str) -> R<usize> {
        self.mode(CurlMode::Get)?;
        self.perform(url, true)?;
        Ok(self.easy.get_ref().body.len())
    }
    fn patch_json(&mut self, url: &str, payload: &Payload) -> R<usize> {
        self.mode(CurlMode::Patch)?;
        let json = serde_json::to_vec(payload)?;
        self.easy.post_fields_copy(&json)?;
        self.perform(url, true)?;
        Ok(self.easy.get_ref().body.len())
    }
    fn download(&mut self, url: &str, _buf: &mut [u8]) -> R<u64> {
        self.mode(CurlMode::Get)?;
        self.perform(url, false)
    }
    fn upload(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        self.mode(CurlMode::Upload)?;
        self.easy.in_filesize(data.len() as u64)?;
        self.easy.get_mut().upload = Some(Opaque::new(data));
        Ok(self.perform(url, true)? as usize)
    }
    fn upload_reader(&mut self, url: &str, data: &'static [u8]) -> R<usize> {
        self.mode(CurlMode::UploadChunked)?;
        self.easy.get_mut().upload = Some(Opaque::new(data));
        Ok(self.perform(url, true)? as usize)
    }
    fn fork(&self) -> R<Box<dyn Session>> {
        Ok(Box::new(Curl::new()))
    }
}
