import type { Backend } from "../../../src/index.js";
import type { Implementation } from "../../protocol.js";
import { watched } from "./arena.js";
import { w1 } from "./w1.js";
import { w2 } from "./w2.js";
import { w3 } from "./w3.js";
import { w4 } from "./w4.js";
import { w5 } from "./w5.js";
import { w6 } from "./w6.js";

/** graphgrad's side of every workload, on one backend. */
export function graphgrad(plain: Backend, options?: Readonly<Record<string, unknown>>): Implementation {
  const { backend, arenaBytes, profiles } = watched(plain);
  return {
    W1: (c, d) => w1(backend, c, d),
    W2: (c, d) => w2(backend, c, d),
    W3: (c, d) => w3(backend, c, d),
    W4: (c, d) => w4(backend, c, d),
    W5: (c, d) => w5(backend, c, d),
    W6: (c, d) => w6(backend, c, d),
    // Train steps consume their state (trainStep({ donate: true })), as TF.js variables and jax-js's
    // consumed arrays are updated in place; they report the loss without the gradients' global norm
    // (gradNorm: false), as the peers' steps compute no norm (W3's clip computes it and reports it).
    memory: async () => {
      const arena = arenaBytes();
      return arena === undefined ? {} : { arenaBytes: arena };
    },
    profile: profiles,
    notes: () => ({ backend: backend.name, trainStep: "donate: true, gradNorm: false", ...(options === undefined ? {} : { options: JSON.stringify(options) }) }),
  };
}
