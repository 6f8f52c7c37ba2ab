import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cast, div, fill, mul, pow, scalar, sqrt, sub, zerosLike } from "../ops.js";
import { entry, mapParams, type Params } from "./tree.js";
import type { GradientTransformation, TransformState } from "./transform.js";

/**
 * Adaptive scalings: Adagrad, RMSProp, Adam, Adadelta, each following TensorFlow 1's documented
 * update rule (tf.compat.v1.train.*Optimizer). They produce a direction; the learning rate is
 * applied by a following `scaleByLearningRate` (the aliases in `aliases.ts` chain them).
 */

const at = (p: Params, n: string, what: string): Expr => entry(p, n, what);
const fillLike = (p: Expr, v: number): Expr => fill(p.shape, v, p.dtype);

export interface AdagradState extends TransformState {
  readonly _tag: "AdagradState";
  readonly accumulator: Params;
}

/**
 * Adagrad: acc ← acc + g², direction g / (sqrt(acc) + eps). TF starts acc at 0.1 with no eps;
 * the seed's hand-written form starts at 0 (its first step is then g/|g|).
 */
export function scaleByAdagrad(o: { initialAccumulator?: number; eps?: number } = {}): GradientTransformation<AdagradState, never> {
  checkOptions("adagrad", o, ["initialAccumulator", "eps"]);
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
    },
  };
}

export interface RmsState extends TransformState {
  readonly _tag: "RmsState";
  readonly meanSquare: Params;
  /** The running mean of g (centered RMSProp only; empty otherwise). */
  readonly meanGrad: Params;
}

/**
 * RMSProp: ms ← ρ·ms + (1-ρ)·g², direction g / sqrt(ms + eps); centered: mg ← ρ·mg + (1-ρ)·g and
 * g / sqrt(ms - mg² + eps). TF 1 starts ms at 1 (its `rms` slot is ones-initialized), decay 0.9,
 * eps 1e-10; the seed's form starts at 0 with no eps.
 */
export function scaleByRms(o: { decay?: number; eps?: number; initialScale?: number; centered?: boolean } = {}): GradientTransformation<RmsState, never> {
  checkOptions("rmsprop", o, ["decay", "eps", "initialScale"]);
  arg.optionalBoolean("optim.rmsprop", o.centered, "centered");
  const rho = o.decay ?? 0.9;
  const eps = o.eps ?? 1e-10;
  const init = o.initialScale ?? 1;
  const centered = o.centered === true;
  return {
    init: (params) =>
      Object.freeze({
        _tag: "RmsState",
        meanSquare: mapParams(params, (p) => fillLike(p, init)),
        meanGrad: centered ? mapParams(params, zerosLike) : {},
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
    },
  };
}

export interface AdamState extends TransformState {
  readonly _tag: "AdamState";
  /** Steps taken (int32 scalar). */
  readonly count: Expr;
  readonly mu: Params;
  readonly nu: Params;
}

/**
 * Adam with TF's bias correction and epsilon placement:
 *   m ← β1·m + (1-β1)·g,  v ← β2·v + (1-β2)·g²,  t ← t + 1,
 *   direction = sqrt(1-β2^t)/(1-β1^t) · m / (sqrt(v) + ε)
 * so that with the learning rate lr it is TF's lr_t·m/(sqrt(v)+ε), lr_t = lr·sqrt(1-β2^t)/(1-β1^t).
 * With ε = 0 it equals the seed's m̂/sqrt(v̂).
 */
export function scaleByAdam(o: { b1?: number; b2?: number; eps?: number } = {}): GradientTransformation<AdamState, never> {
  checkOptions("adam", o, ["b1", "b2", "eps"]);
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  return {
    init: (params) =>
      Object.freeze({ _tag: "AdamState", count: scalar(0, "int32"), mu: mapParams(params, zerosLike), nu: mapParams(params, zerosLike) }),
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
    },
  };
}

export interface AdadeltaState extends TransformState {
  readonly _tag: "AdadeltaState";
  readonly accumulator: Params;
  readonly accumulatorUpdate: Params;
}

/**
 * Adadelta (Zeiler 2012) as TF 1 applies it (training_ops ApplyAdadelta):
 *   acc ← ρ·acc + (1-ρ)·g²,  u = sqrt(accU + ε)/sqrt(acc + ε)·g,  accU ← ρ·accU + (1-ρ)·u²,
 * direction u. tf.compat.v1.train.AdadeltaOptimizer defaults: learning_rate 0.001, rho 0.95,
 * epsilon 1e-8.
 */
export function scaleByAdadelta(o: { rho?: number; eps?: number } = {}): GradientTransformation<AdadeltaState, never> {
  checkOptions("adadelta", o, ["rho", "eps"]);
  const rho = o.rho ?? 0.95;
  const eps = o.eps ?? 1e-8;
  return {
    init: (params) =>
      Object.freeze({ _tag: "AdadeltaState", accumulator: mapParams(params, zerosLike), accumulatorUpdate: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const accumulator = mapParams(grads, (g, n) => add(mul(at(state.accumulator, n, "adadelta"), rho), mul(mul(g, g), 1 - rho)));
      const updates = mapParams(grads, (g, n) =>
        mul(div(sqrt(add(at(state.accumulatorUpdate, n, "adadelta"), eps)), sqrt(add(at(accumulator, n, "adadelta"), eps))), g),
      );
      const accumulatorUpdate = mapParams(updates, (u, n) => add(mul(at(state.accumulatorUpdate, n, "adadelta"), rho), mul(mul(u, u), 1 - rho)));
      return [updates, Object.freeze({ _tag: "AdadeltaState", accumulator, accumulatorUpdate }), {}];
    },
  };
}

/** An optional options object whose `numeric` fields, when present, are finite numbers. */
function checkOptions(name: string, o: object | undefined, numeric: readonly string[]): void {
  arg.options(`optim.${name}`, o);
  for (const k of numeric) arg.optionalNumber(`optim.${name}`, (o as Readonly<Record<string, unknown>> | undefined)?.[k], k);
}
