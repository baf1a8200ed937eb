//! The demo's user-management API, embedded with tiny_http on 127.0.0.1. Tests reuse it.
//!
//! - `GET /users`, `POST /users`, `GET /users/{id}`, `PATCH /users/{id}`, `DELETE /users/{id}`
//! - `GET /posts/{id}`, `PATCH /posts/{id}`
//! - `GET /settings`, `PATCH /settings`: need `Authorization: Bearer <DEMO_TOKEN>`
//!
//! `PATCH` understands `application/json` (the fields given are replaced),
//! `application/merge-patch+json` (RFC 7396) and `application/json-patch+json` (RFC 6902).
//! Every resource has an `ETag`; a stale `If-Match` gets `412 Precondition Failed`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wirequest::patch_doc::{merge_apply, JsonPatch};

/// The token `/settings` wants.
pub const DEMO_TOKEN: &str = "demo-token-123";

/// The server stops by itself after this long without a request.
const IDLE_STOP: Duration = Duration::from_secs(60);

struct Resource {
    doc: Value,
    version: u64,
}

impl Resource {
    fn new(doc: Value) -> Resource {
        Resource { doc, version: 1 }
    }

    fn etag(&self) -> String {
        format!("\"v{}\"", self.version)
    }
}

#[derive(Default)]
struct State {
    users: BTreeMap<u64, Resource>,
    posts: BTreeMap<u64, Resource>,
    settings: Option<Resource>,
    next_user: u64,
}

/// A running demo server; stops when dropped.
pub struct DemoServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicU64>,
    patches: Arc<AtomicU64>,
    handle: Option<thread::JoinHandle<()>>,
}

impl DemoServer {
    /// Starts the server on a free port with three users, two posts and the settings resource.
    pub fn start() -> DemoServer {
        DemoServer::start_on(0, IDLE_STOP)
    }

    /// Starts the server on `port` (0: any free one), stopping after `idle` without requests.
    pub fn start_on(port: u16, idle: Duration) -> DemoServer {
        let server = tiny_http::Server::http(("127.0.0.1", port)).expect("bind 127.0.0.1");
        let addr = server.server_addr().to_ip().expect("ip listener");
        let mut state = State {
            next_user: 4,
            ..State::default()
        };
        for (id, name, email, tel) in [
            (1, "Ada Lovelace", "ada@example.com", "+44 20 7946 0001"),
            (2, "Grace Hopper", "grace@example.com", "+1 202 555 0102"),
            (3, "Alan Turing", "alan@example.com", "+44 20 7946 0003"),
        ] {
            let user = json!({"id": id, "name": name, "email": email, "telephone": tel});
            state.users.insert(id, Resource::new(user));
        }
        state.posts.insert(
            1,
            Resource::new(
                json!({"id": 1, "author": 1, "title": "Notes on the engine", "body": "..."}),
            ),
        );
        state.posts.insert(
            2,
            Resource::new(json!({"id": 2, "author": 2, "title": "Debugging", "body": "..."})),
        );
        state.settings = Some(Resource::new(
            json!({"theme": "light", "notifications": true}),
        ));
        let state = Arc::new(Mutex::new(state));
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicU64::new(0));
        let patches = Arc::new(AtomicU64::new(0));
        let (stop2, req2, patch2) = (stop.clone(), requests.clone(), patches.clone());
        let handle = thread::spawn(move || {
            let mut last = Instant::now();
            while !stop2.load(Ordering::SeqCst) && last.elapsed() < idle {
                let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(50)) else {
                    continue;
                };
                last = Instant::now();
                req2.fetch_add(1, Ordering::SeqCst);
                if request.method() == &tiny_http::Method::Patch {
                    patch2.fetch_add(1, Ordering::SeqCst);
                }
                let reply = handle(&state, &mut request);
                let _ = request.respond(reply);
            }
        });
        DemoServer {
            addr,
            stop,
            requests,
            patches,
            handle: Some(handle),
        }
    }

    /// `http://127.0.0.1:<port>`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks until the server stops by itself (after its idle time).
    pub fn wait(mut self) {
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }

    /// Requests served so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// PATCH requests received so far.
    pub fn patches(&self) -> u64 {
        self.patches.load(Ordering::SeqCst)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

type Reply = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn reply(status: u16, body: &Value, etag: Option<String>) -> Reply {
    let mut r = tiny_http::Response::from_data(serde_json::to_vec(body).unwrap_or_default())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"));
    if let Some(tag) = etag {
        r = r.with_header(header("ETag", &tag));
    }
    r
}

fn problem(status: u16, title: &str) -> Reply {
    reply(status, &json!({"error": title}), None)
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn request_header<'a>(req: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    req.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn handle(state: &Mutex<State>, req: &mut tiny_http::Request) -> Reply {
    let path = req.url().split('?').next().unwrap_or("").to_owned();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut body = Vec::new();
    if req
        .as_reader()
        .take(1 << 20)
        .read_to_end(&mut body)
        .is_err()
    {
        return problem(400, "unreadable body");
    }
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    let method = req.method().as_str().to_owned();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["users"]) => {
            let all: Vec<&Value> = state.users.values().map(|r| &r.doc).collect();
            reply(200, &json!(all), None)
        }
        ("POST", ["users"]) => {
            let Ok(Value::Object(mut user)) = serde_json::from_slice::<Value>(&body) else {
                return problem(400, "expected a json object");
            };
            let id = state.next_user;
            state.next_user += 1;
            user.insert("id".into(), json!(id));
            let res = Resource::new(Value::Object(user));
            let out = reply(201, &res.doc, Some(res.etag()));
            state.users.insert(id, res);
            out
        }
        ("GET", ["settings"]) | ("PATCH", ["settings"]) => {
            let expected = format!("Bearer {DEMO_TOKEN}");
            if request_header(req, "authorization") != Some(expected.as_str()) {
                return problem(401, "missing or wrong bearer token")
                    .with_header(header("WWW-Authenticate", "Bearer realm=\"demo\""));
            }
            let Some(res) = state.settings.as_mut() else {
                return problem(404, "no settings");
            };
            if method == "GET" {
                return reply(200, &res.doc, Some(res.etag()));
            }
            patch(res, req, &body, |_| Ok(()))
        }
        (m, [kind @ ("users" | "posts"), id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return problem(404, "no such resource");
            };
            let is_user = *kind == "users";
            let table = if is_user {
                &mut state.users
            } else {
                &mut state.posts
            };
            if m == "DELETE" {
                return match table.remove(&id) {
                    Some(_) => tiny_http::Response::from_data(Vec::new()).with_status_code(204),
                    None => problem(404, "no such resource"),
                };
            }
            let Some(res) = table.get_mut(&id) else {
                return problem(404, "no such resource");
            };
            match m {
                "GET" => reply(200, &res.doc, Some(res.etag())),
                "PATCH" => patch(res, req, &body, |doc| validate(doc, id, is_user)),
                _ => problem(405, "method not allowed"),
            }
        }
        _ => problem(404, "no such route"),
    }
}

