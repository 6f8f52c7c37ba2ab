import { GraphgradError } from "../../ir/errors.js";
import { broadcastShapes, type Dim, formatShape, shapesEqual } from "../../ir/shape.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { div, exp, greater, iota, lessEqual, matmul, max, mul, stopGradient, sub, sum, transpose, where } from "../ops.js";

export interface AttentionOptions {
  /**
   * A bool tensor broadcastable to [..., seqQ, seqK]: true where query i may attend to key j.
   * A query whose keys are all masked (here or by `causal`) gets zeros (see `dotProductAttention`).
   */
  readonly mask?: Expr;
  /** Query i attends to keys j <= i only (top-left aligned when seqQ differs from seqK). */
  readonly causal?: boolean;
  /** The factor of q·kᵀ; default 1/√d. */
  readonly scale?: number;
}

const swapLast = (x: Expr): Expr => transpose(x, [...Array(x.rank - 2).keys(), x.rank - 1, x.rank - 2]);

/** [seqQ, seqK] bool: key j <= query i. */
function causalMask(seqQ: Dim, seqK: Dim): Expr {
  return lessEqual(iota([seqQ, seqK], 1, "int32"), iota([seqQ, seqK], 0, "int32"));
}

/**
 * Scaled dot-product attention (Vaswani et al.): softmax(q·kᵀ·scale + mask)·v over the keys, for
 * q [..., seqQ, d], k [..., seqK, d], v [..., seqK, dv] → [..., seqQ, dv] (batch axes broadcast).
 *
 * Masked scores take no part: their weights are exactly 0, and their scores get no gradient. A
 * query with every key masked attends to nothing: its output is zeros and its gradients are
 * zeros — never NaN, as a softmax over no key would give (its weights sum to 0, not 1). The
 * softmax is computed on scores minus their (unmasked) maximum, held constant, so that large
 * scores cannot overflow.
 */
export function dotProductAttention(q: Expr, k: Expr, v: Expr, options: AttentionOptions = {}): Expr {
  const op = "nn.dotProductAttention";
  arg.expr(op, q, "q");
  arg.expr(op, k, "k");
  arg.expr(op, v, "v");
  arg.options(op, options);
  if (options.mask !== undefined) arg.expr(op, options.mask, "options.mask");
  arg.optionalBoolean(op, options.causal, "options.causal");
  arg.optionalNumber(op, options.scale, "options.scale");
  for (const [name, e] of [["q", q], ["k", k], ["v", v]] as const) {
    if (e.rank < 2) throw new GraphgradError(op, `${name} must be [..., seq, features], got ${formatShape(e.shape)}`);
    if (e.dtype !== "float32" && e.dtype !== "float64") throw new GraphgradError(op, `${name} must be float32 or float64, got ${e.dtype}`);
  }
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw new GraphgradError(op, `q, k and v must have one dtype, got ${q.dtype}, ${k.dtype} and ${v.dtype}`);
  const d = q.shape[q.rank - 1];
  if (!shapesEqual([k.shape[k.rank - 1] as Dim], [d as Dim])) {
    throw new GraphgradError(op, `q and k must have the same feature size: q ${formatShape(q.shape)}, k ${formatShape(k.shape)}`);
  }
  if (!shapesEqual([k.shape[k.rank - 2] as Dim], [v.shape[v.rank - 2] as Dim])) {
    throw new GraphgradError(op, `k and v must have the same number of keys (axis -2): k ${formatShape(k.shape)}, v ${formatShape(v.shape)}`);
  }
  const scale = options.scale ?? (typeof d === "number" ? 1 / Math.sqrt(d) : undefined);
  if (scale === undefined) throw new GraphgradError(op, `the feature size of q ${formatShape(q.shape)} is symbolic: pass { scale }`);

  const scores = mul(matmul(q, swapLast(k)), scale); // [..., seqQ, seqK]
  const seqQ = scores.shape[scores.rank - 2] as Dim;
  const seqK = scores.shape[scores.rank - 1] as Dim;
  let allowed: Expr | undefined;
  if (options.mask !== undefined) {
    const m = options.mask;
    if (m.dtype !== "bool") throw new GraphgradError(op, `mask must be bool, got ${m.dtype}`);
    const b = broadcastShapes([m.shape, scores.shape]);
    if (b._tag === "Left" || !shapesEqual(b.right, scores.shape)) {
      throw new GraphgradError(op, `mask ${formatShape(m.shape)} does not broadcast to the scores [..., seqQ, seqK] = ${formatShape(scores.shape)}`);
    }
    allowed = m;
  }
  if (options.causal === true) {
    const c = causalMask(seqQ, seqK);
    allowed = allowed === undefined ? c : where(allowed, c, allowed); // allowed ∧ c
  }
  if (allowed === undefined) {
    const e = exp(sub(scores, stopGradient(max(scores, -1, true))));
    return matmul(div(e, sum(e, -1, true)), v);
  }
  // Masked scores become −∞ before the exponential (e = 0, and its gradient e·g = 0). The shift
  // is the largest allowed score (0 for a row with none, where every e is 0 anyway).
  const top = stopGradient(max(where(allowed, scores, -Infinity), -1, true));
  const shift = where(greater(top, -Infinity), top, 0);
  const e = exp(where(allowed, sub(scores, shift), -Infinity));
  const total = sum(e, -1, true);
  // A row with no allowed key has total 0: divided by 1 instead, its weights stay 0.
  return matmul(div(e, where(greater(total, 0), total, 1)), v);
}
