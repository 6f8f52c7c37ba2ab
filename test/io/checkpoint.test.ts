import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { type FileSystem, nodeFileSystem } from "../../src/io/atomic-write.js";
import { crc32 } from "../../src/io/crc32.js";
import { flattenTree } from "../../src/optim/tree.js";

/**
 * Checkpoints: bit-exact round trips, resuming training exactly (N + M steps = N, save, load, M),
 * crash safety (failures injected at every stage of a save; a writer process killed mid-save),
 * validation of corrupted, truncated and mismatched files, and foreign safetensors files.
 */

const { checkpoint } = gg;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gg-ckpt-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A 3-4-2 tanh MLP on a fixed regression batch, float32, Adam on a decaying schedule with clipping and EMA. */
async function model(options: { optimizer?: "adam" | "sgd"; hidden?: number; ema?: boolean } = {}) {
  const hidden = options.hidden ?? 4;
  const x = gg.input("x", [null, 3]);
  const y = gg.input("y", [null, 2]);
  const w1 = gg.param("w1", [3, hidden]);
  const b1 = gg.param("b1", [hidden]);
  const w2 = gg.param("w2", [hidden, 2]);
  const loss = gg.losses.meanSquaredError(y, gg.matmul(gg.tanh(gg.add(gg.matmul(x, w1), b1)), w2));
  const lr = gg.schedules.exponentialDecay({ initial: 0.05, decayRate: 0.9, decaySteps: 3 });
  const optimizer =
    options.optimizer === "sgd" ? gg.optim.sgd({ lr }) : gg.optim.chain(gg.optim.clipByGlobalNorm(1), gg.optim.adam({ lr }));
  const step = await gg.trainStep({ loss, optimizer, ...(options.ema === false ? {} : { ema: { decay: 0.9, numUpdates: true } }) });
  const key = gg.random.split(gg.random.key(3), 2);
  const init = await gg.evaluate({
    w1: gg.random.normal(key[0] as gg.Expr, [3, hidden], { stddev: 0.5 }),
    w2: gg.random.normal(key[1] as gg.Expr, [hidden, 2], { stddev: 0.5 }),
  });
  const state = await step.init({ w1: init["w1"] as gg.Tensor, b1: new gg.Tensor("float32", [hidden], new Float32Array(hidden)), w2: init["w2"] as gg.Tensor });
  return { step, state };
}

/** Batch k of a deterministic stream of batches. */
function batch(k: number): { x: number[][]; y: number[][] } {
  const x = [0, 1, 2, 3].map((r) => [0, 1, 2].map((c) => Math.sin(k * 1.3 + r * 0.7 + c)));
  const y = x.map((row) => [row[0]! * row[1]!, Math.cos(row[2]!)]);
  return { x, y };
}

type AnyStep = Awaited<ReturnType<typeof model>>["step"];
type AnyState = Awaited<ReturnType<typeof model>>["state"];

async function train(step: AnyStep, state: AnyState, from: number, count: number): Promise<AnyState> {
  let s = state;
  for (let k = from; k < from + count; k++) [s] = await step.run(s, batch(k));
  return s;
}

/** Every tensor of a state, by name, as raw bytes (bit-exact comparison, NaN payloads included). */
function bits(state: gg.TrainState): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const add = (name: string, t: unknown): void => {
    const d = (t as gg.Tensor).data;
    out[name] = [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)];
  };
  for (const [n, t] of Object.entries(state.params)) add(`param/${n}`, t);
  for (const [p, t] of flattenTree(state.opt)) add(`opt/${p}`, t);
  for (const [n, t] of Object.entries(state.ema)) add(`ema/${n}`, t);
  return out;
}

