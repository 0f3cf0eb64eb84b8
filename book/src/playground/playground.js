// The playground page: the library's update rules, run in WebAssembly (engine.js), drawn on the
// surface's contours with their loss and step length beside them. Every path is recomputed from
// scratch on every change: six rules × 1,000 steps take well under a millisecond.
import { load, parseChapter } from "./engine.js";

// Tableau 10, in the order the book's figures use (src/report/plot/style.rs).
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const HYPER = [
  // name, label, min, max, step
  ["mu", "μ (Momentum, Nesterov)", 0, 0.999, 0.001],
  ["decay_rate", "decay rate (RMSProp)", 0.5, 0.999, 0.001],
  ["beta1", "β1 (Adam)", 0, 0.999, 0.001],
  ["beta2", "β2 (Adam)", 0.9, 0.9999, 0.0001],
];
const LOG_LR = [-5, 1]; // the learning-rate sliders' range, as powers of ten
const CHAPTER_CSV = {
  update_rules: "results/update_rules/trajectory.csv",
  momentum: "results/momentum/trajectory.csv",
};
const PAD = { left: 56, right: 10, top: 10, bottom: 34 };

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "on") for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else if (k in e && k !== "list") e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
};
// Round tick positions covering [a, b]: multiples of 1, 2 or 5 times a power of ten.
function niceTicks(a, b, most = 6) {
  const raw = (b - a) / most;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}
const fmt = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? +v.toPrecision(3) + "" : v.toExponential(2));

class Playground {
  constructor(root, engine, chapters) {
    this.root = root;
    this.engine = engine;
    this.chapters = chapters;
    this.info = engine.info;
    this.state = {
      surface: this.info.surfaces[0].name,
      schedule: "constant",
      iters: 200,
      hyper: { ...this.info.hyper },
      on: Object.fromEntries(this.info.rules.map((r) => [r.name, true])),
      lr: Object.fromEntries(this.info.rules.map((r) => [r.name, 0.01])),
      start: this.info.surfaces[0].start,
    };
    this.paths = {};
    this.build();
    this.tuned();
  }

  surface() {
    return this.info.surfaces.find((s) => s.name === this.state.surface);
  }

