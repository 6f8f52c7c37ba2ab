import { GraphgradError } from "../../ir/errors.js";
import { Tensor } from "../../ir/tensor.js";
import { Expr } from "../expr.js";
function isLeaf(v) {
  return v instanceof Expr || v instanceof Tensor;
}
function flattenTree(tree, prefix = "") {
  if (isLeaf(tree)) return [[prefix, tree]];
  if (Array.isArray(tree)) return tree.flatMap((v, i) => flattenTree(v, join(prefix, String(i))));
  if (typeof tree === "object" && tree !== null) {
    return Object.keys(tree).sort().flatMap((k) => flattenTree(tree[k], join(prefix, k)));
  }
  return [];
}
const join = (a, b) => a === "" ? b : `${a}/${b}`;
function mapTree(tree, f, prefix = "") {
  if (isLeaf(tree)) return f(tree, prefix);
  if (Array.isArray(tree)) return Object.freeze(tree.map((v, i) => mapTree(v, f, join(prefix, String(i)))));
  if (typeof tree === "object" && tree !== null) {
    const out = {};
    for (const k of Object.keys(tree)) out[k] = mapTree(tree[k], f, join(prefix, k));
    return Object.freeze(out);
  }
  return tree;
}
function treeBuilder(template) {
  let next = 0;
  const build = (tree) => {
    if (!isLeaf(tree) && flattenTree(tree).length === 0 && deepFrozen(tree)) return () => tree;
    if (isLeaf(tree)) {
      const i = next++;
      return (leaves, offset) => leaves[offset + i];
    }
    if (Array.isArray(tree)) {
      const items = tree.map((v) => build(v));
      return (leaves, offset) => Object.freeze(items.map((b) => b(leaves, offset)));
    }
    if (typeof tree === "object" && tree !== null) {
      const record = tree;
      const sorted = new Map(Object.keys(record).sort().map((k) => [k, build(record[k])]));
      const keys = Object.keys(record);
      const items = keys.map((k) => sorted.get(k));
      return (leaves, offset) => {
        const out = {};
        for (let i = 0; i < keys.length; i++) out[keys[i]] = items[i](leaves, offset);
        return Object.freeze(out);
      };
    }
    return () => tree;
  };
  return build(template);
}
function deepFrozen(tree) {
  if (typeof tree !== "object" || tree === null) return true;
  return Object.isFrozen(tree) && Object.values(tree).every(deepFrozen);
}
function treeFlattener(template, where) {
  const keyLists = (tree) => {
    if (isLeaf(tree)) return [[]];
    if (Array.isArray(tree)) return tree.flatMap((v, i) => keyLists(v).map((ks) => [i, ...ks]));
    if (typeof tree === "object" && tree !== null) {
      return Object.keys(tree).sort().flatMap((k) => keyLists(tree[k]).map((ks) => [k, ...ks]));
    }
    return [];
  };
  const paths = keyLists(template).map((keys) => ({ keys, path: keys.join("/") }));
  return (tree) => {
    const out = new Array(paths.length);
    for (let i = 0; i < paths.length; i++) {
      const { keys, path } = paths[i];
      let v = tree;
      for (let k = 0; k < keys.length && v !== void 0 && v !== null; k++) v = v[keys[k]];
      if (!isLeaf(v)) throw new GraphgradError(where, `the optimizer state has no tensor at '${path}' (is it a state of this train step's optimizer?)`);
      out[i] = v;
    }
    return out;
  };
}
function mapParams(p, f) {
  const out = {};
  for (const [k, v] of Object.entries(p)) out[k] = f(v, k);
  return Object.freeze(out);
}
function entry(p, name, what) {
  const v = p[name];
  if (v === void 0) throw new GraphgradError(what, `no entry for parameter '${name}' (have: ${Object.keys(p).join(", ")})`);
  return v;
}
export {
  entry,
  flattenTree,
  mapParams,
  mapTree,
  treeBuilder,
  treeFlattener
};
