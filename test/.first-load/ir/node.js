function canonical(v) {
  if (typeof v === "number") {
    return Object.is(v, -0) ? "-0" : String(v);
  }
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean" || v === null || v === void 0) return String(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (ArrayBuffer.isView(v)) return `[${Array.from(v, canonical).join(",")}]`;
  const o = v;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")}}`;
}
const table = /* @__PURE__ */ new Map();
const registry = new FinalizationRegistry((key) => {
  const ref = table.get(key);
  if (ref !== void 0 && ref.deref() === void 0) table.delete(key);
});
let nextId = 0;
function intern(op, inputs, attrs, shape, dtype) {
  const key = `${op}(${inputs.map((n) => n.id).join(",")})${canonical(attrs)}`;
  const hit = table.get(key)?.deref();
  if (hit !== void 0) return hit;
  const node = Object.freeze({
    id: nextId++,
    op,
    inputs: Object.freeze([...inputs]),
    attrs: frozenCopy(attrs),
    shape: Object.freeze([...shape]),
    dtype,
    key
  });
  table.set(key, new WeakRef(node));
  registry.register(node, key);
  return node;
}
function frozenCopy(v) {
  if (Array.isArray(v)) return Object.freeze(v.map(frozenCopy));
  if (typeof v === "object" && v !== null) {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = frozenCopy(x);
    return Object.freeze(o);
  }
  return v;
}
function toposort(roots) {
  const seen = /* @__PURE__ */ new Set();
  const order = [];
  const stack = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const child = top.node.inputs[top.next++];
        if (!seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}
export {
  canonical,
  intern,
  toposort
};
