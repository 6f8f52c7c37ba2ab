import type { DType } from "../dtype.js";
import { BINARY, BINARY_OPS, type BinaryOp, binaryFn, COMPARE, COMPARE_OPS, type CompareOp } from "./binary.js";
import { exp32, tanh32 } from "./float32-math.js";
import { castFn } from "./select.js";
import { UNARY, UNARY_OPS, type UnaryOp } from "./unary.js";

/**
 * The elementwise primitives as one family: what kernel fusion treats as a scalar function of its
 * operands' elements, and their scalar semantics in one place (the JS reference backend, constant
 * folding and the kernel lowering all ask here).
 */
export type ElementwiseOp = UnaryOp | BinaryOp | CompareOp | "where" | "cast";

export const ELEMENTWISE_OPS: readonly ElementwiseOp[] = [...UNARY_OPS, ...BINARY_OPS, ...COMPARE_OPS, "where", "cast"];

const ELEMENTWISE_SET: ReadonlySet<string> = new Set(ELEMENTWISE_OPS);

export function isElementwise(op: string): op is ElementwiseOp {
  return ELEMENTWISE_SET.has(op);
}

const has = <T extends object>(table: T, op: string): op is Extract<keyof T, string> => Object.prototype.hasOwnProperty.call(table, op);

/** An elementwise op's scalar function on up to three operand values (extra ones are ignored). */
export type ScalarFn = (a: number, b: number, c: number) => number;

/** Unary ops whose float32 results are defined by float32 algorithms (float32-math.ts), not by rounding the float64 function's. */
const FLOAT32_UNARY = { exp: exp32, tanh: tanh32 } as const satisfies { readonly [K in UnaryOp]?: (x: number) => number };

/**
 * The scalar function of an elementwise op whose result has dtype `d` (for `cast`, the target),
 * on its operands' values, before the store into `d`: comparisons give 1 or 0, `where` picks by a
 * non-zero condition.
 */
export function scalarFunction(op: ElementwiseOp, d: DType): ScalarFn {
  if (op === "where") return (c, a, b) => (c !== 0 ? a : b);
  if (op === "cast") {
    const f = castFn(d);
    return (x) => f(x);
  }
  if (d === "float32" && has(FLOAT32_UNARY, op)) {
    const f = FLOAT32_UNARY[op];
    return (x) => f(x);
  }
  if (has(UNARY, op)) {
    const f: (x: number) => number = UNARY[op].fn;
    return (x) => f(x);
  }
  if (has(COMPARE, op)) {
    const f: (a: number, b: number) => boolean = COMPARE[op].fn;
    return (a, b) => (f(a, b) ? 1 : 0);
  }
  const f = binaryFn(op, d);
  return (a, b) => f(a, b);
}

export { BINARY, BINARY_OPS, type BinaryOp, binaryFn, castFn, COMPARE, COMPARE_OPS, type CompareOp, UNARY, UNARY_OPS, type UnaryOp };
