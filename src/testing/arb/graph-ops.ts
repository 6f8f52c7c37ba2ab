import type { DType } from "../../../ir/dtype.js";
import type { OpName } from "../../../ir/ops/attrs.js";
import { erf } from "../../../ir/ops/erf.js";
import { broadcastShapes, shapesEqual, type Shape } from "../../../ir/shape.js";
import { Expr } from "../../expr.js";
import { add, cos, floor, mul, sin, tanh } from "../../ops.js";
import { customVjp } from "../../transforms/custom-vjp.js";
import { scan } from "../../transforms/scan.js";
import { type Bounded, type Builders, mk, NO_ATTRS, products, shapeOf } from "./bounded.js";
import { sizeOf } from "./shapes.js";

/**
 * How `arb.graph` draws each primitive: a table keyed by every primitive name, each entry a
 * generator or the reason it is not generated. `OpName` is the table's key set, so a new
 * primitive fails the type check here until it is drawn (or says why not).
 *
 * A generator adds one node (and the few adapters that make it valid) on top of nodes already in
 * the graph, picked by the step's random choices, and returns it with an interval of its values.
 */

/** One step of a graph's recipe: which primitive, which operands (counted back from the newest node) and a few choices. */
export interface Step {
  readonly op: OpName;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly p: readonly number[];
  readonly v: number;
}

export interface StepContext {
  readonly b: Builders;
  readonly s: Step;
  /** The node `k` back from the newest (wrapping around). */
  readonly pick: (k: number) => Bounded;
  /** The primitives this graph may draw. */
  readonly drawable: ReadonlySet<OpName>;
}

export interface OpGenerator {
  /** Whether it can build with the graph's dtypes; default: always. */
  readonly usable?: (b: Builders) => boolean;
  readonly make: (ctx: StepContext) => Bounded;
}

export type NotGenerated = `not generated: ${string}`;
export type GraphOpTable = { readonly [K in OpName]: OpGenerator | NotGenerated };

const choice = (s: Step, i: number): number => s.p[i % s.p.length] as number;

const UNARY = ["neg", "exp", "log", "sqrt", "abs", "sign", "tanh", "floor", "stopGradient", "sin", "cos", "erf"] as const;
const BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"] as const;
const COMPARE = ["greater", "less", "equal"] as const;
type UnaryName = (typeof UNARY)[number];
type BinaryName = (typeof BINARY)[number];
type CompareName = (typeof COMPARE)[number];
const EXPONENTS = [2, 0.5, -1, 3, 1.5, 1, 0];

function unary(op: UnaryName, x: Bounded, b: Builders): Bounded {
  const { lo, hi } = x;
  switch (op) {
    case "neg":
      return b.bounded(mk("neg", [x.node], NO_ATTRS), -hi, -lo);
    case "exp": {
      const y = hi <= 10 ? x : b.tanhOf(x);
      return b.bounded(mk("exp", [y.node], NO_ATTRS), Math.exp(y.lo), Math.exp(y.hi));
    }
    case "log": {
      const y = b.positive(x);
      return b.bounded(mk("log", [y.node], NO_ATTRS), Math.log(y.lo), Math.log(y.hi));
    }
    case "sqrt": {
      const y = lo >= 0.01 ? x : b.absOf(x);
      return b.bounded(mk("sqrt", [y.node], NO_ATTRS), Math.sqrt(Math.max(y.lo, 0)), Math.sqrt(y.hi));
    }
    case "abs":
      return b.absOf(x);
    case "sign":
      return b.bounded(mk("sign", [x.node], NO_ATTRS), Math.sign(lo), Math.sign(hi));
    case "tanh":
      return b.tanhOf(x);
    case "floor":
      return b.bounded(mk("floor", [x.node], NO_ATTRS), Math.floor(lo), Math.floor(hi));
    case "sin":
    case "cos":
      return b.bounded(mk(op, [x.node], NO_ATTRS), -1, 1);
    case "erf": // increasing
      return b.bounded(mk("erf", [x.node], NO_ATTRS), erf(lo), erf(hi));
    case "stopGradient":
      return b.bounded(mk("stopGradient", [x.node], NO_ATTRS), lo, hi);
  }
}

