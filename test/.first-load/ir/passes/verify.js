import { left, right } from "fp-ts/lib/Either.js";
import { ATTR_CODECS } from "../ops/attrs.js";
import { GraphgradError } from "../errors.js";
import { OPS } from "../ops/index.js";
import { formatShape, shapesEqual } from "../shape.js";
function verify(g) {
  const seen = /* @__PURE__ */ new Set();
  const names = /* @__PURE__ */ new Map();
  for (const n of g.nodes) {
    const where = `${n.op} (node ${n.id})`;
    for (const x of n.inputs) {
      if (!seen.has(x)) return left(new GraphgradError(where, `operand node ${x.id} (${x.op}) is not before it in the graph`));
    }
    if (!ATTR_CODECS[n.op].is(n.attrs)) return left(new GraphgradError(where, `invalid attributes ${JSON.stringify(n.attrs)}`));
    const def = OPS[n.op];
    if (def.arity !== "variadic" && def.arity !== n.inputs.length) {
      return left(new GraphgradError(where, `expects ${def.arity} operands, has ${n.inputs.length}`));
    }
    const r = def.infer(n.inputs, n.attrs);
    if (r._tag === "Left") return left(new GraphgradError(where, r.left));
    if (!shapesEqual(r.right.shape, n.shape) || r.right.dtype !== n.dtype) {
      return left(new GraphgradError(where, `recorded as ${n.dtype}${formatShape(n.shape)} but its rule gives ${r.right.dtype}${formatShape(r.right.shape)}`));
    }
    if (n.op === "input") {
      const other = names.get(n.attrs.name);
      if (other !== void 0) {
        return left(
          new GraphgradError(`input '${n.attrs.name}'`, `two different inputs share this name: ${describe(other)} and ${describe(n)}`)
        );
      }
      names.set(n.attrs.name, n);
    }
    seen.add(n);
  }
  for (const [name, n] of Object.entries(g.outputs)) {
    if (!seen.has(n)) return left(new GraphgradError(`output '${name}'`, "is not a node of the graph"));
  }
  return right(g);
}
function describe(n) {
  return n.op === "input" ? `${n.attrs.kind} ${n.dtype}${formatShape(n.shape)}` : n.op;
}
export {
  verify
};
