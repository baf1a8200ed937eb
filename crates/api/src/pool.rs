//! Idle keep-alive connections, keyed by scheme, host and port.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wirequest_wire::Connection;

/// Which connections may serve a request: same scheme, host (lowercase) and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

struct Idle {
    conn: Connection,
    since: Instant,
}

/// The idle connections of one client (and its clones).
pub(crate) struct Pool {
    idle: Mutex<HashMap<PoolKey, Vec<Idle>>>,
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
            idle: Mutex::new(HashMap::new()),
            max_idle_per_host,
            idle_timeout,
        }
    }

    /// The most recently used live connection for `key`. Expired ones are dropped, and so are
    /// ones the peer closed or that received bytes while idle (a desync, never a response).
    pub fn checkout(&self, key: &PoolKey) -> Option<Connection> {
        loop {
            let idle = {
                let mut map = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                let list = map.get_mut(key)?;
                let idle = list.pop();
                if list.is_empty() {
                    map.remove(key);
                }
                idle?
            };
            if idle.since.elapsed() >= self.idle_timeout {
                continue;
            }
            let mut conn = idle.conn;
            // The liveness check runs outside the lock: it is a syscall or three.
            if conn.check_idle().is_ok() {
                return Some(conn);
            }
        }
    }

    /// Keeps a connection whose last response ended cleanly, dropping the oldest idle one for
    /// that host when over the limit.
    pub fn checkin(&self, key: PoolKey, conn: Connection) {
        if self.max_idle_per_host == 0 {
            return;
        }
        let mut map = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(key).or_default();
        let now = Instant::now();
        list.retain(|i| now.duration_since(i.since) < self.idle_timeout);
        if list.len() >= self.max_idle_per_host {
            list.remove(0);
        }
        list.push(Idle { conn, since: now });
    }

    pub fn idle_count(&self) -> usize {
        let map = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        map.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirequest_wire::MemoryStream;

    fn key() -> PoolKey {
        PoolKey {
            https: false,
            host: "h".into(),
            port: 80,
        }
    }

    /// A connection whose idle check passes: a TCP pair kept open by the returned listener side.
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
        pool.checkin(
            key(),
            Connection::new(Box::new(MemoryStream::new(Vec::new()))),
        );
        assert_eq!(pool.idle_count(), 1);
        assert!(
            pool.checkout(&key()).is_none(),
            "a closed connection was handed out"
        );
        let (c, _server) = live();
        pool.checkin(key(), c);
        assert!(pool.checkout(&key()).is_some());
        assert_eq!(pool.idle_count(), 0);
    }

    #[test]
    fn pool_limits_idle_per_host() {
        let pool = Pool::new(2, Duration::from_secs(60));
        let mut servers = Vec::new();
        for _ in 0..3 {
            let (c, s) = live();
            servers.push(s);
            pool.checkin(key(), c);
        }
        assert_eq!(pool.idle_count(), 2);
        let other = PoolKey { port: 81, ..key() };
        assert!(pool.checkout(&other).is_none());
    }

    #[test]
    fn pool_expired_connections_not_reused() {
        let pool = Pool::new(2, Duration::from_millis(0));
        let (c, _s) = live();
        pool.checkin(key(), c);
        assert!(pool.checkout(&key()).is_none());
    }

    #[test]
    fn pool_disabled_keeps_nothing() {
        let pool = Pool::new(0, Duration::from_secs(60));
        let (c, _s) = live();
        pool.checkin(key(), c);
        assert_eq!(pool.idle_count(), 0);
    }
}
