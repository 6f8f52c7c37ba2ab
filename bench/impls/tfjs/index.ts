import type { Implementation } from "../../protocol.js";
import { setUpTfjs, type TfBackend, tfjsNotes } from "./setup.js";
import { w1 } from "./w1.js";
import { w2 } from "./w2.js";
import { scatterLookup, w3 } from "./w3.js";
import { w4 } from "./w4.js";
import { w5 } from "./w5.js";
import { convReluByForwardConvs, w6 } from "./w6.js";

/** TensorFlow.js on its cpu or wasm backend. */
export async function tfjs(backend: TfBackend): Promise<Implementation> {
  await setUpTfjs(backend);
  const notes = await tfjsNotes(backend);
  return {
    W1: w1,
    W2: w2,
    W3: (c, d) => w3(c, d),
    W4: w4,
    W5: w5,
    W6: w6,
    workarounds: { W3: (c, d) => w3(c, d, scatterLookup), ...(backend === "wasm" ? { W6: (c, d) => w6(c, d, convReluByForwardConvs) } : {}) },
    notes: () => notes,
  };
}
