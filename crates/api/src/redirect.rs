//! Redirect policy: which statuses redirect, what becomes of the method and body, and when
//! credentials must not follow.

use url::Url;

use crate::Method;

/// Statuses that carry a `Location` to follow.
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The method for the next hop and whether the body goes with it. 307 and 308 keep both; 303
/// turns everything but HEAD into a bodiless GET; 301 and 302 turn only POST into GET (the Fetch
/// standard's rule, so a PATCH keeps its method and body).
pub(crate) fn next_method(status: u16, method: &Method) -> (Method, bool) {
    match status {
        303 if *method != Method::HEAD => (Method::GET, false),
        301 | 302 if *method == Method::POST => (Method::GET, false),
        _ => (method.clone(), true),
    }
}

/// Whether a hop leaves the origin (scheme, host or port), after which `Authorization` and
/// `Proxy-Authorization` are dropped, as requests does.
pub(crate) fn origin_changed(from: &Url, to: &Url) -> bool {
    from.scheme() != to.scheme()
        || !from
            .host_str()
            .unwrap_or("")
            .eq_ignore_ascii_case(to.host_str().unwrap_or(""))
        || from.port_or_known_default() != to.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_method_rules_follow_fetch() {
        assert_eq!(next_method(303, &Method::PATCH), (Method::GET, false));
        assert_eq!(next_method(303, &Method::HEAD), (Method::HEAD, true));
        assert_eq!(next_method(302, &Method::POST), (Method::GET, false));
        assert_eq!(next_method(301, &Method::PATCH), (Method::PATCH, true));
        assert_eq!(next_method(302, &Method::PUT), (Method::PUT, true));
        assert_eq!(next_method(307, &Method::POST), (Method::POST, true));
        assert_eq!(next_method(308, &Method::PATCH), (Method::PATCH, true));
    }

    #[test]
    fn redirect_origin_change_detects_scheme_host_port() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(!origin_changed(&u("http://a/x"), &u("http://A:80/y")));
        assert!(origin_changed(&u("http://a/"), &u("https://a/")));
        assert!(origin_changed(&u("http://a/"), &u("http://b/")));
        assert!(origin_changed(&u("http://a/"), &u("http://a:8080/")));
    }

    #[test]
    fn redirect_statuses() {
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect(s));
        }
        for s in [300, 304, 305, 200, 404] {
            assert!(!is_redirect(s));
        }
    }
}
