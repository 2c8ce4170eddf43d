//! Prints the SDK's texts (src/messages.rs) as JSON for scripts/build-pkg.mjs, which writes the
//! package's `messages.js` (every text, loaded on first use) and `messages-sync.js` (the texts
//! thrown synchronously, in the first load) from it:
//!
//! `{"texts": [...], "names": [...], "sync": [ids], "syncIn": {features: [ids]}, "samples": [...]}`,
//! ids being positions; `sync`: the texts some entry throws synchronously; `syncIn`: per entry,
//! named by its comma-separated cargo features (the arguments), the ones it throws synchronously
//! (`Msg::is_sync_in`: an entry's `messages-sync.js` has only these); `samples`: messages as the
//! wire carries them (`{m, a?, t?}`) with the text Rust formats for them, which
//! tests/messages.test.mjs holds the driver's formatting to.
//!
//! `cargo run --quiet --example messages -- hosts,redirect,popup,qr hosts redirect`
use feishu_login::messages::Flows;
use feishu_login::{Message, Msg};
use serde_json::{json, Value};

/// A message as the wire writes it (src/wire.rs).
fn wire(message: &Message) -> Value {
    let mut out = json!({ "m": message.id() as u8 });
    if !message.args().is_empty() {
        out["a"] = json!(message.args());
    }
    if let Some(next) = message.next() {
        out["t"] = wire(next);
    }
    out
}

fn main() {
    let texts: Vec<&str> = Msg::ALL.iter().map(|m| m.template()).collect();
    let names: Vec<&str> = Msg::ALL.iter().map(|m| m.name()).collect();
    let sync: Vec<usize> = Msg::ALL.iter().filter(|m| m.is_sync()).map(|m| *m as usize).collect();
    let mut sync_in = serde_json::Map::new();
    for features in std::env::args().skip(1) {
        let flows = Flows::from_features(features.split(',').filter(|f| !f.is_empty()))
            .unwrap_or_else(|name| panic!("`{name}` is not a flow (hosts, redirect, popup, qr)"));
        let ids: Vec<usize> = Msg::ALL.iter().filter(|m| m.is_sync_in(flows)).map(|m| *m as usize).collect();
        sync_in.insert(features.clone(), json!(ids));
    }
    // Every text with placeholder-like parameters, and chains of two and three.
    let tricky = ["$&", "{1}", "`x`", "\"q\"", "a\\b", "名", "$1"];
    let mut samples: Vec<Message> = Msg::ALL
        .iter()
        .map(|&m| {
            let n = feishu_login::messages::arity(m.template());
            (0..n).fold(Message::new(m), |message, i| message.arg(tricky[i % tricky.len()]))
        })
        .collect();
    samples.push(
        Message::new(Msg::HostFailedCodeText).arg("tt.login").arg("111").arg("{0} $'").then(Msg::Errno111.into()),
    );
    let backend = Message::new(Msg::BackendCode).arg("/api").arg("500").arg("20050").then(Msg::OAuth20050.into());
    samples.push(Message::new(Msg::WarnRenewal).then(backend));
    let samples: Vec<Value> = samples.iter().map(|s| json!({ "message": wire(s), "text": s.text() })).collect();
    println!("{}", json!({ "texts": texts, "names": names, "sync": sync, "syncIn": sync_in, "samples": samples }));
}