describe("round trip", () => {
  it("save then load gives the same tensors bit for bit, the same tree (tags), step, EMA and metadata", async () => {
    const { step, state } = await model();
    const trained = await train(step, state, 0, 5);
    const path = join(dir, "round.safetensors");
    await checkpoint.save(path, trained, { note: "five steps", "ünïcode": "✓" });
    const { state: loaded, metadata } = await checkpoint.load(path, state);
    expect(loaded.step).toBe(5);
    expect(bits(loaded)).toEqual(bits(trained));
    expect(Object.keys(bits(loaded))).toEqual(Object.keys(bits(trained)));
    expect(loaded.emaMetrics).toEqual(trained.emaMetrics);
    expect(JSON.stringify(flattenTree(loaded.opt).map(([p]) => p))).toBe(JSON.stringify(flattenTree(trained.opt).map(([p]) => p)));
    const tags = (s: gg.TrainState): unknown => JSON.parse(JSON.stringify(s.opt, (_k, v: unknown) => (v instanceof gg.Tensor ? `${v.dtype}[${v.shape.join(",")}]` : v)));
    expect(tags(loaded)).toEqual(tags(trained));
    expect(metadata).toEqual({ note: "five steps", "ünïcode": "✓" });
    expect(Object.isFrozen(loaded) && Object.isFrozen(loaded.params)).toBe(true);
    // Without `like` the state comes from the file alone.
    expect(bits((await checkpoint.load(path)).state)).toEqual(bits(trained));
  });

  it("keeps every dtype, NaN payloads, -0 and empty tensors exactly", async () => {
    const f32 = new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, 3.4e38]);
    new Uint32Array(f32.buffer)[0] = 0x7fc00123; // a NaN with a payload
    const state: gg.TrainState = {
      params: {
        a: new gg.Tensor("float32", [2, 3], f32),
        b: new gg.Tensor("float64", [2], Float64Array.of(-0, Math.PI)),
        c: new gg.Tensor("int32", [3], Int32Array.of(-(2 ** 31), 0, 2 ** 31 - 1)),
        d: new gg.Tensor("bool", [2, 2], Uint8Array.of(1, 0, 0, 1)),
        e: new gg.Tensor("float32", [0, 4], new Float32Array(0)),
        s: new gg.Tensor("float32", [], Float32Array.of(7)),
      },
      opt: { _tag: "EmptyState" },
      step: 123456789,
      ema: {},
      emaMetrics: { loss: NaN },
    };
    const path = join(dir, "dtypes.safetensors");
    await checkpoint.save(path, state);
    const { state: loaded } = await checkpoint.load(path, state);
    expect(bits(loaded)).toEqual(bits(state));
    expect(Object.values(loaded.params).map((t) => [t.dtype, t.shape])).toEqual(Object.values(state.params).map((t) => [t.dtype, t.shape]));
    expect(loaded.step).toBe(123456789);
    expect(loaded.emaMetrics["loss"]).toBeNaN();
  });

  it("writes a safetensors file: 8-byte length, a space-padded JSON header aligned to 8, packed little-endian data", async () => {
    const { state } = await model({ optimizer: "sgd", ema: false });
    const path = join(dir, "layout.safetensors");
    await checkpoint.save(path, state);
    const bytes = new Uint8Array(await readFile(path));
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__: Record<string, string> };
    expect(header.__metadata__["graphgrad.format"]).toBe("graphgrad.checkpoint");
    expect(header.__metadata__["graphgrad.version"]).toBe("1");
    expect(header.__metadata__["graphgrad.step"]).toBe("0");
    expect(JSON.parse(header.__metadata__["graphgrad.opt"] as string)).toEqual({
      _tag: "ChainState",
      inner: [{ _tag: "ScaleByScheduleState", count: { $tensor: "opt/inner/0/count" } }],
    });
    const w1 = header["param/w1"]!;
    expect([w1.dtype, w1.shape]).toEqual(["F32", [3, 4]]);
    const [b, e] = w1.data_offsets;
    const view = new DataView(bytes.buffer, bytes.byteOffset + 8 + n + b, e - b);
    const expected = state.params["w1"]!.data;
    for (let i = 0; i < expected.length; i++) expect(view.getFloat32(4 * i, true)).toBe(expected[i]);
    expect(header["opt/inner/0/count"]).toMatchObject({ dtype: "I32", shape: [] });
  });
});

describe("resuming training", () => {
  it("N steps, save, load, M steps gives bit-identical parameters and optimizer state to N + M steps", async () => {
    const { step, state } = await model();
    const N = 7;
    const M = 6;
    const straight = await train(step, state, 0, N + M);
    const first = await train(step, state, 0, N);
    const path = join(dir, "resume.safetensors");
    await checkpoint.save(path, first);
    const { state: restored } = await checkpoint.load(path, state);
    const resumed = await train(step, restored, N, M);
    expect(resumed.step).toBe(N + M);
    expect(bits(resumed)).toEqual(bits(straight));
    expect(resumed.emaMetrics).toEqual(straight.emaMetrics);
    // The step and the optimizer state matter: resetting the step changes the EMA (its decay
    // depends on the step count), resetting the optimizer state (Adam's moments and count, the
    // schedule's position) changes the parameters.
    const stepReset = await train(step, { ...restored, step: 0 }, N, M);
    expect(bits(stepReset)["ema/w1"]).not.toEqual(bits(straight)["ema/w1"]);
    const optReset = await train(step, { ...restored, opt: state.opt }, N, M);
    expect(bits(optReset)["param/w1"]).not.toEqual(bits(straight)["param/w1"]);
  });
});

