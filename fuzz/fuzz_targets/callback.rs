//! Callback URLs: `CallbackParams::parse`, `is_callback`, `strip_callback_params` and
//! `validate_callback` against the WHATWG reading of the URL (see `feishu_login_fuzz::invariants`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| feishu_login_fuzz::run_callback(data));
