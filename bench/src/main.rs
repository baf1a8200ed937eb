//! `cargo run --release --manifest-path bench/Cargo.toml -- [--quick] [options]`: runs every
//! scenario for every client against the bench's server (and nginx when installed), then the
//! syscall, allocation, RSS, codec and footprint measurements, and prints one markdown report
//! (also written to `bench/results/latest.md`). See `bench/README.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use wirequest_bench::clients::{Kind, R};
use wirequest_bench::report::{thousands, ServerRuns};
use wirequest_bench::scenario::{self, Counts, Outcome, Scenario};
use wirequest_bench::{codec, counting, footprint, nginx, probe, server, sys};

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

const USAGE: &str =
    "usage: wirequest-bench [--quick] [--rounds N] [--clients a,b] [--scenarios a,b]
                       [--no-nginx] [--no-throughput] [--no-extras] [--no-codec]
                       [--no-footprint] [--no-clean-builds] [--out FILE]
                       [--cpu N | --no-pin]
       wirequest-bench codec|footprint      (one part alone)
       wirequest-bench serve [SECONDS]      (the bench's server alone)
       wirequest-bench probe loop|alloc|rss CLIENT get|patch|close|download|chunked N BASE-URL
clients: wirequest ureq reqwest minreq attohttpc curl raw
scenarios: get patch newconn download chunked upload upload-reader threads";

struct Options {
    quick: bool,
    rounds: usize,
    kinds: Vec<Kind>,
    scenarios: Vec<Scenario>,
    nginx: bool,
    throughput: bool,
    extras: bool,
    codec: bool,
    footprint: bool,
    clean_builds: bool,
    out: Option<PathBuf>,
    /// Pin the measuring threads to one CPU (`None`: the last one allowed).
    pin: bool,
    cpu: Option<usize>,
}

fn parse_args(args: &[String]) -> R<Options> {
    let mut o = Options {
        quick: false,
        rounds: 5,
        kinds: Kind::ALL.to_vec(),
        scenarios: Scenario::ALL.to_vec(),
        nginx: true,
        throughput: true,
        extras: true,
        codec: true,
        footprint: true,
        clean_builds: true,
        out: Some(footprint::bench_dir().join("results/latest.md")),
        pin: true,
        cpu: None,
    };
    let mut rounds_given = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--rounds" => {
                o.rounds = it.next().ok_or("--rounds needs a number")?.parse()?;
                rounds_given = true;
            }
            "--clients" => {
                let list = it.next().ok_or("--clients needs a list")?;
                o.kinds = list
                    .split(',')
                    .map(|s| Kind::parse(s).ok_or(format!("unknown client {s}")))
                    .collect::<Result<_, _>>()?;
            }
            "--scenarios" => {
                let list = it.next().ok_or("--scenarios needs a list")?;
                o.scenarios = list
                    .split(',')
                    .map(|s| Scenario::parse(s).ok_or(format!("unknown scenario {s}")))
                    .collect::<Result<_, _>>()?;
            }
            "--no-nginx" => o.nginx = false,
            "--no-throughput" => o.throughput = false,
            "--no-extras" => o.extras = false,
            "--no-codec" => o.codec = false,
            "--no-footprint" => o.footprint = false,
            "--no-clean-builds" => o.clean_builds = false,
            "--no-pin" => o.pin = false,
            "--cpu" => o.cpu = Some(it.next().ok_or("--cpu needs a number")?.parse()?),
            "--out" => o.out = Some(PathBuf::from(it.next().ok_or("--out needs a path")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
        }
    }
    if o.quick && !rounds_given {
        o.rounds = 3;
    }
    if o.quick {
        o.clean_builds = false;
        if o.out == Some(footprint::bench_dir().join("results/latest.md")) {
            o.out = Some(footprint::bench_dir().join("results/quick.md"));
        }
    }
    Ok(o)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("probe") => probe::child(&args[1..]),
        Some("codec") => {
            print!("{}", codec_section(false).0);
            Ok(())
        }
        Some("footprint") => footprint_section(true).map(|s| print!("{}", s.text)),
        Some("serve") => serve(&args[1..]),
        _ => parse_args(&args).and_then(|o| run(&o, &args)),
    };
    if let Err(e) = result {
        eprintln!("wirequest-bench: {e}");
        std::process::exit(1);
    }
}

