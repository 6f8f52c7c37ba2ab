import type { Batch, W1Data, W2Data, W3Data, W5Data, W6Data } from "../bench/data/datasets.js";
import type { W1Config, W3Config, W5Config, W6Config } from "../bench/workloads.js";

/**
 * Plain float64 host computations of what the benchmark's graphgrad models must give: the loss of
 * the first steps (and W5's training run), written directly from the math, independently of
 * graphgrad and of the bench's model code.
 */

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** out[r, o] = Σ_i x[r, i]·w[i, o] + b[o] (row-major). */
function affine(x: ArrayLike<number>, rows: number, w: ArrayLike<number>, b: ArrayLike<number>, fanIn: number, fanOut: number): Float64Array {
  const out = new Float64Array(rows * fanOut);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < fanOut; o++) {
      let s = b[o] as number;
      for (let i = 0; i < fanIn; i++) s += (x[r * fanIn + i] as number) * (w[i * fanOut + o] as number);
      out[r * fanOut + o] = s;
    }
  }
  return out;
}

/** Per row: log Σ exp(logits) − logit of the label. */
function crossEntropies(logits: Float64Array, rows: number, classes: number, label: (r: number) => number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return lse - (row[label(r)] as number);
  });
}

const labelOf = (b: Batch) => (r: number) => b.labels[r] as number;

/** W1: losses of the first two steps of SGD on (A·x − y)². */
export function w1Losses(c: W1Config, d: W1Data): [number, number] {
  const sample = (i: number): [number, number] => {
    const k = d.picks[i] as number;
    return [d.xs[k] as number, d.ys[k] as number];
  };
  const [x0, y0] = sample(0);
  const [x1, y1] = sample(1);
  const a1 = d.a0 - c.lr * 2 * (d.a0 * x0 - y0) * x0;
  return [(d.a0 * x0 - y0) ** 2, (a1 * x1 - y1) ** 2];
}

/** W2: mean cross-entropy of the MLP at its initial weights on the first batch. */
export function w2FirstLoss(d: W2Data): number {
  const batch = d.batches[0] as Batch;
  let h: Float64Array = Float64Array.from(batch.x);
  d.layers.forEach((l, i) => {
    h = affine(h, batch.rows, l.w, l.b, l.fanIn, l.fanOut);
    if (i + 1 < d.layers.length) h = h.map((v) => Math.max(v, 0));
  });
  const classes = (d.layers[d.layers.length - 1] as { fanOut: number }).fanOut;
  const ces = crossEntropies(h, batch.rows, classes, labelOf(batch));
  return ces.reduce((a, b) => a + b, 0) / batch.rows;
}

/** W3: Σ cross-entropy / batch of the LSTM language model at its initial weights, zero initial state. */
export function w3FirstLoss(c: W3Config, d: W3Data): number {
  const { batch: B, numSteps: T, hidden: H, vocab: V } = c;
  const tokens = d.batches[0] as { inputs: Int32Array; targets: Int32Array };
  const cs = d.layers.map(() => new Float64Array(B * H));
  const hs = d.layers.map(() => new Float64Array(B * H));
  const outputs = new Float64Array(B * T * H); // row b·T + t, as the targets
  for (let t = 0; t < T; t++) {
    let x = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const word = tokens.inputs[b * T + t] as number;
      for (let k = 0; k < H; k++) x[b * H + k] = d.embedding[word * H + k] as number;
    }
    d.layers.forEach((layer, l) => {
      const xh = new Float64Array(B * 2 * H);
      const h = hs[l] as Float64Array;
      const cell = cs[l] as Float64Array;
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < H; k++) {
          xh[b * 2 * H + k] = x[b * H + k] as number;
          xh[b * 2 * H + H + k] = h[b * H + k] as number;
        }
      }
      const gates = affine(xh, B, layer.kernel, layer.bias, 2 * H, 4 * H);
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < H; k++) {
          const g = (q: number): number => gates[b * 4 * H + q * H + k] as number;
          const cNew = (cell[b * H + k] as number) * sigmoid(g(2)) + sigmoid(g(0)) * Math.tanh(g(1));
          cell[b * H + k] = cNew;
          h[b * H + k] = Math.tanh(cNew) * sigmoid(g(3));
        }
      }
      x = Float64Array.from(h);
    });
    for (let b = 0; b < B; b++) for (let k = 0; k < H; k++) outputs[(b * T + t) * H + k] = x[b * H + k] as number;
  }
  const logits = affine(outputs, B * T, d.softmaxW, d.softmaxB, H, V);
  const ces = crossEntropies(logits, B * T, V, (r) => tokens.targets[r] as number);
  return ces.reduce((a, b) => a + b, 0) / B;
}

