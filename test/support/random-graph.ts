import fc from "fast-check";
import { emit } from "../../ir/build.js";
import type { Graph } from "../../ir/graph.js";
import { type Node, toposort } from "../../ir/node.js";
import type { OpAttrs, OpName } from "../../ir/ops/attrs.js";
import { broadcastShapes, formatShape, type Shape } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import { broadcastShapesArb, sizeOf } from "./arbitraries.js";

/**
 * Random well-formed float64 graphs with random feeds, for properties over whole programs (passes
 * preserve values, codec round trips, backends agree).
 *
 * A case is built from a recipe of steps; each step adds one node drawn from many op families
 * (elementwise unary and binary with broadcasting, compare + where, reductions, matmul, reshape,
 * transpose, slice, pad, concat, broadcast, casts through float32/int32/bool, gather, random,
 * constants: 0 and 1 splats, other fills, literals, iota). Operands are adapted so every step is
 * valid (reduced to a scalar when they do not broadcast, reshaped for matmul, ...).
 *
 * Every node carries an interval holding all its values under any feed in [-2, 2]; domains are
 * kept safe from it: log and pow see values >= 0.01, sqrt sees |x|, divisors stay >= 0.25 away
 * from 0, exp sees values <= 10, and anything beyond ±1000 goes through tanh. So every value is
 * finite, never NaN, and a −0 in place of a +0 can never turn into a different non-zero value.
 */

export interface RandomGraphCase {
  /** Named outputs, and every node built (including dead ones no output needs, for DCE). */
  readonly graph: Graph;
  /** One float64 feed per input of the graph, values in [-2, 2]. */
  readonly feeds: ReadonlyMap<string, Tensor>;
}

export interface RandomGraphOptions {
  readonly maxInputs?: number;
  readonly maxSteps?: number;
  readonly maxOutputs?: number;
  /**
   * Also draw scatterAdd (as gather's alternative). Off by default, so that the samples other
   * suites draw (and their seeds) stay as they were.
   */
  readonly withScatterAdd?: boolean;
}

/** One step of a recipe: which family, which operands (counted back from the newest node) and a few choices. */
interface Step {
  readonly family: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly p: readonly number[];
  readonly v: number;
}

interface Bounded {
  readonly node: Node;
  readonly lo: number;
  readonly hi: number;
}

const f64 = "float64";
const mk = <K extends OpName>(op: K, inputs: readonly Node[], attrs: OpAttrs[K]): Node => emit(op, inputs, attrs);
const none = {};

/** Widens an interval a little, so the rounding of the bound computations can never make it too tight. */
function bounded(node: Node, lo: number, hi: number): Bounded {
  return { node, lo: lo - 1e-9 * (1 + Math.abs(lo)), hi: hi + 1e-9 * (1 + Math.abs(hi)) };
}

const constant = (value: number, shape: Shape = []): Bounded => bounded(mk("fill", [], { shape, dtype: f64, value }), value, value);
const ONE = (): Bounded => constant(1);

function tanhOf(x: Bounded): Bounded {
  return bounded(mk("tanh", [x.node], none), Math.tanh(x.lo), Math.tanh(x.hi));
}

function absOf(x: Bounded): Bounded {
  const lo = x.lo >= 0 ? x.lo : x.hi <= 0 ? -x.hi : 0;
  return bounded(mk("abs", [x.node], none), lo, Math.max(Math.abs(x.lo), Math.abs(x.hi)));
}

function addOf(x: Bounded, y: Bounded): Bounded {
  return bounded(mk("add", [x.node, y.node], none), x.lo + y.lo, x.hi + y.hi);
}

function products(x: Bounded, y: { lo: number; hi: number }): [number, number] {
  const ps = [x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi];
  return [Math.min(...ps), Math.max(...ps)];
}

/** x itself when its values are >= 0.01, else |x| + 1. */
function positive(x: Bounded): Bounded {
  return x.lo >= 0.01 ? x : addOf(absOf(x), ONE());
}

/** x itself when it stays 0.25 away from zero, else |x| + 1. */
function awayFromZero(x: Bounded): Bounded {
  return x.lo >= 0.25 || x.hi <= -0.25 ? x : addOf(absOf(x), ONE());
}

/** x reduced to a scalar unless it broadcasts against `shape`. */
function fitTo(x: Bounded, shape: Shape): Bounded {
  if (broadcastShapes([shape, x.node.shape])._tag === "Right") return x;
  const axes = x.node.shape.map((_, i) => i);
  const count = sizeOf(x.node.shape as number[]);
  return bounded(mk("reduceSum", [x.node], { axes, keepdims: false }), count * x.lo, count * x.hi);
}

