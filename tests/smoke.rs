mod support;
use support::echo_server::EchoServer;

#[test]
fn smoke_get_and_patch() {
    let server = EchoServer::start();
    let client = wirequest::Client::new();
    let r = client.get(server.url("/echo/a")).send().unwrap();
    assert_eq!(r.status(), 200);
    let t = r.text().unwrap();
    assert!(t.starts_with("GET /echo/a HTTP/1.1\r\n"), "{t}");
    let r = client
        .patch(server.url("/echo/b"))
        .json(&serde_json::json!({"a": 1}))
        .send()
        .unwrap();
    let t = r.text().unwrap();
    println!("{t}");
    assert!(t.contains("application/json"));
    assert_eq!(server.connections_accepted(), 1);
}
