import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOT_CSV, readDot } from "../../examples/data/dot.js";
import { initialParams } from "../../examples/dot/model.js";
import { servePages } from "../../examples/playground/http.js";
import { parsePlaygroundArgs } from "../../examples/playground/serve.js";
import { colourOf, GRID, GRID_AXIS, GRID_POINTS } from "../../examples/playground/plane.js";
import { dotPointsFromCsv } from "../../examples/playground/points.js";
import { DEFAULT_SETTINGS, OPTIMIZERS, type OptimizerName, type Settings } from "../../examples/playground/settings.js";
import { createTrainer, type Trainer } from "../../examples/playground/trainer.js";
import * as gg from "../../src/index.js";

/** The playground's parts that run in Node: the trainer, the data, the grid, the server and its command. */
const data = readDot();
const start = (): Promise<Record<string, gg.Tensor>> => initialParams(gg.random.key(1));
const points = new gg.Tensor("float32", [data.x.rows, 2], data.x.data);

async function epochs(t: Trainer, n: number): Promise<void> {
  const target = t.history.length + n;
  while (t.history.length < target) await t.step();
}

describe("the playground's trainer", () => {
  it("the bundled CSV text gives the same points as examples/data/dot.ts", () => {
    const p = dotPointsFromCsv(readFileSync(DOT_CSV, "utf8"));
    expect(Array.from(p.x.data)).toEqual(Array.from(data.x.data));
    expect(Array.from(p.y.data)).toEqual(Array.from(data.y.data));
  });

  it("counts steps and epochs (batches of 32: ten steps an epoch) and records each epoch's mean loss", async () => {
    const t = await createTrainer({ data, settings: { ...DEFAULT_SETTINGS, optimizer: "sgd", lr: 0.01 }, backend: gg.wasm({ threads: 1 }), params: await start() });
    expect([t.steps, t.history.length, t.lastLoss]).toEqual([0, 0, Number.NaN]);
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) {
      await t.step();
      losses.push(t.lastLoss);
    }
    expect([t.steps, t.history.length]).toEqual([10, 1]);
    expect(t.history[0]).toBeCloseTo(losses.reduce((a, b) => a + b) / 10, 12);
    await epochs(t, 9);
    expect([t.steps, t.history.length]).toEqual([100, 10]);
  });

  it("continues from the same weights and history with other settings; a new batch size drops the partial epoch", async () => {
    const backend = gg.wasm({ threads: 1 });
    const t = await createTrainer({ data, settings: { ...DEFAULT_SETTINGS, optimizer: "sgd", lr: 0.01 }, backend, params: await start() });
    await epochs(t, 2);
    for (let i = 0; i < 3; i++) await t.step();
    const before = await t.predict(points);
    const same = await t.continueWith({ ...t.settings, optimizer: "adam", lr: 0.003, l2: 0.01 }, backend);
    expect(Array.from(await same.predict(points))).toEqual(Array.from(before));
    // On another backend, the same weights (float32 sums in another order: a few ULPs).
    const onJs = await t.continueWith(t.settings, gg.js());
    Array.from(await onJs.predict(points)).forEach((v, i) => expect(Math.abs(v - (before[i] as number))).toBeLessThan(1e-5 * (1 + Math.abs(before[i] as number))));
    expect([same.steps, same.history]).toEqual([23, t.history]);
    // Same batch size: the epoch under way goes on (7 more steps finish it).
    for (let i = 0; i < 7; i++) await same.step();
    expect(same.history.length).toBe(3);
    const resized = await same.continueWith({ ...same.settings, batchSize: 100 }, backend);
    await resized.step();
    expect([resized.steps, resized.history.length]).toEqual([31, 3]);
    await epochs(resized, 1);
    expect([resized.steps, resized.history.length]).toEqual([33, 4]);
  });

  it.each(Object.keys(OPTIMIZERS) as OptimizerName[])("%s, from the page's menu, lowers the loss", async (optimizer) => {
    // Rates from the page's menu at which each optimizer makes progress in a few epochs.
    const lr = { sgd: 0.01, momentum: 0.01, nesterov: 0.01, adagrad: 0.1, rmsprop: 0.01, adam: 0.03, adadelta: 1 }[optimizer];
    const settings: Settings = { ...DEFAULT_SETTINGS, optimizer, lr, l2: 0.001 };
    const t = await createTrainer({ data, settings, backend: gg.wasm({ threads: 1 }), params: await start() });
    await epochs(t, 10);
    expect(t.history.every(Number.isFinite)).toBe(true);
    expect(t.history[9] as number).toBeLessThan(0.9 * (t.history[0] as number));
  });
});

