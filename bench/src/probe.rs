//! Measurements that need a process of their own (`wirequest-bench probe ...`), run by the main
//! process against its server: syscalls per request under strace, heap allocations per request,
//! peak RSS while streaming.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::clients::{Kind, Payload, Session, R};
use crate::counting;
use crate::server::BIG;

/// Paths `stat`ed around the measured requests, so a strace log can be cut at them.
pub const MARK_START: &str = "/wirequest-bench-mark-start";
pub const MARK_END: &str = "/wirequest-bench-mark-end";

fn one(s: &mut dyn Session, what: &str, url: &str, payload: &Payload) -> R<()> {
    match what {
        "get" | "close" => {
            s.get(url)?;
        }
        "patch" => {
            s.patch_json(url, payload)?;
        }
        other => return Err(format!("unknown probe request {other}").into()),
    }
    Ok(())
}

fn url_for(base: &str, what: &str) -> String {
    match what {
        "get" => format!("{base}/small"),
        "close" => format!("{base}/close"),
        "patch" => format!("{base}/json"),
        "download" => format!("{base}/big"),
        "chunked" => format!("{base}/chunked"),
        _ => base.to_owned(),
    }
}

/// The child side: `probe <mode> <client> <what> <n> <base>`.
pub fn child(args: &[String]) -> R<()> {
    let [mode, client, what, n, base] = args else {
        return Err(
            "usage: probe <loop|alloc|rss> <client> <get|patch|close|download|chunked> <n> <base-url>"
                .into(),
        );
    };
    let kind = Kind::parse(client).ok_or("unknown client")?;
    if kind == Kind::Curl && !counting::hook_libcurl() {
        return Err("curl_global_init_mem failed".into());
    }
    let n: usize = n.parse()?;
    let url = url_for(base, what);
    let payload = Payload::sample();
    let mut s = kind.session()?;
    match mode.as_str() {
        "loop" => {
            for _ in 0..5 {
                one(&mut *s, what, &url, &payload)?;
            }
            let _ = std::fs::metadata(MARK_START);
            for _ in 0..n {
                one(&mut *s, what, &url, &payload)?;
            }
            let _ = std::fs::metadata(MARK_END);
        }
        "alloc" => {
            for _ in 0..20 {
                one(&mut *s, what, &url, &payload)?;
            }
            counting::start();
            for _ in 0..n {
                one(&mut *s, what, &url, &payload)?;
            }
            let c = counting::stop();
            println!("{} {} {}", c.allocs, c.reallocs, c.bytes);
        }
        "rss" => {
            s.get(&format!("{base}/small"))?;
            let mut buf = vec![0u8; 64 * 1024];
            buf.fill(1);
            let idle = status_kib("VmHWM:")?;
            let idle_rss = status_kib("VmRSS:")?;
            let got = s.download(&url, &mut buf)?;
            if got < BIG {
                return Err(format!("download ended after {got} bytes").into());
            }
            let peak = status_kib("VmHWM:")?;
            println!("{idle} {idle_rss} {peak}");
        }
        other => return Err(format!("unknown probe mode {other}").into()),
    }
    Ok(())
}

fn status_kib(field: &str) -> R<u64> {
    let s = std::fs::read_to_string("/proc/self/status")?;
    let line = s
        .lines()
        .find(|l| l.starts_with(field))
        .ok_or("no such field in /proc/self/status")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or("bad status line")?
        .parse()?)
}

// ---------------------------------------------------------------------------------------------
// The parent side.

fn run_probe(args: &[&str]) -> R<String> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe).arg("probe").args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "probe {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Allocations per request: (allocs, reallocs, bytes), each per request.
pub fn allocations(kind: Kind, what: &str, n: usize, base: &str) -> R<(f64, f64, f64)> {
    let out = run_probe(&["alloc", kind.name(), what, &n.to_string(), base])?;
    let v: Vec<f64> = out
        .split_whitespace()
        .map(|x| x.parse::<f64>())
        .collect::<Result<_, _>>()?;
    let [a, r, b] = v[..] else {
        return Err(format!("bad probe output {out:?}").into());
    };
    let n = n as f64;
    Ok((a / n, r / n, b / n))
}

/// RSS in KiB: (idle peak, idle current, peak after streaming 100 MiB).
pub fn rss(kind: Kind, what: &str, base: &str) -> R<(u64, u64, u64)> {
    let out = run_probe(&["rss", kind.name(), what, "1", base])?;
    let v: Vec<u64> = out
        .split_whitespace()
        .map(|x| x.parse::<u64>())
        .collect::<Result<_, _>>()?;
    let [a, b, c] = v[..] else {
        return Err(format!("bad probe output {out:?}").into());
    };
    Ok((a, b, c))
}

