//! The demo server's configuration: every environment variable, read once and checked strictly.
//! A value that cannot be used stops the start with a message naming the variable and what it
//! accepts, instead of a fallback nobody notices. An empty value counts as unset.
//!
//! | variable | accepts | default |
//! | --- | --- | --- |
//! | `PORT` | 0–65535 (0: a free port) | 8080 |
//! | `FEISHU_APP_ID`, `FEISHU_APP_SECRET` | both or neither; `cli_…` and the secret | the emulator |
//! | `FEISHU_BRAND` | `feishu` or `lark` | `feishu` |
//! | `SESSION_SECRET` | ≥ 256 bits, hex or base64 (`openssl rand -hex 32`) | random per start; required with `REDIS_URL` |
//! | `SESSION_SECRET_PREVIOUS` | the same; verifies tokens of the key being rotated out | none |
//! | `SESSION_TTL_SECS` | 1 s – 10 years | 3600 |
//! | `SESSION_REUSE_INTERVAL_SECS` | 0–300 (0: a retired token's renewal always revokes) | 60 |
//! | `SESSION_STORE_CAPACITY` | sessions in the memory store, 1 – 100,000,000 | 100,000 |
//! | `REDIS_URL` | `redis://…` or `rediss://…` (TLS) | the memory store |
//! | `REDIS_CA_FILE` | a PEM file of the CA to trust for `rediss://` | the system's roots |
//! | `FEISHU_LOGIN_ROOT` | a directory with `www/` | the repository |
//! | `EMULATOR_USER_TOKEN_TTL_SECS` | 1–7200 | 7200 |
//! | `EMULATOR_REFRESH_TOKEN_TTL_SECS` | 1 s – 365 days | 604800 |

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::{SessionSecret, DEFAULT_REUSE_INTERVAL, GENERATE_SECRET};
use crate::emulator::{Brand, DEFAULT_REFRESH_TOKEN_TTL, DEFAULT_USER_TOKEN_TTL};
use crate::store::{MemoryStore, RedisOptions, RedisStore, Store};

/// Every variable the server reads (for `--help`).
pub const VARIABLES: &str = "  PORT                            port on 127.0.0.1, 0-65535 (0: a free one); default 8080
  FEISHU_APP_ID, FEISHU_APP_SECRET  a real Feishu app (both or neither); the emulator otherwise
  FEISHU_BRAND                    feishu or lark; default feishu
  SESSION_SECRET                  session key, >= 256 bits in hex or base64 (openssl rand -hex 32);
                                  random per start without it; required with REDIS_URL
  SESSION_SECRET_PREVIOUS         the key being rotated out: still verifies its tokens
  SESSION_TTL_SECS                longest session lifetime, 1 to 315360000; default 3600
  SESSION_REUSE_INTERVAL_SECS     how long after a renewal the token it retired may renew again
                                  (a retry whose answer was lost), 0 to 300 (0: never); default 60
  SESSION_STORE_CAPACITY          sessions the memory store holds, 1 to 100000000; default 100000
  REDIS_URL                       redis://host:port/db or rediss:// (TLS): the store replicas share
  REDIS_CA_FILE                   PEM CA certificate(s) to trust for rediss:// (system roots otherwise)
  FEISHU_LOGIN_ROOT               directory holding www/ and pkg/; default the repository
  EMULATOR_USER_TOKEN_TTL_SECS    the emulator's user token lifetime, 1 to 7200; default 7200
  EMULATOR_REFRESH_TOKEN_TTL_SECS the emulator's refresh token lifetime, 1 to 31536000; default 604800
(an empty value counts as unset)";

/// The name of every variable the server reads (a value that is not UTF-8 stops the start, as
/// any bad value does: `main` checks them before [`ServerConfig::from_env`]).
pub const NAMES: &[&str] = &[
    "PORT",
    "FEISHU_APP_ID",
    "FEISHU_APP_SECRET",
    "FEISHU_BRAND",
    "SESSION_SECRET",
    "SESSION_SECRET_PREVIOUS",
    "SESSION_TTL_SECS",
    "SESSION_REUSE_INTERVAL_SECS",
    "SESSION_STORE_CAPACITY",
    "REDIS_URL",
    "REDIS_CA_FILE",
    "FEISHU_LOGIN_ROOT",
    "EMULATOR_USER_TOKEN_TTL_SECS",
    "EMULATOR_REFRESH_TOKEN_TTL_SECS",
];

