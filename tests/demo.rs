//! The demo's scenarios and the PATCH features end to end, against the demo server itself.

#[path = "../examples/demo/server.rs"]
mod demo_server;

use std::sync::{Arc, Barrier};

use demo_server::{DemoServer, DEMO_TOKEN};
use serde_json::{json, Value};
use wirequest::patch_doc::JsonPatch;
use wirequest::{Client, ErrorKind};

fn get_user(client: &Client, server: &DemoServer, id: u64) -> Value {
    client
        .get(format!("{}/users/{id}", server.base_url()))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn demo_patch_json_updates_one_email() {
    let server = DemoServer::start();
    let resp = wirequest::patch(format!("{}/users/1", server.base_url()))
        .json(&json!({"email": "new@example.com"}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.etag(), Some("\"v2\""));
    let user: Value = resp.json().unwrap();
    assert_eq!(user["email"], "new@example.com");
    assert_eq!(user["name"], "Ada Lovelace", "other fields untouched");
}

#[test]
fn demo_patch_several_fields_at_once() {
    let server = DemoServer::start();
    let client = Client::new();
    let fields = json!({"name": "G. Hopper", "email": "g@example.com", "telephone": "1"});
    let resp = client
        .patch(format!("{}/users/2", server.base_url()))
        .json(&fields)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let user = get_user(&client, &server, 2);
    assert_eq!(
        (
            user["name"].as_str(),
            user["email"].as_str(),
            user["telephone"].as_str()
        ),
        (Some("G. Hopper"), Some("g@example.com"), Some("1"))
    );
}

#[test]
fn demo_bearer_resource_needs_token() {
    let server = DemoServer::start();
    let client = Client::new();
    let url = format!("{}/settings", server.base_url());
    let resp = client
        .patch(&url)
        .json(&json!({"theme": "dark"}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp
        .header("www-authenticate")
        .unwrap()
        .starts_with("Bearer"));
    let resp = client
        .patch(&url)
        .json(&json!({"theme": "dark"}))
        .bearer_auth("wrong")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = client
        .patch(&url)
        .json(&json!({"theme": "dark"}))
        .bearer_auth(DEMO_TOKEN)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().unwrap()["theme"], "dark");
}

#[test]
fn demo_post_title_updated() {
    let server = DemoServer::start();
    let client = Client::new();
    let url = format!("{}/posts/1", server.base_url());
    client
        .patch(&url)
        .json(&json!({"title": "New title"}))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap();
    let post: Value = client.get(&url).send().unwrap().json().unwrap();
    assert_eq!(post["title"], "New title");
}

#[test]
fn merge_patch_sends_its_content_type_and_removes_nulls() {
    let server = DemoServer::start();
    let client = Client::new();
    let resp = client
        .patch(format!("{}/users/3", server.base_url()))
        .merge_patch(&json!({"telephone": null, "name": "A. M. Turing"}))
        .send()
        .unwrap();
    assert_eq!(
        resp.status(),
        200,
        "the server dispatches on application/merge-patch+json"
    );
    let user: Value = resp.json().unwrap();
    assert!(user.get("telephone").is_none());
    assert_eq!(user["name"], "A. M. Turing");
}

#[test]
fn json_patch_sends_its_content_type_and_tests_preconditions() {
    let server = DemoServer::start();
    let client = Client::new();
    let url = format!("{}/users/3", server.base_url());
    let ok: JsonPatch = r#"[{"op":"test","path":"/name","value":"Alan Turing"},{"op":"replace","path":"/email","value":"t@example.org"}]"#.parse().unwrap();
    let resp = client.patch(&url).json_patch(&ok).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().unwrap()["email"], "t@example.org");
    let stale: JsonPatch =
        r#"[{"op":"test","path":"/name","value":"Someone else"},{"op":"remove","path":"/email"}]"#
            .parse()
            .unwrap();
    assert_eq!(
        client
            .patch(&url)
            .json_patch(&stale)
            .send()
            .unwrap()
            .status(),
        409
    );
    assert_eq!(
        get_user(&client, &server, 3)["email"],
        "t@example.org",
        "a failed patch changes nothing"
    );
}

#[test]
fn if_match_stale_etag_gets_412() {
    let server = DemoServer::start();
    let client = Client::new();
    let url = format!("{}/users/1", server.base_url());
    let etag = client.get(&url).send().unwrap().etag().unwrap().to_owned();
    let resp = client
        .patch(&url)
        .if_match(&etag)
        .json(&json!({"name": "first"}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = client
        .patch(&url)
        .if_match(&etag)
        .json(&json!({"name": "second"}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 412);
    assert_eq!(get_user(&client, &server, 1)["name"], "first");
}

#[test]
fn update_retries_after_412_and_keeps_both_writes() {
    let server = DemoServer::start();
    let client = Client::new();
    let url = format!("{}/users/1", server.base_url());
    let barrier = Arc::new(Barrier::new(2));
    let writers: Vec<_> = [("email", "race@example.com"), ("telephone", "+1 555 0100")]
        .into_iter()
        .map(|(field, value)| {
            let (client, barrier, url) = (client.clone(), barrier.clone(), url.clone());
            std::thread::spawn(move || {
                let mut first = true;
                client
                    .update(url)
                    .apply(|user| {
                        if first {
                            barrier.wait();
                            first = false;
                        }
                        user[field] = json!(value);
                    })
                    .unwrap()
            })
        })
        .collect();
    let mut attempts: Vec<u32> = writers
        .into_iter()
        .map(|w| w.join().unwrap().attempts)
        .collect();
    attempts.sort_unstable();
    assert_eq!(
        attempts,
        [1, 2],
        "exactly one writer lost the race and retried"
    );
    let user = get_user(&client, &server, 1);
    assert_eq!(
        (user["email"].as_str(), user["telephone"].as_str()),
        (Some("race@example.com"), Some("+1 555 0100"))
    );
}

#[test]
fn update_without_change_sends_no_patch() {
    let server = DemoServer::start();
    let client = Client::new();
    let before = server.patches();
    let done = client
        .update(format!("{}/users/2", server.base_url()))
        .apply(|u| u["name"] = json!("Grace Hopper"))
        .unwrap();
    assert!(!done.changed);
    assert_eq!(done.attempts, 1);
    assert_eq!(server.patches(), before);
}

#[test]
fn update_json_patch_can_set_null_merge_patch_cannot() {
    let server = DemoServer::start();
    let client = Client::new();
    let url = format!("{}/users/2", server.base_url());
    let err = client
        .update(&url)
        .apply(|u| u["telephone"] = Value::Null)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("json_patch"), "{err}");
    let done = client
        .update(&url)
        .json_patch()
        .apply(|u| u["telephone"] = Value::Null)
        .unwrap();
    assert!(done.changed);
    assert_eq!(get_user(&client, &server, 2)["telephone"], Value::Null);
}

#[test]
fn update_gives_up_after_max_attempts() {
    let server = DemoServer::start();
    let client = Client::new();
    let url = format!("{}/users/1", server.base_url());
    let other = Client::new();
    let mut n = 0;
    let err = client
        .update(&url)
        .max_attempts(3)
        .apply(|u| {
            // Another writer always gets in between our read and our write.
            n += 1;
            other
                .patch(&url)
                .json(&json!({"name": format!("interloper {n}")}))
                .send()
                .unwrap();
            u["email"] = json!("mine@example.com");
        })
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Status, Some(412)));
    assert_eq!(n, 3);
}

#[test]
fn update_through_bearer_protected_resource() {
    let server = DemoServer::start();
    let client = Client::new();
    let url = format!("{}/settings", server.base_url());
    assert_eq!(
        client
            .update(&url)
            .apply(|s| s["theme"] = json!("dark"))
            .unwrap_err()
            .status(),
        Some(401)
    );
    let done = client
        .update(&url)
        .bearer_auth(DEMO_TOKEN)
        .apply(|s| s["theme"] = json!("dark"))
        .unwrap();
    assert_eq!(done.value["theme"], "dark");
}

#[test]
fn demo_example_runs_to_completion() {
    // The README's first command: the whole demo must run without an error.
    let status = std::process::Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "demo"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.status.success(),
        "demo failed: {out}\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        out.contains("412 Precondition Failed")
            && out.contains("changed: false, PATCH requests sent: 0"),
        "{out}"
    );
}
