import * as t from "io-ts";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import { isFloat } from "../dtype.js";
import type { Node, NodeOf } from "../node.js";
import type { OpDef, TypeInfo } from "../op.js";
import { type Dim, DimCodec, formatShape, type Shape, unifyShape } from "../shape.js";
import { SubgraphCodec } from "../subgraph.js";
import { Int } from "./codecs.js";
import { scanBatch, scanJvp, scanVjp } from "./scan-rules.js";

/**
 * scan: a loop as one primitive whose attribute is its body (a subgraph), JAX's lax.scan.
 *
 *   scan(consts..., inits..., xs...) with body(consts..., carry..., x...) -> (carry'..., y...)
 *
 * runs the body `length` times (backwards when `reverse`), each step on the slices x[t] of the xs
 * (leading axis `length`), threading the carry; consts are the same at every step. A scan has
 * several results, and a node has one: each result is its own node, `output` picking it —
 *   output < K:           the final carry K (the carry's shape),
 *   K <= output < K + Y:  the ys stacked along a new leading axis [length, ...],
 *   K + Y <= output:      the carry entering each step, stacked [length, ...] (what the VJP saves).
 * The nodes of one scan (same operands and body, another `output`) are computed once together.
 */
export const scanAttrs = {
  scan: t.type({ body: SubgraphCodec, length: DimCodec, reverse: t.boolean, consts: Int, carry: Int, output: Int }, "ScanAttrs"),
};

export type ScanAttrs = t.TypeOf<(typeof scanAttrs)["scan"]>;

/** The counts of a scan's operand and result groups. */
export function scanCounts(a: ScanAttrs): { consts: number; carry: number; xs: number; ys: number } {
  return { consts: a.consts, carry: a.carry, xs: a.body.params.length - a.consts - a.carry, ys: a.body.results.length - a.carry };
}


const substituted = (s: Shape, env: ReadonlyMap<string, Dim>): Dim[] => s.map((d) => (typeof d === "string" ? (env.get(d) ?? d) : d));

function inferScan(xs: readonly TypeInfo[], a: ScanAttrs): Either<string, TypeInfo> {
  const n = scanCounts(a);
  const { params, results } = a.body;
  if (n.consts < 0 || n.carry < 0 || n.xs < 0 || n.ys < 0) return left(`the body has ${params.length} parameters and ${results.length} results for ${a.consts} consts and ${a.carry} carries`);
  if (xs.length !== params.length) return left(`${xs.length} operands for a body of ${params.length} parameters`);
  if (typeof a.length === "number" && (!Number.isInteger(a.length) || a.length < 0)) return left(`length must be an integer >= 0, got ${a.length}`);
  if (typeof a.length === "string" && n.xs === 0) return left(`a scan without xs needs a known length, got ${a.length}`);
  const env = new Map<string, Dim>();
  // A symbolic length is bound by the xs' leading axis, as any symbol.
  const sameLength = (d: Dim | undefined): boolean => {
    if (typeof a.length === "number") return d === a.length;
    const bound = env.get(a.length);
    if (bound === undefined && d !== undefined) env.set(a.length, d);
    return d !== undefined && (bound === undefined || bound === d);
  };
  for (let i = 0; i < params.length; i++) {
    const p = params[i] as Node;
    const x = xs[i] as TypeInfo;
    const role = i < a.consts ? `const ${i}` : i < a.consts + a.carry ? `carry ${i - a.consts}` : `xs ${i - a.consts - a.carry}`;
    if (x.dtype !== p.dtype) return left(`${role} is ${x.dtype}, the body takes ${p.dtype}`);
    let shape = x.shape;
    if (i >= a.consts + a.carry) {
      if (x.shape.length === 0 || !sameLength(x.shape[0])) return left(`${role} has shape ${formatShape(x.shape)}: its leading axis must be the length ${String(a.length)}`);
      shape = x.shape.slice(1);
    }
    const bad = unifyShape(p.shape, shape, env);
    if (bad !== undefined) return left(`${role}: ${bad}`);
  }
  for (let j = 0; j < a.carry; j++) {
    const r = results[j] as Node;
    const p = params[a.consts + j] as Node;
    if (r.dtype !== p.dtype || formatShape(substituted(r.shape, env)) !== formatShape(substituted(p.shape, env))) {
      return left(`the body returns carry ${j} as ${r.dtype}${formatShape(r.shape)}, but takes it as ${p.dtype}${formatShape(p.shape)} (a carry keeps its shape and dtype)`);
    }
  }
  const o = a.output;
  if (!Number.isInteger(o) || o < 0 || o >= 2 * a.carry + n.ys) return left(`output ${o} is out of range: ${a.carry} carries, ${n.ys} ys, ${a.carry} carry stacks`);
  if (o < a.carry) {
    const p = params[a.consts + o] as Node;
    return right({ shape: substituted(p.shape, env), dtype: p.dtype });
  }
  const r = (o < a.carry + n.ys ? results[o] : params[a.consts + o - a.carry - n.ys]) as Node;
  const length = typeof a.length === "string" ? (env.get(a.length) ?? a.length) : a.length;
  return right({ shape: [length, ...substituted(r.shape, env)], dtype: r.dtype });
}

export const scanOps: { readonly scan: OpDef<"scan"> } = {
  scan: {
    arity: "variadic",
    infer: inferScan,
    vjp: (n, g, b) => scanVjp(n, g, b),
    jvp: (n, ts, b) => scanJvp(n, ts, b),
    batch: (n, args, b) => scanBatch(n, args, b),
  },
};

/** The scan's float operands (those with gradients and tangents). */
export const floatOperands = (n: NodeOf<"scan">): boolean[] => n.inputs.map((x) => isFloat(x.dtype));
