#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirequest_fuzz::request_roundtrip(data));
