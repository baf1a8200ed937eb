//! `wq` in a pseudo-terminal (util-linux `script`): colours, the progress bar, and binary
//! bodies held back. Skipped, with a note, where `script` is missing.

mod support;

use std::fs;

use support::{in_terminal, shell_quote, Server};

fn wq_path() -> String {
    shell_quote(env!("CARGO_BIN_EXE_wq"))
}

#[test]
fn terminal_json_is_indented_and_coloured() {
    let server = Server::start();
    let cmd = format!(
        "{} -i {}",
        wq_path(),
        shell_quote(&server.url("/status/200"))
    );
    let Some((code, out)) = in_terminal(&cmd, &[]) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    // A terminal turns "\n" into "\r\n".
    let out = out.replace("\r\n", "\n");
    assert!(
        out.starts_with("\x1b[34mHTTP/1.1\x1b[0m \x1b[1;32m200 OK\x1b[0m\n"),
        "{out:?}"
    );
    assert!(
        out.contains("\x1b[36mContent-Type\x1b[0m: application/json\n"),
        "{out:?}"
    );
    assert!(
        out.ends_with("{\n    \x1b[1;34m\"status\"\x1b[0m: \x1b[36m200\x1b[0m\n}\n"),
        "{out:?}"
    );
}

#[test]
fn terminal_no_color_env_turns_colours_off() {
    let server = Server::start();
    let cmd = format!("{} {}", wq_path(), shell_quote(&server.url("/status/200")));
    let Some((code, out)) = in_terminal(&cmd, &[("NO_COLOR", "1")]) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.replace("\r\n", "\n"), "{\n    \"status\": 200\n}\n");
}

#[test]
fn terminal_text_gets_a_final_newline() {
    let server = Server::start();
    let cmd = format!("{} {}", wq_path(), shell_quote(&server.url("/text")));
    let Some((_, out)) = in_terminal(&cmd, &[]) else {
        return;
    };
    assert_eq!(out.replace("\r\n", "\n"), "hello\nworld\n");
}

#[test]
fn terminal_binary_body_is_held_back() {
    let server = Server::start();
    let cmd = format!("{} {}", wq_path(), shell_quote(&server.url("/binary")));
    let Some((code, out)) = in_terminal(&cmd, &[]) else {
        return;
    };
    assert_eq!(code, 0);
    assert!(
        out.contains("binary body not shown (image/png, 16 B)"),
        "{out:?}"
    );
    assert!(!out.contains("PNG"), "{out:?}");
}

#[test]
fn terminal_output_file_shows_progress_bar() {
    let server = Server::start();
    let dir = std::env::temp_dir().join(format!("wq-tty-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.bin");
    let size = 6 * 1024 * 1024;
    let cmd = format!(
        "{} -o {} {}",
        wq_path(),
        shell_quote(file.to_str().unwrap()),
        shell_quote(&server.url(&format!("/bytes/{size}")))
    );
    let Some((code, out)) = in_terminal(&cmd, &[("LANG", "C")]) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    assert_eq!(fs::metadata(&file).unwrap().len(), size as u64);
    // The last frame: complete, sizes, rate and time; drawn over itself with "\r".
    let last = out.rsplit('\r').find(|s| s.contains('%')).unwrap_or("");
    assert!(last.starts_with("100% "), "{out:?}");
    assert!(
        last.contains("\x1b[32m########################\x1b[0m"),
        "{out:?}"
    );
    assert!(last.contains(" 6.0 MiB / 6.0 MiB  "), "{out:?}");
    assert!(last.contains("/s  in "), "{out:?}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn terminal_pipe_download_shows_bar_only_when_large() {
    let server = Server::start();
    let big = format!(
        "{} {} | wc -c",
        wq_path(),
        shell_quote(&server.url("/bytes/5000000"))
    );
    let Some((code, out)) = in_terminal(&big, &[("LANG", "en_US.UTF-8")]) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("5000000"), "{out:?}");
    assert!(out.contains("100% "), "{out:?}");
    assert!(out.contains("█"), "{out:?}");

    let small = format!(
        "{} {} | wc -c",
        wq_path(),
        shell_quote(&server.url("/bytes/1000"))
    );
    let Some((_, out)) = in_terminal(&small, &[]) else {
        return;
    };
    assert!(out.contains("1000"), "{out:?}");
    assert!(!out.contains('%'), "{out:?}");
}
