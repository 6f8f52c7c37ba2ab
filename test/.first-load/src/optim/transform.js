import { cast, add, mul } from "../ops.js";
import { entry, mapParams } from "./tree.js";
const EMPTY = Object.freeze({ _tag: "EmptyState" });
function stateless(f, metrics) {
  return {
    init: () => EMPTY,
    update: (grads, state, params) => [mapParams(grads, (g, n) => f(g, entry(params, n, "update"), n)), state, metrics?.(grads) ?? {}]
  };
}
function identity() {
  return stateless((g) => g);
}
function scale(c) {
  return stateless((g) => mul(g, c));
}
function chain(...transforms) {
  return {
    init: (params) => Object.freeze({ _tag: "ChainState", inner: Object.freeze(transforms.map((t) => t.init(params))) }),
    update: (grads, state, params) => {
      let u = grads;
      const next = [];
      let metrics = {};
      transforms.forEach((t, i) => {
        const [u2, s2, m2] = t.update(u, state.inner[i], params);
        u = u2;
        next.push(s2);
        metrics = { ...metrics, ...m2 };
      });
      return [u, Object.freeze({ _tag: "ChainState", inner: Object.freeze(next) }), metrics];
    }
  };
}
function applyUpdates(params, updates) {
  return mapParams(params, (p, n) => {
    const u = updates[n];
    return u === void 0 ? p : add(p, cast(u, p.dtype));
  });
}
export {
  EMPTY,
  applyUpdates,
  chain,
  identity,
  scale,
  stateless
};
