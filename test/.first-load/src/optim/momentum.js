import { add, mul, zerosLike } from "../ops.js";
import { entry, mapParams } from "./tree.js";
function traceMomentum(o) {
  return {
    init: (params) => Object.freeze({ _tag: "TraceState", trace: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const trace = mapParams(grads, (g, n) => add(mul(entry(state.trace, n, "traceMomentum"), o.decay), g));
      const updates = o.nesterov === true ? mapParams(grads, (g, n) => add(g, mul(entry(trace, n, "traceMomentum"), o.decay))) : trace;
      return [updates, Object.freeze({ _tag: "TraceState", trace }), {}];
    }
  };
}
function emaMomentum(o) {
  return {
    init: (params) => Object.freeze({ _tag: "EmaState", mu: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const mu = mapParams(grads, (g, n) => add(mul(entry(state.mu, n, "emaMomentum"), o.beta), mul(g, 1 - o.beta)));
      return [mu, Object.freeze({ _tag: "EmaState", mu }), {}];
    }
  };
}
export {
  emaMomentum,
  traceMomentum
};
