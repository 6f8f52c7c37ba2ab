import fc from "fast-check";
import { type Graph, graphOf } from "../../ir/graph.js";
import type { Node } from "../../ir/node.js";
import * as gg from "../../src/index.js";

/**
 * Graphs for the codec and printer tests: one hand-built graph that uses every primitive (with
 * symbolic shapes, NaN/±Infinity/-0 constants, random, gather/scatterAdd, int32 and bool), and a
 * fast-check generator of random graphs built through the public API.
 */

type Expr = gg.Expr;

/** A graph holding every primitive at least once (checked by the tests against OP_NAMES). */
export function everyPrimitiveGraph(): Graph {
  const x = gg.input("x", [null, 4]);
  const w = gg.param("w", [4, 3]);
  const b = gg.param("b", [3], "float64");
  const ids = gg.input("ids", [null], "int32");
  const table = gg.param("table", [5, 2]);
  const k = gg.random.key(7);

  const h = gg.add(gg.matmul(x, w), gg.cast(b, "float32")); // [?x.0,3]
  const act = gg.tanh(gg.maximum(gg.minimum(h, 6), gg.neg(h)));
  const smooth = gg.div(gg.sqrt(gg.abs(act)), gg.exp(gg.log(gg.add(gg.abs(gg.sin(h)), gg.add(gg.cos(h), gg.erf(h))))));
  const powered = gg.pow(gg.sub(smooth, gg.floor(smooth)), 2);
  const picked = gg.where(gg.greater(h, 0), powered, gg.sign(h)); // bool condition
  const masked = gg.mul(picked, gg.cast(gg.less(h, gg.stopGradient(h)), "float32"));
  const eq = gg.cast(gg.equal(gg.iota([3], 0, "int32"), gg.constant([0, 1, 2], "int32")), "float32");
  const rows = gg.mul(masked, eq); // [?x.0,3]

  const summed = gg.sum(rows, 1, true); // reduceSum keepdims
  const peak = gg.max(rows, 0); // reduceMax
  const flat = gg.reshape(rows, [-1, 3, 1]); // -1 becomes the symbol ?x.0
  const square = gg.transpose(gg.reshape(gg.slice(w, [0, 0], [3, 3]), [3, 3]));
  const padded = gg.pad(gg.broadcastTo(peak, [2, 3]), [[1, 0], [0, 2]]); // [3,5]
  const joined = gg.concat([padded, gg.pad(square, [[0, 0], [0, 2]])], 0); // [6,5]

  const emb = gg.gather(table, ids); // [?ids.0,2]
  const back = gg.scatterAdd(emb, ids, 5); // [5,2]

  const u = gg.random.uniform(k, [2, 3]);
  const n = gg.random.normal(gg.random.split(k)[1] as Expr, [3], { dtype: "float64" });
  const specials = gg.constant([NaN, Infinity, -Infinity, -0, 0, 1.5e-300], "float64");
  const nanFill = gg.fill(["?x.0", 3], NaN);
  const infFill = gg.fill([], -Infinity, "float64");
  const negZero = gg.scalar(-0);

  // conv (strided, dilated, padded, grouped) over a symbolic batch; its gradient flips the kernel (reverse).
  const image = gg.reshape(gg.concat([rows, rows, rows, rows], 1), [-1, 3, 2, 2]); // [?x.0,3,2,2]
  const kernel = gg.reshape(gg.slice(w, [0, 0], [4, 2]), [2, 1, 1, 4]);
  const convolved = gg.conv(image, kernel, { strides: [1, 2], padding: [[1, 0], [0, 1]], dilation: [2, 1], groups: 2 });

  const loss = gg.add(gg.mean(gg.add(rows, gg.mul(nanFill, negZero))), gg.add(gg.sum(summed), gg.sum(gg.mul(convolved, convolved))));
  const [gw, gtable] = gg.grad(gg.add(loss, gg.sum(back)), [w, table]);

  return graphOf(
    Object.fromEntries(
      Object.entries({
        loss,
        gw: gw as Expr,
        gtable: gtable as Expr,
        flat,
        joined,
        back,
        u,
        n: gg.add(n, gg.add(b, infFill)),
        specials: gg.add(specials, gg.cast(gg.sum(gg.cast(gg.greater(specials, 0), "int32")), "float64")),
        // A function with its own gradient rule (a straight-through floor).
        custom: gg.customVjp((v: Expr) => gg.floor(v), { vjp: (ct) => [ct] })(gg.mul(b, 2)),
        // A loop over the rows of x (its length symbolic) with a weight closed over: a scan with a body.
        scanned: gg.scan((h: Expr, row: Expr) => [gg.tanh(gg.add(h, gg.mul(row, gg.reshape(gg.slice(w, [0, 0], [4, 1]), [1, 4])))), gg.sum(h)] as const, gg.zeros([1, 4]), gg.reshape(x, [-1, 1, 4]))[1],
      }).map(([name, e]) => [name, e.node]),
    ),
  );
}

const STEP_OPS = [
  "neg", "exp", "log", "sqrt", "abs", "sign", "tanh", "floor", "stopGradient",
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "greater", "less", "equal",
  "where", "cast", "sum", "max", "mean", "matmul", "reshape", "transpose", "broadcast", "slice", "pad", "concat",
  "gather", "scatterAdd", "fill", "literal", "iota", "random", "grad", "softmax",
] as const;