/// `serve [SECONDS]`: the bench's server alone (for strace, valgrind or a manual look); prints
/// its address and stops after SECONDS (default 600).
fn serve(args: &[String]) -> R<()> {
    let secs: u64 = match args.first() {
        Some(s) => s.parse()?,
        None => 600,
    };
    let addr = server::start()?;
    println!("http://{addr}");
    std::thread::sleep(std::time::Duration::from_secs(secs));
    Ok(())
}

/// Output of a command, trimmed, or "?".
fn cmd(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

/// Versions of the peers, from the bench's lockfile.
fn locked_versions() -> String {
    let lock =
        std::fs::read_to_string(footprint::bench_dir().join("Cargo.lock")).unwrap_or_default();
    let wanted = [
        "ureq",
        "reqwest",
        "minreq",
        "attohttpc",
        "curl",
        "curl-sys",
        "httparse",
        "hyper",
        "rustls",
    ];
    let mut found = BTreeMap::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = \"") {
            name = n.strip_suffix('"').map(str::to_owned);
        } else if let Some(v) = line.strip_prefix("version = \"") {
            if let (Some(n), Some(v)) = (name.take(), v.strip_suffix('"')) {
                if wanted.contains(&n.as_str()) {
                    found.entry(n).or_insert_with(|| v.to_owned());
                }
            }
        }
    }
    wanted
        .iter()
        .filter_map(|n| found.get(*n).map(|v| format!("{n} {v}")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn environment(
    cores: usize,
    o: &Options,
    nginx_version: Option<&str>,
    args: &[String],
    pinning: &str,
) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let dirty = cmd(
        "git",
        &[
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "status",
            "--porcelain",
            "--",
            "../crates",
        ],
    );
    let commit = cmd(
        "git",
        &[
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "rev-parse",
            "--short",
            "HEAD",
        ],
    );
    let tree = if commit == "?" {
        "not a git checkout".to_owned()
    } else if dirty.is_empty() {
        commit
    } else {
        format!("{commit} + uncommitted changes in crates/")
    };
    let mut s = String::new();
    let _ = writeln!(s, "- date: {} (UTC)", today());
    let _ = writeln!(
        s,
        "- command: `cargo run --release --manifest-path bench/Cargo.toml --{}`",
        if args.is_empty() {
            String::new()
        } else {
            format!(" {}", args.join(" "))
        }
    );
    let _ = writeln!(
        s,
        "- machine: {cores} cores ({cpu}), Linux {}",
        cmd("uname", &["-r"])
    );
    let _ = writeln!(s, "- {}", cmd("rustc", &["-V"]));
    let _ = writeln!(s, "- wirequest: {tree}");
    let _ = writeln!(
        s,
        "- peers: {}; libcurl {}",
        locked_versions(),
        curl::Version::get().version()
    );
    let _ = writeln!(
        s,
        "- nginx: {}",
        nginx_version.unwrap_or(if o.nginx {
            "not installed (skipped)"
        } else {
            "not used (--no-nginx)"
        })
    );
    let _ = writeln!(
        s,
        "- rounds: {} (medians; clients interleaved, order rotated each round)",
        o.rounds
    );
    let _ = writeln!(s, "- {pinning}");
    s
}

fn throughput(o: &Options, counts: &Counts, name: &str, base: &str) -> ServerRuns {
    let mut runs = ServerRuns {
        name: name.to_owned(),
        runs: Vec::new(),
    };
    for &s in &o.scenarios {
        // nginx's `return` answers before reading a request body and then discards it; hyper
        // (reqwest) stops sending when the answer comes first, so an upload against it
        // measures nothing comparable. Uploads run against the bench's server only.
        if name == "nginx" && matches!(s, Scenario::UploadMemory | Scenario::UploadReader) {
            continue;
        }
        let mut m: BTreeMap<Kind, Vec<Outcome>> = BTreeMap::new();
        let t = Instant::now();
        for round in 0..o.rounds {
            let n = o.kinds.len();
            for i in 0..n {
                let k = o.kinds[(i + round) % n];
                let out = scenario::measure(k, s, base, counts);
                if let Outcome::Failed(e) = &out {
                    eprintln!("  {name} {} {}: {e}", s.id(), k.name());
                }
                m.entry(k).or_default().push(out);
            }
        }
        eprintln!("  {name} {}: {:.1} s", s.id(), t.elapsed().as_secs_f64());
        runs.runs.push((s, m));
    }
    runs
}

struct Extras {
    text: String,
    syscalls_get: Option<f64>,
    syscalls_patch: Option<f64>,
    allocs: Option<(f64, f64)>,
    rss_growth_kib: Option<u64>,
}

fn extras(o: &Options, base: &str) -> Extras {
    let mut text = String::new();
    let mut e = Extras {
        text: String::new(),
        syscalls_get: None,
        syscalls_patch: None,
        allocs: None,
        rss_growth_kib: None,
    };
    let tmp = std::env::temp_dir();
    // Syscalls.
    if probe::strace_available() {
        let (n1, n2) = if o.quick { (100, 600) } else { (200, 2200) };
        let _ = writeln!(
            text,
            "### Syscalls per keep-alive request\n\n`strace -f -c` around {n1} and {n2} requests on one client; the difference divided by {}, so setup cancels out. Whole process, helper threads included.\n",
            n2 - n1
        );
        text.push_str("| client | GET | syscalls of one GET | PATCH | syscalls of one PATCH |\n| --- | ---: | --- | ---: | --- |\n");
        for &k in &o.kinds {
            let mut row = format!("| {} |", k.name());
            for what in ["get", "patch"] {
                match probe::syscalls_per_request(k, what, n1, n2, base, &tmp) {
                    Ok((total, per)) => {
                        match (k, what) {
                            (Kind::Wirequest, "get") => e.syscalls_get = Some(total),
                            (Kind::Wirequest, _) => e.syscalls_patch = Some(total),
                            _ => {}
                        }
                        let list = per
                            .iter()
                            .map(|(n, v)| format!("{n} {}", fmt_count(*v)))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let _ = write!(row, " {} | {list} |", fmt_count(total));
                    }
                    Err(err) => {
                        eprintln!("  strace {} {what}: {err}", k.name());
                        row.push_str(" err | |");
                    }
                }
            }
            let _ = writeln!(text, "{row}");
        }
        if let Ok(ns) = probe::peek_ns(base) {
            let _ = writeln!(
                text,
                "\nOne non-blocking `recv(MSG_PEEK|MSG_DONTWAIT)` on an idle connection (wirequest's check before reusing one: skipped for a GET on a connection idle under 1 ms, always made for a PATCH) costs {ns:.0} ns here."
            );
        }
        for k in [Kind::Wirequest, Kind::Ureq, Kind::Curl] {
            if !o.kinds.contains(&k) {
                continue;
            }
            match probe::trace_requests(k, "get", 2, base, &tmp) {
                Ok(t) => {
                    let _ = writeln!(
                        text,
                        "\nTwo keep-alive GETs by {} as strace shows them:\n\n```\n{t}\n```",
                        k.name()
                    );
                }
                Err(err) => eprintln!("  trace {}: {err}", k.name()),
            }
        }
        text.push('\n');
    } else {
        text.push_str("### Syscalls per keep-alive request\n\nstrace is not installed (`apt-get install -y strace`): skipped.\n\n");
    }
    // Allocations.
    let n = if o.quick { 500 } else { 2000 };
    let _ = writeln!(
        text,
        "### Heap allocations per keep-alive request\n\nA counting global allocator, switched on for {n} requests after 20 warm-up ones (all threads). `alloc` counts alloc and alloc_zeroed calls, `realloc` the reallocs; bytes are the bytes asked for.\n"
    );
    text.push_str("| client | GET allocs | GET reallocs | GET bytes | PATCH allocs | PATCH reallocs | PATCH bytes |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for &k in &o.kinds {
        let mut row = format!("| {} |", k.name());
        let mut pair = (0.0, 0.0);
        for what in ["get", "patch"] {
            match probe::allocations(k, what, n, base) {
                Ok((a, r, b)) => {
                    if what == "get" {
                        pair.0 = a + r;
                    } else {
                        pair.1 = a + r;
                    }
                    let _ = write!(
                        row,
                        " {} | {} | {} |",
                        fmt_count(a),
                        fmt_count(r),
                        thousands(b)
                    );
                }
                Err(err) => {
                    eprintln!("  allocs {} {what}: {err}", k.name());
                    row.push_str(" err | | |");
                }
            }
        }
        if k == Kind::Wirequest {
            e.allocs = Some(pair);
        }
        let _ = writeln!(text, "{row}");
    }
    text.push('\n');
    // RSS.
    text.push_str("### Peak RSS while streaming 100 MiB\n\nA fresh process per client: one small GET, a 64 KiB buffer of its own, then `VmHWM` (idle); then one 100 MiB download read through that buffer and dropped, then `VmHWM` again.\n\n");
    text.push_str("| client | idle VmHWM (KiB) | growth, Content-Length (KiB) | growth, chunked (KiB) |\n| --- | ---: | ---: | ---: |\n");
    for &k in &o.kinds {
        let mut row = format!("| {} |", k.name());
        let mut idle_shown = false;
        for what in ["download", "chunked"] {
            match probe::rss(k, what, base) {
                Ok((idle, _rss, peak)) => {
                    if !idle_shown {
                        let _ = write!(row, " {} |", thousands(idle as f64));
                        idle_shown = true;
                    }
                    let growth = peak.saturating_sub(idle);
                    if k == Kind::Wirequest {
                        e.rss_growth_kib = Some(e.rss_growth_kib.unwrap_or(0).max(growth));
                    }
                    let _ = write!(row, " {} |", thousands(growth as f64));
                }
                Err(err) => {
                    eprintln!("  rss {} {what}: {err}", k.name());
                    if !idle_shown {
                        row.push_str(" |");
                        idle_shown = true;
                    }
                    row.push_str(" err |");
                }
            }
        }
        let _ = writeln!(text, "{row}");
    }
    text.push('\n');
    e.text = text;
    e
}

fn fmt_count(x: f64) -> String {
    if (x - x.round()).abs() < 0.05 {
        format!("{:.0}", x)
    } else {
        format!("{:.1}", x)
    }
}

/// The codec tables, and (wirequest's head-in-one-read path, bare httparse with 100 slots) in ns.
fn codec_section(quick: bool) -> (String, (f64, f64)) {
    let mut s = String::new();
    let heads = codec::heads(quick);
    let bare100 = heads[1].ns;
    let bare16 = heads[0].ns;
    let _ = writeln!(
        s,
        "### Codec: response head parsing\n\nA {}-byte head with 10 fields; ns per head, median of batches. Ratio = bare httparse's time / this one's (above 1: faster).\n",
        codec::HEAD.len()
    );
    s.push_str("| parser | ns/head | vs httparse (100 slots) | vs httparse (16 slots) |\n| --- | ---: | ---: | ---: |\n");
    for h in &heads {
        let _ = writeln!(
            s,
            "| {} | {:.0} | {:.2} | {:.2} |",
            h.name,
            h.ns,
            bare100 / h.ns,
            bare16 / h.ns
        );
    }
    let _ = writeln!(
        s,
        "\n### Codec: chunked decoding\n\n16 MiB of body through `BodyDecoder::decode` in 64 KiB input windows into a 64 KiB output buffer (MiB of body per second; median).\n"
    );
    s.push_str("| decoder | MiB/s |\n| --- | ---: |\n");
    for d in codec::chunked(quick) {
        let _ = writeln!(s, "| {} | {} |", d.name, thousands(d.mib_s));
    }
    s.push('\n');
    (s, (heads[3].ns, bare100))
}

struct FootprintOut {
    text: String,
    rows: Vec<footprint::Footprint>,
}

fn footprint_section(clean: bool) -> R<FootprintOut> {
    let work = footprint::bench_dir().join("target/footprint");
    std::fs::create_dir_all(&work)?;
    let shared = work.join("shared-target");
    let programs = [
        (
            "wirequest",
            "default features (tls, json, gzip); `.json(&v)`",
        ),
        (
            "wirequest-tls",
            "`default-features = false, features = [\"tls\"]`; JSON as a string",
        ),
        (
            "wirequest-nodefault",
            "`default-features = false` (plain http only); JSON as a string",
        ),
        (
            "ureq-json",
            "ureq default features (rustls, gzip) + `json`; `.send_json(v)`",
        ),
        (
            "ureq",
            "ureq default features (rustls, gzip); JSON as a string",
        ),
    ];
    let mut rows = Vec::new();
    for (dir, note) in programs {
        let timed = clean
            && matches!(
                dir,
                "wirequest" | "wirequest-nodefault" | "ureq-json" | "ureq"
            );
        eprintln!(
            "  footprint {dir}{}",
            if timed { " (clean build, timed)" } else { "" }
        );
        match footprint::measure(
            &footprint::bench_dir().join("footprint").join(dir),
            note,
            timed,
            &shared,
            &work,
        ) {
            Ok(f) => rows.push(f),
            Err(e) => eprintln!("  footprint {dir}: {e}"),
        }
    }
    // wirequest caps idna_adapter below 1.2 (ICU4X) since 0e716cc: only the two lower back
    // ends can be pinned.
    for (program, req, note) in [
        (
            "wirequest",
            "=1.0.0",
            "default features; IDNA off (non-ASCII host names rejected)",
        ),
        (
            "wirequest",
            "=1.1.0",
            "default features; IDNA by the unicode-rs crates",
        ),
        (
            "wirequest-nodefault",
            "=1.0.0",
            "`default-features = false`; IDNA off",
        ),
        (
            "wirequest-nodefault",
            "=1.1.0",
            "`default-features = false`; IDNA by unicode-rs",
        ),
    ] {
        eprintln!("  footprint {program} with idna_adapter {req}");
        let r = footprint::idna_variant(program, req, &work)
            .and_then(|dir| footprint::measure(&dir, note, false, &shared, &work));
        match r {
            Ok(mut f) => {
                f.name = format!("{program} + idna_adapter {req}");
                rows.push(f);
            }
            Err(e) => eprintln!("  footprint {program} idna {req}: {e}"),
        }
    }
    let mut text = String::from("### Footprint of the minimal program\n\nOne HTTPS-capable PATCH with a JSON body (`bench/footprint/*`). Size: the release binary after `strip`. Crates: unique `name version` lines of `cargo tree -e normal --prefix none`, the program itself left out. Build: `cargo build --release` wall time into an empty target directory (downloads excluded), on this machine's cores.\n\n");
    text.push_str("| program | configuration | stripped size | crates | clean build | idna_adapter |\n| --- | --- | ---: | ---: | ---: | --- |\n");
    for f in &rows {
        let _ = writeln!(
            text,
            "| {} | {} | {:.2} MB ({} bytes) | {} | {} | {} |",
            f.name,
            f.note,
            f.stripped_bytes as f64 / 1e6,
            thousands(f.stripped_bytes as f64),
            f.crates,
            f.build_secs.map_or("-".into(), |s| format!("{s:.0} s")),
            f.idna_adapter.as_deref().unwrap_or("-")
        );
    }
    text.push('\n');
    Ok(FootprintOut { text, rows })
}

fn pf(ok: bool) -> &'static str {
    if ok {
        "pass"
    } else {
        "**fail**"
    }
}