/** W5: the loss of every step of a training run (softmax regression, SGD on the mean cross-entropy). */
export function w5Losses(c: W5Config, d: W5Data, steps: number): number[] {
  const w = Float64Array.from(d.w0);
  const b = Float64Array.from(d.b0);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const batch = d.batches[s % d.batches.length] as Batch;
    const n = batch.rows;
    const logits = affine(batch.x, n, w, b, c.features, c.classes);
    const ces = crossEntropies(logits, n, c.classes, labelOf(batch));
    losses.push(ces.reduce((x, y) => x + y, 0) / n);
    // ∂loss/∂logits = (softmax − onehot)/n; then gw = xᵀ·that, gb = column sums.
    const gw = new Float64Array(w.length);
    const gb = new Float64Array(b.length);
    for (let r = 0; r < n; r++) {
      const row = logits.subarray(r * c.classes, (r + 1) * c.classes);
      const m = Math.max(...row);
      const z = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
      for (let k = 0; k < c.classes; k++) {
        const dz = (Math.exp((row[k] as number) - m) / z - (batch.oneHot[r * c.classes + k] as number)) / n;
        gb[k] = (gb[k] as number) + dz;
        for (let f = 0; f < c.features; f++) gw[f * c.classes + k] = (gw[f * c.classes + k] as number) + (batch.x[r * c.features + f] as number) * dz;
      }
    }
    for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) - c.lr * (gw[i] as number);
    for (let i = 0; i < b.length; i++) b[i] = (b[i] as number) - c.lr * (gb[i] as number);
  }
  return losses;
}

/**
 * W6: mean cross-entropy of the CNN at its initial weights on the first batch: valid 3×3 convs
 * (NHWC images, HWIO kernels) with bias and ReLU, max over 2×2 windows, flatten in (h, w, c)
 * order, dense.
 */
export function w6FirstLoss(c: W6Config, d: W6Data): number {
  const batch = d.batches[0] as Batch;
  let h = c.height;
  let w = c.width;
  let ch = c.channels;
  let maps: Float64Array = Float64Array.from(batch.x); // [rows, h, w, ch]
  for (const conv of d.convs) {
    const k = conv.size;
    const [oh, ow, oc] = [h - k + 1, w - k + 1, conv.outChannels];
    const out = new Float64Array(batch.rows * oh * ow * oc);
    for (let r = 0; r < batch.rows; r++) {
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          for (let o = 0; o < oc; o++) {
            let s = conv.bias[o] as number;
            for (let dy = 0; dy < k; dy++) {
              for (let dx = 0; dx < k; dx++) {
                for (let i = 0; i < ch; i++) {
                  s += (maps[((r * h + y + dy) * w + x + dx) * ch + i] as number) * (conv.kernel[((dy * k + dx) * ch + i) * oc + o] as number);
                }
              }
            }
            out[((r * oh + y) * ow + x) * oc + o] = Math.max(s, 0);
          }
        }
      }
    }
    [maps, h, w, ch] = [out, oh, ow, oc];
  }
  const p = c.pool;
  const [ph, pw] = [Math.floor(h / p), Math.floor(w / p)];
  const pooled = new Float64Array(batch.rows * ph * pw * ch);
  for (let r = 0; r < batch.rows; r++) {
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        for (let i = 0; i < ch; i++) {
          let m = Number.NEGATIVE_INFINITY;
          for (let dy = 0; dy < p; dy++) for (let dx = 0; dx < p; dx++) m = Math.max(m, maps[((r * h + y * p + dy) * w + x * p + dx) * ch + i] as number);
          pooled[((r * ph + y) * pw + x) * ch + i] = m;
        }
      }
    }
  }
  const logits = affine(pooled, batch.rows, d.dense.w, d.dense.b, d.dense.fanIn, d.dense.fanOut);
  const ces = crossEntropies(logits, batch.rows, c.classes, labelOf(batch));
  return ces.reduce((a, b) => a + b, 0) / batch.rows;
}

/** C = A·B in float64, rounded to float32 as a float32 matmul's result is. */
export function matmulReference(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (a[i * n + k] as number) * (b[k * n + j] as number);
      out[i * n + j] = s;
    }
  }
  return out;
}
