/// <reference types="@webgpu/types" />
import { GraphgradError } from "../../ir/errors.js";

/**
 * Finding a WebGPU device, the same code in the browser and in Node: `navigator.gpu` where the
 * platform has it (browsers, Deno), else the npm package `webgpu` (Dawn, an optional dependency;
 * on Linux it drives a Vulkan driver). With none, the error names everything tried and how to fix it.
 */

export interface AdapterOptions {
  /** Use this device (the caller created it); nothing else is tried. */
  readonly device?: GPUDevice;
  readonly powerPreference?: GPUPowerPreference;
  /** Flags for Dawn's `create` in Node, e.g. ["backend=vulkan"] or ["adapter=NVIDIA"]. */
  readonly dawnFlags?: readonly string[];
}

export interface GpuContext {
  readonly device: GPUDevice;
  /** Where the device came from and what the adapter says it is. */
  readonly description: string;
  /** Dawn's GPU object: it must stay reachable while the device is used (collecting it crashes Dawn). */
  readonly keepAlive?: unknown;
  /** A CPU implementation (SwiftShader, a fallback adapter): kernels are tuned for compile time there. */
  readonly software: boolean;
}

interface DawnModule {
  create(flags: string[]): GPU;
}

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

const isNode = (): boolean => typeof process !== "undefined" && typeof process.versions?.node === "string";

/** A module by a computed name, so bundlers for the browser leave Node-only imports alone. */
async function importOptional(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

function isSoftware(adapter: GPUAdapter): boolean {
  const info = adapter.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
  return info?.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe/i.test(`${info?.architecture ?? ""} ${info?.description ?? ""} ${info?.device ?? ""}`);
}

function describe(adapter: GPUAdapter, where: string): string {
  const info = adapter.info as GPUAdapterInfo | undefined;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => typeof s === "string" && s !== "");
  return `${where}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}

async function deviceFrom(adapter: GPUAdapter): Promise<GPUDevice> {
  // The largest buffers the adapter allows: the arena of a big model is one storage buffer.
  const { maxStorageBufferBindingSize, maxBufferSize } = adapter.limits;
  return adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize, maxBufferSize } });
}

async function icdHint(): Promise<string> {
  const icd = process.env["VK_ICD_FILENAMES"] ?? process.env["VK_DRIVER_FILES"];
  let swiftshader = false;
  try {
    const fs = (await importOptional("node:fs")) as { existsSync(p: string): boolean };
    swiftshader = fs.existsSync(SWIFTSHADER_ICD);
  } catch {
    // not Node after all
  }
  const now = icd === undefined ? "VK_ICD_FILENAMES is not set (the Vulkan loader searches its default ICD paths)" : `VK_ICD_FILENAMES=${icd}`;
  const fix = icd === SWIFTSHADER_ICD
    ? "that is SwiftShader's ICD: check that the Vulkan loader is installed (Debian: apt-get install libvulkan1) and the Dawn flags"
    : swiftshader
    ? `a CPU fallback is installed: run with VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (SwiftShader, Chromium's software Vulkan driver)`
    : `install a Vulkan driver for your GPU and the loader (Debian: apt-get install libvulkan1 mesa-vulkan-drivers), or SwiftShader (apt-get install chromium, then VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`;
  return `${now}; ${fix}`;
}

/** The device to run on, or a GraphgradError naming what was tried. */
export async function acquireDevice(options: AdapterOptions = {}): Promise<GpuContext> {
  if (options.device !== undefined) return { device: options.device, description: "the device given", software: false };
  const tried: string[] = [];
  const request: GPURequestAdapterOptions = options.powerPreference === undefined ? {} : { powerPreference: options.powerPreference };

  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu !== undefined) {
    const adapter = await nav.gpu.requestAdapter(request);
    if (adapter !== null) return { device: await deviceFrom(adapter), description: describe(adapter, "navigator.gpu"), software: isSoftware(adapter) };
    tried.push("navigator.gpu: requestAdapter() returned null (in Chromium: is WebGPU enabled, e.g. --enable-unsafe-webgpu, and is there a GPU or SwiftShader?)");
  } else {
    tried.push("navigator.gpu: absent (not a WebGPU-enabled browser)");
  }

  if (isNode()) {
    let dawn: DawnModule | undefined;
    try {
      const mod = (await importOptional("webgpu")) as Partial<DawnModule>;
      if (typeof mod.create === "function") dawn = mod as DawnModule;
      else tried.push("the npm package `webgpu`: loaded, but it exports no create()");
    } catch (e) {
      tried.push(`the npm package \`webgpu\` (Dawn): not loadable (${e instanceof Error ? e.message.split("\n")[0] : String(e)}); install it with npm install webgpu`);
    }
    if (dawn !== undefined) {
      let adapter: GPUAdapter | null = null;
      let gpu: GPU | undefined;
      let failure = "no adapter";
      try {
        gpu = dawn.create([...(options.dawnFlags ?? [])]);
        adapter = await gpu.requestAdapter(request);
      } catch (e) {
        failure = `no adapter (${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim()})`;
      }
      if (adapter !== null) return { device: await deviceFrom(adapter), description: describe(adapter, "Dawn (npm webgpu)"), keepAlive: gpu, software: isSoftware(adapter) };
      const flags = options.dawnFlags === undefined || options.dawnFlags.length === 0 ? "" : ` with flags ${JSON.stringify(options.dawnFlags)}`;
      tried.push(`the npm package \`webgpu\` (Dawn${flags}): ${failure}; Vulkan: ${await icdHint()}`);
    }
  }
  throw new GraphgradError("webgpu", `no WebGPU adapter available. Tried: ${tried.map((t, i) => `(${i + 1}) ${t}`).join("; ")}`);
}