/// A real Feishu (or Lark) app.
#[derive(Clone)]
pub struct RealApp {
    pub app_id: String,
    pub app_secret: String,
    pub brand: Brand,
}

impl std::fmt::Debug for RealApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let brand = &self.brand;
        f.debug_struct("RealApp")
            .field("app_id", &self.app_id)
            .field("app_secret", &"[redacted]")
            .field("brand", brand)
            .finish()
    }
}

/// Where sessions are kept.
#[derive(Clone)]
pub enum StoreConfig {
    Memory { capacity: usize },
    Redis(RedisOptions),
}

/// The checked configuration.
#[derive(Clone)]
pub struct ServerConfig {
    pub port: u16,
    pub root: PathBuf,
    pub real: Option<RealApp>,
    pub session_secret: SessionSecret,
    /// Whether `SESSION_SECRET` was given (else the key is random and sessions end at restart).
    pub session_secret_given: bool,
    pub previous_session_secret: Option<SessionSecret>,
    pub session_ttl: Duration,
    /// How long after a renewal the token it retired may be presented again.
    pub reuse_interval: Duration,
    pub store: StoreConfig,
    pub emulator_user_token_ttl: Duration,
    pub emulator_refresh_token_ttl: Duration,
}

/// The longest reuse interval accepted: 5 minutes (a stolen token that was just renewed may get
/// a current one within it, so it stays short; Okta's grace period goes to 60 s).
const MAX_REUSE_INTERVAL_SECS: u64 = 300;

/// A lifetime in whole seconds from `name`: `default` when unset, an error naming the variable
/// when it is not from 1 to `max`.
fn seconds(name: &str, value: Option<&str>, default: u64, max: u64) -> Result<Duration, String> {
    match value.map(|v| v.trim().parse::<u64>()) {
        None => Ok(Duration::from_secs(default)),
        Some(Ok(secs)) if (1..=max).contains(&secs) => Ok(Duration::from_secs(secs)),
        Some(_) => Err(format!("{name} must be a whole number of seconds from 1 to {max}, got {:?}", value.unwrap())),
    }
}

