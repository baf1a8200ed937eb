//! Turning body bytes into text by charset, replacing what cannot be decoded (as requests does
//! with `errors="replace"`). Hand-written: three single-byte tables beat pulling in
//! `encoding_rs` (which is large) for what `requests` users meet in practice.

/// Decodes `bytes` in `charset` (UTF-8 when absent or unknown).
pub(crate) fn decode(bytes: Vec<u8>, charset: Option<&str>) -> String {
    let cs = charset.map(|c| c.trim().to_ascii_lowercase());
    match cs.as_deref() {
        Some("iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" | "cp819") => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        Some("us-ascii" | "ascii" | "ansi_x3.4-1968") => bytes
            .iter()
            .map(|&b| {
                if b < 0x80 {
                    char::from(b)
                } else {
                    char::REPLACEMENT_CHARACTER
                }
            })
            .collect(),
        Some("windows-1252" | "cp1252") => bytes.iter().map(|&b| cp1252(b)).collect(),
        _ => match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        },
    }
}

/// windows-1252: Latin-1 but for 0x80..0x9F, where it has typographic characters.
fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž',
        '\u{FFFD}', '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ',
        '\u{FFFD}', 'ž', 'Ÿ',
    ];
    if (0x80..0xa0).contains(&b) {
        HIGH[usize::from(b - 0x80)]
    } else {
        char::from(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_utf8_default_replaces_invalid() {
        assert_eq!(decode(b"caf\xc3\xa9".to_vec(), None), "café");
        assert_eq!(decode(b"a\xffb".to_vec(), None), "a\u{FFFD}b");
        assert_eq!(decode(b"x".to_vec(), Some("unknown-charset")), "x");
    }

    #[test]
    fn text_latin1_maps_every_byte() {
        assert_eq!(decode(b"caf\xe9".to_vec(), Some("ISO-8859-1")), "café");
        assert_eq!(decode(vec![0x80, 0xff], Some("latin1")), "\u{80}ÿ");
    }

    #[test]
    fn text_ascii_replaces_high_bytes() {
        assert_eq!(decode(b"a\xe9".to_vec(), Some("US-ASCII")), "a\u{FFFD}");
    }

    #[test]
    fn text_cp1252_has_typographic_quotes() {
        assert_eq!(
            decode(vec![0x93, b'x', 0x94, 0x80], Some("windows-1252")),
            "“x”€"
        );
    }
}
