import { left, right } from "fp-ts/lib/Either.js";
import { isFloat } from "../dtype.js";
import { GraphgradError } from "../errors.js";
import { add, fill, RULE_KIT, unbroadcast, zerosLike } from "../builders.js";
import { toposort } from "../node.js";
import { OPS } from "../ops/index.js";
import { broadcastShapes, formatShape, shapesEqual } from "../shape.js";
function vjp(y, xs, ct) {
  if (!isFloat(y.dtype)) return left(new GraphgradError("grad", `the output must be float, got ${y.dtype}`));
  for (const [i, x] of xs.entries()) {
    if (!isFloat(x.dtype)) return left(new GraphgradError("grad", `cannot differentiate with respect to ${describe(x)} (argument ${i}): it is ${x.dtype}, not float`));
  }
  let seed;
  if (ct === void 0) {
    if (y.shape.length !== 0) {
      return left(new GraphgradError("grad", `the output has shape ${formatShape(y.shape)}, not a scalar: reduce it (e.g. mean) or pass a cotangent of its shape`));
    }
    seed = fill(1, [], y.dtype);
  } else {
    if (!shapesEqual(ct.shape, y.shape) || ct.dtype !== y.dtype) {
      return left(new GraphgradError("grad", `the cotangent is ${ct.dtype}${formatShape(ct.shape)} but the output is ${y.dtype}${formatShape(y.shape)}`));
    }
    seed = ct;
  }
  const order = toposort([y]);
  const wanted = new Set(xs);
  const reaches = /* @__PURE__ */ new Set();
  for (const n of order) {
    if (wanted.has(n) || n.inputs.some((i) => reaches.has(i))) reaches.add(n);
  }
  const cts = /* @__PURE__ */ new Map([[y, seed]]);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    const g = cts.get(n);
    if (g === void 0 || !reaches.has(n) || n.inputs.length === 0) continue;
    const parts = cotangentsOf(n, g);
    n.inputs.forEach((input, i) => {
      const part = parts[i];
      if (part === null || !reaches.has(input) || !isFloat(input.dtype)) return;
      const prev = cts.get(input);
      cts.set(input, prev === void 0 ? part : add(prev, part));
    });
  }
  return right(xs.map((x) => cts.get(x) ?? zerosLike(x)));
}
function cotangentsOf(n, g) {
  const rule = OPS[n.op];
  const parts = rule.vjp(n, g, RULE_KIT);
  const bug = (what) => new GraphgradError(`grad of ${n.op}`, `the VJP rule ${what} (a bug in the rule)`);
  if (parts.length !== n.inputs.length) throw bug(`gave ${parts.length} cotangents for ${n.inputs.length} operands`);
  return parts.map((part, i) => {
    const x = n.inputs[i];
    if (part === null) return null;
    if (part.dtype !== x.dtype) throw bug(`gave a ${part.dtype} cotangent for ${x.dtype} operand ${i}`);
    const joint = broadcastShapes([x.shape, part.shape]);
    if (joint._tag === "Left" || !shapesEqual(joint.right, part.shape)) {
      throw bug(`gave a cotangent of shape ${formatShape(part.shape)} for operand ${i} of shape ${formatShape(x.shape)}`);
    }
    return unbroadcast(part, x.shape);
  });
}
function describe(x) {
  return x.op === "input" ? `'${x.attrs.name}'` : `a ${x.op} node`;
}
export {
  vjp
};
