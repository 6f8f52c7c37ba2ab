import { GraphgradError } from "../../ir/errors.js";
import { l2Loss } from "../composites.js";
import type { Expr } from "../expr.js";
import { l1Loss } from "../losses.js";
import { add, cast, mul } from "../ops.js";
import type { Regularization } from "./types.js";

/** loss + l2·Σ l2Loss(w) + l1·Σ|w| over the regularized parameters (weights, rank >= 2, by default). */
export function addRegularization(loss: Expr, params: Readonly<Record<string, Expr>>, reg: Regularization | undefined): Expr {
  if (reg === undefined || (reg.l2 === undefined && reg.l1 === undefined)) return loss;
  const names = reg.params ?? Object.keys(params).filter((n) => (params[n] as Expr).rank >= 2);
  let total = loss;
  for (const n of names) {
    const w = params[n];
    if (w === undefined) throw new GraphgradError("trainStep", `regularized parameter '${n}' is not a parameter`);
    if (reg.l2 !== undefined) total = add(total, cast(mul(l2Loss(w), reg.l2), loss.dtype));
    if (reg.l1 !== undefined) total = add(total, cast(mul(l1Loss(w), reg.l1), loss.dtype));
  }
  return total;
}
