#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| belf::fuzz_harness::jwt_and_jwks(data));