/** The node file system with a failure injected: after `budget` bytes of the temporary file, or at a named stage. */
function failingFs(failAt: { bytes: number } | { stage: "open" | "sync" | "close" | "rename" }): FileSystem {
  let written = 0;
  const boom = (what: string): Error => Object.assign(new Error(`injected failure (${what})`), { code: "EIO" });
  return {
    ...nodeFileSystem,
    openExclusive: async (path) => {
      if ("stage" in failAt && failAt.stage === "open") throw boom("open");
      const f = await nodeFileSystem.openExclusive(path);
      return {
        write: async (bytes) => {
          if ("bytes" in failAt && written + bytes.length > failAt.bytes) {
            await f.write(bytes.subarray(0, failAt.bytes - written)); // a partial write, then the crash
            written = failAt.bytes;
            throw boom("write");
          }
          written += bytes.length;
          await f.write(bytes);
        },
        sync: async () => {
          if ("stage" in failAt && failAt.stage === "sync") throw boom("fsync");
          await f.sync();
        },
        close: async () => {
          await f.close();
          if ("stage" in failAt && failAt.stage === "close") throw boom("close");
        },
      };
    },
    rename: async (from, to) => {
      if ("stage" in failAt && failAt.stage === "rename") throw boom("rename");
      await nodeFileSystem.rename(from, to);
    },
  };
}

