import "./flags.js";
import type { Implementation } from "../../protocol.js";
import { setUpJax } from "./setup.js";
import { w1 } from "./w1.js";
import { w2 } from "./w2.js";
import { w3 } from "./w3.js";
import { w4 } from "./w4.js";
import { w5 } from "./w5.js";
import { w6 } from "./w6.js";

/** jax-js on its wasm device. */
export async function jax(): Promise<Implementation> {
  const notes = await setUpJax();
  return { W1: w1, W2: w2, W3: w3, W4: w4, W5: w5, W6: w6, notes: () => notes };
}
