// The playground in a real browser: builds the book, serves it with a plain static server and
// with `mdbook serve`, opens the playground page in headless Chromium (Debian's /usr/bin/chromium,
// or CHROMIUM), and checks on each:
//   1. the page starts (WebAssembly loaded, no console errors);
//   2. the chapter buttons draw the committed CSVs' paths, bit for bit, on every surface, and
//      Momentum at μ = 0.99;
//   3. after moving a slider with the keyboard and dragging the start with the mouse, the drawn
//      paths' points equal the native library's (book/playground/src/bin/native_paths.rs), and
//      each endpoint's pixel on the canvas has a rule's colour;
//   4. the time of one redraw of six rules × 500 iterations (median of 50);
// and, opened from the disk (file://, where a browser refuses the page's module script), that the
// page says how to serve it and shows the committed figure instead.
// Screenshots go to target/playground-browser/. Exit 1 on any failure.
// Usage: (cd book/playground/browser && npm ci && node test.mjs)
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseChapter } from "../../src/playground/engine.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const shots = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "playground-browser");
mkdirSync(shots, { recursive: true });
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

// ---- the references: the committed CSVs, and the native library ----
const chapterPaths = (csv) => parseChapter(readFileSync(join(root, csv), "utf8"));
const fromBits = (hex) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt("0x" + hex));
  return view.getFloat64(0);
};
function native(cases) {
  const out = execFileSync("cargo", ["run", "-q", "-p", "nnlab-playground", "--bin", "native_paths"], {
    cwd: root, input: JSON.stringify(cases), maxBuffer: 1 << 28,
  });
  return JSON.parse(out).map((a) => a.points?.map((p) => p.map(fromBits)) ?? a);
}
const samePoints = (drawn, want) =>
  drawn.x.length === want.length &&
  want.every(([x, y, loss], t) => drawn.x[t] === x && drawn.y[t] === y && drawn.loss[t] === loss);