/** One step of a random program: which op, which operands (indices into the pool), and a few knobs. */
interface Step {
  readonly op: (typeof STEP_OPS)[number];
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly k: number;
  readonly v: number;
}


const DTYPES = ["float32", "float64", "int32", "bool"] as const;

const valueArb = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, 0.1),
);

const stepArb: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom(...STEP_OPS),
  a: fc.nat({ max: 12 }),
  b: fc.nat({ max: 12 }),
  c: fc.nat({ max: 12 }),
  k: fc.integer({ min: 0, max: 7 }),
  v: valueArb,
});

/** Builds one step over the pool; undefined when the operands do not fit the op (a build-time error). */
function build(s: Step, pool: readonly Expr[]): Expr | undefined {
  const pick = (i: number): Expr => pool[pool.length - 1 - (i % pool.length)] as Expr; // small i: recent nodes, so chains grow
  const x = pick(s.a);
  const y = pick(s.b);
  const z = pick(s.c);
  const floats = pool.filter((e) => e.dtype === "float32" || e.dtype === "float64");
  const ints = pool.filter((e) => e.dtype === "int32" && e.rank <= 1);
  const axis = x.rank === 0 ? undefined : s.k % x.rank;
  switch (s.op) {
    case "neg": case "exp": case "log": case "sqrt": case "abs": case "sign": case "tanh": case "floor": case "stopGradient":
      return gg[s.op](x);
    case "add": case "sub": case "mul": case "div": case "pow": case "maximum": case "minimum": case "greater": case "less": case "equal":
      return gg[s.op](x, y);
    case "where":
      return gg.where(z.dtype === "bool" ? z : gg.greater(z, 0), x, y);
    case "cast":
      return gg.cast(x, DTYPES[s.k % 4] as (typeof DTYPES)[number]);
    case "sum":
      return gg.sum(x, axis, s.b % 2 === 0);
    case "max":
      return gg.max(x, axis, s.b % 2 === 0);
    case "mean":
      return gg.mean(x, axis);
    case "matmul":
      return gg.matmul(x, y);
    case "reshape":
      return gg.reshape(x, s.k % 2 === 0 ? [-1] : [1, -1]);
    case "transpose":
      return gg.transpose(x);
    case "broadcast":
      return gg.broadcastTo(x, [2, ...x.shape]);
    case "slice":
      return gg.slice(x, x.shape.map(() => 0), x.shape.map((d) => (typeof d === "number" && d > 1 ? d - 1 : -1)));
    case "pad":
      return gg.pad(x, x.shape.map((_, i) => [i % 2, s.k % 2] as [number, number]));
    case "concat":
      return gg.concat([x, y], 0);
    case "gather": {
      const idx = ints[s.c % Math.max(ints.length, 1)];
      return idx === undefined ? undefined : gg.gather(x, idx);
    }
    case "scatterAdd": {
      const idx = ints[s.c % Math.max(ints.length, 1)];
      return idx === undefined ? undefined : gg.scatterAdd(gg.gather(x, idx), idx, x.shape[0] ?? 1);
    }
    case "fill":
      return gg.fill(x.shape, s.v, DTYPES[s.k % 2]);
    case "literal":
      return gg.constant([s.v, -0, s.k], DTYPES[s.k % 3]);
    case "iota":
      return gg.iota([2, 3], s.k % 2, s.k % 3 === 0 ? "float32" : "int32");
    case "random": {
      const key = gg.random.key(s.k);
      return s.k % 3 === 0 ? gg.random.uniform(key, [2]) : s.k % 3 === 1 ? gg.random.normal(key, [3], { dtype: "float64" }) : gg.random.split(key)[0];
    }
    case "grad": {
      const wrt = floats[s.b % Math.max(floats.length, 1)];
      if (wrt === undefined || !(x.dtype === "float32" || x.dtype === "float64")) return undefined;
      return gg.grad(gg.sum(x), [wrt])[0];
    }
    case "softmax":
      return gg.softmax(x);
    default:
      return undefined;
  }
}

/** The graph a random program builds: the last nodes and a few picked ones are the outputs. */
function programGraph(steps: readonly Step[], picks: readonly number[]): Graph {
  const pool: Expr[] = [
    gg.input("x", [null, 3]),
    gg.param("w", [3, 3]),
    gg.param("v", [3], "float64"),
    gg.input("idx", [2], "int32"),
    gg.input("flag", [3], "bool"),
  ];
  const base = pool.length;
  for (const s of steps) {
    try {
      const e = build(s, pool);
      if (e !== undefined) pool.push(e);
    } catch (err) {
      if (!(err instanceof gg.GraphgradError)) throw err; // only shape/dtype errors are expected
    }
  }
  const outputs: Record<string, Node> = { last: (pool[pool.length - 1] as Expr).node };
  picks.forEach((p, i) => {
    const e = pool[base + (p % Math.max(pool.length - base, 1))] ?? pool[p % pool.length];
    if (e !== undefined) outputs[`o${i}`] = e.node;
  });
  return graphOf(outputs);
}

/** Random graphs over every primitive family, all dtypes and symbolic shapes. */
export const ownRandomGraphArb: fc.Arbitrary<Graph> = fc
  .tuple(fc.array(stepArb, { minLength: 4, maxLength: 30, size: "medium" }), fc.array(fc.nat(), { minLength: 0, maxLength: 4 }))
  .map(([steps, picks]) => programGraph(steps, picks));
