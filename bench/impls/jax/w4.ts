import { numpy as np } from "@jax-js/jax";
import type { W4Data } from "../../data/datasets.js";
import type { Multiplier } from "../../protocol.js";
import type { W4Config } from "../../workloads.js";

/** np.matmul on resident arrays, the product read back with `data()`. */
export async function w4(c: W4Config, d: W4Data): Promise<Multiplier> {
  const a = np.array(d.a).reshape([c.n, c.n]);
  const b = np.array(d.b).reshape([c.n, c.n]);
  return {
    multiply: async () => {
      const data = await np.matmul(a.ref, b.ref).data();
      if (!(data instanceof Float32Array)) throw new Error("matmul gave no float32 result");
      return data;
    },
  };
}
