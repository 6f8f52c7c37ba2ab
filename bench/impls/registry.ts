import type { Implementation } from "../protocol.js";
import type { WorkloadId } from "../workloads.js";
import { availableBackends, backendFactory, type BackendName } from "./graphgrad/backends.js";

/**
 * Every implementation the harness knows, by id. graphgrad runs on each backend the library
 * exports (found at run time); the peers are the pinned devDependencies. Loading is lazy, so a
 * worker process loads only its own library.
 */
export interface ImplInfo {
  readonly id: string;
  readonly kind: "graphgrad" | "peer";
  readonly describe: string;
  /** Workloads that also get a run of the implementation's documented workaround, and what it is. */
  readonly workarounds: Partial<Record<WorkloadId, string>>;
  readonly load: () => Promise<Implementation>;
}

function graphgradImpl(name: BackendName): ImplInfo {
  return {
    id: `gg-${name}`,
    kind: "graphgrad",
    describe: `graphgrad, gg.${name}() backend`,
    workarounds: {},
    load: async () => {
      const factory = backendFactory(name);
      if (factory === undefined) throw new Error(`this graphgrad build exports no gg.${name}()`);
      const { graphgrad } = await import("./graphgrad/index.js");
      return graphgrad(factory());
    },
  };
}

export const PEERS: readonly ImplInfo[] = [
  {
    id: "tfjs-cpu",
    kind: "peer",
    describe: "TensorFlow.js 4.22, cpu backend",
    workarounds: {},
    load: async () => (await import("./tfjs/index.js")).tfjs("cpu"),
  },
  {
    id: "tfjs-wasm",
    kind: "peer",
    describe: "TensorFlow.js 4.22, wasm backend (XNNPACK)",
    workarounds: {
      W3: "embedding lookup through tf.customGrad whose gradient is tf.scatterND (the wasm backend has no UnsortedSegmentSum kernel for tf.gather's gradient)",
    },
    load: async () => (await import("./tfjs/index.js")).tfjs("wasm"),
  },
  {
    id: "jax-wasm",
    kind: "peer",
    describe: "jax-js, wasm device, jit-compiled train steps",
    workarounds: {},
    load: async () => (await import("./jax/index.js")).jax(),
  },
];

/** graphgrad on every available backend, then the peers. */
export function allImpls(): ImplInfo[] {
  return [...availableBackends().map(graphgradImpl), ...PEERS];
}

export function findImpl(id: string): ImplInfo | undefined {
  return allImpls().find((i) => i.id === id);
}

/** The graphgrad JS backend: the reference every other implementation is checked against. */
export const REFERENCE_IMPL = "gg-js";
