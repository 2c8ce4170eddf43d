// The one shim of the Rust API (src/web/, cargo feature `web`; never in the npm package).
// js/driver.js's makeFeishuLogin(Engine) takes a class it can `new`; in a Rust app's wasm the
// engine is made by a Rust closure (returning the wasm's exported Engine), and wasm-bindgen's
// closures are arrow functions, which `new` refuses. A plain function returning an object can.
export const engineClass = (make) =>
  function Engine() {
    return make();
  };
