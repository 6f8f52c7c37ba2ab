import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundlePage } from "../../examples/playground/bundle.js";
import { type RunningServer, servePages } from "../../examples/playground/http.js";
import { launchChromium, skipWithoutChromium } from "./chromium.js";
import type { ThreadsReport } from "./wasm-threads-page.js";

/**
 * The WASM backend's worker threads in a browser: Web Workers over shared memory where the page
 * is cross-origin isolated (COOP same-origin + COEP require-corp), one thread where it is not.
 * The page (wasm-threads-page.ts) splits a matmul and an elementwise kernel between 3 threads;
 * the results must equal one thread's bit for bit.
 */
const here = dirname(fileURLToPath(import.meta.url));
const ENTRY = `
import { runThreads } from "./wasm-threads-page.js";
const w = window as unknown as { result?: unknown };
runThreads(3).then((r) => (w.result = { ok: true, ...r }), (e) => (w.result = { ok: false, error: String(e) }));
`;
const HTML = '<!doctype html><title>wasm threads</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>';

type Result = ({ ok: true } & ThreadsReport) | { ok: false; error: string };

describe.skipIf(skipWithoutChromium())("WASM threads in headless Chromium", () => {
  let browser: Browser;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    const script = await bundlePage({ source: ENTRY, resolveDir: here });
    const files = { "/": { type: "text/html", body: HTML }, "/page.js": { type: "text/javascript", body: script } };
    servers.push(await servePages(files), await servePages(files, { isolated: false }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
  });

  async function open(server: RunningServer): Promise<Result> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    await page.goto(server.url);
    const handle = await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, undefined, { timeout: 30_000 });
    const result = (await handle.jsonValue()) as Result;
    await page.close();
    expect(errors).toEqual([]);
    return result;
  }

  it("a cross-origin isolated page splits kernels between Web Workers, bit-identical to one thread", async () => {
    const r = await open(servers[0] as RunningServer);
    if (!r.ok) throw new Error(r.error);
    expect(r.isolated).toBe(true);
    expect(r.threads).toEqual([3, 3]);
    expect(r.parallelKernels).toEqual([1, 1]);
    expect(r.checked).toBe(2 * (2 * 96 * 200 + 600 * 500));
    expect(r.identical).toBe(true);
  });

  it("a page that is not cross-origin isolated runs on one thread", async () => {
    const r = await open(servers[1] as RunningServer);
    if (!r.ok) throw new Error(r.error);
    expect(r.isolated).toBe(false);
    expect(r.threads).toEqual([1, 1]);
    expect(r.parallelKernels).toEqual([0, 0]);
    expect(r.identical).toBe(true);
  });
});
