//! Logging each exchange through `log` (feature `log`), with secrets redacted: the values of
//! `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie` never reach a log.

use std::time::Duration;

use url::Url;
use wirequest_wire::{HeaderMap, Method};

use crate::error::Error;
use crate::run::Exchange;

const REDACTED: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

fn shown<'a>(name: &str, value: &'a str) -> &'a str {
    if REDACTED.iter().any(|r| name.eq_ignore_ascii_case(r)) {
        "[redacted]"
    } else {
        value
    }
}

/// A URL without its userinfo (credentials in URLs are secrets too).
fn safe_url(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

/// One line at debug level per request and its outcome; the headers both ways at trace level.
pub(crate) fn exchange(
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    result: &Result<Exchange, Error>,
    elapsed: Duration,
) {
    if !log::log_enabled!(target: "wirequest", log::Level::Debug) {
        return;
    }
    let url = safe_url(url);
    match result {
        Ok(resp) => {
            log::debug!(target: "wirequest", "{method} {url} -> {} {} ({elapsed:?})", resp.status, resp.reason)
        }
        Err(e) => {
            log::debug!(target: "wirequest", "{method} {url} -> error[{}] ({elapsed:?})", e.kind())
        }
    }
    if log::log_enabled!(target: "wirequest", log::Level::Trace) {
        for (name, value) in headers.iter() {
            log::trace!(target: "wirequest", "> {name}: {}", shown(name, value));
        }
        if let Ok(resp) = result {
            for (name, value) in resp.headers.iter() {
                log::trace!(target: "wirequest", "< {name}: {}", shown(name, value));
            }
        }
    }
}
