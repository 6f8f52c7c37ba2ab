import type { DType } from "../dtype.js";
import type { GraphgradError } from "../errors.js";
import { indexOutOfRange } from "../ops/check.js";
import type { ConvAttrs } from "../ops/conv-geometry.js";
import type { ElementwiseOp } from "../ops/elementwise.js";

/**
 * The scheduled form a graph takes for the compiled backends (WASM, WebGPU): a list of kernels
 * over numbered buffers, for one binding of the symbolic dimensions (all shapes concrete).
 * Elementwise chains, broadcasts and layout views are fused into `map` and `reduce` kernels as
 * scalar expressions; everything else is one kernel per op. See `lower.ts`.
 */

/** Where a kernel reads or writes: element `offset` + Σ index[i]·strides[i] of a buffer (in elements). */
export interface Access {
  readonly buffer: number;
  readonly offset: number;
  readonly strides: readonly number[];
}

/** A scalar expression evaluated at every index of a kernel's iteration space. */
export type ScalarExpr =
  | { readonly kind: "load"; readonly access: Access; readonly dtype: DType }
  /** In a matmul epilogue: the product's value at the current element. */
  | { readonly kind: "acc"; readonly dtype: DType }
  | { readonly kind: "const"; readonly value: number; readonly dtype: DType }
  /**
   * An iota read where it is used, never stored: the number offset + Σ index[i]·strides[i] at the
   * current point of the iteration space (placed like a load's address), as dtype (int32, float32, float64).
   */
  | { readonly kind: "index"; readonly offset: number; readonly strides: readonly number[]; readonly dtype: DType }
  | {
      readonly kind: "op";
      readonly op: ElementwiseOp;
      /** The result dtype (for `cast`, the target). */
      readonly dtype: DType;
      readonly args: readonly ScalarExpr[];
    };

