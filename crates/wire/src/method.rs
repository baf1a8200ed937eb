//! HTTP methods: the standard ones as constants, any other valid token by parsing.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::header::is_token;

/// An HTTP request method.
///
/// Methods are case-sensitive (RFC 9110 §9.1): `"get".parse::<Method>()` is a valid extension
/// method distinct from [`Method::GET`].
///
/// ```
/// use wirequest_wire::Method;
/// let purge: Method = "PURGE".parse().unwrap();
/// assert_eq!(purge.as_str(), "PURGE");
/// assert_eq!("PATCH".parse::<Method>().unwrap(), Method::PATCH);
/// assert!("BAD METHOD".parse::<Method>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Method(Cow<'static, str>);

impl Method {
    /// `GET`
    pub const GET: Method = Method(Cow::Borrowed("GET"));
    /// `HEAD`
    pub const HEAD: Method = Method(Cow::Borrowed("HEAD"));
    /// `POST`
    pub const POST: Method = Method(Cow::Borrowed("POST"));
    /// `PUT`
    pub const PUT: Method = Method(Cow::Borrowed("PUT"));
    /// `DELETE`
    pub const DELETE: Method = Method(Cow::Borrowed("DELETE"));
    /// `CONNECT`
    pub const CONNECT: Method = Method(Cow::Borrowed("CONNECT"));
    /// `OPTIONS`
    pub const OPTIONS: Method = Method(Cow::Borrowed("OPTIONS"));
    /// `TRACE`
    pub const TRACE: Method = Method(Cow::Borrowed("TRACE"));
    /// `PATCH`
    pub const PATCH: Method = Method(Cow::Borrowed("PATCH"));

    /// The method as written on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Idempotent methods (RFC 9110 §9.2.2) may be retried after a failure that left no response.
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.as_str(),
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
        )
    }

    /// Whether a request with this method carries content by convention, so an empty body is
    /// announced with `Content-Length: 0` (as requests does for POST, PUT and PATCH).
    pub fn expects_body(&self) -> bool {
        matches!(self.as_str(), "POST" | "PUT" | "PATCH")
    }
}

impl FromStr for Method {
    type Err = Error;

    fn from_str(s: &str) -> Result<Method, Error> {
        for m in [
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::CONNECT,
            Method::OPTIONS,
            Method::TRACE,
            Method::PATCH,
        ] {
            if m.as_str() == s {
                return Ok(m);
            }
        }
        if is_token(s.as_bytes()) {
            Ok(Method(Cow::Owned(s.to_owned())))
        } else {
            Err(Error::InvalidMethod)
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for Method {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_standard_name_parses_to_constant() {
        assert_eq!("DELETE".parse::<Method>().unwrap(), Method::DELETE);
        assert!(matches!(
            "GET".parse::<Method>().unwrap().0,
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn method_extension_token_parses() {
        let m: Method = "M-SEARCH".parse().unwrap();
        assert_eq!(m.to_string(), "M-SEARCH");
        assert!(!m.is_idempotent());
    }

    #[test]
    fn method_non_token_errors() {
        for bad in ["", "GE T", "GET\r\n", "G(ET", "GÉT"] {
            assert_eq!(bad.parse::<Method>(), Err(Error::InvalidMethod), "{bad:?}");
        }
    }

    #[test]
    fn method_idempotence_matches_rfc() {
        assert!(Method::PUT.is_idempotent());
        assert!(!Method::PATCH.is_idempotent());
        assert!(!Method::POST.is_idempotent());
    }
}