pub fn strace_available() -> bool {
    Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Syscall counts of `probe loop` with `n` requests, whole process (threads included).
fn strace_counts(
    kind: Kind,
    what: &str,
    n: usize,
    base: &str,
    dir: &Path,
) -> R<BTreeMap<String, u64>> {
    let exe = std::env::current_exe()?;
    let out_file = dir.join(format!("strace-{}-{what}-{n}.txt", kind.name()));
    let status = Command::new("strace")
        .arg("-f")
        .arg("-c")
        .arg("-o")
        .arg(&out_file)
        .arg(&exe)
        .args(["probe", "loop", kind.name(), what, &n.to_string(), base])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("strace of {} failed: {status}", kind.name()).into());
    }
    let text = std::fs::read_to_string(&out_file)?;
    let _ = std::fs::remove_file(&out_file);
    Ok(parse_strace_summary(&text))
}

/// Parses `strace -c` output: syscall name -> calls.
pub fn parse_strace_summary(text: &str) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 5 || t[0].starts_with('%') || t[0].starts_with('-') {
            continue;
        }
        let name = t[t.len() - 1];
        if name == "total" {
            continue;
        }
        if let Ok(calls) = t[3].parse::<u64>() {
            map.insert(name.to_owned(), calls);
        }
    }
    map
}

/// Syscalls per request: the difference of two runs (`n2 - n1` requests), so setup and
/// teardown cancel out. Returns (total, per-syscall) per request.
pub fn syscalls_per_request(
    kind: Kind,
    what: &str,
    n1: usize,
    n2: usize,
    base: &str,
    dir: &Path,
) -> R<(f64, Vec<(String, f64)>)> {
    let a = strace_counts(kind, what, n1, base, dir)?;
    let b = strace_counts(kind, what, n2, base, dir)?;
    let d = (n2 - n1) as f64;
    let mut per: Vec<(String, f64)> = b
        .iter()
        .map(|(k, v)| (k.clone(), (*v as f64 - *a.get(k).unwrap_or(&0) as f64) / d))
        .filter(|(_, v)| *v >= 0.05)
        .collect();
    per.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let total = per.iter().map(|(_, v)| v).sum();
    Ok((total, per))
}

/// The syscalls of `n` keep-alive requests, as strace prints them (between the marks).
pub fn trace_requests(kind: Kind, what: &str, n: usize, base: &str, dir: &Path) -> R<String> {
    let exe = std::env::current_exe()?;
    let out_file = dir.join(format!("trace-{}-{what}.txt", kind.name()));
    let status = Command::new("strace")
        .args(["-f", "-qq", "-s", "40", "-o"])
        .arg(&out_file)
        .arg(&exe)
        .args(["probe", "loop", kind.name(), what, &n.to_string(), base])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("strace of {} failed: {status}", kind.name()).into());
    }
    let text = std::fs::read_to_string(&out_file)?;
    let _ = std::fs::remove_file(&out_file);
    let mut inside = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.contains(MARK_START) {
            inside = true;
            continue;
        }
        if line.contains(MARK_END) {
            break;
        }
        // std's one-time statx probe is not part of a request.
        if inside && !line.contains("statx(0, NULL") {
            lines.push(line.to_owned());
        }
    }
    Ok(lines.join("\n"))
}

/// Nanoseconds of one non-blocking `recv(MSG_PEEK | MSG_DONTWAIT)` on an idle keep-alive
/// connection (the check wirequest makes before reusing one), median of batches.
pub fn peek_ns(base: &str) -> R<f64> {
    use std::os::fd::AsRawFd;
    let authority = base.trim_start_matches("http://");
    let s = std::net::TcpStream::connect(authority)?;
    let fd = s.as_raw_fd();
    let mut b = [0u8; 1];
    let mut v: Vec<f64> = (0..9)
        .map(|_| {
            let n = 50_000;
            let t = std::time::Instant::now();
            for _ in 0..n {
                let r = unsafe {
                    libc::recv(
                        fd,
                        b.as_mut_ptr().cast(),
                        1,
                        libc::MSG_PEEK | libc::MSG_DONTWAIT,
                    )
                };
                std::hint::black_box(r);
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    v.sort_by(f64::total_cmp);
    Ok(v[v.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strace_summary_parsed() {
        let text = "% time     seconds  usecs/call     calls    errors syscall\n\
------ ----------- ----------- --------- --------- ----------------\n\
 60.00    0.000600           0      2200           writev\n\
 40.00    0.000400           0      4400      2200 recvfrom\n\
------ ----------- ----------- --------- --------- ----------------\n\
100.00    0.001000           0      6600      2200 total\n";
        let m = parse_strace_summary(text);
        assert_eq!(m.get("writev"), Some(&2200));
        assert_eq!(m.get("recvfrom"), Some(&4400));
        assert_eq!(m.len(), 2);
    }
}