/** The second operand of a binary step: a pool node, or one of the constants the simplifier looks for. */
function secondOperand(x: Bounded, y: Bounded, s: Step, b: Builders): Bounded {
  switch (choice(s, 1) % 7) {
    case 2:
      return b.constant(0);
    case 3:
      return b.constant(1);
    case 4:
      return b.constant(choice(s, 2) % 2, x.node.shape);
    case 5:
      return b.constant(EXPONENTS[choice(s, 2) % EXPONENTS.length] as number);
    case 6:
      return b.constant(s.v);
    default:
      return y;
  }
}

function binary(op: BinaryName, x0: Bounded, y0: Bounded, s: Step, b: Builders): Bounded {
  let [x, y] = choice(s, 3) % 2 === 0 ? [x0, secondOperand(x0, y0, s, b)] : [secondOperand(x0, y0, s, b), x0];
  y = b.fitTo(y, x.node.shape);
  switch (op) {
    case "add":
      return b.addOf(x, y);
    case "sub":
      return b.bounded(mk("sub", [x.node, y.node], NO_ATTRS), x.lo - y.hi, x.hi - y.lo);
    case "mul":
      return b.bounded(mk("mul", [x.node, y.node], NO_ATTRS), ...products(x, y));
    case "div": {
      const d = b.awayFromZero(y);
      return b.bounded(mk("div", [x.node, d.node], NO_ATTRS), ...products(x, { lo: 1 / d.hi, hi: 1 / d.lo }));
    }
    case "pow": {
      const base = b.positive(x);
      const e = y.lo >= -3 && y.hi <= 3 ? y : b.tanhOf(y);
      const corners = [base.lo ** e.lo, base.lo ** e.hi, base.hi ** e.lo, base.hi ** e.hi];
      return b.bounded(mk("pow", [base.node, e.node], NO_ATTRS), Math.min(...corners), Math.max(...corners));
    }
    case "maximum":
      return b.bounded(mk("maximum", [x.node, y.node], NO_ATTRS), Math.max(x.lo, y.lo), Math.max(x.hi, y.hi));
    case "minimum":
      return b.bounded(mk("minimum", [x.node, y.node], NO_ATTRS), Math.min(x.lo, y.lo), Math.min(x.hi, y.hi));
  }
}

/** where(compare(a, b), x, y); sometimes with x = y, sometimes with a constant condition. */
function select(op: CompareName, { b, s, pick }: StepContext): Bounded {
  const constCond = choice(s, 2) % 4 === 0;
  const l = constCond ? b.constant(s.v) : pick(s.a);
  const r = constCond ? b.constant((choice(s, 3) % 3) - 1) : b.fitTo(pick(s.b), l.node.shape);
  const cond = mk(op, [l.node, r.node], NO_ATTRS);
  const x = b.fitTo(pick(s.c), cond.shape);
  const joint = broadcastShapes([cond.shape, x.node.shape]);
  const y = choice(s, 1) % 4 === 0 || joint._tag === "Left" ? x : b.fitTo(pick(s.c + 1 + choice(s, 1)), joint.right);
  return b.bounded(mk("where", [cond, x.node, y.node], NO_ATTRS), Math.min(x.lo, y.lo), Math.max(x.hi, y.hi));
}

/** A comparison: its bool result selecting between two nodes, or cast to the graph's float dtype. */
function compare(op: CompareName): OpGenerator {
  return {
    usable: (b) => b.allows("bool"),
    make: (ctx) => {
      const { b, s, pick } = ctx;
      if (choice(s, 0) % 3 !== 0) return select(op, ctx);
      const x = pick(s.a);
      return b.bounded(mk("cast", [mk(op, [x.node, b.fitTo(pick(s.b), x.node.shape).node], NO_ATTRS)], { dtype: b.float }), 0, 1);
    },
  };
}

function reduce(op: "reduceSum" | "reduceMax"): OpGenerator {
  return {
    make: ({ b, s, pick }) => {
      const x = pick(s.a);
      const shape = shapeOf(x);
      const axes = shape.map((_, i) => i).filter((i) => ((choice(s, 1) >> i) & 1) === 1);
      const keepdims = choice(s, 2) % 2 === 1;
      if (op === "reduceSum") {
        const count = sizeOf(axes.map((i) => shape[i] as number));
        return b.bounded(mk("reduceSum", [x.node], { axes, keepdims }), count * x.lo, count * x.hi);
      }
      return b.bounded(mk("reduceMax", [x.node], { axes, keepdims }), x.lo, x.hi);
    },
  };
}

