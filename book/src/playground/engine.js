// The playground's engine: loads nnlab's WebAssembly module (built from the library by
// book/playground/build) and calls it. No page here: the page (playground.js) and the tests
// (book/playground/tests) import this same file, so what they check is what the reader runs.

const HYPER = ["mu", "decay_rate", "beta1", "beta2", "eps"];

export class Engine {
  constructor(instance) {
    this.x = instance.exports;
    // Surfaces (name, formula, window, start, minimum), rules (name, label), schedules (name,
    // label) and the book's default hyperparameters, in the library's order.
    this.info = JSON.parse(this.text(this.x.describe()));
  }

  // The last result of the module, copied out of its memory before the next call reuses it.
  text(ptr) {
    const bytes = new Uint8Array(this.x.memory.buffer, ptr, this.x.out_len());
    return new TextDecoder().decode(bytes.slice());
  }
  floats(ptr) {
    return new Float64Array(this.x.memory.buffer, ptr, this.x.out_len()).slice();
  }
  index(list, name, what) {
    const i = this.info[list].findIndex((item) => item.name === name);
    if (i < 0) throw new Error(`no ${what} named ${JSON.stringify(name)}`);
    return i;
  }

  // The surface's values on an nx × ny grid over its window, row by row from the lowest y.
  grid(surface, nx, ny) {
    return this.floats(this.x.grid(this.index("surfaces", surface, "surface"), nx, ny));
  }

  // The learning rate of each of `iters` steps under a schedule fitted to them.
  rates(schedule, learningRate, iters) {
    const ptr = this.x.rates(this.index("schedules", schedule, "schedule"), learningRate, iters);
    if (ptr === 0) throw new Error(this.text(this.x.last_error()));
    return this.floats(ptr);
  }

  // One path: { surface, rule, learning_rate, hyper: { mu, decay_rate, beta1, beta2, eps },
  // schedule, start: [x, y], iters } (the names of the library's `Case`) → { x, y, loss }, the
  // start first. Throws the library's message for a refused setting.
  descend(c) {
    const ptr = this.x.descend(
      this.index("surfaces", c.surface, "surface"),
      this.index("rules", c.rule, "update rule"),
      c.learning_rate,
      ...HYPER.map((name) => c.hyper[name]),
      this.index("schedules", c.schedule, "schedule"),
      c.start[0],
      c.start[1],
      c.iters,
    );
    if (ptr === 0) throw new Error(this.text(this.x.last_error()));
    const flat = this.floats(ptr);
    const n = flat.length / 3;
    const path = { x: new Float64Array(n), y: new Float64Array(n), loss: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      path.x[i] = flat[3 * i];
      path.y[i] = flat[3 * i + 1];
      path.loss[i] = flat[3 * i + 2];
    }
    return path;
  }
}

// A chapter's paths from the text of its trajectory CSV (results/<chapter>/trajectory.csv): each
// path's settings as the CSV's columns (strings), its points as [x, y, loss] numbers, and `iters`,
// the longest path's step count (a diverging path may stop early).
export function parseChapter(text) {
  const [head, ...lines] = text.trim().split("\n");
  const cols = head.split(",");
  const paths = [];
  for (const line of lines) {
    const f = Object.fromEntries(line.split(",").map((v, i) => [cols[i], v]));
    if (f.iter === "0") paths.push({ ...f, points: [] });
    paths.at(-1).points.push([+f.x, +f.y, +f.loss]);
  }
  const iters = Math.max(...paths.map((p) => p.points.length - 1));
  return paths.map((p) => ({ ...p, iters }));
}

// The engine from the module's bytes (an ArrayBuffer or typed array).
export async function load(bytes) {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return new Engine(instance);
}
