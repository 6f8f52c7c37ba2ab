import { type W1Config, type W2Config, type W3Config, type W4Config, type W5Config, type W6Config, w6PooledShape } from "../workloads.js";
import { integers, normal, oneHot, rng, uniform } from "./random.js";

/**
 * The data and initial parameters of each workload, generated from a fixed seed by the harness
 * (not by any library), so every implementation trains the same model on the same numbers. All
 * matrices are row-major Float32Arrays; class labels are Int32Arrays.
 */
export const BENCH_SEED = 5;

export interface W1Data {
  /** Samples x ~ N(1, 0.1) and targets y = 10 (seed 004, recipe 1). */
  readonly xs: Float32Array;
  readonly ys: Float32Array;
  /** Initial A ~ N(0, 1). */
  readonly a0: number;
  /** The sample each step uses (step i: picks[i mod picks.length]). */
  readonly picks: Int32Array;
}

export function w1Data(c: W1Config): W1Data {
  const r = rng(BENCH_SEED * 100 + 1);
  const xs = normal(r, c.samples, 1, 0.1);
  const ys = new Float32Array(c.samples).fill(10);
  const a0 = normal(r, 1)[0] as number;
  return { xs, ys, a0, picks: integers(r, 1024, c.samples) };
}

export interface Batch {
  readonly x: Float32Array;
  readonly labels: Int32Array;
  /** The labels as one-hot rows (for losses that take probabilities). */
  readonly oneHot: Float32Array;
  readonly rows: number;
}

export interface DenseLayer {
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly fanIn: number;
  readonly fanOut: number;
}

export interface W2Data {
  /** Glorot-uniform weights, zero biases. */
  readonly layers: readonly DenseLayer[];
  /** Pixel-like inputs uniform in [0, 1), uniformly random classes. */
  readonly batches: readonly Batch[];
}

export function w2Data(c: W2Config): W2Data {
  const r = rng(BENCH_SEED * 100 + 2);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < c.sizes.length; l++) {
    const fanIn = c.sizes[l] as number;
    const fanOut = c.sizes[l + 1] as number;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    layers.push({ w: uniform(r, fanIn * fanOut, -limit, limit), b: new Float32Array(fanOut), fanIn, fanOut });
  }
  const inputs = c.sizes[0] as number;
  const classes = c.sizes[c.sizes.length - 1] as number;
  const batches = Array.from({ length: c.batches }, () => {
    const x = uniform(r, c.batch * inputs, 0, 1);
    const labels = integers(r, c.batch, classes);
    return { x, labels, oneHot: oneHot(labels, classes), rows: c.batch };
  });
  return { layers, batches };
}

export interface LstmLayer {
  /** BasicLSTMCell's kernel [input + hidden, 4·hidden] (gate order i, j, f, o) and bias [4·hidden]. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

export interface TokenBatch {
  /** Word ids [batch, numSteps], and the next word of each [batch, numSteps]. */
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
}

export interface W3Data {
  /** [vocab, hidden] */
  readonly embedding: Float32Array;
  readonly layers: readonly LstmLayer[];
  /** [hidden, vocab] and [vocab] */
  readonly softmaxW: Float32Array;
  readonly softmaxB: Float32Array;
  readonly batches: readonly TokenBatch[];
}

/** As ptb_word_lm: every variable uniform in ±init_scale, except the LSTM biases (zeros, as BasicLSTMCell). */
export function w3Data(c: W3Config): W3Data {
  const r = rng(BENCH_SEED * 100 + 3);
  const s = c.initScale;
  const embedding = uniform(r, c.vocab * c.hidden, -s, s);
  const layers = Array.from({ length: c.layers }, () => ({
    kernel: uniform(r, 2 * c.hidden * 4 * c.hidden, -s, s),
    bias: new Float32Array(4 * c.hidden),
  }));
  const softmaxW = uniform(r, c.hidden * c.vocab, -s, s);
  const softmaxB = uniform(r, c.vocab, -s, s);
  const batches = Array.from({ length: c.batches }, () => {
    const stream = integers(r, c.batch * (c.numSteps + 1), c.vocab);
    const inputs = new Int32Array(c.batch * c.numSteps);
    const targets = new Int32Array(c.batch * c.numSteps);
    for (let b = 0; b < c.batch; b++) {
      for (let t = 0; t < c.numSteps; t++) {
        inputs[b * c.numSteps + t] = stream[b * (c.numSteps + 1) + t] as number;
        targets[b * c.numSteps + t] = stream[b * (c.numSteps + 1) + t + 1] as number;
      }
    }
    return { inputs, targets };
  });
  return { embedding, layers, softmaxW, softmaxB, batches };
}