/** A matmul of x and y: as they are when they fit, else x as [rows, k] times y spread over k rows. */
function matmul({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.a);
  const y = pick(s.b);
  const xs = shapeOf(x);
  const ys = shapeOf(y);
  let l = x;
  let r = y;
  const fits = xs.length >= 2 && ys.length >= 2 && xs[xs.length - 1] === ys[ys.length - 2] && broadcastShapes([xs.slice(0, -2), ys.slice(0, -2)])._tag === "Right";
  if (!fits) {
    if (xs.length < 2) l = b.reshaped(x, [1, sizeOf(xs)]);
    const k = shapeOf(l)[shapeOf(l).length - 1] as number;
    r = b.bounded(mk("broadcast", [b.reshaped(y, [1, sizeOf(ys)]).node], { shape: [k, sizeOf(ys)] }), y.lo, y.hi);
  }
  const k = shapeOf(l)[shapeOf(l).length - 1] as number;
  const [pl, ph] = products(l, r);
  return b.bounded(mk("matmul", [l.node, r.node], NO_ATTRS), k * Math.min(pl, 0), k * Math.max(ph, 0));
}

/** A 1-D convolution of x (as [1, n, 1]) with y (as a window of m taps), padded fully (m − 1 each side) so every pair fits, stride 1 or 2. */
function conv({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.a);
  const w = pick(s.b);
  const n = sizeOf(shapeOf(x));
  const m = sizeOf(shapeOf(w));
  const attrs = { strides: [1 + (choice(s, 0) % 2)], lo: [m - 1], hi: [m - 1], lhsDilation: [1], rhsDilation: [1], groups: 1 };
  const [pl, ph] = products(x, w);
  return b.bounded(mk("conv", [b.reshaped(x, [1, n, 1]).node, b.reshaped(w, [m, 1, 1]).node], attrs), m * Math.min(pl, 0), m * Math.max(ph, 0));
}

function reshape({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.a);
  const shape = shapeOf(x);
  switch (choice(s, 0) % 3) {
    case 0:
      return b.reshaped(x, [sizeOf(shape)]);
    case 1: {
      const at = choice(s, 1) % (shape.length + 1);
      return b.reshaped(x, [...shape.slice(0, at), 1, ...shape.slice(at)]);
    }
    default:
      return shape.length >= 2 ? b.reshaped(x, [(shape[0] as number) * (shape[1] as number), ...shape.slice(2)]) : b.reshaped(x, [...shape].reverse());
  }
}

/** The permutation of 0..n-1 numbered k (factorial number system). */
function permutation(n: number, k: number): number[] {
  const rest = [...Array(n).keys()];
  const perm: number[] = [];
  for (let m = n; m > 0; m--) {
    perm.push(rest.splice(k % m, 1)[0] as number);
    k = Math.floor(k / m);
  }
  return perm;
}

function concat({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.a);
  const y = pick(s.b);
  const a = x.node.shape.length === 0 ? b.reshaped(x, [1]) : x;
  const as = shapeOf(a);
  const axis = choice(s, 0) % as.length;
  const other = shapeOf(y).length === as.length && shapeOf(y).every((d, i) => i === axis || d === as[i]) ? y : a;
  const parts = choice(s, 1) % 3 === 0 ? [a, other, a] : [a, other];
  return b.bounded(mk("concat", parts.map((q) => q.node), { axis }), Math.min(...parts.map((q) => q.lo)), Math.max(...parts.map((q) => q.hi)));
}

/** Indices into `rows` rows, one past either end now and then (gather and scatterAdd clamp them). */
function indices(count: number, rows: number, s: Step): Bounded["node"] {
  const values = Array.from({ length: count }, (_, i) => (choice(s, i + 1) % (rows + 2)) - 1);
  return mk("literal", [], { shape: [count], dtype: "int32", values });
}

function gather({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.a);
  const a = x.node.shape.length === 0 ? b.reshaped(x, [1]) : x;
  const idx = indices(1 + (choice(s, 0) % 3), shapeOf(a)[0] as number, s);
  return b.bounded(mk("gather", [a.node, idx], NO_ATTRS), a.lo, a.hi);
}

