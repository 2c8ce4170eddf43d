//! JSON text ([RFC 8259](https://www.rfc-editor.org/rfc/rfc8259)) read and written by the core
//! itself, so that the core can trade JSON text with a thin driver (and storage, and the backend)
//! without the platform's `JSON`.
//!
//! Numbers stay text ([`Number`]): converting them to and from `f64` would pull `core`'s float
//! parsing and formatting (~15 KB) into the wasm, and the SDK only ever needs integers and the
//! backend's `expiresIn` seconds, which are read exactly from the text.

use crate::error::decimal;
use crate::prelude::*;

/// How deeply arrays and objects may nest in [`Json::parse`]: a hostile backend or storage
/// record must not overflow the wasm stack (RFC 8259 §9 lets a parser limit nesting).
pub(crate) const MAX_DEPTH: usize = 128;

/// A JSON number ([RFC 8259 §6](https://www.rfc-editor.org/rfc/rfc8259#section-6)), kept as the
/// exact text of its literal; always valid number grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(String);

impl Number {
    /// The literal of `n` (`-12`).
    pub fn from_i64(n: i64) -> Number {
        Number(decimal(n))
    }

    /// `text` as a number, when the whole of it is one JSON number literal
    /// ([RFC 8259 §6](https://www.rfc-editor.org/rfc/rfc8259#section-6): no leading zeros, no
    /// `+`, no `.5` or `5.`, no `NaN`/`Infinity`).
    pub fn parse(text: &str) -> Option<Number> {
        (scan_number(text.as_bytes(), 0)? == text.len()).then(|| Number(text.to_owned()))
    }

    /// The literal's text, as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value of an integer literal (no fraction, no exponent) that fits an `i64`; `-0` is 0.
    pub fn as_i64(&self) -> Option<i64> {
        if self.0.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            return None;
        }
        self.truncated(0).map(|(n, _)| n)
    }

    /// The number read as seconds, in whole milliseconds (anything below 1 ms is cut off):
    /// `7199.5` → 7 199 500. `None` for an exponent, a negative number or an `i64` overflow.
    /// This is how the backend's `expiresIn` is read without float parsing.
    pub fn millis_from_seconds(&self) -> Option<i64> {
        let bytes = self.0.as_bytes();
        if bytes.iter().any(|b| matches!(b, b'e' | b'E')) {
            return None;
        }
        // `-0` and `-0.0` are zero, not negative (JavaScript's `-0 >= 0` holds too).
        if bytes[0] == b'-' && bytes.iter().any(|b| matches!(b, b'1'..=b'9')) {
            return None;
        }
        self.truncated(3).map(|(ms, _)| ms)
    }

    /// The value × 10^`scale`, truncated toward zero, and whether nothing non-zero was cut off;
    /// `None` when it does not fit an `i64`. Exact for every literal: no float is involved.
    pub(crate) fn truncated(&self, scale: i64) -> Option<(i64, bool)> {
        let text = self.0.as_bytes();
        let negative = text[0] == b'-';
        let unsigned = &text[usize::from(negative)..];
        let (mantissa, exponent) = match unsigned.iter().position(|b| matches!(b, b'e' | b'E')) {
            Some(e) => (&unsigned[..e], &unsigned[e + 1..]),
            None => (unsigned, &[][..]),
        };
        let (whole, fraction) = match mantissa.iter().position(|&b| b == b'.') {
            Some(dot) => (&mantissa[..dot], &mantissa[dot + 1..]),
            None => (mantissa, &[][..]),
        };
        // Saturating: an exponent of a thousand digits is as good as infinite here.
        let mut exp: i64 = 0;
        for &b in exponent.iter().filter(|b| b.is_ascii_digit()) {
            exp = exp.saturating_mul(10).saturating_add(i64::from(b - b'0'));
        }
        if exponent.first() == Some(&b'-') {
            exp = -exp;
        }
        // The digits before this position are the integer part of value × 10^scale.
        let point = (whole.len() as i64).saturating_add(exp).saturating_add(scale);
        let mut magnitude: u64 = 0;
        let mut exact = true;
        let mut position: i64 = 0;
        for &b in whole.iter().chain(fraction) {
            let digit = u64::from(b - b'0');
            if position < point {
                magnitude = magnitude.checked_mul(10)?.checked_add(digit)?;
            } else if digit != 0 {
                exact = false;
            }
            position += 1;
        }
        // Zeros implied by the exponent; a zero magnitude stays zero however many there are.
        while position < point && magnitude != 0 {
            magnitude = magnitude.checked_mul(10)?;
            position += 1;
        }
        let value = if negative { 0i64.checked_sub_unsigned(magnitude)? } else { i64::try_from(magnitude).ok()? };
        Some((value, exact))
    }
}