  // ---- controls ----
  build() {
    const s = this.state;
    this.inputs = {};
    const select = (key, list, label) =>
      el("label", {}, label + " ",
        (this.inputs[key] = el("select", {
          on: { change: (e) => { s[key] = e.target.value; if (key === "surface") this.newSurface(); this.update(); } },
        }, ...list.map((i) => el("option", { value: i.name, textContent: i.label ?? i.name })))));
    const slider = (label, min, max, step, get, set, show) => {
      const out = el("output", { textContent: show(get()) });
      const input = el("input", {
        type: "range", min, max, step, value: get(), "aria-label": label,
        on: { input: (e) => { set(+e.target.value); out.textContent = show(get()); this.update(); } },
      });
      input.refresh = () => { input.value = get(); out.textContent = show(get()); };
      return { row: el("div", { className: "pg-slider" }, el("span", {}, label), input, out), input };
    };
    const iters = slider("iterations", 10, 1000, 10, () => s.iters, (v) => (s.iters = v), (v) => v);
    this.inputs.iters = iters.input;
    const hyper = HYPER.map(([name, label, min, max, step]) => {
      const h = slider(label, min, max, step, () => s.hyper[name], (v) => (s.hyper[name] = v), fmt);
      this.inputs[name] = h.input;
      return h.row;
    });
    const rules = this.info.rules.map((r, i) => {
      const lr = slider(`learning rate of ${r.label}`, LOG_LR[0], LOG_LR[1], 0.01,
        () => Math.log10(s.lr[r.name]), (v) => (s.lr[r.name] = 10 ** v), (v) => fmt(10 ** v));
      this.inputs["lr_" + r.name] = lr.input;
      const box = el("input", {
        type: "checkbox", checked: s.on[r.name], "aria-label": `show ${r.label}`,
        on: { change: (e) => { s.on[r.name] = e.target.checked; this.update(); } },
      });
      this.inputs["on_" + r.name] = box;
      lr.row.firstChild.replaceWith(el("span", { className: "pg-rule" }, box,
        el("span", { className: "pg-swatch", style: `background:${COLORS[i]}` }), " " + r.label));
      return lr.row;
    });
    const start = ["x", "y"].map((axis, k) =>
      (this.inputs["start_" + axis] = el("input", {
        type: "number", step: "any", "aria-label": `start ${axis}`, className: "pg-start",
        on: { change: (e) => { s.start = k ? [s.start[0], +e.target.value] : [+e.target.value, s.start[1]]; this.update(); } },
      })));
    const button = (text, f, title) => el("button", { type: "button", textContent: text, title, on: { click: f } });
    const buttons = [
      button("Update rules chapter: tuned rates", () => this.tuned(),
        "each rule at the learning rate the update-rules chapter's search chose on this surface"),
      ...[0.5, 0.9, 0.99].map((mu) => button(`Momentum chapter: μ = ${mu}`, () => this.momentum(mu),
        "the momentum chapter's taco shell: SGD, Momentum and Nesterov at the same learning rate")),
    ];
    if (!this.chapters.update_rules || !this.chapters.momentum) {
      for (const b of buttons) { b.disabled = true; b.title = "the chapters' CSV files did not load"; }
    }
    this.canvas = el("canvas", { className: "pg-main", tabIndex: 0, "aria-label": "paths on the surface's contours; drag to move the start" });
    this.lossCanvas = el("canvas", { className: "pg-side", "aria-label": "loss against iteration" });
    this.stepCanvas = el("canvas", { className: "pg-side", "aria-label": "step length against iteration" });
    this.status = el("p", { className: "pg-status", role: "status" });
    this.root.replaceChildren(
      el("div", { className: "pg-row" }, select("surface", this.info.surfaces, "surface"),
        select("schedule", this.info.schedules, "learning-rate schedule"),
        el("span", {}, "start ", start[0], " ", start[1])),
      this.canvas,
      el("div", { className: "pg-row pg-sides" },
        el("figure", {}, this.lossCanvas, el("figcaption", {}, "loss (log scale where the surface has a minimum)")),
        el("figure", {}, this.stepCanvas, el("figcaption", {}, "step length |Δ(x, y)|, log scale"))),
      el("div", { className: "pg-rules" }, ...rules),
      el("div", { className: "pg-hyper" }, iters.row, ...hyper),
      el("div", { className: "pg-row" }, ...buttons),
      this.status,
    );
    this.dragging = false;
    const at = (e) => this.fromPixel(e.offsetX * this.scale, e.offsetY * this.scale);
    this.canvas.addEventListener("pointerdown", (e) => {
      this.dragging = true;
      this.canvas.setPointerCapture(e.pointerId);
      this.state.start = at(e);
      this.update();
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (this.dragging) { this.state.start = at(e); this.update(); }
    });
    this.canvas.addEventListener("pointerup", () => (this.dragging = false));
    // The keyboard moves the start too: arrows by 1% of the window, with Shift by 10%.
    this.canvas.addEventListener("keydown", (e) => {
      const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
      if (!d) return;
      e.preventDefault();
      const [x0, x1, y0, y1] = this.surface().window;
      const step = e.shiftKey ? 0.1 : 0.01;
      const [x, y] = this.state.start;
      this.state.start = [Math.min(Math.max(x + d[0] * step * (x1 - x0), x0), x1),
        Math.min(Math.max(y + d[1] * step * (y1 - y0), y0), y1)];
      this.update();
    });
    new ResizeObserver(() => this.resize()).observe(this.root);
  }

