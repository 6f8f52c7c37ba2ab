import { emit } from "../../ir/build.js";
import { GraphgradError } from "../../ir/errors.js";
import { type Dim, formatShape, shapesEqual } from "../../ir/shape.js";
import { closeOver, placeholder } from "../../ir/subgraph.js";
import { Expr } from "../expr.js";
import { prim } from "../ops.js";
import { type ExprTree, leaves as leavesOf, rebuild } from "./tree.js";

export type { ExprTree } from "./tree.js";

const leaves = (t: ExprTree, where: string): Expr[] => leavesOf(t, "scan", where);

export interface ScanOptions {
  /** The number of steps: required without xs, else checked against their leading axis. */
  readonly length?: number;
  /** Run the steps last to first (the ys are still indexed by step). Default false. */
  readonly reverse?: boolean;
}

/**
 * A loop that is not unrolled (JAX's lax.scan): `body(carry, x)` returns `[carry', y]`; scan runs
 * it on every slice x of `xs` along their leading axis (length steps), threading the carry, and
 * returns `[finalCarry, ys]`, the ys stacked along a new leading axis. Carry, xs and y may be
 * Exprs, arrays or records of them; the carry keeps its shapes and dtypes. The body is traced once
 * into a subgraph (values it uses from outside become operands of the scan), so the graph stays
 * the size of one step, whatever the length. Differentiable (`grad`, `jvp`), batchable (`vmap`),
 * and compiled by every backend.
 */
export function scan<C extends ExprTree, X extends ExprTree, Y extends ExprTree>(
  body: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs?: X | null,
  options: ScanOptions = {},
): [C, Y] {
  if (typeof body !== "function") throw new GraphgradError("scan", `body must be a function, got ${typeof body}`);
  const inits = leaves(init, "init");
  const xsLeaves = xs === undefined || xs === null ? [] : leaves(xs, "xs");
  const length = lengthOf(xsLeaves, options);
  const ph = inits.map((c, j) => placeholder(emit, `scan:h${j}:${c.node.id}`, c.shape, c.dtype));
  const px = xsLeaves.map((x, i) => {
    if (x.rank === 0) throw new GraphgradError("scan", `xs leaf ${i} is a scalar: the xs need a leading axis of length ${String(length)}`);
    return placeholder(emit, `scan:x${i}:${x.node.id}`, x.shape.slice(1), x.dtype);
  });
  const carryIn = rebuild(init, ph.map((p) => Expr.of(p))[Symbol.iterator]());
  const xIn = xs === undefined || xs === null ? (xs as unknown as X) : rebuild(xs, px.map((p) => Expr.of(p))[Symbol.iterator]());
  const out = body(carryIn, xIn);
  if (!Array.isArray(out) || out.length !== 2) throw new GraphgradError("scan", "body must return [carry, y]");
  const [carryOut, y] = out;
  const rh = leaves(carryOut, "the body's carry");
  if (rh.length !== inits.length) throw new GraphgradError("scan", `the body returns ${rh.length} carry values for ${inits.length} in the init`);
  rh.forEach((r, j) => {
    const c = inits[j] as Expr;
    if (r.dtype !== c.dtype || !shapesEqual(r.shape, c.shape)) {
      throw new GraphgradError("scan", `carry ${j} comes back as ${r.dtype}${formatShape(r.shape)} but is ${c.dtype}${formatShape(c.shape)}: a carry keeps its shape and dtype`);
    }
  });
  const ry = leaves(y, "the body's y");
  const { body: sub, captured } = closeOver(emit, [...ph, ...px], [...rh, ...ry].map((e) => e.node), (outer, i) => placeholder(emit, `scan:k${i}:${outer.id}`, outer.shape, outer.dtype));
  const operands = [...captured.map((n) => Expr.of(n)), ...inits, ...xsLeaves];
  const attrs = { body: sub, length, reverse: options.reverse === true, consts: captured.length, carry: inits.length };
  const result = (output: number): Expr => prim("scan", operands, { ...attrs, output });
  const finals = inits.map((_, j) => result(j));
  const stacked = ry.map((_, j) => result(inits.length + j));
  return [rebuild(init, finals[Symbol.iterator]()), rebuild(y, stacked[Symbol.iterator]())];
}

function lengthOf(xs: readonly Expr[], options: ScanOptions): Dim {
  const given = options.length;
  if (given !== undefined && (!Number.isInteger(given) || given < 0)) throw new GraphgradError("scan", `length must be an integer >= 0, got ${given}`);
  if (xs.length === 0) {
    if (given === undefined) throw new GraphgradError("scan", "without xs, the length must be given (options.length)");
    return given;
  }
  const d = (xs[0] as Expr).shape[0] as Dim;
  xs.forEach((x, i) => {
    if (x.shape[0] !== d) throw new GraphgradError("scan", `xs leaf ${i} has leading axis ${String(x.shape[0])}, leaf 0 has ${String(d)}`);
  });
  if (given !== undefined && typeof d === "number" && d !== given) throw new GraphgradError("scan", `length ${given} given, but the xs have ${d} steps`);
  return d;
}