// ---- servers ----
async function waitFor(url, ms = 60000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}
function serve(command, args, port) {
  const child = spawn(command, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  return { child, url: `http://127.0.0.1:${port}/`, log: () => log, stop: () => process.kill(-child.pid) };
}

// ---- one server's checks ----
async function checkPage(browser, server, name) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("requestfailed", (r) => errors.push(`request ${r.url()} failed (${r.failure()?.errorText})`));
  await page.goto(server.url + "playground.html");
  await page.waitForFunction(() => window.nnlabPlayground !== undefined, null, { timeout: 30000 });
  const started = await page.evaluate(() => window.nnlabPlayground);
  check(started.ready === true, `${name}: the playground started${started.error ? ` (${started.error})` : ""}`);
  if (!started.ready) return page.close();
  const pg = (f, ...a) => page.evaluate(f, ...a);
  await page.locator("#playground").screenshot({ path: join(shots, `${name}-default.png`) });

  // 2. The chapters' buttons redraw the committed paths.
  const updateRules = chapterPaths("results/update_rules/trajectory.csv");
  for (const surface of ["taco", "rosenbrock", "beale", "saddle"]) {
    await page.selectOption("select >> nth=0", surface);
    await page.getByRole("button", { name: "Update rules chapter: tuned rates" }).click();
    const drawn = await pg(() => window.nnlabPlayground.paths());
    const want = updateRules.filter((p) => p.surface === surface);
    const same = want.every((p) => drawn[p.optimizer] && samePoints(drawn[p.optimizer], p.points));
    check(same && Object.keys(drawn).length === 6,
      `${name}: "tuned rates" on ${surface} draws the six paths of results/update_rules/trajectory.csv bit for bit`);
  }
  await page.getByRole("button", { name: "Momentum chapter: μ = 0.99" }).click();
  const momentum = chapterPaths("results/momentum/trajectory.csv");
  const drawn = await pg(() => window.nnlabPlayground.paths());
  const rows = momentum.filter((p) => p.optimizer === "sgd" || (p.optimizer === "momentum" && p.mu === "0.99"));
  check(rows.length === 2 && rows.every((p) => samePoints(drawn[p.optimizer], p.points)),
    `${name}: "Momentum chapter: μ = 0.99" draws SGD and Momentum (μ = 0.99) of results/momentum/trajectory.csv bit for bit`);
  await page.locator("#playground").screenshot({ path: join(shots, `${name}-momentum-0.99.png`) });

  // 3. A slider moved with the keyboard, the start dragged with the mouse: native paths.
  await page.selectOption("select >> nth=0", "beale");
  await page.getByRole("button", { name: "Update rules chapter: tuned rates" }).click();
  const mu = page.getByRole("slider", { name: "μ (Momentum, Nesterov)" });
  await mu.focus();
  for (let i = 0; i < 150; i++) await mu.press("ArrowLeft");
  const state0 = await pg(() => window.nnlabPlayground.state());
  check(Math.abs(state0.hyper.mu - 0.75) < 1e-9, `${name}: 150 presses of ← move μ from 0.9 to 0.75 (now ${state0.hyper.mu})`);
  const box = await page.locator("canvas.pg-main").boundingBox();
  const [sx, sy] = await pg(([x, y]) => window.nnlabPlayground.toPixel(x, y), state0.start);
  const [tx, ty] = await pg(() => window.nnlabPlayground.toPixel(2.0, -1.0));
  await page.mouse.move(box.x + sx, box.y + sy);
  await page.mouse.down();
  await page.mouse.move(box.x + tx, box.y + ty, { steps: 12 });
  await page.mouse.up();
  const state = await pg(() => window.nnlabPlayground.state());
  check(Math.hypot(state.start[0] - 2.0, state.start[1] + 1.0) < 0.05,
    `${name}: dragging moved the start from (${state0.start}) to (${state.start.map((v) => v.toFixed(3))}), near (2, -1)`);
  const paths = await pg(() => window.nnlabPlayground.paths());
  const rules = Object.keys(paths);
  const want = native(rules.map((rule) => ({
    surface: state.surface, rule, learning_rate: state.lr[rule], hyper: state.hyper,
    schedule: state.schedule, start: state.start, iters: state.iters,
  })));
  check(rules.length === 6 && rules.every((r, i) => samePoints(paths[r], want[i])),
    `${name}: after the slider and the drag, the six drawn paths equal the native library's bit for bit`);
  // Each rule alone (the others unticked): the pixel at its drawn endpoint has its colour.
  const labels = { sgd: "SGD", momentum: "Momentum", nesterov: "Nesterov", adagrad: "AdaGrad", rmsprop: "RMSProp", adam: "Adam" };
  const palette = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75]];
  const colours = [];
  for (const [i, rule] of rules.entries()) {
    for (const other of rules) await page.getByRole("checkbox", { name: `show ${labels[other]}` }).setChecked(other === rule);
    colours.push([rule, i, await pg(() => {
      const c = document.querySelector("canvas.pg-main");
      const [rule, p] = Object.entries(window.nnlabPlayground.paths())[0];
      const [x, y] = window.nnlabPlayground.toPixel(p.x.at(-1), p.y.at(-1));
      const k = c.width / c.clientWidth;
      return Array.from(c.getContext("2d").getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data).slice(0, 3);
    })]);
  }
  for (const rule of rules) await page.getByRole("checkbox", { name: `show ${labels[rule]}` }).setChecked(true);
  const near = (c, p) => c.reduce((sum, v, j) => sum + Math.abs(v - p[j]), 0) < 30;
  check(colours.every(([, i, c]) => near(c, palette[i])),
    `${name}: each rule drawn alone has its colour at its endpoint (${colours.map(([r, , c]) => `${r} ${c}`).join("; ")})`);
  await page.locator("#playground").screenshot({ path: join(shots, `${name}-after-drag.png`) });

  // 4. The time of one redraw of six rules × 500 iterations.
  const iters = page.getByRole("slider", { name: "iterations" });
  await iters.fill("500");
  const timing = await pg(() => ({ n: window.nnlabPlayground.state().iters, t: window.nnlabPlayground.timeRedraw(50) }));
  check(timing.n === 500, `${name}: the iterations slider set 500 steps`);
  console.log(`     ${name}: one redraw of 6 rules × 500 iterations: median ${timing.t.median.toFixed(2)} ms (${timing.t.min.toFixed(2)}–${timing.t.max.toFixed(2)}, 50 redraws)`);
  check(errors.length === 0, `${name}: no console errors${errors.length ? ": " + errors.join("; ") : ""}`);
  await page.close();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  execFileSync("mdbook", ["build", "book"], { cwd: root, stdio: "inherit" });
  const servers = [
    ["static", () => serve("python3", ["-m", "http.server", "3917", "--bind", "127.0.0.1", "--directory", "book/book"], 3917)],
    ["mdbook-serve", () => serve("mdbook", ["serve", "book", "-n", "127.0.0.1", "-p", "3918"], 3918)],
  ];
  const page = await browser.newPage();
  await page.goto("file://" + join(root, "book/book/playground.html"), { waitUntil: "load" });
  await page.waitForTimeout(1000); // a module script from file:// is refused; give it the chance
  const fallback = await page.evaluate(() => ({
    started: window.nnlabPlayground?.ready === true,
    note: document.querySelector(".pg-fallback-note")?.textContent ?? "",
    image: document.querySelector("#playground img")?.naturalWidth ?? 0,
  }));
  check(!fallback.started && /mdbook serve/.test(fallback.note) && fallback.image > 0,
    `file://: no figure starts; the page says to serve the book and shows the committed figure`);
  await page.locator("#playground").screenshot({ path: join(shots, "file-fallback.png") });
  await page.close();
  for (const [name, start] of servers) {
    const server = start();
    try {
      await waitFor(server.url + "playground.html");
      await checkPage(browser, server, name);
    } catch (e) {
      check(false, `${name}: ${e.message}\n${server.log()}`);
    } finally {
      server.stop();
    }
  }
} finally {
  await browser.close();
}
console.log(`${failures.length ? "FAILED" : "passed"}: screenshots in ${shots}`);
process.exit(failures.length ? 1 : 0);
