//! Configurations (fields or JSON), `returnTo` and the authorize request, from structured input
//! (see `feishu_login_fuzz::input::ConfigCase`).
#![no_main]
libfuzzer_sys::fuzz_target!(|case: feishu_login_fuzz::input::ConfigCase| case.run());