describe("crash safety", () => {
  it("a save that fails at any byte or stage leaves the previous checkpoint intact and loadable, and no temporary file", async () => {
    const { step, state } = await model();
    const before = await train(step, state, 0, 3);
    const after = await train(step, before, 3, 2);
    const sub = await mkdtemp(join(dir, "crash-"));
    const path = join(sub, "model.safetensors");
    await checkpoint.save(path, before);
    const original = await readFile(path);
    const size = (await checkpoint.encodeCheckpoint(after)).reduce((a, c) => a + c.length, 0);
    const stages = fc.constantFrom("open" as const, "sync" as const, "close" as const, "rename" as const).map((stage) => ({ stage }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: 0, max: size - 1 }).map((bytes) => ({ bytes })), stages), async (failAt) => {
        const save = checkpoint.save(path, after, {}, { fs: failingFs(failAt) });
        await expect(save).rejects.toThrow(gg.GraphgradError);
        await expect(save).rejects.toThrow(/could not be written \(injected failure .*\); any previous file there is unchanged/);
        expect(Buffer.compare(await readFile(path), original)).toBe(0);
        expect(bits((await checkpoint.load(path, state)).state)).toEqual(bits(before));
        expect(await readdir(sub)).toEqual(["model.safetensors"]);
      }),
      { numRuns: 25 },
    );
    // Without a previous checkpoint, a failed save leaves nothing at the target.
    const fresh = join(sub, "fresh.safetensors");
    await expect(checkpoint.save(fresh, after, {}, { fs: failingFs({ bytes: 100 }) })).rejects.toThrow(gg.GraphgradError);
    expect(await readdir(sub)).toEqual(["model.safetensors"]);
    // And a save that succeeds replaces the old one.
    await checkpoint.save(path, after);
    expect((await checkpoint.load(path, state)).state.step).toBe(5);
  });

  it("writes a temporary file beside the target, fsyncs it before the rename, then fsyncs the directory", async () => {
    const calls: string[] = [];
    const sub = await mkdtemp(join(dir, "order-"));
    const path = join(sub, "m.safetensors");
    const name = (p: string): string => (p === path ? "target" : p === sub ? "dir" : p.startsWith(join(sub, ".m.safetensors.")) && p.endsWith(".tmp") ? "temp" : p);
    const recording: FileSystem = {
      ...nodeFileSystem,
      openExclusive: async (p) => {
        calls.push(`open ${name(p)}`);
        const f = await nodeFileSystem.openExclusive(p);
        return {
          write: async (b) => {
            if (calls[calls.length - 1] !== "write") calls.push("write");
            await f.write(b);
          },
          sync: async () => void (calls.push("fsync"), await f.sync()),
          close: async () => void (calls.push("close"), await f.close()),
        };
      },
      rename: async (a, b) => void (calls.push(`rename ${name(a)} ${name(b)}`), await nodeFileSystem.rename(a, b)),
      syncDirectory: async (p) => void (calls.push(`fsync ${name(p)}`), await nodeFileSystem.syncDirectory(p)),
    };
    const { state } = await model({ ema: false });
    await checkpoint.save(path, state, {}, { fs: recording });
    expect(calls).toEqual(["open temp", "write", "fsync", "close", "rename temp target", "fsync dir"]);
    expect(await readdir(sub)).toEqual(["m.safetensors"]);
  });

  /** Runs the writer process and SIGKILLs it when `killWhen(output so far)` says so; returns the output. */
  async function killWriter(path: string, args: string[], killWhen: (out: string) => number | undefined): Promise<string> {
    const script = fileURLToPath(new URL("./checkpoint-writer.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, path, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let scheduled = false;
    await new Promise<void>((resolve, reject) => {
      child.on("error", reject);
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const delay = killWhen(out);
        if (delay !== undefined && !scheduled) {
          scheduled = true;
          setTimeout(() => child.kill("SIGKILL"), delay);
        }
      });
      child.on("exit", () => resolve());
    });
    return out;
  }

  it("a writer process killed half way through writing its temporary file leaves the previous checkpoint", async () => {
    const sub = await mkdtemp(join(dir, "stall-"));
    const path = join(sub, "big.safetensors");
    const out = await killWriter(path, ["stall"], (o) => (o.includes("partial 2\n") ? 0 : undefined));
    expect(out).toBe("saved 1\npartial 2\n");
    // The crash left the partial temporary file (hidden, beside the target), which is itself rejected.
    const temps = (await readdir(sub)).filter((f) => f !== "big.safetensors");
    expect(temps).toHaveLength(1);
    expect(temps[0]).toMatch(/^\.big\.safetensors\.\d+\.[0-9a-f]{8}\.[0-9a-f]{12}\.tmp$/);
    await expect(checkpoint.load(join(sub, temps[0]!))).rejects.toThrow(/truncated/);
    const { state, metadata } = await checkpoint.load(path);
    expect(state.step).toBe(1);
    expect(state.params["w"]!.data.every((v) => v === 1)).toBe(true);
    expect(metadata["writer"]).toBe("checkpoint-writer");
    // Loading the target removed its dead writer's temporary (see stale-temps.test.ts).
    expect(await readdir(sub)).toEqual(["big.safetensors"]);
  }, 30_000);

  it("a writer process killed at a random moment of its saves never leaves a partial target", async () => {
    // Two writers at once, killed 40 and 150 ms after their first completed save, while they keep
    // saving (about 8 MB each).
    await Promise.all(
      [40, 150].map(async (delay) => {
        const sub = await mkdtemp(join(dir, "kill-"));
        const path = join(sub, "big.safetensors");
        const out = await killWriter(path, [], (o) => (o.includes("saved 1\n") ? delay : undefined));
        const completed = [...out.matchAll(/saved (\d+)\n/g)].map((m) => Number(m[1]));
        const { state } = await checkpoint.load(path);
        // The target is one complete save (its step matches its contents), at least the last one reported.
        expect(state.params["w"]!.data.every((v) => v === state.step)).toBe(true);
        expect(state.step).toBeGreaterThanOrEqual(Math.max(...completed));
      }),
    );
  }, 30_000);
});

