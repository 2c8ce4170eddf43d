//! PKCE ([RFC 7636](https://www.rfc-editor.org/rfc/rfc7636)): the code verifier and its S256
//! challenge, and the random `state` ([RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)).
//!
//! The challenge is computed here (`sha256.rs`) rather than with `crypto.subtle`, which exists
//! only in secure contexts: apps served over plain `http://` (intranets) must work too.

use crate::base64url;
use crate::prelude::*;
use crate::sha256::sha256;

use crate::error::Error;

/// A cryptographically secure random source (the browser's `crypto.getRandomValues`).
///
/// # Errors
/// Implementations fail with [`ErrorKind::Crypto`](crate::ErrorKind::Crypto) when no secure
/// source exists; they must never fall back to a weaker one.
pub trait RandomSource {
    /// Fills `buf` with secure random bytes.
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error>;
}

/// 32 random bytes → 43 base64url characters: the RFC 7636 §7.1 recommendation, and 256 bits.
const RANDOM_BYTES: usize = 32;

/// A PKCE code verifier (RFC 7636 §4.1).
///
/// # Security
/// Not `Clone` and redacted in `Debug`, so it is not copied or logged by accident.
#[derive(PartialEq, Eq)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// A fresh verifier: base64url of 32 bytes from `random`.
    ///
    /// # Errors
    /// Whatever `random` fails with (kind `crypto`).
    pub fn generate(random: &dyn RandomSource) -> Result<CodeVerifier, Error> {
        Ok(CodeVerifier(random_token(random)?))
    }

    /// Wraps a stored verifier.
    pub fn from_stored(secret: String) -> CodeVerifier {
        CodeVerifier(secret)
    }

    /// The verifier text, for the backend request and the pending-login record only.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The S256 code challenge: `BASE64URL(SHA256(ASCII(verifier)))` (RFC 7636 §4.2).
    pub fn challenge_s256(&self) -> String {
        base64url::encode(&sha256(self.0.as_bytes()))
    }
}

impl core::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

/// A fresh unguessable token: base64url of 32 random bytes (256 bits; RFC 6749 §10.10 asks for
/// at least 128).
///
/// # Errors
/// Whatever `random` fails with (kind `crypto`).
pub fn random_token(random: &dyn RandomSource) -> Result<String, Error> {
    let mut bytes = [0u8; RANDOM_BYTES];
    random.fill_random(&mut bytes)?;
    Ok(base64url::encode(&bytes))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ErrorKind;
    use core::cell::Cell;

    /// A deterministic "random" source for unit tests: a counter, never for production.
    pub(crate) struct CountingRandom(pub Cell<u8>);

    impl RandomSource for CountingRandom {
        fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
            for b in buf {
                *b = self.0.get();
                self.0.set(self.0.get().wrapping_add(1));
            }
            Ok(())
        }
    }

    struct NoRandom;

    impl RandomSource for NoRandom {
        fn fill_random(&self, _: &mut [u8]) -> Result<(), Error> {
            Err(Error::new(ErrorKind::Crypto, Msg::Crypto))
        }
    }

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = CodeVerifier::from_stored("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(verifier.challenge_s256(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn rfc7636_appendix_b_octets_give_the_vector_verifier() {
        // The 32 octets of RFC 7636 Appendix B encode to its verifier.
        let octets: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191,
            240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        struct Fixed([u8; 32]);
        impl RandomSource for Fixed {
            fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
                buf.copy_from_slice(&self.0);
                Ok(())
            }
        }
        let verifier = CodeVerifier::generate(&Fixed(octets)).unwrap();
        assert_eq!(verifier.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }

    #[test]
    fn verifier_has_rfc_shape() {
        let verifier = CodeVerifier::generate(&CountingRandom(Cell::new(250))).unwrap();
        assert_eq!(verifier.secret().len(), 43);
        assert!(verifier.secret().bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        assert_ne!(verifier.challenge_s256(), verifier.secret(), "S256, never plain");
    }

    #[test]
    fn debug_does_not_leak_the_verifier() {
        let verifier = CodeVerifier::from_stored("super-secret-verifier".into());
        assert_eq!(format!("{verifier:?}"), "CodeVerifier([redacted])");
    }

    #[test]
    fn no_secure_random_is_an_error_not_a_weaker_source() {
        assert_eq!(CodeVerifier::generate(&NoRandom).unwrap_err().kind(), ErrorKind::Crypto);
        assert_eq!(random_token(&NoRandom).unwrap_err().kind(), ErrorKind::Crypto);
    }
}
