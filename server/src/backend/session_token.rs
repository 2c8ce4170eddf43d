//! The app session token: `base64url(claims).base64url(HMAC-SHA256(key, base64url(claims)))`,
//! and the keys that sign and verify it (`SESSION_SECRET`, `SESSION_SECRET_PREVIOUS`).
//!
//! Claims: `sub` (the Feishu `open_id`), `name`, `surface`, `exp` (Unix seconds), `sid` (the
//! session id every renewal keeps) and `gen` (the renewal generation: renewal retires it).

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The fewest bytes a session secret may carry: 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;

/// How to make a secret, for the messages that refuse one.
pub const GENERATE_SECRET: &str = "openssl rand -hex 32";

/// A key that signs session tokens and seals the Feishu grants; never printed.
#[derive(Clone)]
pub struct SessionSecret(Vec<u8>);

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret([redacted])")
    }
}

impl SessionSecret {
    /// A random key (one process without a shared store: sessions end when it restarts).
    pub fn random() -> SessionSecret {
        SessionSecret(rand::random::<[u8; 32]>().to_vec())
    }

    /// The key written as hex (64 hex digits or more) or base64 (standard or URL-safe, padded or
    /// not), decoding to at least [`MIN_SECRET_BYTES`] bytes.
    ///
    /// # Errors
    /// A message saying what is wrong and how to make a good one (never the value itself).
    pub fn parse(name: &str, text: &str) -> Result<SessionSecret, String> {
        let text = text.trim();
        let hex = text.len().is_multiple_of(2) && !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit());
        let bytes = if hex {
            Some((0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect())
        } else {
            [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD].iter().find_map(|e| e.decode(text).ok())
        };
        match bytes {
            // 32 random bytes hold about 30 distinct values (fewer than 16: odds below 1e-15);
            // a repeated digit or word decodes to a handful.
            Some(bytes) if bytes.len() >= MIN_SECRET_BYTES && distinct(&bytes) < 16 => Err(format!(
                "{name} is a pattern, not random bytes (it holds {} distinct byte values): generate one \
                 with `{GENERATE_SECRET}`",
                distinct(&bytes)
            )),
            Some(bytes) if bytes.len() >= MIN_SECRET_BYTES => Ok(SessionSecret(bytes)),
            Some(bytes) => Err(format!(
                "{name} carries {} bits; it needs at least 256 bits of randomness (32 bytes, written as 64 \
                 hex digits or in base64): generate one with `{GENERATE_SECRET}`",
                bytes.len() * 8
            )),
            None => Err(format!(
                "{name} must be hex or base64 (32 random bytes or more): generate one with `{GENERATE_SECRET}`"
            )),
        }
    }

    /// The raw key bytes (tests and key derivation).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }

    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: &[u8]) -> SessionSecret {
        SessionSecret(bytes.to_vec())
    }
}

/// How many different byte values `bytes` holds.
fn distinct(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    bytes.iter().for_each(|&b| seen[usize::from(b)] = true);
    seen.iter().filter(|&&s| s).count()
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length")
}

/// `claims` signed with `key`.
pub fn sign(key: &SessionSecret, claims: &Value) -> String {
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = mac(key.bytes());
    mac.update(payload.as_bytes());
    payload + "." + &URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The claims of a token signed with one of `keys`, expired or not (logout accepts both).
pub fn verify_signature(keys: &[&SessionSecret], token: &str) -> Option<Value> {
    let (payload, signature) = token.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let signed = keys.iter().any(|key| {
        let mut mac = mac(key.bytes());
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).is_ok()
    });
    if !signed {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// The claims of a token signed with one of `keys` and unexpired at `now` (Unix seconds).
pub fn verify(keys: &[&SessionSecret], token: &str, now: u64) -> Option<Value> {
    let claims = verify_signature(keys, token)?;
    (claims["exp"].as_u64()? > now).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sessions_verify_and_resist_tampering_and_expire() {
        let (k1, k2) = (SessionSecret::from_bytes(b"k1"), SessionSecret::from_bytes(b"k2"));
        let token = sign(&k1, &json!({ "sub": "ou_1", "exp": 100 }));
        assert_eq!(verify(&[&k1], &token, 99).unwrap()["sub"], "ou_1");
        assert!(verify(&[&k1], &token, 100).is_none(), "expired");
        assert!(verify(&[&k2], &token, 0).is_none(), "another key");
        assert!(verify(&[&k2, &k1], &token, 0).is_some(), "the previous key during a rotation");
        let (payload, signature) = token.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(json!({ "sub": "ou_admin", "exp": 100 }).to_string()) + "." + signature;
        assert!(verify(&[&k1], &forged, 0).is_none(), "claims changed");
        assert!(verify(&[&k1], payload, 0).is_none(), "no signature");
    }

    #[test]
    fn a_secret_needs_256_bits_in_hex_or_base64() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        assert_eq!(SessionSecret::parse("S", hex).unwrap().bytes().len(), 32);
        let key: [u8; 40] = rand::random();
        assert_eq!(SessionSecret::parse("S", &STANDARD.encode(&key[..32])).unwrap().bytes(), &key[..32]);
        assert_eq!(SessionSecret::parse("S", &URL_SAFE_NO_PAD.encode(key)).unwrap().bytes(), key);
        for (weak, why) in [
            ("a", "must be hex or base64"),
            ("test-secret", "must be hex or base64"),
            (&hex[..62], "carries 248 bits"),
            (&STANDARD.encode([1u8; 31]), "carries 248 bits"),
        ] {
            let error = SessionSecret::parse("SESSION_SECRET", weak).unwrap_err();
            assert!(error.contains("SESSION_SECRET") && error.contains(why), "{weak}: {error}");
            assert!(error.contains("openssl rand -hex 32"), "{error}");
            assert!(!error.contains(weak) || weak.len() < 3, "the value is never echoed: {error}");
        }
        assert_eq!(format!("{:?}", SessionSecret::parse("S", hex).unwrap()), "SessionSecret([redacted])");
    }

    /// Long enough is not random: 64 times the same hex digit, or a word repeated until the text
    /// decodes to 32 bytes, carry no secret at all. Before, they were accepted as 256 bits.
    #[test]
    fn a_secret_that_is_a_pattern_is_refused() {
        let word = STANDARD.encode(b"password".repeat(5));
        for pattern in ["a".repeat(64), "0".repeat(64), "0123456789abcdef".repeat(4), word, "xY".repeat(22)] {
            let error = SessionSecret::parse("SESSION_SECRET", &pattern).map(|_| ()).unwrap_err();
            assert!(error.contains("SESSION_SECRET is a pattern") && error.contains("openssl rand"), "{error}");
        }
        // Random keys pass, whatever their encoding.
        for _ in 0..1000 {
            let key: [u8; 32] = rand::random();
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            assert!(
                SessionSecret::parse("S", &hex).is_ok() && SessionSecret::parse("S", &STANDARD.encode(key)).is_ok()
            );
        }
    }
}
