//! The throughput scenarios: one timed run of one scenario by one client.

use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::clients::{Kind, Payload, Session, Unsupported, R};
use crate::server::{BIG, SMALL_BODY};

/// Size of the upload bodies.
pub const UPLOAD: usize = 64 * 1024 * 1024;
/// Threads in the sharing scenario.
pub const THREADS: usize = 4;

/// The 64 MiB upload body, made once.
pub fn upload_data() -> &'static [u8] {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| (0..UPLOAD).map(|i| b'a' + (i % 26) as u8).collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    Get,
    Patch,
    NewConn,
    DownloadLength,
    DownloadChunked,
    UploadMemory,
    UploadReader,
    Threads,
}

/// How much work one measurement does.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub get: usize,
    pub patch: usize,
    pub new_conn: usize,
    /// 100 MiB downloads per measurement.
    pub downloads: usize,
    /// 64 MiB uploads per measurement.
    pub uploads: usize,
    /// Requests in all, over the threads.
    pub threads: usize,
}

impl Counts {
    pub fn full() -> Counts {
        Counts {
            get: 20_000,
            patch: 20_000,
            new_conn: 2_000,
            downloads: 2,
            uploads: 2,
            threads: 20_000,
        }
    }

    pub fn quick() -> Counts {
        Counts {
            get: 2_000,
            patch: 2_000,
            new_conn: 300,
            downloads: 1,
            uploads: 1,
            threads: 2_000,
        }
    }
}

impl Scenario {
    pub const ALL: [Scenario; 8] = [
        Scenario::Get,
        Scenario::Patch,
        Scenario::NewConn,
        Scenario::DownloadLength,
        Scenario::DownloadChunked,
        Scenario::UploadMemory,
        Scenario::UploadReader,
        Scenario::Threads,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Scenario::Get => "get",
            Scenario::Patch => "patch",
            Scenario::NewConn => "newconn",
            Scenario::DownloadLength => "download",
            Scenario::DownloadChunked => "chunked",
            Scenario::UploadMemory => "upload",
            Scenario::UploadReader => "upload-reader",
            Scenario::Threads => "threads",
        }
    }

    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|x| x.id() == s)
    }

    /// The row label, with the counts of this run.
    pub fn label(self, c: &Counts) -> String {
        match self {
            Scenario::Get => format!("keep-alive GET, 13 B body ({})", c.get),
            Scenario::Patch => format!("keep-alive PATCH, JSON body ({})", c.patch),
            Scenario::NewConn => format!("GET, new connection each ({})", c.new_conn),
            Scenario::DownloadLength => "download 100 MiB, Content-Length".into(),
            Scenario::DownloadChunked => "download 100 MiB, chunked".into(),
            Scenario::UploadMemory => "PATCH upload 64 MiB from memory".into(),
            Scenario::UploadReader => "PATCH upload 64 MiB from a reader (chunked)".into(),
            Scenario::Threads => format!("{THREADS} threads, one client ({})", c.threads),
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Scenario::DownloadLength
            | Scenario::DownloadChunked
            | Scenario::UploadMemory
            | Scenario::UploadReader => "MiB/s",
            _ => "req/s",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Scenario::Get | Scenario::Threads => "/small",
            Scenario::Patch => "/json",
            Scenario::NewConn => "/close",
            Scenario::DownloadLength => "/big",
            Scenario::DownloadChunked => "/chunked",
            Scenario::UploadMemory | Scenario::UploadReader => "/upload",
        }
    }
}

/// The outcome of one measurement.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Requests or MiB per second, and the connections the bench's server accepted meanwhile
    /// (0 against another server).
    Rate(f64, u64),
    NotSupported,
    Failed(String),
}

fn check(what: &str, got: u64, want: u64) -> R<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got} bytes, expected {want}").into())
    }
}

/// What is being measured now and since when (for the watchdog).
static CURRENT: Mutex<Option<(String, Instant)>> = Mutex::new(None);

/// Longest one measurement may take before the bench gives up (a client that hangs).
pub const WATCHDOG: Duration = Duration::from_secs(180);

/// Starts a thread that ends the process when one measurement runs past [`WATCHDOG`], after
/// calling `cleanup` (which stops nginx).
pub fn start_watchdog(cleanup: impl Fn() + Send + 'static) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        let cur = CURRENT.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((what, since)) = cur {
            if since.elapsed() > WATCHDOG {
                eprintln!(
                    "wirequest-bench: {what} has run for over {} s; giving up",
                    WATCHDOG.as_secs()
                );
                cleanup();
                std::process::exit(2);
            }
        }
    });
}

