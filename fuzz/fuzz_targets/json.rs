//! JSON text: `Json::parse` against serde_json, `parse(to_text(v)) == v`, and the config read from
//! it (see `feishu_login_fuzz::json`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| feishu_login_fuzz::run_json(data));
