import * as arg from "./args.js";
import { type Expr, type ExprLike } from "./expr.js";
import { abs, add, div, erf, exp, greater, greaterEqual, log, matmul, max, maximum, mul, stopGradient, sub, sum, tanh, where } from "./ops.js";

/**
 * Composite functions: built from primitives only, so they need no gradient rule of their own.
 * Each is written in a numerically stable form whose gradient is also finite.
 */

/**
 * 1 / (1 + e^-x), via z = e^-|x| so neither branch (nor its gradient) overflows. -|x| is written
 * as a `where` (not `neg(abs(x))`, whose gradient is 0 at x = 0 and would make σ'(0) = 0).
 */
export function sigmoid(x: Expr): Expr {
  arg.expr("sigmoid", x);
  const nonNegative = greaterEqual(x, 0);
  const z = exp(where(nonNegative, x.neg(), x));
  return where(nonNegative, div(1, add(1, z)), div(z, add(1, z)));
}

/** max(x, 0), with gradient 0 at x = 0 (as TensorFlow). */
export function relu(x: Expr): Expr {
  arg.expr("relu", x);
  return where(greater(x, 0), x, 0);
}

/**
 * GELU, x·Φ(x) (Hendrycks & Gimpel): exact, 0.5·x·(1 + erf(x/√2)), by default (as PyTorch's
 * `gelu` and Keras'); `approximate: true` is the tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
 * (PyTorch's `approximate="tanh"`, JAX's default).
 */
export function gelu(x: Expr, options: { readonly approximate?: boolean } = {}): Expr {
  arg.expr("gelu", x);
  arg.options("gelu", options);
  arg.optionalBoolean("gelu", options.approximate, "options.approximate");
  if (options.approximate === true) {
    const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** SiLU (swish), x·σ(x). */
export function silu(x: Expr): Expr {
  arg.expr("silu", x);
  return mul(x, sigmoid(x));
}

/** x for x > 0, alpha·x otherwise (TensorFlow's default alpha is 0.2). */
export function leakyRelu(x: Expr, alpha = 0.2): Expr {
  arg.expr("leakyRelu", x);
  arg.number("leakyRelu", alpha, "alpha");
  return where(greater(x, 0), x, mul(x, alpha));
}

/** log(1 + e^x) = max(x, 0) + log(1 + e^-|x|). */
export function softplus(x: Expr): Expr {
  arg.expr("softplus", x);
  return add(maximum(x, 0), log(add(1, exp(abs(x).neg()))));
}

/** x - logsumexp(x) along `axis`; the max shift is a constant (stopGradient), so it cancels exactly. */
export function logSoftmax(x: Expr, axis = -1): Expr {
  arg.expr("logSoftmax", x);
  arg.number("logSoftmax", axis, "the axis", { integer: true });
  const shifted = sub(x, stopGradient(max(x, axis, true)));
  return sub(shifted, log(sum(exp(shifted), axis, true)));
}

/** e^x / Σ e^x along `axis`, computed on x - max(x). */
export function softmax(x: Expr, axis = -1): Expr {
  arg.expr("softmax", x);
  arg.number("softmax", axis, "the axis", { integer: true });
  const e = exp(sub(x, stopGradient(max(x, axis, true))));
  return div(e, sum(e, axis, true));
}

export function square(x: ExprLike): Expr {
  return mul(x, x);
}

/** TensorFlow's l2_loss: sum(w²) / 2. */
export function l2Loss(w: Expr): Expr {
  arg.expr("l2Loss", w);
  return div(sum(square(w)), 2);
}

/** x·w + b, then an optional activation. */
export function dense(x: Expr, w: Expr, b?: Expr, activation?: (z: Expr) => Expr): Expr {
  if (b !== undefined) arg.expr("dense", b, "the bias");
  if (activation !== undefined) arg.func("dense", activation, "the activation");
  const z = b === undefined ? matmul(x, w) : add(matmul(x, w), b);
  return activation === undefined ? z : activation(z);
}
