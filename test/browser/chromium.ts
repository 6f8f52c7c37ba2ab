import { type Browser, chromium } from "playwright-core";
import { inject } from "vitest";
import { CHROMIUM } from "../support/webgpu-requirements.js";

/**
 * Headless Chromium for the browser suites: Debian's chromium (apt-get install chromium), with
 * WebGPU on SwiftShader (--enable-unsafe-webgpu gives navigator.gpu an adapter). Without it the
 * suites skip (vitest.config.ts prints one line saying so), unless GRAPHGRAD_REQUIRE_WEBGPU=1 (CI),
 * where the run fails.
 */
export { CHROMIUM };
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--enable-unsafe-webgpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** Whether the browser suites skip: chromium is not installed (decided once per run, in vitest.config.ts). */
export function skipWithoutChromium(): boolean {
  return inject("webgpuSkip").browser;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}
