import { broadcastStridesOf } from "../view.js";
function treeOf(v) {
  if (v.kind === "view") return { kind: "load", view: v };
  if (v.kind === "const") return { kind: "const", value: v.value, dtype: v.dtype };
  return v.tree;
}
function place(t, space) {
  switch (t.kind) {
    case "load":
      return { kind: "load", dtype: t.view.dtype, access: { buffer: t.view.buffer, offset: t.view.offset, strides: broadcastStridesOf(t.view, space) } };
    case "const":
      return t;
    case "op":
      return { kind: "op", op: t.op, dtype: t.dtype, args: t.args.map((a) => place(a, space)) };
  }
}
export {
  place,
  treeOf
};
