import type { Implementation } from "../protocol.js";
import type { WorkloadId } from "../workloads.js";
import { availableBackends, backendFactory, type BackendName, type BackendOptions } from "./graphgrad/backends.js";
import { torchMissing } from "./torch/python.js";

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
  /** Seconds a worker may run for a workload before it is stopped (reported "too slow"); default: the run's --timeout. */
  readonly limits?: Partial<Record<WorkloadId, number>>;
  /**
   * For an optional peer: undefined when it can run here, else one line saying what is missing and
   * how to add it. Implementations sharing a requirement share the function (the harness asks once).
   */
  readonly missing?: () => string | undefined;
  readonly load: (options?: LoadOptions) => Promise<Implementation>;
}

/** How a worker loads an implementation: `profile` asks graphgrad's WASM backend to time every kernel. */
export interface LoadOptions {
  readonly profile?: boolean;
}

function graphgradImpl(name: BackendName, variant?: { suffix: string; options: BackendOptions; describe: string }): ImplInfo {
  return {
    id: `gg-${name}${variant?.suffix ?? ""}`,
    kind: "graphgrad",
    describe: `graphgrad, gg.${name}(${variant === undefined ? "" : JSON.stringify(variant.options)}) backend${variant === undefined ? "" : `, ${variant.describe}`}`,
    workarounds: {},
    load: async (load) => {
      const factory = backendFactory(name);
      if (factory === undefined) throw new Error(`this graphgrad build exports no gg.${name}()`);
      const { graphgrad } = await import("./graphgrad/index.js");
      const profiled = name === "wasm" && load?.profile === true;
      return graphgrad(await factory(profiled ? { ...variant?.options, profile: true } : variant?.options), variant?.options);
    },
  };
}

/** Each backend with its defaults; the WASM backend also on one thread (issue 5 states W4 targets for one and two threads). */
function graphgradImpls(): ImplInfo[] {
  return availableBackends().flatMap((name) =>
    name === "wasm" ? [graphgradImpl(name), graphgradImpl(name, { suffix: "-1t", options: { threads: 1 }, describe: "one thread" })] : [graphgradImpl(name)],
  );
}

export const PEERS: readonly ImplInfo[] = [
  {
    id: "tfjs-cpu",
    kind: "peer",
    describe: "TensorFlow.js 4.22, cpu backend",
    workarounds: {
      W3: "the same tf.customGrad + tf.scatterND embedding gradient (tf.gather's own gradient, UnsortedSegmentSum, runs on the cpu backend but loops over all 10000 segments: about 330 s per step here)",
    },
    // W3 as is: one step took about 330 s on this machine; 60 s shows it without spending minutes.
    // W6: its convolution gradients in plain JS took over 5 minutes for two steps.
    limits: { W3: 60, W6: 60 },
    load: async () => (await import("./tfjs/index.js")).tfjs("cpu"),
  },
  {
    id: "tfjs-wasm",
    kind: "peer",
    describe: "TensorFlow.js 4.22, wasm backend (XNNPACK)",
    workarounds: {
      W3: "embedding lookup through tf.customGrad whose gradient is tf.scatterND (the wasm backend has no UnsortedSegmentSum kernel for tf.gather's gradient)",
      W6: "conv2d through tf.customGrad whose filter gradient is a forward tf.conv2d of the transposed input and output gradient (the wasm backend has no Conv2DBackpropFilter kernel); bias and ReLU unfused",
    },
    load: async () => (await import("./tfjs/index.js")).tfjs("wasm"),
  },
  {
    id: "jax-wasm",
    kind: "peer",
    describe: "jax-js, wasm device, jit-compiled train steps",
    workarounds: {},
    // W6: about 10–25 s per step here; three steps and the compilation fit in two minutes.
    limits: { W6: 120 },
    load: async () => (await import("./jax/index.js")).jax(),
  },
  ...[2, 1].map(
    (threads): ImplInfo => ({
      id: threads === 2 ? "torch" : "torch-1t",
      kind: "peer",
      describe: `PyTorch (CPU, eager, OpenBLAS) in a Python worker, ${threads} thread${threads === 1 ? "" : "s"}`,
      workarounds: {},
      missing: torchMissing,
      load: async () => (await import("./torch/index.js")).torch(threads),
    }),
  ),
];

/** graphgrad on every available backend, then the peers. */
export function allImpls(): ImplInfo[] {
  return [...graphgradImpls(), ...PEERS];
}

export function findImpl(id: string): ImplInfo | undefined {
  return allImpls().find((i) => i.id === id);
}
