import { add, cast, div, fill, mul, pow, scalar, sqrt, sub, zerosLike } from "../ops.js";
import { entry, mapParams } from "./tree.js";
const at = (p, n, what) => entry(p, n, what);
const fillLike = (p, v) => fill(p.shape, v, p.dtype);
function scaleByAdagrad(o = {}) {
  const init = o.initialAccumulator ?? 0.1;
  const eps = o.eps ?? 0;
  return {
    init: (params) => Object.freeze({ _tag: "AdagradState", accumulator: mapParams(params, (p) => fillLike(p, init)) }),
    update: (grads, state) => {
      const accumulator = mapParams(grads, (g, n) => add(at(state.accumulator, n, "adagrad"), mul(g, g)));
      const updates = mapParams(grads, (g, n) => {
        const r = sqrt(at(accumulator, n, "adagrad"));
        return div(g, eps === 0 ? r : add(r, eps));
      });
      return [updates, Object.freeze({ _tag: "AdagradState", accumulator }), {}];
    }
  };
}
function scaleByRms(o = {}) {
  const rho = o.decay ?? 0.9;
  const eps = o.eps ?? 1e-10;
  const init = o.initialScale ?? 1;
  const centered = o.centered === true;
  return {
    init: (params) => Object.freeze({
      _tag: "RmsState",
      meanSquare: mapParams(params, (p) => fillLike(p, init)),
      meanGrad: centered ? mapParams(params, zerosLike) : {}
    }),
    update: (grads, state) => {
      const meanSquare = mapParams(grads, (g, n) => add(mul(at(state.meanSquare, n, "rmsprop"), rho), mul(mul(g, g), 1 - rho)));
      const meanGrad = centered ? mapParams(grads, (g, n) => add(mul(at(state.meanGrad, n, "rmsprop"), rho), mul(g, 1 - rho))) : {};
      const updates = mapParams(grads, (g, n) => {
        const ms = at(meanSquare, n, "rmsprop");
        const denom = centered ? sub(ms, mul(at(meanGrad, n, "rmsprop"), at(meanGrad, n, "rmsprop"))) : ms;
        return div(g, sqrt(eps === 0 ? denom : add(denom, eps)));
      });
      return [updates, Object.freeze({ _tag: "RmsState", meanSquare, meanGrad }), {}];
    }
  };
}
function scaleByAdam(o = {}) {
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  return {
    init: (params) => Object.freeze({ _tag: "AdamState", count: scalar(0, "int32"), mu: mapParams(params, zerosLike), nu: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const count = add(state.count, 1);
      const mu = mapParams(grads, (g, n) => add(mul(at(state.mu, n, "adam"), b1), mul(g, 1 - b1)));
      const nu = mapParams(grads, (g, n) => add(mul(at(state.nu, n, "adam"), b2), mul(mul(g, g), 1 - b2)));
      const updates = mapParams(grads, (g, n) => {
        const t = cast(count, g.dtype);
        const correction = div(sqrt(sub(1, pow(scalar(b2, g.dtype), t))), sub(1, pow(scalar(b1, g.dtype), t)));
        const r = sqrt(at(nu, n, "adam"));
        return mul(correction, div(at(mu, n, "adam"), eps === 0 ? r : add(r, eps)));
      });
      return [updates, Object.freeze({ _tag: "AdamState", count, mu, nu }), {}];
    }
  };
}
function scaleByAdadelta(o = {}) {
  const rho = o.rho ?? 0.95;
  const eps = o.eps ?? 1e-8;
  return {
    init: (params) => Object.freeze({ _tag: "AdadeltaState", accumulator: mapParams(params, zerosLike), accumulatorUpdate: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const accumulator = mapParams(grads, (g, n) => add(mul(at(state.accumulator, n, "adadelta"), rho), mul(mul(g, g), 1 - rho)));
      const updates = mapParams(
        grads,
        (g, n) => mul(div(sqrt(add(at(state.accumulatorUpdate, n, "adadelta"), eps)), sqrt(add(at(accumulator, n, "adadelta"), eps))), g)
      );
      const accumulatorUpdate = mapParams(updates, (u, n) => add(mul(at(state.accumulatorUpdate, n, "adadelta"), rho), mul(mul(u, u), 1 - rho)));
      return [updates, Object.freeze({ _tag: "AdadeltaState", accumulator, accumulatorUpdate }), {}];
    }
  };
}
export {
  scaleByAdadelta,
  scaleByAdagrad,
  scaleByAdam,
  scaleByRms
};
