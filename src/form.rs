//! `application/x-www-form-urlencoded`
//! ([WHATWG URL standard §5](https://url.spec.whatwg.org/#application/x-www-form-urlencoded)):
//! how browsers read a query string, and the byte serializer for writing one.
//!
//! Hand-written rather than the `form_urlencoded` crate, which cost ~1.2 KB (gzip) of the wasm
//! (design/size.md); the crate stays as the test oracle.

use crate::prelude::*;

/// The name-value pairs of `input`
/// ([WHATWG URL §5.1](https://url.spec.whatwg.org/#concept-urlencoded-parser)): split on `&`,
/// empty sequences skipped, each split at its first `=` (a missing `=` gives an empty value),
/// `+` read as a space, percent-decoded, and decoded as UTF-8 with U+FFFD for invalid bytes.
pub(crate) fn parse(input: &str) -> impl Iterator<Item = (String, String)> + '_ {
    input.split('&').filter(|sequence| !sequence.is_empty()).map(|sequence| {
        let (name, value) = sequence.split_once('=').unwrap_or((sequence, ""));
        (decode(name), decode(value))
    })
}

/// `+` → space, then percent-decoding ([WHATWG URL §1.3](https://url.spec.whatwg.org/#percent-decode)):
/// a `%` not followed by two hex digits stays as it is.
fn decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = match bytes[i] {
            b'+' => b' ',
            b'%' => match (bytes.get(i + 1).and_then(hex_value), bytes.get(i + 2).and_then(hex_value)) {
                (Some(high), Some(low)) => {
                    i += 2;
                    (high << 4) | low
                }
                _ => b'%',
            },
            other => other,
        };
        out.push(byte);
        i += 1;
    }
    // "UTF-8 decode without BOM": invalid sequences become U+FFFD, a BOM is kept.
    match String::from_utf8(out) {
        Ok(text) => text,
        Err(invalid) => String::from_utf8_lossy(&invalid.into_bytes()).into_owned(),
    }
}

fn hex_value(digit: &u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The `application/x-www-form-urlencoded` byte serializer
/// ([WHATWG URL §5.2](https://url.spec.whatwg.org/#concept-urlencoded-byte-serializer)) with
/// `space` written for 0x20: `"+"` is the standard's serializer; `"%20"` suits readers that do not
/// take `+` for a space. Everything but `*-._`, digits and ASCII letters is percent-encoded with
/// uppercase hex.
pub(crate) fn serialize(input: &str, space: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &byte in input.as_bytes() {
        match byte {
            b' ' => out += space,
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => out.push(char::from(byte)),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::XorShift;

    fn oracle(input: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(input.as_bytes()).map(|(n, v)| (n.into_owned(), v.into_owned())).collect()
    }

    fn ours(input: &str) -> Vec<(String, String)> {
        parse(input).collect()
    }

    #[test]
    fn parses_like_the_standard() {
        let pairs =
            |list: &[(&str, &str)]| list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect::<Vec<_>>();
        assert_eq!(ours("a=1&b=x+y%20z&c"), pairs(&[("a", "1"), ("b", "x y z"), ("c", "")]));
        assert_eq!(ours("&&a==b=&"), pairs(&[("a", "=b=")]));
        assert_eq!(ours("%zz=%4&%C3"), pairs(&[("%zz", "%4"), ("\u{fffd}", "")]));
        assert_eq!(ours("n=%E5%BC%A0%E4%B8%89&raw=张三"), pairs(&[("n", "张三"), ("raw", "张三")]));
        assert_eq!(ours("%2B=%2b+"), pairs(&[("+", "+ ")]));
        assert_eq!(ours(""), pairs(&[]));
    }

    #[test]
    fn agrees_with_form_urlencoded_on_edge_cases() {
        for input in [
            "",
            "&",
            "&&&",
            "=",
            "==",
            "a",
            "a=",
            "=a",
            "a=b=c",
            "a+b=c+d",
            "+=+",
            "%",
            "%%",
            "%2",
            "%zz",
            "%2g",
            "%g2",
            "%41%42",
            "%c3%a9",
            "%2f%2F%3a%3A%7e",
            "%fF%Ff%ff",
            "%bd%DB%0d%d0",
            "%C3",
            "%C3=%A9",
            "x=%C3%28",
            "x=%FF%FE%FD",
            "x=%ED%A0%80",
            "x=%F0%9F%98",
            "x=%F0%9F%98%80",
            "x=%EF%BB%BFbom",
            "x=%00",
            "é=ü&张=三",
            "a=1&a=2&a",
            "code=abc&state=s%3D&error=access_denied",
            "%26=%3D&%25=%2B",
        ] {
            assert_eq!(ours(input), oracle(input), "{input:?}");
        }
    }

    #[test]
    fn agrees_with_form_urlencoded_on_random_inputs() {
        // Every hex digit of either case, '%', the separators and multi-byte characters.
        let alphabet = [
            "b", "d", "f", "A", "D", "a", "Z", "0", "=", "&", "+", "%", "2", "B", "c", "3", "F", "e", "9", " ", "é",
            "张", "%C3", "%A9", "%FF", "%2",
        ];
        let mut random = XorShift(2024);
        for _ in 0..5_000 {
            let len = random.below(16);
            let input: String = (0..len).map(|_| alphabet[random.below(alphabet.len())]).collect();
            assert_eq!(ours(&input), oracle(&input), "{input:?}");
        }
    }

    #[test]
    fn serializes_like_form_urlencoded() {
        let mut inputs: Vec<String> =
            ["", " ", "a b+c&d=e#f/é", "*-._~!'()", "%", "\u{0}\u{7f}\u{80}", "张三 😀"].map(String::from).to_vec();
        // Every code point up to U+00FF, then random strings of ASCII and multi-byte characters.
        inputs.push((0..=255u8).map(char::from).collect());
        let mut random = XorShift(99);
        for _ in 0..1_000 {
            let len = random.below(12);
            inputs.push((0..len).map(|_| ['a', '~', ' ', '+', '%', '/', 'é', '张', '😀'][random.below(9)]).collect());
        }
        for input in inputs {
            let expected: String = form_urlencoded::byte_serialize(input.as_bytes()).collect();
            assert_eq!(serialize(&input, "+"), expected, "{input:?}");
            assert_eq!(serialize(&input, "%20"), expected.replace('+', "%20"), "{input:?}");
        }
    }
}
