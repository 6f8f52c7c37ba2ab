import type { DType } from "../../ir/dtype.js";
import { allocate } from "../../ir/dtype.js";
import type { Graph } from "../../ir/graph.js";
import { type BufferAlias, type BufferPlan, type CheckKernel, checkKernels, failedCheck, type KernelProgram, lowerToKernels, planBuffers } from "../../ir/kernel/index.js";
import { randomElement } from "../../ir/random.js";
import { checkBools, elementValue, isOwnedByLibrary, libraryTensor, Tensor, valueRejected } from "../../ir/tensor.js";
import { checkFeeds, feedChecks } from "./feed-checks.js";
import { PENDING_MIN_ELEMENTS, pendingResults } from "./pending.js";
import { type Backend, type BoundFeed, type BoundResult, type Executable, feedMap, inputDtypes } from "../backend.js";
import { describe, isRecord } from "../../ir/check.js";
import { GraphgradError } from "../../ir/errors.js";
import { shapesEqual, sizeOf } from "../../ir/shape.js";
import { bindingCache, type ShapePlan, staticFeeds } from "../plan.js";
import { BYTES } from "./expr.js";
import { assemble } from "./module.js";
import { epilogueSupported } from "./matmul.js";
import { convReadsInPlace } from "./conv.js";
import { hostMath, PROBE_MATH } from "./emit-ops.js";
import { RANDOM_DISTS, RANDOM_DTYPES } from "./kernels.js";
import { detectRelaxedSimd } from "./features.js";
import { inlineMathMatches } from "./math.js";
import { createWorkerPool, type WorkerPool } from "./threads.js";
import { describeKernel, type ProfileLine, ProfileRecorder, type WasmProfile } from "./profile.js";

export type { WasmProfile, WasmProfileEntry } from "./profile.js";
import type { ScheduleStep } from "./module.js";
import { accumulationError, formatBytes, MAX_F32_MATMUL_K, MAX_PAGES, MAX_SHARED_PAGES, memoryError } from "./limits.js";

/**
 * The WebAssembly backend. For each binding of the symbolic dimensions (i.e. each distinct set of
 * feed shapes) the graph is lowered to fused kernels (`ir/passes/fuse.ts`), its buffers planned
 * by liveness (`ir/passes/schedule.ts`), and a module emitted and compiled once; later runs with
 * the same shapes only copy feeds in, call `run`, and copy outputs out.
 */

export interface WasmOptions {
  /** Use relaxed-SIMD fused multiply-add when the engine supports it (default: when available). */
  readonly relaxedSimd?: boolean;
  /**
   * Threads sharing large kernels (the calling thread plus workers, Node only). Default: the
   * machine's available parallelism, at most 8; 1 disables workers.
   */
  readonly threads?: number;
  /**
   * Time every kernel and the host's copies (each kernel then runs as a call of its own), reported
   * by the executable's `stats()` as `profile`: time per kernel kind and shapes, GFLOP/s of each
   * matmul shape. Default false.
   */
  readonly profile?: boolean;
}

/** What a compiled binding reports about itself. */
export interface WasmProgramStats {
  readonly kernels: number;
  /** Peak bytes of the planned buffer arena, and without reuse. */
  readonly arenaBytes: number;
  readonly unplannedBytes: number;
  readonly moduleBytes: number;
  /** Threads available, and kernels split between them. */
  readonly threads: number;
  readonly parallelKernels: number;
  /** Outputs computed in the memory of the input they are fed back as (compile hint `feedback`). */
  readonly aliased: number;
  /** Time per kernel and host copy, when compiled with `profile: true`. */
  readonly profile?: WasmProfile;
}

interface Instance {
  readonly program: KernelProgram;
  readonly plan: BufferPlan;
  /** The program's index checks, in order: their status words are read after each run. */
  readonly checks: readonly CheckKernel[];
  /** The checks when every one reads a feed (see `feedChecks`): the host makes them before a run, which then cannot fail. */
  readonly feedChecks: readonly CheckKernel[] | undefined;
  /** Runs the kernels, handing parts of split kernels to the worker pool. */
  readonly run: () => void;
  readonly stats: WasmProgramStats;
  /** Where the time of each kernel and host copy is summed (`profile: true`). */
  readonly profile: InstanceProfile | undefined;
  /** Typed views of the input and output buffers by name, made again when memory grows. */
  io?: {
    readonly memory: ArrayBuffer;
    readonly inputs: ReadonlyMap<string, InputSlot>;
    readonly outputs: ReadonlyMap<string, OutputView>;
    /** Outputs computed over an input's buffer: after a run, that input slot holds the output's value. */
    readonly aliases: readonly { readonly output: string; readonly slot: InputSlot }[];
    /** Each check's status words, by status buffer. */
    readonly status: ReadonlyMap<number, Int32Array>;
  };
}

