//! Authorization header values. Base64 is hand-written: it is 20 lines, fully tested, and saves a
//! dependency every user would otherwise compile.

use url::Url;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4).
pub(crate) fn base64(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Basic base64(user:pass)`, UTF-8 encoded as RFC 7617 recommends.
pub(crate) fn basic(user: &str, pass: Option<&str>) -> String {
    let mut raw = String::with_capacity(user.len() + 1 + pass.map_or(0, str::len));
    raw.push_str(user);
    raw.push(':');
    raw.push_str(pass.unwrap_or(""));
    format!("Basic {}", base64(raw.as_bytes()))
}

/// Credentials written into a URL (`http://user:pass@host/`), percent-decoded, as requests uses
/// them for basic auth.
pub(crate) fn from_url(url: &Url) -> Option<String> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let user = decode(url.username());
    let pass = url.password().map(decode);
    Some(basic(&user, pass.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn basic_auth_encodes_utf8_and_missing_password() {
        assert_eq!(basic("üser", Some("päss")), "Basic w7xzZXI6cMOkc3M=");
        assert_eq!(basic("user", None), "Basic dXNlcjo=");
    }

    #[test]
    fn url_credentials_are_percent_decoded() {
        let url = Url::parse("http://us%40er:p%3Ass+x@host/").unwrap();
        assert_eq!(from_url(&url).unwrap(), basic("us@er", Some("p:ss+x")));
        assert!(from_url(&Url::parse("http://host/").unwrap()).is_none());
    }
}