fn targets(
    servers: &[ServerRuns],
    ex: Option<&Extras>,
    heads: Option<(f64, f64)>,
    fp: Option<&FootprintOut>,
) -> String {
    let mut s = String::from("### Targets (issue 6)\n\n| target | server | measured | goal | result |\n| --- | --- | ---: | --- | --- |\n");
    let w = Kind::Wirequest;
    for sr in servers {
        let n = &sr.name;
        for sc in [Scenario::Get, Scenario::Patch] {
            let Some(wm) = sr.median(sc, w) else { continue };
            if let Some(u) = sr.median(sc, Kind::Ureq) {
                let r = wm / u;
                let _ = writeln!(
                    s,
                    "| {} vs ureq | {n} | {r:.2}x | >= 1.25x | {} |",
                    sc.id(),
                    pf(r >= 1.25)
                );
            }
            if let Some(c) = sr.median(sc, Kind::Curl) {
                let r = wm / c;
                let _ = writeln!(
                    s,
                    "| {} vs curl | {n} | {r:.2}x | >= 1.00x | {} |",
                    sc.id(),
                    pf(r >= 1.0)
                );
            }
            if let Some(raw) = sr.median(sc, Kind::Raw) {
                let r = wm / raw;
                let _ = writeln!(
                    s,
                    "| {} vs raw limit | {n} | {r:.2}x | >= 0.90x | {} |",
                    sc.id(),
                    pf(r >= 0.9)
                );
            }
        }
        for sc in [Scenario::NewConn, Scenario::Threads] {
            if let (Some(wm), Some(u)) = (sr.median(sc, w), sr.median(sc, Kind::Ureq)) {
                let r = wm / u;
                let _ = writeln!(
                    s,
                    "| {} vs ureq | {n} | {r:.2}x | >= 1.00x | {} |",
                    sc.id(),
                    pf(r >= 1.0)
                );
            }
        }
        for sc in [
            Scenario::DownloadLength,
            Scenario::DownloadChunked,
            Scenario::UploadMemory,
            Scenario::UploadReader,
        ] {
            if let (Some(wm), Some((bk, b))) = (sr.median(sc, w), sr.best_peer(sc)) {
                let r = wm / b;
                let _ = writeln!(
                    s,
                    "| {} vs best peer ({}) | {n} | {r:.2}x | >= 0.95x | {} |",
                    sc.id(),
                    bk.name(),
                    pf(r >= 0.95)
                );
            }
        }
    }
    if let Some(ex) = ex {
        if let Some(sc) = ex.syscalls_get {
            let _ = writeln!(
                s,
                "| syscalls per keep-alive GET | std | {} | 2 | {} |",
                fmt_count(sc),
                pf(sc <= 2.05)
            );
        }
        if let Some(sc) = ex.syscalls_patch {
            let _ = writeln!(
                s,
                "| syscalls per keep-alive PATCH | std | {} | 2 | {} |",
                fmt_count(sc),
                pf(sc <= 2.05)
            );
        }
        if let Some((g, p)) = ex.allocs {
            let _ = writeln!(
                s,
                "| heap allocations per keep-alive GET | std | {} | <= 8 | {} |",
                fmt_count(g),
                pf(g <= 8.0)
            );
            let _ = writeln!(
                s,
                "| heap allocations per keep-alive PATCH | std | {} | <= 8 | {} |",
                fmt_count(p),
                pf(p <= 8.0)
            );
        }
        if let Some(kib) = ex.rss_growth_kib {
            let _ = writeln!(
                s,
                "| peak RSS growth streaming 100 MiB | std | {kib} KiB | < 1024 KiB | {} |",
                pf(kib < 1024)
            );
        }
    }
    if let Some((wq, bare)) = heads {
        let r = bare / wq;
        let _ = writeln!(
            s,
            "| head parsing vs bare httparse (100 slots) | - | {r:.2}x | >= 0.90x | {} |",
            pf(r >= 0.9)
        );
    }
    if let Some(fp) = fp {
        let find = |n: &str| fp.rows.iter().find(|f| f.name == n);
        if let (Some(w), Some(u)) = (find("wirequest"), find("ureq-json")) {
            let _ = writeln!(
                s,
                "| minimal program size vs ureq (+json) | - | {:.2} MB vs {:.2} MB | <= ureq | {} |",
                w.stripped_bytes as f64 / 1e6,
                u.stripped_bytes as f64 / 1e6,
                pf(w.stripped_bytes <= u.stripped_bytes)
            );
            let _ = writeln!(
                s,
                "| minimal program crates vs ureq (+json) | - | {} vs {} | <= ureq | {} |",
                w.crates,
                u.crates,
                pf(w.crates <= u.crates)
            );
        }
        if let Some(nd) = find("wirequest-nodefault") {
            let _ = writeln!(
                s,
                "| crates with default-features = false | - | {} | <= 12 | {} |",
                nd.crates,
                pf(nd.crates <= 12)
            );
        }
        // The leanest sound configuration: the application pins url's IDNA back end to the
        // ASCII-only one (non-ASCII host names are then an invalid_url error).
        if let (Some(w), Some(u)) = (find("wirequest + idna_adapter =1.0.0"), find("ureq-json")) {
            let _ = writeln!(
                s,
                "| minimal program crates vs ureq (+json), IDNA off | - | {} vs {} | <= ureq | {} |",
                w.crates,
                u.crates,
                pf(w.crates <= u.crates)
            );
        }
        if let Some(nd) = find("wirequest-nodefault + idna_adapter =1.0.0") {
            let _ = writeln!(
                s,
                "| crates with default-features = false, IDNA off | - | {} | <= 12 | {} |",
                nd.crates,
                pf(nd.crates <= 12)
            );
        }
    }
    s.push('\n');
    s
}