impl ServerConfig {
    /// Reads the configuration through `var` (the environment in `main`, a map in tests).
    ///
    /// # Errors
    /// The first unusable variable: its name, what was wrong, what it accepts.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<ServerConfig, String> {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        let port = match var("PORT") {
            None => 8080,
            Some(text) => text.trim().parse::<u16>().map_err(|_| {
                format!("PORT must be a port number from 0 to 65535 (0 picks a free one), got {text:?}")
            })?,
        };
        let root = match var("FEISHU_LOGIN_ROOT") {
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
            Some(dir) if PathBuf::from(&dir).is_dir() => PathBuf::from(dir),
            Some(dir) => return Err(format!("FEISHU_LOGIN_ROOT must be a directory (holding www/), got {dir:?}")),
        };
        let brand = match var("FEISHU_BRAND").as_deref() {
            None | Some("feishu") => Brand::Feishu,
            Some("lark") => Brand::Lark,
            Some(other) => return Err(format!("FEISHU_BRAND must be feishu or lark, got {other:?}")),
        };
        let real =
            match (var("FEISHU_APP_ID"), var("FEISHU_APP_SECRET")) {
                (None, None) => None,
                (Some(app_id), Some(app_secret)) => {
                    let shaped = app_id
                        .strip_prefix("cli_")
                        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
                    if !shaped {
                        return Err(format!(
                        "FEISHU_APP_ID must be a Feishu App ID (cli_ followed by letters and digits), got {app_id:?}"
                    ));
                    }
                    Some(RealApp { app_id, app_secret, brand })
                }
                (Some(_), None) => return Err(
                    "FEISHU_APP_ID is set without FEISHU_APP_SECRET: set both (a real app) or neither (the emulator)"
                        .into(),
                ),
                (None, Some(_)) => return Err(
                    "FEISHU_APP_SECRET is set without FEISHU_APP_ID: set both (a real app) or neither (the emulator)"
                        .into(),
                ),
            };
        // A variable that would have no effect is refused too, like SESSION_STORE_CAPACITY with
        // REDIS_URL: whoever set it expects something the server would not do.
        if real.is_none() && var("FEISHU_BRAND").is_some() {
            return Err("FEISHU_BRAND picks the real Feishu or Lark domains: it needs FEISHU_APP_ID and FEISHU_APP_SECRET (the emulator answers on Feishu's paths whatever the brand); unset it, or set both".into());
        }
        if real.is_some() {
            if let Some(name) = ["EMULATOR_USER_TOKEN_TTL_SECS", "EMULATOR_REFRESH_TOKEN_TTL_SECS"]
                .into_iter()
                .find(|n| var(n).is_some())
            {
                return Err(format!(
                    "{name} sets a lifetime of the emulator's tokens, and with FEISHU_APP_ID the emulator is off (Feishu sets its own lifetimes): unset it"
                ));
            }
        }
        let redis_url = var("REDIS_URL");
        let session_secret = var("SESSION_SECRET").map(|s| SessionSecret::parse("SESSION_SECRET", &s)).transpose()?;
        let previous_session_secret =
            var("SESSION_SECRET_PREVIOUS").map(|s| SessionSecret::parse("SESSION_SECRET_PREVIOUS", &s)).transpose()?;
        if session_secret.is_none() && redis_url.is_some() {
            return Err(format!(
                "REDIS_URL is set but SESSION_SECRET is not: every replica sharing the store must sign with the same \
                 key, or sessions fail from one replica to the next. Generate one with `{GENERATE_SECRET}` and give \
                 it to every replica as SESSION_SECRET"
            ));
        }
        if previous_session_secret.is_some() && session_secret.is_none() {
            return Err("SESSION_SECRET_PREVIOUS is set without SESSION_SECRET: rotate by moving the old key to SESSION_SECRET_PREVIOUS and setting a new SESSION_SECRET".into());
        }
        let session_ttl = seconds("SESSION_TTL_SECS", var("SESSION_TTL_SECS").as_deref(), 3600, 10 * 365 * 24 * 3600)?;
        let reuse_interval = match var("SESSION_REUSE_INTERVAL_SECS") {
            None => DEFAULT_REUSE_INTERVAL,
            Some(text) => match text.trim().parse::<u64>() {
                Ok(secs) if secs <= MAX_REUSE_INTERVAL_SECS => Duration::from_secs(secs),
                _ => {
                    return Err(format!(
                        "SESSION_REUSE_INTERVAL_SECS must be a whole number of seconds from 0 (off: a retired \
                         token's renewal always ends the session) to {MAX_REUSE_INTERVAL_SECS}, got {text:?}"
                    ))
                }
            },
        };
        let capacity = match var("SESSION_STORE_CAPACITY") {
            None => MemoryStore::DEFAULT_CAPACITY,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n) if (1..=100_000_000).contains(&n) => n,
                _ => {
                    return Err(format!(
                        "SESSION_STORE_CAPACITY must be a number of sessions from 1 to 100000000, got {text:?}"
                    ))
                }
            },
        };
        let store = match redis_url {
            None => {
                if var("REDIS_CA_FILE").is_some() {
                    return Err("REDIS_CA_FILE is set without REDIS_URL: it is the CA of a rediss:// Redis".into());
                }
                StoreConfig::Memory { capacity }
            }
            Some(url) => {
                if var("SESSION_STORE_CAPACITY").is_some() {
                    return Err("SESSION_STORE_CAPACITY bounds the memory store; with REDIS_URL, bound Redis itself (maxmemory with maxmemory-policy allkeys-lru)".into());
                }
                let tls = url.starts_with("rediss://");
                if !(tls || url.starts_with("redis://")) || redis::parse_redis_url(&url).is_none() {
                    // The URL may hold a password: not echoed.
                    return Err(
                        "REDIS_URL must be a URL redis://[user:password@]host[:port][/db] or rediss://… (TLS)".into()
                    );
                }
                if let Err(error) = redis::Client::open(url.as_str()) {
                    return Err(format!("REDIS_URL cannot be used: {error}"));
                }
                let ca_pem = match var("REDIS_CA_FILE") {
                    None => None,
                    Some(_) if !tls => return Err("REDIS_CA_FILE is set but REDIS_URL is not rediss:// (TLS)".into()),
                    Some(path) => {
                        let pem =
                            std::fs::read(&path).map_err(|e| format!("REDIS_CA_FILE {path:?} cannot be read: {e}"))?;
                        if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                            return Err(format!(
                                "REDIS_CA_FILE {path:?} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                            ));
                        }
                        Some(pem)
                    }
                };
                StoreConfig::Redis(RedisOptions { url, ca_pem })
            }
        };
        let emulator_user_token_ttl = seconds(
            "EMULATOR_USER_TOKEN_TTL_SECS",
            var("EMULATOR_USER_TOKEN_TTL_SECS").as_deref(),
            DEFAULT_USER_TOKEN_TTL.as_secs(),
            7200,
        )?;
        let emulator_refresh_token_ttl = seconds(
            "EMULATOR_REFRESH_TOKEN_TTL_SECS",
            var("EMULATOR_REFRESH_TOKEN_TTL_SECS").as_deref(),
            DEFAULT_REFRESH_TOKEN_TTL.as_secs(),
            365 * 24 * 3600,
        )?;
        Ok(ServerConfig {
            port,
            root,
            real,
            session_secret_given: session_secret.is_some(),
            session_secret: session_secret.unwrap_or_else(SessionSecret::random),
            previous_session_secret,
            session_ttl,
            reuse_interval,
            store,
            emulator_user_token_ttl,
            emulator_refresh_token_ttl,
        })
    }
}

