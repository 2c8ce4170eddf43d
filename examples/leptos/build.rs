//! The READMEs' Rust frontend snippets are compiled with this app, so they cannot rot: every
//! ```rust block right after a line `<!-- compiled with examples/leptos -->` in README.md,
//! README.zh-CN.md and leptos/README.md (feishu-login-leptos's, on crates.io) becomes a module of
//! `$OUT_DIR/readme.rs` (included by src/readme.rs), linted with the app
//! (scripts/build-leptos-example.sh: clippy, warnings denied).
use std::{env, fs, path::Path};

const MARKER: &str = "<!-- compiled with examples/leptos -->";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = String::new();
    let mut counts = Vec::new();
    for (name, file) in [("en", "README.md"), ("zh", "README.zh-CN.md"), ("leptos", "leptos/README.md")] {
        let path = root.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let snippets =
            snippets(&text).unwrap_or_else(|line| panic!("{file}:{line}: `{MARKER}` must precede a ```rust block"));
        assert!(!snippets.is_empty(), "{file}: no `{MARKER}`: the Rust frontend snippets are no longer compiled");
        if name != "leptos" {
            counts.push(snippets.len());
        }
        for (line, code) in snippets {
            out +=
                &format!("/// {file}, line {line}.\n#[allow(dead_code)]\npub mod {name}_line_{line} {{\n{code}}}\n\n");
        }
    }
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "the READMEs mark different numbers of Rust snippets: {counts:?}");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("readme.rs"), out).unwrap();
}

/// The marked blocks, each with the README line its code starts on; `Err(line)`: a marker that
/// is not followed by a ```rust block.
fn snippets(text: &str) -> Result<Vec<(usize, String)>, usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() != MARKER {
            continue;
        }
        // ```rust, or ```rust,ignore where rustdoc must not compile it natively (crates.io).
        if !lines.get(i + 1).is_some_and(|l| l.trim() == "```rust" || l.trim().starts_with("```rust,")) {
            return Err(i + 1);
        }
        let start = i + 2;
        let len = lines[start..].iter().position(|l| l.trim() == "```").ok_or(i + 1)?;
        let code = lines[start..start + len].iter().map(|l| String::from(*l) + "\n").collect();
        found.push((start + 1, code));
    }
    Ok(found)
}
