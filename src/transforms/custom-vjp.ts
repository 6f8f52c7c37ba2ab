import { emit } from "../../ir/build.js";
import { GraphgradError } from "../../ir/errors.js";
import { type Node, toposort } from "../../ir/node.js";
import { formatShape, shapesEqual } from "../../ir/shape.js";
import { closeOver, placeholder } from "../../ir/subgraph.js";
import { Expr } from "../expr.js";
import { fill, prim } from "../ops.js";
import { type ExprTree, leaves, rebuild } from "./tree.js";

/** A gradient rule: the cotangents of the arguments (one per argument; null for none) for the cotangent `ct` of the result. */
export interface CustomVjpRule<A extends readonly Expr[], R extends ExprTree> {
  readonly vjp: (ct: R, primals: { readonly args: A; readonly out: R }) => readonly (Expr | null)[];
}

/**
 * A function with a gradient rule of its own (JAX's custom_vjp): `customVjp(fn, { vjp })(...args)`
 * computes `fn(...args)`, and `grad` uses `vjp` instead of differentiating fn — a
 * straight-through estimator (`round` forward, identity backward), a clipped backward pass. The
 * function and the rule are traced into subgraphs when it is applied, so the graph can be saved,
 * batched and differentiated again. `jvp` of it is derived from the rule when the rule is linear
 * in the cotangent (as a VJP is), and refused otherwise. Gradients flow to the arguments only:
 * fn and the rule may use constants, but inputs and parameters must be passed as arguments.
 */
export function customVjp<A extends readonly Expr[], R extends ExprTree>(fn: (...args: A) => R, rule: CustomVjpRule<A, R>): (...args: A) => R {
  if (typeof fn !== "function") throw new GraphgradError("customVjp", `fn must be a function, got ${typeof fn}`);
  if (typeof rule !== "object" || rule === null || typeof rule.vjp !== "function") throw new GraphgradError("customVjp", "the rule must be { vjp: (ct, { args, out }) => cotangents }");
  return (...args: A): R => {
    args.forEach((a, i) => {
      if (!(a instanceof Expr)) throw new GraphgradError("customVjp", `argument ${i} is not an Expr`);
    });
    const ps = args.map((a, i) => placeholder(emit, `cvjp:a${i}:${a.node.id}`, a.shape, a.dtype));
    const psExprs = ps.map((p) => Expr.of(p)) as unknown as A;
    const out = fn(...psExprs);
    const outs = leaves(out, "customVjp", "fn's result");
    const cps = outs.map((o, j) => placeholder(emit, `cvjp:c${j}:${o.node.id}`, o.shape, o.dtype));
    const ct = rebuild(out, cps.map((c) => Expr.of(c))[Symbol.iterator]());
    const given = rule.vjp(ct, { args: psExprs, out });
    if (!Array.isArray(given) || given.length !== args.length) throw new GraphgradError("customVjp", `the rule gives ${Array.isArray(given) ? given.length : "no list of"} cotangents for ${args.length} arguments`);
    const grads = args.map((a, i) => {
      const g = given[i] ?? null;
      if (g === null) return fill(a.shape, 0, a.dtype).node;
      if (!(g instanceof Expr) || g.dtype !== a.dtype || !shapesEqual(g.shape, a.shape)) {
        throw new GraphgradError("customVjp", `the rule's cotangent ${i} must be ${a.dtype}${formatShape(a.shape)} like argument ${i}, got ${g instanceof Expr ? `${g.dtype}${formatShape(g.shape)}` : typeof g}`);
      }
      return g.node;
    });
    const { body, captured } = closeOver(emit, [...ps, ...cps], [...outs.map((o) => o.node), ...grads], (outer, i) => placeholder(emit, `cvjp:k${i}:${outer.id}`, outer.shape, outer.dtype), { keepConstants: true });
    if (captured.length > 0) {
      const name = describeOuter(captured[0] as Node);
      throw new GraphgradError("customVjp", `fn or its rule uses ${name} from outside its arguments: pass it as an argument, so that the rule gives its gradient`);
    }
    const fwd = { params: body.params.slice(0, ps.length), results: body.results.slice(0, outs.length) };
    const bwd = { params: body.params, results: body.results.slice(outs.length) };
    const results = outs.map((_, j) => prim("customVjp", args, { fwd, bwd, output: j }));
    return rebuild(out, results[Symbol.iterator]());
  };
}

/** The input or parameter an outside value comes from, for the error message. */
function describeOuter(n: Node): string {
  const source = toposort([n]).find((x) => x.op === "input");
  return source !== undefined && source.op === "input" ? `${source.attrs.kind} '${source.attrs.name}'` : `a ${n.op} value`;
}