/** scatterAdd of x's rows into 1..4 rows. */
function scatterAdd({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.a);
  const a = x.node.shape.length === 0 ? b.reshaped(x, [1]) : x;
  const count = shapeOf(a)[0] as number;
  const size = 1 + (choice(s, 0) % 4);
  const idx = indices(count, size, s);
  return b.bounded(mk("scatterAdd", [a.node, idx], { size }), count * Math.min(a.lo, 0), count * Math.max(a.hi, 0));
}

/**
 * Indices computed from a node (so the check runs, not folded): ⌊(tanh(x) + 1)·rows/2.0001⌋, in
 * [0, rows), behind a checkIndex, as `gg.gather` and `gg.scatterAdd` put one; feeding the rows of
 * a gather or a scatterAdd.
 */
function checkedIndex({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.b);
  const flat = b.reshaped(x, [sizeOf(shapeOf(x))]);
  const rowsOf = (n: Bounded): number => shapeOf(n)[0] as number;
  const table = pick(s.a).node.shape.length === 0 ? b.reshaped(pick(s.a), [1]) : pick(s.a);
  const scatter = choice(s, 0) % 2 === 1;
  const rows = scatter ? 1 + (choice(s, 1) % 4) : rowsOf(table);
  const scaled = b.bounded(mk("mul", [b.addOf(b.tanhOf(flat), b.constant(1)).node, b.constant(rows / 2.0001).node], NO_ATTRS), 0, rows);
  const idx = mk("checkIndex", [mk("cast", [scaled.node], { dtype: "int32" })], { size: rows, caller: scatter ? "scatterAdd" : "gather", operand: "indices" });
  if (!scatter) return b.bounded(mk("gather", [table.node, idx], NO_ATTRS), table.lo, table.hi);
  // One update per index: the table's first row (flattened), repeated.
  const width = sizeOf(shapeOf(table).slice(1));
  const first = mk("slice", [b.reshaped(table, [rowsOf(table), width]).node], { begin: [0, 0], size: [1, width] });
  const count = sizeOf(shapeOf(x));
  const updates = mk("broadcast", [first], { shape: [count, width] });
  return b.bounded(mk("scatterAdd", [updates, idx], { size: rows }), count * Math.min(table.lo, 0), count * Math.max(table.hi, 0));
}

/** A drawable primitive of `names` chosen by `k`, if there is one. */
function drawn<T extends OpName>(names: readonly T[], drawable: ReadonlySet<OpName>, k: number): T | undefined {
  const allowed = names.filter((n) => drawable.has(n));
  return allowed[k % Math.max(allowed.length, 1)];
}

/** A splat constant, and (for constant folding) a unary or binary op applied to one. */
function fill({ b, s, pick, drawable }: StepContext): Bounded {
  const shape = shapeOf(pick(s.a));
  const p0 = choice(s, 0);
  const splat = p0 % 2 === 0 ? b.constant(choice(s, 1) % 2, p0 % 8 < 4 ? [] : shape) : b.constant(s.v, choice(s, 1) % 2 === 0 ? [] : shape);
  switch (choice(s, 2) % 3) {
    case 1: {
      const op = drawn(UNARY, drawable, choice(s, 3));
      return op === undefined ? splat : unary(op, splat, b);
    }
    case 2: {
      const op = drawn(BINARY, drawable, choice(s, 3));
      return op === undefined ? splat : binary(op, splat, b.constant(s.v), s, b);
    }
    default:
      return splat;
  }
}

function literal({ b, s, pick, drawable }: StepContext): Bounded {
  const shape = shapeOf(pick(s.a));
  const values = Array.from({ length: sizeOf(shape) }, (_, i) => Math.round(Math.sin(s.v * 7 + i * 1.3) * 2 * 64) / 64);
  const lit = b.bounded(mk("literal", [], { shape, dtype: b.float, values }), Math.min(0, ...values), Math.max(0, ...values));
  const op = choice(s, 1) % 2 === 0 ? undefined : drawn(UNARY, drawable, choice(s, 2));
  return op === undefined ? lit : unary(op, lit, b);
}

function iota({ b, s, pick }: StepContext): Bounded {
  const shape = shapeOf(pick(s.a));
  const shape1 = shape.length === 0 ? [1] : shape;
  const axis = choice(s, 1) % shape1.length;
  return b.bounded(mk("iota", [], { shape: shape1, dtype: b.float, axis }), 0, (shape1[axis] as number) - 1);
}

