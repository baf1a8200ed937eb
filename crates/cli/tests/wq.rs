//! The `wq` binary end to end, against local servers: items, options, bodies, output, and the
//! error line and exit status of each failure. stdout is a pipe here, so output is raw.

mod support;

use std::fs;
use std::path::PathBuf;

use serde_json::json;
use support::{header, wq, wq_stdin, Server, TlsServer};

/// A scratch directory for this test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wq-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Asserts the one-line error on stderr and the exit status.
#[track_caller]
fn assert_error(run: &support::Run, kind: &str, code: i32) {
    let first = run.stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&format!("wq: error[{kind}]: ")),
        "stderr: {}",
        run.stderr
    );
    assert_eq!(run.code, code, "stderr: {}", run.stderr);
}

// --- help and version -----------------------------------------------------------------------

#[test]
fn help_documents_every_option_with_examples() {
    let run = wq(&["--help"]);
    assert_eq!(run.code, 0);
    let help = run.stdout_text();
    for option in [
        "--include",
        "--verbose",
        "--offline",
        "--output",
        "--pretty",
        "--check-status",
        "--form",
        "--json",
        "--data",
        "--merge-patch",
        "--auth",
        "--bearer",
        "--timeout",
        "--connect-timeout",
        "--read-timeout",
        "--max-redirects",
        "--no-follow",
        "--connect-to",
        "--cacert",
        "--insecure",
        "--help",
        "--version",
    ] {
        assert!(help.contains(option), "--help lacks {option}");
    }
    for topic in [
        "Request items:",
        "name:=json",
        "name==value",
        "Exit status:",
        "Examples:",
        "wq: error[KIND]",
    ] {
        assert!(help.contains(topic), "--help lacks {topic}");
    }
    assert!(help.lines().all(|l| l.chars().count() <= 80), "{help}");
    let short = wq(&["-h"]);
    assert_eq!(short.code, 0);
    assert!(short.stdout_text().contains("Examples:"));
}

