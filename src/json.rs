//! A minimal JSON value, the currency between the core and the platform's JSON engine.
//!
//! The shipped wasm must not carry a JSON parser (the browser has `JSON.parse`), so the core
//! reads and writes [`Json`] values and the platform turns them into text: `JSON.parse` /
//! `JSON.stringify` and a walk over the JS value in the browser (`web/json.rs`), serde_json in
//! native tests. (serde-wasm-bindgen did the walk at first; its error paths pulled `core::fmt`'s
//! float formatting into the wasm, see CHANGELOG.)

use crate::prelude::*;
/// A JSON value ([RFC 8259](https://www.rfc-editor.org/rfc/rfc8259)). Objects keep member order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number (JSON numbers are doubles in the browser).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, in member order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object, `None` for a missing member or a non-object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
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

    /// The number, if this is a finite one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) if n.is_finite() => Some(*n),
            _ => None,
        }
    }

    /// The number as an integer, if it is a whole finite number that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        let n = self.as_f64()?;
        (is_whole(n) && n.abs() < 9.007_199_254_740_992e15).then_some(n as i64)
    }

    /// Builds an object from `(key, value)` pairs.
    pub fn object<const N: usize>(members: [(&str, Json); N]) -> Json {
        Json::Object(members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// A string value.
    pub fn string(s: &str) -> Json {
        Json::String(s.to_owned())
    }

    /// `value` as a string, or `null`.
    pub fn optional_string(value: Option<&str>) -> Json {
        value.map_or(Json::Null, Json::string)
    }

    /// `value` as a number, or `null`.
    pub fn optional_number(value: Option<f64>) -> Json {
        value.map_or(Json::Null, Json::Number)
    }
}

/// Whether `n` is a finite whole number (`f64::fract` is not in `core`).
pub(crate) fn is_whole(n: f64) -> bool {
    n.is_finite() && (n as i64) as f64 == n
}

/// Turns JSON text into [`Json`] and back; implemented by the platform.
pub trait JsonCodec {
    /// Parses `text`; `None` when it is not JSON.
    fn parse(&self, text: &str) -> Option<Json>;
    /// Serializes `value` as compact JSON text.
    fn stringify(&self, value: &Json) -> String;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

    impl Serialize for Json {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Json::Null => serializer.serialize_unit(),
                Json::Bool(b) => serializer.serialize_bool(*b),
                Json::Number(n) => serializer.serialize_f64(*n),
                Json::String(s) => serializer.serialize_str(s),
                Json::Array(items) => {
                    let mut seq = serializer.serialize_seq(Some(items.len()))?;
                    for item in items {
                        seq.serialize_element(item)?;
                    }
                    seq.end()
                }
                Json::Object(members) => {
                    let mut map = serializer.serialize_map(Some(members.len()))?;
                    for (k, v) in members {
                        map.serialize_entry(k, v)?;
                    }
                    map.end()
                }
            }
        }
    }

    impl<'de> Deserialize<'de> for Json {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
            deserializer.deserialize_any(JsonVisitor)
        }
    }

    struct JsonVisitor;

    impl<'de> Visitor<'de> for JsonVisitor {
        type Value = Json;

        fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
            Ok(Json::Null)
        }
        fn visit_none<E: de::Error>(self) -> Result<Json, E> {
            Ok(Json::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
            Json::deserialize(d)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
            Ok(Json::Bool(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
            Ok(Json::Number(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
            Ok(Json::Number(v as f64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
            Ok(Json::Number(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
            Ok(Json::String(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
            Ok(Json::String(v))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(Json::Array(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
            let mut members = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Json>()? {
                members.push((k, v));
            }
            Ok(Json::Object(members))
        }
    }

    /// The native JSON engine the core's unit tests use in place of the browser's.
    pub(crate) struct SerdeJsonCodec;

    impl JsonCodec for SerdeJsonCodec {
        fn parse(&self, text: &str) -> Option<Json> {
            serde_json::from_str(text).ok()
        }
        fn stringify(&self, value: &Json) -> String {
            serde_json::to_string(value).expect("Json always serializes")
        }
    }

    #[test]
    fn round_trips_nested_values_in_order() {
        let text = r#"{"b":1,"a":[true,null,"x",{"n":-2.5}],"name":"张三"}"#;
        let value = SerdeJsonCodec.parse(text).unwrap();
        assert_eq!(value.get("b").and_then(Json::as_i64), Some(1));
        assert_eq!(value.get("name").and_then(Json::as_str), Some("张三"));
        assert_eq!(SerdeJsonCodec.stringify(&value), r#"{"b":1.0,"a":[true,null,"x",{"n":-2.5}],"name":"张三"}"#);
    }

    #[test]
    fn as_i64_rejects_fractions_and_huge_numbers() {
        assert_eq!(Json::Number(20049.0).as_i64(), Some(20049));
        assert_eq!(Json::Number(1.5).as_i64(), None);
        assert_eq!(Json::Number(1e300).as_i64(), None);
        assert_eq!(Json::Number(f64::NAN).as_f64(), None);
        assert_eq!(Json::string("1").as_i64(), None);
    }
}