/// What a resource must still look like after a patch.
fn validate(doc: &Value, id: u64, is_user: bool) -> Result<(), &'static str> {
    let Value::Object(map) = doc else {
        return Err("a resource must stay an object");
    };
    if map.get("id") != Some(&json!(id)) {
        return Err("the id cannot change");
    }
    let required: &[&str] = if is_user {
        &["name", "email"]
    } else {
        &["title"]
    };
    for field in required {
        if !map.get(*field).is_some_and(Value::is_string) {
            return Err("a required field is missing or not a string");
        }
    }
    Ok(())
}

fn patch(
    res: &mut Resource,
    req: &tiny_http::Request,
    body: &[u8],
    validate: impl Fn(&Value) -> Result<(), &'static str>,
) -> Reply {
    if let Some(tag) = request_header(req, "if-match") {
        if tag != "*" && tag != res.etag() {
            return problem(
                412,
                "the resource changed since you read it (stale If-Match)",
            )
            .with_header(header("ETag", &res.etag()));
        }
    }
    let content_type = request_header(req, "content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Ok(doc) = serde_json::from_slice::<Value>(body) else {
        return problem(400, "the body is not json");
    };
    let mut next = res.doc.clone();
    match content_type.as_str() {
        // Plain JSON: the given fields replace the stored ones (what most APIs do with PATCH).
        "application/json" => {
            let (Value::Object(target), Value::Object(fields)) = (&mut next, doc) else {
                return problem(400, "expected a json object");
            };
            for (k, v) in fields {
                target.insert(k, v);
            }
        }
        "application/merge-patch+json" => merge_apply(&mut next, &doc),
        "application/json-patch+json" => {
            let Ok(ops) = serde_json::from_value::<JsonPatch>(doc) else {
                return problem(400, "not a json patch document");
            };
            if let Err(e) = ops.apply(&mut next) {
                // RFC 5789: a well-formed patch that cannot be applied.
                return problem(
                    if matches!(e, wirequest::patch_doc::PatchError::TestFailed { .. }) {
                        409
                    } else {
                        422
                    },
                    &e.to_string(),
                );
            }
        }
        _ => {
            return problem(
                415,
                "use application/json, application/merge-patch+json or application/json-patch+json",
            )
            .with_header(header(
                "Accept-Patch",
                "application/json, application/merge-patch+json, application/json-patch+json",
            ));
        }
    }
    if let Err(why) = validate(&next) {
        return problem(422, why);
    }
    if next != res.doc {
        res.doc = next;
        res.version += 1;
    }
    reply(200, &res.doc, Some(res.etag()))
}
