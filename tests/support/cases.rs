//! The conformance vectors in `tests/vectors`: response cases (`cases/*.json`), request-side
//! checks (`requests_semantics/*.json`), and the judges that compare a client's result with them.
//!
//! The schema is described in `tests/vectors/README.md`. Loading is strict: an unknown field or a
//! bad value panics naming the file, so a vector is never half-understood.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::raw_server::RecordedRequest;

/// Largest piece a streamed response is cut into, as in server.py's `iter_parts`.
const PIECE: usize = 1 << 20;

/// `tests/vectors` of the package being tested.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("vectors")
}

// ---------------------------------------------------------------------------- response cases

/// One response case: bytes a server sends and what a client must make of them.
#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub group: String,
    pub description: String,
    /// The method the client sends (`HEAD` changes framing).
    pub request_method: String,
    pub response: Response,
    /// Sent for a later request on the same connection; `None` means `response` again.
    pub followup_response: Option<Vec<u8>>,
    pub server_behavior: ServerBehavior,
    pub send_plan: Option<SendPlan>,
    /// The body the client sends, if any.
    pub request_body: Option<RequestBody>,
    /// The server reads only the request head, then acts (the body stays unread).
    pub server_reads_head_only: bool,
    /// Two-request cases: the client repeats the request on one client.
    pub sequence: Option<Sequence>,
    pub expect: Expect,
    /// `expect_followups[i]` judges request `i + 2`.
    pub expect_followups: Vec<ExpectFollowup>,
    pub refs: Vec<String>,
    pub peer_notes: Option<String>,
}

/// The bytes of a response: inline, or parts to be streamed (up to 130 MiB; never built whole).
#[derive(Clone, Debug)]
pub enum Response {
    Bytes(Vec<u8>),
    Parts(Vec<Part>),
}

/// `content` repeated `repeat` times.
#[derive(Clone, Debug)]
pub struct Part {
    pub repeat: u64,
    pub content: PartContent,
}

#[derive(Clone, Debug)]
pub enum PartContent {
    Bytes(Vec<u8>),
    Group(Vec<Part>),
}

/// What the server does once the bytes are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerBehavior {
    /// Wait `close_delay_ms`, then FIN.
    SendThenClose { close_delay_ms: u64 },
    /// Keep serving requests on the connection.
    SendKeepOpen,
    /// Hold the socket open silently.
    SendThenStall,
    /// Wait `reset_delay_ms`, then RST.
    ResetAfterSend { reset_delay_ms: u64 },
}

/// Drip the response: `chunk_size` bytes every `interval_ms`; with `head_first` the head goes
/// at once and every body chunk waits an interval first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendPlan {
    pub chunk_size: usize,
    pub interval_ms: u64,
    pub head_first: bool,
}

impl SendPlan {
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms)
    }
}

/// `unit` repeated `repeat` times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestBody {
    pub unit: Vec<u8>,
    pub repeat: usize,
}

impl RequestBody {
    pub fn len(&self) -> usize {
        self.unit.len() * self.repeat
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.unit.repeat(self.repeat)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sequence {
    pub count: usize,
    #[serde(default)]
    pub delay_ms: u64,
}

impl Sequence {
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms)
    }
}

impl Case {
    /// How many requests the client makes (1 unless `sequence` says otherwise).
    pub fn request_count(&self) -> usize {
        self.sequence.map_or(1, |s| s.count)
    }

    /// True when the response is streamed from parts (too big to keep as one buffer).
    pub fn is_large(&self) -> bool {
        matches!(self.response, Response::Parts(_))
    }

    /// The response bytes in pieces of at most 1 MiB (a single inline response is one piece).
    /// `followup` selects `followup_response` when the case has one, as server.py does.
    pub fn response_pieces(&self, followup: bool) -> Pieces<'_> {
        match (&self.followup_response, &self.response) {
            (Some(bytes), _) if followup => Pieces::whole(bytes),
            (_, Response::Bytes(bytes)) => Pieces::whole(bytes),
            (_, Response::Parts(parts)) => Pieces::parts(parts),
        }
    }

    /// Total length of what `response_pieces(followup)` yields.
    pub fn response_len(&self, followup: bool) -> u64 {
        match (&self.followup_response, &self.response) {
            (Some(bytes), _) if followup => bytes.len() as u64,
            (_, Response::Bytes(bytes)) => bytes.len() as u64,
            (_, Response::Parts(parts)) => parts_len(parts),
        }
    }

    /// The whole response in one buffer; meant for small cases.
    pub fn response_to_vec(&self, followup: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for piece in self.response_pieces(followup) {
            out.extend_from_slice(&piece);
        }
        out
    }

    /// Streams the response into `out` piece by piece.
    pub fn write_response(&self, out: &mut impl Write, followup: bool) -> io::Result<()> {
        for piece in self.response_pieces(followup) {
            out.write_all(&piece)?;
        }
        Ok(())
    }
}