describe("the playground's picture", () => {
  it("samples cell centres of [-3, 3]², point i·GRID + j at (axis[i], axis[j])", () => {
    expect(GRID_AXIS).toHaveLength(GRID);
    expect(GRID_AXIS[0]).toBeCloseTo(-3 + 3 / GRID, 12);
    expect(GRID_AXIS[GRID - 1]).toBeCloseTo(3 - 3 / GRID, 12);
    const i = 5;
    const j = 40;
    expect([GRID_POINTS[2 * (i * GRID + j)], GRID_POINTS[2 * (i * GRID + j) + 1]]).toEqual([Math.fround(GRID_AXIS[i] as number), Math.fround(GRID_AXIS[j] as number)]);
  });

  it("colours 0 orange, 0.5 white, 1 blue, clamping outside and NaN as undecided", () => {
    const [orange, white, blue] = [colourOf(0), colourOf(0.5), colourOf(1)];
    expect(orange[0]).toBeGreaterThan(orange[2]);
    expect(blue[2]).toBeGreaterThan(blue[0]);
    expect(white).toEqual([250, 250, 250]);
    expect([colourOf(-4), colourOf(7), colourOf(Number.NaN)]).toEqual([orange, blue, white]);
  });
});

describe("the playground's server", () => {
  it("serves its pages cross-origin isolated (or not, when asked), and 404 for other paths", async () => {
    const files = { "/": { type: "text/html", body: "<p>hi</p>" } };
    for (const isolated of [true, false]) {
      const server = await servePages(files, { isolated });
      try {
        const page = await fetch(server.url);
        expect(page.status).toBe(200);
        expect(await page.text()).toBe("<p>hi</p>");
        expect(page.headers.get("cross-origin-opener-policy")).toBe(isolated ? "same-origin" : null);
        expect(page.headers.get("cross-origin-embedder-policy")).toBe(isolated ? "require-corp" : null);
        expect((await fetch(`${server.url}nothing`)).status).toBe(404);
      } finally {
        await server.close();
      }
    }
  });

  it("reads --port and --host, and refuses what is not a port or not an option", () => {
    expect(parsePlaygroundArgs([])).toEqual({ port: 8080, host: "127.0.0.1" });
    expect(parsePlaygroundArgs(["--port", "0", "--host", "localhost"])).toEqual({ port: 0, host: "localhost" });
    for (const bad of ["http", "65536", "-1", "80.5", ""]) expect(parsePlaygroundArgs([`--port=${bad}`])).toEqual({ error: expect.stringMatching(new RegExp(`^--port must be a port number .*got '${bad}'`)) });
    expect(parsePlaygroundArgs(["--bogus"])).toEqual({ error: expect.stringMatching(/Unknown option '--bogus'.*\n.*usage: npm run playground/s) });
  });

  it("npm run playground -- --port 0 prints its URL and serves the page with the data bundled", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/playground/serve.ts", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out);
        });
        child.on("exit", (code) => reject(new Error(`the server exited (${code}) before printing its URL: ${out}`)));
      });
      const url = /^graphgrad playground: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1];
      expect(url, line).toBeDefined();
      const html = await (await fetch(url as string)).text();
      expect(html).toContain('<script type="module" src="/playground.js"></script>');
      const script = await (await fetch(`${url}playground.js`)).text();
      expect(script).toContain("-2.136196096,1.640270808,0");
    } finally {
      child.kill();
    }
  }, 60_000);
});