function random({ b, s, pick }: StepContext): Bounded {
  const key = mk("literal", [], { shape: [2], dtype: "int32", values: [choice(s, 1) | 0, choice(s, 2) | 0] });
  return b.bounded(mk("random", [key], { shape: shapeOf(pick(s.a)), dtype: b.float, dist: "uniform" }), 0, 1);
}

/** The dtypes a value can round-trip through from the graph's float dtype. */
function castTargets(b: Builders): ("float32" | "float32 op" | "int32" | "bool")[] {
  const f32 = b.float === "float64" && b.allows("float32") ? (["float32", "float32 op"] as const) : [];
  return [...f32, ...(b.allows("int32") ? (["int32"] as const) : []), ...(b.allows("bool") ? (["bool"] as const) : [])];
}

/** Round trips through other dtypes: float32 (rounding, or an op computed in float32), int32 (truncation), bool (non-zero). */
function cast({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.a);
  const targets = castTargets(b);
  const r = (lo: number, hi: number): [number, number] => [lo - Math.abs(lo) * 1e-6, hi + Math.abs(hi) * 1e-6];
  const back = (n: Bounded["node"]): Bounded["node"] => mk("cast", [n], { dtype: b.float });
  switch (targets[choice(s, 0) % targets.length]) {
    case "float32":
      return b.bounded(back(mk("cast", [x.node], { dtype: "float32" })), ...r(x.lo, x.hi));
    case "float32 op": {
      const x32 = mk("cast", [x.node], { dtype: "float32" });
      const c = mk("fill", [], { shape: [], dtype: "float32", value: s.v });
      const isMul = choice(s, 1) % 2 === 0;
      const [lo, hi] = isMul ? products(x, { lo: s.v, hi: s.v }) : [x.lo + s.v, x.hi + s.v];
      return b.bounded(back(mk(isMul ? "mul" : "add", [x32, c], NO_ATTRS)), ...r(lo, hi));
    }
    case "int32":
      return b.bounded(back(mk("cast", [x.node], { dtype: "int32" })), Math.trunc(x.lo), Math.trunc(x.hi));
    default:
      return b.bounded(back(mk("cast", [x.node], { dtype: "bool" })), 0, 1);
  }
}

/** `y` when it broadcasts to `shape` without growing it, else its sum (a scalar). */
function fitInto(y: Bounded, shape: Shape, b: Builders): Bounded {
  const joint = broadcastShapes([shape, y.node.shape]);
  if (joint._tag === "Right" && shapesEqual(joint.right, shape)) return y;
  const count = sizeOf(shapeOf(y));
  return b.bounded(mk("reduceSum", [y.node], { axes: shapeOf(y).map((_, i) => i), keepdims: false }), count * y.lo, count * y.hi);
}

/** A tanh recurrence over 1..3 steps: h' = tanh(h·w + x_t), y_t = h'·h; its final carry or its ys. */
function scanStep({ b, s, pick }: StepContext): Bounded {
  const h0 = pick(s.a);
  const shape = shapeOf(h0);
  const w = fitInto(pick(s.b), shape, b);
  const x = fitInto(pick(s.c), shape, b);
  const length = 1 + (choice(s, 0) % 3);
  const xs = mk("broadcast", [x.node], { shape: [length, ...shape] });
  const [h, ys] = scan(
    (c: Expr, xt: Expr) => {
      const next = tanh(add(mul(c, Expr.of(w.node)), xt));
      return [next, mul(next, c)] as const;
    },
    Expr.of(h0.node),
    Expr.of(xs),
    { reverse: choice(s, 1) % 2 === 1 },
  );
  const m = Math.max(1, Math.abs(h0.lo), Math.abs(h0.hi));
  return choice(s, 2) % 2 === 0 ? b.bounded(h.node, -1, 1) : b.bounded(ys.node, -m, m);
}

/** A function with a gradient rule of its own: u·sin(u) with its exact derivative, or rounding with the identity (straight-through). */
function customVjpStep({ b, s, pick }: StepContext): Bounded {
  const x = pick(s.a);
  if (choice(s, 0) % 2 === 0) {
    const f = customVjp((u: Expr) => mul(u, sin(u)), { vjp: (ct, { args: [u] }) => [mul(ct, add(sin(u), mul(u, cos(u))))] });
    const m = Math.max(Math.abs(x.lo), Math.abs(x.hi));
    return b.bounded(f(Expr.of(x.node)).node, -m, m);
  }
  const round = customVjp((u: Expr) => floor(add(u, 0.5)), { vjp: (ct) => [ct] });
  return b.bounded(round(Expr.of(x.node)).node, Math.floor(x.lo + 0.5), Math.floor(x.hi + 0.5));
}