  // Sliders, selects and boxes show the state (after a button set it).
  refresh() {
    for (const i of Object.values(this.inputs)) i.refresh?.();
    this.inputs.surface.value = this.state.surface;
    this.inputs.schedule.value = this.state.schedule;
    for (const r of this.info.rules) this.inputs["on_" + r.name].checked = this.state.on[r.name];
  }

  newSurface() {
    this.state.start = this.surface().start;
    this.contours = null;
  }

  // The update-rules chapter's paths on this surface: its tuned rates, defaults, start and length.
  tuned() {
    const paths = this.chapters.update_rules?.filter((p) => p.surface === this.state.surface);
    if (!paths?.length) return this.update();
    this.apply(paths);
  }

  // The momentum chapter's taco shell with μ = `mu`: SGD and Momentum, and Nesterov where the
  // chapter runs it (μ = 0.9).
  momentum(mu) {
    const paths = this.chapters.momentum.filter((p) => p.optimizer === "sgd" || +p.mu === mu);
    if (this.state.surface !== "taco") { this.state.surface = "taco"; this.contours = null; }
    this.apply(paths, { mu });
  }

  // Shows exactly `paths` (rows of a chapter's CSV): their rules, rates, hyperparameters (the
  // book's defaults for those the CSV leaves empty, then `extra`), start and length.
  apply(paths, extra = {}) {
    const s = this.state;
    const d = this.info.hyper;
    const first = (name) => paths.find((p) => p[name] !== undefined && p[name] !== "")?.[name];
    s.hyper = { ...d, ...Object.fromEntries(["mu", "decay_rate", "beta1", "beta2", "eps"]
      .map((n) => [n, first(n) !== undefined ? +first(n) : d[n]])), ...extra };
    for (const r of this.info.rules) {
      const p = paths.find((q) => q.optimizer === r.name);
      s.on[r.name] = !!p;
      if (p) s.lr[r.name] = +p.learning_rate;
    }
    s.iters = paths[0].iters;
    s.schedule = "constant";
    s.start = [paths[0].points[0][0], paths[0].points[0][1]];
    this.refresh();
    this.update();
  }

  // ---- computing and drawing ----
  update() {
    const s = this.state;
    const t0 = performance.now();
    this.paths = {};
    const errors = [];
    for (const r of this.info.rules) {
      if (!s.on[r.name]) continue;
      try {
        this.paths[r.name] = this.engine.descend({
          surface: s.surface, rule: r.name, learning_rate: s.lr[r.name], hyper: s.hyper,
          schedule: s.schedule, start: s.start, iters: s.iters,
        });
      } catch (e) {
        errors.push(`${r.label}: ${e.message}`);
      }
    }
    const t1 = performance.now();
    this.draw();
    this.lastTimes = { compute: t1 - t0, total: performance.now() - t0 };
    this.inputs.start_x.value = +s.start[0].toPrecision(4);
    this.inputs.start_y.value = +s.start[1].toPrecision(4);
    const left = Object.entries(this.paths).filter(([, p]) => p.x.length <= s.iters).map(([n]) => this.label(n));
    this.status.textContent = [
      `${Object.keys(this.paths).length} rules × ${s.iters} steps: computed in ${this.lastTimes.compute.toFixed(1)} ms, drawn in ${(this.lastTimes.total - this.lastTimes.compute).toFixed(1)} ms.`,
      left.length ? `Left the finite numbers early: ${left.join(", ")}.` : "",
      ...errors,
    ].join(" ");
  }

  label(name) {
    return this.info.rules.find((r) => r.name === name).label;
  }

  resize() {
    this.scale = window.devicePixelRatio || 1;
    const width = this.root.clientWidth;
    const size = (c, w, h) => {
      c.style.width = w + "px";
      c.style.height = h + "px";
      c.width = Math.round(w * this.scale);
      c.height = Math.round(h * this.scale);
    };
    size(this.canvas, width, Math.round(Math.min(width * 0.6, 460)));
    const half = Math.floor((width - 24) / 2);
    size(this.lossCanvas, half, 180);
    size(this.stepCanvas, half, 180);
    this.contours = null;
    this.update();
  }

