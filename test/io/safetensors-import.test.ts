import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { type FileSystem, nodeFileSystem } from "../../src/io/atomic-write.js";
import { halfToNumber } from "../../src/io/safetensors-dtypes.js";

/**
 * Safetensors files written by other tools: fixtures written by the Python `safetensors` package
 * from PyTorch and NumPy (test/fixtures/safetensors/make.py, which also wrote the values they hold
 * in expected.json), read with every dtype converted by the documented rule, renamed onto
 * parameters, and read tensor by tensor, never whole.
 */

const FIXTURES = fileURLToPath(new URL("../fixtures/safetensors/", import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
type Value = number | string;
interface Expected {
  dtype: string;
  shape: number[];
  values: Value[];
}
const expected = JSON.parse(readFileSync(fixture("expected.json"), "utf8")) as Record<string, Record<string, Expected> | string> & {
  "torch-mlp-bf16 forward": { x: number[][]; y: number[][] };
};

/** graphgrad's dtype for each source dtype (the documented conversion). */
const CONVERTED: Record<string, gg.DType> = {
  float16: "float32",
  bfloat16: "float32",
  float32: "float32",
  float64: "float64",
  int64: "int32",
  int32: "int32",
  int16: "int32",
  int8: "int32",
  uint8: "int32",
  uint16: "int32",
  uint32: "int32",
  uint64: "int32",
  bool: "bool",
};
const decode = (v: Value): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "-0" ? -0 : (v as number));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gg-st-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** node:fs, recording every read of a file opened for reading; reading a whole file fails. */
function recordingFs(): { fs: FileSystem; reads: [number, number][] } {
  const reads: [number, number][] = [];
  const fs: FileSystem = {
    ...nodeFileSystem,
    readFile: () => Promise.reject(new Error("the whole file was read at once")),
    openRead: async (path) => {
      const f = await nodeFileSystem.openRead(path);
      return { ...f, size: f.size, read: (position, length) => (reads.push([position, length]), f.read(position, length)) };
    },
  };
  return { fs, reads };
}

describe("files written by the Python safetensors package", () => {
  for (const file of ["torch-dtypes.safetensors", "numpy-dtypes.safetensors", "torch-mlp-bf16.safetensors"]) {
    it(`${file}: every tensor with its converted dtype, its shape and exactly its values`, async () => {
      const want = expected[file] as Record<string, Expected>;
      const { tensors } = await gg.checkpoint.readTensors(fixture(file));
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(want).sort());
      for (const [name, e] of Object.entries(want)) {
        const t = tensors[name]!;
        expect({ name, dtype: t.dtype, shape: t.shape }).toEqual({ name, dtype: CONVERTED[e.dtype], shape: e.shape });
        const got = [...t.data];
        const values = e.values.map(decode);
        for (let i = 0; i < values.length; i++) {
          if (!Object.is(got[i], values[i])) throw new Error(`${file} ${name}[${i}]: got ${got[i]}, expected ${values[i]}`);
        }
        expect(got.length).toBe(values.length);
      }
    });
  }

  it("covers every dtype the reader converts", () => {
    const dtypes = new Set<string>();
    for (const [k, v] of Object.entries(expected)) if (k.endsWith(".safetensors")) for (const e of Object.values(v as Record<string, Expected>)) dtypes.add(e.dtype);
    expect([...dtypes].sort()).toEqual(Object.keys(CONVERTED).sort());
  });

  it("keeps the metadata", async () => {
    expect((await gg.checkpoint.readTensors(fixture("torch-dtypes.safetensors"))).metadata).toEqual({ format: "pt" });
  });

  it("refuses 64-bit and 32-bit unsigned integers that do not fit int32, naming the tensor and the first such value", async () => {
    await expect(gg.checkpoint.readTensors(fixture("i64-out-of-range.safetensors"))).rejects.toThrow(
      /i64-out-of-range\.safetensors': tensor 'ids' \(I64\[4\]\): value 2147483648 at index 2 does not fit int32, graphgrad's integer dtype$/,
    );
    await expect(gg.checkpoint.readTensors(fixture("u32-out-of-range.safetensors"))).rejects.toThrow("tensor 'ids' (U32[2]): value 4294967295 at index 1 does not fit int32");
    await expect(gg.checkpoint.readTensors(fixture("u64-out-of-range.safetensors"))).rejects.toThrow("tensor 'ids' (U64[3]): value 18446744073709551615 at index 1 does not fit int32");
    // The tensors that fit can still be read on their own.
    const { tensors } = await gg.checkpoint.readSafetensors(fixture("i64-out-of-range.safetensors"), { rename: { fits: "fits" } });
    expect([...tensors["fits"]!.data]).toEqual([1, 2]);
  });

  it("decodes every half-precision bit pattern as the float32 the format defines", () => {
    // Against the definition through float32 arithmetic: normal values (1 + f/1024)·2^(e-15), subnormals f·2^-24.
    for (let h = 0; h < 0x10000; h++) {
      const e = (h >> 10) & 0x1f;
      const f = h & 0x3ff;
      const sign = h & 0x8000 ? -1 : 1;
      const want = e === 0x1f ? (f === 0 ? sign * Infinity : NaN) : e === 0 ? sign * f * 2 ** -24 : sign * (1024 + f) * 2 ** (e - 25);
      const got = halfToNumber(h);
      if (!Object.is(got, want) || (!Number.isNaN(got) && Math.fround(got) !== got)) throw new Error(`half 0x${h.toString(16)}: got ${got}, expected ${want}`);
    }
  });
});