describe("rejecting bad files", () => {
  let good: Uint8Array;
  let like: AnyState;
  beforeAll(async () => {
    const { step, state } = await model({ hidden: 2 });
    like = state;
    const chunks = checkpoint.encodeCheckpoint(await train(step, state, 0, 2), { run: "a" });
    good = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      good.set(c, off);
      off += c.length;
    }
  });

  it("the intact bytes load", () => {
    expect(checkpoint.decodeCheckpoint(good, like).state.step).toBe(2);
  });

  it("any changed byte is rejected with a GraphgradError (the header is validated, the file checksummed)", () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bad = good.slice();
        const i = at % bad.length;
        bad[i] = (bad[i] as number) ^ xor;
        expect(() => checkpoint.decodeCheckpoint(bad, like)).toThrow(gg.GraphgradError);
      }),
      { numRuns: 300 },
    );
  });

  it("any truncation, and any bytes appended, are rejected with a GraphgradError", () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expect(() => checkpoint.decodeCheckpoint(good.subarray(0, n % good.length), like)).toThrow(gg.GraphgradError);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (extra) => {
        const longer = new Uint8Array(good.length + extra.length);
        longer.set(good);
        longer.set(extra, good.length);
        expect(() => checkpoint.decodeCheckpoint(longer, like)).toThrow(/bytes after the last tensor/);
      }),
      { numRuns: 50 },
    );
  });

  it("arbitrary bytes never crash the loader with anything but a GraphgradError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(() => checkpoint.decodeCheckpoint(bytes)).toThrow(gg.GraphgradError);
      }),
      { numRuns: 300 },
    );
  });

  it("names the problem: truncation, a bad header field, the checksum", async () => {
    const path = join(dir, "truncated.safetensors");
    await writeFile(path, good.subarray(0, good.length - 10));
    await expect(checkpoint.load(path, like)).rejects.toThrow(`checkpoint '${path}': header["emaMetric/gradNorm"].data_offsets: truncated: the tensor ends at byte 216 of the data, which has 214 bytes`);
    await expect(checkpoint.load(join(dir, "missing.safetensors"))).rejects.toThrow(/cannot be read \(ENOENT/);
    expect(() => checkpoint.decodeCheckpoint(good.subarray(0, 5))).toThrow("checkpoint: truncated: 5 bytes, fewer than the 8 of the header length");
    const flipped = good.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(() => checkpoint.decodeCheckpoint(flipped, like)).toThrow(/checksum mismatch \(CRC-32 [0-9a-f]{8}, the file says [0-9a-f]{8}\): the file is corrupt/);
  });

  it("rejects a file whose tensors do not match the expected state, naming the difference", async () => {
    const other = await model({ hidden: 3 });
    expect(() => checkpoint.decodeCheckpoint(good, other.state)).toThrow("checkpoint: does not match the expected state: param 'w1' is float32[3,2] in the file, float32[3,3] expected");
    const sgd = await model({ hidden: 2, optimizer: "sgd" });
    expect(() => checkpoint.decodeCheckpoint(good, sgd.state)).toThrow("does not match the expected state: opt.inner has 2 entries in the file, 1 expected");
    const retagged: gg.TrainState = { ...like, opt: { ...like.opt, _tag: "OtherState" } };
    expect(() => checkpoint.decodeCheckpoint(good, retagged)).toThrow('does not match the expected state: opt._tag is "ChainState" in the file, "OtherState" expected');
    const noEma = await model({ hidden: 2, ema: false });
    expect(() => checkpoint.decodeCheckpoint(good, noEma.state)).toThrow("does not match the expected state: the file has ema 'w1', which the expected state does not (expected: none)");
    const fewer: gg.TrainState = { ...like, params: { w1: like.params["w1"]!, b1: like.params["b1"]!, w2: like.params["w2"]!, extra: like.params["b1"]! } };
    expect(() => checkpoint.decodeCheckpoint(good, fewer)).toThrow("does not match the expected state: no param 'extra' in the file (it has: w1, b1, w2)");
  });

  it("rejects a safetensors file that is not a graphgrad checkpoint, and a newer version", async () => {
    const path = join(dir, "plain.safetensors");
    await checkpoint.writeTensors(path, { w: gg.tensorFrom([1, 2], "float32") });
    await expect(checkpoint.load(path)).rejects.toThrow(/__metadata__\["graphgrad.format"\]: not a graphgrad checkpoint .* checkpoint.readTensors reads any safetensors file/);
    const v2 = withHeader(good, (h) => ({ ...h, __metadata__: { ...(h["__metadata__"] as object), "graphgrad.version": "2" } }));
    expect(() => checkpoint.decodeCheckpoint(v2)).toThrow(`header.__metadata__["graphgrad.version"]: version "2" is not one this graphgrad reads (1)`);
  });
});

/** Bytes of a file with its header rewritten by `f` (data unchanged; the checksum is then stale). */
function withHeader(bytes: Uint8Array, f: (h: Record<string, unknown>) => Record<string, unknown>): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = f(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>);
  return fileOf(JSON.stringify(header), bytes.subarray(8 + n));
}

/** A safetensors file from header text and data bytes (header padded with spaces to 8). */
function fileOf(headerText: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.set(data, 8 + n);
  return out;
}