/**
 * An input buffer's view, and the library-owned tensor it holds now (see `libraryTensor`: the
 * caller never writes those, so identity means same data). A caller's tensor is never held: its
 * array may have been refilled since the last run.
 */
interface InputSlot {
  readonly name: string;
  readonly view: Float32Array | Float64Array | Int32Array;
  held: Tensor | undefined;
}

/** A bound runner's views into one binding, in bound order, and the feed shapes that selected it. */
interface BoundViews {
  readonly inst: Instance;
  readonly memory: ArrayBuffer;
  readonly shapes: readonly (readonly number[])[];
  readonly ins: readonly (InputSlot | undefined)[];
  readonly tensors: readonly OutputView[];
  readonly scalars: readonly OutputView[];
  /** Input slots overwritten by an output, and that output's index among `tensors` (-1: not read out). */
  readonly aliases: readonly { readonly slot: InputSlot; readonly tensor: number }[];
}

/** dst = src, element by element for a few elements (a `set` call costs more) or from bools (Uint8Array). */
function copyInto(dst: Float32Array | Float64Array | Int32Array | Uint8Array, src: ArrayLike<number> & { readonly length: number }): void {
  if (src.length <= SMALL || src instanceof Uint8Array) for (let i = 0; i < src.length; i++) dst[i] = src[i] as number;
  else dst.set(src);
}

/** An output buffer's view, with its kernel-program entry and frozen concrete shape. */
interface OutputView {
  readonly view: Float32Array | Float64Array | Int32Array;
  readonly out: KernelProgram["outputs"][string];
  readonly shape: readonly number[];
}

/** A binding's profile, with the lines its host copies add to. */
interface InstanceProfile {
  readonly recorder: ProfileRecorder;
  readonly copyIn: ProfileLine;
  readonly copyOut: ProfileLine;
}

/** Runs `f`, adding its time to a profile line when profiling. */
function timedCopy(p: InstanceProfile | undefined, which: "copyIn" | "copyOut", f: () => void): void {
  if (p === undefined) return f();
  const start = performance.now();
  f();
  p.recorder.add(p[which], (performance.now() - start) / 1000);
}

/** A binding's profile: a line per kernel label and one per host copy; `lines[i]` is schedule step i's. */
function profileOf(program: KernelProgram, schedule: readonly ScheduleStep[]): InstanceProfile & { readonly lines: readonly ProfileLine[] } {
  const recorder = new ProfileRecorder();
  const lines = schedule.map((step) => {
    // Profiling, every step is one kernel.
    const k = program.kernels[step.kernels[0] as number] as KernelProgram["kernels"][number];
    const d = describeKernel(k);
    return recorder.line(k.kind, d.label, d.flops, step.packing === true);
  });
  return { recorder, lines, copyIn: recorder.line("copy in", "copy feeds in"), copyOut: recorder.line("copy out", "copy results out") };
}

/** Tensors up to this many elements are copied in and out element by element. */
const SMALL = 16;