  // Data ↔ canvas pixels of the main panel (device pixels).
  frame() {
    const [x0, x1, y0, y1] = this.surface().window;
    const k = this.scale;
    const w = this.canvas.width - (PAD.left + PAD.right) * k;
    const h = this.canvas.height - (PAD.top + PAD.bottom) * k;
    return { x0, x1, y0, y1, k, w, h, left: PAD.left * k, top: PAD.top * k };
  }
  toPixel(x, y) {
    const f = this.frame();
    return [f.left + ((x - f.x0) / (f.x1 - f.x0)) * f.w, f.top + ((f.y1 - y) / (f.y1 - f.y0)) * f.h];
  }
  fromPixel(px, py) {
    const f = this.frame();
    const clamp = (v, a, b) => Math.min(Math.max(v, a), b);
    return [clamp(f.x0 + ((px - f.left) / f.w) * (f.x1 - f.x0), f.x0, f.x1),
      clamp(f.y1 - ((py - f.top) / f.h) * (f.y1 - f.y0), f.y0, f.y1)];
  }

  // The surface's filled contours and lines, drawn once per surface and size.
  drawContours() {
    const f = this.frame();
    const nx = Math.max(2, Math.round(f.w / (3 * f.k)));
    const ny = Math.max(2, Math.round(f.h / (3 * f.k)));
    const v = this.engine.grid(this.state.surface, nx, ny);
    const log = this.surface().minimum !== null;
    const t = log ? Array.from(v, (z) => Math.log10(Math.max(z, 1e-12))) : Array.from(v);
    const sorted = [...t].sort((a, b) => a - b);
    const lo = sorted[Math.floor(sorted.length * 0.001)];
    const hi = sorted[Math.floor(sorted.length * 0.999)];
    const levels = Array.from({ length: 16 }, (_, i) => lo + ((i + 0.5) * (hi - lo)) / 16);
    const c = el("canvas", { width: this.canvas.width, height: this.canvas.height });
    const g = c.getContext("2d");
    const cx = (i) => f.left + (i / (nx - 1)) * f.w;
    const cy = (j) => f.top + f.h - (j / (ny - 1)) * f.h;
    for (let j = 0; j + 1 < ny; j++) {
      for (let i = 0; i + 1 < nx; i++) {
        const z = (t[j * nx + i] - lo) / (hi - lo);
        const shade = Math.round(255 - 70 * Math.min(Math.max(z, 0), 1));
        g.fillStyle = `rgb(${shade},${shade},255)`;
        g.fillRect(cx(i), cy(j + 1), cx(i + 1) - cx(i) + 1, cy(j) - cy(j + 1) + 1);
      }
    }
    g.strokeStyle = "rgba(60,60,90,0.45)";
    g.lineWidth = f.k;
    g.beginPath();
    // Marching squares: each cell's crossings of each level, joined pairwise.
    const di = [0, 1, 1, 0];
    const dj = [0, 0, 1, 1];
    const z = [0, 0, 0, 0];
    const cuts = [];
    for (let j = 0; j + 1 < ny; j++) {
      for (let i = 0; i + 1 < nx; i++) {
        for (let e = 0; e < 4; e++) z[e] = t[(j + dj[e]) * nx + i + di[e]];
        const [zmin, zmax] = [Math.min(...z), Math.max(...z)];
        for (const level of levels) {
          if (level < zmin || level >= zmax) continue;
          cuts.length = 0;
          for (let e = 0; e < 4; e++) {
            const n = (e + 1) % 4;
            if ((z[e] < level) !== (z[n] < level)) {
              const u = (level - z[e]) / (z[n] - z[e]);
              cuts.push(cx(i + di[e] + u * (di[n] - di[e])), cy(j + dj[e] + u * (dj[n] - dj[e])));
            }
          }
          for (let q = 0; q + 3 < cuts.length; q += 4) {
            g.moveTo(cuts[q], cuts[q + 1]);
            g.lineTo(cuts[q + 2], cuts[q + 3]);
          }
        }
      }
    }
    g.stroke();
    this.contours = c;
  }

