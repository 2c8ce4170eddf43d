//! The `Authorization: Bearer <token>` header, as the backend and the emulator both read it.

use axum::http::{header, HeaderMap};

/// The token of an `Authorization: Bearer <token>` header. The scheme is matched without regard
/// to case ([RFC 7235 §2.1](https://www.rfc-editor.org/rfc/rfc7235#section-2.1), and
/// [RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1) for `Bearer`); the token
/// is taken as sent. `None` without the header, with another scheme, or with no token.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn read(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        bearer(&headers).map(str::to_owned)
    }

    #[test]
    fn the_scheme_is_matched_without_regard_to_case() {
        for value in ["Bearer t-1", "bearer t-1", "BEARER t-1", "Bearer  t-1"] {
            assert_eq!(read(value).as_deref(), Some("t-1"), "{value}");
        }
        for value in ["Basic dTpw", "Bearer", "Bearer ", "Bearert-1", "t-1"] {
            assert_eq!(read(value), None, "{value}");
        }
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
