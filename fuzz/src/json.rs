//! The core's JSON text (`Json::parse`, `Json::to_text`) held against serde_json (with
//! `preserve_order` and `arbitrary_precision`: member order and number literals as written).

use feishu_login::{Json, Number};
use serde_json::Value;

/// How deeply `Json::parse` lets arrays and objects nest (the SDK's `MAX_DEPTH`).
const MAX_DEPTH: usize = 128;

/// serde_json's value as the SDK's: numbers as their literal, members in order.
fn from_serde(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Number(Number::parse(&n.to_string()).expect("serde_json's literal is JSON")),
        Value::String(s) => Json::String(s.clone()),
        Value::Array(items) => Json::Array(items.iter().map(from_serde).collect()),
        Value::Object(members) => Json::Object(members.iter().map(|(k, v)| (k.clone(), from_serde(v))).collect()),
    }
}

/// `value` with each exponent written `e+5`/`e-5` (serde_json's `arbitrary_precision` rewrites
/// `1E5` as `1e+5`; the literal is otherwise kept).
fn exponents_normalized(value: &Json) -> Json {
    match value {
        Json::Number(n) => {
            let text = n.as_str().replace('E', "e");
            let text = match text.split_once('e') {
                Some((m, e)) if !e.starts_with(['+', '-']) => format!("{m}e+{e}"),
                _ => text,
            };
            Json::Number(Number::parse(&text).expect("still a literal"))
        }
        Json::Array(items) => Json::Array(items.iter().map(exponents_normalized).collect()),
        Json::Object(members) => {
            Json::Object(members.iter().map(|(k, v)| (k.clone(), exponents_normalized(v))).collect())
        }
        other => other.clone(),
    }
}

/// How deeply arrays and objects nest in `value` (a scalar is 0).
fn depth(value: &Json) -> usize {
    match value {
        Json::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Json::Object(members) => 1 + members.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

/// How deeply arrays and objects nest in `text` as written: a member whose name repeats counts too,
/// although the parsed value keeps only the last one (`{"a":[[…]],"a":1}` is as deep as its
/// brackets for serde_json's recursion limit).
fn text_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for c in text.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (true, false, _) => {}
            (false, _, '"') => in_string = true,
            (false, _, '[' | '{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// `text` with each lone surrogate escape (`\ud800` alone) written `\ufffd`: what the SDK reads it
/// as (`JSON.parse` keeps it, which a Rust string cannot; serde_json refuses it).
fn lone_surrogates_replaced(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |at: usize| text.get(at..at + 4).filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
    let code = |at: usize| hex(at).and_then(|h| u32::from_str_radix(h, 16).ok());
    let (mut out, mut copied, mut i) = (String::new(), 0, 0);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'u') {
            match code(i + 2) {
                Some(0xd800..=0xdbff)
                    if bytes.get(i + 6..i + 8) == Some(b"\\u") && matches!(code(i + 8), Some(0xdc00..=0xdfff)) =>
                {
                    i += 12;
                    continue;
                }
                Some(0xd800..=0xdfff) => {
                    out.push_str(&text[copied..i]);
                    out.push_str("\\ufffd");
                    i += 6;
                    copied = i;
                    continue;
                }
                _ => {}
            }
        }
        i += 2; // any other escape, so that `\\` never starts one
    }
    out + &text[copied..]
}

/// `text` read by the SDK and by serde_json: the same verdict (but for what serde_json refuses
/// on purpose and `JSON.parse` takes: lone surrogate escapes, nesting of exactly 128), the same
/// value (order and literals included), the same text written back (JSON.stringify's), and
/// `parse(to_text(v)) == v`.
pub fn check_text(text: &str) -> Option<Json> {
    let ours = Json::parse(text);
    match (&ours, serde_json::from_str::<Value>(&lone_surrogates_replaced(text))) {
        (Some(value), Ok(theirs)) => {
            let normalized = exponents_normalized(value);
            assert_eq!(normalized, exponents_normalized(&from_serde(&theirs)), "the value of {text:?}");
            let theirs = serde_json::to_string(&theirs).unwrap();
            assert_eq!(
                normalized.to_text(),
                exponents_normalized(&Json::parse(&theirs).unwrap_or_else(|| panic!("serde_json wrote {theirs:?}")))
                    .to_text(),
                "{text:?}"
            );
            let written = value.to_text();
            assert_eq!(Json::parse(&written).as_ref(), Some(value), "round trip of {text:?}");
        }
        (None, Err(_)) => {}
        // The nesting as written, not the value's: a repeated member name keeps only its last
        // value, which may be shallower than the one serde_json had to descend into.
        (Some(_), Err(e)) if e.to_string().contains("recursion limit") => {
            assert_eq!(text_depth(text), MAX_DEPTH, "{text:?}: serde_json's {e}");
        }
        (None, Ok(theirs)) => {
            assert!(text_depth(text) > MAX_DEPTH, "the SDK refuses {text:?}, serde_json reads {theirs}")
        }
        (Some(value), Err(e)) => panic!("the SDK reads {text:?} as {value:?}, serde_json refuses it: {e}"),
    }
    ours
}

/// `value` with the members of each object merged as `JSON.parse` merges duplicate names: the
/// first member's place, the last member's value.
fn merged(value: &Json) -> Json {
    match value {
        Json::Array(items) => Json::Array(items.iter().map(merged).collect()),
        Json::Object(members) => {
            let mut out: Vec<(String, Json)> = Vec::new();
            for (k, v) in members {
                match out.iter_mut().find(|(name, _)| name == k) {
                    Some(slot) => slot.1 = merged(v),
                    None => out.push((k.clone(), merged(v))),
                }
            }
            Json::Object(out)
        }
        other => other.clone(),
    }
}

/// Any value (of nesting up to 128) written by `to_text` reads back as itself, duplicate member
/// names merged; serde_json reads the same text the same way.
pub fn check_value(value: &Json) {
    if depth(value) > MAX_DEPTH {
        return;
    }
    let text = value.to_text();
    assert_eq!(Json::parse(&text), Some(merged(value)), "round trip of {text:?}");
    check_text(&text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_serde_json() {
        for text in [
            r#"{"b":1,"a":[true,null,"x",{"n":-2.5e3}],"name":"张三","a":-0}"#,
            r#" [1E400, -1e-400, 0.0, 1e+5, 123456789012345678901234567890] "#,
            r#""\ud83d\ude00\u0000\"\\\/\b\f\n\r\t\u001f\u007f\u2028""#,
            r#""\ud800""#,
            "[01]",
            "[1.]",
            "[\"\t\"]",
            "{\"a\":1,}",
            "\u{feff}[]",
            "",
        ] {
            check_text(text);
        }
        for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1] {
            check_text(&("[".repeat(depth) + &"]".repeat(depth)));
            // A repeated name whose first value is the deep one: the value is shallower than the
            // text (the fuzzer found this; the check compared the value's depth).
            let deep = String::from(r#"{"a":"#) + &"[".repeat(depth - 1) + &"]".repeat(depth - 1) + r#","a":1}"#;
            check_text(&deep);
        }
        assert_eq!(text_depth(r#"{"[":["]"]}"#), 2);
        let value = Json::parse(r#"{"a":1,"b":{"c":[2,{"c":3,"c":4}]},"a":5}"#).unwrap();
        assert_eq!(value.to_text(), r#"{"a":5,"b":{"c":[2,{"c":4}]}}"#);
        check_value(&Json::Object(vec![("a".into(), Json::integer(1)), ("a".into(), Json::Null)]));
    }
}