function flat(x: Bounded, shape: readonly number[]): Bounded {
  return bounded(mk("reshape", [x.node], { shape }), x.lo, x.hi);
}

const shapeOf = (x: Bounded): number[] => x.node.shape as number[];

const UNARY = ["neg", "exp", "log", "sqrt", "abs", "sign", "tanh", "floor", "stopGradient", "sin", "cos"] as const;
const BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"] as const;
const COMPARE = ["greater", "less", "equal"] as const;
const EXPONENTS = [2, 0.5, -1, 3, 1.5, 1, 0];

function unary(x: Bounded, s: Step): Bounded {
  const op = UNARY[(s.p[0] as number) % UNARY.length] as (typeof UNARY)[number];
  const { lo, hi } = x;
  switch (op) {
    case "neg":
      return bounded(mk("neg", [x.node], none), -hi, -lo);
    case "exp": {
      const y = hi <= 10 ? x : tanhOf(x);
      return bounded(mk("exp", [y.node], none), Math.exp(y.lo), Math.exp(y.hi));
    }
    case "log": {
      const y = positive(x);
      return bounded(mk("log", [y.node], none), Math.log(y.lo), Math.log(y.hi));
    }
    case "sqrt": {
      const y = lo >= 0.01 ? x : absOf(x);
      return bounded(mk("sqrt", [y.node], none), Math.sqrt(Math.max(y.lo, 0)), Math.sqrt(y.hi));
    }
    case "abs":
      return absOf(x);
    case "sign":
      return bounded(mk("sign", [x.node], none), Math.sign(lo), Math.sign(hi));
    case "tanh":
      return tanhOf(x);
    case "floor":
      return bounded(mk("floor", [x.node], none), Math.floor(lo), Math.floor(hi));
    case "sin":
    case "cos":
      return bounded(mk(op, [x.node], none), -1, 1);
    case "stopGradient":
      return bounded(mk("stopGradient", [x.node], none), lo, hi);
  }
}

/** The second operand of a binary step: a pool node, or one of the constants the simplifier looks for. */
function secondOperand(x: Bounded, y: Bounded, s: Step): Bounded {
  switch ((s.p[1] as number) % 7) {
    case 2:
      return constant(0);
    case 3:
      return constant(1);
    case 4:
      return constant((s.p[2] as number) % 2, x.node.shape);
    case 5:
      return constant(EXPONENTS[(s.p[2] as number) % EXPONENTS.length] as number);
    case 6:
      return constant(s.v);
    default:
      return y;
  }
}

function binary(x0: Bounded, y0: Bounded, s: Step): Bounded {
  const op = BINARY[(s.p[0] as number) % BINARY.length] as (typeof BINARY)[number];
  let [x, y] = (s.p[3] as number) % 2 === 0 ? [x0, secondOperand(x0, y0, s)] : [secondOperand(x0, y0, s), x0];
  y = fitTo(y, x.node.shape);
  switch (op) {
    case "add":
      return addOf(x, y);
    case "sub":
      return bounded(mk("sub", [x.node, y.node], none), x.lo - y.hi, x.hi - y.lo);
    case "mul":
      return bounded(mk("mul", [x.node, y.node], none), ...products(x, y));
    case "div": {
      const d = awayFromZero(y);
      return bounded(mk("div", [x.node, d.node], none), ...products(x, { lo: 1 / d.hi, hi: 1 / d.lo }));
    }
    case "pow": {
      const base = positive(x);
      const e = y.lo >= -3 && y.hi <= 3 ? y : tanhOf(y);
      const corners = [base.lo ** e.lo, base.lo ** e.hi, base.hi ** e.lo, base.hi ** e.hi];
      return bounded(mk("pow", [base.node, e.node], none), Math.min(...corners), Math.max(...corners));
    }
    case "maximum":
      return bounded(mk("maximum", [x.node, y.node], none), Math.max(x.lo, y.lo), Math.max(x.hi, y.hi));
    case "minimum":
      return bounded(mk("minimum", [x.node, y.node], none), Math.min(x.lo, y.lo), Math.min(x.hi, y.hi));
  }
}