fn parts_len(parts: &[Part]) -> u64 {
    parts
        .iter()
        .map(|p| {
            let unit = match &p.content {
                PartContent::Bytes(b) => b.len() as u64,
                PartContent::Group(g) => parts_len(g),
            };
            unit.saturating_mul(p.repeat)
        })
        .fold(0, u64::saturating_add)
}

/// Iterator over response bytes; see [`Case::response_pieces`].
pub struct Pieces<'a> {
    whole: Option<&'a [u8]>,
    stack: Vec<Frame<'a>>,
    /// The byte unit being repeated and how many repeats are left.
    run: Option<(&'a [u8], u64)>,
}

/// A group being walked: its parts, the next one, and the rounds left including this one.
struct Frame<'a> {
    parts: &'a [Part],
    next: usize,
    rounds_left: u64,
}

impl<'a> Pieces<'a> {
    fn whole(bytes: &'a [u8]) -> Self {
        Pieces {
            whole: Some(bytes),
            stack: Vec::new(),
            run: None,
        }
    }

    fn parts(parts: &'a [Part]) -> Self {
        Pieces {
            whole: None,
            stack: vec![Frame {
                parts,
                next: 0,
                rounds_left: 1,
            }],
            run: None,
        }
    }
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Cow<'a, [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(bytes) = self.whole.take() {
            return Some(Cow::Borrowed(bytes));
        }
        loop {
            if let Some((unit, left)) = self.run.as_mut() {
                if *left > 0 {
                    let unit: &'a [u8] = unit;
                    let per = (PIECE / unit.len()).max(1) as u64;
                    let k = per.min(*left);
                    *left -= k;
                    return Some(if k == 1 {
                        Cow::Borrowed(unit)
                    } else {
                        Cow::Owned(unit.repeat(k as usize))
                    });
                }
                self.run = None;
            }
            let frame = self.stack.last_mut()?;
            let parts: &'a [Part] = frame.parts;
            if frame.next == parts.len() {
                frame.rounds_left -= 1;
                if frame.rounds_left == 0 {
                    self.stack.pop();
                } else {
                    frame.next = 0;
                }
                continue;
            }
            let part = &parts[frame.next];
            frame.next += 1;
            if part.repeat == 0 {
                continue;
            }
            match &part.content {
                PartContent::Bytes(unit) if !unit.is_empty() => {
                    self.run = Some((unit, part.repeat));
                }
                PartContent::Group(group) if !group.is_empty() => self.stack.push(Frame {
                    parts: group,
                    next: 0,
                    rounds_left: part.repeat,
                }),
                _ => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------- outcomes

/// `ok` or `error`, the two outcome words of the vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeKind {
    Ok,
    Error,
}

impl OutcomeKind {
    fn parse(word: &str) -> Result<Self, String> {
        match word {
            "ok" => Ok(OutcomeKind::Ok),
            "error" => Ok(OutcomeKind::Error),
            other => Err(format!("unknown outcome {other:?}")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Ok => "ok",
            OutcomeKind::Error => "error",
        }
    }
}

/// What the client made of a case, in the vectors' terms.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A response with its whole body.
    Ok {
        status: u16,
        body: Vec<u8>,
        headers: Vec<(String, Vec<u8>)>,
    },
    /// A response whose body was streamed through a [`BodyDigest`] instead of kept.
    OkHashed {
        status: u16,
        body_len: u64,
        body_sha256: String,
        headers: Vec<(String, Vec<u8>)>,
    },
    /// An error, by its `ErrorKind` word: `protocol`, `incomplete`, `timeout`, `too_large`, `io`...
    Err { class: String },
}

impl Outcome {
    pub fn err(class: impl Into<String>) -> Self {
        Outcome::Err {
            class: class.into(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Ok { status, body, .. } => {
                format!("ok (status {status}, body {})", preview(body))
            }
            Outcome::OkHashed {
                status, body_len, ..
            } => format!("ok (status {status}, {body_len} body bytes)"),
            Outcome::Err { class } => format!("error {class:?}"),
        }
    }
}

/// Counts and hashes a body as it is written, for bodies too large to keep.
#[derive(Clone, Default)]
pub struct BodyDigest {
    len: u64,
    hasher: Sha256,
}

impl BodyDigest {
    pub fn new() -> Self {
        Self::default()
    }

    /// `(length, lowercase hex SHA-256)`.
    pub fn finish(self) -> (u64, String) {
        (self.len, hex(&self.hasher.finalize()))
    }
}

impl Write for BodyDigest {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Up to 80 bytes, escaped, with the total length when cut.
fn preview(bytes: &[u8]) -> String {
    const MAX: usize = 80;
    let shown = bytes[..bytes.len().min(MAX)].escape_ascii().to_string();
    if bytes.len() > MAX {
        format!("\"{shown}\"... ({} bytes)", bytes.len())
    } else {
        format!("\"{shown}\"")
    }
}

/// What the client must do with a case's (first) request.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The case this belongs to, named in every judgement.
    pub case_id: String,
    /// The preferred outcome.
    pub outcome: OutcomeKind,
    /// Every acceptable outcome; a second one is a tolerated leniency or strictness.
    pub acceptable: Vec<OutcomeKind>,
    pub error_class: Option<String>,
    pub error_class_alt: Vec<String>,
    pub status: Option<u16>,
    pub body_len: Option<u64>,
    pub body_sha256: Option<String>,
    /// `body_b64`, decoded (absent for large bodies).
    pub body: Option<Vec<u8>>,
    /// Field values the client must expose (name lowercase).
    pub headers: Vec<(String, String)>,
    pub rationale: String,
}

impl Expect {
    pub fn ok_acceptable(&self) -> bool {
        self.acceptable.contains(&OutcomeKind::Ok)
    }

    pub fn error_acceptable(&self) -> bool {
        self.acceptable.contains(&OutcomeKind::Error)
    }

    /// `Ok(())` when `result` is acceptable for this case, else a message naming the case.
    ///
    /// An error's class is checked only when `error` is the preferred outcome: where `ok` is
    /// preferred, refusing the response is a tolerated strictness whatever the class.
    pub fn judge(&self, result: Outcome) -> Result<(), String> {
        let fail = |what: String| {
            Err(format!(
                "case {}: {what}; expected {} (why: {})",
                self.case_id,
                self.describe(),
                self.rationale
            ))
        };
        match &result {
            Outcome::Err { class } => {
                if !self.error_acceptable() {
                    return fail(format!("got error {class:?}"));
                }
                if self.outcome == OutcomeKind::Error {
                    if let Some(want) = &self.error_class {
                        if class != want && !self.error_class_alt.contains(class) {
                            return fail(format!("got error class {class:?}"));
                        }
                    }
                }
                Ok(())
            }
            Outcome::Ok { status, .. } | Outcome::OkHashed { status, .. } => {
                if !self.ok_acceptable() {
                    return fail(format!("got {}", result.describe()));
                }
                if let Some(want) = self.status {
                    if *status != want {
                        return fail(format!("got status {status}"));
                    }
                }
                let (len, sha) = body_len_sha(&result);
                if let Some(want) = self.body_len {
                    if len != want {
                        return fail(format!("got body length {len}"));
                    }
                }
                if let Some(want) = &self.body_sha256 {
                    if sha != *want {
                        return fail(format!("got body sha256 {sha} ({})", result.describe()));
                    }
                }
                if let (Some(want), Outcome::Ok { body, .. }) = (&self.body, &result) {
                    if body != want {
                        return fail(format!("got body {}", preview(body)));
                    }
                }
                check_headers(&result, &self.headers).or_else(fail)
            }
        }
    }

    fn describe(&self) -> String {
        let mut out = String::new();
        for (i, kind) in self.acceptable.iter().enumerate() {
            if i > 0 {
                out.push_str(" or ");
            }
            out.push_str(kind.as_str());
            if *kind == OutcomeKind::Ok {
                if let Some(status) = self.status {
                    out.push_str(&format!(" {status}"));
                }
                if let Some(body) = &self.body {
                    out.push_str(&format!(" body {}", preview(body)));
                } else if let Some(len) = self.body_len {
                    out.push_str(&format!(" ({len} body bytes)"));
                }
            }
            if *kind == OutcomeKind::Error && self.outcome == OutcomeKind::Error {
                if let Some(class) = &self.error_class {
                    out.push_str(&format!(" {class}"));
                    for alt in &self.error_class_alt {
                        out.push_str(&format!("/{alt}"));
                    }
                }
            }
        }
        out
    }
}

/// Body length and SHA-256 of an ok outcome (zero and the empty hash for an error).
fn body_len_sha(result: &Outcome) -> (u64, String) {
    match result {
        Outcome::Ok { body, .. } => (body.len() as u64, sha256_hex(body)),
        Outcome::OkHashed {
            body_len,
            body_sha256,
            ..
        } => (*body_len, body_sha256.clone()),
        Outcome::Err { .. } => (0, sha256_hex(b"")),
    }
}

/// No exposed field may hold CR or LF; each wanted field must be exposed with that value,
/// as one field or as the `", "` join of all fields of that name.
fn check_headers(result: &Outcome, want: &[(String, String)]) -> Result<(), String> {
    let headers = match result {
        Outcome::Ok { headers, .. } | Outcome::OkHashed { headers, .. } => headers,
        Outcome::Err { .. } => return Ok(()),
    };
    for (name, value) in headers {
        let bad = |b: &u8| *b == b'\r' || *b == b'\n';
        if name.bytes().any(|b| bad(&b)) || value.iter().any(bad) {
            return Err(format!(
                "header {:?}: {} holds CR or LF",
                name.escape_debug().to_string(),
                preview(value)
            ));
        }
    }
    for (name, value) in want {
        let got: Vec<&[u8]> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect();
        let joined = got.join(&b", "[..]);
        if !got.contains(&value.as_bytes()) && joined != value.as_bytes() {
            let got: Vec<String> = got.iter().map(|v| preview(v)).collect();
            return Err(format!(
                "header {name}: want {value:?}, got [{}]",
                got.join(", ")
            ));
        }
    }
    Ok(())
}

/// What the client must do with a later request of a two-request case.
#[derive(Clone, Debug)]
pub struct ExpectFollowup {
    pub case_id: String,
    /// Which request this judges, counting from 1 (so 2 for the first follow-up).
    pub request_number: usize,
    pub outcome: OutcomeKind,
    pub status: Option<u16>,
    /// `body_b64_any_of`, decoded: the body must be one of these...
    pub body_any_of: Vec<Vec<u8>>,
    /// ...or have one of these hashes.
    pub body_sha256_any_of: Vec<String>,
    /// `body_b64_not`, decoded: a smuggled body that must never be returned.
    pub body_not: Option<Vec<u8>>,
    /// The request must not go out on the connection of the first one.
    pub must_use_new_connection: bool,
    pub rationale: String,
}

impl ExpectFollowup {
    /// `Ok(())` when `result` is right for this request, else a message naming the case.
    pub fn judge(&self, result: Outcome) -> Result<(), String> {
        let fail = |what: String| {
            Err(format!(
                "case {} request {}: {what} (why: {})",
                self.case_id, self.request_number, self.rationale
            ))
        };
        let is_err = matches!(result, Outcome::Err { .. });
        match (self.outcome, is_err) {
            (OutcomeKind::Ok, true) | (OutcomeKind::Error, false) => {
                return fail(format!(
                    "got {}, expected {}",
                    result.describe(),
                    self.outcome.as_str()
                ));
            }
            (OutcomeKind::Error, true) => return Ok(()),
            (OutcomeKind::Ok, false) => {}
        }
        if let (Some(want), Outcome::Ok { status, .. } | Outcome::OkHashed { status, .. }) =
            (self.status, &result)
        {
            if *status != want {
                return fail(format!("got status {status}, expected {want}"));
            }
        }
        let (_, sha) = body_len_sha(&result);
        if let Some(not) = &self.body_not {
            if sha == sha256_hex(not) {
                return fail(format!("got the forbidden body {}", preview(not)));
            }
        }
        if !self.body_any_of.is_empty() || !self.body_sha256_any_of.is_empty() {
            let by_bytes = match &result {
                Outcome::Ok { body, .. } => self.body_any_of.contains(body),
                _ => false,
            };
            let by_hash = self.body_sha256_any_of.contains(&sha)
                || self.body_any_of.iter().any(|b| sha256_hex(b) == sha);
            if !by_bytes && !by_hash {
                let want: Vec<String> = self.body_any_of.iter().map(|b| preview(b)).collect();
                return fail(format!(
                    "got {}, expected a body among [{}]",
                    result.describe(),
                    want.join(", ")
                ));
            }
        }
        check_headers(&result, &[]).or_else(fail)
    }

    /// Checks `must_use_new_connection` given the connection ids of the first request and of
    /// this one (from the server's recorded requests).
    pub fn judge_connection(&self, first_conn: u64, this_conn: u64) -> Result<(), String> {
        if self.must_use_new_connection && first_conn == this_conn {
            return Err(format!(
                "case {} request {}: reused connection {first_conn}, a new one was required (why: {})",
                self.case_id, self.request_number, self.rationale
            ));
        }
        Ok(())
    }

    /// [`Self::judge_connection`] on the first and last of a server's recorded requests.
    pub fn judge_connections(&self, requests: &[RecordedRequest]) -> Result<(), String> {
        match (requests.first(), requests.last()) {
            (Some(first), Some(last)) if requests.len() >= 2 => {
                self.judge_connection(first.conn, last.conn)
            }
            _ => Err(format!(
                "case {} request {}: the server recorded {} request(s)",
                self.case_id,
                self.request_number,
                requests.len()
            )),
        }
    }
}

// ---------------------------------------------------------------------------- case loading

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    group: String,
    description: String,
    request_method: String,
    response_b64: Option<String>,
    response_parts: Option<Vec<RawPart>>,
    server_behavior: String,
    close_delay_ms: Option<u64>,
    reset_delay_ms: Option<u64>,
    send_plan: Option<RawSendPlan>,
    request_body_b64: Option<String>,
    request_body_repeat: Option<usize>,
    server_reads: Option<String>,
    sequence: Option<Sequence>,
    followup_response_b64: Option<String>,
    #[serde(default)]
    expect_followups: Vec<RawFollowup>,
    expect: RawExpect,
    #[serde(default)]
    refs: Vec<String>,
    peer_notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPart {
    b64: Option<String>,
    parts: Option<Vec<RawPart>>,
    repeat: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSendPlan {
    chunk_size: Option<usize>,
    interval_ms: Option<u64>,
    head_first: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    outcome: String,
    acceptable: Vec<String>,
    error_class: Option<String>,
    #[serde(default)]
    error_class_alt: Vec<String>,
    status: Option<u16>,
    body_len: Option<u64>,
    body_sha256: Option<String>,
    body_b64: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    rationale: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFollowup {
    outcome: String,
    status: Option<u16>,
    #[serde(default)]
    body_b64_any_of: Vec<String>,
    #[serde(default)]
    body_sha256_any_of: Vec<String>,
    body_b64_not: Option<String>,
    #[serde(default)]
    must_use_new_connection: bool,
    #[serde(default)]
    rationale: String,
}

fn b64(text: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("bad base64 {:?}: {e}", &text[..text.len().min(40)]))
}

fn convert_parts(raw: Vec<RawPart>) -> Result<Vec<Part>, String> {
    raw.into_iter()
        .map(|p| {
            let content = match (p.b64, p.parts) {
                (Some(text), None) => PartContent::Bytes(b64(&text)?),
                (None, Some(group)) => PartContent::Group(convert_parts(group)?),
                _ => return Err("a part needs exactly one of b64 and parts".to_string()),
            };
            Ok(Part {
                repeat: p.repeat.unwrap_or(1),
                content,
            })
        })
        .collect()
}

fn convert_case(raw: RawCase) -> Result<Case, String> {
    let response = match (raw.response_b64, raw.response_parts) {
        (_, Some(parts)) if !parts.is_empty() => Response::Parts(convert_parts(parts)?),
        (Some(text), _) => Response::Bytes(b64(&text)?),
        (None, _) => Response::Bytes(Vec::new()),
    };
    let server_behavior = match raw.server_behavior.as_str() {
        "send_then_close" => ServerBehavior::SendThenClose {
            close_delay_ms: raw.close_delay_ms.unwrap_or(0),
        },
        "send_keep_open" => ServerBehavior::SendKeepOpen,
        "send_then_stall" => ServerBehavior::SendThenStall,
        "reset_after_send" => ServerBehavior::ResetAfterSend {
            reset_delay_ms: raw.reset_delay_ms.unwrap_or(0),
        },
        other => return Err(format!("unknown server_behavior {other:?}")),
    };
    let server_reads_head_only = match raw.server_reads.as_deref() {
        None => false,
        Some("head_only") => true,
        Some(other) => return Err(format!("unknown server_reads {other:?}")),
    };
    let request_body = match raw.request_body_b64 {
        Some(text) => Some(RequestBody {
            unit: b64(&text)?,
            repeat: raw.request_body_repeat.unwrap_or(1),
        }),
        None => None,
    };
    let e = raw.expect;
    let expect = Expect {
        case_id: raw.id.clone(),
        outcome: OutcomeKind::parse(&e.outcome)?,
        acceptable: e
            .acceptable
            .iter()
            .map(|w| OutcomeKind::parse(w))
            .collect::<Result<_, _>>()?,
        error_class: e.error_class,
        error_class_alt: e.error_class_alt,
        status: e.status,
        body_len: e.body_len,
        body_sha256: e.body_sha256,
        body: e.body_b64.as_deref().map(b64).transpose()?,
        headers: e
            .headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        rationale: e.rationale,
    };
    if !expect.acceptable.contains(&expect.outcome) {
        return Err("expect.outcome is not in expect.acceptable".to_string());
    }
    let expect_followups = raw
        .expect_followups
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            Ok(ExpectFollowup {
                case_id: raw.id.clone(),
                request_number: i + 2,
                outcome: OutcomeKind::parse(&f.outcome)?,
                status: f.status,
                body_any_of: f
                    .body_b64_any_of
                    .iter()
                    .map(|t| b64(t))
                    .collect::<Result<_, _>>()?,
                body_sha256_any_of: f.body_sha256_any_of,
                body_not: f.body_b64_not.as_deref().map(b64).transpose()?,
                must_use_new_connection: f.must_use_new_connection,
                rationale: f.rationale,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Case {
        id: raw.id,
        group: raw.group,
        description: raw.description,
        request_method: raw.request_method,
        response,
        followup_response: raw.followup_response_b64.as_deref().map(b64).transpose()?,
        server_behavior,
        send_plan: raw.send_plan.map(|p| SendPlan {
            chunk_size: p.chunk_size.unwrap_or(1).max(1),
            interval_ms: p.interval_ms.unwrap_or(0),
            head_first: p.head_first.unwrap_or(false),
        }),
        request_body,
        server_reads_head_only,
        sequence: raw.sequence,
        expect,
        expect_followups,
        refs: raw.refs,
        peer_notes: raw.peer_notes,
    })
}

fn read_case(path: &Path) -> Case {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read case {}: {e}", path.display()));
    serde_json::from_str::<RawCase>(&text)
        .map_err(|e| e.to_string())
        .and_then(convert_case)
        .unwrap_or_else(|e| panic!("bad case {}: {e}", path.display()))
}

/// The `*.json` files of a vectors subdirectory, sorted by name.
fn json_files(sub: &str) -> Vec<PathBuf> {
    let dir = vectors_dir().join(sub);
    let entries =
        fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Every response case, sorted by id. Panics naming the file on a bad vector.
pub fn load_cases() -> Vec<Case> {
    json_files("cases").iter().map(|p| read_case(p)).collect()
}

/// The case with this id (its file is `cases/<id>.json`). Panics when there is none.
pub fn load_case(id: &str) -> Case {
    let case = read_case(&vectors_dir().join("cases").join(format!("{id}.json")));
    assert_eq!(case.id, id, "cases/{id}.json holds case {:?}", case.id);
    case
}

// ---------------------------------------------------------------------------- request semantics

/// One request-side check: a call in requests' vocabulary and what must reach the wire.
#[derive(Clone, Debug)]
pub struct SemanticsCheck {
    pub id: String,
    pub group: String,
    pub description: String,
    pub rationale: String,
    pub requests_note: Option<String>,
    /// Connect every host name to 127.0.0.1:{port}, so nothing else is contacted.
    pub connect_override: bool,
    /// `method`, `url` (with `{port}`), and the body and header keys; see the accessors.
    pub call: Value,
    /// `error`, `wire_request_count`, `final_status`, `requests`.
    pub expect: Value,
    /// `expect.requests`, typed.
    pub requests: Vec<RequestCheck>,
}

/// Checks on one logged request (`index` 0 = first, -1 = last).
#[derive(Clone, Debug, Default)]
pub struct RequestCheck {
    pub index: i64,
    pub method: Option<String>,
    pub target: Option<String>,
    pub target_any_of: Vec<String>,
    /// The request line without CRLF.
    pub request_line: Option<String>,
    /// Exactly one field with that name, with that value (names lowercase).
    pub headers: Vec<(String, String)>,
    /// Exactly one field with that name, with one of those values.
    pub headers_any_of: Vec<(String, Vec<String>)>,
    pub headers_absent: Vec<String>,
    pub headers_present: Vec<String>,
    /// `content-length`, `chunked` or `none`.
    pub framing: Option<String>,
    /// `body_b64` decoded: the body after de-chunking.
    pub body: Option<Vec<u8>>,
    pub body_any_of: Vec<Vec<u8>>,
    pub body_json: Option<Value>,
    pub content_length_matches_body: bool,
}

const CALL_KEYS: &[&str] = &[
    "method",
    "url",
    "json",
    "data",
    "data_pairs",
    "data_b64",
    "data_text",
    "data_chunks_b64",
    "data_file_b64",
    "params",
    "headers",
    "auth",
];
const EXPECT_KEYS: &[&str] = &["error", "wire_request_count", "final_status", "requests"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSemantics {
    id: String,
    group: String,
    description: String,
    call: Value,
    expect: Value,
    #[serde(default)]
    rationale: String,
    requests_note: Option<String>,
    #[serde(default)]
    connect_override: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequestCheck {
    index: i64,
    method: Option<String>,
    target: Option<String>,
    #[serde(default)]
    target_any_of: Vec<String>,
    request_line: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    headers_any_of: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    headers_absent: Vec<String>,
    #[serde(default)]
    headers_present: Vec<String>,
    framing: Option<String>,
    body_b64: Option<String>,
    #[serde(default)]
    body_b64_any_of: Vec<String>,
    body_json: Option<Value>,
    #[serde(default)]
    content_length_matches_body: bool,
}

fn convert_semantics(raw: RawSemantics) -> Result<SemanticsCheck, String> {
    let keys_known = |v: &Value, known: &[&str], what: &str| -> Result<(), String> {
        let obj = v.as_object().ok_or(format!("{what} is not an object"))?;
        match obj.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(format!("unknown {what} key {k:?}")),
            None => Ok(()),
        }
    };
    keys_known(&raw.call, CALL_KEYS, "call")?;
    keys_known(&raw.expect, EXPECT_KEYS, "expect")?;
    for key in ["method", "url"] {
        if !raw.call[key].is_string() {
            return Err(format!("call.{key} is missing or not a string"));
        }
    }
    let requests = match raw.expect.get("requests") {
        None => Vec::new(),
        Some(list) => {
            let list: Vec<RawRequestCheck> =
                serde_json::from_value(list.clone()).map_err(|e| format!("requests: {e}"))?;
            list.into_iter()
                .map(convert_request_check)
                .collect::<Result<_, _>>()?
        }
    };
    let check = SemanticsCheck {
        id: raw.id,
        group: raw.group,
        description: raw.description,
        rationale: raw.rationale,
        requests_note: raw.requests_note,
        connect_override: raw.connect_override,
        call: raw.call,
        expect: raw.expect,
        requests,
    };
    check.errors_allowed_checked()?;
    Ok(check)
}

fn convert_request_check(r: RawRequestCheck) -> Result<RequestCheck, String> {
    let lower = |v: Vec<String>| v.into_iter().map(|s| s.to_ascii_lowercase()).collect();
    Ok(RequestCheck {
        index: r.index,
        method: r.method,
        target: r.target,
        target_any_of: r.target_any_of,
        request_line: r.request_line,
        headers: r
            .headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        headers_any_of: r
            .headers_any_of
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        headers_absent: lower(r.headers_absent),
        headers_present: lower(r.headers_present),
        framing: r.framing,
        body: r.body_b64.as_deref().map(b64).transpose()?,
        body_any_of: r
            .body_b64_any_of
            .iter()
            .map(|t| b64(t))
            .collect::<Result<_, _>>()?,
        body_json: r.body_json,
        content_length_matches_body: r.content_length_matches_body,
    })
}

fn with_port(text: &str, port: u16) -> String {
    text.replace("{port}", &port.to_string())
}

impl SemanticsCheck {
    pub fn method(&self) -> &str {
        self.call["method"].as_str().unwrap_or_default()
    }

    /// `call.url` with `{port}` filled in.
    pub fn url(&self, port: u16) -> String {
        with_port(self.call["url"].as_str().unwrap_or_default(), port)
    }

    /// A string field of `call` (`data_text`, ...).
    pub fn call_str(&self, key: &str) -> Option<&str> {
        self.call.get(key)?.as_str()
    }

    /// A base64 field of `call` (`data_b64`, `data_file_b64`), decoded.
    pub fn call_b64(&self, key: &str) -> Option<Vec<u8>> {
        self.call.get(key)?.as_str().and_then(|t| b64(t).ok())
    }

    /// `call.data_chunks_b64`, decoded: the reads of an unknown-length body, in order.
    pub fn call_chunks(&self) -> Option<Vec<Vec<u8>>> {
        let list = self.call.get("data_chunks_b64")?.as_array()?;
        list.iter()
            .map(|v| v.as_str().and_then(|t| b64(t).ok()))
            .collect()
    }

    /// A list-of-pairs field of `call` (`params`, `data_pairs`).
    pub fn call_pairs(&self, key: &str) -> Option<Vec<(String, String)>> {
        pairs(self.call.get(key)?)
    }

    /// `call.headers`, in the file's order of keys (sorted).
    pub fn call_headers(&self) -> Vec<(String, String)> {
        match self.call.get("headers").and_then(Value::as_object) {
            Some(map) => map
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            None => Vec::new(),
        }
    }

    /// `call.auth` as `(user, password)`.
    pub fn call_auth(&self) -> Option<(String, String)> {
        let list = self.call.get("auth")?.as_array()?;
        match list.as_slice() {
            [user, pass] => Some((user.as_str()?.to_string(), pass.as_str()?.to_string())),
            _ => None,
        }
    }

    /// The acceptable call results: `None` = success, `Some(word)` = an error of that kind.
    pub fn errors_allowed(&self) -> Vec<Option<String>> {
        self.errors_allowed_checked().unwrap_or_default()
    }

    fn errors_allowed_checked(&self) -> Result<Vec<Option<String>>, String> {
        let one = |v: &Value| match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            other => Err(format!("bad expect.error entry {other}")),
        };
        match self.expect.get("error") {
            None => Ok(vec![None]),
            Some(Value::Array(list)) => list.iter().map(one).collect(),
            Some(v) => Ok(vec![one(v)?]),
        }
    }

    pub fn wire_request_count(&self) -> Option<usize> {
        self.expect
            .get("wire_request_count")?
            .as_u64()
            .map(|n| n as usize)
    }

    pub fn final_status(&self) -> Option<u16> {
        self.expect.get("final_status")?.as_u64().map(|n| n as u16)
    }

    /// Judges a call: `error` is the client's `ErrorKind` word (`None` on success), `requests`
    /// what the echo server recorded for this call alone, `port` the echo server's port.
    /// Request checks apply only to a successful call.
    pub fn judge(
        &self,
        error: Option<&str>,
        final_status: Option<u16>,
        requests: &[RecordedRequest],
        port: u16,
    ) -> Result<(), String> {
        let fail = |what: String| {
            Err(format!(
                "check {}: {what} (why: {})",
                self.id, self.rationale
            ))
        };
        let allowed = self.errors_allowed();
        if !allowed.iter().any(|a| a.as_deref() == error) {
            return fail(format!("call gave {error:?}, allowed {allowed:?}"));
        }
        if let Some(want) = self.wire_request_count() {
            if requests.len() != want {
                return fail(format!(
                    "{} requests on the wire, want {want}",
                    requests.len()
                ));
            }
        }
        if error.is_some() {
            return Ok(());
        }
        if let (Some(want), Some(got)) = (self.final_status(), final_status) {
            if want != got {
                return fail(format!("final status {got}, want {want}"));
            }
        }
        for check in &self.requests {
            let at = if check.index < 0 {
                requests
                    .len()
                    .checked_sub(check.index.unsigned_abs() as usize)
            } else {
                Some(check.index as usize)
            };
            let Some(req) = at.and_then(|i| requests.get(i)) else {
                return fail(format!(
                    "no request at index {} ({} recorded)",
                    check.index,
                    requests.len()
                ));
            };
            if let Err(e) = check.judge(req, port) {
                return fail(format!("request {}: {e}", check.index));
            }
        }
        Ok(())
    }
}

fn pairs(v: &Value) -> Option<Vec<(String, String)>> {
    v.as_array()?
        .iter()
        .map(|p| match p.as_array()?.as_slice() {
            [k, v] => Some((k.as_str()?.to_string(), v.as_str()?.to_string())),
            _ => None,
        })
        .collect()
}

impl RequestCheck {
    /// `Ok(())` when `req` passes every check; `{port}` in expected values is filled in.
    pub fn judge(&self, req: &RecordedRequest, port: u16) -> Result<(), String> {
        if let Some(want) = &self.method {
            if req.method != *want {
                return Err(format!("method {:?}, want {want:?}", req.method));
            }
        }
        if let Some(want) = &self.target {
            if req.target != with_port(want, port) {
                return Err(format!("target {:?}, want {want:?}", req.target));
            }
        }
        if !self.target_any_of.is_empty()
            && !self
                .target_any_of
                .iter()
                .any(|t| req.target == with_port(t, port))
        {
            return Err(format!(
                "target {:?}, want one of {:?}",
                req.target, self.target_any_of
            ));
        }
        if let Some(want) = &self.request_line {
            let line = req.request_line();
            if line != with_port(want, port) {
                return Err(format!("request line {line:?}, want {want:?}"));
            }
        }
        let single = |name: &str| -> Result<&str, String> {
            match req.headers_named(name).as_slice() {
                [one] => Ok(one),
                many => Err(format!("{} {name} fields: {many:?}", many.len())),
            }
        };
        for (name, want) in &self.headers {
            let got = single(name)?;
            if got != with_port(want, port) {
                return Err(format!("{name}: {got:?}, want {want:?}"));
            }
        }
        for (name, any) in &self.headers_any_of {
            let got = single(name)?;
            if !any.iter().any(|w| got == with_port(w, port)) {
                return Err(format!("{name}: {got:?}, want one of {any:?}"));
            }
        }
        for name in &self.headers_absent {
            if req.header(name).is_some() {
                return Err(format!("{name} present: {:?}", req.headers_named(name)));
            }
        }
        for name in &self.headers_present {
            if req.header(name).is_none() {
                return Err(format!("{name} absent"));
            }
        }
        if let Some(want) = &self.framing {
            if req.framing.as_str() != want {
                return Err(format!("framing {}, want {want}", req.framing.as_str()));
            }
        }
        if let Some(want) = &self.body {
            if req.body != *want {
                return Err(format!(
                    "body {}, want {}",
                    preview(&req.body),
                    preview(want)
                ));
            }
        }
        if !self.body_any_of.is_empty() && !self.body_any_of.contains(&req.body) {
            return Err(format!("body {} not among the allowed", preview(&req.body)));
        }
        if let Some(want) = &self.body_json {
            let got: Value = serde_json::from_slice(&req.body)
                .map_err(|e| format!("body {} is not JSON: {e}", preview(&req.body)))?;
            if got != *want {
                return Err(format!("body JSON {got}, want {want}"));
            }
        }
        if self.content_length_matches_body {
            let cl = single("content-length")?;
            if cl.parse::<usize>().ok() != Some(req.body.len()) {
                return Err(format!(
                    "content-length {cl:?} but the body has {} bytes",
                    req.body.len()
                ));
            }
        }
        Ok(())
    }
}

fn read_semantics(path: &Path) -> SemanticsCheck {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read check {}: {e}", path.display()));
    serde_json::from_str::<RawSemantics>(&text)
        .map_err(|e| e.to_string())
        .and_then(convert_semantics)
        .unwrap_or_else(|e| panic!("bad check {}: {e}", path.display()))
}

/// Every request-side check, sorted by id. Panics naming the file on a bad vector.
pub fn load_semantics() -> Vec<SemanticsCheck> {
    json_files("requests_semantics")
        .iter()
        .map(|p| read_semantics(p))
        .collect()
}

/// The request-side check with this id. Panics when there is none.
pub fn load_semantics_check(id: &str) -> SemanticsCheck {
    let check = read_semantics(
        &vectors_dir()
            .join("requests_semantics")
            .join(format!("{id}.json")),
    );
    assert_eq!(
        check.id, id,
        "requests_semantics/{id}.json holds {:?}",
        check.id
    );
    check
}
