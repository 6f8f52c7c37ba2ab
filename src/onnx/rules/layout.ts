import type { Node } from "../../../ir/node.js";
import { intAttr, intsAttr } from "../attributes.js";
import type { OnnxRule } from "./rule.js";

type LayoutOp = "reshape" | "transpose" | "broadcast" | "slice" | "pad" | "concat";

/**
 * Layout ops. Target shapes are the node's inferred shape (a -1 already resolved); a symbolic
 * dimension in one is read from the input that has it (see `OnnxContext.shape`).
 */
export const layoutRules: { readonly [K in LayoutOp]: OnnxRule<K> } = {
  // allowzero: a 0 in the target is a size, not "copy the input's dimension".
  reshape: (n, [x], cx) => cx.op("Reshape", [x as string, cx.shape(n.shape)], [intAttr("allowzero", 1)]),
  transpose: (n, [x], cx) => cx.op("Transpose", [x as string], [intsAttr("perm", n.attrs.perm)]),
  // graphgrad's targets only add axes and widen 1s, which is what Expand's broadcasting does.
  broadcast: (n, [x], cx) => cx.op("Expand", [x as string, cx.shape(n.shape)]),
  // Only the axes actually cut are named (symbolic axes are always taken whole).
  slice: (n, [x], cx) => {
    const from = (n.inputs[0] as Node).shape;
    const axes = from.flatMap((d, i) => (n.attrs.begin[i] !== 0 || n.attrs.size[i] !== d ? [i] : []));
    if (axes.length === 0) return cx.op("Identity", [x as string]);
    const starts = axes.map((i) => n.attrs.begin[i] as number);
    const ends = axes.map((i) => (n.attrs.begin[i] as number) + (n.attrs.size[i] as number));
    return cx.op("Slice", [x as string, cx.int64s(starts), cx.int64s(ends), cx.int64s(axes)]);
  },
  // Constant mode, value 0 (false for bool): graphgrad's zero padding.
  pad: (n, [x], cx) => {
    if ([...n.attrs.lo, ...n.attrs.hi].every((p) => p === 0)) return cx.op("Identity", [x as string]);
    return cx.op("Pad", [x as string, cx.int64s([...n.attrs.lo, ...n.attrs.hi])]);
  },
  concat: (n, inputs, cx) => cx.op("Concat", inputs, [intAttr("axis", n.attrs.axis)]),
};
