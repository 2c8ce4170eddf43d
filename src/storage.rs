//! Where records live: one namespaced key per app and record (the habit of yew-oauth2), in the
//! stores of [`Area`](crate::Area). The engine keeps a memory fallback of its own for the session.

use crate::prelude::*;

/// The storage key for `name` of app `app_id`: `feishu-login/v1/<appId>/<name>`. Namespacing by
/// app keeps two apps on one origin from reading each other's sessions.
pub fn storage_key(app_id: &str, name: &str) -> String {
    String::from("feishu-login/v1/") + app_id + "/" + name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_per_app() {
        assert_eq!(storage_key("cli_1", "session"), "feishu-login/v1/cli_1/session");
        assert_ne!(storage_key("cli_1", "session"), storage_key("cli_2", "session"));
    }
}
