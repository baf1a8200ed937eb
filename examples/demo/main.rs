//! The wirequest demo: an embedded user-management API on 127.0.0.1, and the everyday PATCH
//! scenarios run against it, printed as a transcript.
//!
//! ```text
//! cargo run --example demo                  # the scenarios, then exit
//! cargo run --example demo -- --serve 8080  # just the API, to try with wq or curl
//! ```

mod server;

use std::sync::{Arc, Barrier};

use serde_json::{json, Value};
use server::{DemoServer, DEMO_TOKEN};
use wirequest::patch_doc::JsonPatch;
use wirequest::{Client, Response};

fn show(title: &str) {
    println!("\n== {title}");
}

/// Prints one exchange: what was sent and what came back.
fn exchange(
    method: &str,
    path: &str,
    sent: Option<&Value>,
    resp: Response,
) -> Result<Value, wirequest::Error> {
    match sent {
        Some(body) => println!("-> {method} {path}  {body}"),
        None => println!("-> {method} {path}"),
    }
    let (status, reason) = (resp.status(), resp.reason().to_owned());
    let etag = resp
        .etag()
        .map(|t| format!("  ETag: {t}"))
        .unwrap_or_default();
    let body: Value = resp.json()?;
    println!("<- {status} {reason}{etag}  {body}");
    Ok(body)
}

fn main() -> Result<(), wirequest::Error> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        let port = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(8080);
        let server = DemoServer::start_on(port, std::time::Duration::from_secs(600));
        println!(
            "demo API on {} (stops after 10 minutes without requests; bearer token {DEMO_TOKEN})",
            server.base_url()
        );
        server.wait();
        return Ok(());
    }
    let server = DemoServer::start();
    let base = server.base_url();
    println!("demo API listening on {base}");
    let client = Client::builder().user_agent("wirequest-demo/1.0").build()?;
    let url = |path: &str| format!("{base}{path}");

    show("Update one user's email with PATCH and JSON  (requests.patch(url, json=...))");
    let body = json!({"email": "ada.lovelace@example.com"});
    let resp = wirequest::patch(url("/users/1")).json(&body).send()?;
    exchange("PATCH", "/users/1", Some(&body), resp)?;

    show("Update several fields at once");
    let body = json!({"name": "Grace B. Hopper", "email": "grace@navy.example", "telephone": "+1 202 555 0199"});
    let resp = client.patch(url("/users/2")).json(&body).send()?;
    exchange("PATCH", "/users/2", Some(&body), resp)?;

    show("A bearer-protected resource: 401 without the token, 200 with it");
    let body = json!({"theme": "dark"});
    let resp = client.patch(url("/settings")).json(&body).send()?;
    println!(
        "   (no Authorization header)  WWW-Authenticate: {}",
        resp.header("www-authenticate").unwrap_or("-")
    );
    exchange("PATCH", "/settings", Some(&body), resp)?;
    let resp = client
        .patch(url("/settings"))
        .json(&body)
        .bearer_auth(DEMO_TOKEN)
        .send()?;
    println!("   (Authorization: Bearer {DEMO_TOKEN})");
    exchange("PATCH", "/settings", Some(&body), resp)?;

    show("Update a post's title");
    let body = json!({"title": "Notes on the Analytical Engine"});
    let resp = client.patch(url("/posts/1")).json(&body).send()?;
    exchange("PATCH", "/posts/1", Some(&body), resp)?;

    show("error_for_status turns 4xx/5xx into errors, as raise_for_status does");
    match client.get(url("/users/99")).send()?.error_for_status() {
        Ok(_) => println!("unexpected success"),
        Err(e) => println!("   error[{}]: {e}", e.kind()),
    }

    show("JSON Merge Patch (RFC 7396): null removes a member");
    let body = json!({"telephone": null});
    let resp = client.patch(url("/users/3")).merge_patch(&body).send()?;
    exchange(
        "PATCH",
        "/users/3  (application/merge-patch+json)",
        Some(&body),
        resp,
    )?;

    show("JSON Patch (RFC 6902): test a precondition, then replace");
    let ops: JsonPatch = serde_json::from_value(json!([
        {"op": "test", "path": "/name", "value": "Alan Turing"},
        {"op": "replace", "path": "/email", "value": "turing@example.org"}
    ]))
    .expect("valid patch");
    let resp = client.patch(url("/users/3")).json_patch(&ops).send()?;
    exchange(
        "PATCH",
        "/users/3  (application/json-patch+json)",
        Some(&serde_json::to_value(&ops).unwrap_or_default()),
        resp,
    )?;

    show("Optimistic concurrency: a stale If-Match gets 412 Precondition Failed");
    let etag = client
        .get(url("/users/1"))
        .send()?
        .etag()
        .unwrap_or("*")
        .to_owned();
    client
        .patch(url("/users/1"))
        .json(&json!({"name": "A. Lovelace"}))
        .send()?;
    let resp = client
        .patch(url("/users/1"))
        .if_match(&etag)
        .json(&json!({"name": "Augusta Ada King"}))
        .send()?;
    println!("   (If-Match: {etag}, but the user changed since)");
    exchange(
        "PATCH",
        "/users/1",
        Some(&json!({"name": "Augusta Ada King"})),
        resp,
    )?;

    show("Two writers race on one user; Client::update re-reads and retries on 412");
    let barrier = Arc::new(Barrier::new(2));
    let writers: Vec<_> = [
        ("email", "ada@lovelace.example"),
        ("telephone", "+44 20 7946 0999"),
    ]
    .into_iter()
    .map(|(field, value)| {
        let (client, barrier, target) = (client.clone(), barrier.clone(), url("/users/1"));
        std::thread::spawn(move || {
            let mut first = true;
            client.update(target).apply(|user| {
                if first {
                    // Both writers have read the same version before either writes.
                    barrier.wait();
                    first = false;
                }
                user[field] = json!(value);
            })
        })
    })
    .collect();
    for w in writers {
        let done = w.join().expect("writer thread")?;
        println!(
            "   writer done after {} attempt(s), ETag {}",
            done.attempts,
            done.etag.as_deref().unwrap_or("-")
        );
    }
    let resp = client.get(url("/users/1")).send()?;
    exchange("GET", "/users/1", None, resp)?;

    show("No change, no request");
    let before = server.patches();
    let done = client
        .update(url("/users/2"))
        .apply(|user| user["name"] = json!("Grace B. Hopper"))?;
    println!(
        "   changed: {}, PATCH requests sent: {}",
        done.changed,
        server.patches() - before
    );

    println!(
        "\n{} requests served; {} idle keep-alive connection(s) in the client's pool",
        server.requests(),
        client.idle_connections()
    );
    Ok(())
}
