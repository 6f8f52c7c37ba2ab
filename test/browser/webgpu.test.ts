import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { js } from "../../backends/js/index.js";
import { bundlePage } from "../../examples/playground/bundle.js";
import { type RunningServer, servePages } from "../../examples/playground/http.js";
import { CHROMIUM, skipWithoutChromium } from "./chromium.js";
import { IRIS_STEPS, trainIris } from "./iris-train.js";

/**
 * The library in a browser: a page bundled from src/index.ts (esbuild, in memory) trains the iris
 * model on `await gg.webgpu()` — navigator.gpu in Debian's Chromium, headless, on SwiftShader (its
 * software Vulkan driver) — and reports its losses; they must fall and match the JS backend's.
 *
 * Tolerance: every loss within 2e-6 relative of the reference's (16 float32 ULPs). The WebGPU
 * backend computes in float32 with float32 sums over the 150 flowers; the reference rounds once
 * from float64; SGD at this rate contracts, so step-to-step differences stay at a few ULPs
 * (measured in Node on Dawn: 2.1e-7 at most over the 40 steps).
 */

/** Flags that give a WebGPU adapter on SwiftShader: --enable-unsafe-webgpu is the one that matters (without it requestAdapter() gives null). */
const FLAGS = ["--no-sandbox", "--headless=new", "--disable-gpu-sandbox", "--use-angle=swiftshader", "--enable-features=Vulkan", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];
const here = dirname(fileURLToPath(import.meta.url));

/** The page's script: train on WebGPU and publish the losses, or the error, on window.result. */
const ENTRY = `
import { webgpu } from "../../src/index.js";
import { trainIris } from "./iris-train.js";
const w = window as unknown as { result?: unknown };
try {
  const backend = await webgpu();
  w.result = { ok: true, adapter: backend.description, losses: await trainIris(backend) };
} catch (e) {
  w.result = { ok: false, error: String(e) };
}
`;

type PageResult = { ok: true; adapter: string; losses: number[] } | { ok: false; error: string };

let server: RunningServer;
let url: string;
const browsers: Browser[] = [];

beforeAll(async () => {
  const script = await bundlePage({ source: ENTRY, resolveDir: here });
  server = await servePages({
    "/": { type: "text/html", body: '<!doctype html><title>graphgrad webgpu</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>' },
    "/page.js": { type: "text/javascript", body: script },
  });
  url = server.url;
});

afterAll(async () => {
  for (const b of browsers) await b.close();
  await server.close();
});

/** Opens the page in a fresh headless Chromium with these flags and waits for its result. */
async function runPage(flags: readonly string[]): Promise<PageResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...flags] });
  browsers.push(browser);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  const handle = await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, undefined, { timeout: 45_000 }).catch((e: unknown) => {
    throw new Error(`the page published no result: ${String(e)}; page errors: ${errors.join("; ") || "none"}`);
  });
  return (await handle.jsonValue()) as PageResult;
}

describe.skipIf(skipWithoutChromium())("WebGPU in headless Chromium (SwiftShader)", () => {
  it("a page built from the library trains the iris model on WebGPU: the loss falls and matches the JS backend", async () => {
    const result = await runPage(["--enable-unsafe-webgpu", ...FLAGS]);
    if (!result.ok) throw new Error(`the page could not train on WebGPU: ${result.error}`);
    expect(result.adapter).toMatch(/^navigator\.gpu/);
    const want = await trainIris(js());
    expect(result.losses).toHaveLength(IRIS_STEPS);
    result.losses.forEach((l, i) => {
      const w = want[i] as number;
      expect(Math.abs(l - w), `step ${i}: ${l} vs the reference's ${w}`).toBeLessThanOrEqual(2e-6 * Math.abs(w));
      if (i > 0) expect(l).toBeLessThan(result.losses[i - 1] as number);
    });
    expect(result.losses[IRIS_STEPS - 1] as number).toBeLessThan(0.6 * (result.losses[0] as number));
  }, 90_000);

  it("without --enable-unsafe-webgpu the page gets the library's error naming what it tried", async () => {
    const result = await runPage(FLAGS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/no WebGPU adapter available.*navigator\.gpu: requestAdapter\(\) returned null.*--enable-unsafe-webgpu/);
  }, 60_000);
});
