//! HTTP proxies: which one a URL goes through (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`,
//! `NO_PROXY`, as curl and requests read them, or `ClientBuilder::proxy`), and the `CONNECT`
//! tunnel for https.

use std::net::IpAddr;

use url::Url;

/// One proxy: where it is, and the `Proxy-Authorization` its URL carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub host: String,
    pub port: u16,
    pub auth: Option<String>,
    /// Where it came from (`HTTPS_PROXY`, `proxy()`), for error messages.
    pub source: &'static str,
}

impl Proxy {
    /// Parses a proxy URL; a bare `host:port` means `http://host:port`.
    fn parse(value: &str, source: &'static str) -> Result<Proxy, String> {
        let value = value.trim();
        let with_scheme = if value.contains("://") {
            value.to_owned()
        } else {
            format!("http://{value}")
        };
        let url =
            Url::parse(&with_scheme).map_err(|e| format!("invalid proxy url {value:?}: {e}"))?;
        if url.scheme() != "http" {
            return Err(format!(
                "unsupported proxy scheme {:?} in {value:?} (only http:// proxies are supported)",
                url.scheme()
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("no host in proxy url {value:?}"))?;
        Ok(Proxy {
            host: host.to_ascii_lowercase(),
            port: url.port_or_known_default().unwrap_or(80),
            auth: crate::auth::from_url(&url),
            source,
        })
    }

    /// `host:port` for messages and pool keys.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// `NO_PROXY`: `*`, host names (matching themselves and their subdomains, a leading dot
/// optional), IP addresses and CIDR blocks, comma or space separated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct NoProxy {
    all: bool,
    domains: Vec<String>,
    nets: Vec<(IpAddr, u8)>,
}

impl NoProxy {
    fn parse(value: &str) -> NoProxy {
        let mut out = NoProxy::default();
        for entry in value
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            if entry == "*" {
                out.all = true;
            } else if let Some((ip, bits)) = entry.split_once('/') {
                if let (Ok(ip), Ok(bits)) = (ip.parse::<IpAddr>(), bits.parse::<u8>()) {
                    out.nets.push((ip, bits));
                }
            } else if let Ok(ip) = entry
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
            {
                out.nets.push((ip, if ip.is_ipv4() { 32 } else { 128 }));
            } else {
                // A port is accepted and ignored, as requests does.
                let host = entry.rsplit_once(':').map_or(entry, |(h, _)| h);
                out.domains
                    .push(host.trim_start_matches('.').to_ascii_lowercase());
            }
        }
        out
    }

    fn matches(&self, host: &str) -> bool {
        if self.all {
            return true;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self.nets.iter().any(|&(net, bits)| in_net(ip, net, bits));
        }
        let host = bare.to_ascii_lowercase();
        self.domains.iter().any(|d| {
            host == *d
                || (host.len() > d.len()
                    && host.ends_with(d.as_str())
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        })
    }
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// The proxy settings of a client.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProxyConfig {
    http: Option<Result<Proxy, String>>,
    https: Option<Result<Proxy, String>>,
    no_proxy: NoProxy,
}

impl ProxyConfig {
    /// No proxy at all.
    pub fn none() -> ProxyConfig {
        ProxyConfig::default()
    }

    /// One proxy for every URL (`ClientBuilder::proxy`); `NO_PROXY` does not apply.
    pub fn explicit(url: &str) -> Result<ProxyConfig, String> {
        let p = Proxy::parse(url, "proxy()")?;
        Ok(ProxyConfig {
            http: Some(Ok(p.clone())),
            https: Some(Ok(p)),
            no_proxy: NoProxy::default(),
        })
    }

    /// From the environment, looked up through `get`: lowercase names first, then uppercase, as
    /// curl and requests do. Uppercase `HTTP_PROXY` is ignored when `REQUEST_METHOD` is set
    /// (the "httpoxy" rule: in a CGI program a request header can set it).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> ProxyConfig {
        let pick = |names: &[&'static str]| {
            names
                .iter()
                .find_map(|&n| get(n).filter(|v| !v.trim().is_empty()).map(|v| (n, v)))
        };
        let cgi = get("REQUEST_METHOD").is_some();
        let http_names: &[&'static str] = if cgi {
            &["http_proxy"]
        } else {
            &["http_proxy", "HTTP_PROXY"]
        };
        let all = pick(&["all_proxy", "ALL_PROXY"]);
        let http = pick(http_names).or_else(|| all.clone());
        let https = pick(&["https_proxy", "HTTPS_PROXY"]).or(all);
        let no_proxy = pick(&["no_proxy", "NO_PROXY"])
            .map(|(_, v)| NoProxy::parse(&v))
            .unwrap_or_default();
        ProxyConfig {
            http: http.map(|(n, v)| Proxy::parse(&v, n)),
            https: https.map(|(n, v)| Proxy::parse(&v, n)),
            no_proxy,
        }
    }

    /// The proxy for `url`, if any; an `Err` names a proxy setting that cannot be used.
    pub fn for_url(&self, url: &Url) -> Option<&Result<Proxy, String>> {
        let chosen = if url.scheme() == "https" {
            &self.https
        } else {
            &self.http
        };
        let chosen = chosen.as_ref()?;
        if self.no_proxy.matches(url.host_str().unwrap_or("")) {
            return None;
        }
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn proxy_for(cfg: &ProxyConfig, url: &str) -> Option<String> {
        cfg.for_url(&Url::parse(url).unwrap())
            .map(|p| p.as_ref().unwrap().address())
    }

    #[test]
    fn proxy_env_picks_per_scheme_lowercase_first() {
        let cfg = ProxyConfig::from_env(env(&[
            ("http_proxy", "http://lower:1"),
            ("HTTP_PROXY", "http://upper:2"),
            ("HTTPS_PROXY", "secure:3"),
        ]));
        assert_eq!(
            proxy_for(&cfg, "http://example.com/").as_deref(),
            Some("lower:1")
        );
        assert_eq!(
            proxy_for(&cfg, "https://example.com/").as_deref(),
            Some("secure:3")
        );
    }

    #[test]
    fn proxy_all_proxy_is_the_fallback() {
        let cfg = ProxyConfig::from_env(env(&[("ALL_PROXY", "all:9"), ("https_proxy", "s:1")]));
        assert_eq!(proxy_for(&cfg, "http://x/").as_deref(), Some("all:9"));
        assert_eq!(proxy_for(&cfg, "https://x/").as_deref(), Some("s:1"));
        assert!(proxy_for(&ProxyConfig::from_env(env(&[])), "http://x/").is_none());
    }

    #[test]
    fn proxy_httpoxy_uppercase_ignored_under_cgi() {
        let cfg =
            ProxyConfig::from_env(env(&[("HTTP_PROXY", "evil:1"), ("REQUEST_METHOD", "GET")]));
        assert!(proxy_for(&cfg, "http://x/").is_none());
    }

    #[test]
    fn proxy_no_proxy_matches_suffixes_ips_cidrs_and_star() {
        let cfg = ProxyConfig::from_env(env(&[
            ("HTTP_PROXY", "p:1"),
            (
                "NO_PROXY",
                ".internal.example, localhost:8080, 10.0.0.0/8, ::1, 192.168.1.5",
            ),
        ]));
        for direct in [
            "http://internal.example/",
            "http://a.b.internal.example/",
            "http://LOCALHOST/",
            "http://10.1.2.3/",
            "http://[::1]/",
            "http://192.168.1.5/",
        ] {
            assert!(proxy_for(&cfg, direct).is_none(), "{direct}");
        }
        for proxied in [
            "http://notinternal.example/",
            "http://11.0.0.1/",
            "http://192.168.1.6/",
            "http://example.com/",
        ] {
            assert!(proxy_for(&cfg, proxied).is_some(), "{proxied}");
        }
        let star = ProxyConfig::from_env(env(&[("HTTP_PROXY", "p:1"), ("no_proxy", "*")]));
        assert!(proxy_for(&star, "http://anything/").is_none());
    }

    #[test]
    fn proxy_url_credentials_become_proxy_authorization() {
        let cfg = ProxyConfig::explicit("http://user:p%40ss@proxy.local:3128").unwrap();
        let p = cfg
            .for_url(&Url::parse("https://x/").unwrap())
            .unwrap()
            .as_ref()
            .unwrap();
        assert_eq!(p.address(), "proxy.local:3128");
        assert_eq!(
            p.auth.as_deref(),
            Some(crate::auth::basic("user", Some("p@ss")).as_str())
        );
    }

    #[test]
    fn proxy_unsupported_schemes_are_reported() {
        assert!(ProxyConfig::explicit("socks5://p:1080")
            .unwrap_err()
            .contains("socks5"));
        assert!(ProxyConfig::explicit("https://p:443").is_err());
        let cfg = ProxyConfig::from_env(env(&[("ALL_PROXY", "socks5h://p:1")]));
        assert!(cfg
            .for_url(&Url::parse("http://x/").unwrap())
            .unwrap()
            .is_err());
    }
}
