#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirequest_fuzz::response_head(data));