/// A JSON value ([RFC 8259](https://www.rfc-editor.org/rfc/rfc8259)). Objects keep member order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as its literal's text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, in member order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses JSON text strictly by [RFC 8259](https://www.rfc-editor.org/rfc/rfc8259): one value,
    /// optionally surrounded by whitespace; no comments, no trailing commas, no leading zeros, no
    /// control characters in strings. `None` when `text` is not JSON or nests arrays and objects
    /// more than 128 deep.
    ///
    /// Like JavaScript's `JSON.parse`: a `\uXXXX` escape of a surrogate pair is one character; a
    /// duplicate member name keeps the first member's place and the last member's value. A lone
    /// surrogate escape, which a Rust string cannot hold, becomes U+FFFD.
    pub fn parse(text: &str) -> Option<Json> {
        let mut parser = Parser { text, bytes: text.as_bytes(), pos: 0 };
        let value = parser.value(0)?;
        parser.skip_whitespace();
        (parser.pos == text.len()).then_some(value)
    }

    /// The value as compact JSON text, as JavaScript's `JSON.stringify` writes it: no whitespace;
    /// in strings `"`, `\` and the control characters escaped (`\b \f \n \r \t`, else `\u00xx`),
    /// everything else as UTF-8. Numbers are written as their literal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Appends [`Json::to_text`] to `out`.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(true) => out.push_str("true"),
            Json::Bool(false) => out.push_str("false"),
            Json::Number(n) => out.push_str(n.as_str()),
            Json::String(s) => write_string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The member `key` of an object (its last occurrence, as in JavaScript), `None` for a
    /// missing member or a non-object.
    #[inline(never)]
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Json::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The value of an integer literal that fits an `i64` ([`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// Builds an object from `(key, value)` pairs.
    pub fn object<const N: usize>(members: [(&str, Json); N]) -> Json {
        Json::Object(members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// A string value.
    pub fn string(s: &str) -> Json {
        Json::String(s.to_owned())
    }

    /// An integer value.
    pub fn integer(n: i64) -> Json {
        Json::Number(Number::from_i64(n))
    }

    /// `value` as a string, or `null`.
    pub fn optional_string(value: Option<&str>) -> Json {
        value.map_or(Json::Null, Json::string)
    }
}

/// The end of the number literal starting at `i`, if one starts there (RFC 8259 §6 grammar).
fn scan_number(bytes: &[u8], mut i: usize) -> Option<usize> {
    fn digits(bytes: &[u8], start: usize) -> Option<usize> {
        let end = start + bytes[start.min(bytes.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
        (end > start).then_some(end)
    }
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match bytes.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(bytes, i)?,
        _ => return None,
    };
    if bytes.get(i) == Some(&b'.') {
        i = digits(bytes, i + 1)?;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(bytes, i)?;
    }
    Some(i)
}

pub(crate) fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // Runs of characters that need no escape are copied whole.
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\x08' => "\\b",
            b'\x0c' => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_whitespace(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Consumes `byte` (after whitespace) if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.bytes.get(self.pos) == Some(&byte);
        self.pos += usize::from(found);
        found
    }

    fn literal(&mut self, word: &str, value: Json) -> Option<Json> {
        let found = self.bytes[self.pos..].starts_with(word.as_bytes());
        self.pos += word.len();
        found.then_some(value)
    }

    /// The value at `pos`, inside `depth` arrays and objects.
    fn value(&mut self, depth: usize) -> Option<Json> {
        self.skip_whitespace();
        match *self.bytes.get(self.pos)? {
            b'n' => self.literal("null", Json::Null),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'[' if depth < MAX_DEPTH => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Json::Array(items))
            }
            b'{' if depth < MAX_DEPTH => {
                self.pos += 1;
                let mut members: Vec<(String, Json)> = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.skip_whitespace();
                        if self.bytes.get(self.pos) != Some(&b'"') {
                            return None;
                        }
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        let value = self.value(depth + 1)?;
                        // JSON.parse: a repeated name keeps its first place and takes the new value.
                        match members.iter_mut().find(|(k, _)| *k == key) {
                            Some(member) => member.1 = value,
                            None => members.push((key, value)),
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Json::Object(members))
            }
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                self.pos = scan_number(self.bytes, start)?;
                Some(Json::Number(Number(self.text[start..self.pos].to_owned())))
            }
            _ => None,
        }
    }

    /// The string whose opening quote is at `pos`.
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = String::new();
        let mut start = self.pos;
        loop {
            match *self.bytes.get(self.pos)? {
                b'"' => {
                    out.push_str(&self.text[start..self.pos]);
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(&self.text[start..self.pos]);
                    self.pos += 1;
                    let escaped = match *self.bytes.get(self.pos)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\x08',
                        b'f' => '\x0c',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    out.push(escaped);
                    self.pos += 1;
                    start = self.pos;
                }
                0..=0x1f => return None,
                _ => self.pos += 1,
            }
        }
    }

    /// The character of the `\uXXXX` escape whose `u` is at `pos`, taking the low half of a
    /// surrogate pair from a second escape; leaves `pos` on the last hex digit.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4(self.pos + 1)?;
        self.pos += 4;
        if (0xd800..0xdc00).contains(&high) && self.bytes[self.pos + 1..].starts_with(b"\\u") {
            if let Some(low @ 0xdc00..=0xdfff) = self.hex4(self.pos + 3) {
                self.pos += 6;
                return char::from_u32(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00));
            }
        }
        // A lone surrogate (JSON.parse keeps it; a Rust string cannot).
        Some(char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    /// The four hex digits at `at`.
    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        digits.iter().try_fold(0, |n, &d| Some((n << 4) | char::from(d).to_digit(16)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::XorShift;
    use serde_json::Value;

    /// Whether our value and serde_json's are the same JSON value (numbers compared as the f64
    /// JavaScript would read; serde_json's objects are unordered maps).
    fn same(ours: &Json, theirs: &Value) -> bool {
        match (ours, theirs) {
            (Json::Null, Value::Null) => true,
            (Json::Bool(a), Value::Bool(b)) => a == b,
            (Json::Number(a), Value::Number(b)) => {
                // serde_json's default float parsing may be off by an ulp (it lacks
                // `float_roundtrip`); Rust's `parse` is exact.
                let (a, b) = (a.as_str().parse::<f64>().unwrap(), b.as_f64().unwrap());
                a == b || (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs())
            }
            (Json::String(a), Value::String(b)) => a == b,
            (Json::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
            (Json::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
            }
            _ => false,
        }
    }

    /// What serde_json rejects on purpose where JSON.parse (and so our parser) accepts: numbers
    /// beyond f64 (JSON.parse gives ±Infinity), nesting of exactly 128.
    fn known_difference(text: &str, error: &serde_json::Error) -> bool {
        let message = error.to_string();
        message.contains("number out of range") || (message.contains("recursion limit") && depth_of(text) <= MAX_DEPTH)
    }

    /// `text` with each lone surrogate escape replaced by `\ufffd`: what we read it as. (serde_json
    /// refuses lone surrogates; JSON.parse keeps them, which a Rust string cannot.) An independent
    /// scan of the escapes, written differently from the parser's on purpose.
    fn without_lone_surrogates(text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let surrogate_at = |i: usize| -> Option<u32> {
            if chars.get(i) != Some(&'\\') || chars.get(i + 1) != Some(&'u') {
                return None;
            }
            let hex: String = chars.get(i + 2..i + 6)?.iter().collect();
            u32::from_str_radix(&hex, 16)
                .ok()
                .filter(|h| hex.chars().all(|c| c.is_ascii_hexdigit()) && (0xd800..0xe000).contains(h))
        };
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '\\' && chars.get(i + 1) != Some(&'u') {
                // Any other escape: copied as a pair, so an escaped backslash never starts one.
                out.extend(chars.get(i..i + 2).unwrap_or(&chars[i..]));
                i += 2;
                continue;
            }
            match (surrogate_at(i), surrogate_at(i + 6)) {
                (Some(0xd800..=0xdbff), Some(0xdc00..=0xdfff)) => {
                    out.extend(&chars[i..i + 12]);
                    i += 12;
                }
                (Some(_), _) => {
                    out.push_str("\\ufffd");
                    i += 6;
                }
                (None, _) => {
                    out.push(chars[i]);
                    i += 1;
                }
            }
        }
        out
    }

    /// The deepest nesting of brackets outside strings (for a text serde_json parsed that far).
    fn depth_of(text: &str) -> usize {
        let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
        for c in text.chars() {
            match (in_string, c) {
                (true, _) if escaped => escaped = false,
                (true, '\\') => escaped = true,
                (true, '"') | (false, '"') => in_string = !in_string,
                (false, '[' | '{') => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                (false, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        deepest
    }

    /// Checks `text` against serde_json: same verdict, same value, and our text of the value
    /// parses back to it.
    fn check_against_serde(text: &str) {
        let ours = Json::parse(text);
        match (&ours, serde_json::from_str::<Value>(&without_lone_surrogates(text))) {
            (Some(value), Ok(theirs)) => {
                assert!(same(value, &theirs), "{text:?}: {value:?} vs {theirs:?}");
                assert_eq!(Json::parse(&value.to_text()).as_ref(), Some(value), "{text:?} round trip");
            }
            (None, Err(_)) => {}
            (Some(_), Err(error)) if known_difference(text, &error) => {}
            (ours, theirs) => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    /// JSONTestSuite-style documents: y_ must parse, n_ must not (names after nst/JSONTestSuite).
    const Y: &[&str] = &[
        "[]",
        "{}",
        "[[]   ]",
        "[\"\"]",
        "[null]",
        "[true]",
        "[false]",
        "[1,null,null,null,2]",
        "[\"a\",4,\"b\"]",
        "[-0]",
        "[-1]",
        "[-123]",
        "[0e1]",
        "[0e+1]",
        "[1E22]",
        "[1E-2]",
        "[1E+2]",
        "[123e65]",
        "[123.456e78]",
        "[1.5e+9999999999999]",
        "[-0.000000000000000000000000000000000000000000000000000000000000000000000000000000001]",
        "[100000000000000000000]",
        "[-9223372036854775808]",
        "[20.1, 0.2]",
        "[0.1e-1]",
        "{\"a\":\"b\",\"a\":\"c\"}",
        "{\"a\":\"b\",\"a\":\"b\"}",
        "{\"\":0}",
        "{\"foo\\u0000bar\": 42}",
        "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }",
        "{\"x\":[{\"id\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}], \"id\": \"x\"}",
        "[\"\\u0060\\u012a\\u12AB\"]",
        "[\"\\uD801\\udc37\"]",
        "[\"\\ud83d\\ude39\\ud83d\\udc8d\"]",
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
        "[\"\\\\u0000\"]",
        "[\"\\\"\"]",
        "[\"a/*b*/c/*d//e\"]",
        "[\"\\\\a\"]",
        "[\"\\\\n\"]",
        "[\"\\u0012\"]",
        "[\"\\uFFFF\"]",
        "[\"asd\"]",
        "[\"\\u0061\\u30af\\u30EA\\u30b9\"]",
        "[\"new\\u000Aline\"]",
        "[\"\u{7f}\"]",
        "[\"\\u0000\"]",
        "[\"\\u002c\"]",
        "[\"π\"]",
        "[\"𛿿\"]",
        "[\"\\u200B\"]",
        "[\"\\u2064\"]",
        "[\"\u{2028}\u{2029}\"]",
        "[\"\\uFDD0\"]",
        "[\"\\u005C\"]",
        "[\"⍂㈴⍂\"]",
        "[\"\\uDBFF\\uDFFF\"]",
        "[\"\u{10ffff}\"]",
        "[\"aa\\u005cbb\"]",
        " [1] ",
        "\t\n\r [\t\n\r 1 \t\n\r ] \t\n\r",
        "\"asd\"",
        "42",
        "-0.1",
        "null",
        "true",
        "false",
        "\"\"",
        "[{}]",
        "[{\"a\":[{\"b\":null}]}]",
    ];

    const N: &[&str] = &[
        "",
        " ",
        "[",
        "]",
        "{",
        "}",
        "[1 true]",
        "[a\u{e5}]",
        "[\"\": 1]",
        "[\"\"],",
        "[,1]",
        "[1,,2]",
        "[\"x\",,]",
        "[\"x\"]]",
        "[\"\",]",
        "[1,]",
        "[1,,]",
        "[\"a\",\n4\n,1,",
        "[1:2]",
        "[*]",
        "[\"\\x00\"]",
        "[\"\\a\"]",
        "[\"\\'\"]",
        "[\"\\U0041\"]",
        "[\"\\u00A\"]",
        "[\"\\uD834\\uDd\"]",
        "[\"\\uqqqq\"]",
        "[\"\\\"]",
        "[\"\\\u{1}\"]",
        "[\"\u{1}\"]",
        "[\"\t\"]",
        "[\"\n\"]",
        "[\"\u{1f}\"]",
        "[\"a",
        "[\"a\\",
        "\"",
        "'single'",
        "['single quote']",
        "abc",
        "[True]",
        "[nul]",
        "[tru]",
        "[fals]",
        "[nulll]",
        "[-]",
        "[+1]",
        "[++1234]",
        "[01]",
        "[-01]",
        "[00]",
        "[1.]",
        "[.123]",
        "[-.123]",
        "[1.e1]",
        "[1e]",
        "[1e+]",
        "[1E-]",
        "[0.e1]",
        "[1.0e]",
        "[0x1]",
        "[0x42]",
        "[Infinity]",
        "[-Infinity]",
        "[NaN]",
        "[-NaN]",
        "[1 000.0]",
        "[-1x]",
        "[1+2]",
        "[0.3e+]",
        "[2.e-3]",
        "[1ea]",
        "[1.8011670033376514H-308]",
        "[\u{ff11}]",
        "{\"a\":\"a\" 123}",
        "{\"a\" b}",
        "{key: 'value'}",
        "{\"a\":1,}",
        "{\"a\":1,,\"b\":2}",
        "{,}",
        "{\"a\"}",
        "{\"a\":}",
        "{:\"b\"}",
        "{\"a\" \"b\"}",
        "{1:1}",
        "{null:null,null:null}",
        "{\"a\":\"b\"}/**/",
        "{\"a\":\"b\"}/**//",
        "{\"a\":\"b\"}#",
        "{\"a\":\"b\"}}",
        "{\"a\":/*comment*/\"b\"}",
        "{\"a\":\"b\"}x",
        "[1]x",
        "[1]]",
        "[\"asd\"]\u{0}",
        "[1] [2]",
        "1 2",
        "\u{feff}[]",
        "[\u{a0}1]",
        "[\u{c}1]",
        "[\u{b}1]",
        "[\"\\{[\\{[\\{[\\{\"]",
        "{\"\\uDFAA\":0,}",
        "[\"a\\\u{1}b\"]",
        "nul",
        "tru",
        "fals",
        "-",
        "--1",
        "- 1",
        "1.0.0",
        "[][]",
        "{}{}",
        "[\"\"\"]",
    ];

    #[test]
    fn y_documents_parse_like_serde_json() {
        for text in Y {
            assert!(Json::parse(text).is_some(), "must accept {text:?}");
            check_against_serde(text);
        }
    }

    #[test]
    fn n_documents_are_rejected_like_serde_json() {
        for text in N {
            assert_eq!(Json::parse(text), None, "must reject {text:?}");
            assert!(serde_json::from_str::<Value>(text).is_err(), "serde_json accepts {text:?}");
        }
    }

    #[test]
    fn random_mutations_get_serde_jsons_verdict_and_value() {
        let pieces = [
            "[", "]", "{", "}", ",", ":", "\"", "\\", "\\u", "d83d", "DE00", "dc00", "0", "1", "9", "-", "+", ".", "e",
            "E", "true", "null", "f", " ", "\n", "\t", "\u{1}", "a", "é", "😀", "/", "x", "'", "U",
        ];
        let mut random = XorShift(0x5eed);
        let corpus: Vec<&str> = Y.iter().chain(N).copied().collect();
        for _ in 0..20_000 {
            let mut text: Vec<char> = random.pick(&corpus).chars().collect();
            for _ in 0..1 + random.below(3) {
                let at = random.below(text.len() + 1);
                match random.below(3) {
                    0 if at < text.len() => {
                        text.remove(at);
                    }
                    1 if at < text.len() => text[at] = random.pick(&pieces).chars().next().unwrap_or(' '),
                    _ => text.splice(at..at, random.pick(&pieces).chars()).for_each(drop),
                }
            }
            check_against_serde(&text.into_iter().collect::<String>());
        }
    }

    #[test]
    fn duplicate_names_behave_like_json_parse() {
        // JSON.parse('{"a":1,"b":2,"a":3}') is {a: 3, b: 2}; JSON.stringify gives '{"a":3,"b":2}'.
        let value = Json::parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(value.get("a").and_then(Json::as_i64), Some(3));
        assert_eq!(value.to_text(), r#"{"a":3,"b":2}"#);
        // A hand-built object with a repeated name also reads the last one.
        let built = Json::Object(vec![("a".into(), Json::integer(1)), ("a".into(), Json::integer(2))]);
        assert_eq!(built.get("a").and_then(Json::as_i64), Some(2));
    }

    #[test]
    fn escapes_decode_like_json_parse() {
        let text = |json: &str| Json::parse(json).and_then(|v| v.as_str().map(str::to_owned));
        assert_eq!(text(r#""\ud83d\ude00 \u00e9\u002F\/""#).as_deref(), Some("😀 é//"));
        // Lone surrogates: U+FFFD, and what follows them is kept.
        assert_eq!(text(r#""\ud800""#).as_deref(), Some("\u{fffd}"));
        assert_eq!(text(r#""\udc00x""#).as_deref(), Some("\u{fffd}x"));
        assert_eq!(text(r#""\ud800\u0041""#).as_deref(), Some("\u{fffd}A"));
        assert_eq!(text(r#""\ud800\ud800\udc00""#).as_deref(), Some("\u{fffd}\u{10000}"));
        assert_eq!(text(r#""\ud800\n""#).as_deref(), Some("\u{fffd}\n"));
        assert_eq!(text(r#""\ud800\u""#), None);
    }

    #[test]
    fn nesting_is_limited_to_128() {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let inner = if open == "[" { "" } else { "0" };
            let at = |depth: usize| open.repeat(depth) + inner + &close.repeat(depth);
            assert!(Json::parse(&at(MAX_DEPTH)).is_some(), "{open} × 128");
            assert_eq!(Json::parse(&at(MAX_DEPTH + 1)), None, "{open} × 129");
            // serde_json stops one level earlier; below that the two agree.
            assert!(serde_json::from_str::<Value>(&at(MAX_DEPTH - 1)).is_ok());
            assert!(serde_json::from_str::<Value>(&at(MAX_DEPTH)).is_err());
            check_against_serde(&at(MAX_DEPTH - 1));
            check_against_serde(&at(MAX_DEPTH + 1));
        }
        // Far deeper input is refused without exhausting the stack.
        assert_eq!(Json::parse(&"[".repeat(1_000_000)), None);
        assert_eq!(Json::parse(&("{\"a\":".repeat(100_000) + "1" + &"}".repeat(100_000))), None);
    }

    #[test]
    fn writes_what_json_stringify_writes() {
        let value = Json::parse(r#"{"b":1,"a":[true,null,"x",{"n":-2.5e3}],"name":"张三"}"#).unwrap();
        assert_eq!(value.to_text(), r#"{"b":1,"a":[true,null,"x",{"n":-2.5e3}],"name":"张三"}"#);
        // JSON.stringify("\"\\/\b\f\n\r\t\u0001\u001f\u007f\u2028😀")
        let s = Json::string("\"\\/\x08\x0c\n\r\t\u{1}\u{1f}\u{7f}\u{2028}😀");
        assert_eq!(s.to_text(), "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}\u{2028}😀\"");
        assert_eq!(Json::parse(" [ ] ").unwrap().to_text(), "[]");
        assert_eq!(Json::parse("{ }").unwrap().to_text(), "{}");
    }

    #[test]
    fn strings_are_escaped_like_serde_json_which_escapes_like_json_stringify() {
        let mut random = XorShift(3);
        let mut strings: Vec<String> = vec![(0..0x80u8).map(char::from).collect()];
        for _ in 0..2_000 {
            let len = random.below(10);
            strings.push(
                (0..len)
                    .map(|_| *random.pick(&['a', '"', '\\', '\u{0}', '\u{1f}', '\n', '\u{7f}', 'é', '😀', '\u{2029}']))
                    .collect(),
            );
        }
        for s in strings {
            let json = Json::String(s.clone());
            assert_eq!(json.to_text(), serde_json::to_string(&s).unwrap(), "{s:?}");
            assert_eq!(Json::parse(&json.to_text()), Some(json));
        }
    }

    #[test]
    fn random_values_round_trip_through_text() {
        fn random_value(random: &mut XorShift, depth: usize) -> Json {
            match random.below(if depth > 4 { 4 } else { 6 }) {
                0 => Json::Null,
                1 => Json::Bool(random.below(2) == 1),
                2 => {
                    let literals = ["0", "-0", "1", "-12", "3.25", "1e9", "-4.5E-7", "9007199254740993"];
                    let literal = literals[random.below(literals.len())];
                    Json::Number(Number::parse(literal).unwrap())
                }
                3 => Json::String(
                    (0..random.below(6)).map(|_| *random.pick(&['x', '"', '\\', '\u{8}', 'é', '😀'])).collect(),
                ),
                4 => Json::Array((0..random.below(4)).map(|_| random_value(random, depth + 1)).collect()),
                _ => {
                    let mut members: Vec<(String, Json)> = Vec::new();
                    for _ in 0..random.below(4) {
                        let key = random.pick(&["a", "b", "", "\"k\"", "张"]).to_string();
                        if !members.iter().any(|(k, _)| *k == key) {
                            members.push((key, random_value(random, depth + 1)));
                        }
                    }
                    Json::Object(members)
                }
            }
        }
        let mut random = XorShift(11);
        for _ in 0..2_000 {
            let value = random_value(&mut random, 0);
            let text = value.to_text();
            assert_eq!(Json::parse(&text).as_ref(), Some(&value), "{text}");
            assert!(same(&value, &serde_json::from_str(&text).unwrap()), "{text}");
        }
    }

    #[test]
    fn number_literals_are_checked_and_kept_verbatim() {
        for valid in ["0", "-0", "12", "-3.25", "1e5", "1E+5", "2.5e-3", "100000000000000000000000"] {
            assert_eq!(Number::parse(valid).map(|n| n.as_str().to_owned()).as_deref(), Some(valid));
        }
        for invalid in ["", "-", "01", "+1", ".5", "5.", "1e", "1 ", " 1", "NaN", "Infinity", "0x1", "1_000"] {
            assert_eq!(Number::parse(invalid), None, "{invalid:?}");
        }
        assert_eq!(Number::from_i64(-42).as_str(), "-42");
        assert_eq!(Number::from_i64(i64::MIN).as_str(), "-9223372036854775808");
    }

    #[test]
    fn as_i64_reads_integer_literals_in_range_only() {
        let n = |text: &str| Number::parse(text).unwrap().as_i64();
        assert_eq!(n("20049"), Some(20049));
        assert_eq!(n("-0"), Some(0));
        assert_eq!(n("-7"), Some(-7));
        assert_eq!(n("9223372036854775807"), Some(i64::MAX));
        assert_eq!(n("-9223372036854775808"), Some(i64::MIN));
        for not_integer in ["9223372036854775808", "-9223372036854775809", "1.5", "1.0", "1e2", "1E2", "0e0"] {
            assert_eq!(n(not_integer), None, "{not_integer}");
        }
        assert_eq!(Json::string("1").as_i64(), None);
        let mut random = XorShift(5);
        for _ in 0..1_000 {
            let v = random.next() as i64 >> random.below(64);
            assert_eq!(Number::from_i64(v).as_i64(), Some(v));
        }
    }

    #[test]
    fn millis_from_seconds_is_exact_without_floats() {
        let ms = |text: &str| Number::parse(text).unwrap().millis_from_seconds();
        for (text, expected) in [
            ("7200", Some(7_200_000)),
            ("7199.5", Some(7_199_500)),
            ("0.0015", Some(1)),
            ("0.0009", Some(0)),
            ("1.23456789", Some(1_234)),
            ("0", Some(0)),
            ("-0", Some(0)),
            ("-0.000", Some(0)),
            ("9223372036854775.807", Some(i64::MAX)),
            ("9223372036854775.808", None),
            ("9223372036854776", None),
            ("100000000000000000000000", None),
            ("-1", None),
            ("-0.5", None),
            ("-0.0001", None),
            ("1e3", None),
            ("1E3", None),
            ("0e0", None),
        ] {
            assert_eq!(ms(text), expected, "{text}");
        }
        // Any whole number of ms, written as seconds with extra fraction digits, reads back.
        let mut random = XorShift(17);
        for _ in 0..2_000 {
            let millis = (random.next() >> (1 + random.below(63))) as i64;
            let (seconds, rest) = (millis / 1000, millis % 1000);
            let extra: String = (0..random.below(4)).map(|_| char::from(b'0' + random.below(10) as u8)).collect();
            let text = decimal(seconds) + "." + &decimal(1000 + rest)[1..] + &extra;
            assert_eq!(ms(&text), Some(millis), "{text}");
        }
    }

    #[test]
    fn truncated_handles_exponents_exactly() {
        let t = |text: &str, scale: i64| Number::parse(text).unwrap().truncated(scale);
        assert_eq!(t("1e3", 0), Some((1000, true)));
        assert_eq!(t("1.5", 0), Some((1, false)));
        assert_eq!(t("-1.5", 0), Some((-1, false)));
        assert_eq!(t("2.0", 0), Some((2, true)));
        assert_eq!(t("25e-1", 0), Some((2, false)));
        assert_eq!(t("0.25e1", 1), Some((25, true)));
        assert_eq!(t("1e-999999999999999999999", 0), Some((0, false)));
        assert_eq!(t("0e999999999999999999999", 0), Some((0, true)));
        assert_eq!(t("1e999999999999999999999", 0), None);
        assert_eq!(t("1e+21", 0), None);
        assert_eq!(t("2147483647.5", 0), Some((2_147_483_647, false)));
        assert_eq!(t("0.00001e5", 0), Some((1, true)));
    }
}