/** where(compare(a, b), x, y); sometimes with x = y, sometimes with a constant condition. */
function select(pool: readonly Bounded[], s: Step): Bounded {
  const pick = (k: number): Bounded => pool[pool.length - 1 - (k % pool.length)] as Bounded;
  const op = COMPARE[(s.p[0] as number) % COMPARE.length] as (typeof COMPARE)[number];
  const constCond = (s.p[2] as number) % 4 === 0;
  const a = constCond ? constant(s.v) : pick(s.a);
  const b = constCond ? constant((s.p[3] as number) % 3 - 1) : fitTo(pick(s.b), a.node.shape);
  const cond = mk(op, [a.node, b.node], none);
  const x = fitTo(pick(s.c), cond.shape);
  const joint = broadcastShapes([cond.shape, x.node.shape]);
  const y = (s.p[1] as number) % 4 === 0 || joint._tag === "Left" ? x : fitTo(pick(s.c + 1 + (s.p[1] as number)), joint.right);
  return bounded(mk("where", [cond, x.node, y.node], none), Math.min(x.lo, y.lo), Math.max(x.hi, y.hi));
}

function reduce(x: Bounded, s: Step): Bounded {
  const shape = shapeOf(x);
  const axes = shape.map((_, i) => i).filter((i) => (((s.p[1] as number) >> i) & 1) === 1);
  const keepdims = (s.p[2] as number) % 2 === 1;
  if ((s.p[0] as number) % 2 === 0) {
    const count = sizeOf(axes.map((i) => shape[i] as number));
    return bounded(mk("reduceSum", [x.node], { axes, keepdims }), count * x.lo, count * x.hi);
  }
  return bounded(mk("reduceMax", [x.node], { axes, keepdims }), x.lo, x.hi);
}

/** A matmul of x and y: as they are when they fit, else x as [rows, k] times y spread over k rows. */
function matmul(x: Bounded, y: Bounded): Bounded {
  const xs = shapeOf(x);
  const ys = shapeOf(y);
  let a = x;
  let b = y;
  const fits =
    xs.length >= 2 &&
    ys.length >= 2 &&
    xs[xs.length - 1] === ys[ys.length - 2] &&
    broadcastShapes([xs.slice(0, -2), ys.slice(0, -2)])._tag === "Right";
  if (!fits) {
    if (xs.length < 2) a = flat(x, [1, sizeOf(xs)]);
    const k = shapeOf(a)[shapeOf(a).length - 1] as number;
    b = bounded(mk("broadcast", [flat(y, [1, sizeOf(ys)]).node], { shape: [k, sizeOf(ys)] }), y.lo, y.hi);
  }
  const k = shapeOf(a)[shapeOf(a).length - 1] as number;
  const [pl, ph] = products(a, b);
  return bounded(mk("matmul", [a.node, b.node], none), k * Math.min(pl, 0), k * Math.max(ph, 0));
}