export type Kernel =
  /** out[i] = expr(i) for every index i of `shape`. */
  | { readonly kind: "map"; readonly shape: readonly number[]; readonly out: Access; readonly expr: ScalarExpr; readonly dtype: DType }
  /**
   * out[o] = reduce over r of expr(o, r): the iteration space is [...outShape, ...redShape]
   * (the expression's strides cover both); the reduction runs in row-major order of r and
   * accumulates in float64 for floats (as the JS reference does).
   */
  | {
      readonly kind: "reduce";
      readonly op: "sum" | "max";
      readonly outShape: readonly number[];
      readonly redShape: readonly number[];
      readonly out: number;
      readonly expr: ScalarExpr;
      readonly dtype: DType;
    }
  /**
   * Batched matmul; batch offsets (in elements) for a and b per batch index. Each operand's
   * matrices are row-major, or column-major when `transA`/`transB` (a transpose fused as a view:
   * A[i, p] at i + p·m, B[p, j] at p + j·k).
   */
  | {
      readonly kind: "matmul";
      readonly a: number;
      readonly b: number;
      readonly out: number;
      readonly m: number;
      readonly n: number;
      readonly k: number;
      readonly aOffsets: readonly number[];
      readonly bOffsets: readonly number[];
      readonly transA: boolean;
      readonly transB: boolean;
      /** The product's dtype. */
      readonly dtype: DType;
      /**
       * An elementwise function applied to each product element before it is stored (a fused
       * bias add / activation): over the [m, n] output (no batch axes), its value `acc` the product;
       * `out` then holds the epilogue's result, of dtype `outDtype`.
       */
      readonly epilogue?: ScalarExpr;
      readonly outDtype?: DType;
      /**
       * Other products summed with this one (float32, one batch, no epilogue of their own; made by
       * product-sums.ts when the backend asks for it): out = epilogue(Σ terms + a·b), each element
       * accumulated over the terms' reductions in order, then this product's.
       */
      readonly terms?: readonly MatmulTerm[];
    }
  | {
      readonly kind: "gather";
      readonly params: number;
      readonly indices: number;
      readonly out: number;
      readonly rows: number;
      readonly width: number;
      readonly count: number;
      readonly dtype: DType;
    }
  | {
      readonly kind: "scatterAdd";
      readonly updates: number;
      readonly indices: number;
      readonly out: number;
      readonly rows: number;
      readonly width: number;
      readonly count: number;
      readonly dtype: DType;
    }
  /**
   * A run-time check that every index lies in [0, size). Its `status` buffer (int32 [2]) is
   * zeroed by the backend before each run, lives through the whole run, and is written only by
   * a check that fails while it is still [0, 0]: [1 + the flat position of the first bad index,
   * its value] (in a loop, the first step that fails). The backend reads the status words after the run and
   * fails it (`failedCheck`); the kernels after a failed check still run (gather and scatterAdd
   * clamp, so memory stays in bounds).
   */
  | {
      readonly kind: "checkIndex";
      readonly indices: number;
      readonly status: number;
      readonly size: number;
      /** The indices' shape, and who to name in the error (see ir/ops/check.ts). */
      readonly shape: readonly number[];
      readonly caller: string;
      readonly operand: string;
    }
  /**
   * A convolution (ir/ops/conv.ts) of concrete sizes: x read through `x` over [...batch, n,
   * ...inSpatial, channels], the kernel through `w` over [...batch, ...kernelSpatial,
   * channels/groups, outChannels] (stride 0 on the batch axes an operand is broadcast along; the
   * kernel's output channels contiguous), the result contiguous [...batch, n, ...outSpatial, outChannels].
   */
  | {
      readonly kind: "conv";
      readonly x: Access;
      readonly w: Access;
      readonly out: number;
      readonly batch: readonly number[];
      readonly n: number;
      readonly inSpatial: readonly number[];
      readonly kernelSpatial: readonly number[];
      readonly outSpatial: readonly number[];
      readonly channels: number;
      readonly outChannels: number;
      readonly geometry: ConvAttrs;
      readonly dtype: DType;
    }
  | { readonly kind: "iota"; readonly out: number; readonly shape: readonly number[]; readonly axis: number; readonly dtype: DType }
  /**
   * A loop (a scan): `count` steps, each making the `before` copies, running the `body` kernels,
   * then making the `after` copies. The body's buffers are the program's own.
   */
  | { readonly kind: "loop"; readonly count: number; readonly before: readonly StepCopy[]; readonly body: readonly Kernel[]; readonly after: readonly StepCopy[] }
  | {
      readonly kind: "random";
      readonly key: number;
      readonly out: number;
      /** Elements per key, and keys (consecutive int32 pairs in `key`): one block of `size` per key. */
      readonly size: number;
      readonly keys: number;
      readonly dist: "uniform" | "normal" | "bits";
      readonly dtype: DType;
    };

