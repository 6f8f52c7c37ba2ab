import { GraphgradError } from "../../ir/errors.js";
import { formatShape, shapesEqual } from "../../ir/shape.js";
import { Expr } from "../expr.js";
import { square } from "../composites.js";
import { add, axesOf, div, mean, mul, reshape, sqrt, stopGradient, sub, where } from "../ops.js";
import { ones, zeros } from "./init.js";
import { createParam } from "./params.js";
function batchNormParams(prefix, shape, options = {}) {
  const { center = true, scale = true, dtype = "float32" } = options;
  const s = typeof shape === "number" ? [shape] : [...shape];
  const movingMean = createParam(`${prefix}/movingMean`, s, zeros(), dtype);
  const movingVariance = createParam(`${prefix}/movingVariance`, s, ones(), dtype);
  const gamma = scale ? createParam(`${prefix}/gamma`, s, ones(), dtype) : void 0;
  const beta = center ? createParam(`${prefix}/beta`, s, zeros(), dtype) : void 0;
  const specs = [gamma?.spec, beta?.spec, movingMean.spec, movingVariance.spec].filter((p) => p !== void 0);
  return {
    ...gamma === void 0 ? {} : { gamma: gamma.param },
    ...beta === void 0 ? {} : { beta: beta.param },
    movingMean: movingMean.param,
    movingVariance: movingVariance.param,
    specs
  };
}
function paramName(e, role) {
  if (e.node.op !== "input") throw new GraphgradError("nn.batchNorm", `${role} must be a param(...) (its new value is returned by name), got a ${e.node.op} node`);
  return e.node.attrs.name;
}
function batchNorm(x, options) {
  const { gamma, beta, movingMean, movingVariance, momentum = 0.99, eps = 1e-3, training } = options;
  const axes = axesOf("nn.batchNorm", x, options.axes ?? [...Array(x.rank - 1).keys()]);
  if (axes.length === 0) throw new GraphgradError("nn.batchNorm", `no axis to reduce over in ${formatShape(x.shape)}`);
  if (!(momentum >= 0 && momentum <= 1)) throw new GraphgradError("nn.batchNorm", `momentum must be in [0, 1], got ${momentum}`);
  if (training instanceof Expr && (training.dtype !== "bool" || training.rank !== 0)) {
    throw new GraphgradError("nn.batchNorm", `training must be a boolean or a bool scalar Expr, got ${String(training)}`);
  }
  const kept = x.shape.filter((_, i) => !axes.includes(i));
  const keptDims = x.shape.map((d, i) => axes.includes(i) ? 1 : d);
  const asKeep = (e, role) => {
    if (!shapesEqual(e.shape, kept)) {
      throw new GraphgradError("nn.batchNorm", `${role} must have the shape of the axes kept, ${formatShape(kept)} (x ${formatShape(x.shape)}, axes [${axes.join(",")}]), got ${formatShape(e.shape)}`);
    }
    return reshape(e, keptDims);
  };
  const batchMean = mean(x, axes, true);
  const batchVariance = mean(square(sub(x, stopGradient(batchMean))), axes, true);
  const movingMeanK = asKeep(movingMean, "movingMean");
  const movingVarianceK = asKeep(movingVariance, "movingVariance");
  const pick = (batch, moving) => training === true ? batch : training === false ? moving : where(training, batch, moving);
  const m = pick(batchMean, movingMeanK);
  const v = pick(batchVariance, movingVarianceK);
  let inv = div(1, sqrt(add(v, eps)));
  if (gamma !== void 0) inv = mul(inv, asKeep(gamma, "gamma"));
  const shift = beta === void 0 ? mul(m, inv).neg() : sub(asKeep(beta, "beta"), mul(m, inv));
  const y = add(mul(x, inv), shift);
  if (training === false) return { y, updates: {} };
  const decay = 1 - momentum;
  const update = (moving, movingK, batch) => {
    const next = reshape(sub(movingK, mul(sub(movingK, batch), decay)), kept);
    return training === true ? next : where(training, next, moving);
  };
  return {
    y,
    updates: {
      [paramName(movingMean, "movingMean")]: update(movingMean, movingMeanK, batchMean),
      [paramName(movingVariance, "movingVariance")]: update(movingVariance, movingVarianceK, batchVariance)
    }
  };
}
export {
  batchNorm,
  batchNormParams
};
