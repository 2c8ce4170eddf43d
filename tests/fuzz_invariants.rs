//! The fuzz harness's invariants (`fuzz/src/invariants.rs`: the SDK's URL verdicts held against
//! the WHATWG parser) and their fixed cases, run by the plain `cargo test`. The coverage-guided
//! search over the same checks is `scripts/fuzz.sh`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/src/invariants.rs"]
mod invariants;
