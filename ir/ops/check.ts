import * as t from "io-ts";
import { left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../errors.js";
import type { BatchedArg, OpDef, TypeInfo } from "../op.js";
import { type Dim, DimCodec } from "../shape.js";

/**
 * Run-time checks: primitives that pass their operand through unchanged and fail the run when a
 * value is not what the op consuming it accepts (as TensorFlow's CPU kernels fail on a bad index).
 *
 * - checkIndex(indices int32 [...]; size, caller, operand) -> indices: every index must lie in
 *   [0, size), else the run fails with a `GraphgradError` naming `caller`, the first bad index (in
 *   row-major order) and the bound, e.g. `gather: indices[1,2] = 7 is not in [0, 3)`.
 *   `gather`, `scatterAdd` and the sparse losses put one in front of their indices.
 *
 * A check is never folded away unless it is known to pass (constant indices, all in range), and
 * it has no gradient (its operand is int32).
 */
export const checkAttrs = {
  checkIndex: t.type({ size: DimCodec, caller: t.string, operand: t.string }, "CheckIndexAttrs"),
};

export const checkOps: { readonly [K in keyof typeof checkAttrs]: OpDef<K> } = {
  checkIndex: {
    arity: 1,
    infer: (xs, { size }) => {
      const i = xs[0] as TypeInfo;
      if (i.dtype !== "int32") return left(`indices must be int32, got ${i.dtype}`);
      if (typeof size === "number" && (size < 0 || !Number.isInteger(size))) return left(`size must be an integer >= 0, got ${size}`);
      return right(i);
    },
    vjp: () => [null],
    // int32 in and out: no tangent.
    jvp: () => null,
    // Batched indices [B, ...] are checked as one tensor: a bad index is named with its batch position first.
    batch: (n, [i], b) => b.emit("checkIndex", [(i as BatchedArg).node], n.attrs),
  },
};

/** The concrete size of a check when the graph runs (a symbol is bound by the feeds). */
export function boundSize(size: Dim, env: ReadonlyMap<string, number>): number {
  if (typeof size === "number") return size;
  const v = env.get(size);
  if (v === undefined) throw new GraphgradError("checkIndex", `the size ${size} is not the size of any fed dimension`);
  return v;
}

/** Whether an index lies in [0, size). */
export const indexInRange = (v: number, size: number): boolean => v >= 0 && v < size;

/** The error of a failed checkIndex: `gather: indices[1,2] = 7 is not in [0, 3)`. */
export function indexOutOfRange(caller: string, operand: string, shape: readonly number[], position: number, value: number, size: Dim): GraphgradError {
  const at: number[] = new Array<number>(shape.length);
  let rest = position;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] as number;
    at[i] = rest % d;
    rest = Math.floor(rest / d);
  }
  return new GraphgradError(caller, `${operand}[${at.join(",")}] = ${value} is not in [0, ${size})`);
}