export interface W4Data {
  readonly a: Float32Array;
  readonly b: Float32Array;
}

export function w4Data(c: W4Config): W4Data {
  const r = rng(BENCH_SEED * 100 + 4);
  return { a: normal(r, c.n * c.n), b: normal(r, c.n * c.n) };
}

export interface W5Data {
  /** The training batches in order (the last one smaller when the batch size does not divide). */
  readonly batches: readonly Batch[];
  /** Initial weights N(0, 0.1²) [features, classes]; zero biases. */
  readonly w0: Float32Array;
  readonly b0: Float32Array;
}

/** Iris-shaped classes: the three species' mean measurements (cm), spread 0.35. */
const IRIS_MEANS = [
  [5.0, 3.4, 1.5, 0.2],
  [5.9, 2.8, 4.3, 1.3],
  [6.6, 3.0, 5.6, 2.0],
];

export function w5Data(c: W5Config): W5Data {
  const r = rng(BENCH_SEED * 100 + 5);
  const labels = integers(r, c.examples, c.classes);
  const x = normal(r, c.examples * c.features, 0, 0.35);
  for (let i = 0; i < c.examples; i++) {
    const means = IRIS_MEANS[(labels[i] as number) % IRIS_MEANS.length] as number[];
    for (let f = 0; f < c.features; f++) x[i * c.features + f] = (x[i * c.features + f] as number) + (means[f % means.length] as number);
  }
  const batches: Batch[] = [];
  for (let start = 0; start < c.examples; start += c.batch) {
    const end = Math.min(start + c.batch, c.examples);
    const ls = labels.slice(start, end);
    batches.push({ x: x.slice(start * c.features, end * c.features), labels: ls, oneHot: oneHot(ls, c.classes), rows: end - start });
  }
  return { batches, w0: normal(r, c.features * c.classes, 0, 0.1), b0: new Float32Array(c.classes) };
}

export interface ConvLayer {
  /** HWIO [kernel, kernel, inChannels, outChannels], Glorot-uniform (fans k·k·in and k·k·out, as Keras). */
  readonly kernel: Float32Array;
  /** [outChannels], zeros. */
  readonly bias: Float32Array;
  readonly size: number;
  readonly inChannels: number;
  readonly outChannels: number;
}

export interface W6Data {
  readonly convs: readonly ConvLayer[];
  /** [(pooled h·w·c), classes], Glorot-uniform, zero bias. */
  readonly dense: DenseLayer;
  /** Images NHWC [rows, height, width, channels] uniform in [0, 1), uniformly random classes. */
  readonly batches: readonly Batch[];
}

export function w6Data(c: W6Config): W6Data {
  const r = rng(BENCH_SEED * 100 + 6);
  const glorot = (n: number, fanIn: number, fanOut: number): Float32Array => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return uniform(r, n, -limit, limit);
  };
  const k = c.kernel;
  const convs: ConvLayer[] = [];
  let inChannels = c.channels;
  for (const outChannels of c.filters) {
    convs.push({ kernel: glorot(k * k * inChannels * outChannels, k * k * inChannels, k * k * outChannels), bias: new Float32Array(outChannels), size: k, inChannels, outChannels });
    inChannels = outChannels;
  }
  const [ph, pw, pc] = w6PooledShape(c);
  const flat = ph * pw * pc;
  const dense = { w: glorot(flat * c.classes, flat, c.classes), b: new Float32Array(c.classes), fanIn: flat, fanOut: c.classes };
  const pixels = c.height * c.width * c.channels;
  const batches = Array.from({ length: c.batches }, () => {
    const x = uniform(r, c.batch * pixels, 0, 1);
    const labels = integers(r, c.batch, c.classes);
    return { x, labels, oneHot: oneHot(labels, c.classes), rows: c.batch };
  });
  return { convs, dense, batches };
}