/// The 1-minute load average (other work on the machine shows up here).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn run(o: &Options, args: &[String]) -> R<()> {
    let started = Instant::now();
    let load_before = loadavg();
    let counts = if o.quick {
        Counts::quick()
    } else {
        Counts::full()
    };
    // Pin before anything starts a thread or a process: they inherit it (see sys.rs).
    let all_cpus = sys::allowed_cpus();
    let pinning = match (o.pin, o.cpu.or(all_cpus.last().copied())) {
        (true, Some(cpu)) if sys::pin(cpu) => {
            let niced = sys::set_nice(-20);
            format!(
                "client, servers and probes pinned to CPU {cpu}{}",
                if niced {
                    ", nice -20"
                } else {
                    " (nice unchanged: not root)"
                }
            )
        }
        (true, _) => "not pinned (sched_setaffinity failed)".to_owned(),
        (false, _) => "not pinned (--no-pin)".to_owned(),
    };
    scenario::start_watchdog(nginx::kill_running);
    let addr = server::start()?;
    let base = format!("http://{addr}");
    let nginx = if o.nginx && o.throughput {
        nginx::start()
    } else {
        None
    };
    eprintln!(
        "std server on {addr}; nginx: {}",
        nginx
            .as_ref()
            .map_or("no".to_owned(), |n| n.addr.to_string())
    );
    let mut report = String::from("## Results\n\n");
    report.push_str(&environment(
        all_cpus.len(),
        o,
        nginx.as_ref().map(|n| n.version.as_str()),
        args,
        &pinning,
    ));
    report.push('\n');
    let mut servers = Vec::new();
    if o.throughput {
        let _ = writeln!(report, "### Throughput: the bench's std server\n");
        let std_runs = throughput(o, &counts, "std", &base);
        report.push_str(&std_runs.tables(&o.kinds, &counts));
        report.push('\n');
        report.push_str(&std_runs.connection_table(&o.kinds, &counts));
        report.push('\n');
        servers.push(std_runs);
        if let Some(n) = &nginx {
            let _ = writeln!(
                report,
                "### Throughput: nginx {}\n\nUploads are not run here: nginx's `return` answers before reading the body (then discards it), and hyper stops sending once the answer is in, so the figures would not be comparable.\n",
                n.version
            );
            let nbase = format!("http://{}", n.addr);
            let runs = throughput(o, &counts, "nginx", &nbase);
            report.push_str(&runs.tables(&o.kinds, &counts));
            report.push('\n');
            servers.push(runs);
        }
    }
    drop(nginx);
    let ex = if o.extras {
        eprintln!("  syscalls, allocations, RSS");
        let e = extras(o, &base);
        report.push_str(&e.text);
        Some(e)
    } else {
        None
    };
    let heads = if o.codec {
        eprintln!("  codec");
        let (text, heads) = codec_section(o.quick);
        report.push_str(&text);
        Some(heads)
    } else {
        None
    };
    let fp = if o.footprint {
        eprintln!("  footprint");
        // Builds get every CPU and the normal priority back.
        sys::pin_to(&all_cpus);
        sys::set_nice(0);
        match footprint_section(o.clean_builds) {
            Ok(f) => {
                report.push_str(&f.text);
                Some(f)
            }
            Err(e) => {
                eprintln!("  footprint: {e}");
                None
            }
        }
    } else {
        None
    };
    report.push_str(&targets(&servers, ex.as_ref(), heads, fp.as_ref()));
    let _ = writeln!(
        report,
        "Whole run: {:.0} s; 1-minute load average {load_before} at the start, {} at the end.",
        started.elapsed().as_secs_f64(),
        loadavg()
    );
    print!("{report}");
    if let Some(path) = &o.out {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &report)?;
        eprintln!("report written to {}", path.display());
    }
    Ok(())
}
