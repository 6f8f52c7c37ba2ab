import { type Kernel, type KernelProgram, kernelWrites, movePlacements, type Placement, type ScalarExpr } from "../../ir/kernel/index.js";
import type { BufferPlan } from "../../ir/kernel/index.js";
import { FunctionBuilder, ModuleBuilder, uleb } from "./encoder.js";
import { I, VOID } from "./opcodes.js";
import { HOST_MATH, HOST_MATH_NAMES, type HostFunctions, type MathImports } from "./emit-ops.js";
import { genCheckIndex, genGather, genIota, genLoop, genMap, genRandom, genScatterAdd, type GenContext } from "./kernels.js";
import { accumulatorBytes, genReduce } from "./reduce.js";
import { genExp, genExpm1, genTanh } from "./math.js";
import { genMatmulBody, genMatmulKernel, genMatmulRowsKernel, genPackA, genPackB, packBytes, packedABytes, packedBBytes, panels, panelsWithTail, chunkPanels, MR, NR, reductionLength } from "./matmul.js";
import { type ConvPlan, convMacs, genConvAll, genConvBlock, genConvPart, genConvPrepare, planConv } from "./conv.js";

/**
 * Assembles a kernel program into one WebAssembly module. Memory (imported as env.memory) holds
 * the buffer arena laid out by the buffer plan, then one scratch area per thread (packed matmul
 * panels). Single-threaded, the module exports `run`, calling every kernel in order. With T
 * threads, large float32 matmuls are split into T parts by column panels: the module exports the
 * sequential segments between them (`s0`, `s1`, ...) and each part (`p<i>_<t>`), and `schedule`
 * says in which order the host calls them (part 0 on the calling thread, the others on workers).
 */

export interface AssembledModule {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Bytes of memory the module addresses (arena + scratch). */
  readonly memoryBytes: number;
  readonly schedule: readonly ScheduleStep[];
}

/**
 * A parallel step's parts share the kernel's panels through counters: `counters` i32 words at byte
 * address `countersAt`, which the host zeroes before starting the parts. `kernels`: the program's
 * kernels a step runs; `packing`: the step packs the A of the product in the next step.
 */
export type ScheduleStep =
  | { readonly kind: "segment"; readonly name: string; readonly kernels: readonly number[]; readonly packing?: boolean }
  | { readonly kind: "parallel"; readonly parts: readonly string[]; readonly countersAt: number; readonly counters: number; readonly kernels: readonly number[]; readonly packing?: boolean };

export interface AssembleOptions {
  readonly fma: boolean;
  /** Threads that may share a kernel (1 = single-threaded). */
  readonly threads: number;
  /** Whether the memory is shared (required when threads > 1). */
  readonly sharedMemory: boolean;
  readonly maxPages: number;
  /** Compute float64 exp and tanh in the module (math.ts; only where they give the host's bits). */
  readonly ownMath?: boolean;
  /** Every kernel a step of its own (so the host can time each one): `wasm({ profile: true })`. */
  readonly profile?: boolean;
}

/** The module's float64 exp and tanh in place of the host's. */
function ownMath(mb: ModuleBuilder, imports: HostFunctions): MathImports {
  const exp = mb.addFunction(genExp());
  const tanh = mb.addFunction(genTanh(mb.addFunction(genExpm1())));
  return { ...imports, exp, tanh };
}

/** Products below this many multiply-adds are not worth handing to another thread. */
const PARALLEL_MIN_MACS = 1 << 21;

type Generator = (k: Kernel, g: GenContext) => FunctionBuilder;
const GENERATORS: { readonly [K in Exclude<Kernel["kind"], "matmul" | "conv">]: (k: Extract<Kernel, { kind: K }>, g: GenContext) => FunctionBuilder } = {
  map: genMap,
  reduce: genReduce,
  gather: genGather,
  scatterAdd: genScatterAdd,
  checkIndex: genCheckIndex,
  iota: genIota,
  random: genRandom,
  loop: genLoop,
};

/** Elementwise kernels below this many elements run on one thread. */
const PARALLEL_MIN_ELEMENTS = 1 << 18;

type MapKernel = Extract<Kernel, { kind: "map" }>;

