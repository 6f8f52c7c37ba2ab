import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Headless Chromium for the browser suites: Debian's chromium (apt-get install chromium), with
 * WebGPU on SwiftShader (--enable-unsafe-webgpu gives navigator.gpu an adapter). Without it a
 * suite prints one line and skips, unless GRAPHGRAD_REQUIRE_WEBGPU=1 (CI), where it fails.
 */
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--enable-unsafe-webgpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** Whether the suite named `suite` skips (after printing why). */
export function skipWithoutChromium(suite: string): boolean {
  if (existsSync(CHROMIUM) || process.env["GRAPHGRAD_REQUIRE_WEBGPU"] === "1") return false;
  console.log(`${suite}: skipped, ${CHROMIUM} is missing (apt-get install chromium; GRAPHGRAD_REQUIRE_WEBGPU=1 makes this a failure)`);
  return true;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}
