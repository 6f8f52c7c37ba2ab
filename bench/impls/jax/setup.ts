import { hasRelaxedMadd } from "./flags.js";
import { defaultDevice, init } from "@jax-js/jax";

/**
 * jax-js on its wasm device (its default; `init("wasm")` starts only that one, since probing
 * WebGPU needs `navigator`, which Node lacks). Its wasm backend runs on worker threads only where
 * a web `Worker` global exists, so in Node it runs on one thread.
 */
export async function setUpJax(): Promise<Record<string, string | number | boolean>> {
  const devices = await init("wasm");
  if (!devices.includes("wasm")) throw new Error(`jax-js: no wasm device (got ${devices.join(", ")})`);
  defaultDevice("wasm");
  return {
    library: "@jax-js/jax",
    device: "wasm",
    relaxedSimd: hasRelaxedMadd(),
    threads: typeof (globalThis as Record<string, unknown>)["Worker"] === "function" ? "workers" : 1,
  };
}