function reshape(x: Bounded, s: Step): Bounded {
  const shape = shapeOf(x);
  switch ((s.p[0] as number) % 3) {
    case 0:
      return flat(x, [sizeOf(shape)]);
    case 1: {
      const at = (s.p[1] as number) % (shape.length + 1);
      return flat(x, [...shape.slice(0, at), 1, ...shape.slice(at)]);
    }
    default:
      return shape.length >= 2 ? flat(x, [(shape[0] as number) * (shape[1] as number), ...shape.slice(2)]) : flat(x, [...shape].reverse());
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

function layout(x: Bounded, y: Bounded, s: Step): Bounded {
  const shape = shapeOf(x);
  const p = (i: number): number => s.p[i % s.p.length] as number;
  switch (s.family) {
    case 6:
      return bounded(mk("transpose", [x.node], { perm: permutation(shape.length, p(0)) }), x.lo, x.hi);
    case 7: {
      const begin = shape.map((d, i) => p(i) % d);
      const size = shape.map((d, i) => 1 + (p(i + 1) % (d - (begin[i] as number))));
      return bounded(mk("slice", [x.node], { begin, size }), x.lo, x.hi);
    }
    case 8: {
      const lo = shape.map((_, i) => p(i) % 2);
      const hi = shape.map((_, i) => p(i + 2) % 2);
      return bounded(mk("pad", [x.node], { lo, hi }), Math.min(x.lo, 0), Math.max(x.hi, 0));
    }
    case 9: {
      const a = shape.length === 0 ? flat(x, [1]) : x;
      const as = shapeOf(a);
      const axis = p(0) % as.length;
      const other = shapeOf(y).length === as.length && shapeOf(y).every((d, i) => i === axis || d === as[i]) ? y : a;
      const parts = p(1) % 3 === 0 ? [a, other, a] : [a, other];
      return bounded(mk("concat", parts.map((q) => q.node), { axis }), Math.min(...parts.map((q) => q.lo)), Math.max(...parts.map((q) => q.hi)));
    }
    default: {
      const to = p(0) % 2 === 0 ? [1 + (p(1) % 3), ...shape] : shape.map((d) => (d === 1 ? 2 : d));
      return bounded(mk("broadcast", [x.node], { shape: to }), x.lo, x.hi);
    }
  }
}

/** A new constant: a splat (0, 1 or v) of x's shape or a scalar, a literal of x's shape, or an iota. */
function constantStep(x: Bounded, s: Step): Bounded {
  const shape = shapeOf(x);
  const p0 = s.p[0] as number;
  switch (p0 % 5) {
    case 0:
      return constant((s.p[1] as number) % 2, p0 % 10 < 5 ? [] : shape);
    case 1:
      return constant(s.v, (s.p[1] as number) % 2 === 0 ? [] : shape);
    case 2: {
      const values = Array.from({ length: sizeOf(shape) }, (_, i) => Math.round((Math.sin(s.v * 7 + i * 1.3) * 2) * 64) / 64);
      return bounded(mk("literal", [], { shape, dtype: f64, values }), Math.min(0, ...values), Math.max(0, ...values));
    }
    case 3: {
      const shape1 = shape.length === 0 ? [1] : shape;
      const axis = (s.p[1] as number) % shape1.length;
      return bounded(mk("iota", [], { shape: shape1, dtype: f64, axis }), 0, (shape1[axis] as number) - 1);
    }
    default: {
      const key = mk("literal", [], { shape: [2], dtype: "int32", values: [(s.p[1] as number) | 0, (s.p[2] as number) | 0] });
      return bounded(mk("random", [key], { shape, dtype: f64, dist: "uniform" }), 0, 1);
    }
  }
}

/** Round trips through other dtypes: float32 (rounding, with an op in float32), int32 (truncation), bool (a comparison). */
function castStep(x: Bounded, y: Bounded, s: Step): Bounded {
  const r = (lo: number, hi: number): [number, number] => [lo - Math.abs(lo) * 1e-6, hi + Math.abs(hi) * 1e-6];
  switch ((s.p[0] as number) % 4) {
    case 0:
      return bounded(mk("cast", [mk("cast", [x.node], { dtype: "float32" })], { dtype: f64 }), ...r(x.lo, x.hi));
    case 1: {
      const x32 = mk("cast", [x.node], { dtype: "float32" });
      const c = mk("fill", [], { shape: [], dtype: "float32", value: s.v });
      const mul = (s.p[1] as number) % 2 === 0;
      const [lo, hi] = mul ? products(x, { lo: s.v, hi: s.v }) : [x.lo + s.v, x.hi + s.v];
      return bounded(mk("cast", [mk(mul ? "mul" : "add", [x32, c], none)], { dtype: f64 }), ...r(lo, hi));
    }
    case 2:
      return bounded(mk("cast", [mk("cast", [x.node], { dtype: "int32" })], { dtype: f64 }), Math.trunc(x.lo), Math.trunc(x.hi));
    default: {
      const cond = mk("greater", [x.node, fitTo(y, x.node.shape).node], none);
      return bounded(mk("cast", [cond], { dtype: f64 }), 0, 1);
    }
  }
}

function gather(x: Bounded, s: Step): Bounded {
  const a = x.node.shape.length === 0 ? flat(x, [1]) : x;
  const rows = shapeOf(a)[0] as number;
  const count = 1 + ((s.p[0] as number) % 3);
  // Indices one past either end now and then: gather clamps them.
  const values = Array.from({ length: count }, (_, i) => ((s.p[(i + 1) % s.p.length] as number) % (rows + 2)) - 1);
  const idx = mk("literal", [], { shape: [count], dtype: "int32", values });
  return bounded(mk("gather", [a.node, idx], none), a.lo, a.hi);
}

/** scatterAdd of x's rows into 1..4 rows, at indices one past either end now and then (clamped). */
function scatterAdd(x: Bounded, s: Step): Bounded {
  const a = x.node.shape.length === 0 ? flat(x, [1]) : x;
  const count = shapeOf(a)[0] as number;
  const size = 1 + ((s.p[0] as number) % 4);
  const values = Array.from({ length: count }, (_, i) => ((s.p[(i + 1) % s.p.length] as number) % (size + 2)) - 1);
  const idx = mk("literal", [], { shape: [count], dtype: "int32", values });
  return bounded(mk("scatterAdd", [a.node, idx], { size }), count * Math.min(a.lo, 0), count * Math.max(a.hi, 0));
}

const FAMILIES = 14;

function step(pool: readonly Bounded[], s: Step, withScatterAdd: boolean): Bounded {
  const pick = (k: number): Bounded => pool[pool.length - 1 - (k % pool.length)] as Bounded;
  const x = pick(s.a);
  const y = pick(s.b);
  switch (s.family) {
    case 0:
    case 1:
      return unary(x, s);
    case 2:
    case 3:
      return binary(x, y, s);
    case 4:
      return select(pool, s);
    case 5:
      return reduce(x, s);
    case 6:
    case 7:
    case 8:
    case 9:
    case 10:
      return layout(x, y, s);
    case 11:
      return (s.p[3] as number) % 2 === 0 ? matmul(x, y) : reshape(x, s);
    case 12:
      switch ((s.p[3] as number) % 4) {
        case 0:
          return withScatterAdd && (s.p[2] as number) % 2 === 1 ? scatterAdd(x, s) : gather(x, s);
        case 1:
          return constantStep(x, s);
        // Constant subexpressions, for constant folding.
        case 2:
          return binary(constantStep(x, s), constant(s.v), s);
        default:
          return unary(constantStep(x, s), s);
      }
    default:
      return castStep(x, y, s);
  }
}

/** Keeps magnitudes below 1000 (and so every later value finite). */
function tame(x: Bounded): Bounded {
  return Math.max(Math.abs(x.lo), Math.abs(x.hi)) > 1000 ? tanhOf(x) : x;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  family: fc.integer({ min: 0, max: FAMILIES - 1 }),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  p: fc.array(fc.nat({ max: 1 << 16 }), { minLength: 4, maxLength: 4 }),
  v: fc.double({ min: -2, max: 2, noNaN: true }),
});

/** The feed values: doubles in [-2, 2] (signed zeros and integers included, as fast-check likes them). */
const feedValuesArb = (n: number): fc.Arbitrary<number[]> => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });

