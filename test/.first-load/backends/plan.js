import { left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../ir/errors.js";
import { graphInputs } from "../ir/graph.js";
import { OPS } from "../ir/ops/index.js";
import { BINARY_OPS, COMPARE_OPS } from "../ir/ops/elementwise.js";
import { formatShape, substitute } from "../ir/shape.js";
function bindFeeds(graph, feeds) {
  const inputs = graphInputs(graph);
  return bindWith(inputs, new Set(inputs.map((n) => n.attrs.name)), feeds);
}
function bindWith(inputs, names, feeds) {
  if (feeds.size !== inputs.length || [...feeds.keys()].some((k) => !names.has(k))) {
    for (const name of feeds.keys()) {
      if (!names.has(name)) {
        return left(new GraphgradError(`feed '${name}'`, `the graph has no input of that name (inputs: ${[...names].join(", ") || "none"})`));
      }
    }
  }
  const env = /* @__PURE__ */ new Map();
  for (const n of inputs) {
    const { name, shape, dtype } = n.attrs;
    const t = feeds.get(name);
    const want = () => `${dtype}${formatShape(shape)}`;
    const fail = (msg) => left(new GraphgradError(`feed '${name}'`, msg));
    if (t === void 0) return fail(`missing: the graph needs ${want()}`);
    const got = () => `${t.dtype}${formatShape(t.shape)}`;
    if (t.dtype !== dtype) return fail(`dtype ${t.dtype} given, ${dtype} expected (${got()} for ${want()})`);
    if (t.shape.length !== shape.length) return fail(`rank ${t.shape.length} given, ${shape.length} expected (${got()} for ${want()})`);
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      const v = t.shape[i];
      if (typeof d === "number") {
        if (d !== v) return fail(`axis ${i} has size ${v}, ${d} expected (${got()} for ${want()})`);
      } else {
        const bound = env.get(d);
        if (bound !== void 0 && bound !== v) return fail(`axis ${i} has size ${v}, but dimension ${d} is ${bound} in another feed`);
        env.set(d, v);
      }
    }
  }
  return right(env);
}
function bindAttrs(attrs, env) {
  const a = attrs;
  if (!("shape" in a) && !("size" in a)) return attrs;
  const out = { ...a };
  const bind = (d) => typeof d === "string" ? env.get(d) ?? d : d;
  if (Array.isArray(a["shape"])) out["shape"] = a["shape"].map(bind);
  if (Array.isArray(a["size"])) out["size"] = a["size"].map(bind);
  else if (a["size"] !== void 0) out["size"] = bind(a["size"]);
  return out;
}
function planShapes(graph, env) {
  const index = /* @__PURE__ */ new Map();
  const shapes = [];
  for (const n of graph.nodes) {
    const inputs = n.inputs.map((x) => ({ shape: shapes[index.get(x)], dtype: x.dtype }));
    const def = OPS[n.op];
    const r = def.infer(inputs, bindAttrs(n.attrs, env));
    if (r._tag === "Left") return left(new GraphgradError(n.op, `at run time: ${r.left} (with ${formatEnv(env)})`));
    const expected = substitute(n.shape, env);
    const got = substitute(r.right.shape, env);
    const stretched = got === void 0 ? void 0 : stretchedSymbol(n, inputs.map((x) => x.shape), got);
    if (stretched !== void 0) return left(new GraphgradError(n.op, `at run time: ${stretched} (with ${formatEnv(env)})`));
    if (expected === void 0 || got === void 0 || expected.some((d, i) => d !== got[i]) || expected.length !== got.length) {
      return left(
        new GraphgradError(
          n.op,
          `at run time the result has shape ${formatShape(got ?? r.right.shape)}, but the graph was built for ${formatShape(n.shape)} (with ${formatEnv(env)}); a symbolic dimension was broadcast or mismatched`
        )
      );
    }
    index.set(n, shapes.length);
    shapes.push(got);
  }
  return right({ env, shapes });
}
const formatEnv = (env) => [...env].map(([k, v]) => `${k}=${v}`).join(", ");
const BROADCASTING = /* @__PURE__ */ new Set([...BINARY_OPS, ...COMPARE_OPS, "where", "matmul"]);
function stretchedSymbol(n, operands, result) {
  if (!BROADCASTING.has(n.op)) return void 0;
  const cut = (s) => n.op === "matmul" ? s.slice(0, -2) : s;
  const out = cut(result);
  for (const [k, x] of n.inputs.entries()) {
    const symbolic = cut(x.shape);
    const concrete = cut(operands[k]);
    const lead = out.length - symbolic.length;
    for (let i = 0; i < symbolic.length; i++) {
      const d = symbolic[i];
      if (typeof d === "string" && concrete[i] !== out[lead + i]) {
        return `dimension ${d} = ${String(concrete[i])} of operand ${k} would be broadcast to ${String(out[lead + i])}; symbolic dimensions must match exactly`;
      }
    }
  }
  return void 0;
}
function shapePlanner(graph) {
  const cache = /* @__PURE__ */ new Map();
  const inputs = graphInputs(graph);
  const names = new Set(inputs.map((n) => n.attrs.name));
  return (feeds) => {
    const env = bindWith(inputs, names, feeds);
    if (env._tag === "Left") return env;
    let key = "";
    for (const [k, v] of env.right) key += `${k}=${v};`;
    const hit = cache.get(key);
    if (hit !== void 0) return right(hit);
    const plan = planShapes(graph, env.right);
    if (plan._tag === "Right") cache.set(key, plan.right);
    return plan;
  };
}
function bindingCache(graph, build) {
  const planner = shapePlanner(graph);
  const built = /* @__PURE__ */ new WeakMap();
  return (feeds) => {
    const plan = planner(feeds);
    if (plan._tag === "Left") throw plan.left;
    let pending = built.get(plan.right);
    if (pending === void 0) {
      pending = build(plan.right);
      built.set(plan.right, pending);
    }
    return pending;
  };
}
export {
  bindAttrs,
  bindFeeds,
  bindingCache,
  planShapes,
  shapePlanner
};