/** Whether a map kernel is large enough to split between threads along its first axis. */
function splittableMap(k: Kernel, threads: number): k is MapKernel {
  return threads > 1 && k.kind === "map" && (k.shape[0] ?? 0) >= 2 * threads && k.shape.reduce((a, b) => a * b, 1) >= PARALLEL_MIN_ELEMENTS;
}

type ReduceKernel = Extract<Kernel, { kind: "reduce" }>;

/** Whether an iota (an index tensor, e.g. a one-hot's comparand) is large enough to split between threads by rows. */
function splittableIota(k: Kernel, threads: number): k is Extract<Kernel, { kind: "iota" }> {
  return threads > 1 && k.kind === "iota" && (k.shape[0] ?? 0) >= 2 * threads && k.shape.reduce((a, b) => a * b, 1) >= PARALLEL_MIN_ELEMENTS;
}

/** Outputs per part, at least, of a reduction running row by row split between threads (each part reads a segment of every row). */
const BY_ROWS_MIN_PART = 256;

/** Whether a reduction is large enough to split between threads along its first output axis (each output stays one chain: same result). */
function splittableReduce(k: Kernel, threads: number): k is ReduceKernel {
  if (threads <= 1 || k.kind !== "reduce" || (k.outShape[0] ?? 0) < 2 * threads) return false;
  if (accumulatorBytes(k) > 0 && k.outShape.reduce((a, b) => a * b, 1) < BY_ROWS_MIN_PART * MAP_CHUNKS_PER_THREAD * threads) return false;
  return [...k.outShape, ...k.redShape].reduce((a, b) => a * b, 1) >= PARALLEL_MIN_ELEMENTS;
}

/** Row chunks of a split elementwise kernel or reduction, per thread. */
const MAP_CHUNKS_PER_THREAD = 4;

/**
 * A part of a split kernel: until the counter at `counter` passes the last chunk, takes the next
 * chunk index with an atomic add and calls that chunk's function (a br_table switch).
 */
function chunkLoop(chunks: readonly number[], counter: number): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const c = f.local("i32");
  const n = chunks.length;
  f.counterLoop(c, counter, 1, n, () => {
    // Blocks B_{n-1} .. B_0 around a br_table; leaving B_k calls chunk k, then continues the loop
    // (the loop is outside the B blocks still open).
    for (let k = 0; k < n; k++) f.op(I.block, VOID);
    f.get(c).op(I.br_table);
    uleb(n, f.code);
    for (let k = 0; k < n; k++) uleb(k, f.code);
    uleb(n - 1, f.code); // default (unreachable: c < n)
    for (let k = 0; k < n; k++) {
      f.op(I.end); // end B_k
      f.call(chunks[k] as number);
      f.op(I.br, n - 1 - k); // br to the loop
    }
  });
  return f;
}

/** Rows [begin, end) of a map kernel's first axis, as a map kernel of its own (every access shifted). */
function mapRows(k: MapKernel, begin: number, end: number): MapKernel {
  const shift = <P extends Placement>(a: P): P => ({ ...a, offset: a.offset + begin * (a.strides[0] ?? 0) });
  return { ...k, shape: [end - begin, ...k.shape.slice(1)], out: shift(k.out), expr: movePlacements(k.expr, shift) };
}

function splittable(k: Kernel, threads: number): boolean {
  if (threads > 1 && k.kind === "conv") return convMacs(k) >= PARALLEL_MIN_MACS && planConv(k, threads).blocks >= 2;
  return threads > 1 && k.kind === "matmul" && k.dtype === "float32" && k.m * k.n * reductionLength(k) * k.aOffsets.length >= PARALLEL_MIN_MACS && panels(k) >= 2 * threads;
}

type ConvKernel = Extract<Kernel, { kind: "conv" }>;
type MatmulKernel = Extract<Kernel, { kind: "matmul" }>;

/** Bytes of repeated B packing (one per product of a group after the first) from which the group packs its B once. */
const SHARE_MIN_BYTES = 256 << 10;

/**
 * Groups of one-batch float32 products at the top level reading the same B (buffer, offset, k,
 * n, layout) that nothing writes between the group's first and last product (a weight used at
 * every step of an unrolled network): each group's B is packed once, by its first product, into
 * a region of its own from byte `from` on. By product index: the region's address and end, and
 * whether the product is its group's first.
 */
