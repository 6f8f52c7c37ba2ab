import type { Backend } from "../../../backends/backend.js";
import { js } from "../../../backends/js/index.js";
import { GraphgradError } from "../../../ir/errors.js";
import { graphInputs } from "../../../ir/graph.js";
import { formatShape, isConcrete, sizeOf } from "../../../ir/shape.js";
import type { Tensor } from "../../../ir/tensor.js";
import { compile } from "../../compile.js";
import { Expr } from "../../expr.js";
import { grad } from "../../grad.js";
import { input } from "../../ops.js";
import { jvp } from "../../transforms/jvp.js";
import { Comparisons, type GradComparison, indexOf } from "./compare.js";
import { contracted, derivative, type GradMode, pattern } from "./derivative.js";
import { feed, type GradInput, inputSpecs, type InputSpec } from "./inputs.js";

export interface CheckGradsOptions {
  /** Check derivatives up to this order, default 1 (order n: the first derivatives of the order n−1 derivative). */
  readonly order?: number;
  /** Reverse mode (`gg.grad`), forward mode (`gg.jvp`), or both (the default). */
  readonly modes?: readonly GradMode[];
  /** The step of the central differences, default 1e-5. */
  readonly eps?: number;
  /** |analytic − numeric| <= atol + rtol·max(|analytic|, |numeric|); defaults rtol 1e-6, atol 1e-8. */
  readonly rtol?: number;
  readonly atol?: number;
  /** The backend computing values and derivatives, default the JS reference. */
  readonly backend?: Backend;
}

export interface GradCheckReport {
  /** How many derivative values were compared. */
  readonly checked: number;
  /** The comparison that used most of its tolerance. */
  readonly worst: GradComparison | undefined;
}

/**
 * Checks the derivatives of `fn` at `inputs` against central finite differences in float64.
 *
 * `fn` receives one float64 input per float input (int32 and bool inputs keep their dtype and are
 * not differentiated) and returns an expression of any shape. Reverse mode contracts it with a
 * fixed cotangent c and compares `gg.grad(Σ fn·c)` with (L(x + eps·e_i) − L(x − eps·e_i)) / 2eps
 * for every input element i; forward mode compares `gg.jvp` along each e_i with the central
 * difference of every output element. Order n applies the same mode's derivative n−1 times first
 * (along fixed directions) and checks the first derivatives of that. A mismatch throws a
 * `CheckFailure` naming the mode, the input, the element, both values and the error.
 */
export async function checkGrads(fn: (...xs: Expr[]) => Expr, inputs: readonly GradInput[], options: CheckGradsOptions = {}): Promise<GradCheckReport> {
  const { order = 1, modes = ["rev", "fwd"], eps = 1e-5, rtol = 1e-6, atol = 1e-8, backend = js() } = options;
  if (!Number.isInteger(order) || order < 1) throw new GraphgradError("checkGrads", `order must be an integer >= 1, got ${order}`);
  if (modes.length === 0 || !modes.every((m) => m === "rev" || m === "fwd")) throw new GraphgradError("checkGrads", `modes must list "rev" and/or "fwd", got ${JSON.stringify(modes)}`);
  for (const [name, v] of [["eps", eps], ["rtol", rtol], ["atol", atol]] as const) {
    if (!(v >= 0) || !Number.isFinite(v) || (name === "eps" && v === 0)) throw new GraphgradError("checkGrads", `${name} must be a finite number ${name === "eps" ? "> 0" : ">= 0"}, got ${v}`);
  }
  const specs = inputSpecs(inputs);
  const xs = specs.map((s) => input(s.name, s.shape, s.dtype));
  const y = fn(...xs);
  if (!(y instanceof Expr)) throw new GraphgradError("checkGrads", `fn must return an Expr, got ${typeof y}`);
  if (y.dtype !== "float64") throw new GraphgradError("checkGrads", `fn must return a float64 Expr for float64 inputs, got ${y.dtype} (build constants in the inputs' dtype: gg.scalar(v, x.dtype))`);
  if (!isConcrete(y.shape)) throw new GraphgradError("checkGrads", `fn's result has a symbolic shape ${formatShape(y.shape)}`);
  const diff = specs.flatMap((s, i) => (s.differentiable ? [i] : []));
  if (diff.length === 0) throw new GraphgradError("checkGrads", "no float input to differentiate (int32 and bool inputs are held fixed)");
  const ctx: Context = { specs, diff, xs: diff.map((i) => xs[i] as Expr), eps, backend, differences: new Map() };
  const comparisons = new Comparisons({ rtol, atol }, (c) => describe(c, specs));
  for (const mode of modes) {
    let f = y;
    for (let level = 1; level < order; level++) f = derivative(f, ctx.xs, mode, level);
    await (mode === "rev" ? checkReverse : checkForward)(f, order, ctx, comparisons);
  }
  return { checked: comparisons.checked, worst: comparisons.worst };
}

interface Context {
  readonly specs: readonly InputSpec[];
  /** The positions of the float inputs, and their expressions. */
  readonly diff: readonly number[];
  readonly xs: readonly Expr[];
  readonly eps: number;
  readonly backend: Backend;
  /** Central differences already computed, per function. */
  readonly differences: Map<Expr, Float64Array[][]>;
}

