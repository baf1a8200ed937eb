//! The fuzz targets' bodies, run on stable over the committed corpus and regressions, so CI
//! checks the same invariants as `cargo +nightly fuzz run` (see `fuzz/README.md`).

#[path = "../fuzz/src/lib.rs"]
mod bodies;

use std::path::{Path, PathBuf};

/// The files of `fuzz/<kind>/<target>/`, sorted; none when the folder does not exist.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable corpus folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `body` over every corpus and regression input of `target`, naming each input that
/// fails rather than stopping at the first.
fn run(target: &str, body: fn(&[u8])) {
    let corpus = inputs("corpus", target);
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ is empty");
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&inputs("regressions", target)) {
        let data = std::fs::read(path).expect("readable corpus file");
        if std::panic::catch_unwind(|| body(&data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target} failed on {failed:#?}");
}

#[test]
fn fuzz_corpus_response_head_holds() {
    run("response_head", bodies::response_head);
}

#[test]
fn fuzz_corpus_chunked_decode_holds() {
    run("chunked_decode", bodies::chunked_decode);
}

#[test]
fn fuzz_corpus_body_framing_holds() {
    run("body_framing", bodies::body_framing);
}

#[test]
fn fuzz_corpus_chunked_roundtrip_holds() {
    run("chunked_roundtrip", bodies::chunked_roundtrip);
}

#[test]
fn fuzz_corpus_request_roundtrip_holds() {
    run("request_roundtrip", bodies::request_roundtrip);
}

#[test]
fn fuzz_corpus_inflate_holds() {
    run("inflate", bodies::inflate);
}
