import { GraphgradError } from "../../ir/errors.js";
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const isNode = () => typeof process !== "undefined" && typeof process.versions?.node === "string";
async function importOptional(name) {
  return import(
    /* @vite-ignore */
    name
  );
}
function isSoftware(adapter) {
  const info = adapter.info;
  return info?.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe/i.test(`${info?.architecture ?? ""} ${info?.description ?? ""} ${info?.device ?? ""}`);
}
function describe(adapter, where) {
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => typeof s === "string" && s !== "");
  return `${where}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}
async function deviceFrom(adapter) {
  const { maxStorageBufferBindingSize, maxBufferSize } = adapter.limits;
  return adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize, maxBufferSize } });
}
async function icdHint() {
  const icd = process.env["VK_ICD_FILENAMES"] ?? process.env["VK_DRIVER_FILES"];
  let swiftshader = false;
  try {
    const fs = await importOptional("node:fs");
    swiftshader = fs.existsSync(SWIFTSHADER_ICD);
  } catch {
  }
  const now = icd === void 0 ? "VK_ICD_FILENAMES is not set (the Vulkan loader searches its default ICD paths)" : `VK_ICD_FILENAMES=${icd}`;
  const fix = icd === SWIFTSHADER_ICD ? "that is SwiftShader's ICD: check that the Vulkan loader is installed (Debian: apt-get install libvulkan1) and the Dawn flags" : swiftshader ? `a CPU fallback is installed: run with VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (SwiftShader, Chromium's software Vulkan driver)` : `install a Vulkan driver for your GPU and the loader (Debian: apt-get install libvulkan1 mesa-vulkan-drivers), or SwiftShader (apt-get install chromium, then VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`;
  return `${now}; ${fix}`;
}
async function acquireDevice(options = {}) {
  if (options.device !== void 0) return { device: options.device, description: "the device given", software: false };
  const tried = [];
  const request = options.powerPreference === void 0 ? {} : { powerPreference: options.powerPreference };
  const nav = globalThis.navigator;
  if (nav?.gpu !== void 0) {
    const adapter = await nav.gpu.requestAdapter(request);
    if (adapter !== null) return { device: await deviceFrom(adapter), description: describe(adapter, "navigator.gpu"), software: isSoftware(adapter) };
    tried.push("navigator.gpu: requestAdapter() returned null (in Chromium: is WebGPU enabled, e.g. --enable-unsafe-webgpu, and is there a GPU or SwiftShader?)");
  } else {
    tried.push("navigator.gpu: absent (not a WebGPU-enabled browser)");
  }
  if (isNode()) {
    let dawn;
    try {
      const mod = await importOptional("webgpu");
      if (typeof mod.create === "function") dawn = mod;
      else tried.push("the npm package `webgpu`: loaded, but it exports no create()");
    } catch (e) {
      tried.push(`the npm package \`webgpu\` (Dawn): not loadable (${e instanceof Error ? e.message.split("\n")[0] : String(e)}); install it with npm install webgpu`);
    }
    if (dawn !== void 0) {
      let adapter = null;
      let gpu;
      let failure = "no adapter";
      try {
        gpu = dawn.create([...options.dawnFlags ?? []]);
        adapter = await gpu.requestAdapter(request);
      } catch (e) {
        failure = `no adapter (${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim()})`;
      }
      if (adapter !== null) return { device: await deviceFrom(adapter), description: describe(adapter, "Dawn (npm webgpu)"), keepAlive: gpu, software: isSoftware(adapter) };
      const flags = options.dawnFlags === void 0 || options.dawnFlags.length === 0 ? "" : ` with flags ${JSON.stringify(options.dawnFlags)}`;
      tried.push(`the npm package \`webgpu\` (Dawn${flags}): ${failure}; Vulkan: ${await icdHint()}`);
    }
  }
  throw new GraphgradError("webgpu", `no WebGPU adapter available. Tried: ${tried.map((t, i) => `(${i + 1}) ${t}`).join("; ")}`);
}
export {
  acquireDevice
};