impl ServerConfig {
    /// The settings of a server: the store connected (a Redis that cannot be reached, or refuses
    /// the password or the certificate, stops the start).
    ///
    /// # Errors
    /// What went wrong with `REDIS_URL`.
    pub async fn settings(self) -> Result<crate::Settings, String> {
        let store: Arc<dyn Store> = match &self.store {
            StoreConfig::Memory { capacity } => Arc::new(MemoryStore::new(*capacity)),
            StoreConfig::Redis(options) => match RedisStore::connect(options).await {
                Ok(store) => Arc::new(store),
                Err(error) => return Err(format!("REDIS_URL is set but Redis cannot be used: {error}")),
            },
        };
        Ok(crate::Settings {
            port: self.port,
            root: self.root,
            real: self.real,
            session_secret: self.session_secret,
            previous_session_secret: self.previous_session_secret,
            session_ttl: self.session_ttl,
            reuse_interval: self.reuse_interval,
            code_ttl: Duration::from_secs(300),
            token_ttls: (self.emulator_user_token_ttl, self.emulator_refresh_token_ttl),
            store,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn read(pairs: &[(&str, &str)]) -> Result<ServerConfig, String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ServerConfig::from_env(|name| map.get(name).cloned())
    }

    #[test]
    fn names_lists_every_variable_read() {
        let read = std::sync::Mutex::new(std::collections::BTreeSet::new());
        let with_redis = |name: &str| {
            read.lock().unwrap().insert(name.to_owned());
            match name {
                "REDIS_URL" => Some("rediss://h/0".to_owned()),
                "SESSION_SECRET" => Some(SECRET.to_owned()),
                _ => None,
            }
        };
        ServerConfig::from_env(with_redis).unwrap();
        ServerConfig::from_env(|name| with_redis(name).filter(|_| name != "REDIS_URL")).unwrap();
        let names: std::collections::BTreeSet<String> = NAMES.iter().map(|n| n.to_string()).collect();
        assert_eq!(*read.lock().unwrap(), names);
    }

    #[test]
    fn defaults_without_any_variable() {
        let config = read(&[]).unwrap();
        assert_eq!((config.port, config.session_ttl), (8080, Duration::from_secs(3600)));
        assert_eq!(config.reuse_interval, Duration::from_secs(60));
        assert!(config.real.is_none() && !config.session_secret_given);
        assert!(matches!(config.store, StoreConfig::Memory { capacity: 100_000 }));
        assert_eq!(config.emulator_user_token_ttl, DEFAULT_USER_TOKEN_TTL);
        let empty = read(&[("PORT", ""), ("FEISHU_APP_ID", ""), ("FEISHU_APP_SECRET", "")]).unwrap();
        assert!(empty.port == 8080 && empty.real.is_none(), "an empty value counts as unset");
    }

    /// The team's rule: secrets never in `Debug`. The derived `Debug` printed the app secret.
    #[test]
    fn debug_output_holds_no_secret() {
        let config = read(&[("FEISHU_APP_ID", "cli_a5ca35a685b0x26e"), ("FEISHU_APP_SECRET", "s3cret-app")]).unwrap();
        let printed = format!("{:?}", config.real.unwrap());
        assert!(printed.contains("cli_a5ca35a685b0x26e") && !printed.contains("s3cret"), "{printed}");
    }

    #[test]
    fn good_values_are_taken() {
        let config = read(&[
            ("PORT", "0"),
            ("FEISHU_APP_ID", "cli_a5ca35a685b0x26e"),
            ("FEISHU_APP_SECRET", "s"),
            ("FEISHU_BRAND", "lark"),
            ("SESSION_SECRET", SECRET),
            ("SESSION_SECRET_PREVIOUS", "3982b48ae33e57d4c17b5ff2c8f979e685b2f4c2e486266c4dfe33ace6994382"),
            ("SESSION_TTL_SECS", "60"),
            ("SESSION_REUSE_INTERVAL_SECS", "300"),
            ("REDIS_URL", "rediss://:pw@redis.example:6380/2"),
        ])
        .unwrap();
        let emulator =
            read(&[("EMULATOR_USER_TOKEN_TTL_SECS", "30"), ("EMULATOR_REFRESH_TOKEN_TTL_SECS", "60")]).unwrap();
        assert_eq!(
            (emulator.emulator_user_token_ttl, emulator.emulator_refresh_token_ttl),
            (Duration::from_secs(30), Duration::from_secs(60))
        );
        assert_eq!((config.port, config.reuse_interval), (0, Duration::from_secs(300)));
        assert_eq!(config.real.unwrap().brand, Brand::Lark);
        assert_eq!(read(&[("SESSION_REUSE_INTERVAL_SECS", "0")]).map(|c| c.reuse_interval), Ok(Duration::ZERO));
        assert!(config.session_secret_given && config.previous_session_secret.is_some());
        assert!(matches!(config.store, StoreConfig::Redis(RedisOptions { ca_pem: None, .. })));
        assert_eq!(
            read(&[("SESSION_STORE_CAPACITY", "5")]).map(|c| matches!(c.store, StoreConfig::Memory { capacity: 5 })),
            Ok(true)
        );
    }

    /// Every variable: a bad value is refused with its name and what it accepts.
    #[test]
    fn each_bad_value_names_its_variable_and_the_accepted_values() {
        let with_secret = |pairs: &[(&'static str, &'static str)]| {
            let mut all = vec![("SESSION_SECRET", SECRET)];
            all.extend_from_slice(pairs);
            read(&all)
        };
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("PORT", "abc")], "PORT must be a port number from 0 to 65535"),
            (&[("PORT", "65536")], "PORT must be a port number"),
            (&[("PORT", "-1")], "PORT must be a port number"),
            (&[("FEISHU_BRAND", "wechat")], "FEISHU_BRAND must be feishu or lark"),
            (&[("FEISHU_BRAND", "lark")], "FEISHU_BRAND picks the real Feishu or Lark domains: it needs FEISHU_APP_ID"),
            (
                &[("FEISHU_APP_ID", "cli_a5ca35a685b0x26e"), ("FEISHU_APP_SECRET", "s"), ("EMULATOR_USER_TOKEN_TTL_SECS", "30")],
                "EMULATOR_USER_TOKEN_TTL_SECS sets a lifetime of the emulator's tokens, and with FEISHU_APP_ID the emulator is off",
            ),
            (
                &[("FEISHU_APP_ID", "cli_a5ca35a685b0x26e"), ("FEISHU_APP_SECRET", "s"), ("EMULATOR_REFRESH_TOKEN_TTL_SECS", "60")],
                "EMULATOR_REFRESH_TOKEN_TTL_SECS sets a lifetime",
            ),
            (&[("FEISHU_APP_ID", "cli_x")], "FEISHU_APP_ID is set without FEISHU_APP_SECRET"),
            (&[("FEISHU_APP_SECRET", "s")], "FEISHU_APP_SECRET is set without FEISHU_APP_ID"),
            (&[("FEISHU_APP_ID", "app"), ("FEISHU_APP_SECRET", "s")], "FEISHU_APP_ID must be a Feishu App ID"),
            (&[("SESSION_SECRET", "a")], "SESSION_SECRET must be hex or base64"),
            (&[("SESSION_SECRET", "0011223344556677")], "SESSION_SECRET carries 64 bits"),
            (&[("SESSION_SECRET_PREVIOUS", "short")], "SESSION_SECRET_PREVIOUS must be hex or base64"),
            (&[("SESSION_TTL_SECS", "0")], "SESSION_TTL_SECS must be a whole number of seconds from 1 to"),
            (&[("SESSION_TTL_SECS", "18446744073709551615")], "SESSION_TTL_SECS must be"),
            (&[("SESSION_TTL_SECS", "soon")], "SESSION_TTL_SECS must be"),
            (
                &[("SESSION_REUSE_INTERVAL_SECS", "301")],
                "SESSION_REUSE_INTERVAL_SECS must be a whole number of seconds from 0",
            ),
            (&[("SESSION_REUSE_INTERVAL_SECS", "-1")], "SESSION_REUSE_INTERVAL_SECS must be"),
            (&[("SESSION_REUSE_INTERVAL_SECS", "30s")], "SESSION_REUSE_INTERVAL_SECS must be"),
            (&[("SESSION_STORE_CAPACITY", "0")], "SESSION_STORE_CAPACITY must be a number of sessions from 1"),
            (&[("SESSION_STORE_CAPACITY", "lots")], "SESSION_STORE_CAPACITY must be"),
            (&[("REDIS_URL", "http://127.0.0.1:6379")], "REDIS_URL must be a URL redis://"),
            (&[("REDIS_URL", "127.0.0.1:6379")], "REDIS_URL must be a URL redis://"),
            (
                &[("REDIS_URL", "redis://h/0"), ("SESSION_STORE_CAPACITY", "5")],
                "SESSION_STORE_CAPACITY bounds the memory store",
            ),
            (&[("REDIS_CA_FILE", "/etc/hostname")], "REDIS_CA_FILE is set without REDIS_URL"),
            (&[("REDIS_URL", "redis://h/0"), ("REDIS_CA_FILE", "/etc/hostname")], "REDIS_URL is not rediss://"),
            (
                &[("REDIS_URL", "rediss://h/0"), ("REDIS_CA_FILE", "/nonexistent.pem")],
                "REDIS_CA_FILE \"/nonexistent.pem\" cannot be read",
            ),
            (&[("REDIS_URL", "rediss://h/0"), ("REDIS_CA_FILE", "/etc/hostname")], "holds no PEM certificate"),
            (&[("FEISHU_LOGIN_ROOT", "/nonexistent")], "FEISHU_LOGIN_ROOT must be a directory"),
            (
                &[("EMULATOR_USER_TOKEN_TTL_SECS", "7201")],
                "EMULATOR_USER_TOKEN_TTL_SECS must be a whole number of seconds from 1 to 7200",
            ),
            (&[("EMULATOR_REFRESH_TOKEN_TTL_SECS", "0")], "EMULATOR_REFRESH_TOKEN_TTL_SECS must be"),
        ];
        for (pairs, expected) in cases {
            let error = with_secret(pairs).err().unwrap_or_else(|| panic!("{pairs:?} was accepted"));
            assert!(error.contains(expected), "{pairs:?}: {error}");
        }
        let error = read(&[("REDIS_URL", "redis://:hunter2@h/0")]).err().unwrap();
        assert!(error.contains("SESSION_SECRET is not") && error.contains("openssl rand -hex 32"), "{error}");
        let error = read(&[("REDIS_URL", "ftp://:hunter2@h/0"), ("SESSION_SECRET", SECRET)]).err().unwrap();
        assert!(!error.contains("hunter2"), "a Redis password is never echoed: {error}");
        let error = read(&[("SESSION_SECRET_PREVIOUS", SECRET)]).err().unwrap();
        assert!(error.contains("SESSION_SECRET_PREVIOUS is set without SESSION_SECRET"), "{error}");
    }
}