#[test]
fn version_prints_name_and_version() {
    let run = wq(&["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout_text().trim(),
        format!("wq {}", env!("CARGO_PKG_VERSION"))
    );
}

// --- methods, URLs and items ----------------------------------------------------------------

#[test]
fn get_to_pipe_prints_exact_body_bytes() {
    let server = Server::start();
    let run = wq(&[&server.url("/text")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // No newline added, no formatting: exactly what the server sent.
    assert_eq!(run.stdout, b"hello\nworld");
    assert_eq!(run.stderr, "");
}

#[test]
fn url_shorthands_reach_localhost() {
    let server = Server::start();
    let port = server.port();
    let echo = wq(&["--connect-timeout", "2", &format!(":{port}/short")]).ok_echo();
    assert_eq!(echo["target"], "/short");
    assert_eq!(header(&echo, "host"), Some(&*format!("localhost:{port}")));
    let echo = wq(&[&format!("127.0.0.1:{port}/noscheme")]).ok_echo();
    assert_eq!(echo["target"], "/noscheme");
}

#[test]
fn method_defaults_get_then_post_with_data() {
    let server = Server::start();
    assert_eq!(wq(&[&server.url("/echo")]).ok_echo()["method"], "GET");
    assert_eq!(
        wq(&[&server.url("/echo"), "a=1"]).ok_echo()["method"],
        "POST"
    );
    // Headers and query items carry no data.
    let echo = wq(&[&server.url("/echo"), "X-A:1", "q==1"]).ok_echo();
    assert_eq!(echo["method"], "GET");
}

#[test]
fn method_explicit_standard_lowercase_and_extension() {
    let server = Server::start();
    let url = server.url("/echo");
    assert_eq!(wq(&["PUT", &url, "a=1"]).ok_echo()["method"], "PUT");
    assert_eq!(wq(&["delete", &url]).ok_echo()["method"], "DELETE");
    assert_eq!(wq(&["PURGE", &url]).ok_echo()["method"], "PURGE");
    assert_eq!(wq(&["GET", &url, "a=1"]).ok_echo()["method"], "GET");
}

#[test]
fn items_json_fields_keep_order_and_types() {
    let server = Server::start();
    let echo = wq(&[
        &server.url("/echo"),
        "name=Ada",
        "age:=36",
        "admin:=true",
        "tags:=[\"a\", \"b\"]",
        "phone:=null",
        "tag=x",
        "tag=y",
    ])
    .ok_echo();
    assert_eq!(
        echo["body"],
        r#"{"name":"Ada","age":36,"admin":true,"tags":["a","b"],"phone":null,"tag":["x","y"]}"#
    );
    assert_eq!(header(&echo, "content-type"), Some("application/json"));
    assert_eq!(header(&echo, "accept"), Some("application/json, */*;q=0.5"));
}

#[test]
fn items_headers_replace_defaults_and_repeat() {
    let server = Server::start();
    let echo = wq(&[
        &server.url("/echo"),
        "User-Agent:tester/1",
        "X-Tag:a",
        "X-Tag:b",
        "X-Time:12:00",
    ])
    .ok_echo();
    let headers: Vec<(String, String)> = serde_json::from_value(echo["headers"].clone()).unwrap();
    let uas: Vec<_> = headers.iter().filter(|(n, _)| n == "User-Agent").collect();
    assert_eq!(uas.len(), 1);
    assert_eq!(uas[0].1, "tester/1");
    let tags: Vec<_> = headers
        .iter()
        .filter(|(n, _)| n == "X-Tag")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(tags, ["a", "b"]);
    assert_eq!(header(&echo, "x-time"), Some("12:00"));
}

#[test]
fn items_query_params_are_encoded_and_appended() {
    let server = Server::start();
    let echo = wq(&[&server.url("/search?lang=en"), "q==rust http", "page==2"]).ok_echo();
    assert_eq!(echo["target"], "/search?lang=en&q=rust+http&page=2");
}

#[test]
fn items_file_values_are_read() {
    let server = Server::start();
    let dir = scratch("items-files");
    fs::write(dir.join("bio.txt"), "line one\nline two").unwrap();
    fs::write(dir.join("meta.json"), "{ \"k\" : [1, 2] }\n").unwrap();
    let bio = format!("bio=@{}", dir.join("bio.txt").display());
    let meta = format!("meta:=@{}", dir.join("meta.json").display());
    let echo = wq(&[&server.url("/echo"), &bio, &meta]).ok_echo();
    assert_eq!(
        echo["body"],
        r#"{"bio":"line one\nline two","meta":{"k":[1,2]}}"#
    );
}

#[test]
fn items_escaped_separator_is_part_of_the_name() {
    let server = Server::start();
    let echo = wq(&[&server.url("/echo"), r"a\:b=c"]).ok_echo();
    assert_eq!(echo["body"], r#"{"a:b":"c"}"#);
}

#[test]
fn items_not_an_item_is_usage_error() {
    let server = Server::start();
    let run = wq(&[&server.url("/echo"), "plainword"]);
    assert_error(&run, "usage", 2);
    assert!(run.stderr.contains("Usage: wq"), "{}", run.stderr);
}

#[test]
fn items_bad_raw_json_is_usage_error() {
    let run = wq(&["--offline", "example.com", "n:={oops"]);
    assert_error(&run, "usage", 2);
}

#[test]
fn items_missing_file_is_io_error() {
    let run = wq(&["--offline", "example.com", "f=@/nonexistent/wq-file"]);
    assert_error(&run, "io", 1);
}

#[test]
fn items_invalid_header_name_is_invalid_header() {
    let run = wq(&["--offline", "example.com", "Bad Name:1"]);
    assert_error(&run, "invalid_header", 1);
}

// --- bodies ---------------------------------------------------------------------------------

#[test]
fn form_sends_urlencoded_fields() {
    let server = Server::start();
    let echo = wq(&["--form", &server.url("/login"), "user=ada", "pass=s3 cr&t"]).ok_echo();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], "user=ada&pass=s3+cr%26t");
    assert_eq!(
        header(&echo, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

#[test]
fn form_with_raw_json_item_is_usage_error() {
    let run = wq(&["-f", "--offline", "example.com", "n:=1"]);
    assert_error(&run, "usage", 2);
}

#[test]
fn json_option_sends_document_as_given() {
    let server = Server::start();
    let echo = wq(&[&server.url("/echo"), "--json", r#"[1, {"b": 2, "a": 1}]"#]).ok_echo();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], r#"[1, {"b": 2, "a": 1}]"#);
    assert_eq!(header(&echo, "content-type"), Some("application/json"));
}

#[test]
fn json_option_from_file_and_stdin() {
    let server = Server::start();
    let dir = scratch("json-file");
    let path = dir.join("doc.json");
    fs::write(&path, r#"{"from":"file"}"#).unwrap();
    let arg = format!("@{}", path.display());
    let echo = wq(&["PUT", &server.url("/echo"), "--json", &arg]).ok_echo();
    assert_eq!(echo["body"], r#"{"from":"file"}"#);
    let echo = wq_stdin(
        &[&server.url("/echo"), "--json", "@-"],
        br#"{"from":"stdin"}"#,
    )
    .ok_echo();
    assert_eq!(echo["body"], r#"{"from":"stdin"}"#);
}

#[test]
fn json_option_not_json_is_usage_error() {
    let run = wq(&["--offline", "example.com", "--json", "{nope"]);
    assert_error(&run, "usage", 2);
}

#[test]
fn json_option_with_data_items_is_usage_error() {
    let run = wq(&["--offline", "example.com", "--json", "{}", "a=1"]);
    assert_error(&run, "usage", 2);
}

#[test]
fn data_option_text_file_and_stdin() {
    let server = Server::start();
    let echo = wq(&[&server.url("/echo"), "--data", "raw text"]).ok_echo();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], "raw text");
    assert_eq!(header(&echo, "content-type"), None);

    let dir = scratch("data-file");
    let path = dir.join("blob.bin");
    let blob: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    fs::write(&path, &blob).unwrap();
    let arg = format!("@{}", path.display());
    let echo = wq(&[
        "PUT",
        &server.url("/echo"),
        "--data",
        &arg,
        "Content-Type:application/octet-stream",
    ])
    .ok_echo();
    assert_eq!(echo["body_len"], 5000);
    assert_eq!(header(&echo, "content-length"), Some("5000"));
    assert_eq!(
        header(&echo, "content-type"),
        Some("application/octet-stream")
    );

    for stdin_arg in ["@-", "-"] {
        let echo = wq_stdin(&[&server.url("/echo"), "--data", stdin_arg], b"piped in").ok_echo();
        assert_eq!(echo["body"], "piped in");
    }
}

#[test]
fn data_option_large_sources_stream() {
    let server = Server::start();
    // Over the 16 MiB kept in memory: stdin goes chunked, a file with its Content-Length.
    let big: Vec<u8> = (0..17 * 1024 * 1024).map(|i| (i % 253) as u8).collect();
    let echo = wq_stdin(&["PUT", &server.url("/echo"), "--data", "@-"], &big).ok_echo();
    assert_eq!(echo["body_len"], big.len());
    assert_eq!(header(&echo, "transfer-encoding"), Some("chunked"));

    let dir = scratch("data-large");
    let path = dir.join("big.bin");
    fs::write(&path, &big).unwrap();
    let arg = format!("@{}", path.display());
    let echo = wq(&["PUT", &server.url("/echo"), "--data", &arg]).ok_echo();
    assert_eq!(echo["body_len"], big.len());
    assert_eq!(
        header(&echo, "content-length"),
        Some(&*big.len().to_string())
    );
}

#[test]
fn stdin_is_not_read_without_being_asked() {
    let server = Server::start();
    // HTTPie would send this as the body; wq leaves stdin alone and sends a GET.
    let echo = wq_stdin(&[&server.url("/echo")], b"ignored").ok_echo();
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["body"], "");
}

#[test]
fn merge_patch_sends_patch_with_its_media_type() {
    let server = Server::start();
    let echo = wq(&[
        "--merge-patch",
        &server.url("/users/53"),
        "email=ada@example.com",
        "phone:=null",
    ])
    .ok_echo();
    assert_eq!(echo["method"], "PATCH");
    assert_eq!(echo["body"], r#"{"email":"ada@example.com","phone":null}"#);
    assert_eq!(
        header(&echo, "content-type"),
        Some("application/merge-patch+json")
    );
    // A Content-Type item wins over the implicit one.
    let echo = wq(&[
        "--merge-patch",
        &server.url("/echo"),
        "a=1",
        "Content-Type:application/vnd.custom+json",
    ])
    .ok_echo();
    assert_eq!(
        header(&echo, "content-type"),
        Some("application/vnd.custom+json")
    );
}

#[test]
fn merge_patch_without_body_is_usage_error() {
    let run = wq(&["--merge-patch", "--offline", "example.com"]);
    assert_error(&run, "usage", 2);
}

// --- auth -----------------------------------------------------------------------------------

#[test]
fn auth_basic_and_bearer_headers() {
    let server = Server::start();
    let echo = wq(&["-a", "ada:s3cret", &server.url("/echo")]).ok_echo();
    assert_eq!(
        header(&echo, "authorization"),
        Some("Basic YWRhOnMzY3JldA==")
    );
    let echo = wq(&["--auth", "ada", &server.url("/echo")]).ok_echo();
    assert_eq!(header(&echo, "authorization"), Some("Basic YWRhOg=="));
    let echo = wq(&["--bearer", "T0K3N", &server.url("/echo")]).ok_echo();
    assert_eq!(header(&echo, "authorization"), Some("Bearer T0K3N"));
}

// --- output ---------------------------------------------------------------------------------

#[test]
fn include_prints_status_line_and_headers_first() {
    let server = Server::start();
    let run = wq(&["-i", &server.url("/text")]);
    assert_eq!(run.code, 0);
    let out = run.stdout_text();
    assert!(out.starts_with("HTTP/1.1 200 OK\n"), "{out}");
    assert!(
        out.contains("\nContent-Type: text/plain; charset=utf-8\n"),
        "{out}"
    );
    assert!(out.ends_with("\n\nhello\nworld"), "{out}");
}

#[test]
fn head_request_implies_include() {
    let server = Server::start();
    let run = wq(&["HEAD", &server.url("/text")]);
    assert_eq!(run.code, 0);
    assert!(run.stdout_text().starts_with("HTTP/1.1 200 OK\n"));
}

#[test]
fn verbose_prints_request_as_sent_then_response() {
    let server = Server::start();
    let run = wq(&["-v", &server.url("/echo"), "name=Ada", "X-Api:k"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.stdout_text();
    let port = server.port();
    let expected_request = format!(
        "> POST /echo HTTP/1.1\n\
         > Host: 127.0.0.1:{port}\n\
         > User-Agent: wirequest/{v}\n\
         > Accept-Encoding: gzip, deflate\n\
         > X-Api: k\n\
         > Accept: application/json, */*;q=0.5\n\
         > Content-Type: application/json\n\
         > Content-Length: 14\n\
         >\n\
         {{\"name\":\"Ada\"}}\n\n\
         HTTP/1.1 200 OK\n",
        v = env!("CARGO_PKG_VERSION")
    );
    assert!(out.starts_with(&expected_request), "{out}");
    // The reconstruction matches what the server received, field for field.
    let body_start = out.rfind("\n\n{").unwrap() + 2;
    let echo: serde_json::Value = serde_json::from_str(&out[body_start..]).unwrap();
    let sent: Vec<(String, String)> = serde_json::from_value(echo["headers"].clone()).unwrap();
    let shown: Vec<(String, String)> = out
        .lines()
        .skip(1)
        .take_while(|l| *l != ">")
        .map(|l| {
            let (n, v) = l.trim_start_matches("> ").split_once(": ").unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect();
    assert_eq!(shown, sent);
}

#[test]
fn offline_prints_request_and_sends_nothing() {
    // Port 9 on localhost: nothing listens, and nothing must be tried.
    let run = wq(&["--offline", "PATCH", ":9/users/53", "age:=37", "q==1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.stdout_text();
    assert!(
        out.starts_with("> PATCH /users/53?q=1 HTTP/1.1\n> Host: localhost:9\n"),
        "{out}"
    );
    assert!(
        out.contains("\n> Content-Length: 10\n>\n{\"age\":37}\n"),
        "{out}"
    );
}

#[test]
fn output_file_gets_exact_bytes_and_stdout_stays_empty() {
    let server = Server::start();
    let dir = scratch("output");
    let path = dir.join("download.bin");
    let run = wq(&["-o", path.to_str().unwrap(), &server.url("/bytes/300000")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    // stderr is not a terminal: no progress bar.
    assert_eq!(run.stderr, "");
    let got = fs::read(&path).unwrap();
    let want: Vec<u8> = (0..300000).map(|i| (i % 251) as u8).collect();
    assert_eq!(got, want);
}

#[test]
fn gzip_body_is_asked_for_and_decoded() {
    let server = Server::start();
    let echo = wq(&[&server.url("/echo")]).ok_echo();
    assert_eq!(header(&echo, "accept-encoding"), Some("gzip, deflate"));
    let run = wq(&[&server.url("/gzip")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, br#"{"compressed":true}"#);
}

#[test]
fn output_dash_is_stdout() {
    let server = Server::start();
    let run = wq(&["-o", "-", &server.url("/text")]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, b"hello\nworld");
}

#[test]
fn output_file_with_include_puts_head_on_stdout() {
    let server = Server::start();
    let dir = scratch("output-include");
    let path = dir.join("t.txt");
    let run = wq(&["-i", "-o", path.to_str().unwrap(), &server.url("/text")]);
    assert_eq!(run.code, 0);
    assert!(run.stdout_text().starts_with("HTTP/1.1 200 OK\n"));
    assert_eq!(fs::read(&path).unwrap(), b"hello\nworld");
}

#[test]
fn output_file_not_created_when_request_fails() {
    let dir = scratch("output-fail");
    let path = dir.join("never.bin");
    let run = wq(&["-o", path.to_str().unwrap(), &refused_url()]);
    assert_error(&run, "connect", 1);
    assert!(!path.exists());
}

#[test]
fn pretty_format_indents_json_without_colours() {
    let server = Server::start();
    let run = wq(&["--pretty=format", &server.url("/unlabelled-json")]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout_text(),
        "{\n    \"b\": 1,\n    \"a\": [\n        true,\n        null\n    ]\n}\n"
    );
}

#[test]
fn pretty_colors_and_all_colour_json_and_head() {
    let server = Server::start();
    let run = wq(&["--pretty=colors", &server.url("/unlabelled-json")]);
    let out = run.stdout_text();
    assert!(
        out.contains("\x1b[1;34m\"b\"\x1b[0m:\x1b[36m1\x1b[0m"),
        "{out:?}"
    );
    let run = wq(&["--pretty=all", "-i", &server.url("/status/404")]);
    let out = run.stdout_text();
    assert!(
        out.starts_with("\x1b[34mHTTP/1.1\x1b[0m \x1b[1;31m404 Not Found\x1b[0m\n"),
        "{out:?}"
    );
    assert!(
        out.contains("\x1b[36mContent-Type\x1b[0m: application/json"),
        "{out:?}"
    );
    assert!(
        out.contains("\n    \x1b[1;34m\"status\"\x1b[0m: \x1b[36m404\x1b[0m\n"),
        "{out:?}"
    );
}

#[test]
fn pretty_none_and_non_json_pass_through() {
    let server = Server::start();
    let run = wq(&["--pretty=all", &server.url("/text")]);
    assert_eq!(run.stdout, b"hello\nworld");
    let run = wq(&["--pretty=none", &server.url("/unlabelled-json")]);
    assert_eq!(run.stdout, br#"{"b":1,"a":[true,null]}"#);
}

// --- redirects ------------------------------------------------------------------------------

#[test]
fn redirects_followed_by_default() {
    let server = Server::start();
    let echo = wq(&[&server.url("/redirect/3")]).ok_echo();
    assert_eq!(echo["target"], "/echo");
}

#[test]
fn redirects_no_follow_prints_the_redirect() {
    let server = Server::start();
    let run = wq(&["--no-follow", "-i", &server.url("/redirect/2")]);
    assert_eq!(run.code, 0);
    let out = run.stdout_text();
    assert!(out.starts_with("HTTP/1.1 302 Found\n"), "{out}");
    assert!(out.contains("\nLocation: /redirect/1\n"), "{out}");
}

#[test]
fn redirects_over_max_is_too_many_redirects_exit_6() {
    let server = Server::start();
    let run = wq(&["--max-redirects", "2", &server.url("/redirect/5")]);
    assert_error(&run, "too_many_redirects", 6);
    let run = wq(&[&server.url("/loop")]);
    assert_error(&run, "too_many_redirects", 6);
}

// --- check-status ---------------------------------------------------------------------------

#[test]
fn check_status_4xx_and_5xx_exit_4_and_5_with_body() {
    let server = Server::start();
    let run = wq(&["--check-status", &server.url("/status/404")]);
    assert_error(&run, "status", 4);
    assert!(run.stderr.contains("404 Client Error: Not Found for url: "));
    assert_eq!(run.stdout, br#"{"status":404}"#);
    let run = wq(&["--check-status", &server.url("/status/503")]);
    assert_error(&run, "status", 5);
    assert!(run.stdout_text().contains("503"));
}

#[test]
fn check_status_3xx_without_follow_exits_3() {
    let server = Server::start();
    let run = wq(&["--check-status", "--no-follow", &server.url("/redirect/1")]);
    assert_error(&run, "status", 3);
}

#[test]
fn status_errors_without_check_status_exit_0() {
    let server = Server::start();
    let run = wq(&[&server.url("/status/500")]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
}

// --- errors ---------------------------------------------------------------------------------

/// A URL on which nothing listens: a port just freed.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/")
}

#[test]
fn error_connection_refused_is_connect_exit_1() {
    let run = wq(&[&refused_url()]);
    assert_error(&run, "connect", 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn error_timeout_exits_2() {
    let server = Server::start();
    let run = wq(&["--timeout", "0.3", &server.url("/slow")]);
    assert_error(&run, "timeout", 2);
    let run = wq(&["--read-timeout", "0.3", &server.url("/slow")]);
    assert_error(&run, "timeout", 2);
}

#[test]
fn error_bad_url_is_invalid_url_exit_1() {
    for url in ["ftp://example.com/", "http://exa mple.com/", "http://[::1"] {
        let run = wq(&[url]);
        assert_error(&run, "invalid_url", 1);
    }
}

#[test]
fn error_truncated_body_is_incomplete_exit_1() {
    let server = Server::start();
    let run = wq(&[&server.url("/truncated")]);
    assert_error(&run, "incomplete", 1);
    // What arrived before the cut was passed on.
    assert_eq!(run.stdout, b"0123456789");
}

#[test]
fn error_usage_from_clap_uses_the_error_line() {
    let run = wq(&["--no-such-option", "example.com"]);
    assert_error(&run, "usage", 2);
    let run = wq(&[]);
    assert_error(&run, "usage", 2);
    let run = wq(&["--timeout", "soon", "example.com"]);
    assert_error(&run, "usage", 2);
    let run = wq(&["--connect-timeout", "-1", "example.com"]);
    assert_error(&run, "usage", 2);
}

// --- connect-to and TLS ---------------------------------------------------------------------

#[test]
fn connect_to_sends_host_to_another_address() {
    let server = Server::start();
    let rule = format!("wq.invalid:{}", server.addr());
    let echo = wq(&["--connect-to", &rule, "http://wq.invalid:8123/x"]).ok_echo();
    assert_eq!(echo["target"], "/x");
    assert_eq!(header(&echo, "host"), Some("wq.invalid:8123"));
    // curl's form applies only to the named port; another port goes where the URL says
    // (localhost, where nothing listens on that port), with no DNS query.
    let curl_rule = format!("localhost:8123:{}", server.addr());
    let echo = wq(&["--connect-to", &curl_rule, "http://localhost:8123/y"]).ok_echo();
    assert_eq!(echo["target"], "/y");
    let free_port = refused_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let run = wq(&[
        "--connect-to",
        &curl_rule,
        &format!("http://localhost:{free_port}/z"),
    ]);
    assert_error(&run, "connect", 1);
}

#[test]
fn connect_to_bad_rule_is_invalid_url() {
    let run = wq(&["--connect-to", "nohostaddr", "example.com"]);
    assert_error(&run, "invalid_url", 1);
}

#[test]
fn tls_cacert_trusts_the_test_ca() {
    let tls = TlsServer::start("wq.test");
    let dir = scratch("tls");
    let ca = dir.join("ca.pem");
    fs::write(&ca, &tls.ca_pem).unwrap();
    let rule = format!("wq.test:{}", tls.addr());
    let run = wq(&[
        "--connect-to",
        &rule,
        "--cacert",
        ca.to_str().unwrap(),
        "https://wq.test/",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, b"tls ok");
}

#[test]
fn tls_unknown_ca_fails_and_insecure_accepts() {
    let tls = TlsServer::start("wq.test");
    let rule = format!("wq.test:{}", tls.addr());
    let run = wq(&["--connect-to", &rule, "https://wq.test/"]);
    assert_error(&run, "tls", 1);
    let run = wq(&["--connect-to", &rule, "--insecure", "https://wq.test/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, b"tls ok");
}

#[test]
fn tls_missing_cacert_file_is_io_error() {
    let run = wq(&["--cacert", "/nonexistent/ca.pem", "https://example.com/"]);
    assert_error(&run, "io", 1);
}

#[test]
fn json_echo_roundtrip_sanity() {
    // The echo server's own view of a JSON request, as a reference for the tests above.
    let server = Server::start();
    let echo = wq(&[&server.url("/echo"), "k:={\"nested\": [1, 2.50]}"]).ok_echo();
    let body: serde_json::Value = serde_json::from_str(echo["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"k": {"nested": [1, 2.5]}}));
    assert_eq!(echo["body"], r#"{"k":{"nested":[1,2.50]}}"#);
}
