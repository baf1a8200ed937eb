//! nginx, when installed, serving the same routes as the bench's own server from a config and
//! files written to a temporary directory, on a free port of 127.0.0.1.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::BIG;

/// The running nginx's pid (0: none), so the watchdog can stop it before exiting.
pub static PID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Stops the nginx this process started, if any (for an exit that skips destructors).
pub fn kill_running() {
    let pid = PID.swap(0, std::sync::atomic::Ordering::SeqCst);
    if pid != 0 {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
}

pub struct Nginx {
    child: Child,
    dir: PathBuf,
    pub addr: SocketAddr,
    pub version: String,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        PID.store(0, std::sync::atomic::Ordering::SeqCst);
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The nginx binary: on PATH, or where Debian puts it.
pub fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

fn config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    server_tokens off;
    default_type text/plain;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_max_body_size 0;
    tcp_nodelay on;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = /small {{ return 200 "Hello, World!"; }}
        location = /close {{ keepalive_timeout 0; return 200 "Hello, World!"; }}
        location = /json {{ default_type application/json; return 200 '{{"ok":true}}'; }}
        location = /upload {{ default_type application/json; return 200 '{{"ok":true}}'; }}
        location = /big {{
            default_type application/octet-stream;
            sendfile on;
            alias {d}/www/big.bin;
        }}
        # The addition filter drops Content-Length, so the file goes out chunked; without
        # sendfile nginx reads it 32 KiB at a time and each read becomes one chunk.
        location = /chunked {{
            default_type application/octet-stream;
            sendfile off;
            output_buffers 2 32k;
            addition_types *;
            add_after_body /empty;
            alias {d}/www/big.bin;
        }}
        location = /empty {{ alias {d}/www/empty.txt; }}
    }}
}}
"#
    )
}

/// Starts nginx; `None` (with the reason printed) when it is not installed or fails to start.
pub fn start() -> Option<Nginx> {
    let bin = binary()?;
    match try_start(&bin) {
        Ok(n) => Some(n),
        Err(e) => {
            eprintln!("nginx found at {} but not usable: {e}", bin.display());
            None
        }
    }
}

fn try_start(bin: &Path) -> Result<Nginx, Box<dyn std::error::Error>> {
    let version = Command::new(bin).arg("-v").output()?;
    let version = String::from_utf8_lossy(&version.stderr)
        .trim()
        .trim_start_matches("nginx version: ")
        .to_owned();
    let dir = std::env::temp_dir().join(format!("wirequest-bench-nginx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("www"))?;
    std::fs::create_dir_all(dir.join("tmp"))?;
    {
        let mut f = std::fs::File::create(dir.join("www/big.bin"))?;
        let block = vec![b'x'; 1024 * 1024];
        for _ in 0..BIG / block.len() as u64 {
            f.write_all(&block)?;
        }
    }
    std::fs::write(dir.join("www/empty.txt"), b"")?;
    // A free port: bind, note it, let go (nginx binds it a moment later).
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    std::fs::write(dir.join("nginx.conf"), config(&dir, port))?;
    let mut child = Command::new(bin)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if TcpStream::connect(addr).is_ok() {
            break;
        }
        if let Some(status) = child.try_wait()? {
            let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("nginx exited ({status}): {}", log.trim()).into());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = std::fs::remove_dir_all(&dir);
            return Err("nginx did not start listening within 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    PID.store(child.id(), std::sync::atomic::Ordering::SeqCst);
    Ok(Nginx {
        child,
        dir,
        addr,
        version,
    })
}
