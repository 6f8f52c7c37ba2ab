import * as t from "io-ts";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import type { Node } from "../node.js";
import type { OpDef, TypeInfo } from "../op.js";
import { type Dim, formatShape, unifyShape } from "../shape.js";
import { SubgraphCodec } from "../subgraph.js";
import { Int } from "./codecs.js";
import { customBatch, customJvp, customVjp } from "./custom-rules.js";

/**
 * customVjp: a function with a gradient rule of its own (straight-through estimators, clipped
 * backward passes), JAX's custom_vjp. Two subgraphs held as attributes:
 *   fwd(args...) -> (outputs...)                     what the function computes;
 *   bwd(args..., cotangents of the outputs...) -> (cotangents of the args...)   the rule.
 * Each output is a node of its own (`output`). Compiling inlines fwd (the default passes); the
 * gradient driver inlines bwd in place of differentiating fwd.
 */
export const customAttrs = {
  customVjp: t.type({ fwd: SubgraphCodec, bwd: SubgraphCodec, output: Int }, "CustomVjpAttrs"),
};


export const customOps: { readonly customVjp: OpDef<"customVjp"> } = {
  customVjp: {
    arity: "variadic",
    infer: (xs, a): Either<string, TypeInfo> => {
      const { fwd, bwd } = a;
      const [A, O] = [fwd.params.length, fwd.results.length];
      if (xs.length !== A) return left(`${xs.length} arguments for a function of ${A}`);
      if (bwd.params.length !== A + O || bwd.results.length !== A) return left(`the rule takes ${bwd.params.length} values and gives ${bwd.results.length}, but the function has ${A} arguments and ${O} outputs`);
      const env = new Map<string, Dim>();
      for (let i = 0; i < A; i++) {
        const p = fwd.params[i] as Node;
        const x = xs[i] as TypeInfo;
        if (x.dtype !== p.dtype) return left(`argument ${i} is ${x.dtype}, the function takes ${p.dtype}`);
        const bad = unifyShape(p.shape, x.shape, env);
        if (bad !== undefined) return left(`argument ${i}: ${bad}`);
        const g = bwd.results[i] as Node;
        if (g.dtype !== p.dtype || formatShape(g.shape) !== formatShape(p.shape)) return left(`the rule gives ${g.dtype}${formatShape(g.shape)} for argument ${i} of ${p.dtype}${formatShape(p.shape)}`);
      }
      const o = a.output;
      if (!Number.isInteger(o) || o < 0 || o >= O) return left(`output ${o} is out of range: the function has ${O} outputs`);
      const r = fwd.results[o] as Node;
      return right({ shape: r.shape.map((d) => (typeof d === "string" ? (env.get(d) ?? d) : d)), dtype: r.dtype });
    },
    vjp: (n, g, b) => customVjp(n, g, b),
    jvp: (n, ts, b) => customJvp(n, ts, b),
    batch: (n, args, b) => customBatch(n, args, b),
  },
};