export function wasm(options: WasmOptions = {}): Backend {
  if (!isRecord(options as unknown)) throw new GraphgradError("wasm", `the options must be an object ({ threads?, relaxedSimd? }), got ${describe(options)}`);
  const { threads, relaxedSimd, profile } = options;
  if (threads !== undefined && !(typeof threads === "number" && Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new GraphgradError("wasm", `threads must be an integer in [1, 256], got ${describe(threads)}`);
  }
  if (relaxedSimd !== undefined && typeof relaxedSimd !== "boolean") throw new GraphgradError("wasm", `relaxedSimd must be true or false, got ${describe(relaxedSimd)}`);
  if (profile !== undefined && typeof profile !== "boolean") throw new GraphgradError("wasm", `profile must be true or false, got ${describe(profile)}`);
  // The backend value owns its worker pool, made on first need and shared by its executables.
  let pool: Promise<WorkerPool | undefined> | undefined;
  // Whether this engine's Math.exp / Math.tanh are the ones the modules can compute themselves.
  let ownMath: Promise<boolean> | undefined;
  const poolOf = (threads: number): Promise<WorkerPool | undefined> => (pool ??= threads > 1 ? createWorkerPool(threads - 1) : Promise.resolve(undefined));
  return {
    name: "wasm",
    compile: async (graph, hints) => {
      const threads = Math.max(1, Math.floor(options.threads ?? (await defaultThreads())));
      const shared = threads > 1 && typeof SharedArrayBuffer !== "undefined";
      const feedback = Object.entries(hints?.feedback ?? {}).map(([output, input]) => ({ output, input }));
      return compileWasm(graph, { fma: options.relaxedSimd ?? (await detectRelaxedSimd()), pool: shared ? await poolOf(threads) : undefined, feedback, profile: profile === true, ownMath: await (ownMath ??= inlineMathMatches()) });
    },
  };
}

async function defaultThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency !== undefined) return Math.min(8, nav.hardwareConcurrency);
  try {
    const os = await import("node:os");
    return Math.min(8, os.availableParallelism());
  } catch {
    return 1;
  }
}

let nextInstanceId = 0;

/** A typed view of `n` elements of dtype d at byte address `at` (bools are stored as int32). */
function view(memory: WebAssembly.Memory, d: DType, at: number, n: number): Float32Array | Float64Array | Int32Array {
  if (d === "float32") return new Float32Array(memory.buffer, at, n);
  if (d === "float64") return new Float64Array(memory.buffer, at, n);
  return new Int32Array(memory.buffer, at, n);
}

export interface WasmExecutable extends Executable {
  /** Statistics of the programs compiled so far, one per feed-shape binding. */
  readonly stats: () => readonly WasmProgramStats[];
}

