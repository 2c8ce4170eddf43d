//! base64url without padding ([RFC 4648 §5](https://www.rfc-editor.org/rfc/rfc4648#section-5)),
//! as PKCE needs it ([RFC 7636 Appendix A](https://www.rfc-editor.org/rfc/rfc7636#appendix-A)).
//!
//! Only the encoder: the SDK never decodes base64. Hand-written rather than the `base64` crate,
//! whose engine and configuration types cost ~0.5 KB (gzip) of the wasm (design/size.md); the
//! crate stays as the test oracle.

use crate::prelude::*;

/// The URL- and filename-safe alphabet (RFC 4648 Table 2).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` in base64url without `=` padding
/// ([RFC 4648 §5](https://www.rfc-editor.org/rfc/rfc4648#section-5), padding omitted as §3.2
/// allows and RFC 7636 Appendix A requires).
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 4).div_ceil(3));
    for group in bytes.chunks(3) {
        // A short final group is zero-filled; only the characters its bits reach are written.
        let b = [group[0], *group.get(1).unwrap_or(&0), *group.get(2).unwrap_or(&0)];
        let bits = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=group.len() {
            out.push(char::from(ALPHABET[((bits >> (18 - 6 * i)) & 0x3f) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::XorShift;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    #[test]
    fn rfc4648_section_10_vectors_unpadded() {
        for (input, output) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(input.as_bytes()), output, "{input}");
        }
    }

    #[test]
    fn uses_the_url_alphabet() {
        // 0xfb 0xff → "+/8" in standard base64: '-' and '_' in base64url (RFC 4648 §5).
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(encode(&[0xff; 6]), "________");
        assert_eq!(encode(&[0x00; 3]), "AAAA");
    }

    #[test]
    fn agrees_with_the_base64_crate() {
        let mut random = XorShift(7);
        for i in 0..200 {
            let len = if i < 100 { i } else { random.below(1_000) };
            let data = random.bytes(len);
            assert_eq!(encode(&data), URL_SAFE_NO_PAD.encode(&data), "length {len}");
        }
    }
}
