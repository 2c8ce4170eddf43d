//! The demo server binary refuses a bad configuration before it listens: exit status 2 and a
//! message naming the variable and what it accepts. Before, `PORT=abc` fell back to 8080,
//! `FEISHU_BRAND` was not checked, and `SESSION_SECRET=a` was accepted.

use std::process::Command;

/// Runs the server with only `vars` (and PATH) in its environment; its status and stderr.
fn start(vars: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_feishu-login-server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(vars.iter().copied())
        .args(args)
        .output()
        .unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.code(), text(output.stdout), text(output.stderr))
}

#[test]
fn a_bad_variable_stops_the_start_naming_it() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("PORT", "abc")], "PORT must be a port number from 0 to 65535"),
        (&[("FEISHU_BRAND", "wechat")], "FEISHU_BRAND must be feishu or lark"),
        (&[("SESSION_SECRET", "a")], "openssl rand -hex 32"),
        (&[("SESSION_TTL_SECS", "0")], "SESSION_TTL_SECS"),
        (&[("SESSION_REUSE_INTERVAL_SECS", "3600")], "SESSION_REUSE_INTERVAL_SECS"),
        (&[("REDIS_URL", "redis://127.0.0.1:9/0")], "REDIS_URL is set but SESSION_SECRET is not"),
        (&[("EMULATOR_USER_TOKEN_TTL_SECS", "9999")], "EMULATOR_USER_TOKEN_TTL_SECS"),
    ];
    for (vars, expected) in cases {
        let (status, _, stderr) = start(vars, &[]);
        assert_eq!(status, Some(2), "{vars:?}: {stderr}");
        assert!(stderr.contains(expected), "{vars:?}: {stderr}");
    }
}

#[test]
fn it_takes_no_arguments_but_help() {
    let (status, _, stderr) = start(&[], &["--port", "1"]);
    assert_eq!(status, Some(2));
    assert!(stderr.contains("unknown argument \"--port\""), "{stderr}");
    let (status, stdout, _) = start(&[], &["--help"]);
    assert_eq!(status, Some(0));
    for name in [
        "PORT",
        "FEISHU_BRAND",
        "SESSION_SECRET_PREVIOUS",
        "SESSION_REUSE_INTERVAL_SECS",
        "REDIS_URL",
        "REDIS_CA_FILE",
        "SESSION_STORE_CAPACITY",
    ] {
        assert!(stdout.contains(name), "--help lists {name}: {stdout}");
    }
}

#[test]
fn an_unreachable_redis_stops_the_start() {
    let secret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://127.0.0.1:{port}/0");
    let (status, _, stderr) = start(&[("REDIS_URL", &url), ("SESSION_SECRET", secret)], &[]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("Redis cannot be used"), "{stderr}");
}

/// A variable whose value is not UTF-8 is refused like any bad value. Before, it read as unset:
/// `PORT` fell back to 8080 and `SESSION_SECRET` to a random key, with no word why. (Each case
/// also sets a variable the old server refused, so that it stopped instead of listening.)
#[cfg(unix)]
#[test]
fn a_variable_that_is_not_utf8_stops_the_start_naming_it() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let not_utf8 = OsStr::from_bytes(b"80\xff");
    for (name, other) in
        [("PORT", ("SESSION_TTL_SECS", "0")), ("SESSION_SECRET", ("REDIS_URL", "redis://127.0.0.1:9/0"))]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_feishu-login-server"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(name, not_utf8)
            .env(other.0, other.1)
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&format!("{name} is not valid UTF-8")), "{name}: {stderr}");
    }
}
