import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import * as arg from "../args.js";
import { sigmoid } from "../composites.js";
import type { Expr } from "../expr.js";
import { add, concat, fill, matmul, mul, slice, sub, tanh } from "../ops.js";
import { constant, glorotUniform, type Initializer, type ParamSpec, zeros } from "./init.js";
import { createParam } from "./params.js";
import type { RNNCell } from "./rnn.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";

/**
 * TF 1's GRUCell (`tf.compat.v1.nn.rnn_cell.GRUCell`, Cho et al. 2014), variable for variable:
 * gates/kernel [inputSize + units, 2·units] with the reset gate r in the first `units` columns and
 * the update gate u in the second; gates/bias [2·units]; candidate/kernel [inputSize + units,
 * units]; candidate/bias [units].
 */
export interface GRUParams {
  readonly gateKernel: Expr;
  readonly gateBias: Expr;
  readonly candidateKernel: Expr;
  readonly candidateBias: Expr;
  readonly inputSize: number;
  readonly units: number;
  readonly specs: readonly ParamSpec[];
}

export interface GRUParamsOptions {
  /** Default: Glorot uniform (TF's default for both kernels). */
  readonly kernelInit?: Initializer;
  /** Default: ones (TF's GRUCell starts the gates open: σ(1) ≈ 0.73). */
  readonly gateBiasInit?: Initializer;
  /** Default: zeros. */
  readonly candidateBiasInit?: Initializer;
  readonly dtype?: DType;
}

/** Creates `${prefix}/gates/kernel`, `${prefix}/gates/bias`, `${prefix}/candidate/kernel` and `${prefix}/candidate/bias` (TF's names). */
export function gruParams(prefix: Prefix, inputSize: number, units: number, options: GRUParamsOptions = {}): GRUParams {
  checkPrefix("nn.gruParams", prefix);
  arg.number("nn.gruParams", inputSize, "inputSize", { integer: true, min: 1 });
  arg.number("nn.gruParams", units, "units", { integer: true, min: 1 });
  arg.options("nn.gruParams", options);
  const { kernelInit = glorotUniform(), gateBiasInit = constant(1), candidateBiasInit = zeros(), dtype = "float32" } = options;
  const path = prefixOf(prefix);
  const gk = createParam(`${path}/gates/kernel`, [inputSize + units, 2 * units], kernelInit, dtype);
  const gb = createParam(`${path}/gates/bias`, [2 * units], gateBiasInit, dtype);
  const ck = createParam(`${path}/candidate/kernel`, [inputSize + units, units], kernelInit, dtype);
  const cb = createParam(`${path}/candidate/bias`, [units], candidateBiasInit, dtype);
  return { gateKernel: gk.param, gateBias: gb.param, candidateKernel: ck.param, candidateBias: cb.param, inputSize, units, specs: [gk.spec, gb.spec, ck.spec, cb.spec] };
}

type GRUWeights = Pick<GRUParams, "gateKernel" | "gateBias" | "candidateKernel" | "candidateBias">;

function unitsOf(p: GRUWeights): { readonly units: number; readonly inputSize: number } {
  arg.record("nn.gru", p, "the parameters");
  for (const name of ["gateKernel", "gateBias", "candidateKernel", "candidateBias"] as const) arg.expr("nn.gru", p[name], name);
  const [rows, cols] = p.candidateKernel.shape;
  const ok =
    p.candidateKernel.rank === 2 && typeof rows === "number" && typeof cols === "number" && rows > cols &&
    p.gateKernel.rank === 2 && p.gateKernel.shape[0] === rows && p.gateKernel.shape[1] === 2 * cols &&
    p.gateBias.rank === 1 && p.gateBias.shape[0] === 2 * cols && p.candidateBias.rank === 1 && p.candidateBias.shape[0] === cols;
  if (!ok) {
    throw new GraphgradError(
      "nn.gru",
      `need gates/kernel [inputSize + units, 2·units], gates/bias [2·units], candidate/kernel [inputSize + units, units], candidate/bias [units]; got ${[p.gateKernel, p.gateBias, p.candidateKernel, p.candidateBias].map((e) => formatShape(e.shape)).join(", ")}`,
    );
  }
  return { units: cols as number, inputSize: (rows as number) - (cols as number) };
}

/**
 * One step of TF 1's GRUCell — the reset gate applied to the state before the candidate's matmul
 * (Cho et al.'s original form; Keras' GRU and cuDNN apply it after, to h·U):
 *   [r, u] = σ(concat([x, h])·gates/kernel + gates/bias)
 *   c = tanh(concat([x, r·h])·candidate/kernel + candidate/bias)
 *   h' = u·h + (1 − u)·c
 * and the output is h'.
 */
export function gruStep(x: Expr, h: Expr, p: GRUWeights): readonly [Expr, Expr] {
  arg.expr("nn.gru", x, "the input");
  arg.expr("nn.gru", h, "the state");
  const { units, inputSize } = unitsOf(p);
  if (x.rank !== 2 || x.shape[1] !== inputSize) {
    throw new GraphgradError("nn.gru", `the input must be [batch, ${inputSize}] for gates/kernel ${formatShape(p.gateKernel.shape)}, got ${formatShape(x.shape)}`);
  }
  if (h.rank !== 2 || h.shape[1] !== units) throw new GraphgradError("nn.gru", `the state must be [batch, ${units}], got ${formatShape(h.shape)}`);
  const gates = sigmoid(add(matmul(concat([x, h], 1), p.gateKernel), p.gateBias));
  const r = slice(gates, [0, 0], [-1, units]);
  const u = slice(gates, [0, units], [-1, units]);
  const c = tanh(add(matmul(concat([x, mul(r, h)], 1), p.candidateKernel), p.candidateBias));
  const next = add(mul(u, h), mul(sub(1, u), c));
  return [next, next];
}

/** A GRU cell (TF 1's GRUCell) over the given parameters; its state is h [batch, units]. */
export function gruCell(p: GRUWeights): RNNCell<Expr> {
  const { units } = unitsOf(p);
  return {
    outputSize: units,
    step: (x, h) => gruStep(x, h, p),
    zeroState: (batch, dtype = p.gateKernel.dtype) => fill([batch, units], 0, dtype),
  };
}