/** A product A·B ([m, k]·[k, n], each operand row-major or, when transposed, column-major) added to a matmul kernel's. */
export interface MatmulTerm {
  readonly a: number;
  readonly b: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

/**
 * A contiguous copy of `size` elements a loop makes at every step i: from element
 * `srcOffset + i·srcStep` of buffer `src` to `dstOffset + i·dstStep` of `dst` (a step may be 0 or negative).
 */
export interface StepCopy {
  readonly src: number;
  readonly srcOffset: number;
  readonly srcStep: number;
  readonly dst: number;
  readonly dstOffset: number;
  readonly dstStep: number;
  readonly size: number;
  readonly dtype: DType;
}

export interface BufferInfo {
  readonly id: number;
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
  /** input: fed by name; const: literal data; temp: written by a kernel. */
  readonly role: "input" | "const" | "temp";
  readonly name?: string;
  readonly data?: readonly number[];
  /** The op whose lowering made the buffer, and the buffer's shape (for errors about memory limits). */
  readonly origin?: { readonly op: string; readonly shape: readonly number[] };
}

export interface KernelProgram {
  readonly buffers: readonly BufferInfo[];
  readonly kernels: readonly Kernel[];
  /** Output name -> buffer holding it (contiguous, row-major) and its shape. */
  readonly outputs: Readonly<Record<string, { readonly buffer: number; readonly shape: readonly number[]; readonly dtype: DType }>>;
}

/** The buffers a kernel reads. */
export function kernelReads(k: Kernel): number[] {
  switch (k.kind) {
    case "map":
    case "reduce":
      return exprBuffers(k.expr);
    case "matmul":
      return [...(k.terms ?? []).flatMap((t) => [t.a, t.b]), k.a, k.b, ...(k.epilogue === undefined ? [] : exprBuffers(k.epilogue))];
    case "gather":
      return [k.params, k.indices];
    case "scatterAdd":
      return [k.updates, k.indices];
    case "checkIndex":
      return [k.indices];
    case "conv":
      return [k.x.buffer, k.w.buffer];
    case "iota":
      return [];
    case "random":
      return [k.key];
    case "loop":
      return [...k.before.map((c) => c.src), ...k.body.flatMap(kernelReads), ...k.after.map((c) => c.src)];
  }
}

/** The buffers a kernel writes (one, but for a loop). */
export function kernelWrites(k: Kernel): number[] {
  if (k.kind === "loop") return [...k.before.map((c) => c.dst), ...k.body.flatMap(kernelWrites), ...k.after.map((c) => c.dst)];
  return [k.kind === "map" ? k.out.buffer : k.kind === "checkIndex" ? k.status : k.out];
}

export type CheckKernel = Extract<Kernel, { kind: "checkIndex" }>;
export type ConvKernel = Extract<Kernel, { kind: "conv" }>;

/** The index checks of kernels, in program order (those in a loop's body at the loop). */
export function checkKernels(kernels: readonly Kernel[]): CheckKernel[] {
  return kernels.flatMap((k) => (k.kind === "checkIndex" ? [k] : k.kind === "loop" ? checkKernels(k.body) : []));
}

/**
 * The error of a run whose checks wrote these status words (`status(buffer)`: the two int32 words
 * of a check's status buffer after the run): the first check that failed, in program order.
 */
export function failedCheck(checks: readonly CheckKernel[], status: (buffer: number) => ArrayLike<number>): GraphgradError | undefined {
  for (const k of checks) {
    const words = status(k.status);
    const at = words[0] as number;
    if (at !== 0) return indexOutOfRange(k.caller, k.operand, k.shape, at - 1, words[1] as number, k.size);
  }
  return undefined;
}

/** Every load of an expression, in order (repeats included). */
export function exprLoads(e: ScalarExpr): Access[] {
  if (e.kind === "load") return [e.access];
  if (e.kind !== "op") return [];
  return e.args.flatMap(exprLoads);
}

/** Where each load and index of an expression is placed (offset and strides over the iteration space), in order. */
export function exprPlacements(e: ScalarExpr): Placement[] {
  if (e.kind === "load") return [e.access];
  if (e.kind === "index") return [e];
  return e.kind === "op" ? e.args.flatMap(exprPlacements) : [];
}

/** An offset and strides over an iteration space (a load's address or an index's value). */
export interface Placement {
  readonly offset: number;
  readonly strides: readonly number[];
}

/** e with every load's access and every index moved by `f` (a shift, a permutation of the axes). */
export function movePlacements(e: ScalarExpr, f: (p: Placement) => Placement): ScalarExpr {
  if (e.kind === "load") return { ...e, access: { ...e.access, ...f(e.access) } };
  if (e.kind === "index") return { ...e, ...f(e) };
  return e.kind === "op" ? { ...e, args: e.args.map((a) => movePlacements(a, f)) } : e;
}

/** Whether an expression reads an index (an iota computed in place). */
export function hasIndex(e: ScalarExpr): boolean {
  return e.kind === "index" || (e.kind === "op" && e.args.some(hasIndex));
}

export function exprBuffers(e: ScalarExpr): number[] {
  return exprLoads(e).map((a) => a.buffer);
}

/** e with every load replaced by `f(load)` (an expression of the same dtype). */
export function mapLoads(e: ScalarExpr, f: (load: Extract<ScalarExpr, { kind: "load" }>) => ScalarExpr): ScalarExpr {
  if (e.kind === "load") return f(e);
  return e.kind === "op" ? { ...e, args: e.args.map((a) => mapLoads(a, f)) } : e;
}
