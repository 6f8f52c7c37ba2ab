import { GraphgradError } from "../../ir/errors.js";
import { formatShape, normalizeAxis } from "../../ir/shape.js";
import { slice, squeeze } from "../ops.js";
import * as random from "../random.js";
import { dropout } from "./dropout.js";
function splitKey(key, n) {
  return key === void 0 ? Array.from({ length: n }, () => void 0) : random.split(key, n);
}
function multiCell(cells) {
  const last = cells[cells.length - 1];
  if (last === void 0) throw new GraphgradError("nn.multiCell", "needs at least one cell");
  return {
    outputSize: last.outputSize,
    step: (x, states, context = {}) => {
      if (states.length !== cells.length) throw new GraphgradError("nn.multiCell", `${cells.length} cells but ${states.length} states`);
      const keys = splitKey(context.key, cells.length);
      let out = x;
      const next = cells.map((cell, l) => {
        const [o, s] = cell.step(out, states[l], { key: keys[l] });
        out = o;
        return s;
      });
      return [out, next];
    },
    zeroState: (batch, dtype) => cells.map((c) => c.zeroState(batch, dtype))
  };
}
function dropoutCell(cell, options) {
  const { inputKeepProb = 1, outputKeepProb = 1, training = true } = options;
  return {
    outputSize: cell.outputSize,
    step: (x, state, context = {}) => {
      const [kIn, kOut, kCell] = splitKey(context.key, 3);
      const xIn = dropout(x, { keepProb: inputKeepProb, key: kIn, training });
      const [o, s] = cell.step(xIn, state, { key: kCell });
      return [dropout(o, { keepProb: outputKeepProb, key: kOut, training }), s];
    },
    zeroState: (batch, dtype) => cell.zeroState(batch, dtype)
  };
}
function unroll(cell, inputs, initialState, options = {}) {
  const keys = splitKey(options.key, inputs.length);
  let state = initialState;
  const outputs = inputs.map((x, t) => {
    const [o, s] = cell.step(x, state, { key: keys[t] });
    state = s;
    return o;
  });
  return { outputs, state };
}
function unstack(x, axis = 1) {
  const a = normalizeAxis(axis, x.rank);
  if (a._tag === "Left") throw new GraphgradError("nn.unstack", `${a.left} (shape ${formatShape(x.shape)})`);
  const n = x.shape[a.right];
  if (typeof n !== "number") throw new GraphgradError("nn.unstack", `axis ${a.right} of ${formatShape(x.shape)} is symbolic`);
  return Array.from({ length: n }, (_, t) => {
    const begin = x.shape.map((_d, i) => i === a.right ? t : 0);
    const size = x.shape.map((_d, i) => i === a.right ? 1 : -1);
    return squeeze(slice(x, begin, size), a.right);
  });
}
export {
  dropoutCell,
  multiCell,
  unroll,
  unstack
};