describe("renaming onto parameters", () => {
  const mlp = fixture("torch-mlp-bf16.safetensors");
  const names = { "0.weight": "w1", "0.bias": "b1", "2.weight": "w2", "2.bias": "b2" };

  it("a PyTorch MLP's state dict, renamed, gives graphgrad the same outputs as PyTorch", async () => {
    const { tensors } = await gg.checkpoint.readSafetensors(mlp, { rename: names });
    expect(Object.keys(tensors).sort()).toEqual(["b1", "b2", "w1", "w2"]);
    // nn.Linear computes x·Wᵀ + b.
    const x = gg.input("x", [null, 3]);
    const linear = (h: gg.Expr, w: string, b: string): gg.Expr => gg.add(gg.matmul(h, gg.transpose(gg.param(w, [null, null]))), gg.param(b, [null]));
    const y = linear(gg.tanh(linear(x, "w1", "b1")), "w2", "b2");
    const fwd = expected["torch-mlp-bf16 forward"];
    const out = await gg.evaluate(y, { x: fwd.x, ...tensors });
    const got = out.toArray() as number[][];
    fwd.y.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(got[i]![j]! - v)).toBeLessThanOrEqual(2e-7 * (1 + Math.abs(v)))));
  });

  it("a function renames (undefined leaves a tensor out); tensors left out are not read", async () => {
    const { fs, reads } = recordingFs();
    const { tensors } = await gg.checkpoint.readSafetensors(mlp, { fs, rename: (n) => (n.endsWith(".weight") ? `layer${n.split(".")[0]}/w` : undefined) });
    expect(Object.keys(tensors)).toEqual(["layer0/w", "layer2/w"]);
    // The length, the header, and the two weights: 4 reads.
    expect(reads).toHaveLength(4);
  });

  it("names what is wrong: a record naming a tensor the file lacks, two tensors given one name, a bad name", async () => {
    await expect(gg.checkpoint.readSafetensors(mlp, { rename: { "1.weight": "w" } })).rejects.toThrow("rename names tensor '1.weight', which the file does not hold (it has: 0.bias, 0.weight, 2.bias, 2.weight)");
    await expect(gg.checkpoint.readSafetensors(mlp, { rename: () => "w" })).rejects.toThrow("tensors '0.bias' and '0.weight' are both renamed to 'w'");
    await expect(gg.checkpoint.readSafetensors(mlp, { rename: () => 3 as unknown as string })).rejects.toThrow("rename('0.bias') must return a non-empty string or undefined, got 3");
    await expect(gg.checkpoint.readSafetensors(mlp, { rename: { "0.bias": "" } })).rejects.toThrow("rename['0.bias'] must be a non-empty string");
  });
});

describe("reading tensor by tensor", () => {
  it("reads the length, the header, then each tensor's byte range, never the whole file", async () => {
    const path = join(dir, "big.safetensors");
    const mb = 1 << 20;
    const tensors = Object.fromEntries([0, 1, 2, 3].map((k) => [`t${k}`, new gg.Tensor("float32", [mb / 4], new Float32Array(mb / 4).fill(k))]));
    await gg.checkpoint.writeTensors(path, tensors);
    const { fs, reads } = recordingFs();
    const back = await gg.checkpoint.readTensors(path, { fs });
    for (let k = 0; k < 4; k++) expect(back.tensors[`t${k}`]!.data.every((v) => v === k)).toBe(true);
    expect(reads[0]).toEqual([0, 8]);
    expect(reads).toHaveLength(2 + 4);
    // Together the reads cover the file exactly once; none is larger than one tensor.
    const size = (await nodeFileSystem.readFile(path)).length;
    expect(reads.reduce((a, [, n]) => a + n, 0)).toBe(size);
    expect(Math.max(...reads.map(([, n]) => n))).toBe(mb);
    const sorted = [...reads].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([p, n], i) => i > 0 && expect(p).toBe(sorted[i - 1]![0] + sorted[i - 1]![1]));
    expect(sorted[0]![0]).toBe(0);
    expect(n(sorted.at(-1)!)).toBe(size);
  });

  it("reports a file that shrinks while it is read, and a missing file", async () => {
    const path = join(dir, "small.safetensors");
    await gg.checkpoint.writeTensors(path, { a: gg.tensorFrom([1, 2, 3], "float32") });
    const shrinking: FileSystem = {
      ...nodeFileSystem,
      openRead: async (p) => {
        const f = await nodeFileSystem.openRead(p);
        return { ...f, size: f.size, read: async (pos, len) => (await f.read(pos, len)).subarray(0, pos > 8 ? len - 1 : len) };
      },
    };
    await expect(gg.checkpoint.readTensors(path, { fs: shrinking })).rejects.toThrow("truncated while reading tensor 'a'");
    await expect(gg.checkpoint.readTensors(join(dir, "nope.safetensors"))).rejects.toThrow(/nope\.safetensors': cannot be read \(ENOENT/);
  });
});

const n = ([p, len]: [number, number]): number => p + len;
