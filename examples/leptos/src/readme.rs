//! The Rust snippets of README.md and README.zh-CN.md ("Rust frontends") and leptos/README.md,
//! compiled with this app so they cannot rot: build.rs copies every block marked
//! `<!-- compiled with examples/leptos -->` into a module here.
include!(concat!(env!("OUT_DIR"), "/readme.rs"));