async function compileWasm(graph: Graph, o: { fma: boolean; pool: WorkerPool | undefined; feedback: readonly BufferAlias[]; profile: boolean; ownMath: boolean }): Promise<WasmExecutable> {
  const pool = o.pool;
  const memory = pool !== undefined ? new WebAssembly.Memory({ initial: 1, maximum: MAX_SHARED_PAGES, shared: true }) : new WebAssembly.Memory({ initial: 1 });
  const threads = pool === undefined ? 1 : pool.size + 1;
  const all: Instance[] = [];
  let last: Instance | undefined;

  const imports = {
    env: { memory },
    m: {
      ...hostMath(),
      // One block of `size` elements per key (keys: consecutive int32 pairs).
      random: (keyAt: number, outAt: number, size: number, keys: number, dist: number, dtype: number): void => {
        const key = new Int32Array(memory.buffer, keyAt, 2 * keys);
        const d = RANDOM_DTYPES[dtype] as DType;
        const out = view(memory, d, outAt, size * keys);
        const kind = RANDOM_DISTS[dist] as (typeof RANDOM_DISTS)[number];
        for (let k = 0; k < keys; k++) {
          const k0 = (key[2 * k] as number) >>> 0;
          const k1 = (key[2 * k + 1] as number) >>> 0;
          for (let i = 0; i < size; i++) out[k * size + i] = randomElement(k0, k1, i, kind);
        }
      },
    },
  };

  const build = async (shapes: ShapePlan): Promise<Instance> => {
    const program = lowerToKernels(graph, shapes.shapes, { epilogue: (e, d) => epilogueSupported(e, d, PROBE_MATH), env: shapes.env, productSums: { maxLength: MAX_F32_MATMUL_K }, convInPlace: convReadsInPlace });
    // Outputs fed back as inputs (a train step's state) are computed in their input's memory.
    const plan = planBuffers(program, (d) => BYTES[d], o.feedback);
    const shared = pool !== undefined;
    const limit = (shared ? MAX_SHARED_PAGES : MAX_PAGES) * 65536;
    // Refused before any code is made: addresses past the memory would not be addresses.
    if (plan.bytes > limit) throw memoryError(program, (d) => BYTES[d], plan.bytes, limit, shared);
    const tooLoose = accumulationError(program);
    if (tooLoose !== undefined) throw tooLoose;
    const mod = assemble(program, plan, { fma: o.fma, threads, sharedMemory: shared, maxPages: MAX_SHARED_PAGES, profile: o.profile, ownMath: o.ownMath });
    if (mod.memoryBytes > limit) throw memoryError(program, (d) => BYTES[d], mod.memoryBytes, limit, shared);
    const need = Math.ceil(mod.memoryBytes / 65536);
    const have = memory.buffer.byteLength / 65536;
    if (need > have) {
      try {
        memory.grow(need - have);
      } catch (e) {
        throw new GraphgradError("wasm", `could not grow the WebAssembly memory to ${formatBytes(mod.memoryBytes)} (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    const module = await WebAssembly.compile(mod.bytes);
    const instance = await WebAssembly.instantiate(module, imports);
    const fn = (name: string): (() => void) => instance.exports[name] as () => void;
    const id = nextInstanceId++;
    const partNames = mod.schedule.flatMap((st) => (st.kind === "parallel" ? st.parts.slice(1) : []));
    if (pool !== undefined && partNames.length > 0) await pool.load(id, module, memory, partNames);
    const steps = mod.schedule.map((st) => {
      if (st.kind === "segment") return fn(st.name);
      const own = fn(st.parts[0] as string);
      const index = st.parts.slice(1).map((n) => partNames.indexOf(n));
      const p = pool as WorkerPool;
      let counters = new Int32Array(memory.buffer, st.countersAt, st.counters);
      return (): void => {
        if (counters.buffer !== memory.buffer) counters = new Int32Array(memory.buffer, st.countersAt, st.counters);
        counters.fill(0);
        p.start(id, index);
        own();
        p.wait();
      };
    });
    const profile = o.profile ? profileOf(program, mod.schedule) : undefined;
    // Profiling: each step is one kernel, timed into its label's line.
    const timed = profile === undefined ? steps : steps.map((s, i) => profile.recorder.timed(profile.lines[i] as ProfileLine, s, mod.schedule[i]?.packing === true));
    const run = timed.length === 1 ? (timed[0] as () => void) : (): void => timed.forEach((s) => s());
    const stats = { kernels: program.kernels.length, arenaBytes: plan.bytes, unplannedBytes: plan.unplannedBytes, moduleBytes: mod.bytes.length, threads, parallelKernels: mod.schedule.filter((s) => s.kind === "parallel").length, aliased: plan.aliased.length };
    const inst: Instance = { program, plan, checks: checkKernels(program.kernels), feedChecks: feedChecks(program), run, stats, profile };
    all.push(inst);
    return inst;
  };

  /** Writes a constant buffer's literal values (bools are already 0/1). */
  const writeConst = (inst: Instance, id: number, data: readonly number[]): void => {
    const b = inst.program.buffers[id];
    if (b === undefined || b.size === 0) return;
    view(memory, b.dtype, inst.plan.offsets[id] as number, b.size).set(data);
  };

  const instanceFor = bindingCache(graph, build);
  // Every shape known: build now, so that what the backend cannot run is refused by compile.
  const known = staticFeeds(graph);
  if (known !== undefined) await instanceFor(known);

  /** Makes `inst` the binding in memory (constants written) and returns its typed views. */
  const activate = (inst: Instance): NonNullable<Instance["io"]> => {
    let io = inst.io;
    if (io === undefined || io.memory !== memory.buffer) {
      const at = (id: number): number => inst.plan.offsets[id] as number;
      const inputs = new Map(inst.program.buffers.filter((b) => b.role === "input").map((b) => [b.name as string, { name: b.name as string, view: view(memory, b.dtype, at(b.id), b.size), held: undefined }] as const));
      const outputs = new Map(Object.entries(inst.program.outputs).map(([name, o]) => [name, { view: view(memory, o.dtype, at(o.buffer), sizeOf(o.shape)), out: o, shape: Object.freeze([...o.shape]) }] as const));
      const aliases = inst.plan.aliased.map((a) => ({ output: a.output, slot: inputs.get(a.input) as InputSlot }));
      const status = new Map(inst.checks.map((k) => [k.status, new Int32Array(memory.buffer, at(k.status), 2)] as const));
      io = { memory: memory.buffer, inputs, outputs, aliases, status };
      inst.io = io;
    }
    if (last !== inst) {
      // Another binding's arena may have overwritten this one's constants and inputs.
      for (const slot of io.inputs.values()) slot.held = undefined;
      for (const b of inst.program.buffers) if (b.role === "const" && b.data !== undefined) writeConst(inst, b.id, b.data);
      last = inst;
    }
    return io;
  };

  /** Copies a feed into its input buffer unless that buffer already holds this very library-owned tensor. */
  const writeInput = (slot: InputSlot, t: Tensor): void => {
    // Inputs live to the end of the plan: a library-owned tensor fed again is still in memory.
    if (slot.held === t) return;
    slot.held = isOwnedByLibrary(t) ? t : undefined;
    // The caller may have refilled a bool tensor's array since it was checked.
    if (t.dtype === "bool") checkBools(t.data, t.shape, `feed '${slot.name}'`);
    copyInto(slot.view, t.data);
  };

  /** Donated results left in memory until read (pending.ts). */
  const pending = pendingResults();

  /** A tensor holding an output's current value: in a fresh array, or in the array of `into` (donated, same dtype and size). */
  const readOutput = (o: OutputView, into?: Tensor): Tensor => {
    if (into !== undefined && into.dtype === o.out.dtype && into.data.length === o.view.length && o.out.dtype !== "bool") {
      copyInto(into.data, o.view);
      // A donated caller's array stays the caller's: the result is re-read if fed.
      return isOwnedByLibrary(into) ? libraryTensor(o.out.dtype, o.shape, into.data) : new Tensor(o.out.dtype, o.shape, into.data);
    }
    if (o.out.dtype !== "bool") return libraryTensor(o.out.dtype, o.shape, o.view.slice());
    const data = allocate("bool", o.view.length);
    copyInto(data, o.view);
    return libraryTensor("bool", o.shape, data);
  };

  /** Runs the kernels, then fails the run if a check failed (its input slots may hold anything then). */
  const execute = (inst: Instance, io: NonNullable<Instance["io"]>): void => {
    if (inst.checks.length === 0) {
      inst.run();
      return;
    }
    for (const words of io.status.values()) words.fill(0);
    inst.run();
    const error = failedCheck(inst.checks, (b) => io.status.get(b) as Int32Array);
    if (error === undefined) return;
    for (const slot of io.inputs.values()) slot.held = undefined;
    throw error;
  };

  const runWith = (inst: Instance, feeds: ReadonlyMap<string, Tensor>): NonNullable<Instance["io"]> => {
    const io = activate(inst);
    timedCopy(inst.profile, "copyIn", () => {
      for (const [name, slot] of io.inputs) writeInput(slot, feeds.get(name) as Tensor);
    });
    execute(inst, io);
    return io;
  };

  return {
    backend: "wasm",
    graph,
    stats: () => all.map((inst) => (inst.profile === undefined ? inst.stats : { ...inst.stats, profile: inst.profile.recorder.snapshot() })),
    run: async (feeds) => {
      pending.settleKept();
      const inst = await instanceFor(feeds);
      const start = performance.now();
      const io = runWith(inst, feeds);
      const result: Record<string, Tensor> = {};
      timedCopy(inst.profile, "copyOut", () => {
        for (const [name, o] of io.outputs) result[name] = readOutput(o, undefined);
      });
      inst.profile?.recorder.run((performance.now() - start) / 1000);
      for (const a of io.aliases) a.slot.held = result[a.output];
      return result;
    },
    bind: (inputs, outputs) => {
      for (const name of [...outputs.tensors, ...outputs.scalars]) {
        if (graph.outputs[name] === undefined) throw new GraphgradError("wasm", `no output named '${name}' (outputs: ${Object.keys(graph.outputs).join(", ")})`);
      }
      const dtypes = inputDtypes(graph, inputs);
      /** The binding the last checked feeds selected, with its views in bound order. */
      let fast: BoundViews | undefined;
      /** The bound tensor outputs; with `inMemory`, a large donated one's successor stays in memory until read (pending.ts). */
      const read = (outs: readonly OutputView[], reuse: readonly (Tensor | undefined)[] | undefined, slots: Iterable<InputSlot | undefined>, inMemory = false): Tensor[] => {
        const tensors: Tensor[] = new Array(outs.length);
        for (let i = 0; i < outs.length; i++) {
          const o = outs[i] as OutputView;
          const donated = reuse?.[i];
          tensors[i] = inMemory && donated !== undefined && o.out.dtype !== "bool" && o.view.length >= PENDING_MIN_ELEMENTS ? pending.leave({ view: o.view, dtype: o.out.dtype, shape: o.shape }, donated) : readOutput(o, donated);
        }
        if (reuse !== undefined) {
          // A donated array now holds new values: no input slot may still claim to hold its tensor.
          for (const slot of slots) if (slot !== undefined && slot.held !== undefined && reuse.includes(slot.held)) slot.held = undefined;
        }
        return tensors;
      };
      const slow = async (feeds: readonly BoundFeed[], given: readonly (Tensor | undefined)[] | undefined): Promise<BoundResult> => {
        // Read the caller's arrays now: they may be reused once this returns its promise.
        pending.settleKept();
        const map = feedMap(inputs, dtypes, feeds);
        const reuse = given?.slice();
        const inst = await instanceFor(map);
        const start = performance.now();
        const io = runWith(inst, map);
        const scalars = outputs.scalars.map((n) => io.outputs.get(n) as OutputView);
        for (const [k, o] of scalars.entries()) if (o.view.length !== 1) throw new GraphgradError("wasm", `output '${outputs.scalars[k] as string}' is bound as a number but has shape [${o.shape.join(",")}]`);
        const tensors = outputs.tensors.map((n) => io.outputs.get(n) as OutputView);
        const aliases = io.aliases.map((a) => ({ slot: a.slot, tensor: outputs.tensors.indexOf(a.output) }));
        fast = { inst, memory: io.memory, shapes: inputs.map((n) => (map.get(n) as Tensor).shape), ins: inputs.map((n) => io.inputs.get(n)), tensors, scalars, aliases };
        let read1: Tensor[] = [];
        timedCopy(inst.profile, "copyOut", () => void (read1 = read(tensors, reuse, io.inputs.values())));
        inst.profile?.recorder.run((performance.now() - start) / 1000);
        for (const a of aliases) a.slot.held = read1[a.tensor];
        return { tensors: read1, scalars: scalars.map((o) => o.view[0] as number) };
      };
      return (feeds, reuse) => {
        const f = fast;
        if (f === undefined || f.inst !== last || f.memory.byteLength === 0 || feeds.length !== inputs.length) return slow(feeds, reuse);
        // Same dtypes and shapes as the checked feeds: same binding, nothing more to check.
        for (let i = 0; i < feeds.length; i++) {
          const t = feeds[i] as BoundFeed;
          const want = f.shapes[i] as readonly number[];
          if (typeof t === "number") {
            if (want.length !== 0) return slow(feeds, reuse);
          } else if (t.dtype !== dtypes[i] || (t.shape !== want && !shapesEqual(t.shape, want))) return slow(feeds, reuse);
        }
        const profile = f.inst.profile;
        const t0 = profile === undefined ? 0 : performance.now();
        pending.settleKept(reuse);
        for (let i = 0; i < feeds.length; i++) {
          const slot = f.ins[i];
          if (slot === undefined) continue;
          const t = feeds[i] as BoundFeed;
          if (typeof t === "number") {
            slot.held = undefined;
            const v = elementValue(t, dtypes[i] as DType);
            if (v === undefined) throw valueRejected(`feed '${inputs[i] as string}'`, t, dtypes[i] as DType);
            slot.view[0] = v;
          } else writeInput(slot, t);
        }
        // A failed step donates nothing: where the host cannot check the indices first, the run may
        // fail after writing, so its donated results are copied out first.
        const io = f.inst.io as NonNullable<Instance["io"]>;
        const mayFail = f.inst.checks.length > 0 && f.inst.feedChecks === undefined;
        if (f.inst.checks.length > 0 && f.inst.feedChecks !== undefined) {
          const error = checkFeeds(f.inst.feedChecks, (k) => (io.inputs.get(f.inst.program.buffers[k.indices]?.name as string) as InputSlot).view as Int32Array);
          if (error !== undefined) throw error;
        }
        pending.settleDonated(mayFail);
        const t1 = profile === undefined ? 0 : performance.now();
        execute(f.inst, io);
        const t2 = profile === undefined ? 0 : performance.now();
        const scalars: number[] = new Array(f.scalars.length);
        for (let i = 0; i < scalars.length; i++) scalars[i] = (f.scalars[i] as OutputView).view[0] as number;
        const tensors = read(f.tensors, reuse, f.ins, !mayFail);
        if (profile !== undefined) {
          const t3 = performance.now();
          profile.recorder.add(profile.copyIn, (t1 - t0) / 1000);
          profile.recorder.add(profile.copyOut, (t3 - t2) / 1000);
          profile.recorder.run((t3 - t0) / 1000);
        }
        for (const a of f.aliases) a.slot.held = tensors[a.tensor];
        return { tensors, scalars };
      };
    },
  };
}