const unaryGen = (op: UnaryName): OpGenerator => ({ make: ({ b, s, pick }) => unary(op, pick(s.a), b) });
const binaryGen = (op: BinaryName): OpGenerator => ({ make: ({ b, s, pick }) => binary(op, pick(s.a), pick(s.b), s, b) });
const needs = (dtype: DType, make: (ctx: StepContext) => Bounded): OpGenerator => ({ usable: (b) => b.allows(dtype), make });
const layout = (make: (x: Bounded, ctx: StepContext) => Bounded): OpGenerator => ({ make: (ctx) => make(ctx.pick(ctx.s.a), ctx) });

export const GRAPH_OPS: GraphOpTable = {
  neg: unaryGen("neg"),
  exp: unaryGen("exp"),
  log: unaryGen("log"),
  sqrt: unaryGen("sqrt"),
  abs: unaryGen("abs"),
  sign: unaryGen("sign"),
  tanh: unaryGen("tanh"),
  floor: unaryGen("floor"),
  stopGradient: unaryGen("stopGradient"),
  sin: unaryGen("sin"),
  cos: unaryGen("cos"),
  erf: unaryGen("erf"),
  add: binaryGen("add"),
  sub: binaryGen("sub"),
  mul: binaryGen("mul"),
  div: binaryGen("div"),
  pow: binaryGen("pow"),
  maximum: binaryGen("maximum"),
  minimum: binaryGen("minimum"),
  greater: compare("greater"),
  less: compare("less"),
  equal: compare("equal"),
  where: needs("bool", (ctx) => select(COMPARE[choice(ctx.s, 0) % COMPARE.length] as CompareName, ctx)),
  cast: { usable: (b) => castTargets(b).length > 0, make: cast },
  reduceSum: reduce("reduceSum"),
  reduceMax: reduce("reduceMax"),
  matmul: { make: matmul },
  reshape: { make: reshape },
  reverse: layout((x, { b, s }) => {
    const rank = shapeOf(x).length;
    const axes = Array.from({ length: rank }, (_, i) => i).filter((i) => ((choice(s, 0) >> i) & 1) === 1);
    return b.bounded(mk("reverse", [x.node], { axes }), x.lo, x.hi);
  }),
  conv: { make: conv },
  transpose: layout((x, { b, s }) => b.bounded(mk("transpose", [x.node], { perm: permutation(shapeOf(x).length, choice(s, 0)) }), x.lo, x.hi)),
  broadcast: layout((x, { b, s }) => {
    const shape = shapeOf(x);
    const to = choice(s, 0) % 2 === 0 ? [1 + (choice(s, 1) % 3), ...shape] : shape.map((d) => (d === 1 ? 2 : d));
    return b.bounded(mk("broadcast", [x.node], { shape: to }), x.lo, x.hi);
  }),
  slice: layout((x, { b, s }) => {
    const shape = shapeOf(x);
    const begin = shape.map((d, i) => choice(s, i) % d);
    const size = shape.map((d, i) => 1 + (choice(s, i + 1) % (d - (begin[i] as number))));
    return b.bounded(mk("slice", [x.node], { begin, size }), x.lo, x.hi);
  }),
  pad: layout((x, { b, s }) => {
    const shape = shapeOf(x);
    const lo = shape.map((_, i) => choice(s, i) % 2);
    const hi = shape.map((_, i) => choice(s, i + 2) % 2);
    return b.bounded(mk("pad", [x.node], { lo, hi }), Math.min(x.lo, 0), Math.max(x.hi, 0));
  }),
  concat: { make: concat },
  gather: needs("int32", gather),
  scatterAdd: needs("int32", scatterAdd),
  checkIndex: needs("int32", checkedIndex),
  fill: { make: fill },
  literal: { make: literal },
  iota: { make: iota },
  random: needs("int32", random),
  scan: { make: scanStep },
  customVjp: { make: customVjpStep },
  input: "not generated: as a step (a graph's inputs x0, x1, ... are its leaves, drawn before the steps)",
};