function sharedBs(kernels: readonly Kernel[], from: number): Map<number, { at: number; end: number; first: boolean }> {
  const groups = new Map<string, number[]>();
  kernels.forEach((k, i) => {
    if (k.kind !== "matmul" || k.dtype !== "float32" || k.aOffsets.length !== 1 || k.terms !== undefined) return;
    const key = `${k.b}@${k.bOffsets[0] ?? 0}:${k.k}x${k.n}:${k.transB}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const out = new Map<number, { at: number; end: number; first: boolean }>();
  let at = from;
  for (const members of groups.values()) {
    const first = members[0] as number;
    const last = members[members.length - 1] as number;
    const k = kernels[first] as MatmulKernel;
    const bytes = packedBBytes(k);
    if (members.length < 2 || bytes * (members.length - 1) < SHARE_MIN_BYTES) continue;
    if (kernels.slice(first, last + 1).some((x) => kernelWrites(x).includes(k.b))) continue;
    for (const [n, i] of members.entries()) out.set(i, { at, end: at + bytes, first: n === 0 });
    at = Math.ceil((at + bytes) / 64) * 64;
  }
  return out;
}

/** Bytes of repeated A packing (one per chunk of panels after the first) from which a product's A is packed once instead. */
const PREPACK_MIN_BYTES = 1 << 20;

/**
 * Whether a one-batch float32 product packs its A once, for all its chunks of panels and threads
 * (genPackA), instead of once per chunk: when the repeated packing would be large (a tall A
 * against many chunks).
 */
function prepacksA(k: Kernel, parts: number): k is MatmulKernel {
  if (k.kind !== "matmul" || k.dtype !== "float32" || k.aOffsets.length !== 1) return false;
  const chunks = Math.ceil(panelsWithTail(k) / chunkPanels(k, parts));
  return (chunks - 1) * k.m * reductionLength(k) * 4 >= PREPACK_MIN_BYTES;
}

/** A product at most this wide (columns), with a reduction at least this long, may be split by rows. */
const ROWS_SPLIT_MAX_N = 256;
const ROWS_SPLIT_MIN_K = 2048;
/** Row chunks per thread of a product split by rows (each reads the whole packed B once). */
const ROW_CHUNKS_PER_THREAD = 4;

/**
 * Whether a large one-batch float32 product is split between threads by rows instead of by
 * column panels: a narrow product with a long reduction (W3's [400,10000]·[10000,200]ᵀ). Split by
 * panels, every chunk of panels streams all of A (m·k) again; split by rows, B is packed once for
 * all threads and each chunk of rows streams it (k·n, small when n is), A once in all. Each element
 * is computed by the same tile code in the same k order either way: the same bits.
 */
export function splitsByRows(k: Kernel, threads: number): k is MatmulKernel {
  return (
    threads > 1 &&
    k.kind === "matmul" &&
    k.dtype === "float32" &&
    k.aOffsets.length === 1 &&
    k.terms === undefined &&
    k.n <= ROWS_SPLIT_MAX_N &&
    reductionLength(k) >= ROWS_SPLIT_MIN_K &&
    Math.ceil(k.m / MR) >= 4 * threads
  );
}

/** Rows per chunk of a product split by rows (a multiple of MR). */
function rowChunk(k: MatmulKernel, threads: number): number {
  return MR * Math.ceil(Math.ceil(k.m / MR) / (ROW_CHUNKS_PER_THREAD * threads));
}

/** Packed-B regions for the products split by rows that do not share a group's (each its own, from byte `from` on). */
function rowSplitBs(kernels: readonly Kernel[], split: (i: number) => boolean, shared: ReadonlyMap<number, unknown>, from: number): Map<number, { at: number; end: number; first: boolean }> {
  const out = new Map<number, { at: number; end: number; first: boolean }>();
  let at = from;
  kernels.forEach((k, i) => {
    if (k.kind !== "matmul" || !split(i) || shared.has(i)) return;
    out.set(i, { at, end: at + packedBBytes(k), first: true });
    at = Math.ceil((at + packedBBytes(k)) / 64) * 64;
  });
  return out;
}

/** Scratch bytes a kernel needs per thread (matmul: packed panels; conv: patches and panels). */
function kernelScratch(k: Kernel, parts: number): number {
  if (k.kind === "matmul") return packBytes(k, parts);
  // A split reduction's chunks keep their partial sums a cache line apart (no false sharing).
  if (k.kind === "reduce") return accumulatorBytes(k) + (accumulatorBytes(k) > 0 ? 64 * MAP_CHUNKS_PER_THREAD * parts : 0);
  return k.kind === "conv" ? planConv(k, parts).scratchBytes : 0;
}

/** The kernels inside loops (at any depth). */
function loopKernels(ks: readonly Kernel[]): Kernel[] {
  return ks.flatMap((k) => (k.kind === "loop" ? [...k.body, ...loopKernels(k.body)] : []));
}

export function assemble(p: KernelProgram, plan: BufferPlan, o: AssembleOptions): AssembledModule {
  const mb = new ModuleBuilder();
  const imports = Object.fromEntries(
    HOST_MATH_NAMES.map((name) => [name, mb.importFunction({ module: "m", name, params: new Array<"f64">(HOST_MATH[name]).fill("f64"), results: ["f64"] })]),
  ) as HostFunctions;
  const randomImport = mb.importFunction({ module: "m", name: "random", params: ["i32", "i32", "i32", "i32", "i32", "i32"], results: [] });
  const math: MathImports = o.ownMath === true ? ownMath(mb, imports) : imports;
  mb.setMemory(1, o.sharedMemory, o.sharedMemory ? o.maxPages : undefined);
  const scratchBase = Math.ceil(plan.bytes / 64) * 64;
  const parallel = p.kernels.map((k) => splittable(k, o.threads));
  const parts = (i: number): number => (parallel[i] === true ? o.threads : 1);
  // Matmuls inside loops (a scan's body) run on the calling thread, with its scratch.
  const scratchBytes = Math.ceil(Math.max(16, ...p.kernels.map((k, i) => kernelScratch(k, parts(i))), ...loopKernels(p.kernels).map((k) => kernelScratch(k, 1))) / 64) * 64;
  const scratchOf = (t: number): number => scratchBase + t * scratchBytes;
  // The panel counters of split matmuls (one per batch index), on a cache line of their own.
  const countersAt = scratchOf(o.threads);
  const counters = Math.max(1, ...p.kernels.map((k, i) => (parallel[i] === true && k.kind === "matmul" ? k.aOffsets.length : 0)));
  // Then the shared packed A of the products that pack it once (the largest).
  const packedAt = Math.ceil((countersAt + counters * 4) / 64) * 64;
  const byRows = (i: number): boolean => parallel[i] === true && splitsByRows(p.kernels[i] as Kernel, o.threads);
  const packedBytes = Math.max(0, ...p.kernels.map((k, i) => (!byRows(i) && prepacksA(k, parts(i)) ? packedABytes(k) : 0)), ...loopKernels(p.kernels).map((k) => (prepacksA(k, 1) ? packedABytes(k) : 0)));
  // Then the packed B of each group of products sharing one (each group its own: they may interleave).
  const groups = sharedBs(p.kernels, Math.ceil((packedAt + packedBytes) / 64) * 64);
  const groupsEnd = Math.max(packedAt + packedBytes, ...[...groups.values()].map((s) => s.end));
  const shared = new Map([...groups, ...rowSplitBs(p.kernels, byRows, groups, Math.ceil(groupsEnd / 64) * 64)]);
  const addr = (b: number): number => plan.offsets[b] as number;
  /** A conv kernel's block function (see conv.ts), with its matmul bodies, and its per-thread preparation (if any). */
  const convFunctions = (k: ConvKernel, cp: ConvPlan): { block: number; prepare?: number } => {
    const og = k.outChannels / k.geometry.groups;
    const reduction = (k.channels / k.geometry.groups) * k.kernelSpatial.reduce((a, b) => a * b, 1);
    const bodies = new Map<number, number>();
    const matmulBody = (rows: number): number => {
      const known = bodies.get(rows);
      if (known !== undefined) return known;
      const mk: Extract<Kernel, { kind: "matmul" }> = { kind: "matmul", a: k.x.buffer, b: k.w.buffer, out: k.out, m: rows, n: og, k: reduction, aOffsets: [0], bOffsets: [0], transA: false, transB: false, dtype: "float32" };
      const fn = mb.addFunction(genMatmulBody(mk, { fma: o.fma, addr, math, ldb: cp.matrix.rowStride, ldc: k.outChannels }));
      bodies.set(rows, fn);
      return fn;
    };
    const panelsOf = { chunk: chunkPanels({ k: reduction, n: og }, 1), total: Math.ceil(og / NR) };
    const options = { addr, matmulBody, panels: panelsOf, fma: o.fma };
    const block = mb.addFunction(genConvBlock(k, cp, options));
    const prepare = genConvPrepare(k, cp, options);
    return prepare === undefined ? { block } : { block, prepare: mb.addFunction(prepare) };
  };
  /** The matmul body, reading A from the shared packed A when the product packs it once, B from its group's packed B if it has one. */
  const matmulBody = (k: MatmulKernel, prepacked: boolean, packedB?: number): number =>
    mb.addFunction(genMatmulBody(k, { fma: o.fma, addr, math, ...(prepacked ? { packedA: packedAt } : {}), ...(packedB === undefined ? {} : { packedB }) }));
  /** A function packing micro-panels [first, end) of a product's A into the shared packed A. */
  const packA = (k: MatmulKernel, first: number, end: number): number => mb.addFunction(genPackA(k, { fma: o.fma, addr, math }, packedAt, first, end));
  /** A kernel as one function on the calling thread. */
  const single = (k: Kernel): number => {
    if (k.kind === "conv") {
      const cp = planConv(k);
      const fns = convFunctions(k, cp);
      return mb.addFunction(genConvAll(cp, fns.block, scratchOf(0), fns.prepare));
    }
    if (k.kind !== "matmul") return mb.addFunction((GENERATORS[k.kind] as Generator)(k, g));
    const prepacked = prepacksA(k, 1);
    const run = mb.addFunction(genMatmulKernel(k, addr, matmulBody(k, prepacked), 0, 1, scratchOf(0), countersAt));
    if (!prepacked) return run;
    const f = new FunctionBuilder([], []);
    f.call(packA(k, 0, Math.ceil(k.m / MR))).call(run);
    return mb.addFunction(f);
  };
  const g: GenContext = { addr, math, randomImport, kernel: single, scratch: scratchOf(0) };

  const schedule: ScheduleStep[] = [];
  let segment: number[] = [];
  /** The kernels (indices) whose functions are in `segment`. */
  let segmentKernels: number[] = [];
  const flush = (): void => {
    if (segment.length === 0) return;
    const f = new FunctionBuilder([], []);
    for (const fn of segment) f.call(fn);
    const name = `s${schedule.length}`;
    mb.exportFunction(name, mb.addFunction(f));
    schedule.push({ kind: "segment", name, kernels: segmentKernels });
    segment = [];
    segmentKernels = [];
  };

  /**
   * Kernel i as a parallel step of one part per thread (`part(t)`: thread t's function, exported as
   * `<prefix><i>_<t>`), sharing `counters` counters; `packing`: the step packs an operand of the
   * product in the next step.
   */
  const parallelStep = (i: number, prefix: string, part: (t: number) => FunctionBuilder, counters: number, packing = false): void => {
    flush();
    const names = Array.from({ length: o.threads }, (_, t) => {
      const name = `${prefix}${i}_${t}`;
      mb.exportFunction(name, mb.addFunction(part(t)));
      return name;
    });
    schedule.push({ kind: "parallel", parts: names, countersAt, counters, kernels: [i], ...(packing ? { packing } : {}) });
  };
  /**
   * A kernel split in row chunks (`chunk(begin, end)`: the function computing rows [begin, end)),
   * taken from a counter by every thread; `packing`: the step packing a product's A, before the product's own.
   */
  const splitRows = (i: number, rows: number, chunk: (begin: number, end: number, c: number) => number, packing?: "a" | "b"): void => {
    const count = Math.min(rows, MAP_CHUNKS_PER_THREAD * o.threads);
    const chunks = Array.from({ length: count }, (_, c) => chunk(Math.floor((rows * c) / count), Math.floor((rows * (c + 1)) / count), c));
    parallelStep(i, packing ?? "p", () => chunkLoop(chunks, countersAt), 1, packing !== undefined);
  };
  /** A function of kernel i run on the calling thread: in the current segment, or (profiling) a step of its own. */
  const sequential = (i: number, fn: number, packing: boolean): void => {
    if (o.profile === true) flush();
    segment.push(fn);
    segmentKernels.push(i);
    if (o.profile !== true) return;
    flush();
    const last = schedule[schedule.length - 1] as ScheduleStep;
    if (packing) schedule[schedule.length - 1] = { ...last, packing };
  };
  /**
   * A one-batch float32 product at the program's top level: its packing steps (B for its group,
   * when it is the group's first; A when it packs A once), then the product, on one thread or split.
   */
  const matmulSteps = (k: MatmulKernel, i: number): void => {
    const split = parallel[i] === true;
    const rows = byRows(i);
    const prepacked = !rows && prepacksA(k, split ? o.threads : 1);
    const share = shared.get(i);
    if (share?.first === true) {
      const total = panelsWithTail(k);
      const packB = (begin: number, end: number): number => mb.addFunction(genPackB(k, { fma: o.fma, addr, math }, share.at, begin, end));
      if (o.threads > 1 && packedBBytes(k) >= 4 * PARALLEL_MIN_ELEMENTS && total >= 2 * o.threads) splitRows(i, total, packB, "b");
      else sequential(i, packB(0, total), true);
    }
    if (prepacked) {
      const micro = Math.ceil(k.m / MR);
      if (o.threads > 1 && k.m * reductionLength(k) >= PARALLEL_MIN_ELEMENTS && micro >= 2 * o.threads) splitRows(i, micro, (begin, end) => packA(k, begin, end), "a");
      else sequential(i, packA(k, 0, micro), true);
    }
    if (rows && share !== undefined) {
      const rowsBody = mb.addFunction(genMatmulBody(k, { fma: o.fma, addr, math, packedB: share.at, rowRange: true }));
      return parallelStep(i, "r", (t) => genMatmulRowsKernel(k, addr, rowsBody, rowChunk(k, o.threads), scratchOf(t), countersAt), 1);
    }
    const body = matmulBody(k, prepacked, share?.at);
    if (!split) return sequential(i, mb.addFunction(genMatmulKernel(k, addr, body, 0, 1, scratchOf(0), countersAt)), false);
    parallelStep(i, "p", (t) => genMatmulKernel(k, addr, body, t, o.threads, scratchOf(t), countersAt), k.aOffsets.length);
  };

  p.kernels.forEach((k, i) => {
    if (splittableIota(k, o.threads)) {
      splitRows(i, k.shape[0] as number, (begin, end) => mb.addFunction(genIota(k, g, [begin, end])));
      return;
    }
    if (splittableReduce(k, o.threads)) {
      splitRows(i, k.outShape[0] as number, (begin, end, c) => mb.addFunction(genReduce(k, g, [begin, end], c)));
      return;
    }
    if (splittableMap(k, o.threads)) {
      // Row chunks taken from a counter, as matmul panels are: a thread the machine delays
      // (another process, a virtual CPU descheduled) takes fewer.
      splitRows(i, k.shape[0] as number, (begin, end) => mb.addFunction(genMap(mapRows(k, begin, end), g)));
      return;
    }
    if (k.kind === "matmul" && k.dtype === "float32" && k.aOffsets.length === 1) return matmulSteps(k, i);
    if ((k.kind !== "matmul" && k.kind !== "conv") || parallel[i] !== true) return sequential(i, single(k), false);
    if (k.kind === "conv") {
      const cp = planConv(k, o.threads);
      const fns = convFunctions(k, cp);
      return parallelStep(i, "p", (t) => genConvPart(cp, fns.block, scratchOf(t), countersAt, fns.prepare), 1);
    }
    const body = matmulBody(k, false);
    parallelStep(i, "p", (t) => genMatmulKernel(k, addr, body, t, o.threads, scratchOf(t), countersAt), k.aOffsets.length);
  });
  flush();
  return { bytes: mb.encode(), memoryBytes: Math.ceil(Math.max(packedAt + packedBytes, ...[...shared.values()].map((s) => s.end)) / 64) * 64, schedule };
}
