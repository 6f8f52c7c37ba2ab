import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlaygroundView } from "../../examples/playground/main.js";
import { startPlayground } from "../../examples/playground/serve.js";
import type { RunningServer } from "../../examples/playground/http.js";
import type { Settings } from "../../examples/playground/settings.js";
import { launchChromium, skipWithoutChromium } from "./chromium.js";

/**
 * The playground (`npm run playground`) in headless Chromium: the page, served cross-origin
 * isolated, trains the dot MLP on WASM and on WebGPU (SwiftShader) with the optimizer, learning
 * rate, L2 and batch size chosen in its menus; the loss falls, the decision-boundary picture
 * changes, the page keeps answering while it trains, and nothing is logged as an error.
 */
type View = PlaygroundView;

describe.skipIf(skipWithoutChromium())("the playground in headless Chromium", () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startPlayground({ port: 0 }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens the page, collecting console errors, uncaught exceptions and requests elsewhere, and waits for its first picture. */
  async function open(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    // Everything the page loads comes from the playground's server (workers from blob: URLs).
    page.on("request", (r) => void (r.url().startsWith(server.url) || r.url().startsWith("blob:") || r.url().startsWith("data:") || errors.push(`request to ${r.url()}`)));
    await page.goto(server.url);
    await page.waitForFunction(() => (window.playground?.frames ?? 0) > 0 || window.playground?.error !== undefined, undefined, { timeout: 20_000 });
    return { page, errors };
  }

  const view = (page: Page): Promise<View> => page.evaluate(() => window.playground as View);
  /** Keeps a copy of a canvas's pixels in the page, under `key`. */
  const snapshot = (page: Page, id: string, key: string): Promise<void> =>
    page.evaluate(([canvasId, k]) => {
      const c = document.getElementById(canvasId) as HTMLCanvasElement;
      const w = window as unknown as { snapshots?: Record<string, Uint8ClampedArray> };
      (w.snapshots ??= {})[k] = (c.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    }, [id, key] as const);
  /** The fraction of a canvas's pixels that differ from its snapshot `key`. */
  const changedSince = (page: Page, id: string, key: string): Promise<number> =>
    page.evaluate(([canvasId, k]) => {
      const c = document.getElementById(canvasId) as HTMLCanvasElement;
      const now = (c.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      const before = (window as unknown as { snapshots: Record<string, Uint8ClampedArray> }).snapshots[k] as Uint8ClampedArray;
      let n = 0;
      for (let i = 0; i < now.length; i += 4) if (now[i] !== before[i] || now[i + 1] !== before[i + 1] || now[i + 2] !== before[i + 2]) n++;
      return n / (now.length / 4);
    }, [id, key] as const);

  /** Chooses settings in the menus and waits until the page trains with them. */
  async function choose(page: Page, s: Settings, epochsPerFrame: number): Promise<void> {
    await page.selectOption("#backend", s.backend);
    await page.selectOption("#optimizer", s.optimizer);
    await page.selectOption("#lr", String(s.lr));
    await page.selectOption("#l2", String(s.l2));
    await page.selectOption("#batch", String(s.batchSize));
    await page.selectOption("#speed", String(epochsPerFrame));
    await page.waitForFunction((want) => JSON.stringify(window.playground?.settings) === JSON.stringify(want), s, { timeout: 20_000 });
  }

  /** Trains until `epochs` epochs are done; checks the loss, the picture and the readout. */
  async function trainAndCheck(page: Page, epochs: number, checkWhileTraining: () => Promise<void>): Promise<View> {
    await snapshot(page, "plane", "plane");
    await snapshot(page, "loss", "loss");
    await page.click("#train");
    await page.waitForFunction((n) => (window.playground?.history.length ?? 0) >= Math.ceil(n / 3) || window.playground?.error !== undefined, epochs, { timeout: 20_000 });
    await checkWhileTraining();
    await page.waitForFunction((n) => (window.playground?.history.length ?? 0) >= n || window.playground?.error !== undefined, epochs, { timeout: 20_000 });
    await page.click("#train");
    await page.waitForFunction(() => window.playground?.running === false);
    const v = await view(page);
    expect(v.error).toBeUndefined();
    const h = v.history;
    expect(h.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    // The first epoch's mean loss (from random weights) against the last's.
    expect(h[h.length - 1] as number).toBeLessThan(0.25 * (h[0] as number));
    expect(v.accuracy).toBeGreaterThan(0.8);
    expect(await changedSince(page, "plane", "plane")).toBeGreaterThan(0.1);
    expect(await changedSince(page, "loss", "loss")).toBeGreaterThan(0.005);
    // The counter is drawn on the next frame after the last epoch: wait for it to catch up.
    await page.waitForFunction((n) => document.querySelector("#epoch")?.textContent === String(n), h.length, { timeout: 5_000 });
    return v;
  }

  it("trains on WASM (momentum, L2): the loss falls, the picture changes, the page stays responsive", async () => {
    const { page, errors } = await open();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent("#status")).toMatch(/^WASM backend; the page is cross-origin isolated/);
    await choose(page, { backend: "wasm", optimizer: "momentum", lr: 0.01, l2: 0.001, batchSize: 32 }, 100);
    const v = await trainAndCheck(page, 30, async () => {
      // A timer set while the page trains fires within a few frames: training yields between them.
      const delay = await page.evaluate(() => new Promise<number>((resolve) => {
        const t0 = performance.now();
        setTimeout(() => resolve(performance.now() - t0), 0);
      }));
      expect(delay).toBeLessThan(250);
    });
    expect(v.steps).toBeGreaterThanOrEqual(30 * 10);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("trains on WebGPU (Adagrad, batches of 100)", async () => {
    const { page, errors } = await open();
    await choose(page, { backend: "webgpu", optimizer: "adagrad", lr: 0.1, l2: 0, batchSize: 100 }, 1);
    expect(await page.textContent("#status")).toMatch(/^WebGPU backend: navigator\.gpu/);
    const v = await trainAndCheck(page, 10, async () => undefined);
    expect(v.settings.backend).toBe("webgpu");
    expect(errors).toEqual([]);
    await page.close();
  });
});
