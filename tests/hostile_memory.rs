//! Streaming an endless body keeps memory flat. Alone in its test binary, so no other test's
//! allocations share the process while it measures.

mod support;

use std::io::Read;

use support::raw_server::{ConnCtx, ScriptServer};

/// Resident set size in KiB, from /proc (Linux); `None` elsewhere.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn streaming_256_mib_keeps_rss_flat() {
    let server = ScriptServer::start(|mut ctx: ConnCtx| {
        if ctx.read_request().is_some()
            && ctx.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        {
            let data = vec![b'z'; 64 * 1024];
            for _ in 0..8192 {
                if !(ctx.send(b"10000\r\n") && ctx.send(&data) && ctx.send(b"\r\n")) {
                    return;
                }
            }
        }
    });
    let mut reader = wirequest::get(server.url("/"))
        .send()
        .unwrap()
        .into_reader();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    // Warm up (buffers, TLS-free socket, allocator arenas), then measure.
    while total < 16 << 20 {
        total += reader.read(&mut buf).unwrap() as u64;
    }
    let Some(before) = rss_kib() else {
        eprintln!("no /proc/self/status: skipping the RSS check");
        return;
    };
    while total < 256 << 20 {
        let n = reader.read(&mut buf).unwrap();
        assert!(n > 0);
        total += n as u64;
    }
    let after = rss_kib().unwrap();
    assert!(
        after < before + 8 * 1024,
        "RSS grew from {before} KiB to {after} KiB while streaming"
    );
}
