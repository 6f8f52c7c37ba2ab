import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";

/**
 * TensorFlow.js 4.22 in Node from its pinned packages only (no network): tfjs-core, and the cpu
 * or wasm backend. The wasm binaries are loaded from node_modules (`setWasmPaths` with the package's
 * dist directory, as its README says for files served from elsewhere).
 *
 * Gradients: tfjs-core's Node bundle registers no gradient functions (the `@tensorflow/tfjs` umbrella
 * does, by importing `register_all_gradients`). That module exists in tfjs-core only as per-file
 * ES modules with extensionless imports, which Node's ESM loader refuses, so it is loaded with
 * `require` (tsx transpiles it). tfjs keeps its registries on the global object and its classes
 * tolerate several copies (Symbol.hasInstance), so the gradients it registers are the ones the
 * engine uses.
 */
export type TfBackend = "cpu" | "wasm";

const require = createRequire(import.meta.url);

export async function setUpTfjs(backend: TfBackend): Promise<typeof tf> {
  require("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  if (backend === "cpu") {
    await import("@tensorflow/tfjs-backend-cpu");
  } else {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const dir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
    wasm.setWasmPaths(dir + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialize`);
  await tf.ready();
  tf.enableProdMode();
  return tf;
}

/** What is worth recording about the running backend. */
export async function tfjsNotes(backend: TfBackend): Promise<Record<string, string | number | boolean>> {
  const notes: Record<string, string | number | boolean> = { library: `@tensorflow/tfjs-core ${tf.version_core}`, backend };
  if (backend === "wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    notes["threads"] = wasm.getThreadsCount();
    notes["simd"] = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  }
  return notes;
}