  axes(g, f, xs, ys, xLabel, yLabel) {
    g.fillStyle = "#333";
    g.font = `${12 * f.k}px sans-serif`;
    g.strokeStyle = "#666";
    g.lineWidth = f.k;
    g.strokeRect(f.left, f.top, f.w, f.h);
    g.textAlign = "center";
    g.textBaseline = "top";
    for (const [px, text] of xs) g.fillText(text, px, f.top + f.h + 4 * f.k);
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (const [py, text] of ys) g.fillText(text, f.left - 4 * f.k, py);
    g.textAlign = "center";
    g.textBaseline = "bottom";
    g.fillText(xLabel, f.left + f.w / 2, f.top + f.h + 30 * f.k);
    g.save();
    g.translate(9 * f.k, f.top + f.h / 2);
    g.rotate(-Math.PI / 2);
    g.textBaseline = "middle";
    g.fillText(yLabel, 0, 0);
    g.restore();
  }

  draw() {
    if (!this.scale) return;
    if (!this.contours) this.drawContours();
    const f = this.frame();
    const g = this.canvas.getContext("2d");
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    g.drawImage(this.contours, 0, 0);
    this.axes(g, f,
      niceTicks(f.x0, f.x1, 7).map((x) => [this.toPixel(x, f.y0)[0], fmt(x)]),
      niceTicks(f.y0, f.y1, 5).map((y) => [this.toPixel(f.x0, y)[1], fmt(y)]), "x", "y");
    g.save();
    g.beginPath();
    g.rect(f.left, f.top, f.w, f.h);
    g.clip();
    const min = this.surface().minimum;
    if (min) {
      const [mx, my] = this.toPixel(...min);
      g.strokeStyle = "#000";
      g.lineWidth = 2 * f.k;
      g.beginPath();
      g.moveTo(mx - 6 * f.k, my - 6 * f.k); g.lineTo(mx + 6 * f.k, my + 6 * f.k);
      g.moveTo(mx + 6 * f.k, my - 6 * f.k); g.lineTo(mx - 6 * f.k, my + 6 * f.k);
      g.stroke();
    }
    this.info.rules.forEach((r, i) => {
      const p = this.paths[r.name];
      if (!p) return;
      g.strokeStyle = COLORS[i];
      g.lineWidth = 2 * f.k;
      g.beginPath();
      for (let t = 0; t < p.x.length; t++) g[t ? "lineTo" : "moveTo"](...this.toPixel(p.x[t], p.y[t]));
      g.stroke();
      const [ex, ey] = this.toPixel(p.x.at(-1), p.y.at(-1));
      g.fillStyle = COLORS[i];
      g.beginPath();
      g.arc(ex, ey, 4.5 * f.k, 0, 2 * Math.PI);
      g.fill();
    });
    const [sx, sy] = this.toPixel(...this.state.start);
    g.fillStyle = "#fff";
    g.strokeStyle = "#000";
    g.lineWidth = 2 * f.k;
    g.beginPath();
    g.arc(sx, sy, 6 * f.k, 0, 2 * Math.PI);
    g.fill();
    g.stroke();
    g.restore();
    this.drawSeries(this.lossCanvas, (p) => p.loss, this.surface().minimum !== null, "loss");
    this.drawSeries(this.stepCanvas, (p) => Float64Array.from({ length: p.x.length - 1 },
      (_, t) => Math.hypot(p.x[t + 1] - p.x[t], p.y[t + 1] - p.y[t])), true, "step length", 1);
  }