/// One timed run. The client is built and warmed up (one small GET, so a connection exists)
/// before the clock starts.
pub fn measure(kind: Kind, scenario: Scenario, base: &str, counts: &Counts) -> Outcome {
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = Some((
        format!("{} {} on {base}", scenario.id(), kind.name()),
        Instant::now(),
    ));
    let r = run(kind, scenario, base, counts);
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = None;
    match r {
        Ok((rate, conns)) => Outcome::Rate(rate, conns),
        Err(e) if e.is::<Unsupported>() => Outcome::NotSupported,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

fn run(kind: Kind, scenario: Scenario, base: &str, c: &Counts) -> R<(f64, u64)> {
    let url = format!("{base}{}", scenario.path());
    // minreq and attohttpc open a connection per request: their keep-alive runs would take
    // minutes and say no more than a tenth of them (the table shows rates).
    let c = &if kind.reuses_connections() {
        *c
    } else {
        Counts {
            get: (c.get / 10).max(100),
            patch: (c.patch / 10).max(100),
            threads: (c.threads / 10).max(100),
            ..*c
        }
    };
    let small = format!("{base}/small");
    let mut s = kind.session()?;
    let payload = Payload::sample();
    let data = upload_data();
    let mut buf = vec![0u8; 64 * 1024];
    let transfer = matches!(
        scenario,
        Scenario::DownloadLength
            | Scenario::DownloadChunked
            | Scenario::UploadMemory
            | Scenario::UploadReader
    );
    if !transfer {
        check("warm-up", s.get(&small)? as u64, SMALL_BODY.len() as u64)?;
    }
    // Downloads from the raw client count wire bytes (chunk framing included).
    let dl_ok = |n: u64| {
        if kind == Kind::Raw {
            n >= BIG
        } else {
            n == BIG
        }
    };
    let mib = |bytes: u64, d: Duration| bytes as f64 / (1024.0 * 1024.0) / d.as_secs_f64();
    let per_sec = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    let accepted = crate::server::accepted();
    let rate = match scenario {
        Scenario::Get | Scenario::NewConn => {
            let n = if scenario == Scenario::Get {
                c.get
            } else {
                c.new_conn
            };
            let t = Instant::now();
            for _ in 0..n {
                let got = s.get(&url)?;
                if got != SMALL_BODY.len() {
                    check("GET", got as u64, SMALL_BODY.len() as u64)?;
                }
            }
            per_sec(n, t.elapsed())
        }
        Scenario::Patch => {
            let t = Instant::now();
            for _ in 0..c.patch {
                let got = s.patch_json(&url, &payload)?;
                if got != 11 {
                    check("PATCH", got as u64, 11)?;
                }
            }
            per_sec(c.patch, t.elapsed())
        }
        // Each transfer is timed on a new client and so a new connection (connecting
        // included): on this kernel a loopback connection that has already carried a small
        // exchange streams at about half the speed of a new one, which would favour the
        // clients that open a connection per request.
        Scenario::DownloadLength | Scenario::DownloadChunked => {
            let mut spent = Duration::ZERO;
            for i in 0..c.downloads {
                if i > 0 {
                    s = kind.session()?;
                }
                let t = Instant::now();
                let got = s.download(&url, &mut buf)?;
                spent += t.elapsed();
                if !dl_ok(got) {
                    check("download", got, BIG)?;
                }
            }
            mib(BIG * c.downloads as u64, spent)
        }
        Scenario::UploadMemory | Scenario::UploadReader => {
            let mut spent = Duration::ZERO;
            for i in 0..c.uploads {
                if i > 0 {
                    s = kind.session()?;
                }
                let t = Instant::now();
                let got = if scenario == Scenario::UploadMemory {
                    s.upload(&url, data)?
                } else {
                    s.upload_reader(&url, data)?
                };
                spent += t.elapsed();
                check("upload response", got as u64, 11)?;
            }
            mib((UPLOAD * c.uploads) as u64, spent)
        }
        Scenario::Threads => threads(&*s, &url, &small, c.threads)?,
    };
    Ok((rate, crate::server::accepted() - accepted))
}

/// `total` GETs over `THREADS` threads sharing the client (each thread's handle is a clone of
/// it, or its own handle for clients that cannot be shared).
fn threads(s: &dyn Session, url: &str, small: &str, total: usize) -> R<f64> {
    let per = total / THREADS;
    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let mut forks = Vec::new();
    for _ in 0..THREADS {
        let mut f = s.fork()?;
        f.get(small)?;
        forks.push(f);
    }
    let start = std::thread::scope(|scope| -> R<Instant> {
        let handles: Vec<_> = forks
            .into_iter()
            .map(|mut f| {
                let barrier = barrier.clone();
                scope.spawn(move || -> Result<(), String> {
                    barrier.wait();
                    for _ in 0..per {
                        let got = f.get(url).map_err(|e| e.to_string())?;
                        if got != SMALL_BODY.len() {
                            return Err(format!("GET: got {got} bytes"));
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        for h in handles {
            h.join().map_err(|_| "a thread panicked")??;
        }
        Ok(start)
    })?;
    Ok((per * THREADS) as f64 / start.elapsed().as_secs_f64())
}
