//! Idle keep-alive connections, keyed by scheme, host and port.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wirequest_wire::Connection;

/// Which connections may serve a request: same scheme, host and port, through the same proxy
/// (`via`, the proxy's `host:port`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub via: Option<String>,
}

impl PoolKey {
    fn is(&self, https: bool, host: &str, port: u16, via: Option<&str>) -> bool {
        self.https == https
            && self.port == port
            && self.host.eq_ignore_ascii_case(host)
            && self.via.as_deref() == via
    }
}

struct Idle {
    conn: Connection,
    since: Instant,
}

/// Hosts are few, so a list searched in place beats a map: a lookup needs no owned key, and
/// the shared key handed out with a connection makes its check-in allocation-free.
struct Entry {
    key: Arc<PoolKey>,
    idle: Vec<Idle>,
}

/// How long a pooled connection is reused without asking the socket whether it is still open.
const PROBE_AFTER: Duration = Duration::from_millis(1);

/// Past this many hosts, entries without idle connections are forgotten.
const MAX_EMPTY_ENTRIES: usize = 64;

/// The idle connections of one client (and its clones).
pub(crate) struct Pool {
    entries: Mutex<Vec<Entry>>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("idle", &self.idle_count())
            .finish()
    }
}

impl Pool {
    pub fn new(max_idle_per_host: usize, idle_timeout: Duration) -> Pool {
        Pool {
            entries: Mutex::new(Vec::new()),
            max_idle_per_host,
            idle_timeout,
        }
    }

    /// The shared key for a host, and its most recently used live connection. Expired ones are
    /// dropped, and so are ones the peer closed or that received bytes while idle (a desync,
    /// never a response). `retry_safe` says whether the request may be sent again on a new
    /// connection should this one turn out dead (idempotent, replayable body).
    pub fn checkout(
        &self,
        https: bool,
        host: &str,
        port: u16,
        via: Option<&str>,
        retry_safe: bool,
    ) -> (Arc<PoolKey>, Option<Connection>) {
        loop {
            let (key, idle) = {
                let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
                let entry = match entries
                    .iter_mut()
                    .position(|e| e.key.is(https, host, port, via))
                {
                    Some(i) => &mut entries[i],
                    None => {
                        if entries.len() >= MAX_EMPTY_ENTRIES {
                            entries.retain(|e| !e.idle.is_empty());
                        }
                        let key = PoolKey {
                            https,
                            host: host.to_ascii_lowercase(),
                            port,
                            via: via.map(str::to_owned),
                        };
                        entries.push(Entry {
                            key: Arc::new(key),
                            idle: Vec::new(),
                        });
                        entries.last_mut().expect("just pushed")
                    }
                };
                (entry.key.clone(), entry.idle.pop())
            };
            let Some(idle) = idle else {
                return (key, None);
            };
            let idle_for = idle.since.elapsed();
            if idle_for >= self.idle_timeout {
                continue;
            }
            let mut conn = idle.conn;
            // The liveness check runs outside the lock: it is a syscall. For a request that can
            // be replayed, a connection back for under PROBE_AFTER skips it: no keep-alive timer
            // is that short, bytes that came with the response are caught anyway (they are
            // buffered), and should the server have closed right after answering, the request
            // fails before any response byte and goes again on a new connection. A PATCH or POST
            // cannot go again, so it always gets the check.
            let usable = if retry_safe && idle_for < PROBE_AFTER {
                conn.check_buffered()
            } else {
                conn.check_idle()
            };
            if usable.is_ok() {
                return (key, Some(conn));
            }
        }
    }

    /// Keeps a connection whose last response ended cleanly, dropping the oldest idle one for
    /// that host when over the limit.
    pub fn checkin(&self, key: &Arc<PoolKey>, conn: Connection) {
        if self.max_idle_per_host == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let i = match entries
            .iter()
            .position(|e| Arc::ptr_eq(&e.key, key) || *e.key == **key)
        {
            Some(i) => i,
            None => {
                entries.push(Entry {
                    key: key.clone(),
                    idle: Vec::new(),
                });
                entries.len() - 1
            }
        };
        let list = &mut entries[i].idle;
        let now = Instant::now();
        list.retain(|i| now.duration_since(i.since) < self.idle_timeout);
        if list.len() >= self.max_idle_per_host {
            list.remove(0);
        }
        list.push(Idle { conn, since: now });
    }

    pub fn idle_count(&self) -> usize {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.iter().map(|e| e.idle.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirequest_wire::MemoryStream;

    /// A connection whose idle check passes: a TCP pair kept open by the returned server side.
    fn live() -> (Connection, std::net::TcpStream) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        let t = wirequest_wire::transport::tcp::TcpTransport::new(c);
        (Connection::new(Box::new(t)), s)
    }

    #[test]
    fn pool_returns_live_and_drops_closed() {
        let pool = Pool::new(3, Duration::from_secs(60));
        let (key, none) = pool.checkout(false, "h", 80, None, true);
        assert!(none.is_none());
        pool.checkin(
            &key,
            Connection::new(Box::new(MemoryStream::new(Vec::new()))),
        );
        assert_eq!(pool.idle_count(), 1);
        // A request that cannot be replayed always has the socket asked, however short the
        // idle time: it says closed.
        assert!(
            pool.checkout(false, "h", 80, None, false).1.is_none(),
            "a closed connection was handed out for a request that cannot be retried"
        );
        // Past the grace period every request has the socket asked.
        pool.checkin(
            &key,
            Connection::new(Box::new(MemoryStream::new(Vec::new()))),
        );
        std::thread::sleep(PROBE_AFTER * 5);
        assert!(
            pool.checkout(false, "h", 80, None, true).1.is_none(),
            "a closed connection was handed out"
        );
        let (c, _server) = live();
        pool.checkin(&key, c);
        let (again, conn) = pool.checkout(false, "H", 80, None, true);
        assert!(conn.is_some());
        assert!(Arc::ptr_eq(&key, &again), "one shared key per host");
        assert_eq!(pool.idle_count(), 0);
    }

    #[test]
    fn pool_limits_idle_per_host_and_separates_hosts() {
        let pool = Pool::new(2, Duration::from_secs(60));
        let (key, _) = pool.checkout(false, "h", 80, None, true);
        let mut servers = Vec::new();
        for _ in 0..3 {
            let (c, s) = live();
            servers.push(s);
            pool.checkin(&key, c);
        }
        assert_eq!(pool.idle_count(), 2);
        assert!(pool.checkout(false, "h", 81, None, true).1.is_none());
        assert!(pool.checkout(true, "h", 80, None, true).1.is_none());
        assert!(pool
            .checkout(false, "h", 80, Some("proxy:3128"), true)
            .1
            .is_none());
    }

    #[test]
    fn pool_expired_connections_not_reused() {
        let pool = Pool::new(2, Duration::from_millis(0));
        let (key, _) = pool.checkout(false, "h", 80, None, true);
        let (c, _s) = live();
        pool.checkin(&key, c);
        assert!(pool.checkout(false, "h", 80, None, true).1.is_none());
    }

    #[test]
    fn pool_disabled_keeps_nothing() {
        let pool = Pool::new(0, Duration::from_secs(60));
        let (key, _) = pool.checkout(false, "h", 80, None, true);
        let (c, _s) = live();
        pool.checkin(&key, c);
        assert_eq!(pool.idle_count(), 0);
    }
}