  // One small panel: `series(path)` against the iteration, on a log or linear axis.
  drawSeries(canvas, series, log, yLabel, first = 0) {
    const k = this.scale;
    const f = { k, left: PAD.left * k, top: PAD.top * k, w: canvas.width - (PAD.left + PAD.right) * k,
      h: canvas.height - (PAD.top + PAD.bottom) * k };
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, canvas.width, canvas.height);
    const lines = this.info.rules.map((r, i) => [i, this.paths[r.name] && series(this.paths[r.name])])
      .filter(([, v]) => v && v.length);
    const tf = (v) => (log ? Math.log10(v) : v);
    const all = lines.flatMap(([, v]) => Array.from(v, tf)).filter(Number.isFinite).sort((a, b) => a - b);
    let [lo, hi] = all.length ? [all[0], all.at(-1)] : [0, 1];
    // A diverging path leaves the panel rather than flattening the others: at most three decades
    // above the highest first value (log), or ten times the range of the first values (linear).
    const firsts = lines.map(([, v]) => tf(v[0])).filter(Number.isFinite);
    if (log && firsts.length) hi = Math.min(hi, Math.max(...firsts) + 3);
    if (!log) lo = Math.max(lo, -Math.max(Math.abs(hi), 1) * 10);
    if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
    const X = (t) => f.left + (t / this.state.iters) * f.w;
    const Y = (v) => f.top + (1 - (tf(v) - lo) / (hi - lo)) * f.h;
    const yt = log ? niceTicks(Math.ceil(lo), Math.floor(hi), 4).filter(Number.isInteger) : niceTicks(lo, hi, 4);
    this.axes(g, f,
      niceTicks(0, this.state.iters, 4).map((t) => [X(t), t + ""]),
      yt.map((v) => [f.top + (1 - (v - lo) / (hi - lo)) * f.h, log ? "1e" + v : fmt(v)]),
      "iteration", yLabel);
    g.save();
    g.beginPath();
    g.rect(f.left, f.top, f.w, f.h);
    g.clip();
    for (const [i, v] of lines) {
      g.strokeStyle = COLORS[i];
      g.lineWidth = 1.5 * k;
      g.beginPath();
      let pen = false;
      for (let t = 0; t < v.length; t++) {
        const y = Y(v[t]);
        if (!Number.isFinite(y)) { pen = false; continue; }
        g[pen ? "lineTo" : "moveTo"](X(t + first), y);
        pen = true;
      }
      g.stroke();
    }
    g.restore();
  }

  // ---- for tests and the curious ----
  // The median time of `n` recomputations and redraws of the current settings, in ms.
  timeRedraw(n) {
    const times = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      this.update();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { median: times[n >> 1], min: times[0], max: times.at(-1) };
  }
}

async function main() {
  const root = document.getElementById("playground");
  if (!root) return;
  try {
    if (typeof WebAssembly !== "object") throw new Error("this browser has no WebAssembly");
    const bytes = await (await fetch(new URL("nnlab_playground.wasm", import.meta.url))).arrayBuffer();
    const engine = await load(bytes);
    const base = new URL("..", import.meta.url);
    const chapters = {};
    await Promise.all(Object.entries(CHAPTER_CSV).map(async ([name, path]) => {
      const r = await fetch(new URL(path, base));
      if (r.ok) chapters[name] = parseChapter(await r.text());
    }));
    const playground = new Playground(root, engine, chapters);
    window.nnlabPlayground = {
      ready: true,
      state: () => structuredClone(playground.state),
      paths: () => Object.fromEntries(Object.entries(playground.paths).map(([n, p]) =>
        [n, { x: Array.from(p.x), y: Array.from(p.y), loss: Array.from(p.loss) }])),
      toPixel: (x, y) => playground.toPixel(x, y).map((v) => v / playground.scale),
      timeRedraw: (n) => playground.timeRedraw(n),
      chapters,
    };
  } catch (e) {
    const note = root.querySelector(".pg-fallback-note");
    if (note) note.textContent = `The interactive figure could not start (${e.message}); the committed figure stands in for it.`;
    window.nnlabPlayground = { ready: false, error: e.message };
  }
}

main();
