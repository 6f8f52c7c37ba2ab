import * as t from "io-ts";
import { left, right } from "fp-ts/lib/Either.js";
import { DimCodec, formatShape, shapesEqual } from "../shape.js";
import { None } from "./codecs.js";
const indexingAttrs = {
  gather: None,
  scatterAdd: t.type({ size: DimCodec }, "ScatterAddAttrs")
};
const indexingOps = {
  gather: {
    arity: 2,
    infer: (xs) => {
      const [p, i] = xs;
      if (i.dtype !== "int32") return left(`indices must be int32, got ${i.dtype}`);
      if (p.shape.length < 1) return left(`params must have rank >= 1, got ${formatShape(p.shape)}`);
      return right({ shape: [...i.shape, ...p.shape.slice(1)], dtype: p.dtype });
    },
    vjp: (n, g, b) => {
      const [p, i] = n.inputs;
      return [b.emit("scatterAdd", [g, i], { size: p.shape[0] }), null];
    }
  },
  scatterAdd: {
    arity: 2,
    infer: (xs, { size }) => {
      const [u, i] = xs;
      if (i.dtype !== "int32") return left(`indices must be int32, got ${i.dtype}`);
      if (u.dtype === "bool") return left("updates must be numeric, got bool");
      const lead = u.shape.slice(0, i.shape.length);
      if (!shapesEqual(lead, i.shape)) {
        return left(`updates ${formatShape(u.shape)} must start with the indices' shape ${formatShape(i.shape)}`);
      }
      if (typeof size === "number" && (size < 1 || !Number.isInteger(size))) return left(`size must be a positive integer, got ${size}`);
      return right({ shape: [size, ...u.shape.slice(i.shape.length)], dtype: u.dtype });
    },
    vjp: (n, g, b) => [b.emit("gather", [g, n.inputs[1]], {}), null]
  }
};
export {
  indexingAttrs,
  indexingOps
};