describe("safetensors headers", () => {
  const f32 = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
  const read = async (bytes: Uint8Array): Promise<Awaited<ReturnType<typeof checkpoint.readTensors>>> => {
    const path = join(dir, `h-${crc32([bytes]).toString(16)}.safetensors`);
    await writeFile(path, bytes);
    return checkpoint.readTensors(path);
  };

  it("reads a file in the reference library's layout (keys sorted, metadata, spaces), F32/F64/I32/BOOL", async () => {
    // As safetensors' serialize() lays it out: largest alignment first, then by name.
    const data = new Uint8Array([...new Uint8Array(Float64Array.of(0.5, -2).buffer), ...f32([1, 2, 3, 4]), ...new Uint8Array(Int32Array.of(-7).buffer), 1, 0, 3]);
    const header = '{"__metadata__":{"format":"pt"},"bias":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]},"count":{"dtype":"I32","shape":[],"data_offsets":[32,36]},"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[36,39]}}';
    const { tensors, metadata } = await read(fileOf(header, data));
    expect(metadata).toEqual({ format: "pt" });
    expect(tensors["weight"]!.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensors["bias"]!.toArray()).toEqual([0.5, -2]);
    expect(tensors["count"]!.item()).toBe(-7);
    expect(tensors["mask"]!.toArray()).toEqual([true, false, true]);
    expect(Object.keys(tensors)).toEqual(["bias", "weight", "count", "mask"]);
  });

  it("writeTensors / readTensors round trip", async () => {
    const path = join(dir, "tensors.safetensors");
    const tensors = { a: gg.tensorFrom([[1, 2, 3]], "float64"), b: gg.tensorFrom([true, false], "bool") };
    await checkpoint.writeTensors(path, tensors, { source: "test" });
    const back = await checkpoint.readTensors(path);
    expect(back.tensors["a"]!.toArray()).toEqual([[1, 2, 3]]);
    expect(back.tensors["b"]!.toArray()).toEqual([true, false]);
    expect(back.metadata).toEqual({ source: "test" });
  });

  it("rejects unsupported dtypes by name and bad fields by path", async () => {
    const entry = (e: string): Uint8Array => fileOf(`{"t":${e}}`, new Uint8Array(8));
    await expect(read(entry('{"dtype":"C64","shape":[1],"data_offsets":[0,8]}'))).rejects.toThrow(`header.t.dtype: dtype C64 is not supported (graphgrad reads F64, F32, F16, BF16, I64, U64, I32, U32, I16, U16, I8, U8, BOOL)`);
    await expect(read(entry('{"dtype":"Q9","shape":[2],"data_offsets":[0,8]}'))).rejects.toThrow(`header.t.dtype: unknown dtype "Q9"`);
    await expect(read(entry('{"dtype":"F32","shape":[2,-1],"data_offsets":[0,8]}'))).rejects.toThrow("header.t.shape[1]: expected NonNegativeInteger, got -1");
    await expect(read(entry('{"dtype":"F32","shape":[2]}'))).rejects.toThrow("header.t.data_offsets: missing");
    await expect(read(entry('{"dtype":"F32","shape":[3],"data_offsets":[0,8]}'))).rejects.toThrow("header.t.data_offsets: 8 bytes for F32[3], which needs 12");
    await expect(read(entry('{"dtype":"F32","shape":[2],"data_offsets":[8,0]}'))).rejects.toThrow("begin 8 is after end 0");
    await expect(read(fileOf('{"__metadata__":{"a":1}}', new Uint8Array(0)))).rejects.toThrow('header.__metadata__.a: expected string, got 1');
    await expect(read(fileOf("[1,2]", new Uint8Array(0)))).rejects.toThrow(/header: expected a JSON object/);
    await expect(read(fileOf('{"t":', new Uint8Array(0)))).rejects.toThrow(/header: not valid JSON/);
  });

  it("rejects overlapping, gapped, out-of-range and trailing data", async () => {
    const two = (a: string, b: string, size: number): Uint8Array =>
      fileOf(`{"a":{"dtype":"F32","shape":[2],"data_offsets":${a}},"b":{"dtype":"F32","shape":[2],"data_offsets":${b}}}`, new Uint8Array(size));
    await expect(read(two("[0,8]", "[4,12]", 12))).rejects.toThrow("header.b.data_offsets: overlaps tensor 'a' (begins at 4, before 8)");
    await expect(read(two("[0,8]", "[12,20]", 20))).rejects.toThrow("header.b.data_offsets: leaves a gap of 4 bytes before it");
    await expect(read(two("[0,8]", "[8,16]", 12))).rejects.toThrow("header.b.data_offsets: truncated: the tensor ends at byte 16 of the data, which has 12 bytes");
    await expect(read(two("[0,8]", "[8,16]", 20))).rejects.toThrow("4 bytes after the last tensor");
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    await expect(read(huge)).rejects.toThrow(/the header length 1099511627776 exceeds the 8 bytes after it/);
  });
});
