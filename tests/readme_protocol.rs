//! The README's lists of events and effects ("How it works", in both languages) name exactly the
//! variants of the engine's `Event`, `WindowEvent`, `Effect` and `WindowEffect`
//! (`src/engine/protocol.rs`), in order.

use std::fs::read_to_string;

/// The variants of `pub enum <name>` in Rust source: the lines indented by four spaces that start
/// with a capital letter.
fn variants(source: &str, name: &str) -> Vec<String> {
    let start = source.find(&format!("pub enum {name} {{")).unwrap_or_else(|| panic!("enum {name}"));
    let body = &source[start..];
    let end = body.find("\n}").expect("the enum ends");
    body[..end]
        .lines()
        .skip(1)
        .filter_map(|line| line.strip_prefix("    "))
        .filter(|line| line.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|line| line.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap().to_owned())
        .collect()
}

/// The names of the README table rows that start with `` | `<name>:: ``.
fn documented(readme: &str, name: &str) -> Vec<String> {
    let prefix = format!("| `{name}::");
    readme
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .map(|rest| rest.split('`').next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_readme_lists_every_event_and_effect_of_the_protocol() {
    let root = env!("CARGO_MANIFEST_DIR");
    let protocol = read_to_string(format!("{root}/src/engine/protocol.rs")).unwrap();
    for readme in ["README.md", "README.zh-CN.md"] {
        let text = read_to_string(format!("{root}/{readme}")).unwrap();
        for name in ["Event", "WindowEvent", "Effect", "WindowEffect"] {
            let code = variants(&protocol, name);
            assert!(code.len() >= 5, "{name}: {code:?}");
            assert_eq!(documented(&text, name), code, "{readme}: the rows of {name} (in the enum's order)");
        }
    }
}
