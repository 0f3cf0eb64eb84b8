// Runs cases through the book's engine and WebAssembly module, for tests/wasm_equals_native.rs.
// Usage: node wasm_paths.mjs MODULE.wasm < cases.json > paths.json
// Each case is the library's `Case` as JSON; each answer is { points: [[x, y, loss], ...], rates:
// [...] } (the path and its schedule's learning rates) with every number as the 16 hex digits of
// its IEEE 754 bits, or { error: message }.
import { readFileSync } from "node:fs";
import { load } from "../../src/playground/engine.js";

const bits = (value) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
};

const engine = await load(readFileSync(process.argv[2]));
const cases = JSON.parse(readFileSync(0, "utf8"));
const answers = cases.map((c) => {
  try {
    const p = engine.descend(c);
    const rates = Array.from(engine.rates(c.schedule, c.learning_rate, c.iters), bits);
    return { points: Array.from(p.x, (x, i) => [bits(x), bits(p.y[i]), bits(p.loss[i])]), rates };
  } catch (e) {
    return { error: e.message };
  }
});
process.stdout.write(JSON.stringify(answers));
