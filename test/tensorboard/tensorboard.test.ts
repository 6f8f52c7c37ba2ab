import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { crc32c } from "../../src/io/crc32.js";
import { histogramOf } from "../../src/tensorboard/histogram.js";
import { frameRecord, maskedCrc32c } from "../../src/tensorboard/record.js";
import { pythonWith, REQUIRE_PYTHON } from "../support/python.js";

/**
 * TensorBoard event files: the record framing and histogram buckets on their own, then the files
 * read back by TensorBoard's own EventAccumulator (in Python): scalars, histograms and the graph
 * of a plain writer, and of a `fit` run with the TensorBoard hook.
 */

const SETUP = "python3 -m venv .venv && .venv/bin/pip install tensorboard";
const { python, missing } = pythonWith("tensorboard", SETUP);
if (missing !== undefined && !REQUIRE_PYTHON) console.log(`skipping the TensorBoard reader tests: ${missing}`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gg-tb-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface HistogramRead {
  step: number;
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}
interface Read {
  scalars: Record<string, [number, number | string][]>;
  histograms: Record<string, HistogramRead[]>;
  graph: { name: string; op: string; input: string[]; dtype: number; shape: [number, string][] | null }[] | null;
}

/** What TensorBoard reads from a log directory. */
function readWithTensorBoard(logdir: string): Read {
  const script = fileURLToPath(new URL("./read_events.py", import.meta.url));
  return JSON.parse(execFileSync(python as string, [script, logdir], { encoding: "utf8" })) as Read;
}

describe("TFRecord framing", () => {
  it("CRC-32C matches the standard check value, and records are length · masked CRC · data · masked CRC", () => {
    expect(crc32c([new TextEncoder().encode("123456789")])).toBe(0xe3069283);
    // Masking: rotate right by 15 and add 0xa282ead8 (the CRC of no bytes is 0, so its mask is the constant).
    expect(maskedCrc32c(new Uint8Array(0))).toBe(0xa282ead8);
    const data = new TextEncoder().encode("hello");
    const r = frameRecord(data);
    const view = new DataView(r.buffer);
    expect(r.length).toBe(8 + 4 + 5 + 4);
    expect(view.getBigUint64(0, true)).toBe(5n);
    const c = crc32c([r.subarray(0, 8)]);
    expect(view.getUint32(8, true)).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
    expect([...r.subarray(12, 17)]).toEqual([...data]);
    expect(view.getUint32(17, true)).toBe(maskedCrc32c(data));
  });
});

describe("histograms", () => {
  it("every bucket counts exactly the values in [previous limit, its limit); min, max, num and sums are exact", () => {
    const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(0, -0, 1e-12, -1e-12, Number.MAX_VALUE));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), (values) => {
        const h = histogramOf(values, "test");
        expect(h.num).toBe(values.length);
        expect(h.min).toBe(Math.min(...values));
        expect(h.max).toBe(Math.max(...values));
        expect(h.sum).toBe(values.reduce((a, b) => a + b, 0));
        expect(h.sumSquares).toBe(values.reduce((a, b) => a + b * b, 0));
        expect(h.bucket.reduce((a, b) => a + b, 0)).toBe(values.length);
        for (let i = 0; i < h.bucket.length; i++) {
          const lo = i === 0 ? -Infinity : (h.bucketLimit[i - 1] as number);
          const hi = h.bucketLimit[i] as number;
          expect(hi).toBeGreaterThan(lo);
          // The last limit is DBL_MAX, which counts DBL_MAX itself.
          const inside = values.filter((v) => v >= lo && (v < hi || (hi === Number.MAX_VALUE && v === hi))).length;
          expect(h.bucket[i]).toBe(inside);
          // Runs of empty buckets are collapsed: no two empty buckets in a row.
          if (i > 0) expect(h.bucket[i] === 0 && h.bucket[i - 1] === 0).toBe(false);
        }
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it("uses TensorFlow's default limits (1e-12 · 1.1^k, mirrored, with 0)", () => {
    const h = histogramOf([0.5], "test");
    const k = Math.ceil(Math.log(0.5 / 1e-12) / Math.log(1.1));
    // The one value's bucket ends at the first limit above it.
    const i = h.bucket.indexOf(1);
    expect(h.bucketLimit[i]).toBeCloseTo(1e-12 * 1.1 ** k, 12);
    expect(h.bucketLimit[i - 1]).toBeLessThanOrEqual(0.5);
    expect(h.bucketLimit.at(-1)).toBe(Number.MAX_VALUE);
  });

  it("rejects non-finite values and empty lists, naming the series", () => {
    expect(() => histogramOf([1, NaN], "h")).toThrow("h: value NaN at index 1: a histogram holds finite values only");
    expect(() => histogramOf([Infinity], "h")).toThrow("value Infinity at index 0");
    expect(() => histogramOf([], "h")).toThrow("a histogram needs at least one value");
  });
});

describe("the writer", () => {
  it("rejects bad tags, steps and values, and records after close()", async () => {
    const w = gg.tensorboard.writer(join(dir, "errors"));
    expect(() => w.scalar("", 1, 0)).toThrow(gg.GraphgradError);
    expect(() => w.scalar("loss", 1, -1)).toThrow("scalar 'loss': step must be a non-negative integer, got -1");
    expect(() => w.scalar("loss", 1, 1.5)).toThrow("got 1.5");
    expect(() => w.scalar("loss", "1" as unknown as number, 1)).toThrow("expected a number, got string");
    expect(() => w.histogram("w", [NaN], 3)).toThrow("histogram 'w' at step 3: value NaN at index 0");
    expect(() => w.graph({ loss: 3 as unknown as gg.Expr })).toThrow("output 'loss' is not an Expr");
    await w.close();
    expect(() => w.scalar("loss", 1, 1)).toThrow("scalar 'loss' after close()");
    expect(() => gg.tensorboard.writer("")).toThrow("logdir must be a non-empty path");
  });

  it("queues records until flush, then appends them to one events.out.tfevents.* file", async () => {
    const logdir = join(dir, "queue", "nested");
    const w = gg.tensorboard.writer(logdir);
    expect(w.path.startsWith(join(logdir, "events.out.tfevents."))).toBe(true);
    w.scalar("a", 1, 1);
    expect(w.pendingBytes).toBeGreaterThan(0);
    await w.flush();
    expect(w.pendingBytes).toBe(0);
    const size = (await readFile(w.path)).length;
    w.scalar("a", 2, 2);
    await w.close();
    expect((await readFile(w.path)).length).toBeGreaterThan(size);
    expect(await readdir(logdir)).toHaveLength(1);
  });
});

describe.skipIf(missing !== undefined && !REQUIRE_PYTHON)("read by TensorBoard's EventAccumulator", () => {
  it("has a Python with tensorboard", () => {
    expect(missing, missing).toBeUndefined();
  });

  it("scalars (as float32, NaN kept), histograms and the graph of a plain writer", async () => {
    const logdir = join(dir, "plain");
    const w = gg.tensorboard.writer(logdir);
    w.scalar("loss", 0.1, 1);
    w.scalar("loss", 0.05, 2);
    w.scalar("loss", NaN, 3);
    w.scalar("other/lr", 1e-3, 0);
    const values = gg.tensorFrom([[1, -2.5], [0.25, 1e-13], [0, 3]], "float32");
    w.histogram("weights", values, 7);
    const x = gg.input("x", [null, 3]);
    const wt = gg.param("w", [3, 2]);
    const loss = gg.mean(gg.relu(gg.matmul(x, wt)));
    w.graph({ loss });
    await w.close();

    const read = readWithTensorBoard(logdir);
    expect(read.scalars["loss"]).toEqual([[1, Math.fround(0.1)], [2, Math.fround(0.05)], [3, "nan"]]);
    expect(read.scalars["other/lr"]).toEqual([[0, Math.fround(1e-3)]]);
    const [h] = read.histograms["weights"] as HistogramRead[];
    const flat = [...values.data];
    expect(h).toMatchObject({ step: 7, num: 6, min: -2.5, max: 3, sum: flat.reduce((a, b) => a + b, 0), sum_squares: flat.reduce((a, b) => a + b * b, 0) });
    expect(h!.bucket.reduce((a, b) => a + b, 0)).toBe(6);
    const mine = histogramOf(flat, "weights");
    expect(h!.bucket_limit).toEqual(mine.bucketLimit);
    expect(h!.bucket).toEqual(mine.bucket);

    const nodes = read.graph!;
    const byName = new Map(nodes.map((n) => [n.name, n]));
    expect(byName.get("x")).toMatchObject({ op: "input", input: [], dtype: 1 });
    expect(byName.get("x")!.shape).toEqual([[-1, "?x.0"], [3, ""]]);
    expect(byName.get("w")).toMatchObject({ op: "param", input: [], shape: [[3, ""], [2, ""]] });
    expect(byName.get("matmul")).toMatchObject({ op: "matmul", input: ["x", "w"] });
    expect(byName.get("loss")).toMatchObject({ op: "output", input: [expect.any(String)] });
    // Every input names a node of the graph, and every IR node is there.
    for (const n of nodes) for (const i of n.input) expect(byName.has(i)).toBe(true);
    expect(nodes.length).toBe(gg.graph({ loss }).nodes.length + 1);
  });

  it("the reader checks the framing: a record with a bad CRC ends what it reads", async () => {
    const logdir = join(dir, "corrupt");
    const w = gg.tensorboard.writer(logdir);
    w.scalar("a", 1, 1);
    w.scalar("a", 2, 2);
    await w.close();
    expect(readWithTensorBoard(logdir).scalars["a"]).toEqual([[1, 1], [2, 2]]);
    const bytes = await readFile(w.path);
    // Skip the version record and the first scalar record; flip a bit of the second scalar's data CRC.
    const recordEnd = (at: number): number => at + 12 + Number(new DataView(bytes.buffer, bytes.byteOffset + at).getBigUint64(0, true)) + 4;
    const second = recordEnd(recordEnd(0));
    const end = recordEnd(second);
    bytes[end - 1] = (bytes[end - 1] as number) ^ 1;
    await writeFile(w.path, bytes);
    expect(readWithTensorBoard(logdir).scalars["a"]).toEqual([[1, 1]]);
  });

  it("fit with the TensorBoard hook: step metrics, epoch and validation averages, parameter histograms, the graph", async () => {
    const n = 24;
    const xs = new Float64Array(2 * n).map((_, i) => Math.sin(i * 1.7));
    const ys = new Int32Array(n).map((_, i) => i % 3);
    const [train, valid] = gg.data.dataset({ x: new gg.Tensor("float64", [n, 2], xs), y: new gg.Tensor("int32", [n], ys) }).split(2 / 3);
    const x = gg.input("x", [null, 2], "float64");
    const y = gg.input("y", [null], "int32");
    const w = gg.param("w", [2, 3], "float64");
    const b = gg.param("b", [3], "float64");
    const logits = gg.add(gg.matmul(x, w), b);
    const loss = gg.mean(gg.losses.sparseSoftmaxCrossEntropyWithLogits(y, logits));
    const lr = gg.schedules.exponentialDecay({ initial: 0.5, decayRate: 0.5, decaySteps: 3 });
    const step = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr }), metrics: { accuracy: gg.metrics.accuracy(y, logits) } });
    const init = await step.init({ w: [[0.1, -0.2, 0.05], [0.3, 0.1, -0.1]], b: [0, 0, 0] });

    // What the hook should have written, recorded by a hook of our own.
    const stepMetrics: { step: number; metrics: gg.MetricValues }[] = [];
    const epochParams: { step: number; params: Record<string, number[]> }[] = [];
    const recorder: gg.Hook = {
      onStepEnd: (ctx) => void stepMetrics.push({ step: ctx.state.step, metrics: { ...ctx.metrics } }),
      onEpochEnd: (ctx) => void epochParams.push({ step: ctx.state.step, params: Object.fromEntries(Object.entries(ctx.state.params).map(([k, t]) => [k, [...t.data]])) }),
    };
    const logdir = join(dir, "fit");
    const { history } = await gg.fit(step, init, {
      train,
      batchSize: 5,
      epochs: 2,
      validation: { data: valid, metrics: { loss } },
      progress: false,
      log: () => undefined,
      hooks: [recorder, gg.hooks.tensorboard(logdir, { graph: { loss } })],
    });

    const tb = readWithTensorBoard(join(logdir, "train"));
    const metricNames = Object.keys(stepMetrics[0]!.metrics);
    expect(metricNames).toEqual(expect.arrayContaining(["loss", "gradNorm", "accuracy", "lr"]));
    for (const k of metricNames) {
      expect(tb.scalars[`batch/${k}`]).toEqual(stepMetrics.map((s) => [s.step, Math.fround(s.metrics[k]!)]));
      expect(tb.scalars[`epoch/${k}`]).toEqual(history.map((r) => [r.step, Math.fround(r.train[k]!)]));
    }
    const val = readWithTensorBoard(join(logdir, "validation"));
    expect(Object.keys(val.scalars)).toEqual(["epoch/loss"]);
    expect(val.scalars["epoch/loss"]).toEqual(history.map((r) => [r.step, Math.fround(r.validation!["loss"]!)]));

    expect(Object.keys(tb.histograms).sort()).toEqual(["params/b", "params/w"]);
    for (const name of ["w", "b"]) {
      const hs = tb.histograms[`params/${name}`]!;
      expect(hs.map((h) => h.step)).toEqual(epochParams.map((e) => e.step));
      hs.forEach((h, i) => {
        const v = epochParams[i]!.params[name]!;
        expect(h).toMatchObject({ num: v.length, min: Math.min(...v), max: Math.max(...v), sum: v.reduce((a, c) => a + c, 0) });
      });
    }
    const ops = new Map(tb.graph!.map((nd) => [nd.name, nd.op]));
    expect(ops.get("w")).toBe("param");
    expect(ops.get("x")).toBe("input");
    expect(ops.get("loss")).toBe("output");
  });
});
