//! `returnTo` on a page: `Config::resolve_return_to` must never leave the page's origin as the
//! browser reads it (see `feishu_login_fuzz::invariants::check_return_to`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| feishu_login_fuzz::run_return_to(data));