type Program = (extra?: Readonly<Record<string, Tensor>>, moved?: { input: number; element: number; delta: number }) => Promise<Record<string, Tensor>>;

/** Compiles `outputs`; the program feeds every input at its value (one element moved, if asked) plus `extra`. */
async function program(outputs: Readonly<Record<string, Expr>>, ctx: Context): Promise<Program> {
  const exe = await compile({ outputs }, { backend: ctx.backend });
  const used = new Set(graphInputs(exe.graph).map((n) => n.attrs.name));
  return (extra = {}, moved) => {
    const feeds: Record<string, Tensor> = {};
    ctx.specs.forEach((s, i) => {
      if (used.has(s.name)) feeds[s.name] = moved?.input === i ? feed(s, moved.element, moved.delta) : feed(s);
    });
    for (const [k, t] of Object.entries(extra)) if (used.has(k)) feeds[k] = t;
    return exe.run(feeds);
  };
}

/** (f(x + eps·e) − f(x − eps·e)) / (the step actually taken), for every element e of every float input. */
async function differences(f: Expr, ctx: Context): Promise<Float64Array[][]> {
  const known = ctx.differences.get(f);
  if (known !== undefined) return known;
  const run = await program({ f }, ctx);
  const all: Float64Array[][] = [];
  for (const i of ctx.diff) {
    const s = ctx.specs[i] as InputSpec;
    const perElement: Float64Array[] = [];
    for (let j = 0; j < s.values.length; j++) {
      const x = s.values[j] as number;
      const plus = (await run({}, { input: i, element: j, delta: ctx.eps }))["f"] as Tensor;
      const minus = (await run({}, { input: i, element: j, delta: -ctx.eps }))["f"] as Tensor;
      const step = x + ctx.eps - (x - ctx.eps);
      perElement.push(Float64Array.from(plus.data, (p, k) => (p - (minus.data[k] as number)) / step));
    }
    all.push(perElement);
  }
  ctx.differences.set(f, all);
  return all;
}

async function checkReverse(f: Expr, order: number, ctx: Context, out: Comparisons): Promise<void> {
  const gs = grad(contracted(f, 0), ctx.xs);
  const analytic = await (await program(Object.fromEntries(gs.map((g, k) => [`g${k}`, g])), ctx))();
  const c = pattern(sizeOf(f.shape as number[]), 0);
  const numeric = await differences(f, ctx);
  ctx.diff.forEach((i, k) => {
    const s = ctx.specs[i] as InputSpec;
    const g = analytic[`g${k}`] as Tensor;
    (numeric[k] as Float64Array[]).forEach((d, j) => {
      const n = d.reduce((acc, v, m) => acc + v * (c[m] as number), 0);
      out.add({ mode: "rev", order, input: i, element: j, index: indexOf(s.shape, j), analytic: g.data[j] as number, numeric: n });
    });
  });
}

async function checkForward(f: Expr, order: number, ctx: Context, out: Comparisons): Promise<void> {
  const names = ctx.diff.map((i) => `checkGrads/t${i}`);
  const ts = ctx.diff.map((i, k) => input(names[k] as string, (ctx.specs[i] as InputSpec).shape, "float64"));
  const run = await program({ j: jvp(f, ctx.xs, ts) }, ctx);
  const numeric = await differences(f, ctx);
  const shape = f.shape as number[];
  const zeros = Object.fromEntries(ctx.diff.map((i, k) => [names[k] as string, feed({ ...(ctx.specs[i] as InputSpec), values: new Float64Array((ctx.specs[i] as InputSpec).values.length) })]));
  for (const [k, i] of ctx.diff.entries()) {
    const s = ctx.specs[i] as InputSpec;
    for (let j = 0; j < s.values.length; j++) {
      const unit = feed({ ...s, values: new Float64Array(s.values.length) }, j, 1);
      const jt = (await run({ ...zeros, [names[k] as string]: unit }))["j"] as Tensor;
      const d = (numeric[k] as Float64Array[])[j] as Float64Array;
      d.forEach((n, m) => out.add({ mode: "fwd", order, input: i, element: j, index: indexOf(s.shape, j), output: { element: m, index: indexOf(shape, m) }, analytic: jt.data[m] as number, numeric: n }));
    }
  }
}

function describe(c: GradComparison, specs: readonly InputSpec[]): string {
  const s = specs[c.input] as InputSpec;
  const at = `${s.label} ${formatShape(s.shape)}, element ${c.element} (index [${c.index.join(",")}])`;
  const times = c.order === 1 ? "" : ` of its order-${c.order - 1} derivative`;
  if (c.mode === "rev") return `reverse mode (gg.grad${times}), order ${c.order}: the derivative with respect to ${at}`;
  const o = c.output as NonNullable<GradComparison["output"]>;
  return `forward mode (gg.jvp${times}), order ${c.order}: along ${at}, output element ${o.element} (index [${o.index.join(",")}])`;
}
