import { isFloat } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { flattenTree } from "../optim/tree.js";
function firstBad(t) {
  if (!isFloat(t.dtype)) return -1;
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}
function unravel(flat, shape) {
  const index = new Array(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    const n = shape[a];
    index[a] = flat % n;
    flat = Math.floor(flat / n);
  }
  return index;
}
function findNonFinite(state, metrics, checkState = true) {
  if (checkState) {
    const groups = [
      ["param", Object.entries(state.params)],
      ["optimizer state", flattenTree(state.opt)],
      ["ema", Object.entries(state.ema)]
    ];
    for (const [kind, entries] of groups) {
      for (const [name, t] of entries) {
        if (!(t instanceof Tensor)) continue;
        const i = firstBad(t);
        if (i >= 0) return { kind, name, value: t.data[i], index: unravel(i, t.shape) };
      }
    }
  }
  for (const [name, v] of Object.entries(metrics)) if (!Number.isFinite(v)) return { kind: "metric", name, value: v, index: [] };
  return void 0;
}
function describeNonFinite(f, step) {
  const at = f.index.length > 0 ? ` at [${f.index.join(",")}]` : "";
  return `non-finite value in ${f.kind} '${f.name}' at step ${step} (${f.value}${at})`;
}
export {
  describeNonFinite,
  findNonFinite
};
