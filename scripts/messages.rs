//! Prints the SDK's texts (src/messages.rs) as JSON for scripts/build-pkg.mjs, which writes the
//! package's `messages.js` (every text, loaded on first use) and `messages-sync.js` (the texts
//! thrown synchronously, in the first load) from it:
//!
//! `{"texts": [...], "names": [...], "sync": [ids], "samples": [...]}`, ids being positions;
//! `samples`: messages as the wire carries them (`{m, a?, t?}`) with the text Rust formats for
//! them, which tests/messages.test.mjs holds the driver's formatting to.
//!
//! `cargo run --quiet --example messages`
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
    println!("{}", json!({ "texts": texts, "names": names, "sync": sync, "samples": samples }));
}
