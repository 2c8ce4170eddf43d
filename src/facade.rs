//! The wasm boundary (wasm32 only): one class, `Engine`, with one method, `step`, that takes an
//! event as JSON text (and the time) and returns the effects as JSON text (see [`crate::wire`]);
//! and the four synchronous ports the engine asks the browser, imported from `js/driver.js`. The public
//! `FeishuLogin` class is the driver's; this module converts text and nothing else.

use crate::prelude::*;
use wasm_bindgen::prelude::*;

use crate::engine::Engine;
use crate::ports::{Area, Random, Refused, Stores, Url, UrlParser};
use crate::wire::step;

#[wasm_bindgen(module = "/js/driver.js")]
extern "C" {
    #[wasm_bindgen(js_name = portFill)]
    fn port_fill(buf: &mut [u8]) -> bool;
    #[wasm_bindgen(js_name = portGet)]
    fn port_get(area: u8, key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = portPut)]
    fn port_put(area: u8, key: &str, value: Option<String>) -> bool;
    #[wasm_bindgen(js_name = portUrl)]
    fn port_url(input: &str, base: Option<String>) -> Option<String>;
}

/// The browser's answers to the engine's synchronous questions.
struct Browser;

impl Random for Browser {
    fn fill(&self, buf: &mut [u8]) -> bool {
        port_fill(buf)
    }
}

fn area(area: Area) -> u8 {
    match area {
        Area::Session => 0,
        Area::Pending => 1,
        Area::Shared => 2,
    }
}

impl Stores for Browser {
    fn get(&self, which: Area, key: &str) -> Result<Option<String>, Refused> {
        // "+value", "-" for absent; nothing when the store threw.
        let answer = port_get(area(which), key).ok_or(Refused)?;
        Ok(answer.strip_prefix('+').map(str::to_owned))
    }

    fn put(&self, which: Area, key: &str, value: Option<&str>) -> Result<(), Refused> {
        if port_put(area(which), key, value.map(str::to_owned)) {
            Ok(())
        } else {
            Err(Refused)
        }
    }
}

impl UrlParser for Browser {
    fn parse_url(&self, input: &str, base: Option<&str>) -> Option<Url> {
        Url::from_lines(&port_url(input, base.map(str::to_owned))?)
    }
}

/// The login engine of one `FeishuLogin` (`js/driver.js` owns it).
// Exported to JS by wasm-bindgen; Rust code uses `Engine` (or `web::FeishuLogin`).
#[allow(unnameable_types)]
#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine {
    engine: Option<Engine>,
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// An engine waiting for its `init` event.
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmEngine {
        WasmEngine { engine: None }
    }

    /// Handles one event (JSON text) at `now` (`Date.now()`, read once by the driver); returns
    /// the effects (a JSON array).
    pub fn step(&mut self, event: &str, now: f64) -> String {
        step(&mut self.engine, event, now as i64, &Browser)
    }
}

impl Default for WasmEngine {
    fn default() -> Self {
        WasmEngine::new()
    }
}
