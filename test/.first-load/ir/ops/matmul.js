import { left, right } from "fp-ts/lib/Either.js";
import { broadcastShapes, formatShape } from "../shape.js";
import { None } from "./codecs.js";
const matmulAttrs = { matmul: None };
const matmulOps = {
  matmul: {
    arity: 2,
    infer: (xs) => {
      const [a, b] = xs;
      const shapes = `${formatShape(a.shape)} x ${formatShape(b.shape)}`;
      if (a.shape.length < 2 || b.shape.length < 2) return left(`operands need rank >= 2, got ${shapes}`);
      if (a.dtype !== b.dtype) return left(`operand dtypes differ: ${a.dtype} vs ${b.dtype} in ${shapes}`);
      if (a.dtype === "bool") return left(`needs numeric operands, got bool in ${shapes}`);
      const k1 = a.shape[a.shape.length - 1];
      const k2 = b.shape[b.shape.length - 2];
      if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) return left(`inner dimensions differ: ${shapes}`);
      const batch = broadcastShapes([a.shape.slice(0, -2), b.shape.slice(0, -2)]);
      if (batch._tag === "Left") return left(`batch dimensions do not broadcast: ${shapes}`);
      return right({
        shape: [...batch.right, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]],
        dtype: a.dtype
      });
    },
    vjp: (n, g, b) => {
      const [x, y] = n.inputs;
      return [b.emit("matmul", [g, b.swapLast(y)], {}), b.emit("matmul", [b.swapLast(x), g], {})];
    }
  }
};
export {
  matmulAttrs,
  matmulOps
};