/** A random float64 graph over 1..maxInputs inputs named x0, x1, ..., with feeds for all of them. */
export const randomGraphArb = (options: RandomGraphOptions = {}): fc.Arbitrary<RandomGraphCase> => {
  const { maxInputs = 3, maxSteps = 12, maxOutputs = 3, withScatterAdd = false } = options;
  return fc
    .integer({ min: 1, max: maxInputs })
    .chain((count) => broadcastShapesArb(count, 3, 3))
    .chain((shapes) =>
      fc.record({
        shapes: fc.constant(shapes),
        values: fc.tuple(...shapes.map((s) => feedValuesArb(sizeOf(s)))),
        steps: fc.array(stepArb, { minLength: 1, maxLength: maxSteps }),
        outputs: fc.array(fc.nat(), { minLength: 0, maxLength: maxOutputs - 1 }),
      }),
    )
    .map(({ shapes, values, steps, outputs }) => build(shapes, values, steps, outputs, withScatterAdd));
};

function build(shapes: readonly number[][], values: readonly number[][], steps: readonly Step[], picks: readonly number[], withScatterAdd: boolean): RandomGraphCase {
  const pool: Bounded[] = shapes.map((shape, i) =>
    bounded(mk("input", [], { name: `x${i}`, shape, dtype: f64, kind: i === 0 ? "input" : "param" }), -2, 2),
  );
  for (const s of steps) pool.push(tame(step(pool, s, withScatterAdd)));
  const last = pool[pool.length - 1] as Bounded;
  const outputs: Record<string, Node> = { out0: last.node };
  picks.forEach((k, i) => (outputs[`out${i + 1}`] = (pool[k % pool.length] as Bounded).node));
  const graph: Graph = { outputs, nodes: toposort(pool.map((b) => b.node)) };
  const feeds = new Map(shapes.map((shape, i) => [`x${i}`, new Tensor(f64, shape, Float64Array.from(values[i] as number[]))] as const));
  return withListing({ graph, feeds });
}

/** A one-line-per-node listing, which fast-check prints for a counterexample. */
export function listGraph(g: Graph): string {
  const names = new Map(g.nodes.map((n, i) => [n, `%${i}`] as const));
  const lines = g.nodes.map((n) => {
    const attrs = JSON.stringify(n.attrs);
    const args = n.inputs.map((x) => names.get(x) ?? `?${x.id}`).join(" ");
    return `${names.get(n)}: ${n.dtype}${formatShape(n.shape)} = ${n.op}${attrs === "{}" ? "" : attrs} ${args}`;
  });
  const outs = Object.entries(g.outputs).map(([k, n]) => `${k}=${names.get(n) ?? `?${n.id}`}`);
  return `${lines.join("\n")}\nout ${outs.join(" ")}`;
}

function withListing(c: RandomGraphCase): RandomGraphCase {
  const feeds = [...c.feeds].map(([k, t]) => `${k}=${JSON.stringify(Array.from(t.data))}`).join(" ");
  return Object.assign(c, { [fc.toStringMethod]: () => `${listGraph(c.graph)}\nfeeds ${feeds}` });
}
