import { left, right } from "fp-ts/lib/Either.js";
import { apply, emit } from "../build.js";
import { GraphgradError } from "../errors.js";
import { rebuild } from "../graph.js";
import { formatShape, shapesEqual } from "../shape.js";
function rewritePass(name, rule) {
  return (g) => {
    try {
      const out = rebuild(g, (n, inputs) => rule(inputs.every((x, i) => x === n.inputs[i]) ? n : remake(n, inputs)));
      for (const [k, before] of Object.entries(g.outputs)) {
        const after = out.outputs[k];
        if (!shapesEqual(before.shape, after.shape) || before.dtype !== after.dtype) {
          return left(
            new GraphgradError(name, `changed output '${k}' from ${before.dtype}${formatShape(before.shape)} to ${after.dtype}${formatShape(after.shape)}`)
          );
        }
      }
      return right(out);
    } catch (e) {
      if (e instanceof GraphgradError) return left(new GraphgradError(name, e.message));
      throw e;
    }
  };
}
function remake(n, inputs) {
  return emit(n.op, inputs, n.attrs);
}
function asShapeOf(x, n) {
  if (x.dtype !== n.dtype) return void 0;
  if (shapesEqual(x.shape, n.shape)) return x;
  const b = apply("broadcast", [x], { shape: n.shape });
  return b._tag === "Right" ? b.right : void 0;
}
export {
  asShapeOf,
  rewritePass
};
