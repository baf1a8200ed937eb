#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirequest_fuzz::inflate(data));
