//! Event sequences from two or three tabs against the engine's rules (see
//! `feishu_login_fuzz::model`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| feishu_login_fuzz::run_interleavings(data));
